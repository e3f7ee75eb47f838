//! CopyIgnoredFile: a COPY or ADD source that the context's `.dockerignore` leaves out of
//! the context. The build then fails with "file not found" although the file is right
//! there (moby/buildkit#4128); the finding names the line that excludes it.

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::ignore::{self, Pattern};
use crate::ir::{Copy, StepKind, Word};
use crate::posix_path;

use super::written::Written;
use super::{Context, Rule};

/// Sources of the build context only: `--from` copies read a stage or an image, which no
/// `.dockerignore` applies to. Sources with variables are not known before lowering.
pub(super) fn ignored_sources(context: &Context<'_>, found: &mut Diagnostics) {
    let Some(patterns) = context.inputs.ignore.filter(|p| !p.is_empty()) else {
        return;
    };
    let mut seen = Written::default();
    for (_, step) in context.buildfile.walk() {
        let StepKind::Copy(copy) = &step.kind else {
            continue;
        };
        if copy.from.is_some() {
            continue;
        }
        for source in &copy.sources {
            let Some(path) = source.as_literal() else {
                continue;
            };
            let path = posix_path::clean(&path);
            let Some(pattern) = excluding(patterns, &path) else {
                continue;
            };
            if seen.first(source.span) {
                found.push(ignored(copy, source, &path, pattern));
            }
        }
    }
}

/// The pattern that leaves `path` out, when nothing of it is let back in.
fn excluding<'a>(patterns: &'a [Pattern], path: &str) -> Option<&'a Pattern> {
    // The context's root is never left out as a whole, unless a pattern matches everything
    // in it (as dockerfile.v0 decides).
    if path == "." || path == "/" {
        if patterns.iter().any(|p| p.text.starts_with('!')) {
            return None;
        }
        return patterns
            .iter()
            .find(|p| matches!(p.text.as_str(), "*" | "**" | "**/*"));
    }
    let pattern = ignore::excluded_by(patterns, path)?;
    // An exception after it may let a file inside a directory back in (`docs` then
    // `!docs/README.md`): then the copy is not empty, and the source is not reported.
    let later = patterns.iter().filter(|p| p.line > pattern.line);
    let reopened = later
        .filter_map(|p| p.text.strip_prefix('!'))
        .any(|glob| glob.starts_with(&format!("{path}/")) || glob.contains(['*', '?', '[']));
    (!reopened).then_some(pattern)
}

fn ignored(copy: &Copy, source: &Word, path: &str, pattern: &Pattern) -> Diagnostic {
    let (instruction, verb) = if copy.add {
        ("ADD", "Add")
    } else {
        ("COPY", "Copy")
    };
    Diagnostic::lint(
        Rule::CopyIgnoredFile,
        format!(
            "Attempting to {verb} file {path:?} that is excluded by .dockerignore (line {}: `{}`)",
            pattern.line, pattern.text
        ),
    )
    .with_label(
        source.span,
        format!("not in the context: .dockerignore line {} excludes it", pattern.line),
    )
    .with_help(format!(
        "the build will not find it; remove it from this {instruction}, or let it in with `!{path}` after line {} of .dockerignore",
        pattern.line
    ))
}

#[cfg(test)]
mod tests {
    use super::excluding;
    use crate::ignore::parse_lines;

    #[test]
    fn the_line_that_excludes_a_source() {
        let patterns = parse_lines("# comment\n*/tmp/*\ndocs\n!docs/README.md\nbuild\n");
        let line = |path: &str| excluding(&patterns, path).map(|p| p.line);
        assert_eq!(line("app/tmp/x.txt"), Some(2));
        assert_eq!(line("build/out"), Some(5));
        assert_eq!(
            line("docs"),
            None,
            "an exception lets a file inside back in"
        );
        assert_eq!(line("src"), None);
        assert_eq!(line("."), None, "the root is not excluded as a whole");
        assert_eq!(excluding(&parse_lines("*\n"), ".").map(|p| p.line), Some(1));
        assert_eq!(
            excluding(&parse_lines("*\n!src\n"), ".").map(|p| p.line),
            None
        );
    }
}
