//! `rustbuild lsp`: the language server, over stdin and stdout (see `rustbuild::lsp`).
//! Each document's INCLUDEs and IMPORTs are read from disk relative to its directory, and
//! `exists()` looks in that directory, as `rustbuild check FILE` run there would.
//!
//! Exit codes: 0 after `shutdown` and `exit`, 1 on `exit` alone or a broken connection.

use std::path::Path;
use std::process::ExitCode;

use rustbuild::source::SourceFile;

use super::files::DiskFiles;
use super::scope::BuildFlags;

const USAGE: &str = "usage: rustbuild lsp

Runs the Buildfile language server on standard input and output, for editors: diagnostics,
hover, go to definition, document symbols, completion and quick fixes.";

pub(crate) fn run(args: &[String]) -> ExitCode {
    match args.first().map(String::as_str) {
        None => {}
        Some("-h" | "--help") => {
            super::print_out(USAGE);
            return ExitCode::SUCCESS;
        }
        Some(other) => {
            eprintln!("rustbuild lsp: unknown option `{other}`");
            return super::usage_error(USAGE);
        }
    }
    let (connection, threads) = lsp_server::Connection::stdio();
    let ending = rustbuild::lsp::run(&connection, &Disk);
    // The writer ends once every sender is gone; then the reader is past `exit` or EOF.
    drop(connection);
    let joined = threads.join();
    match (ending, joined) {
        (Ok(rustbuild::lsp::Ending::Shutdown), Ok(())) => ExitCode::SUCCESS,
        (Ok(_), _) => ExitCode::from(1),
        (Err(message), _) => {
            eprintln!("rustbuild lsp: {message}");
            ExitCode::from(1)
        }
    }
}

/// Reads the files a document brings in from its directory.
struct Disk;

impl rustbuild::lsp::Loader for Disk {
    fn analyze(&self, path: Option<&Path>, file: SourceFile) -> rustbuild::Analysis {
        let dir = path
            .and_then(Path::parent)
            .map_or_else(|| ".".into(), Path::to_path_buf);
        let mut build = BuildFlags::default();
        build.context = dir;
        // `-` makes DiskFiles read from the current directory, for a buffer without a file.
        let name = path.and_then(Path::to_str).unwrap_or("-");
        DiskFiles::new(name, &build).analyze(file, build.scope())
    }
}
