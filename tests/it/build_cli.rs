//! `rustbuild build` before it reaches a daemon: every bad argument is a usage error (exit
//! 2) that says what to fix, and nothing is started. The builds themselves are end-to-end
//! tests (tests/e2e/client.rs), on real daemons.

use std::path::Path;

use crate::cli::{rustbuild, text};

/// A directory of its own under the system's temporary one.
fn workspace(label: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "rustbuild-build-cli-{}-{label}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `rustbuild build ARGS` in `dir` with no daemon to reach, and returns its exit code
/// and stderr.
fn build(args: &[&str], dir: &Path) -> (Option<i32>, String) {
    let mut full = vec!["build", "--addr", "unix:///nonexistent/rustbuild-test.sock"];
    full.extend(args);
    let out = rustbuild(&full, "", dir);
    (out.status.code(), text(&out.stderr))
}

#[test]
fn help_lists_the_flags() {
    let out = rustbuild(&["build", "--help"], "", Path::new("."));
    assert!(out.status.success());
    let help = text(&out.stdout);
    for flag in [
        "--file",
        "--build-context",
        "--secret",
        "--output",
        "--tag",
        "--addr",
        "--progress",
    ] {
        assert!(help.contains(flag), "{flag}: {help}");
    }
}

#[test]
fn bad_arguments_are_usage_errors() {
    let dir = workspace("usage");
    std::fs::write(dir.join("Buildfile"), "FROM scratch\n").unwrap();
    for (args, needle) in [
        (&["--frobnicate"][..], "unknown option `--frobnicate`"),
        (
            &["--progress", "fancy"][..],
            "unknown progress mode `fancy`",
        ),
        (&["nowhere"][..], "the build context `nowhere`"),
        (&["-f", "missing.bf"][..], "-f `missing.bf`"),
        (&["--secret", "id=a,flavour=b"][..], "unknown key `flavour`"),
        (&["-o", "type=local"][..], "needs dest=DIR"),
        (&["-t", "app"][..], "-t needs an image store"),
        (
            &["--build-context", "lib=nowhere"][..],
            "--build-context lib `nowhere`",
        ),
    ] {
        let (code, stderr) = build(args, &dir);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_context_without_a_buildfile_says_so() {
    let dir = workspace("no-buildfile");
    let (code, stderr) = build(&["."], &dir);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("no Buildfile (or Dockerfile)"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn no_daemon_is_exit_2_with_the_address() {
    let dir = workspace("no-daemon");
    std::fs::write(dir.join("Dockerfile"), "FROM scratch\n").unwrap();
    let (code, stderr) = build(&["."], &dir);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "cannot reach the BuildKit daemon at unix:///nonexistent/rustbuild-test.sock"
        ),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
