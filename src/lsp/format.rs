//! `textDocument/formatting`: [`crate::format`]'s canonical layout as one edit.

use lsp_types::TextEdit;

use crate::source::Span;

use super::documents::Document;

/// The edit that formats the document: one replacing the whole text, or none when it is
/// already formatted or cannot be (syntax errors, which the diagnostics already show).
pub(crate) fn edits(document: &Document) -> Vec<TextEdit> {
    let text = document.text();
    match crate::format::format(text) {
        Ok(formatted) if formatted != text => vec![TextEdit {
            range: document.range(Span::from_range(0..text.len())),
            new_text: formatted,
        }],
        _ => Vec::new(),
    }
}
