//! Document symbols: the document's stages with their steps, and its FUNCTIONs.

use lsp_types::{DocumentSymbol, SymbolKind};

use super::documents::Document;
use crate::source::{FileId, Span};

pub(crate) fn symbols(document: &Document) -> Vec<DocumentSymbol> {
    let index = &document.index;
    let stages = index
        .stages
        .iter()
        .filter(|s| s.span.file == FileId::MAIN)
        .map(|stage| {
            let name = match &stage.name {
                Some(name) => format!("{name} (FROM {})", stage.base),
                None => format!("FROM {}", stage.base),
            };
            let steps = stage
                .steps
                .iter()
                .map(|(text, span)| {
                    symbol(
                        document,
                        text.clone(),
                        SymbolKind::FIELD,
                        *span,
                        *span,
                        None,
                    )
                })
                .collect();
            let selection = stage.name_span.unwrap_or(stage.span);
            symbol(
                document,
                name,
                SymbolKind::CLASS,
                stage.extent_or_span(),
                selection,
                Some(steps),
            )
        });
    let functions = index
        .functions
        .iter()
        .filter(|f| f.span.file == FileId::MAIN)
        .map(|f| {
            symbol(
                document,
                f.name.clone(),
                SymbolKind::FUNCTION,
                f.extent,
                f.name_span,
                None,
            )
        });
    let mut all: Vec<DocumentSymbol> = stages.chain(functions).collect();
    all.sort_by_key(|s| (s.range.start.line, s.range.start.character));
    all
}

impl super::index::StageSym {
    /// The stage's FROM and steps: its extent reaches to the next FROM, comments included.
    fn extent_or_span(&self) -> Span {
        let end = self.steps.last().map_or(self.span.end, |(_, s)| s.end);
        Span { end, ..self.span }
    }
}

#[allow(deprecated)] // `deprecated` is a field LSP itself deprecates, but the struct still has.
fn symbol(
    document: &Document,
    name: String,
    kind: SymbolKind,
    range: Span,
    selection: Span,
    children: Option<Vec<DocumentSymbol>>,
) -> DocumentSymbol {
    DocumentSymbol {
        name,
        detail: None,
        kind,
        tags: None,
        deprecated: None,
        range: document.range(range),
        selection_range: document.range(selection),
        children,
    }
}
