//! `rustbuild check` as a user runs it: exit codes, stdin, both output formats.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn rustbuild(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rustbuild"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    pipe.write_all(stdin.unwrap_or_default()).unwrap();
    drop(pipe);
    child.wait_with_output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
        .join("Buildfile")
}

fn corpus(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(path)
}

#[test]
fn a_valid_file_exits_0() {
    let output = rustbuild(&["check", example("multistage").to_str().unwrap()], None);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(stdout(&output).contains("no problems found"));
}

#[test]
fn errors_exit_1_with_the_report_on_stdout() {
    let path = corpus("syntax/err/many-errors.Buildfile");
    let output = rustbuild(&["check", path.to_str().unwrap()], None);
    assert_eq!(output.status.code(), Some(1));
    let report = stdout(&output);
    for expected in [
        "rustbuild::syntax::unknown-instruction",
        "did you mean `RUN`?",
        "rustbuild::syntax::invalid-chmod",
        "rustbuild::check::duplicate-stage",
        "many-errors.Buildfile:3:1",
    ] {
        assert!(
            report.contains(expected),
            "missing {expected:?} in\n{report}"
        );
    }
    assert!(
        !report.contains('\u{1b}'),
        "colour codes in a pipe:\n{report}"
    );
}

#[test]
fn warnings_alone_exit_0() {
    let output = rustbuild(&["check", "-"], Some(b"FROM alpine\nENV A b\n"));
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(stdout(&output).contains("legacy-key-value"));
    assert!(stdout(&output).contains("0 errors, 1 warning"));
}

#[test]
fn stdin_is_read_with_a_dash() {
    let output = rustbuild(&["check", "-"], Some(b"FROM alpine\nRUNN x\n"));
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains("<stdin>:2:1"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn json_has_the_documented_fields() {
    let output = rustbuild(
        &["check", "--format", "json", "-"],
        Some("FROM alpine\nRÜNN x\nENV A b\n".as_bytes()),
    );
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let list = json.as_array().unwrap();
    assert_eq!(list.len(), 2);
    let error = &list[0];
    assert_eq!(error["severity"], "error");
    assert_eq!(error["code"], "rustbuild::syntax::unknown-instruction");
    assert_eq!(error["message"], "unknown instruction `RÜNN`");
    assert_eq!(error["file"], "<stdin>");
    assert_eq!(
        (error["line"].as_u64(), error["column"].as_u64()),
        (Some(2), Some(1))
    );
    // Columns count characters: `RÜNN` is 4 characters, 5 bytes.
    assert_eq!(
        (error["end_line"].as_u64(), error["end_column"].as_u64()),
        (Some(2), Some(5))
    );
    assert_eq!(error["help"], "did you mean `RUN`?");
    assert_eq!(list[1]["severity"], "warning");
}

#[test]
fn json_of_a_valid_file_is_an_empty_array() {
    let output = rustbuild(
        &["check", "--format=json", example("hello").to_str().unwrap()],
        None,
    );
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stdout(&output).trim(), "[]");
}

#[test]
fn invalid_utf8_exits_1_pointing_at_the_byte() {
    let output = rustbuild(
        &["check", "--format", "json", "-"],
        Some(b"FROM a\nRUN \xff\n"),
    );
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json[0]["code"], "rustbuild::syntax::invalid-utf8");
    assert_eq!(
        (json[0]["line"].as_u64(), json[0]["column"].as_u64()),
        (Some(2), Some(5))
    );
    let human = rustbuild(&["check", "-"], Some(b"FROM a\nRUN \xff\n"));
    assert!(stdout(&human).contains("not UTF-8"), "{}", stdout(&human));
}

#[test]
fn usage_and_io_errors_exit_2() {
    for args in [
        &["check"][..],
        &["check", "a", "b"],
        &["check", "--format", "xml", "-"],
        &["check", "--format"],
        &["check", "--verbose", "-"],
    ] {
        let output = rustbuild(args, None);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&output.stderr).contains("usage: rustbuild check"));
    }
    let missing = rustbuild(&["check", "/nonexistent/Buildfile"], None);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("cannot read /nonexistent/Buildfile")
    );
}

#[test]
fn help_exits_0() {
    let output = rustbuild(&["check", "--help"], None);
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).contains("--format json"));
}

/// The monorepo example: each service's Buildfile includes files next to it and from the
/// `shared` context, which `--build-context` names.
#[test]
fn includes_are_followed_on_disk_and_through_build_contexts() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/monorepo");
    let shared = format!("shared={}", root.join("shared").display());
    for service in ["api", "worker"] {
        let file = root.join("services").join(service).join("Buildfile");
        let file = file.to_str().unwrap();
        let output = rustbuild(&["check", file, "--build-context", &shared], None);
        assert_eq!(output.status.code(), Some(0), "{output:?}");
        assert!(stdout(&output).contains("no problems found"), "{output:?}");
        // Without the context the shared files are not followed: a warning, not silence.
        let output = rustbuild(&["check", file, "--format", "json"], None);
        let report = stdout(&output);
        assert_eq!(output.status.code(), Some(0), "{report}");
        assert_eq!(
            report
                .matches("rustbuild::load::include-not-followed")
                .count(),
            3,
            "{report}"
        );
    }
}

#[test]
fn an_error_in_an_included_file_is_reported_in_it_with_the_include() {
    let dir = std::env::temp_dir().join(format!("rustbuild-check-include-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("lib")).unwrap();
    std::fs::write(dir.join("Buildfile"), "FROM a\nINCLUDE lib/steps.bf\n").unwrap();
    std::fs::write(dir.join("lib/steps.bf"), "RUN ok\nRUNN typo\n").unwrap();
    let file = dir.join("Buildfile");
    let output = rustbuild(&["check", file.to_str().unwrap(), "--format", "json"], None);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let first = &json[0];
    assert_eq!(first["code"], "rustbuild::syntax::unknown-instruction");
    assert_eq!(
        (first["file"].as_str(), first["line"].as_u64()),
        (Some("lib/steps.bf"), Some(2))
    );
    assert_eq!(
        first["origin"][0]["message"],
        "in lib/steps.bf, included here"
    );
    assert_eq!(first["origin"][0]["line"], 2);
}

#[test]
fn a_bad_build_context_is_a_usage_error() {
    let output = rustbuild(
        &[
            "check",
            example("hello").to_str().unwrap(),
            "--build-context",
            "nodir",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("is not NAME=DIR"));
}

/// `--platform` is the target platform INCLUDE paths see: each platform's file is checked.
#[test]
fn the_platform_chooses_the_file_a_path_names() {
    let dir = std::env::temp_dir().join(format!("rustbuild-check-platform-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("Buildfile"),
        "ARG A=${TARGETARCH}\nFROM a\nINCLUDE ${A}.bf\n",
    )
    .unwrap();
    std::fs::write(dir.join("amd64.bf"), "RUN ok\n").unwrap();
    std::fs::write(dir.join("arm64.bf"), "RUNN typo\n").unwrap();
    let file = dir.join("Buildfile");
    let file = file.to_str().unwrap();
    let amd64 = rustbuild(&["check", file], None);
    let arm64 = rustbuild(&["check", file, "--platform", "linux/arm64"], None);
    let bad = rustbuild(&["check", file, "--platform", "plan9"], None);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(amd64.status.code(), Some(0), "{amd64:?}");
    assert_eq!(arm64.status.code(), Some(1), "{arm64:?}");
    assert!(
        stdout(&arm64).contains("[arm64.bf:1:1]"),
        "{}",
        stdout(&arm64)
    );
    assert_eq!(bad.status.code(), Some(2), "{bad:?}");
}
