//! `rustbuild check FILE [--format human|json]`: the diagnostics of a Buildfile.
//!
//! Exit codes: 0 no errors (warnings allowed), 1 errors, 2 usage or I/O error. The report
//! goes to stdout: miette's graphical report (colour only on a terminal without
//! `NO_COLOR`), or with `--format json` a JSON array documented in grammar/README.md.

use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;

use rustbuild::diagnostic::{self, Diagnostics, Style};
use rustbuild::source::{SourceFile, Span};

const USAGE: &str = "\
usage: rustbuild check FILE [--format human|json]

Reports every error and warning in a Buildfile.

  FILE             the Buildfile to check; `-` reads standard input
  --format human   miette's graphical report (the default)
  --format json    a JSON array of diagnostics, for editors

exit status: 0 no errors (warnings allowed), 1 errors, 2 usage or I/O error";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Human,
    Json,
}

struct Options {
    path: String,
    format: Format,
}

pub(crate) fn run(args: &[String]) -> ExitCode {
    let options = match options(args) {
        Ok(Some(options)) => options,
        Ok(None) => {
            super::print_out(USAGE);
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("rustbuild check: {message}");
            return super::usage_error(USAGE);
        }
    };
    let (name, bytes) = match read(&options.path) {
        Ok(read) => read,
        Err(message) => {
            eprintln!("rustbuild check: {message}");
            return ExitCode::from(super::EXIT_USAGE);
        }
    };
    let (file, diagnostics) = match rustbuild::syntax::decode(&name, &bytes) {
        Ok(file) => {
            let analysis = rustbuild::analyze(&file);
            (file, analysis.diagnostics)
        }
        Err(diagnostic) => undecodable(&name, &bytes, diagnostic),
    };
    report(&file, &diagnostics, options.format);
    if diagnostics.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// `Ok(None)` asks for the help text.
fn options(args: &[String]) -> Result<Option<Options>, String> {
    let mut path = None;
    let mut format = Format::Human;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let value = match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--format" => Some(
                args.next()
                    .ok_or("--format needs a value: human or json")?
                    .as_str(),
            ),
            other => other.strip_prefix("--format="),
        };
        if let Some(value) = value {
            format = match value {
                "human" => Format::Human,
                "json" => Format::Json,
                other => return Err(format!("unknown format `{other}`: use human or json")),
            };
        } else if arg.starts_with('-') && arg != "-" {
            return Err(format!("unknown option `{arg}`"));
        } else if path.replace(arg.clone()).is_some() {
            return Err("give exactly one FILE".to_owned());
        }
    }
    let path = path.ok_or("missing FILE (use `-` for standard input)")?;
    Ok(Some(Options { path, format }))
}

/// The display name and the bytes of `path`, or of stdin for `-`.
fn read(path: &str) -> Result<(String, Vec<u8>), String> {
    if path == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        return Ok(("<stdin>".to_owned(), bytes));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    Ok((path.to_owned(), bytes))
}

/// A file that is not UTF-8, shown with the bad bytes replaced so the report can point at
/// the first one.
fn undecodable(
    name: &str,
    bytes: &[u8],
    mut diagnostic: diagnostic::Diagnostic,
) -> (SourceFile, Diagnostics) {
    let text = String::from_utf8_lossy(bytes).into_owned();
    for label in &mut diagnostic.labels {
        let start = label.span.start as usize;
        let end = text
            .get(start..)
            .and_then(|rest| rest.chars().next())
            .map_or(start, |c| start + c.len_utf8());
        label.span = Span::from_range(start..end);
    }
    (SourceFile::new(name, text), Diagnostics::from(diagnostic))
}

fn report(file: &SourceFile, diagnostics: &Diagnostics, format: Format) {
    let mut out = std::io::stdout().lock();
    // A closed pipe is not worth a panic: the exit code still tells the outcome.
    let _ = match format {
        Format::Json => {
            let json = diagnostic::to_json(diagnostics, file);
            let text = serde_json::to_string_pretty(&json).unwrap_or_else(|_| "[]".to_owned());
            writeln!(out, "{text}")
        }
        Format::Human => {
            let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            let style = if colour { Style::Fancy } else { Style::Plain };
            let rendered = diagnostic::render(diagnostics, file, style);
            write!(out, "{rendered}").and_then(|()| writeln!(out, "{}", summary(file, diagnostics)))
        }
    };
}

fn summary(file: &SourceFile, diagnostics: &Diagnostics) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.iter().count() - errors;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    match (errors, warnings) {
        (0, 0) => format!("{}: no problems found", file.name),
        _ => format!(
            "{}: {}, {}",
            file.name,
            plural(errors, "error"),
            plural(warnings, "warning")
        ),
    }
}
