//! Forms Dockerfile still accepts and no longer recommends.

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::ir::{Buildfile, KeyValue, Step, StepKind};

/// `ENV KEY value with spaces` and `LABEL KEY value`: the value is the rest of the line,
/// so a second pair cannot follow; a warning with the `KEY=value` form to write instead.
pub(super) fn key_values(buildfile: &Buildfile, diagnostics: &mut Diagnostics) {
    for (_, step) in buildfile.walk() {
        let (name, pairs) = match &step.kind {
            StepKind::Env(pairs) => ("ENV", pairs),
            StepKind::Label(pairs) => ("LABEL", pairs),
            _ => continue,
        };
        for pair in pairs.iter().filter(|pair| pair.legacy) {
            diagnostics.push(legacy_warning(name, step, pair));
        }
    }
}

fn legacy_warning(name: &str, step: &Step, pair: &KeyValue) -> Diagnostic {
    // The instruction's text is `NAME KEY value…`: the key is the first word after the
    // keyword, the value the rest, both as written.
    let args = step.text.get(name.len()..).unwrap_or_default().trim();
    let (key, value) = args
        .split_once(char::is_whitespace)
        .map_or((args, ""), |(key, value)| (key, value.trim()));
    let value = if value.contains(char::is_whitespace) {
        format!("\"{value}\"")
    } else {
        value.to_string()
    };
    Diagnostic::warning(
        Code::LegacyKeyValue,
        format!("`{name} KEY VALUE` is the legacy form"),
    )
    .with_label(pair.span, "legacy form")
    .with_help(format!(
        "write `{name} {key}={value}` (quote the value if it has spaces)"
    ))
}
