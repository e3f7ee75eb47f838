//! How a FROM line names its stage: StageNameCasing, FromAsCasing, ReservedStageName.
//! (DuplicateStageName is the error `check` already gives: see [`Rule::error_instead`].)

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::ir::Stage;
use crate::source::Span;

use super::written::{self, Written};
use super::{Context, Rule};

/// Names `FROM scratch` and `--from=context`-style references mean something else by.
const RESERVED: &[&str] = &["context", "scratch"];

pub(super) fn names(context: &Context<'_>, found: &mut Diagnostics) {
    let mut seen = Written::default();
    for stage in &context.buildfile.stages {
        // A FROM inside a FOR starts a stage per iteration, from one written line.
        if !seen.first(stage.span) {
            continue;
        }
        let Some(name) = &stage.name else { continue };
        let written = written::text(context, name.span);
        found.0.extend(casing(written, name.span));
        found.0.extend(reserved(written, name.span));
        found.0.extend(as_casing(context, stage, name.span));
    }
}

/// StageNameCasing: `AS Builder`. Dockerfile lower-cases the name, so references in any
/// case still find it; the rule is about reading names apart from keywords. Variables
/// (`AS build-${ARCH}`) are left out of the comparison: their names are not the stage's.
fn casing(written: &str, span: Span) -> Option<Diagnostic> {
    let literal = outside_variables(written);
    if literal == literal.to_lowercase() {
        return None;
    }
    let lower = written.to_lowercase();
    let warning = Diagnostic::lint(
        Rule::StageNameCasing,
        format!("Stage name '{written}' should be lowercase"),
    )
    .with_label(span, "not lowercase")
    .with_help(format!(
        "write `{lower}`: stage references ignore case, so they still find it"
    ));
    // With a variable, lower-casing would rename the variable too.
    Some(match written.contains('$') {
        true => warning,
        false => warning.with_fix(format!("write `{lower}`"), span, lower),
    })
}

/// ReservedStageName: `AS scratch` or `AS context`, names that already mean the empty
/// image and the build context.
fn reserved(written: &str, span: Span) -> Option<Diagnostic> {
    let lower = written.to_lowercase();
    let name = RESERVED.iter().find(|reserved| **reserved == lower)?;
    Some(
        Diagnostic::lint(
            Rule::ReservedStageName,
            format!("Stage name should not use the same name as reserved stage \"{name}\""),
        )
        .with_label(span, "a reserved name")
        .with_help(format!(
            "`{name}` already names {}; give the stage another name",
            if *name == "scratch" {
                "the empty image"
            } else {
                "the build context"
            }
        )),
    )
}

/// FromAsCasing: `FROM image as name` or `from image AS name`. Only a FROM written in one
/// case is compared; a mixed-case FROM is ConsistentInstructionCasing's finding.
fn as_casing(context: &Context<'_>, stage: &Stage, name: Span) -> Option<Diagnostic> {
    let (from, _) = written::keyword(context, stage.span)?;
    let (as_word, as_span) = as_keyword(context, stage.span, name)?;
    let wanted = match from {
        _ if from == from.to_lowercase() => as_word.to_lowercase(),
        _ if from == from.to_uppercase() => as_word.to_uppercase(),
        _ => return None,
    };
    if as_word == wanted {
        return None;
    }
    Some(
        Diagnostic::lint(
            Rule::FromAsCasing,
            format!("'{as_word}' and '{from}' keywords' casing do not match"),
        )
        .with_label(as_span, format!("written `{as_word}` after `{from}`"))
        .with_help(format!("write `{wanted}`, in the case of `{from}`"))
        .with_fix(format!("write `{wanted}`"), as_span, wanted),
    )
}

/// The `AS` word just before the stage name, and its span.
fn as_keyword<'a>(context: &Context<'a>, from: Span, name: Span) -> Option<(&'a str, Span)> {
    let before = name.start.checked_sub(from.start)? as usize;
    let line = written::text(context, from).get(..before)?;
    let trimmed = line.trim_end();
    let start = trimmed.rfind(char::is_whitespace).map_or(0, |i| {
        i + trimmed[i..].chars().next().map_or(1, char::len_utf8)
    });
    let word = &trimmed[start..];
    word.eq_ignore_ascii_case("as")
        .then(|| (word, from.part(start..trimmed.len())))
}

/// `text` without its variable references (`$NAME`, `${…}`).
fn outside_variables(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        let after = &rest[dollar + 1..];
        rest = match after.strip_prefix('{') {
            Some(inner) => inner.find('}').map_or("", |end| &inner[end + 1..]),
            None => &after[crate::ir::name_len(after)..],
        };
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_are_left_out_of_a_name() {
        assert_eq!(outside_variables("build-${ARCH}-x"), "build--x");
        assert_eq!(outside_variables("b$OS.c"), "b.c");
        assert_eq!(outside_variables("Ab${X"), "Ab");
    }
}
