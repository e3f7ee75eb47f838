//! The exec form: `["executable", "param", …]`, a JSON array of strings.
//!
//! Dockerfile tries JSON and silently falls back to the shell form when it is not valid,
//! so `CMD ['sh', '-c', 'x']` runs a shell command made of brackets and quotes. A Buildfile
//! reports it instead. Shell commands may still start with `[` when they are shell tests:
//! `RUN [ -f /x ] && …`. The rule (documented in grammar/README.md):
//! - valid JSON is the exec form, as in Dockerfile;
//! - otherwise, text that starts with `[` directly followed by something other than
//!   whitespace or `[` (`["a" "b"]`, `['a']`), or with `[ "` and ending in `]` with a comma
//!   in it (`[ "a", 'b' ]`), is an exec form with an error;
//! - anything else is the shell form.

use pest::Parser;
use pest::iterators::Pair;

use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;

use super::grammar::{BuildfileParser, Rule};
use super::text::{Mapped, Text};

/// One string of an exec form: its decoded value and the span of the JSON string.
pub(super) struct ExecString {
    pub(super) value: Mapped,
    pub(super) span: Span,
}

pub(super) enum Form {
    Exec(Vec<ExecString>),
    Shell,
    Invalid(Diagnostic),
}

/// Whether `args` is an exec form, a shell form, or a broken exec form.
pub(super) fn classify(args: &Text<'_>) -> Form {
    let text = args.as_str();
    if !text.starts_with('[') {
        return Form::Shell;
    }
    match BuildfileParser::parse(Rule::exec_form, text) {
        Ok(pairs) => match strings(pairs.flatten(), args) {
            Ok(strings) => Form::Exec(strings),
            Err(error) => Form::Invalid(error),
        },
        Err(error) if meant_as_exec(text) => Form::Invalid(invalid_json(&error, args)),
        Err(_) => Form::Shell,
    }
}

fn meant_as_exec(text: &str) -> bool {
    let rest = &text[1..];
    match rest.chars().next() {
        None => true,
        Some('[') => false,
        Some(c) if !c.is_whitespace() => true,
        Some(_) => rest.trim_start().starts_with('"') && text.ends_with(']') && text.contains(','),
    }
}

fn strings<'i>(
    pairs: impl Iterator<Item = Pair<'i, Rule>>,
    args: &Text<'_>,
) -> Result<Vec<ExecString>, Diagnostic> {
    let mut out = Vec::new();
    for pair in pairs {
        let span = pair.as_span();
        match pair.as_rule() {
            Rule::json_string => {
                let inner = args.slice(span.start() + 1..span.end() - 1);
                out.push(ExecString {
                    value: decode(&inner),
                    span: args.span_of(span.start()..span.end()),
                });
            }
            Rule::json_other => {
                return Err(Diagnostic::error(
                    Code::InvalidJson,
                    "the exec form holds only strings",
                )
                .with_label(args.span_of(span.start()..span.end()), "not a string")
                .with_help(format!(
                    "quote it: \"{}\"",
                    span.as_str().replace('"', "\\\"")
                )));
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Decodes a JSON string's content (between the quotes; the grammar has checked it).
fn decode(inner: &Text<'_>) -> Mapped {
    let src = inner.as_str();
    let mut out = Mapped::default();
    let mut plain_start = 0;
    let mut i = 0;
    let bytes = src.as_bytes();
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            i += 1;
            continue;
        }
        push_plain(&mut out, inner, plain_start..i);
        let (decoded, len) = escape(&src[i..]);
        let mut buf = [0; 4];
        out.push(
            decoded.encode_utf8(&mut buf),
            inner.span_of(i..i + 1).start as usize,
        );
        i += len;
        plain_start = i;
    }
    push_plain(&mut out, inner, plain_start..bytes.len());
    out
}

fn push_plain(out: &mut Mapped, inner: &Text<'_>, range: std::ops::Range<usize>) {
    if !range.is_empty() {
        let slice = inner.slice(range);
        out.push(slice.as_str(), slice.span().start as usize);
    }
}

/// One escape sequence at the start of `text`: the character and the bytes it took.
fn escape(text: &str) -> (char, usize) {
    let hex = |at: usize| {
        text.get(at..at + 4)
            .and_then(|h| u32::from_str_radix(h, 16).ok())
    };
    match text.as_bytes().get(1) {
        Some(b'b') => ('\u{8}', 2),
        Some(b'f') => ('\u{c}', 2),
        Some(b'n') => ('\n', 2),
        Some(b'r') => ('\r', 2),
        Some(b't') => ('\t', 2),
        Some(b'u') => match hex(2) {
            Some(high @ 0xD800..=0xDBFF) => match (text.get(6..8), hex(8)) {
                (Some("\\u"), Some(low @ 0xDC00..=0xDFFF)) => {
                    let c = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                    (char::from_u32(c).unwrap_or('\u{FFFD}'), 12)
                }
                _ => ('\u{FFFD}', 6),
            },
            Some(code) => (char::from_u32(code).unwrap_or('\u{FFFD}'), 6),
            None => ('\u{FFFD}', 2),
        },
        Some(&other) => (char::from(other), 2),
        None => ('\\', 1),
    }
}

fn invalid_json(error: &pest::error::Error<Rule>, args: &Text<'_>) -> Diagnostic {
    let diagnostic = super::error::from_pest(error, args, "the exec form");
    let at = diagnostic.span().unwrap_or_default();
    let single_quote = args
        .as_str()
        .char_indices()
        .any(|(i, c)| c == '\'' && args.span_of(i..i + 1) == at);
    let message = if single_quote {
        "the exec form is JSON: strings need double quotes"
    } else {
        "the exec form is not a valid JSON array of strings"
    };
    Diagnostic {
        message: message.to_owned(),
        code: Code::InvalidJson,
        ..diagnostic
    }
    .with_help(
        "write a JSON array of double-quoted strings, like [\"sh\", \"-c\", \"echo hi\"]; \
         Dockerfile would silently run this as a shell command",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(text: &str) -> Result<Vec<String>, String> {
        let mapped = Mapped::contiguous(text, 0);
        match classify(&mapped.view()) {
            Form::Exec(strings) => Ok(strings
                .into_iter()
                .map(|s| s.value.as_str().to_owned())
                .collect()),
            Form::Shell => Err("shell".to_owned()),
            Form::Invalid(d) => Err(d.message),
        }
    }

    #[test]
    fn json_arrays_are_exec_forms() {
        assert_eq!(
            form(r#"["sh", "-c", "a\"b\\n\u00e9"]"#).unwrap(),
            ["sh", "-c", "a\"b\\né"]
        );
        assert_eq!(form("[]").unwrap(), Vec::<String>::new());
        assert_eq!(form(r#"[ "\ud83d\ude00" ]"#).unwrap(), ["😀"]);
    }

    #[test]
    fn shell_tests_stay_shell() {
        assert_eq!(form("[ -f /x ] && echo y"), Err("shell".to_owned()));
        assert_eq!(form(r#"[ "$A" = "b" ] && echo"#), Err("shell".to_owned()));
        assert_eq!(form("[[ -f x ]]"), Err("shell".to_owned()));
    }

    #[test]
    fn broken_json_is_an_error() {
        assert!(form("['sh', '-c']").unwrap_err().contains("double quotes"));
        assert!(
            form(r#"["sh" "-c"]"#)
                .unwrap_err()
                .contains("not a valid JSON")
        );
        assert!(form(r#"["sh", 1]"#).unwrap_err().contains("only strings"));
        assert!(form(r#"[ "sh", "-c" "#).is_err());
    }

    #[test]
    fn decoded_strings_map_back_to_the_source() {
        let mapped = Mapped::contiguous(r#"["a\tb"]"#, 100);
        let Form::Exec(strings) = classify(&mapped.view()) else {
            panic!("not exec")
        };
        assert_eq!(strings[0].span, Span::new(101, 107));
        assert_eq!(strings[0].value.span(2..3), Span::new(105, 106));
    }
}
