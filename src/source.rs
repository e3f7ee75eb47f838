//! The build files' text and positions in it.
//!
//! Every node of the IR carries a [`Span`]: a byte range into one [`SourceFile`] of the
//! build's [`SourceFiles`], named by its [`FileId`] (the main Buildfile is
//! [`FileId::MAIN`]; included files come after it). Lines and columns are computed only
//! when something is shown to a person or sent to BuildKit, through [`LineIndex`].
//!
//! A span also names its [`Origin`]: written where it stands, or produced by an expansion
//! (INCLUDE, IMPORT, CALL, a FOR iteration) whose [`Expansion`] the set of files records with
//! the place that made it. Following those places gives the "called from …" chain that
//! diagnostics show.

use std::sync::Arc;

/// A build file as read from disk, stdin or BuildKit's `dockerfile` local.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFile {
    /// The name shown in diagnostics and sent in BuildKit's source map (`Buildfile`).
    pub name: String,
    /// The whole text. Shared, because diagnostics, the source map and the IR all point into it.
    pub text: Arc<str>,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> Self {
        Self {
            name: name.into(),
            text: text.into(),
        }
    }

    /// The text a span covers; empty when the span is out of bounds or not on a char boundary.
    pub fn slice(&self, span: Span) -> &str {
        self.text
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }
}

/// Which file of the build a span points into: an index into [`SourceFiles`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u16);

impl FileId {
    /// The build file itself: the first of [`SourceFiles`].
    pub const MAIN: FileId = FileId(0);

    pub fn index(self) -> usize {
        usize::from(self.0)
    }
}

/// What made a node: an index into the [`Expansion`]s of [`SourceFiles`], or
/// [`Origin::WRITTEN`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Origin(u32);

impl Origin {
    /// Written in its file as it stands: no expansion made it.
    pub const WRITTEN: Origin = Origin(0);
}

/// One expansion that produced nodes: what it was, and the instruction that asked for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expansion {
    pub kind: ExpansionKind,
    /// The INCLUDE, IMPORT, CALL or FOR instruction, with its own origin: the next link of
    /// the chain.
    pub at: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExpansionKind {
    /// `INCLUDE path`: the path as written.
    Include { path: String },
    /// `IMPORT path AS namespace`.
    Import { namespace: String },
    /// `CALL function`.
    Call { function: String },
    /// One iteration of `FOR name IN …`.
    Iteration { name: String, value: String },
}

impl Expansion {
    /// What the nodes are inside, as a diagnostic's related report is titled.
    pub fn title(&self) -> String {
        match &self.kind {
            ExpansionKind::Include { path } => format!("in {path}"),
            ExpansionKind::Import { namespace } => format!("in IMPORT {namespace}"),
            ExpansionKind::Call { function } => format!("in FUNCTION {function}"),
            ExpansionKind::Iteration { name, value } => format!("in FOR {name}={value}"),
        }
    }

    /// What [`Expansion::at`] did, as its label reads.
    pub fn label(&self) -> &'static str {
        match self.kind {
            ExpansionKind::Include { .. } => "included here",
            ExpansionKind::Import { .. } => "imported here",
            ExpansionKind::Call { .. } => "called here",
            ExpansionKind::Iteration { .. } => "iterated here",
        }
    }
}

/// The place of every expansion of a build, by origin: see [`Sources::places`].
#[derive(Clone, Debug, Default)]
pub struct Places(Vec<Span>);

impl Places {
    /// The places of the expansions that made `span`, innermost first.
    pub fn chain(&self, span: Span) -> Vec<Span> {
        let mut chain = Vec::new();
        let mut origin = span.origin;
        while let Some(&at) = origin.0.checked_sub(1).and_then(|i| self.0.get(i as usize)) {
            chain.push(at);
            // Older than what it made (see `SourceFiles::expand`): the chain ends.
            if at.origin >= origin {
                break;
            }
            origin = at.origin;
        }
        chain
    }
}

/// A half-open byte range `start..end` into the [`SourceFile`] `file`, and what made it.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub file: FileId,
    pub origin: Origin,
    pub start: u32,
    pub end: u32,
}

impl Span {
    /// A span of the main build file, as written.
    pub const fn new(start: u32, end: u32) -> Self {
        Self {
            file: FileId::MAIN,
            origin: Origin::WRITTEN,
            start,
            end,
        }
    }

    /// Builds a span of the main file from `usize` offsets. Buildfiles are limited far
    /// below 4 GiB by the readers, so the conversion saturates rather than fails.
    pub fn from_range(range: std::ops::Range<usize>) -> Self {
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Self::new(clamp(range.start), clamp(range.end))
    }

    /// The same range in `file`.
    pub fn in_file(self, file: FileId) -> Self {
        Self { file, ..self }
    }

    /// The same range, made by `origin`.
    pub fn with_origin(self, origin: Origin) -> Self {
        Self { origin, ..self }
    }

    /// The smallest span covering both (which must be in the same file and of the same
    /// origin: `self`'s are kept).
    pub fn join(self, other: Span) -> Span {
        Span {
            file: self.file,
            origin: self.origin,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// The part `range` (offsets from this span's start) of this span, in its file and of
    /// its origin: a value inside an instruction.
    pub fn part(self, range: std::ops::Range<usize>) -> Span {
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Span {
            start: self.start.saturating_add(clamp(range.start)),
            end: self.start.saturating_add(clamp(range.end)),
            ..self
        }
    }

    pub fn len(self) -> u32 {
        self.end.saturating_sub(self.start)
    }

    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// `Span { start, end }`, with `file` only when it is not the main file and `origin` only
/// when an expansion made it: IR snapshots of one-file Buildfiles stay as they read.
impl std::fmt::Debug for Span {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = f.debug_struct("Span");
        if self.file != FileId::MAIN {
            out.field("file", &self.file.0);
        }
        if self.origin != Origin::WRITTEN {
            out.field("origin", &self.origin.0);
        }
        out.field("start", &self.start)
            .field("end", &self.end)
            .finish()
    }
}

/// Where the files of diagnostics come from: one file, or the build's set of files.
pub trait Sources {
    /// The file a span of `id` points into.
    fn file(&self, id: FileId) -> Option<&SourceFile>;

    /// Every file, in id order: the main file first.
    fn files(&self) -> Vec<&SourceFile>;

    /// The expansion that made nodes of `origin`; `None` for [`Origin::WRITTEN`].
    fn expansion(&self, origin: Origin) -> Option<&Expansion>;

    /// Where each expansion happened, without the files: for a holder of spans that follows
    /// chains later (lowering, for the source map).
    fn places(&self) -> Places {
        let places = (1..)
            .map_while(|n| self.expansion(Origin(n)))
            .map(|expansion| expansion.at)
            .collect();
        Places(places)
    }

    /// The expansions that made `span`, innermost first: the "called from …" chain.
    fn chain(&self, span: Span) -> Vec<&Expansion> {
        let mut chain = Vec::new();
        let mut origin = span.origin;
        while let Some(expansion) = self.expansion(origin) {
            chain.push(expansion);
            // Each expansion's place is older than the expansion (`SourceFiles::expand`
            // holds to that), so the chain ends.
            if expansion.at.origin >= origin {
                break;
            }
            origin = expansion.at.origin;
        }
        chain
    }
}

impl Sources for SourceFile {
    fn file(&self, id: FileId) -> Option<&SourceFile> {
        (id == FileId::MAIN).then_some(self)
    }

    fn files(&self) -> Vec<&SourceFile> {
        vec![self]
    }

    fn expansion(&self, _: Origin) -> Option<&Expansion> {
        None
    }
}

/// The files of one build, the main build file first, then the files it brings in; and
/// the expansions that made nodes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFiles {
    files: Vec<SourceFile>,
    /// [`Origin`] `n` is `expansions[n - 1]`.
    expansions: Vec<Expansion>,
}

impl SourceFiles {
    pub fn new(main: SourceFile) -> Self {
        Self {
            files: vec![main],
            expansions: Vec::new(),
        }
    }

    /// Records an expansion and returns the origin of the nodes it makes. `None` when its
    /// place is not older than it (an origin not given out yet), or past 2^32 expansions.
    pub fn expand(&mut self, expansion: Expansion) -> Option<Origin> {
        let origin = Origin(u32::try_from(self.expansions.len() + 1).ok()?);
        if expansion.at.origin >= origin {
            return None;
        }
        self.expansions.push(expansion);
        Some(origin)
    }

    /// Adds a file and returns its id; `None` past 65,536 files.
    pub fn add(&mut self, file: SourceFile) -> Option<FileId> {
        let id = FileId(u16::try_from(self.files.len()).ok()?);
        self.files.push(file);
        Some(id)
    }
}

impl Sources for SourceFiles {
    fn file(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.index())
    }

    fn files(&self) -> Vec<&SourceFile> {
        self.files.iter().collect()
    }

    fn expansion(&self, origin: Origin) -> Option<&Expansion> {
        let index = usize::try_from(origin.0).ok()?.checked_sub(1)?;
        self.expansions.get(index)
    }
}

/// A value together with the source it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spanned<T> {
    pub node: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(node: T, span: Span) -> Self {
        Self { node, span }
    }
}

/// A 1-based line and column; the column counts characters, not bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

/// Line start offsets of a text, for turning byte offsets into lines and columns.
#[derive(Clone, Debug)]
pub struct LineIndex {
    line_starts: Vec<u32>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| u32::try_from(i + 1).unwrap_or(u32::MAX)),
        );
        Self { line_starts }
    }

    /// The line and column of a byte offset. Offsets past the end map to the end; an offset
    /// inside a multi-byte character counts that character as started.
    pub fn line_col(&self, text: &str, offset: u32) -> LineCol {
        let offset = offset.min(u32::try_from(text.len()).unwrap_or(u32::MAX));
        let line = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let start = self.line_starts[line] as usize;
        let end = offset as usize;
        let column = text.get(start..).map_or(0, |rest| {
            rest.char_indices()
                .take_while(|&(i, _)| start + i < end)
                .count()
        });
        LineCol {
            line: u32::try_from(line + 1).unwrap_or(u32::MAX),
            column: u32::try_from(column + 1).unwrap_or(u32::MAX),
        }
    }

    /// The 1-based line of a byte offset.
    pub fn line(&self, offset: u32) -> u32 {
        let line = self.line_starts.partition_point(|&start| start <= offset);
        u32::try_from(line).unwrap_or(u32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_from_one() {
        let text = "FROM a\nRUN é x\n";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(text, 0), LineCol { line: 1, column: 1 });
        assert_eq!(index.line_col(text, 7), LineCol { line: 2, column: 1 });
        // "RUN é " is 7 bytes but 6 characters: `x` is the 7th character.
        let x = u32::try_from(text.find('x').unwrap()).unwrap();
        assert_eq!(index.line_col(text, x), LineCol { line: 2, column: 7 });
        assert_eq!(index.line(x), 2);
    }

    #[test]
    fn offsets_past_the_end_clamp() {
        let text = "FROM a";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(text, 999), LineCol { line: 1, column: 7 });
    }

    #[test]
    fn a_chain_follows_the_places_that_made_a_span_innermost_first() {
        let mut files = SourceFiles::new(SourceFile::new("Buildfile", "INCLUDE a.bf\n"));
        let include = Expansion {
            kind: ExpansionKind::Include {
                path: "a.bf".into(),
            },
            at: Span::new(0, 12),
        };
        let included = files.expand(include.clone()).unwrap();
        let call = Expansion {
            kind: ExpansionKind::Call {
                function: "apt".into(),
            },
            at: Span::new(0, 8).in_file(FileId(1)).with_origin(included),
        };
        let called = files.expand(call.clone()).unwrap();
        let span = Span::new(3, 5).in_file(FileId(1)).with_origin(called);
        assert_eq!(files.chain(span), vec![&call, &include]);
        assert!(files.chain(Span::new(3, 5)).is_empty());
        // A place must be older than what it makes: no origin can lead back to itself.
        let later = Expansion {
            at: Span::new(0, 1).with_origin(Origin(3)),
            ..include
        };
        assert_eq!(files.expand(later), None);
    }
}
