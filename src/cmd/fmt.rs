//! `rustbuild fmt [--check] FILE...`: rewrites Buildfiles in the canonical layout
//! (`rustbuild::format`).
//!
//! Exit codes: 0 formatted (or, with `--check`, nothing to change), 1 a file has syntax
//! errors (left as it is) or, with `--check`, would change; 2 usage or I/O error.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rustbuild::diagnostic::{self, Style};
use rustbuild::source::SourceFile;

use super::files::read;

const USAGE: &str = "usage: rustbuild fmt [--check] FILE...

Rewrites each FILE in the canonical layout: keywords in capitals, one space between
flags, block bodies indented by 4 spaces, comments kept, runs of blank lines collapsed.
Commands, values, exec-form JSON and heredoc bodies are kept byte for byte, so the
Buildfile builds the same ops with the same cache. A file with syntax errors is left as
it is and its errors are reported.

  FILE       a Buildfile, rewritten in place; `-` reads standard input and writes
             the formatted text to standard output
  --check    change nothing: list the files that would change, and exit 1 if any

exit status: 0 formatted (with --check: nothing to change), 1 syntax errors or (with
--check) files to change, 2 usage or I/O error";

/// What happened to one file.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Same,
    Changed,
    Errors,
    Io,
}

pub(crate) fn run(args: &[String]) -> ExitCode {
    let mut check = false;
    let mut paths = Vec::new();
    for arg in args {
        match arg.as_str() {
            "-h" | "--help" => {
                super::print_out(USAGE);
                return ExitCode::SUCCESS;
            }
            "--check" => check = true,
            other if other.starts_with('-') && other != "-" => {
                eprintln!("rustbuild fmt: unknown option `{other}`");
                return super::usage_error(USAGE);
            }
            path => paths.push(path.to_owned()),
        }
    }
    if paths.is_empty() {
        eprintln!("rustbuild fmt: missing FILE (use `-` for standard input)");
        return super::usage_error(USAGE);
    }
    let worst = paths
        .iter()
        .map(|path| one(path, check))
        .max()
        .unwrap_or(Outcome::Same);
    match worst {
        Outcome::Same => ExitCode::SUCCESS,
        Outcome::Changed if !check => ExitCode::SUCCESS,
        Outcome::Changed | Outcome::Errors => ExitCode::from(1),
        Outcome::Io => ExitCode::from(super::EXIT_USAGE),
    }
}

/// Formats the file at `path` (`-`: standard input to standard output).
fn one(path: &str, check: bool) -> Outcome {
    let (name, bytes) = match read(path) {
        Ok(read) => read,
        Err(message) => {
            eprintln!("rustbuild fmt: {message}");
            return Outcome::Io;
        }
    };
    let file = match rustbuild::syntax::decode(&name, &bytes) {
        Ok(file) => file,
        Err(diagnostic) => {
            eprintln!("rustbuild fmt: {}", diagnostic.message);
            return Outcome::Errors;
        }
    };
    let formatted = match rustbuild::format::format(&file.text) {
        Ok(formatted) => formatted,
        Err(diagnostics) => {
            report(&diagnostics, &file);
            return Outcome::Errors;
        }
    };
    let changed = formatted.as_bytes() != bytes.as_slice();
    if check {
        if changed {
            super::print_out(&name);
        }
    } else if path == "-" {
        let mut out = std::io::stdout().lock();
        if let Err(error) = out.write_all(formatted.as_bytes()) {
            eprintln!("rustbuild fmt: cannot write standard output: {error}");
            return Outcome::Io;
        }
    } else if changed && let Err(error) = replace(Path::new(path), formatted.as_bytes()) {
        eprintln!("rustbuild fmt: cannot write {path}: {error}");
        return Outcome::Io;
    }
    if changed {
        Outcome::Changed
    } else {
        Outcome::Same
    }
}

/// The diagnostics on standard error, as `rustbuild check` renders them.
fn report(diagnostics: &diagnostic::Diagnostics, file: &SourceFile) {
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let style = if colour { Style::Fancy } else { Style::Plain };
    eprint!("{}", diagnostic::render(diagnostics, file, style));
}

/// Replaces the file at `path` with `bytes` at once: written beside it, then renamed over
/// it, so that a failure leaves the old file whole.
fn replace(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    // Through a symbolic link to the file it names: the link stays a link.
    let path = &std::fs::canonicalize(path)?;
    let temp = temp_path(path);
    let written = write_new(&temp, bytes, path).and_then(|()| std::fs::rename(&temp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

/// A name in the same directory (a rename does not cross file systems) that no one else
/// uses: hidden, with this process's id.
fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "Buildfile".into(), |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!(".{name}.fmt-{}.tmp", std::process::id()))
}

/// Writes a new file with the permissions of `like`, and flushes it to disk.
fn write_new(temp: &Path, bytes: &[u8], like: &Path) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(temp)?;
    file.write_all(bytes)?;
    if let Ok(metadata) = std::fs::metadata(like) {
        file.set_permissions(metadata.permissions())?;
    }
    file.sync_all()
}
