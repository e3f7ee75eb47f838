//! Running the `rustbuild` binary as a user does, for the command-line tests.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// `rustbuild ARGS` in `dir` with `stdin` on its standard input, colours off.
pub(crate) fn rustbuild(args: &[&str], stdin: &str, dir: &Path) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rustbuild"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    // A command that fails on its arguments reads nothing: a closed pipe is fine then.
    let _ = pipe.write_all(stdin.as_bytes());
    drop(pipe);
    child.wait_with_output().unwrap()
}

pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}
