//! Text that is not one contiguous slice of the source, with the way back to it.
//!
//! An instruction's logical line is its physical lines joined without the continuation
//! characters, and a JSON string's value has its escapes decoded. Both are assembled from
//! pieces of the source; [`Mapped`] remembers where each piece came from, so a span found
//! in the assembled text becomes a span of the Buildfile.

use std::ops::Range;

use crate::source::Span;

/// An assembled string and, for each piece, where it starts in the text and in the source.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Mapped {
    text: String,
    /// `(offset in text, offset in source)`, sorted by both.
    pieces: Vec<(usize, usize)>,
}

impl Mapped {
    /// Text that is exactly the source from `source_start` on.
    #[cfg(test)]
    pub(super) fn contiguous(text: &str, source_start: usize) -> Self {
        let mut mapped = Self::default();
        mapped.push(text, source_start);
        mapped
    }

    /// Appends `text`, which is the source from `source_start` on.
    pub(super) fn push(&mut self, text: &str, source_start: usize) {
        if text.is_empty() {
            return;
        }
        let continues = self
            .pieces
            .last()
            .is_some_and(|&(at, src)| src + (self.text.len() - at) == source_start);
        if !continues {
            self.pieces.push((self.text.len(), source_start));
        }
        self.text.push_str(text);
    }

    pub(super) fn as_str(&self) -> &str {
        &self.text
    }

    /// Empties the text, keeping its room for the next.
    pub(super) fn clear(&mut self) {
        self.text.clear();
        self.pieces.clear();
    }

    /// The source offset of a text offset (an offset at the end maps past the last byte).
    pub(super) fn source_offset(&self, offset: usize) -> usize {
        let index = self.pieces.partition_point(|&(at, _)| at <= offset);
        match index.checked_sub(1).and_then(|i| self.pieces.get(i)) {
            Some(&(at, src)) => src + (offset - at),
            None => self.pieces.first().map_or(0, |&(_, src)| src),
        }
    }

    /// The source span of a text range. The end maps through its last byte, so a range that
    /// ends where a piece ends does not reach into whatever the source has next.
    pub(super) fn span(&self, range: Range<usize>) -> Span {
        let start = self.source_offset(range.start);
        let end = if range.end > range.start {
            self.source_offset(range.end - 1) + 1
        } else {
            start
        };
        Span::from_range(start..end.max(start))
    }

    /// The whole text as a [`Text`] view.
    pub(super) fn view(&self) -> Text<'_> {
        Text {
            mapped: self,
            range: 0..self.text.len(),
        }
    }
}

/// A slice of a [`Mapped`] text that still knows its place in the source.
#[derive(Clone, Debug)]
pub(super) struct Text<'a> {
    mapped: &'a Mapped,
    range: Range<usize>,
}

impl<'a> Text<'a> {
    pub(super) fn as_str(&self) -> &'a str {
        self.mapped.text.get(self.range.clone()).unwrap_or("")
    }

    pub(super) fn len(&self) -> usize {
        self.range.len()
    }

    /// Where the slice is in its assembled text (not in the source).
    pub(super) fn range(&self) -> Range<usize> {
        self.range.clone()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.range.is_empty()
    }

    /// A sub-slice, by offsets relative to this slice (clamped to it).
    pub(super) fn slice(&self, range: Range<usize>) -> Text<'a> {
        let start = (self.range.start + range.start).min(self.range.end);
        let end = (self.range.start + range.end).clamp(start, self.range.end);
        Text {
            mapped: self.mapped,
            range: start..end,
        }
    }

    /// The source span of a range relative to this slice.
    pub(super) fn span_of(&self, range: Range<usize>) -> Span {
        let slice = self.slice(range);
        self.mapped.span(slice.range)
    }

    /// The source span of the whole slice.
    pub(super) fn span(&self) -> Span {
        self.mapped.span(self.range.clone())
    }

    /// From the start of `self` to the end of `later`, a slice of the same text after it.
    pub(super) fn through(&self, later: &Text<'a>) -> Text<'a> {
        Text {
            mapped: self.mapped,
            range: self.range.start..later.range.end.max(self.range.start),
        }
    }

    /// Without leading and trailing whitespace (Unicode, as Go's `strings.TrimSpace`).
    pub(super) fn trim(&self) -> Text<'a> {
        let text = self.as_str();
        let start = text.len() - text.trim_start().len();
        let end = text.trim_end().len().max(start);
        self.slice(start..end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_follow_the_pieces() {
        // "RUN a \\\n    b" joined is "RUN a     b": the piece "    b" starts at source 8.
        let mut mapped = Mapped::default();
        mapped.push("RUN a ", 0);
        mapped.push("    b", 8);
        assert_eq!(mapped.as_str(), "RUN a     b");
        assert_eq!(mapped.span(4..5), Span::new(4, 5));
        assert_eq!(mapped.span(10..11), Span::new(12, 13));
        // A range across the join covers the continuation in the source.
        assert_eq!(mapped.span(4..11), Span::new(4, 13));
        // A range ending at the end of the first piece does not swallow the `\`.
        assert_eq!(mapped.span(0..6), Span::new(0, 6));
    }

    #[test]
    fn adjacent_pieces_merge() {
        let mut mapped = Mapped::default();
        mapped.push("ab", 3);
        mapped.push("cd", 5);
        assert_eq!(mapped.pieces.len(), 1);
        assert_eq!(mapped.span(1..4), Span::new(4, 7));
    }

    #[test]
    fn trim_keeps_positions() {
        let mapped = Mapped::contiguous("  x y  ", 10);
        let text = mapped.view().trim();
        assert_eq!(text.as_str(), "x y");
        assert_eq!(text.span(), Span::new(12, 15));
        assert_eq!(text.slice(2..3).span(), Span::new(14, 15));
    }
}
