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
    // Quoting keeps the meaning only of a value with no quotes or escapes of its own; one
    // that is a single quoted string already is written as it is.
    let escape = context.buildfile.directives.escape;
    let plain = !value.contains(['"', '\'', escape]);
    let quoted = is_one_quoted_string(value, escape);
    let replacement = match value.contains(char::is_whitespace) {
        true if plain => format!("{key}=\"{value}\""),
        true if !quoted => format!("{key}=\"…\""),
        _ => format!("{key}={value}"),
    };
    let fixable = plain || quoted;
    let warning = Diagnostic::lint(
        Rule::LegacyKeyValueFormat,
        format!(
            "\"{name} key=value\" should be used instead of legacy \"{name} key value\" format"
        ),
    )
    .with_label(pair.span, "legacy form")
    .with_help(format!("write `{name} {replacement}`"));
    if fixable {
        warning.with_fix(
            format!("write `{name} {replacement}`"),
            pair.span,
            replacement,
        )
    } else {
        warning
    }
}

/// `"a b"` or `'a b'`: one quoted string, with no quote of its kind or escape inside.
fn is_one_quoted_string(value: &str, escape: char) -> bool {
    let Some(quote) = value.chars().next().filter(|c| matches!(c, '"' | '\'')) else {
        return false;
    };
    let inner = &value[1..];
    !inner.is_empty()
        && inner.ends_with(quote)
        && !inner[..inner.len() - 1].contains([quote, escape])
}
