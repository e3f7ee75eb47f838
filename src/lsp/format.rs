//! Formatting, not offered yet: the formatter (`crate::format::format`) is being written on
//! another branch. Once it is merged, [`edits`] calls it, and the server advertises
//! `documentFormattingProvider` (see `capabilities` in the server module).

use lsp_types::TextEdit;

use super::documents::Document;

/// The edits that format the document: one replacing the whole text, or none when it
/// is already formatted or cannot be (syntax errors). The place to plug the formatter in:
/// `crate::format::format(document.text())`, and on `Ok(formatted)` different from the
/// text, one edit over the whole document's range.
pub(crate) fn edits(_document: &Document) -> Vec<TextEdit> {
    Vec::new()
}
