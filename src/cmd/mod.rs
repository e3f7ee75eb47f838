//! The command-line front doors. Each reads its arguments, calls the library, and maps
//! the outcome to an exit code: 0 success, 1 errors in the Buildfile, 2 usage or I/O.

pub(crate) mod build;
pub(crate) mod check;
pub(crate) mod expand;
pub(crate) mod files;
pub(crate) mod fmt;
pub(crate) mod frontend;
pub(crate) mod llb;
pub(crate) mod lsp;
pub(crate) mod scope;

use std::io::Write;
use std::process::ExitCode;

/// Exit code for usage and I/O errors.
pub(crate) const EXIT_USAGE: u8 = 2;

/// Writes a line to stdout; a closed pipe is not worth a panic.
pub(crate) fn print_out(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
}

pub(crate) fn usage_error(usage: &str) -> ExitCode {
    eprintln!("{usage}");
    ExitCode::from(EXIT_USAGE)
}
