//! `rustbuild expand FILE [--build-arg K=V]… [--platform P] [--target T]
//! [--build-context NAME=DIR]…`: the flat Buildfile that FILE means for that build, on
//! stdout; errors on stderr, as `check` reports them.
//!
//! Exit codes: 0 printed, 1 errors in the Buildfile, 2 usage or I/O error.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use rustbuild::diagnostic::{self, Style};

use super::files::{DiskFiles, read};
use super::scope::{ArgReader, BuildFlags, build_flags_help};

const USAGE: &str = concat!(
    "usage: rustbuild expand FILE [--build-arg K=V]... [--platform P] [--target T]
                        [--build-context NAME=DIR]...

Prints the flat Buildfile that FILE expands to for the build the flags describe: INCLUDEs
spliced, CALLs, IFs and FORs expanded. Built, it gives the same image with the same cache;
without rustbuild-only instructions (`ARG --bind`, `ARG --unset`, `COPY --if-exists`) it is
a Dockerfile.

  FILE                       the Buildfile; `-` reads standard input
",
    build_flags_help!(),
    "

exit status: 0 printed, 1 errors in the Buildfile, 2 usage or I/O error"
);

pub(crate) fn run(args: &[String]) -> ExitCode {
    let mut path = None;
    let mut build = BuildFlags::default();
    let mut args = ArgReader::new(args);
    while let Some(arg) = args.next() {
        let problem = match build.take(&arg, &mut args) {
            Ok(true) => continue,
            Err(problem) => problem,
            Ok(false) if arg.text == "-h" || arg.text == "--help" => {
                super::print_out(USAGE);
                return ExitCode::SUCCESS;
            }
            Ok(false) if arg.text.starts_with('-') && arg.text != "-" => {
                format!("unknown option `{}`", arg.text)
            }
            Ok(false) if path.is_none() => {
                path = Some(arg.text.to_owned());
                continue;
            }
            Ok(false) => "give exactly one FILE".to_owned(),
        };
        eprintln!("rustbuild expand: {problem}");
        return super::usage_error(USAGE);
    }
    let Some(path) = path else {
        eprintln!("rustbuild expand: missing FILE (use `-` for standard input)");
        return super::usage_error(USAGE);
    };
    let file = match read(&path)
        .and_then(|(name, bytes)| rustbuild::syntax::decode(&name, &bytes).map_err(|d| d.message))
    {
        Ok(file) => file,
        Err(message) => {
            eprintln!("rustbuild expand: {message}");
            return ExitCode::from(super::EXIT_USAGE);
        }
    };
    let analysis = DiskFiles::new(&path, &build).analyze(file, build.scope());
    if !analysis.diagnostics.is_empty() {
        let style = match std::io::stderr().is_terminal() {
            true => Style::Fancy,
            false => Style::Plain,
        };
        eprint!(
            "{}",
            diagnostic::render(&analysis.diagnostics, &analysis.files, style)
        );
    }
    let Some(buildfile) = analysis.buildfile.filter(|_| analysis.complete) else {
        return ExitCode::from(1);
    };
    match rustbuild::print::flat(&buildfile, &analysis.files, build.scope()) {
        Ok(text) => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(text.as_bytes());
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("rustbuild expand: {message}");
            ExitCode::from(1)
        }
    }
}
