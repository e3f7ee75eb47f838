//! ENV, LABEL and ARG: `KEY=VALUE` lists.

use crate::diagnostic::{Code, Diagnostic};
use crate::ir::{ArgDecl, KeyValue, StepKind};
use crate::source::Spanned;

use super::cx::{Cx, missing};
use super::instruction::{Instruction, no_flags};
use super::keyword::Keyword;
use super::text::Text;

pub(super) fn env(cx: &mut Cx, ins: &Instruction<'_>) -> Option<StepKind> {
    pairs(cx, ins, "ENV").map(StepKind::Env)
}

pub(super) fn label(cx: &mut Cx, ins: &Instruction<'_>) -> Option<StepKind> {
    pairs(cx, ins, "LABEL").map(StepKind::Label)
}

/// `ARG NAME[=DEFAULT] …`; `ARG --bind NAME=value …` and `ARG --unset NAME …`, the
/// bindings of a body and their end as `rustbuild expand` prints them.
pub(super) fn arg(cx: &mut Cx, ins: &Instruction<'_>) -> Option<StepKind> {
    let flags = Keyword::Arg.flags(&ins.flags, &mut cx.diagnostics);
    let (bind, unset) = (flags.switch("bind"), flags.switch("unset"));
    let words = cx.split(&ins.args);
    if words.is_empty() {
        cx.error(missing(
            "ARG needs a name",
            ins.keyword.span(),
            "ARG NAME[=DEFAULT]",
        ));
        return None;
    }
    if unset {
        let names: Option<Vec<_>> = words
            .iter()
            .map(|w| variable_name(cx, w, "ARG --unset"))
            .collect();
        return names.map(StepKind::Unset);
    }
    let decls = decls(cx, &words, "ARG")?;
    if bind {
        if let Some(free) = decls.iter().find(|d| d.default.is_none()) {
            cx.error(
                Diagnostic::error(Code::InvalidKeyValue, "`ARG --bind` needs a value")
                    .with_label(free.span, "no value")
                    .with_help(format!("write `{}=VALUE`", free.name.node)),
            );
            return None;
        }
        return Some(StepKind::Bind(decls));
    }
    Some(StepKind::Arg(decls))
}

/// `NAME[=DEFAULT]` words: ARG's, and FUNCTION's parameters.
pub(super) fn decls(cx: &mut Cx, words: &[Text<'_>], instruction: &str) -> Option<Vec<ArgDecl>> {
    let mut ok = true;
    let mut args = Vec::new();
    for text in words {
        let (name_text, default) = match find_equals(text.as_str(), cx.escape) {
            Some(eq) => (text.slice(0..eq), Some(text.slice(eq + 1..text.len()))),
            None => (text.clone(), None),
        };
        let name = variable_name(cx, &name_text, instruction);
        let default = match default {
            Some(value) => cx.word(&value).map(Some),
            None => Some(None),
        };
        match (name, default) {
            (Some(name), Some(default)) => args.push(ArgDecl {
                name,
                default,
                span: text.span(),
            }),
            _ => ok = false,
        }
    }
    ok.then_some(args)
}

fn flagless(cx: &mut Cx, ins: &Instruction<'_>, name: &str) -> bool {
    let errors = no_flags(ins, name);
    let ok = errors.is_empty();
    for diagnostic in errors {
        cx.error(diagnostic);
    }
    ok
}

/// `KEY=VALUE …`, or the legacy `KEY VALUE` (one pair, the value is the rest of the line).
fn pairs(cx: &mut Cx, ins: &Instruction<'_>, name: &str) -> Option<Vec<KeyValue>> {
    let mut ok = flagless(cx, ins, name);
    let words = cx.split(&ins.args);
    let Some(first) = words.first() else {
        cx.error(missing(
            &format!("{name} needs KEY=VALUE"),
            ins.keyword.span(),
            &format!("{name} KEY=VALUE [KEY=VALUE...]"),
        ));
        return None;
    };
    if find_equals(first.as_str(), cx.escape).is_none() {
        return legacy(cx, ins, name, first)
            .filter(|_| ok)
            .map(|pair| vec![pair]);
    }
    let mut pairs = Vec::new();
    for text in &words {
        let Some(eq) = find_equals(text.as_str(), cx.escape) else {
            cx.error(
                Diagnostic::error(
                    Code::InvalidKeyValue,
                    format!("expected KEY=VALUE, found `{}`", text.as_str()),
                )
                .with_label(text.span(), "no `=` here")
                .with_help(format!(
                    "write `{}=VALUE`, or quote a value that has spaces: KEY=\"a b\"",
                    text.as_str()
                )),
            );
            ok = false;
            continue;
        };
        let key = key(cx, &text.slice(0..eq), name);
        let value = cx.word(&text.slice(eq + 1..text.len()));
        match (key, value) {
            (Some(key), Some(value)) => pairs.push(KeyValue {
                key,
                value,
                legacy: false,
                span: text.span(),
            }),
            _ => ok = false,
        }
    }
    ok.then_some(pairs)
}

/// `NAME=value` words that set variables (IMPORT's values for the imported file's ARGs).
pub(super) fn assignments(
    cx: &mut Cx,
    words: &[Text<'_>],
    instruction: &str,
) -> Option<Vec<KeyValue>> {
    let mut ok = true;
    let mut pairs = Vec::new();
    for text in words {
        let Some(eq) = find_equals(text.as_str(), cx.escape) else {
            cx.error(
                Diagnostic::error(
                    Code::InvalidKeyValue,
                    format!("expected NAME=VALUE, found `{}`", text.as_str()),
                )
                .with_label(text.span(), "no `=` here")
                .with_help(format!("write `{}=VALUE`", text.as_str())),
            );
            ok = false;
            continue;
        };
        let name = variable_name(cx, &text.slice(0..eq), instruction);
        let value = cx.word(&text.slice(eq + 1..text.len()));
        match (name, value) {
            (Some(name), Some(value)) => pairs.push(KeyValue {
                key: crate::ir::Word::literal(name.node, name.span),
                value,
                legacy: false,
                span: text.span(),
            }),
            _ => ok = false,
        }
    }
    ok.then_some(pairs)
}

/// `ENV KEY value with spaces`: accepted as Dockerfile accepts it (check warns).
fn legacy(cx: &mut Cx, ins: &Instruction<'_>, name: &str, first: &Text<'_>) -> Option<KeyValue> {
    let args = ins.args.as_str();
    let Some(gap) = args.find([' ', '\t', '\u{0B}', '\u{0C}', '\r']) else {
        cx.error(
            Diagnostic::error(
                Code::MissingArgument,
                format!("{name} {args} needs a value"),
            )
            .with_label(first.span(), "no value after this key")
            .with_help(format!("write `{name} {args}=VALUE`")),
        );
        return None;
    };
    let key_text = ins.args.slice(0..gap);
    let value_text = ins.args.slice(gap..args.len()).trim();
    let key = key(cx, &key_text, name)?;
    let value = cx.word(&value_text)?;
    Some(KeyValue {
        key,
        value,
        legacy: true,
        span: ins.args.span(),
    })
}

/// An ENV key is a variable name; a LABEL key is any non-empty word.
fn key(cx: &mut Cx, text: &Text<'_>, instruction: &str) -> Option<crate::ir::Word> {
    if instruction == "ENV" {
        let name = variable_name(cx, text, instruction)?;
        return Some(crate::ir::Word::literal(name.node, name.span));
    }
    let word = cx.word(text)?;
    if word.as_literal().is_some_and(|k| k.is_empty()) {
        cx.error(
            Diagnostic::error(Code::InvalidKeyValue, "a LABEL key is empty")
                .with_label(text.span(), "empty key")
                .with_help("write `LABEL key=value`"),
        );
        return None;
    }
    Some(word)
}

/// An ENV or ARG name: letters, digits and `_`, not starting with a digit.
pub(super) fn variable_name(
    cx: &mut Cx,
    text: &Text<'_>,
    instruction: &str,
) -> Option<Spanned<String>> {
    let name = text.as_str();
    if is_variable_name(name) {
        return Some(Spanned::new(name.to_owned(), text.span()));
    }
    let (message, label) = if name.is_empty() {
        (format!("{instruction} name is empty"), "empty name")
    } else {
        (
            format!("invalid {instruction} name `{name}`"),
            "not a variable name",
        )
    };
    cx.error(
        Diagnostic::error(Code::InvalidKeyValue, message)
            .with_label(text.span(), label)
            .with_help("a name is letters, digits and `_`, not starting with a digit, like MY_VAR"),
    );
    None
}

/// Letters, digits and `_`, not starting with a digit (hand-written: this is the hot path).
fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The first `=` outside quotes, escapes and `${…}`.
fn find_equals(text: &str, escape: char) -> Option<usize> {
    // Most keys are plain: the first `=` comes before any character that could hide one.
    let first = text.bytes().position(|b| {
        matches!(b, b'=' | b'"' | b'\'' | b'$' | b'}') || !b.is_ascii() || char::from(b) == escape
    });
    match first {
        None => return None,
        Some(at) if text.as_bytes()[at] == b'=' => return Some(at),
        Some(_) => {}
    }
    let mut quote = None;
    let mut braces = 0usize;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match quote {
            Some('\'') if c == '\'' => quote = None,
            Some('\'') => {}
            Some(_) if c == escape => {
                chars.next();
            }
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == escape => {
                chars.next();
            }
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '$' && chars.peek().is_some_and(|&(_, n)| n == '{') => {
                chars.next();
                braces += 1;
            }
            None if c == '}' && braces > 0 => braces -= 1,
            None if c == '=' && braces == 0 => return Some(i),
            None => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::find_equals;

    #[test]
    fn equals_outside_quotes_and_braces() {
        assert_eq!(find_equals("A=b", '\\'), Some(1));
        assert_eq!(find_equals("\"a=b\"=c", '\\'), Some(5));
        assert_eq!(find_equals("${X:-a=b}", '\\'), None);
        assert_eq!(find_equals("a\\=b=c", '\\'), Some(4));
        assert_eq!(find_equals("plain", '\\'), None);
    }
}
