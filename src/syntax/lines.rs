//! The line layer: physical lines in, logical instructions out.
//!
//! This mirrors BuildKit's `frontend/dockerfile/parser/parser.go` line by line, because the
//! exact text of a shell-form command decides the cache key:
//! - parser directives are the leading `# name=value` comment lines;
//! - other lines starting with `#` (after leading whitespace) are comments; the ones directly
//!   above an instruction are kept for stage descriptions;
//! - a line whose last non-blank character is the escape character, not itself escaped,
//!   continues on the next line: the escape character and the blanks after it are removed
//!   and the next line is appended as it is (its leading whitespace kept);
//! - inside a continuation, comment lines and empty lines are skipped;
//! - heredoc bodies are read on request, after the instruction that names them.

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::ir::Directives;
use crate::source::{Span, Spanned};

use super::grammar::{BuildfileParser, Rule};
use super::text::Mapped;
use pest::Parser;

/// One instruction as written, its continuation lines joined. One is reused for every
/// instruction of a file, so its text is allocated once.
#[derive(Default)]
pub(super) struct Logical {
    pub(super) text: Mapped,
    /// From its first character to the end of its last line.
    pub(super) span: Span,
    /// The comment lines directly above it, without `#`.
    pub(super) comments: Vec<String>,
}

/// A heredoc body as read from the lines after its instruction.
pub(super) struct Body {
    /// Every line up to the terminator, newlines included.
    pub(super) content: String,
    pub(super) terminated: bool,
    /// Where the body and its terminator end.
    pub(super) end: usize,
}

pub(super) struct LineReader<'a> {
    src: &'a str,
    pos: usize,
    escape: char,
    comments: Vec<String>,
}

impl<'a> LineReader<'a> {
    /// Starts reading at `start` (after a byte-order mark) and reads the parser directives.
    pub(super) fn new(
        src: &'a str,
        start: usize,
        diagnostics: &mut Diagnostics,
    ) -> (Self, Directives) {
        let mut reader = Self {
            src,
            pos: start,
            escape: '\\',
            comments: Vec::new(),
        };
        let directives = reader.directives(diagnostics);
        reader.escape = directives.escape;
        (reader, directives)
    }

    pub(super) fn escape(&self) -> char {
        self.escape
    }

    /// The next physical line: its start, its text without the line break, and where the
    /// next line starts.
    fn next_physical(&mut self) -> Option<(usize, &'a str)> {
        let rest = self.src.get(self.pos..).filter(|rest| !rest.is_empty())?;
        let start = self.pos;
        let (line, advance) = match rest.find('\n') {
            Some(i) => (&rest[..i], i + 1),
            None => (rest, rest.len()),
        };
        self.pos += advance;
        Some((start, line.trim_end_matches(['\r', '\n'])))
    }

    fn peek_physical(&self) -> Option<(usize, &'a str)> {
        let mut copy = Self {
            src: self.src,
            pos: self.pos,
            escape: self.escape,
            comments: Vec::new(),
        };
        copy.next_physical()
    }

    fn directives(&mut self, diagnostics: &mut Diagnostics) -> Directives {
        let mut directives = Directives::default();
        let mut escape: Option<Span> = None;
        while let Some((start, line)) = self.peek_physical() {
            let lead = line.len() - line.trim_start().len();
            let Some(found) = directive(&line[lead..], start + lead) else {
                break;
            };
            self.next_physical();
            let (name, value) = found;
            let duplicate = |first: Span| {
                Diagnostic::error(
                    Code::InvalidDirective,
                    format!("only one `{}` parser directive can be used", name.node),
                )
                .with_label(name.span, "repeated here")
                .with_label(first, "first set here")
                .with_help("remove one of them")
            };
            match name.node.as_str() {
                "syntax" => match &directives.syntax {
                    Some(first) => diagnostics.push(duplicate(first.span)),
                    None => directives.syntax = Some(value),
                },
                "check" => match &directives.check {
                    Some(first) => diagnostics.push(duplicate(first.span)),
                    None => directives.check = Some(value),
                },
                _ => {
                    if let Some(first) = escape {
                        diagnostics.push(duplicate(first));
                    } else {
                        escape = Some(name.span);
                        match value.node.as_str() {
                            "\\" => directives.escape = '\\',
                            "`" => directives.escape = '`',
                            other => diagnostics.push(
                                Diagnostic::error(
                                    Code::InvalidDirective,
                                    format!("invalid escape character `{other}`"),
                                )
                                .with_label(value.span, "must be `\\` or `` ` ``")
                                .with_help("write `# escape=\\` (the default), or # escape=` for Windows paths"),
                            ),
                        }
                    }
                }
            }
        }
        directives
    }

    /// Reads the next instruction into `into`; `false` at the end of the file.
    pub(super) fn next_instruction(&mut self, into: &mut Logical) -> bool {
        loop {
            let Some((start, line)) = self.next_physical() else {
                return false;
            };
            let lead = line.len() - line.trim_start().len();
            let body = &line[lead..];
            let body_start = start + lead;
            if let Some(comment) = body.strip_prefix('#') {
                let comment = comment.trim();
                if comment.is_empty() {
                    self.comments.clear();
                } else {
                    self.comments.push(comment.to_owned());
                }
                continue;
            }
            if body.is_empty() {
                continue;
            }
            let text = &mut into.text;
            text.clear();
            let (piece, mut continued) = trim_continuation(body, self.escape);
            text.push(piece, body_start);
            let mut end = body_start + body.len();
            while continued {
                let Some((start, line)) = self.next_physical() else {
                    break;
                };
                let trimmed = line.trim_start();
                if trimmed.starts_with('#') || trimmed.is_empty() {
                    continue;
                }
                let (piece, more) = trim_continuation(line, self.escape);
                text.push(piece, start);
                end = start + line.len();
                continued = more;
            }
            into.span = Span::from_range(body_start..end);
            into.comments.clear();
            std::mem::swap(&mut into.comments, &mut self.comments);
            return true;
        }
    }

    /// Reads a heredoc body: the lines up to one that is exactly `name` (after leading tabs,
    /// with `strip_tabs`).
    pub(super) fn heredoc(&mut self, name: &str, strip_tabs: bool) -> Body {
        // The body's lines follow each other in the source: copied once, at the end.
        let body_start = self.pos;
        let mut end = self.pos;
        while let Some((start, line)) = self.next_physical() {
            let candidate = if strip_tabs {
                line.trim_start_matches('\t')
            } else {
                line
            };
            if candidate == name {
                return Body {
                    content: self.src.get(body_start..end).unwrap_or("").to_owned(),
                    terminated: true,
                    end: start + line.len(),
                };
            }
            end = self.pos;
        }
        Body {
            content: self.src.get(body_start..end).unwrap_or("").to_owned(),
            terminated: false,
            end,
        }
    }
}

/// Removes a trailing continuation: the escape character and the blanks after it, when the
/// character before it is not the escape character too.
fn trim_continuation(line: &str, escape: char) -> (&str, bool) {
    let blank_trimmed = line.trim_end_matches([' ', '\t']);
    if let Some(before) = blank_trimmed.strip_suffix(escape)
        && !before.ends_with(escape)
    {
        return (before, true);
    }
    (line, false)
}

/// A `# name=value` line naming a known directive: `syntax`, `escape` or `check`.
fn directive(line: &str, start: usize) -> Option<(Spanned<String>, Spanned<String>)> {
    let mut pairs = BuildfileParser::parse(Rule::directive, line).ok()?;
    let directive = pairs.next()?;
    let mut name = None;
    let mut value = None;
    for pair in directive.into_inner() {
        let span = pair.as_span();
        match pair.as_rule() {
            Rule::directive_name => name = Some((span.as_str().to_ascii_lowercase(), span.start())),
            Rule::directive_value => {
                let text = span.as_str().trim_end();
                value = Some((text.to_owned(), span.start(), span.start() + text.len()));
            }
            _ => {}
        }
    }
    let (name, name_start) = name?;
    let (value, value_start, value_end) = value?;
    if !matches!(name.as_str(), "syntax" | "escape" | "check") || value.is_empty() {
        return None;
    }
    let name_span = Span::from_range(start + name_start..start + name_start + name.len());
    Some((
        Spanned::new(name, name_span),
        Spanned::new(
            value,
            Span::from_range(start + value_start..start + value_end),
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instructions(src: &str) -> Vec<String> {
        let mut diagnostics = Diagnostics::new();
        let (mut reader, _) = LineReader::new(src, 0, &mut diagnostics);
        let mut logical = Logical::default();
        std::iter::from_fn(|| {
            reader
                .next_instruction(&mut logical)
                .then(|| logical.text.as_str().to_owned())
        })
        .collect()
    }

    #[test]
    fn continuations_join_as_dockerfile_does() {
        let src = "RUN a \\\n  b \\  \n# comment\n\n  c\nRUN d\\\\\nRUN e";
        assert_eq!(instructions(src), ["RUN a   b   c", "RUN d\\\\", "RUN e"]);
    }

    #[test]
    fn backtick_escape_from_the_directive() {
        let src = "# escape=`\nRUN a `\n b\\\nRUN c";
        assert_eq!(instructions(src), ["RUN a  b\\", "RUN c"]);
    }

    #[test]
    fn directives_stop_at_the_first_other_line() {
        let mut diagnostics = Diagnostics::new();
        let src = "# syntax=img:1\n# check=skip=all\n\n# escape=`\nFROM a";
        let (_, directives) = LineReader::new(src, 0, &mut diagnostics);
        assert_eq!(directives.syntax.map(|s| s.node).as_deref(), Some("img:1"));
        assert_eq!(
            directives.check.map(|s| s.node).as_deref(),
            Some("skip=all")
        );
        assert_eq!(directives.escape, '\\');
        assert!(diagnostics.is_empty());
    }

    #[test]
    fn heredoc_bodies_end_at_their_terminator() {
        let mut diagnostics = Diagnostics::new();
        let src = "RUN <<A <<-B\none\nA\n\ttwo\n\tB\nRUN x";
        let (mut reader, _) = LineReader::new(src, 0, &mut diagnostics);
        let mut logical = Logical::default();
        assert!(reader.next_instruction(&mut logical));
        let a = reader.heredoc("A", false);
        assert_eq!((a.content.as_str(), a.terminated), ("one\n", true));
        let b = reader.heredoc("B", true);
        assert_eq!((b.content.as_str(), b.terminated), ("\ttwo\n", true));
        assert_eq!(&src[b.end - 2..b.end], "\tB");
        assert!(reader.next_instruction(&mut logical));
        assert_eq!(logical.text.as_str(), "RUN x");
    }
}
