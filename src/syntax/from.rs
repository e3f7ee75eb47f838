//! `FROM [--platform=P] IMAGE [AS NAME]`: the start of a stage.

use crate::diagnostic::{Code, Diagnostic};
use crate::ir::{Stage, Word};
use crate::source::{Span, Spanned};

use super::cx::{Cx, extra, matches, missing};
use super::grammar::Rule;
use super::instruction::Instruction;
use super::keyword::Keyword;
use super::text::Text;

const USAGE: &str = "FROM [--platform=PLATFORM] IMAGE [AS NAME]";

/// The stage a FROM starts. A FROM with errors still starts a stage (with what could be
/// read), so the instructions after it are checked as part of it.
pub(super) fn from(
    cx: &mut Cx,
    ins: &Instruction<'_>,
    text: String,
    span: Span,
    comments: &[String],
) -> Stage {
    let flags = Keyword::From.flags(&ins.flags, &mut cx.diagnostics);
    let platform = flags.value("platform").and_then(|found| {
        let value = found.value.as_ref()?;
        if value.is_empty() {
            cx.error(empty_value(
                "--platform",
                &found.whole,
                "--platform=linux/amd64",
            ));
            return None;
        }
        cx.word(value)
    });
    let words = cx.split(&ins.args);
    let base = match words.first() {
        Some(image) => cx.word(image),
        None => {
            cx.error(missing("FROM needs an image", ins.keyword.span(), USAGE));
            None
        }
    };
    let name = match words.as_slice() {
        [_] | [] => None,
        [_, kw] if kw.as_str().eq_ignore_ascii_case("as") => {
            cx.error(missing(
                "missing stage name after AS",
                kw.span(),
                "FROM IMAGE AS NAME",
            ));
            None
        }
        // A name with variables is decided while expanding (`AS build-${ARCH}`).
        [_, kw, name] if kw.as_str().eq_ignore_ascii_case("as") && name.as_str().contains('$') => {
            Some(Spanned::new(name.as_str().to_owned(), name.span()))
        }
        [_, kw, name] if kw.as_str().eq_ignore_ascii_case("as") => stage_name(cx, name),
        [_, rest @ ..] => {
            let unexpected = if rest.len() > 2 && rest[0].as_str().eq_ignore_ascii_case("as") {
                &rest[2..]
            } else {
                rest
            };
            cx.error(extra("FROM", unexpected, USAGE));
            None
        }
    };
    let description = (!comments.is_empty()).then(|| comments.join("\n"));
    Stage {
        base: base.unwrap_or_else(|| Word::literal(ins.args.as_str(), ins.args.span())),
        platform,
        name,
        description,
        steps: Vec::new(),
        namespace: None,
        text,
        span,
    }
}

pub(super) fn stage_name(cx: &mut Cx, name: &Text<'_>) -> Option<Spanned<String>> {
    let lowered = name.as_str().to_lowercase();
    if matches(Rule::stage_name, &lowered) {
        return Some(Spanned::new(lowered, name.span()));
    }
    cx.error(
        Diagnostic::error(
            Code::InvalidStageName,
            format!("invalid stage name `{}`", name.as_str()),
        )
        .with_label(name.span(), "not a valid stage name")
        .with_help(
            "a stage name starts with a letter and has only letters, digits, `-`, `_` and `.`",
        ),
    );
    None
}

pub(super) fn empty_value(flag: &str, whole: &Text<'_>, example: &str) -> Diagnostic {
    Diagnostic::error(Code::InvalidFlagValue, format!("`{flag}` is empty"))
        .with_label(whole.span(), "empty value")
        .with_help(format!("give it a value, like `{example}`, or remove it"))
}
