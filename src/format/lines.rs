//! The output, line by line: indentation, blank lines, and the pieces of the source copied
//! into it.

use std::ops::Range;

/// Blanks that end a line and mean nothing there (`\r` of a `\r\n` line end included).
const TRAILING: [char; 3] = [' ', '\t', '\r'];

pub(super) struct Writer<'a> {
    text: &'a str,
    escape: char,
    out: String,
    /// A blank line was read since the last line written.
    blank: bool,
    /// Nothing but the byte-order mark has been written.
    empty: bool,
}

impl<'a> Writer<'a> {
    pub(super) fn new(text: &'a str, escape: char, bom: &str) -> Self {
        let mut out = String::with_capacity(text.len() + text.len() / 8);
        out.push_str(bom);
        Self {
            text,
            escape,
            out,
            blank: false,
            empty: true,
        }
    }

    pub(super) fn text(&self) -> &'a str {
        self.text
    }

    /// The comments and blank lines between two instructions, comments at `indent`;
    /// `None` if a line is neither (the outline and the text disagree).
    pub(super) fn between(&mut self, lines: &str, indent: usize) -> Option<()> {
        for line in lines.split_inclusive('\n') {
            let content = line.trim();
            if content.is_empty() {
                self.blank = true;
            } else if content.starts_with('#') {
                self.start_line(indent);
                self.out.push_str(content);
                self.end_line();
            } else {
                return None;
            }
        }
        Some(())
    }

    /// Starts a line at `indent`, after one blank line if any were read since the last.
    pub(super) fn start_line(&mut self, indent: usize) {
        // Blank lines at the start are dropped, except before a comment: a blank line
        // there is what keeps a `# escape=` comment from being read as a parser directive.
        let first_is_comment = self.text_after_blank_starts_comment();
        if self.blank && (!self.empty || first_is_comment) {
            self.out.push('\n');
        }
        self.blank = false;
        self.empty = false;
        self.out.extend(std::iter::repeat_n(' ', indent));
    }

    /// Whether the file starts with blank lines and then a comment.
    fn text_after_blank_starts_comment(&self) -> bool {
        self.empty
            && self
                .text
                .trim_start_matches('\u{FEFF}')
                .trim_start()
                .starts_with('#')
    }

    pub(super) fn ends_with_escape(&self) -> bool {
        self.out.ends_with(self.escape)
    }

    pub(super) fn end_line(&mut self) {
        self.out.push('\n');
    }

    pub(super) fn push(&mut self, text: &str) {
        self.out.push_str(text);
    }

    /// Blanks between two parts: one space, or a continuation onto a line at `indent` with
    /// the comment lines that were inside it.
    pub(super) fn separator(&mut self, range: Range<usize>, indent: usize) {
        let gap = self.text.get(range).unwrap_or("");
        let mut lines = gap.split('\n');
        lines.next();
        // The last line holds the blanks before the next part, which the indentation
        // replaces: all that matters is that there are some.
        if lines.next_back().is_none() {
            self.out.push(' ');
            return;
        }
        self.out.push(' ');
        self.out.push(self.escape);
        self.out.push('\n');
        for line in lines {
            let content = line.trim();
            if content.starts_with('#') {
                self.out.extend(std::iter::repeat_n(' ', indent));
                self.out.push_str(content);
                self.out.push('\n');
            }
        }
        self.out.extend(std::iter::repeat_n(' ', indent.max(1)));
    }

    /// The source as written, but for the blanks that end each of its lines but the last
    /// (after a continuation character, or on a comment or empty line inside one: the
    /// reader drops them).
    pub(super) fn verbatim(&mut self, range: Range<usize>) {
        let piece = self.text.get(range).unwrap_or("");
        let mut lines = piece.split('\n').peekable();
        while let Some(line) = lines.next() {
            if lines.peek().is_some() {
                self.out.push_str(line.trim_end_matches(TRAILING));
                self.out.push('\n');
            } else {
                self.out.push_str(line);
            }
        }
    }

    /// Heredoc bodies and their terminators, exactly as written.
    pub(super) fn heredocs(&mut self, range: Range<usize>) {
        self.out.push_str(self.text.get(range).unwrap_or(""));
        self.out.push('\n');
    }

    /// The text, with one newline at the end (none for a file with no lines).
    pub(super) fn finish(self) -> String {
        self.out
    }
}
