//! Stage 1: one file's text -> [`ir::Module`](crate::ir::Module), its instructions in
//! order; [`assemble`] gathers them into an [`ir::Buildfile`](crate::ir::Buildfile)'s stages
//! once `load` has spliced the files they bring in.
//!
//! [`decode`] turns bytes into a [`SourceFile`] (UTF-8 only, byte-order mark dropped);
//! [`parse_module`] reads it ([`parse`] reads and assembles a file that brings in none);
//! [`outline()`] reads it the same way for the formatter, keeping where each keyword, flag
//! and word is written.
//! Reading happens in three layers:
//! - [`lines`]: physical lines to logical instructions (directives, comments,
//!   continuations, heredoc bodies), exactly as BuildKit's Dockerfile parser does;
//! - the pest grammar (`grammar/buildfile.pest`, through [`instruction`], [`exec`],
//!   [`heredoc`] and the value rules): keyword, flags, exec-form JSON, heredoc markers,
//!   ports, modes, names;
//! - [`word`]: quotes, escapes and variable references inside words.
//!
//! One instruction per module family ([`from`], [`run`]/[`mount`], [`copy`], [`vars`],
//! [`config`], [`command`], [`compose`] for INCLUDE and IMPORT, [`block`] and [`condition`]
//! for FUNCTION, CALL, IF, FOR and END) turns those into IR. Every error is collected: a bad
//! instruction is reported and skipped, and reading goes on. Errors emitted: invalid-utf8,
//! unexpected-token, unknown-instruction, unsupported-instruction, unknown-flag,
//! duplicate-flag, invalid-flag-value, missing-argument, extra-argument, invalid-json,
//! unterminated-quote, unterminated-heredoc, invalid-variable, invalid-directive,
//! invalid-stage-name, invalid-port, invalid-chmod, invalid-key-value, no-instructions,
//! instruction-before-from, invalid-condition.
//!
//! Invariants: every span is within the file and on character boundaries; no input makes
//! the parser panic, recurse without bound, or take more than linear time per line.

mod block;
mod command;
mod compose;
mod condition;
mod config;
mod copy;
mod cx;
mod error;
mod exec;
mod file;
mod flags;
mod from;
mod grammar;
mod heredoc;
mod instruction;
mod keyword;
mod lines;
mod mount;
mod outline;
mod run;
mod text;
mod vars;
mod word;

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::ir::{Buildfile, Module};
use crate::source::{SourceFile, Span};

const BOM: char = '\u{FEFF}';

/// Reads a Buildfile that brings in no other file. The IR comes back whenever there is at
/// least one stage, even with errors (so `check` can report more); callers must look at
/// the diagnostics. `load` reads Buildfiles with INCLUDEs.
pub fn parse(file: &SourceFile) -> (Option<Buildfile>, Diagnostics) {
    let (module, mut diagnostics) = parse_module(file);
    let (buildfile, more) = assemble(module, end(file));
    diagnostics.extend(more);
    (buildfile, diagnostics)
}

/// Reads one file into its instructions, in order, INCLUDEs not followed.
pub fn parse_module(file: &SourceFile) -> (Module, Diagnostics) {
    let start = if file.text.starts_with(BOM) {
        BOM.len_utf8()
    } else {
        0
    };
    file::read(&file.text, start)
}

/// Gathers instructions into stages; see [`parse`]. `end` is the empty span at the end of
/// the main file, where "no FROM" errors point.
pub fn assemble(module: Module, end: Span) -> (Option<Buildfile>, Diagnostics) {
    file::assemble(module, end)
}

pub use outline::{Block, Laid, Outline, Part};

/// Where each instruction's parts are in `text`, for the formatter: `None` when an
/// instruction does not read (which [`parse_module`] reports).
pub fn outline(text: &str) -> Option<Outline> {
    let start = if text.starts_with(BOM) {
        BOM.len_utf8()
    } else {
        0
    };
    outline::outline(text, start)
}

/// The parser directives of `file` alone (its escape character, for one).
pub fn directives(file: &SourceFile) -> crate::ir::Directives {
    let mut ignored = Diagnostics::new();
    let start = if file.text.starts_with(BOM) {
        BOM.len_utf8()
    } else {
        0
    };
    lines::LineReader::new(&file.text, start, &mut ignored).1
}

/// The mode a `--chmod` value names, for values decided while expanding.
pub fn chmod_mode(text: &str) -> Option<crate::ir::Chmod> {
    copy::chmod_mode(text)
}

pub use mount::decide_mount_option;

/// Whether `name` (lowercased) is a valid stage name: for names decided while expanding.
pub fn is_stage_name(name: &str) -> bool {
    cx::matches(grammar::Rule::stage_name, name)
}

/// The empty span at the end of `file`.
pub fn end(file: &SourceFile) -> Span {
    Span::from_range(file.text.len()..file.text.len())
}

/// Bytes as a [`SourceFile`]: UTF-8 required, a leading byte-order mark dropped.
pub fn decode(name: &str, bytes: &[u8]) -> Result<SourceFile, Diagnostic> {
    let bytes = bytes
        .strip_prefix(BOM.to_string().as_bytes())
        .unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile::new(name, text)),
        Err(error) => {
            let at = error.valid_up_to();
            let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
            Err(Diagnostic::error(
                Code::InvalidUtf8,
                format!("{name} is not UTF-8 text (invalid byte at offset {at}, line {line})"),
            )
            .with_label(Span::from_range(at..at + 1), "not UTF-8")
            .with_help("save the file as UTF-8"))
        }
    }
}
