//! `rustbuild fmt`: one canonical layout for a Buildfile, without changing what it builds.
//!
//! The file is read by the parser's own reader ([`crate::syntax::outline`]), which says
//! where every flag, word and value of an instruction is in the source. The formatter then
//! writes each instruction again:
//! - the keyword in capitals, at 4 spaces per open block (IF, ELSE, FOR, FUNCTION bodies);
//! - one space between the keyword, flags and words that the reader splits on blanks; a
//!   continuation between them goes on a line indented 4 spaces more than the keyword;
//! - every flag, word and value copied as written: a shell command, its continuation
//!   lines, exec-form JSON, ENV and LABEL values, conditions and heredoc bodies are the
//!   same bytes (a shell command is the step's cache key);
//! - comments re-indented with the block they are in, runs of blank lines collapsed to
//!   one, no blank lines at the start or the end, trailing blanks dropped, `\n` line ends
//!   (except inside heredoc bodies) and one newline at the end.
//!
//! A file with syntax errors is not formatted: its diagnostics come back instead.

mod lines;

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::source::{SourceFile, Span};
use crate::syntax::{self, Block, Laid, Outline};

use lines::Writer;

/// Spaces per level of block.
const INDENT: usize = 4;

/// `text` in the canonical layout, or the diagnostics of its syntax errors.
pub fn format(text: &str) -> Result<String, Diagnostics> {
    let file = SourceFile::new("Buildfile", text);
    let (_, diagnostics) = syntax::parse_module(&file);
    if diagnostics.has_errors() {
        return Err(diagnostics);
    }
    let outline = syntax::outline(text).ok_or_else(|| internal(text, "an instruction"))?;
    let formatted = write(text, &outline)?;
    // The layout must read back without errors; if it does not, the formatter is wrong
    // and the file is better left as it is.
    let (_, again) = syntax::parse_module(&SourceFile::new("Buildfile", formatted.as_str()));
    if again.has_errors() {
        return Err(internal(text, "the formatted file"));
    }
    Ok(formatted)
}

fn internal(text: &str, what: &str) -> Diagnostics {
    Diagnostics::from(
        Diagnostic::error(
            Code::Internal,
            format!("the formatter could not lay out {what}"),
        )
        .with_label(Span::from_range(0..text.len().min(1)), "in this file")
        .with_help("the file was left as it is; please report this"),
    )
}

/// Writes the instructions of `outline` and the comments and blank lines between them.
fn write(text: &str, outline: &Outline) -> Result<String, Diagnostics> {
    let bom = if text.starts_with('\u{FEFF}') {
        "\u{FEFF}"
    } else {
        ""
    };
    let mut writer = Writer::new(text, outline.escape, bom);
    let mut depth = 0usize;
    let mut cursor = bom.len();
    for laid in &outline.instructions {
        let own = match laid.block {
            Block::Else | Block::End => depth.saturating_sub(1),
            Block::None | Block::Open => depth,
        };
        // A comment just above END is the last of the body; above ELSE, it is about the
        // branch that follows.
        let comments = match laid.block {
            Block::End => depth,
            _ => own,
        };
        let line_start = text
            .get(..laid.start)
            .and_then(|before| before.rfind('\n'))
            .map_or(bom.len(), |at| at + 1);
        let between = text.get(cursor..line_start.max(cursor)).unwrap_or("");
        writer
            .between(between, comments * INDENT)
            .ok_or_else(|| internal(text, "the lines between two instructions"))?;
        instruction(&mut writer, laid, own * INDENT);
        depth = match laid.block {
            Block::Open => depth + 1,
            Block::End => own,
            Block::None | Block::Else => depth,
        };
        cursor = after_line(text, laid.end);
    }
    let rest = text.get(cursor..).unwrap_or("");
    writer
        .between(rest, depth * INDENT)
        .ok_or_else(|| internal(text, "the lines after the last instruction"))?;
    Ok(writer.finish())
}

/// Where the line that holds `at` ends, its line break included.
fn after_line(text: &str, at: usize) -> usize {
    text.get(at..)
        .and_then(|rest| rest.find('\n'))
        .map_or(text.len(), |i| at + i + 1)
}

/// One instruction: keyword, its parts with the blanks between them, its heredoc bodies.
fn instruction(writer: &mut Writer<'_>, laid: &Laid, indent: usize) {
    writer.start_line(indent);
    writer.push(laid.keyword);
    let mut at = laid.keyword_end;
    for part in &laid.parts {
        if part.loose {
            writer.separator(at..part.range.start, indent + INDENT);
        } else {
            writer.verbatim(at..part.range.start);
        }
        match part.capital {
            Some(capital) => writer.push(capital),
            None => writer.verbatim(part.range.clone()),
        }
        at = part.range.end;
    }
    // The blanks after the last part are dropped, unless the line would then end with the
    // escape character: a blank the reader does not trim (a no-break space) kept it from
    // being a continuation.
    if writer.ends_with_escape() {
        writer.verbatim(at..laid.header_end.max(at));
    }
    writer.end_line();
    if laid.end > laid.header_end {
        writer.heredocs(after_line(writer.text(), laid.header_end)..laid.end);
    }
}

#[cfg(test)]
mod tests;
