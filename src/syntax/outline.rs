//! Where each instruction's parts are in the source, for the formatter (`crate::format`).
//!
//! The instructions are read exactly as [`super::parse_module`] reads them (the same line
//! reader, instruction grammar, word splitter and heredoc reader), so the formatter never
//! guesses where a value starts: it rewrites only the blanks this reading says separate two
//! parts, and copies every part as written.

use std::ops::Range;

use crate::diagnostic::Diagnostics;

use super::block::else_condition;
use super::cx::Cx;
use super::exec::{Form, classify};
use super::file::heredocs;
use super::heredoc;
use super::instruction::{self, Instruction};
use super::keyword::Keyword;
use super::lines::{LineReader, Logical};
use super::text::Text;
use super::word::split_words;

/// A file's instructions, in order.
pub struct Outline {
    pub escape: char,
    pub instructions: Vec<Laid>,
}

/// What an instruction does to the nesting of blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Block {
    None,
    /// IF, FOR, FUNCTION: the lines after it are one level deeper.
    Open,
    /// ELSE and ELSE IF: at the level of its IF.
    Else,
    /// END: back to the level of the block it closes.
    End,
}

/// One instruction as written: byte offsets into the source.
pub struct Laid {
    /// The keyword in capitals.
    pub keyword: &'static str,
    pub block: Block,
    /// The first character of the keyword.
    pub start: usize,
    /// Where the keyword ends (it may span a continuation).
    pub keyword_end: usize,
    /// The flags and arguments after the keyword, in order.
    pub parts: Vec<Part>,
    /// The end of the instruction's last line, heredoc bodies not included.
    pub header_end: usize,
    /// The end of its last heredoc terminator, or `header_end`.
    pub end: usize,
}

/// A flag, `--`, or an argument or word of the arguments.
pub struct Part {
    pub range: Range<usize>,
    /// The text between the previous part (or the keyword) and this one is only spaces and
    /// tabs once continuations are joined: any run of blanks means the same there.
    pub loose: bool,
    /// A word written in capitals instead of as written (`AS`, `IN`, `IF`, `CMD`, `NONE`):
    /// the reader takes it in any case.
    pub capital: Option<&'static str>,
}

/// The outline of `src` from `start` (after a byte-order mark); `None` when an instruction
/// does not read, which [`super::parse_module`] reports.
pub(super) fn outline(src: &str, start: usize) -> Option<Outline> {
    let mut ignored = Diagnostics::new();
    let (mut reader, directives) = LineReader::new(src, start, &mut ignored);
    let mut cx = Cx {
        escape: directives.escape,
        diagnostics: ignored,
    };
    let mut logical = Logical::default();
    let mut instructions = Vec::new();
    while reader.next_instruction(&mut logical) {
        let view = logical.text.view();
        let ins = instruction::parse(&view, cx.escape).ok()?;
        let keyword = Keyword::parse(ins.keyword.as_str())?;
        // Read for the reader's sake: the bodies are lines it must skip.
        let (_, end) = heredocs(&mut cx, &mut reader, Some(keyword), &ins);
        let header_end = logical.span.end as usize;
        instructions.push(Laid {
            keyword: keyword.name(),
            block: block(keyword),
            start: logical.span.start as usize,
            keyword_end: ins.keyword.span().end as usize,
            parts: parts(&view, &ins, keyword, cx.escape),
            header_end,
            end: end.max(header_end),
        });
    }
    Some(Outline {
        escape: cx.escape,
        instructions,
    })
}

fn block(keyword: Keyword) -> Block {
    match keyword {
        Keyword::If | Keyword::For | Keyword::Function => Block::Open,
        Keyword::Else => Block::Else,
        Keyword::End => Block::End,
        _ => Block::None,
    }
}

/// The flags, `--`, then the arguments cut where the instruction's reader cuts them.
fn parts(line: &Text<'_>, ins: &Instruction<'_>, keyword: Keyword, escape: char) -> Vec<Part> {
    let mut pieces: Vec<(Text<'_>, Option<&'static str>)> = Vec::new();
    for flag in &ins.flags {
        pieces.push((flag.whole.clone(), None));
    }
    let flags_end = ins
        .flags
        .last()
        .map_or(ins.keyword.range().end, |flag| flag.whole.range().end);
    if let Some(dashes) = end_of_flags(line, flags_end, ins.args.range().start) {
        pieces.push((dashes, None));
    }
    pieces.extend(arguments(ins, keyword, escape));
    let text = line.as_str();
    let mut before = ins.keyword.range().end;
    let mut out = Vec::with_capacity(pieces.len());
    for (piece, capital) in pieces.into_iter().filter(|(p, _)| !p.is_empty()) {
        let range = piece.range();
        let gap = text.get(before..range.start).unwrap_or("");
        let loose = !gap.is_empty() && gap.bytes().all(|b| b == b' ' || b == b'\t');
        let span = piece.span();
        out.push(Part {
            range: span.start as usize..span.end as usize,
            loose,
            // Only the word itself, in any case: `as` but not `$AS` or `"as"`.
            capital: capital.filter(|c| c.eq_ignore_ascii_case(piece.as_str())),
        });
        before = range.end;
    }
    out
}

/// The `--` that ends the flags, when it is written between them and the arguments.
fn end_of_flags<'a>(line: &Text<'a>, from: usize, to: usize) -> Option<Text<'a>> {
    let between = line.as_str().get(from..to)?;
    let at = between.find("--")?;
    (between.trim_matches([' ', '\t', '\u{0B}', '\u{0C}', '\r']) == "--")
        .then(|| line.slice(from + at..from + at + 2))
}

/// The arguments as the parts the instruction's reader splits them into; a value read as
/// one piece of text (a shell command, JSON, an ENV value, a condition) is one part.
fn arguments<'a>(
    ins: &Instruction<'a>,
    keyword: Keyword,
    escape: char,
) -> Vec<(Text<'a>, Option<&'static str>)> {
    let args = &ins.args;
    let words = |capital: Option<(usize, &'static str)>| {
        split_words(args, escape)
            .into_iter()
            .enumerate()
            .map(|(i, word)| (word, capital.filter(|(at, _)| *at == i).map(|(_, c)| c)))
            .collect()
    };
    match keyword {
        Keyword::From | Keyword::Import => words(Some((1, "AS"))),
        Keyword::For => words(Some((1, "IN"))),
        Keyword::Function | Keyword::Call | Keyword::Include | Keyword::Arg | Keyword::Expose => {
            words(None)
        }
        // COPY and ADD read their words with the heredoc reader's splitter. The bodies
        // are found by splitting with the backslash whatever the escape character: with
        // another, a line naming heredocs is kept as written.
        Keyword::Copy | Keyword::Add
            if matches!(classify(args), Form::Shell)
                && (escape == '\\' || !args.as_str().contains("<<")) =>
        {
            heredoc::words(args, escape)
                .into_iter()
                .map(|word| (word, None))
                .collect()
        }
        Keyword::Volume if matches!(classify(args), Form::Shell) => words(None),
        Keyword::Healthcheck => healthcheck(args),
        Keyword::Else => match else_condition(ins) {
            Some(condition) => vec![(args.slice(0..2), Some("IF")), (condition, None)],
            None => vec![(args.clone(), None)],
        },
        _ => vec![(args.clone(), None)],
    }
}

/// `CMD` or `NONE`, then the command as one piece, as the HEALTHCHECK reader cuts it.
fn healthcheck<'a>(args: &Text<'a>) -> Vec<(Text<'a>, Option<&'static str>)> {
    let text = args.as_str();
    let kind_end = text.find(char::is_whitespace).unwrap_or(text.len());
    let kind = args.slice(0..kind_end);
    let capital = ["CMD", "NONE"]
        .into_iter()
        .find(|c| c.eq_ignore_ascii_case(kind.as_str()));
    let rest = args.slice(kind_end..args.len()).trim();
    vec![(kind, capital), (rest, None)]
}
