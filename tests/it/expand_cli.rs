//! `rustbuild expand` as a user runs it: the flat file on stdout for the build the flags
//! describe, errors on stderr, exit codes.

use std::path::Path;

use crate::cli::{rustbuild, text};

const CHOOSING: &str = "ARG MODE=debug
FROM alpine AS app
IF $MODE == release
    RUN make release
ELSE IF exists(\"debug.conf\")
    COPY debug.conf /etc/
ELSE
    RUN make debug
END
";

fn here() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_branch_follows_the_build_arguments_and_the_context() {
    let dir = std::env::temp_dir().join(format!("rustbuild-expand-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let debug = rustbuild(&["expand", "-"], CHOOSING, &dir);
    assert_eq!(debug.status.code(), Some(0), "{debug:?}");
    assert!(
        text(&debug.stdout).ends_with("FROM alpine AS app\nRUN make debug\n"),
        "{}",
        text(&debug.stdout)
    );
    std::fs::write(dir.join("debug.conf"), "x").unwrap();
    let conf = rustbuild(&["expand", "-"], CHOOSING, &dir);
    assert!(
        text(&conf.stdout).ends_with("COPY debug.conf /etc/\n"),
        "{}",
        text(&conf.stdout)
    );
    let release = rustbuild(
        &["expand", "-", "--build-arg", "MODE=release"],
        CHOOSING,
        &dir,
    );
    assert!(
        text(&release.stdout).ends_with("RUN make release\n"),
        "{}",
        text(&release.stdout)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_platform_and_the_target_are_the_builds() {
    let file = "IF $TARGETOS == windows\nFROM nanoserver AS app\nELSE\nFROM alpine AS app\nEND\n\
                ARG TARGETSTAGE\nIF $TARGETSTAGE == app\n  LABEL stage=app\nEND\n";
    let out = rustbuild(
        &[
            "expand",
            "-",
            "--platform",
            "windows/amd64",
            "--target",
            "app",
        ],
        file,
        here(),
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        text(&out.stdout),
        "\nFROM nanoserver AS app\nARG TARGETSTAGE\nLABEL stage=app\n"
    );
}

#[test]
fn errors_exit_1_with_the_report_on_stderr_and_nothing_on_stdout() {
    let out = rustbuild(&["expand", "-"], "FROM alpine\nCALL nothing\n", here());
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let report = text(&out.stderr);
    assert!(
        report.contains("rustbuild::load::unknown-function") && report.contains("<stdin>:2:6"),
        "{report}"
    );
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["expand"][..],
        &["expand", "a", "b"],
        &["expand", "-", "--nope"],
        &["expand", "-", "--build-arg", "novalue"],
        &["expand", "-", "--platform"],
    ] {
        let out = rustbuild(args, "FROM alpine\n", here());
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
    }
    let missing = rustbuild(&["expand", "no/such/Buildfile"], "", here());
    assert_eq!(missing.status.code(), Some(2));
    let help = rustbuild(&["expand", "--help"], "", here());
    assert_eq!(help.status.code(), Some(0));
    assert!(text(&help.stdout).contains("ARG --bind"));
}

#[test]
fn an_included_file_with_another_escape_character_is_refused() {
    let dir = here().join("tests/corpus/load/ok-include");
    let out = rustbuild(
        &[
            "expand",
            "Buildfile",
            "--build-context",
            "shared=contexts/shared",
        ],
        "",
        &dir,
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        text(&out.stderr).contains("escape character"),
        "{}",
        text(&out.stderr)
    );
}
