//! `rustbuild check`. (Being written.)

use std::process::ExitCode;

pub(crate) fn run(_args: &[String]) -> ExitCode {
    eprintln!("rustbuild check: not implemented yet");
    ExitCode::from(super::EXIT_USAGE)
}
