//! The exec form: `["executable", "param", …]`, a JSON array of strings.
//!
//! Dockerfile tries JSON and silently falls back to the shell form when it is not valid,
//! so `CMD ['sh', '-c', 'x']` runs a shell command made of brackets and quotes. A Buildfile
//! reports it instead. Shell commands may still start with `[` when they are shell tests:
//! `RUN [ -f /x ] && …`. The rule (documented in grammar/README.md):
//! - valid JSON is the exec form, as in Dockerfile;
//! - otherwise, text that starts with `[` directly followed by a quote (`["a" "b"]`,
//!   `['a']`), that looks like a list (`[sh, -c]`: a comma and a final `]`), or that starts
//!   with `[`, whitespace and a quote and has a comma (`[ "a", 'b' ]`), is an exec form with
//!   an error;
//! - so `COPY [ab]?.md /md/` keeps its glob, as in Dockerfile;
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
    if let Some(strings) = plain(args) {
        return Form::Exec(strings);
    }
    match BuildfileParser::parse(Rule::exec_form, text) {
        Ok(pairs) => match strings(pairs.flatten(), args) {
            Ok(strings) => Form::Exec(strings),
            Err(error) => Form::Invalid(error),
        },
        Err(_) if meant_as_exec(text) => Form::Invalid(invalid_json(args)),
        Err(_) => Form::Shell,
    }
}

/// The grammar's answer for the common exec form, found without pest: an array of strings
/// with no escape and no control character. `None` for anything else (escapes, other
/// values, invalid JSON), which `exec_form` reads. On the arrays it accepts this is
/// `exec_form` exactly: `json_ws`, `[`, `json_string`s whose `json_run` never meets `\\`,
/// separated by `,`, then `]` (a test compares the two).
fn plain(args: &Text<'_>) -> Option<Vec<ExecString>> {
    let bytes = args.as_str().as_bytes();
    let skip_ws = |mut at: usize| {
        while bytes
            .get(at)
            .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        {
            at += 1;
        }
        at
    };
    let mut at = skip_ws(0);
    if bytes.get(at) != Some(&b'[') {
        return None;
    }
    at = skip_ws(at + 1);
    let mut out = Vec::new();
    if bytes.get(at) != Some(&b']') {
        loop {
            if bytes.get(at) != Some(&b'"') {
                return None;
            }
            let len = bytes[at + 1..]
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < b' ')?;
            let end = at + 1 + len;
            if bytes[end] != b'"' {
                return None;
            }
            out.push(ExecString {
                value: decode(&args.slice(at + 1..end)),
                span: args.span_of(at..end + 1),
            });
            at = skip_ws(end + 1);
            match bytes.get(at) {
                Some(b',') => at = skip_ws(at + 1),
                Some(b']') => break,
                _ => return None,
            }
        }
    }
    (skip_ws(at + 1) == bytes.len()).then_some(out)
}

fn meant_as_exec(text: &str) -> bool {
    let inner = &text[1..];
    let tight = !inner.starts_with(char::is_whitespace);
    let commas = text.contains(',');
    match inner.trim_start().chars().next() {
        // `[` alone, `[]x`
        None | Some(']') => true,
        // `["a" "b"]`, `['a']`; with a space after `[`, only a list-like `[ "a", 'b' ]`
        // (a shell test such as `[ "$A" = b ] && c` has neither a comma nor a final `]`)
        Some('"' | '\'') => tight || (commas && (text.ends_with(']') || !text.contains(']'))),
        // `[sh, -c]`; but `[ab]?.md` is a glob and `[ -f x ]` a shell test
        Some(_) => tight && commas && text.ends_with(']'),
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
                if let Some(at) = span.as_str().find(|c: char| c < ' ') {
                    let at = span.start() + at;
                    return Err(Diagnostic::error(
                        Code::InvalidJson,
                        "a control character inside a JSON string",
                    )
                    .with_label(args.span_of(at..at + 1), "not allowed in JSON")
                    .with_help("write it escaped: \\t for a tab"));
                }
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

/// Where and why text that was meant as an exec form is not valid JSON. The grammar decides
/// validity; this walks the text again only to say what went wrong, and where.
fn invalid_json(args: &Text<'_>) -> Diagnostic {
    let text = args.as_str();
    let (at, len, label) = json_problem(text);
    let message = if label.starts_with("a single quote") {
        "the exec form is JSON: strings need double quotes"
    } else {
        "the exec form is not a valid JSON array of strings"
    };
    Diagnostic::error(Code::InvalidJson, message)
        .with_label(args.span_of(at..at + len), label)
        .with_help(
            "write a JSON array of double-quoted strings, like [\"sh\", \"-c\", \"echo hi\"]; \
             Dockerfile would silently run this as a shell command",
        )
}

/// The offset, length and description of the first problem in a would-be JSON array.
fn json_problem(text: &str) -> (usize, usize, &'static str) {
    let bytes = text.as_bytes();
    let char_len = |at: usize| text[at..].chars().next().map_or(0, char::len_utf8);
    let skip_ws = |mut at: usize| {
        while bytes
            .get(at)
            .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        {
            at += 1;
        }
        at
    };
    let mut at = skip_ws(0) + 1; // past `[`
    let mut first = true;
    loop {
        at = skip_ws(at);
        match bytes.get(at) {
            Some(b']') if first => break,
            Some(b'"') => match json_string_end(text, at) {
                Ok(end) => at = end,
                Err(problem) => return problem,
            },
            Some(b'\'') => return (at, 1, "a single quote: JSON needs `\"`"),
            None => {
                return (
                    text.len(),
                    0,
                    "expected a string and `]` to close the array",
                );
            }
            Some(_) => return (at, char_len(at), "expected a double-quoted string"),
        }
        first = false;
        at = skip_ws(at);
        match bytes.get(at) {
            Some(b',') => at += 1,
            Some(b']') => break,
            None => return (text.len(), 0, "expected `]` to close the array"),
            Some(_) => return (at, char_len(at), "expected `,` or `]`"),
        }
    }
    let after = skip_ws(at + 1);
    if after < text.len() {
        return (after, text.len() - after, "unexpected text after the array");
    }
    (0, text.len(), "not a JSON array of strings")
}

/// The end of the JSON string starting at `start`, or what is wrong with it.
fn json_string_end(text: &str, start: usize) -> Result<usize, (usize, usize, &'static str)> {
    let mut chars = text[start + 1..].char_indices();
    while let Some((i, c)) = chars.next() {
        let at = start + 1 + i;
        match c {
            '"' => return Ok(at + 1),
            '\\' => match chars.next() {
                Some((_, '"' | '\\' | '/' | 'b' | 'f' | 'n' | 'r' | 't' | 'u')) => {}
                Some((_, other)) => return Err((at, 1 + other.len_utf8(), "not a JSON escape")),
                None => break,
            },
            c if c < ' ' => return Err((at, 1, "a control character: write it escaped")),
            _ => {}
        }
    }
    Err((start, 1, "this string is never closed"))
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

    /// The hand-written reading of plain arrays gives the grammar's answer: every text of
    /// `[` and up to five pieces from an alphabet of JSON's punctuation, escapes, control
    /// characters and letters.
    #[test]
    fn the_plain_path_reads_as_the_grammar() {
        let alphabet = [
            "[", "]", "\"", ",", " ", "\n", "\u{B}", "a", "é", "\\", "\u{1}", "1", "\"a\"",
        ];
        let mut texts = vec![String::from("[")];
        let mut plain_texts = 0;
        for _ in 0..5 {
            let mut next = Vec::new();
            for text in &texts {
                for piece in alphabet {
                    next.push(format!("{text}{piece}"));
                }
            }
            for text in &next {
                let mapped = Mapped::contiguous(text, 3);
                let Some(fast) = plain(&mapped.view()) else {
                    continue;
                };
                plain_texts += 1;
                let fast: Vec<_> = fast.iter().map(|s| (s.value.clone(), s.span)).collect();
                let slow = match BuildfileParser::parse(Rule::exec_form, text) {
                    Ok(pairs) => strings(pairs.flatten(), &mapped.view())
                        .map(|s| s.iter().map(|s| (s.value.clone(), s.span)).collect()),
                    Err(_) => Ok(Vec::new()),
                };
                assert_eq!(Ok(fast), slow.map_err(|d| d.message), "{text:?}");
            }
            texts = next;
        }
        assert!(plain_texts > 300, "{plain_texts}");
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
    fn globs_with_brackets_are_words_not_exec_forms() {
        assert_eq!(form("[ab]?.md /md/"), Err("shell".to_owned()));
        assert_eq!(form("[a-z]*.txt [0-9].log /dst/"), Err("shell".to_owned()));
        assert!(
            form("[sh, -c, x]")
                .unwrap_err()
                .contains("not a valid JSON")
        );
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
        assert!(
            form("[\"a\tb\"]")
                .unwrap_err()
                .contains("control character")
        );
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
