//! What the variable rules share: where a reference's name is written, and the written
//! place a finding is reported once for.

use crate::ir::VarRef;
use crate::source::{FileId, Span};

use super::Context;

/// A written place: one line of a FUNCTION body or an included file expands many times,
/// with a new origin each time, and is reported once.
pub(super) fn place(span: Span) -> (FileId, u32, u32) {
    (span.file, span.start, span.end)
}

/// A name an ARG or ENV can declare, as opposed to `$1` or `$@`, which no rule checks.
pub(super) fn is_name(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
}

/// The span of the name in `$NAME` or `${NAME…}`, for a fix that renames it; `None` when
/// the text there is not written that way.
pub(super) fn name_span(context: &Context<'_>, var: &VarRef) -> Option<Span> {
    let file = context.files.file(var.span.file)?;
    let text = file.text.get(var.span.range())?;
    let offset = if text.starts_with("${") {
        2
    } else if text.starts_with('$') {
        1
    } else {
        return None;
    };
    let end = offset + var.name.len();
    (text.get(offset..end) == Some(var.name.as_str())).then(|| var.span.part(offset..end))
}
