//! The `rustbuild` binary: `build`, `check`, `llb`, `expand`, `fmt`, `lsp` and `frontend`.

use std::process::ExitCode;

mod cmd;

const USAGE: &str = "\
usage: rustbuild <command> [options]

commands:
  build [PATH] [options]             build on a BuildKit or Docker daemon, the frontend in this process
  check FILE [--format human|json]   report the errors and warnings of a Buildfile (`-` reads stdin)
  llb FILE [options]                 write the LLB Definition that `buildctl build` reads from stdin
  expand FILE [options]              print the flat Buildfile that FILE expands to
  fmt [--check] FILE...              rewrite Buildfiles in the canonical layout (`-` reads stdin)
  lsp                                run the language server on stdin/stdout, for editors
  frontend                           run as a BuildKit gateway frontend (what the image runs)

Run `rustbuild <command> --help` for a command's options.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("build") => cmd::build::run(&args[1..]),
        Some("check") => cmd::check::run(&args[1..]),
        Some("llb") => cmd::llb::run(&args[1..]),
        Some("expand") => cmd::expand::run(&args[1..]),
        Some("fmt") => cmd::fmt::run(&args[1..]),
        Some("lsp") => cmd::lsp::run(&args[1..]),
        Some("frontend") => cmd::frontend::run(&args[1..]),
        // BuildKit starts the image's entrypoint with its options in the environment.
        None if std::env::var_os("BUILDKIT_SESSION_ID").is_some() => cmd::frontend::run(&[]),
        Some("-h" | "--help" | "help") => {
            cmd::print_out(USAGE);
            ExitCode::SUCCESS
        }
        Some("-V" | "--version") => {
            cmd::print_out(concat!(
                "rustbuild ",
                env!("RUSTBUILD_VERSION"),
                " (",
                env!("RUSTBUILD_COMMIT"),
                ")"
            ));
            ExitCode::SUCCESS
        }
        _ => cmd::usage_error(USAGE),
    }
}
