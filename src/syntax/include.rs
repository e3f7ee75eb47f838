//! `INCLUDE [--from=NAME] PATH`: read here, followed by `load`.

use crate::ir::Include;
use crate::source::Span;

use super::cx::{Cx, extra, missing};
use super::from::empty_value;
use super::instruction::Instruction;
use super::keyword::Keyword;

const USAGE: &str = "INCLUDE [--from=NAME] PATH";

pub(super) fn include(cx: &mut Cx, ins: &Instruction<'_>, span: Span) -> Option<Include> {
    let flags = Keyword::Include.flags(&ins.flags, &mut cx.diagnostics);
    let from = match flags.value("from") {
        None => None,
        Some(found) => {
            let value = found.value.as_ref()?;
            if value.is_empty() {
                cx.error(empty_value("--from", &found.whole, "--from=shared"));
                return None;
            }
            Some(cx.word(value)?)
        }
    };
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
