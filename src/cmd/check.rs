//! `rustbuild check FILE [--format human|json] [--build-arg K=V]… [--platform P]
//! [--target T] [--build-context NAME=DIR]…`:
//! the diagnostics of a Buildfile and of the files it includes.
//!
//! Exit codes: 0 no errors (warnings allowed), 1 errors, 2 usage or I/O error. The report
//! goes to stdout: miette's graphical report (colour only on a terminal without
//! `NO_COLOR`), or with `--format json` a JSON array documented in grammar/README.md.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use rustbuild::diagnostic::{self, Diagnostics, Style};
use rustbuild::source::{FileId, SourceFile, SourceFiles, Sources, Span};

use super::files::{DiskFiles, read};
use super::scope::{ArgReader, BuildFlags, build_flags_help};

const USAGE: &str = concat!(
    "usage: rustbuild check FILE [--format human|json] [--build-arg K=V]... [--platform P]
                       [--target T] [--build-context NAME=DIR]...

Reports every error and warning in a Buildfile and the files it includes. Syntax is
checked in every branch of an IF; the rest in the branches the build arguments and the
platform take.

  FILE                       the Buildfile to check; `-` reads standard input
  --format human             miette's graphical report (the default)
  --format json              a JSON array of diagnostics, for editors
",
    build_flags_help!(),
    "

exit status: 0 no errors (warnings allowed), 1 errors, 2 usage or I/O error"
);

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Human,
    Json,
}

struct Options {
    path: String,
    format: Format,
    build: BuildFlags,
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
    let (files, diagnostics) = match rustbuild::syntax::decode(&name, &bytes) {
        Ok(file) => {
            let analysis = analyze(file, &options);
            (analysis.files, analysis.diagnostics)
        }
        Err(diagnostic) => {
            let (file, diagnostics) = undecodable(&name, &bytes, diagnostic);
            (SourceFiles::new(file), diagnostics)
        }
    };
    report(&files, &diagnostics, options.format);
    if diagnostics.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Loads the file and its includes from disk, and checks them.
fn analyze(file: SourceFile, options: &Options) -> rustbuild::Analysis {
    DiskFiles::new(&options.path, &options.build).analyze(file, options.build.scope())
}

/// `Ok(None)` asks for the help text.
fn options(args: &[String]) -> Result<Option<Options>, String> {
    let mut path = None;
    let mut format = Format::Human;
    let mut build = BuildFlags::default();
    let mut args = ArgReader::new(args);
    while let Some(arg) = args.next() {
        if build.take(&arg, &mut args)? {
            continue;
        }
        let value = match arg.flag {
            "-h" | "--help" => return Ok(None),
            "--format" => Some(
                args.value(&arg)
                    .map_err(|_| "--format needs a value: human or json")?,
            ),
            _ => None,
        };
        if let Some(value) = value {
            format = match value.as_str() {
                "human" => Format::Human,
                "json" => Format::Json,
                other => return Err(format!("unknown format `{other}`: use human or json")),
            };
        } else if arg.text.starts_with('-') && arg.text != "-" {
            return Err(format!("unknown option `{}`", arg.text));
        } else if path.replace(arg.text.to_owned()).is_some() {
            return Err("give exactly one FILE".to_owned());
        }
    }
    let path = path.ok_or("missing FILE (use `-` for standard input)")?;
    Ok(Some(Options {
        path,
        format,
        build,
    }))
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

fn report(files: &SourceFiles, diagnostics: &Diagnostics, format: Format) {
    let mut out = std::io::stdout().lock();
    // A closed pipe is not worth a panic: the exit code still tells the outcome.
    let _ = match format {
        Format::Json => {
            let json = diagnostic::to_json(diagnostics, files);
            let text = serde_json::to_string_pretty(&json).unwrap_or_else(|_| "[]".to_owned());
            writeln!(out, "{text}")
        }
        Format::Human => {
            let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            let style = if colour { Style::Fancy } else { Style::Plain };
            let rendered = diagnostic::render(diagnostics, files, style);
            let name = files.file(FileId::MAIN).map_or("", |f| f.name.as_str());
            write!(out, "{rendered}").and_then(|()| writeln!(out, "{}", summary(name, diagnostics)))
        }
    };
}

fn summary(name: &str, diagnostics: &Diagnostics) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.iter().count() - errors;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    match (errors, warnings) {
        (0, 0) => format!("{name}: no problems found"),
        _ => format!(
            "{name}: {}, {}",
            plural(errors, "error"),
            plural(warnings, "warning")
        ),
    }
}
