//! ConsistentInstructionCasing: every keyword of a file in the case most of them use.

use std::collections::BTreeMap;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::source::{FileId, Span};

use super::written::{self, Written};
use super::{Context, Rule};

/// One keyword as written.
struct Keyword<'a> {
    text: &'a str,
    span: Span,
}

/// Counts, as dockerfile.v0 does, the FROM lines and the instructions of stages (global
/// ARGs are not counted, nor checked), each file on its own: an included or imported file
/// has its own majority. A keyword in mixed case counts for neither side; a tie is upper
/// case, as in Docker.
pub(super) fn instructions(context: &Context<'_>, found: &mut Diagnostics) {
    for keywords in by_file(context).values() {
        let lower = keywords.iter().filter(|k| is_lower(k.text)).count();
        let upper = keywords.iter().filter(|k| is_upper(k.text)).count();
        let majority_lower = lower > upper;
        for keyword in keywords {
            let fits = match majority_lower {
                true => is_lower(keyword.text),
                false => is_upper(keyword.text),
            };
            if !fits {
                found.push(warning(keyword, majority_lower));
            }
        }
    }
}

/// Every written keyword (a FUNCTION body's once), by file, in order.
fn by_file<'a>(context: &Context<'a>) -> BTreeMap<FileId, Vec<Keyword<'a>>> {
    let mut seen = Written::default();
    let mut files: BTreeMap<FileId, Vec<Keyword<'a>>> = BTreeMap::new();
    let mut add = |span: Span| {
        if !seen.first(span) {
            return;
        }
        if let Some((text, span)) = written::keyword(context, span) {
            files
                .entry(span.file)
                .or_default()
                .push(Keyword { text, span });
        }
    };
    for stage in &context.buildfile.stages {
        add(stage.span);
        for step in stage.walk().filter(|step| written::is_written(step)) {
            add(step.span);
        }
    }
    files
}

fn warning(keyword: &Keyword<'_>, majority_lower: bool) -> Diagnostic {
    let (casing, wanted) = match majority_lower {
        true => ("lowercase", keyword.text.to_lowercase()),
        false => ("uppercase", keyword.text.to_uppercase()),
    };
    let warning = Diagnostic::lint(
        Rule::ConsistentInstructionCasing,
        format!(
            "Command '{}' should match the case of the command majority ({casing})",
            keyword.text
        ),
    )
    .with_label(keyword.span, format!("not {casing}"))
    .with_help(format!(
        "most instructions of this file are {casing}: write `{wanted}`"
    ));
    // MaintainerDeprecated's fix rewrites a MAINTAINER line, keyword included: one fix of
    // the two, so that an editor applying all of them gets no overlapping edits.
    if keyword.text.eq_ignore_ascii_case("maintainer") {
        return warning;
    }
    warning.with_fix(format!("write `{wanted}`"), keyword.span, wanted)
}

fn is_lower(text: &str) -> bool {
    text == text.to_lowercase()
}

fn is_upper(text: &str) -> bool {
    text == text.to_uppercase()
}
