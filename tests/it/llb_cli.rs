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
        &["Buildfile", "--build-arg", "SOURCE_DATE_EPOCH=soon"],
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

#[test]
fn writes_a_definition_buildctl_can_read() {
    use prost::Message;
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/hello");
    let out = Command::new(env!("CARGO_BIN_EXE_rustbuild"))
        .args(["llb", "Buildfile"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let def = rustbuild::pb::pb::Definition::decode(out.stdout.as_slice()).unwrap();
    assert_eq!(
        def.def.len(),
        6,
        "image, mkdir, context, copy, run, terminal"
    );
    let terminal = rustbuild::pb::pb::Op::decode(def.def[5].as_slice()).unwrap();
    assert_eq!(
        terminal.inputs[0].digest,
        rustbuild::llb::digest_of(&def.def[4])
    );
    let source = def.source.unwrap();
    assert_eq!(source.infos[0].filename, "Buildfile");
}

#[test]
fn json_names_the_platform_and_ops() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/windows-app/Buildfile"
    );
    let out = llb(&[
        path,
        "--json",
        "--platform",
        "windows/amd64",
        "--build-arg",
        "WINDOWS_BASE=mcr.microsoft.com/windows/nanoserver:ltsc2022",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["platform"], "windows/amd64");
    assert_eq!(
        doc["ops"][0]["op"]["kind"]["source"]["identifier"],
        "docker-image://mcr.microsoft.com/windows/nanoserver:ltsc2022"
    );
    assert_eq!(doc["image_config"]["config"]["WorkingDir"], "\\app");
}

#[test]
fn buildfile_and_lowering_errors_exit_1() {
    let dir = std::env::temp_dir().join(format!("rustbuild-llb-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("Bad.Buildfile");
    std::fs::write(&bad, "FROM alpine\nRUNN x\n").unwrap();
    let out = llb(&[bad.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let good = dir.join("Good.Buildfile");
    std::fs::write(&good, "FROM alpine\n").unwrap();
    let out = llb(&[good.to_str().unwrap(), "--json", "--target", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown-target"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The monorepo example lowers with its `shared` context given; without it the INCLUDE
/// and IMPORT from `shared` cannot be followed, and no Definition is written.
#[test]
fn includes_are_followed_and_an_incomplete_load_writes_nothing() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/monorepo");
    let file = format!("{root}/services/api/Buildfile");
    let shared = format!("shared={root}/shared");
    let out = llb(&[&file, "--json", "--build-context", &shared]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The imported stage runs with its IMPORT value, and the included steps are there.
    assert!(
        stdout.contains("[tools+healthcheck 2/2] RUN mkdir -p /out"),
        "{stdout}"
    );
    assert!(stdout.contains("healthy (tools %s)"), "{stdout}");
    assert!(
        stdout.contains("\"VERSION=2\""),
        "the IMPORT line's value: {stdout}"
    );
    assert!(stdout.contains("\"PORT=8080\""), "{stdout}");
    let out = llb(&[&file, "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("rustbuild::load::include-not-followed"),
        "{stderr}"
    );
}
