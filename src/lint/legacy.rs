//! Forms Dockerfile still accepts and no longer recommends.

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::ir::{KeyValue, Step, StepKind};

use super::{Context, Rule};

/// LegacyKeyValueFormat: `ENV KEY value with spaces` and `LABEL KEY value`. The value is
/// the rest of the line, so a second pair cannot follow; the fix writes `KEY=value`.
pub(super) fn key_values(context: &Context<'_>, found: &mut Diagnostics) {
    for (_, step) in context.buildfile.walk() {
        let (name, pairs) = match &step.kind {
            StepKind::Env(pairs) => ("ENV", pairs),
            StepKind::Label(pairs) => ("LABEL", pairs),
            _ => continue,
        };
        for pair in pairs.iter().filter(|pair| pair.legacy) {
            found.push(legacy_warning(context, name, step, pair));
        }
    }
}

fn legacy_warning(context: &Context<'_>, name: &str, step: &Step, pair: &KeyValue) -> Diagnostic {
    // The pair's text is `KEY value…`: the key is its first word, the value the rest, as
    // written (quotes and escapes included, so the fix keeps their meaning).
    let written = context
        .files
        .file(pair.span.file)
        .map_or(step.text.as_str(), |file| file.slice(pair.span));
    let (key, value) = written
        .split_once(char::is_whitespace)
        .map_or((written, ""), |(key, value)| (key, value.trim()));
    // Quoting keeps the meaning only of a value with no quotes or escapes of its own.
    let plain = !value.contains(['"', '\'', context.buildfile.directives.escape]);
    let replacement = match value.contains(char::is_whitespace) {
        true if plain => format!("{key}=\"{value}\""),
        true => format!("{key}=\"…\""),
        false => format!("{key}={value}"),
    };
    let warning = Diagnostic::lint(
        Rule::LegacyKeyValueFormat,
        format!(
            "\"{name} key=value\" should be used instead of legacy \"{name} key value\" format"
        ),
    )
    .with_label(pair.span, "legacy form")
    .with_help(format!("write `{name} {replacement}`"));
    if plain {
        warning.with_fix(
            format!("write `{name} {replacement}`"),
            pair.span,
            replacement,
        )
    } else {
        warning
    }
}
