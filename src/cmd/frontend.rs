//! `rustbuild frontend`: run as a BuildKit gateway frontend. BuildKit starts the image's
//! entrypoint with the options in the environment and talks gRPC over stdin/stdout.

use std::process::ExitCode;

const USAGE: &str = "\
usage: rustbuild frontend

Runs as a BuildKit gateway frontend: BuildKit starts the rustbuild image, passes the build
options in the environment and serves its LLBBridge API over stdin and stdout. Not meant to
be run by hand; logs go to stderr (the daemon's log).";

pub(crate) fn run(args: &[String]) -> ExitCode {
    match args {
        [] => ExitCode::from(rustbuild::gateway::run()),
        [flag] if flag == "-h" || flag == "--help" => {
            super::print_out(USAGE);
            ExitCode::SUCCESS
        }
        _ => super::usage_error(USAGE),
    }
}
