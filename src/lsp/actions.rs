//! Code actions: each fix a diagnostic carries, as a quick fix.

use std::collections::HashMap;

use lsp_types::{CodeAction, CodeActionKind, CodeActionOrCommand, Range, TextEdit, WorkspaceEdit};

use super::diagnostics;
use super::documents::Document;

/// The fixes of the diagnostics shown in `range` of the document.
pub(crate) fn actions(document: &Document, range: Range) -> Vec<CodeActionOrCommand> {
    let mut actions = Vec::new();
    for diagnostic in document.analysis.diagnostics.iter() {
        if diagnostic.fixes.is_empty() {
            continue;
        }
        let Some((uri, shown)) = diagnostics::convert(document, diagnostic) else {
            continue;
        };
        if uri != document.uri || !overlaps(shown.range, range) {
            continue;
        }
        for fix in &diagnostic.fixes {
            let Some(edit) = workspace_edit(document, &fix.edits) else {
                continue;
            };
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: fix.title.clone(),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![shown.clone()]),
                edit: Some(edit),
                is_preferred: Some(diagnostic.fixes.len() == 1),
                ..CodeAction::default()
            }));
        }
    }
    actions
}

/// The edits by file; `None` when one is in a file without a URI (it cannot be applied).
// `Uri` caches parts of itself in cells, which never change its hash or equality; and
// `WorkspaceEdit` is keyed by it, so there is no other map to build.
#[allow(clippy::mutable_key_type)]
fn workspace_edit(document: &Document, edits: &[crate::diagnostic::Edit]) -> Option<WorkspaceEdit> {
    let mut changes: HashMap<lsp_types::Uri, Vec<TextEdit>> = HashMap::new();
    for edit in edits {
        let location = document.location(edit.span)?;
        changes
            .entry(location.uri)
            .or_default()
            .push(TextEdit::new(location.range, edit.text.clone()));
    }
    Some(WorkspaceEdit::new(changes))
}

/// Whether two ranges share a position (touching counts: a cursor at a word's end).
fn overlaps(a: Range, b: Range) -> bool {
    a.start <= b.end && b.start <= a.end
}
