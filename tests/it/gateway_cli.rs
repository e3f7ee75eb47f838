//! `rustbuild frontend` as a process, without a daemon: it must fail fast and cleanly when
//! it was not started by BuildKit, never hang, and keep its logs on stderr.

use std::io::Read;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

fn rustbuild() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rustbuild"));
    cmd.env_remove("BUILDKIT_SESSION_ID");
    cmd
}

/// Waits for the child, failing the test if it runs longer than `limit` (a hang).
fn wait_within(child: &mut Child, limit: Duration) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("rustbuild frontend still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn help_goes_to_stdout() {
    let out = rustbuild().args(["frontend", "--help"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("usage: rustbuild frontend"), "{text}");
}

#[test]
fn extra_arguments_are_a_usage_error() {
    let out = rustbuild().args(["frontend", "now"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

#[test]
fn stdin_that_is_not_a_pipe_is_refused_without_a_byte_on_stdout() {
    let out = rustbuild()
        .arg("frontend")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "stdout is the gRPC stream");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.starts_with("rustbuild: stdin is not a pipe"), "{err}");
}

#[test]
fn a_daemon_that_hangs_up_ends_the_frontend_promptly() {
    let mut child = rustbuild()
        .arg("frontend")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The "daemon" closes its end at once: the HTTP/2 handshake can never complete.
    drop(child.stdin.take());
    drop(child.stdout.take());
    let status = wait_within(&mut child, Duration::from_secs(20));
    assert_eq!(status.code(), Some(2));
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(err.starts_with("rustbuild: "), "{err}");
}
