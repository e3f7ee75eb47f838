//! The open documents: each one's text as the editor has it (saved or not), analysed with
//! the files it INCLUDEs and IMPORTs read from disk, and indexed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use lsp_types::{Location, Position, Range, Uri};

use super::index::Index;
use super::position::Lines;
use crate::Analysis;
use crate::source::{FileId, SourceFile, Sources, Span};

/// How a document is analysed: the caller reads the files it brings in (the CLI, from
/// disk relative to `path`'s directory, as `rustbuild check` does).
pub trait Loader {
    /// `path` is the document's file, `None` for a buffer that has none.
    fn analyze(&self, path: Option<&Path>, file: SourceFile) -> Analysis;
}

/// One open document, analysed.
pub(crate) struct Document {
    pub(crate) uri: Uri,
    pub(crate) analysis: Analysis,
    pub(crate) index: Index,
    /// Each file of the analysis: its URI (none for a file not on disk here) and lines.
    pub(crate) files: Vec<(Option<Uri>, Lines)>,
    /// The URIs this document's diagnostics were last published for.
    pub(crate) published: Vec<Uri>,
}

impl Document {
    pub(crate) fn new(uri: Uri, text: String, loader: &dyn Loader) -> Self {
        let path = super::uri::to_path(&uri);
        let name = path.as_ref().and_then(|p| p.file_name()).map_or_else(
            || uri.as_str().to_owned(),
            |n| n.to_string_lossy().into_owned(),
        );
        let analysis = loader.analyze(path.as_deref(), SourceFile::new(name, text));
        let dir = path
            .as_ref()
            .and_then(|p| p.parent())
            .map(Path::to_path_buf);
        let files = analysis
            .files
            .files()
            .iter()
            .enumerate()
            .map(|(n, file)| {
                let uri = if n == 0 {
                    Some(uri.clone())
                } else {
                    included_uri(dir.as_deref(), &file.name)
                };
                (uri, Lines::new(&file.text))
            })
            .collect();
        let index = Index::new(&analysis.files);
        Self {
            uri,
            analysis,
            index,
            files,
            published: Vec::new(),
        }
    }

    /// The document's own text.
    pub(crate) fn text(&self) -> &str {
        self.file_text(FileId::MAIN)
    }

    pub(crate) fn file_text(&self, id: FileId) -> &str {
        self.analysis.files.file(id).map_or("", |f| &f.text)
    }

    /// The escape character of the document (`# escape=`).
    pub(crate) fn escape(&self) -> char {
        self.index
            .modules
            .first()
            .map_or('\\', |m| m.directives.escape)
    }

    /// The byte offset of a position in the document, as a span of the main file.
    pub(crate) fn offset(&self, position: Position) -> usize {
        self.files
            .first()
            .map_or(0, |(_, lines)| lines.offset(self.text(), position))
    }

    pub(crate) fn at(&self, position: Position) -> Span {
        let offset = self.offset(position);
        Span::from_range(offset..offset)
    }

    /// The range of a span in its file.
    pub(crate) fn range(&self, span: Span) -> Range {
        self.files
            .get(span.file.index())
            .map_or_else(Range::default, |(_, lines)| {
                lines.range(
                    self.file_text(span.file),
                    span.start as usize,
                    span.end as usize,
                )
            })
    }

    /// Where a span is, when its file has a URI.
    pub(crate) fn location(&self, span: Span) -> Option<Location> {
        let (uri, _) = self.files.get(span.file.index())?;
        Some(Location::new(uri.clone()?, self.range(span)))
    }
}

/// The file an included name (relative to the main file's directory) is, on disk.
fn included_uri(dir: Option<&Path>, name: &str) -> Option<Uri> {
    let path: PathBuf = dir?.join(name);
    // Names of files from named contexts (`NAME:path`) are not paths here.
    if !path.is_file() {
        return None;
    }
    super::uri::from_path(&path)
}

/// The open documents, by URI.
#[derive(Default)]
pub(crate) struct Documents {
    open: BTreeMap<String, Document>,
}

impl Documents {
    pub(crate) fn get(&self, uri: &Uri) -> Option<&Document> {
        self.open.get(uri.as_str())
    }

    /// Stores a document; the one it replaces, if any, is returned.
    pub(crate) fn insert(&mut self, document: Document) -> Option<Document> {
        self.open.insert(document.uri.as_str().to_owned(), document)
    }

    pub(crate) fn remove(&mut self, uri: &Uri) -> Option<Document> {
        self.open.remove(uri.as_str())
    }
}
