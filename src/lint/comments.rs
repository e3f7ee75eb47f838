//! Lines around instructions: NoEmptyContinuation, InvalidDefinitionDescription.

use std::collections::BTreeMap;

use crate::diagnostic::{Diagnostic, Diagnostics, Edit, Fix};
use crate::ir::{ArgDecl, StepKind};
use crate::source::Span;

use super::written::{self, Written};
use super::{Context, Rule};

/// Every written instruction's start: FROM lines, steps, and the ARG lines of global
/// ARGs (which the IR keeps as declarations only: their ARG is found in the text).
fn instruction_starts(context: &Context<'_>) -> Vec<Span> {
    let mut seen = Written::default();
    let mut starts = Vec::new();
    let buildfile = context.buildfile;
    let globals = buildfile.global_args.iter().chain(
        buildfile
            .imports
            .iter()
            .flat_map(|ns| ns.global_args.iter()),
    );
    for decl in globals {
        if let Some(start) = arg_start(context, decl) {
            starts.push(start);
        }
    }
    for stage in &buildfile.stages {
        starts.push(stage.span);
        let steps = stage.walk().filter(|step| written::is_written(step));
        starts.extend(steps.map(|step| step.span));
    }
    starts.retain(|span| seen.first(span.part(0..0)));
    starts
}

/// NoEmptyContinuation: `RUN a \` followed by an empty line. Dockerfile skips the line
/// today and will refuse it; removing it changes nothing (comment lines stay: they are
/// allowed). One finding per instruction, as in dockerfile.v0, with every empty line.
pub(super) fn empty_continuations(context: &Context<'_>, found: &mut Diagnostics) {
    let mut escapes = BTreeMap::new();
    for start in instruction_starts(context) {
        let Some(file) = context.files.file(start.file) else {
            continue;
        };
        let escape = *escapes
            .entry(start.file)
            .or_insert_with(|| written::escape(context, start.file));
        let lines = empty_lines(&file.text, start.start as usize, escape);
        if lines.is_empty() {
            continue;
        }
        let spans: Vec<Span> = lines
            .into_iter()
            .map(|range| Span::from_range(range).in_file(start.file))
            .collect();
        found.push(empty_warning(&spans));
    }
}

fn empty_warning(spans: &[Span]) -> Diagnostic {
    let mut warning = Diagnostic::lint(Rule::NoEmptyContinuation, "Empty continuation line")
        .with_help(
            "remove the empty line (a comment line may stand there instead): a future Dockerfile syntax refuses it",
        );
    for span in spans {
        // The line is empty: the label points at its line break.
        warning = warning.with_label(span.part(0..1), "empty line inside a continuation");
    }
    let edits = spans.iter().map(|&span| Edit {
        span,
        text: String::new(),
    });
    warning.fixes.push(Fix {
        title: "remove the empty continuation lines".to_owned(),
        edits: edits.collect(),
    });
    warning
}

/// The empty lines (each with its line break) inside the continuation of the instruction
/// that starts at `start`: after a line ending in the escape character and before the
/// line that ends it. Comment lines are skipped there, as the reader skips them; heredoc
/// bodies come after the instruction's last line, so they are never read as continuation.
fn empty_lines(text: &str, start: usize, escape: char) -> Vec<std::ops::Range<usize>> {
    let mut found = Vec::new();
    let mut lines = lines_from(text, start);
    let Some((_, first, _)) = lines.next() else {
        return found;
    };
    let mut continued = continues(first, escape);
    for (at, line, whole) in lines {
        if !continued {
            break;
        }
        let trimmed = line.trim_start();
        if trimmed.is_empty() {
            found.push(at..at + whole);
        } else if !trimmed.starts_with('#') {
            continued = continues(line, escape);
        }
    }
    found
}

/// The lines from `start` on: each one's offset, its text without the line break (`\n` or
/// `\r\n`), and its length with it.
fn lines_from(text: &str, start: usize) -> impl Iterator<Item = (usize, &str, usize)> {
    let rest = text.get(start..).unwrap_or("");
    rest.split_inclusive('\n').scan(start, |at, line| {
        let here = *at;
        *at += line.len();
        Some((here, line.trim_end_matches(['\n', '\r']), line.len()))
    })
}

/// The line ends in the escape character (blanks after it allowed), not itself escaped.
fn continues(line: &str, escape: char) -> bool {
    let trimmed = line.trim_end_matches([' ', '\t']);
    trimmed
        .strip_suffix(escape)
        .is_some_and(|before| !before.ends_with(escape))
}

/// Where the ARG instruction that declares a global `decl` starts: the line of the
/// declaration, or a line above it that the declaration's line continues.
fn arg_start(context: &Context<'_>, decl: &ArgDecl) -> Option<Span> {
    let file = context.files.file(decl.span.file)?;
    let text: &str = &file.text;
    let escape = written::escape(context, decl.span.file);
    let mut end = decl.span.start as usize;
    loop {
        let start = text.get(..end)?.rfind('\n').map_or(0, |i| i + 1);
        let line = text.get(start..end)?;
        let lead = line.len() - line.trim_start().len();
        if is_arg(&line[lead..]) {
            let at = start + lead;
            return Some(Span::from_range(at..at).in_file(decl.span.file));
        }
        // Only a continued line (or a comment or empty line inside it) can be above.
        end = start.checked_sub(1)?;
        let above_start = text[..end].rfind('\n').map_or(0, |i| i + 1);
        let above = text[above_start..end].trim();
        if !(above.is_empty() || above.starts_with('#') || continues(above, escape)) {
            return None;
        }
    }
}

/// `ARG …`, in any case.
fn is_arg(line: &str) -> bool {
    let keyword = line.get(..3).is_some_and(|k| k.eq_ignore_ascii_case("arg"));
    keyword && line[3..].chars().next().is_none_or(char::is_whitespace)
}

/// InvalidDefinitionDescription (opt-in, as in Docker): the comment right above a named
/// FROM or an ARG is its description for `--call=outline` and `--call=targets` when it
/// starts with the name; one that does not is most likely a comment that was not meant as
/// one. As in dockerfile.v0, an empty line does not separate a comment from the instruction
/// below it; an empty `#` line does.
pub(super) fn descriptions(context: &Context<'_>, found: &mut Diagnostics) {
    let mut seen = Written::default();
    for stage in &context.buildfile.stages {
        let (Some(name), Some(description)) = (&stage.name, &stage.description) else {
            continue;
        };
        if !seen.first(stage.span) {
            continue;
        }
        let written = written::text(context, name.span).to_lowercase();
        let last = description.rsplit('\n').next().unwrap_or("");
        if first_word(last) != written {
            let comment = comment_above(context, stage.span).map(|(span, _)| span);
            found.push(description_warning("FROM", &written, name.span, comment));
        }
    }
    for (decls, at) in arg_instructions(context) {
        if !seen.first(at) {
            continue;
        }
        let Some((comment, text)) = comment_above(context, at) else {
            continue;
        };
        let word = first_word(text);
        if decls.iter().any(|decl| decl.name.node == word) {
            continue;
        }
        let example = match decls {
            [only] => only.name.node.as_str(),
            _ => "<arg_key>",
        };
        let span = decls.first().map_or(at, |decl| decl.name.span);
        found.push(description_warning("ARG", example, span, Some(comment)));
    }
}

/// Every ARG instruction's declarations and start, global ones included.
fn arg_instructions<'a>(context: &Context<'a>) -> Vec<(&'a [ArgDecl], Span)> {
    let buildfile = context.buildfile;
    let mut out: Vec<(&'a [ArgDecl], Span)> = Vec::new();
    let globals = std::iter::once(&buildfile.global_args)
        .chain(buildfile.imports.iter().map(|ns| &ns.global_args));
    for decls in globals {
        // Consecutive declarations of one ARG line share its start.
        let mut group: Vec<(usize, Span)> = Vec::new();
        for (index, decl) in decls.iter().enumerate() {
            let Some(start) = arg_start(context, decl) else {
                continue;
            };
            match group.last_mut() {
                Some((_, last)) if *last == start => {}
                _ => group.push((index, start)),
            }
        }
        for (i, &(first, start)) in group.iter().enumerate() {
            let end = group.get(i + 1).map_or(decls.len(), |&(next, _)| next);
            out.push((&decls[first..end], start));
        }
    }
    for (_, step) in buildfile.walk() {
        if let StepKind::Arg(decls) = &step.kind {
            out.push((decls.as_slice(), step.span));
        }
    }
    out
}

/// The comment line directly above the instruction at `at` (empty lines between
/// allowed), its text after `#`; none when an empty `#` line, another line or a parser
/// directive comes first.
fn comment_above<'a>(context: &Context<'a>, at: Span) -> Option<(Span, &'a str)> {
    let file = context.files.file(at.file)?;
    let text: &'a str = &file.text;
    let directives = directives_end(text);
    let mut end = text.get(..at.start as usize)?.rfind('\n')?;
    loop {
        let start = text[..end].rfind('\n').map_or(0, |i| i + 1);
        let line = text[start..end].trim_end_matches('\r');
        let lead = line.len() - line.trim_start().len();
        let trimmed = line.trim();
        if trimmed.is_empty() {
            end = start.checked_sub(1)?;
            continue;
        }
        let comment = trimmed.strip_prefix('#')?.trim();
        if comment.is_empty() || start < directives {
            return None;
        }
        let at_hash = start + lead;
        let span = Span::from_range(at_hash..start + line.trim_end().len()).in_file(at.file);
        return Some((span, comment));
    }
}

/// Where the parser directives (`# syntax=`, `# escape=`, `# check=` lines at the top of
/// a file) end: they are not comments of the instruction below them.
fn directives_end(text: &str) -> usize {
    let mut end = 0;
    for (at, line, _) in lines_from(text, 0) {
        let Some(rest) = line.trim_start().strip_prefix('#') else {
            break;
        };
        let Some((name, _)) = rest.split_once('=') else {
            break;
        };
        let name = name.trim().to_ascii_lowercase();
        if !matches!(name.as_str(), "syntax" | "escape" | "check") {
            break;
        }
        end = at + line.len();
    }
    end
}

/// The comment's first word, as dockerfile.v0 splits it: at the first space.
fn first_word(comment: &str) -> &str {
    comment.split(' ').next().unwrap_or("")
}

fn description_warning(
    instruction: &str,
    name: &str,
    span: Span,
    comment: Option<Span>,
) -> Diagnostic {
    let mut warning = Diagnostic::lint(
        Rule::InvalidDefinitionDescription,
        format!("Comment for {instruction} should follow the format: `# {name} <description>`"),
    )
    .with_label(span, "the comment above is read as its description")
    .with_help(format!(
        "start a description with the name (`# {name} …`); put an empty `#` line between a comment that is not one and the {instruction}"
    ));
    if let Some(comment) = comment {
        warning = warning.with_label(comment, "does not start with the name");
    }
    warning
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_lines_inside_a_continuation_only() {
        let text = "RUN a \\\n\n  b \\\n# c\n   \n  d\n\nRUN e";
        let found = empty_lines(text, 0, '\\');
        assert_eq!(found, [8..9, 19..23]);
        assert!(empty_lines("RUN a\n\nRUN b \\\n\n", 0, '\\').is_empty());
        let backtick = empty_lines("RUN a `\n\n b", 0, '`');
        assert_eq!(backtick.first(), Some(&(8..9)));
        let crlf = empty_lines("RUN a \\\r\n\r\n b", 0, '\\');
        assert_eq!(crlf.first(), Some(&(9..11)));
    }

    #[test]
    fn directives_end_at_the_first_other_line() {
        let text = "# syntax=x\n# check=skip=all\n# a comment\nFROM a";
        assert_eq!(directives_end(text), 27);
        assert_eq!(directives_end("FROM a"), 0);
    }
}
