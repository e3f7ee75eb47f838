//! `rustbuild llb`: usage errors, and the Definition it writes for the examples.

use std::process::{Command, Output};

fn llb(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rustbuild"))
        .arg("llb")
        .args(args)
        .output()
        .expect("run rustbuild")
}

#[test]
fn usage_errors_exit_2_with_a_message() {
    for args in [
        &[][..],
        &["--nope", "x"],
        &["Buildfile", "--platform", "plan9/x"],
        &["Buildfile", "--build-arg", "NOVALUE"],
    ] {
        let out = llb(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("usage: rustbuild llb"),
            "{args:?}: {stderr}"
        );
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn a_missing_file_is_an_io_error() {
    let out = llb(&["/nonexistent/Buildfile", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/Buildfile"));
}

#[test]
fn help_goes_to_stdout() {
    let out = llb(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("buildctl build"));
}
