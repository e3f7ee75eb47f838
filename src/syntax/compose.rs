//! INCLUDE and IMPORT, the instructions that bring in other files: read here, followed by
//! `load`.

use crate::diagnostic::{Code, Diagnostic};
use crate::ir::{Import, Include, Word};
use crate::source::Span;

use super::cx::{Cx, extra, missing};
use super::flags::Flags;
use super::from::{empty_value, stage_name};
use super::instruction::Instruction;
use super::keyword::Keyword;
use super::vars::assignments;

const USAGE: &str = "INCLUDE [--from=NAME] PATH";
const IMPORT_USAGE: &str = "IMPORT [--from=NAME] PATH AS NAMESPACE [ARG=value...]";

/// `--from=NAME`: `Ok(None)` without it, `Err` after reporting a bad one.
fn from(cx: &mut Cx, flags: &Flags<'_>) -> Result<Option<Word>, ()> {
    let Some(found) = flags.value("from") else {
        return Ok(None);
    };
    let value = found.value.as_ref().ok_or(())?;
    if value.is_empty() {
        cx.error(empty_value("--from", &found.whole, "--from=shared"));
        return Err(());
    }
    cx.word(value).map(Some).ok_or(())
}

pub(super) fn import(cx: &mut Cx, ins: &Instruction<'_>, span: Span) -> Option<Import> {
    let flags = Keyword::Import.flags(&ins.flags, &mut cx.diagnostics);
    let from = from(cx, &flags).ok()?;
    let words = cx.split(&ins.args);
    let as_at = words
        .get(1)
        .filter(|w| w.as_str().eq_ignore_ascii_case("as"));
    let (Some(path), Some(_), Some(namespace)) = (words.first(), as_at, words.get(2)) else {
        cx.error(missing(
            "IMPORT needs a path and a namespace",
            ins.keyword.span(),
            IMPORT_USAGE,
        ));
        return None;
    };
    let namespace = stage_name(cx, namespace)?;
    if namespace.node.contains('+') {
        cx.error(
            Diagnostic::error(Code::InvalidStageName, "a namespace cannot hold `+`")
                .with_label(namespace.span, "`+` separates a namespace from a name")
                .with_help("name the namespace with letters, digits, `-`, `_` and `.`"),
        );
        return None;
    }
    let values = assignments(cx, &words[3..], "ARG")?;
    let path = cx.word(path)?;
    Some(Import {
        from,
        path,
        namespace,
        values,
        span,
    })
}

pub(super) fn include(cx: &mut Cx, ins: &Instruction<'_>, span: Span) -> Option<Include> {
    let flags = Keyword::Include.flags(&ins.flags, &mut cx.diagnostics);
    let from = from(cx, &flags).ok()?;
    let words = cx.split(&ins.args);
    let Some(path) = words.first() else {
        cx.error(missing(
            "INCLUDE needs the path of a file",
            ins.keyword.span(),
            USAGE,
        ));
        return None;
    };
    if words.len() > 1 {
        cx.error(extra("INCLUDE", &words[1..], USAGE));
        return None;
    }
    let path = cx.word(path)?;
    Some(Include { from, path, span })
}
