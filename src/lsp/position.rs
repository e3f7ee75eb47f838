//! Byte offsets of the IR's spans to LSP positions and back: 0-based lines, and columns
//! in UTF-16 code units (what LSP means by default), clamped into the text so that no
//! position a client sends can point outside it.

use lsp_types::{Position, Range};

/// Line starts of one text.
#[derive(Clone, Debug)]
pub(crate) struct Lines {
    starts: Vec<usize>,
    len: usize,
}

impl Lines {
    pub(crate) fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self {
            starts,
            len: text.len(),
        }
    }

    /// The position of a byte offset; an offset past the end is the end, one inside a
    /// character is that character's start.
    pub(crate) fn position(&self, text: &str, offset: usize) -> Position {
        let offset = floor_boundary(text, offset.min(self.len));
        let line = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let start = self.starts.get(line).copied().unwrap_or(0);
        let units: usize = text
            .get(start..offset)
            .map_or(0, |s| s.chars().map(char::len_utf16).sum());
        Position::new(saturate(line), saturate(units))
    }

    pub(crate) fn range(&self, text: &str, start: usize, end: usize) -> Range {
        Range::new(self.position(text, start), self.position(text, end))
    }

    /// The byte offset of a position: a line past the last is the end of the text, a
    /// column past the line's end is the line's end (before its newline).
    pub(crate) fn offset(&self, text: &str, position: Position) -> usize {
        let Some(&start) = self.starts.get(position.line as usize) else {
            return self.len;
        };
        let end = self
            .starts
            .get(position.line as usize + 1)
            .map_or(self.len, |&next| next - 1);
        let line = text.get(start..end).unwrap_or("");
        let mut units = 0usize;
        for (i, c) in line.char_indices() {
            if units >= position.character as usize {
                return start + i;
            }
            units += c.len_utf16();
        }
        end
    }
}

fn floor_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_utf16_units() {
        // `é` is 2 bytes and 1 unit, `𝄞` 4 bytes and 2 units.
        let text = "FROM a\nRUN é𝄞 x\n";
        let lines = Lines::new(text);
        let x = text.find('x').unwrap();
        assert_eq!(lines.position(text, x), Position::new(1, 8));
        assert_eq!(lines.offset(text, Position::new(1, 8)), x);
        assert_eq!(lines.position(text, 0), Position::new(0, 0));
    }

    #[test]
    fn positions_out_of_range_clamp() {
        let text = "FROM a\nRUN b";
        let lines = Lines::new(text);
        assert_eq!(lines.offset(text, Position::new(0, 99)), 6);
        assert_eq!(lines.offset(text, Position::new(9, 0)), text.len());
        assert_eq!(lines.position(text, 999), Position::new(1, 5));
        // Inside `é`: its start.
        let text = "é";
        assert_eq!(Lines::new(text).position(text, 1), Position::new(0, 0));
    }
}
