//! `rustbuild llb FILE [--platform P] [--target T] [--build-arg K=V]... [--json]`: the
//! Definition on stdout in the protobuf form `buildctl build` reads from stdin, or with
//! `--json` the ops for people. Offline: base images are not looked up.

use std::io::{IsTerminal, Read, Write};
use std::path::Path;
use std::process::ExitCode;

use rustbuild::diagnostic::{Diagnostics, Style, render};
use rustbuild::lower::{self, LowerOptions, ResolvedImages};
use rustbuild::platform::Platform;
use rustbuild::source::{SourceFile, SourceFiles};

use super::files::DiskFiles;
use super::scope::{ArgReader, BuildFlags, build_flags_help};

const USAGE: &str = concat!(
    "usage: rustbuild llb FILE [--platform P] [--target T] [--build-arg K=V]...
                     [--build-context NAME=DIR]... [--json]

Writes the LLB Definition of FILE (`-` reads stdin) to stdout, as `buildctl build` reads it:
    rustbuild llb Buildfile | buildctl build --local context=. --output type=image,name=x

",
    build_flags_help!(),
    "
  --json                     print the ops, their metadata and the image config as JSON

Base images are not looked up: they are used unpinned, with an empty config. `exists()`
looks in the current directory (the context of the command above), or in `--context DIR`."
);

/// The parsed command line.
#[derive(Debug, PartialEq, Eq)]
struct Args {
    file: String,
    build: BuildFlags,
    source_date_epoch: Option<i64>,
    json: bool,
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut file = None;
    let mut build = BuildFlags::default();
    let mut json = false;
    let mut args = ArgReader::new(args);
    while let Some(arg) = args.next() {
        if build.take(&arg, &mut args)? {
            continue;
        }
        match arg.flag {
            "--json" => json = true,
            other if other.starts_with("--") => return Err(format!("unknown option `{other}`")),
            path if file.is_none() => file = Some(path.to_string()),
            extra => return Err(format!("unexpected argument `{extra}`")),
        }
    }
    Ok(Args {
        file: file.ok_or("missing FILE")?,
        source_date_epoch: lower::source_date_epoch(&build.build_args)?,
        build,
        json,
    })
}

pub(crate) fn run(args: &[String]) -> ExitCode {
    if args.iter().any(|a| a == "-h" || a == "--help") {
        super::print_out(USAGE);
        return ExitCode::SUCCESS;
    }
    let args = match parse_args(args) {
        Ok(args) => args,
        Err(message) => return super::usage_error(&format!("rustbuild llb: {message}\n\n{USAGE}")),
    };
    if !args.json && std::io::stdout().is_terminal() {
        return super::usage_error(
            "rustbuild llb: refusing to write the binary Definition to a terminal; pipe it to `buildctl build` or use --json",
        );
    }
    let file = match read_source(&args.file) {
        Ok(file) => file,
        Err(message) => {
            eprintln!("rustbuild llb: {message}");
            return ExitCode::from(super::EXIT_USAGE);
        }
    };
    let filename = file.name.clone();
    let analysis = analyze(file, &args);
    let files = analysis.files;
    report(&analysis.diagnostics, &files);
    let Some(buildfile) = analysis.buildfile.filter(|_| analysis.complete) else {
        return ExitCode::from(1);
    };
    let opts = LowerOptions {
        build_platform: Platform::linux_amd64(),
        source_date_epoch: args.source_date_epoch,
        target_platform: args.build.platform,
        target: args.build.target,
        build_args: args.build.build_args,
        context_excludes: ignore_patterns(&args.file),
        filename,
        ..LowerOptions::default()
    };
    let lowered = match lower::lower_graph(&files, &buildfile, &ResolvedImages::new(), &opts) {
        Ok(lowered) => lowered,
        Err(diagnostics) => {
            report(&diagnostics, &files);
            return ExitCode::from(1);
        }
    };
    if !args.json {
        let mut out = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
        let written = lowered
            .write_definition(&mut out)
            .and_then(|()| out.flush());
        // The process ends here: the OS takes back the graph and the IR at once, where
        // dropping them would be one free per string and node of a large build.
        std::mem::forget((lowered, buildfile));
        return match written {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("rustbuild llb: writing stdout: {err}");
                ExitCode::from(super::EXIT_USAGE)
            }
        };
    }
    let lowered = lowered.into_lowered();
    let bytes = {
        let doc = serde_json::json!({
            "platform": lowered.platform.id(),
            "ops": rustbuild::llb::definition_json(&lowered.definition),
            "image_config": lowered.image_config.to_value(),
        });
        let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
        text.push('\n');
        text.into_bytes()
    };
    let mut out = std::io::stdout().lock();
    match out.write_all(&bytes).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("rustbuild llb: writing stdout: {err}");
            ExitCode::from(super::EXIT_USAGE)
        }
    }
}

/// Loads the file and its includes from disk, and checks them.
fn analyze(file: SourceFile, args: &Args) -> rustbuild::Analysis {
    DiskFiles::new(&args.file, &args.build).analyze(file, args.build.scope())
}

fn report(diagnostics: &Diagnostics, file: &SourceFiles) {
    if diagnostics.is_empty() {
        return;
    }
    let style = if std::io::stderr().is_terminal() {
        Style::Fancy
    } else {
        Style::Plain
    };
    eprint!("{}", render(diagnostics, file, style));
}

fn read_source(path: &str) -> Result<SourceFile, String> {
    let (name, bytes) = if path == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| format!("reading stdin: {e}"))?;
        ("Buildfile".to_string(), buf)
    } else {
        let bytes = std::fs::read(path).map_err(|e| format!("reading {path}: {e}"))?;
        let name = Path::new(path)
            .file_name()
            .map_or_else(|| path.to_string(), |n| n.to_string_lossy().into_owned());
        (name, bytes)
    };
    let text = String::from_utf8(bytes).map_err(|_| format!("{path} is not UTF-8"))?;
    Ok(SourceFile::new(name, text))
}

/// `<FILE>.dockerignore` beside the file, else `.dockerignore` in the current directory
/// (the context `buildctl --local context=.` sends).
fn ignore_patterns(file: &str) -> Vec<String> {
    let beside = format!("{file}.dockerignore");
    let text =
        std::fs::read_to_string(&beside).or_else(|_| std::fs::read_to_string(".dockerignore"));
    text.map(|t| rustbuild::ignore::parse(&t))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| (*s).to_string()).collect()
    }

    #[test]
    fn parses_options_in_both_forms() {
        let args = parse_args(&strings(&[
            "Buildfile",
            "--platform=windows/amd64",
            "--target",
            "app",
            "--build-arg",
            "A=1",
            "--build-arg=B=x=y",
            "--json",
        ]))
        .unwrap();
        assert_eq!(args.build.platform, Platform::new("windows", "amd64"));
        assert_eq!(args.build.target.as_deref(), Some("app"));
        assert_eq!(args.build.build_args["B"], "x=y");
        assert!(args.json);
    }

    #[test]
    fn rejects_bad_usage() {
        for bad in [
            &["--json"][..],
            &["a", "b"],
            &["a", "--build-arg", "novalue"],
            &["a", "--platform", "plan9/x"],
            &["a", "--nope"],
            &["a", "--target"],
        ] {
            assert!(parse_args(&strings(bad)).is_err(), "{bad:?}");
        }
    }
}
