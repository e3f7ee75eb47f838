//! Broken builds fail with output that points at the cause: the Buildfile line, or the
//! missing file. dockerd 26 with buildx shows the Buildfile excerpt BuildKit gets from the
//! source map (`Buildfile:3`, `>>>`); dockerd 20.10 shows no excerpt to any client, only the
//! error message text.

use crate::corpus::{assert_ran_rustbuild, with_syntax_line};
use crate::daemon::{Outcome, daemon};
use crate::workspace::Workspace;

/// Builds `buildfile` (the syntax line is added as line 1) with `context` files through
/// rustbuild; the build must fail.
fn failing_build(daemon_name: &'static str, buildfile: &str, context: &[(&str, &str)]) -> Outcome {
    failing_build_with(daemon_name, buildfile, context, &[])
}

/// [`failing_build`] with more `docker build` arguments.
fn failing_build_with(
    daemon_name: &'static str,
    buildfile: &str,
    context: &[(&str, &str)],
    args: &[&str],
) -> Outcome {
    let daemon = daemon(daemon_name);
    let work = Workspace::new("failure");
    work.write("Buildfile", with_syntax_line(buildfile));
    for (path, content) in context {
        work.write(path, content);
    }
    let mut full = vec!["build", "--progress=plain", "-f", "Buildfile"];
    full.extend(args);
    full.push(".");
    let out = daemon.build(&full, work.path());
    let out = out.failed();
    assert_ran_rustbuild(&out);
    out
}

/// Line 3 once the syntax line is in: an instruction that does not exist.
const SYNTAX_ERROR: &str = "FROM local/busybox:latest\nBOGUS --not-an-instruction\nRUN true\n";

#[test]
fn bk20_syntax_error_names_the_line() {
    let out = failing_build("bk20", SYNTAX_ERROR, &[]);
    // no excerpt on this daemon: the line is in rustbuild's own report, the message text
    out.assert_shows(&["[Buildfile:3:1]", "BOGUS"]);
}

#[test]
fn bk26_syntax_error_names_the_line() {
    let out = failing_build("bk26", SYNTAX_ERROR, &[]);
    out.assert_shows(&[
        "Buildfile:3\n",
        ">>> BOGUS --not-an-instruction",
        "[Buildfile:3:1]",
    ]);
}

/// Line 3 once the syntax line is in: a command that exits 3.
const FAILING_RUN: &str = "FROM local/busybox:latest\nRUN echo before && exit 3\nRUN true\n";

#[test]
fn bk20_failing_run_shows_the_command_and_exit_code() {
    let out = failing_build("bk20", FAILING_RUN, &[]);
    out.assert_shows(&["RUN echo before && exit 3", "exit code: 3"]);
}

#[test]
fn bk26_failing_run_names_the_line() {
    let out = failing_build("bk26", FAILING_RUN, &[]);
    out.assert_shows(&[
        "Buildfile:3",
        ">>> RUN echo before && exit 3",
        "exit code: 3",
    ]);
}

/// Line 3 once the syntax line is in: a source that is not in the context.
const MISSING_SOURCE: &str = "FROM local/busybox:latest\nCOPY present.txt missing.txt /dst/\n";

#[test]
fn bk20_missing_copy_source_is_named() {
    let out = failing_build("bk20", MISSING_SOURCE, &[("present.txt", "here\n")]);
    out.assert_shows(&["\"/missing.txt\" not found"]);
}

/// BuildKit's own words stay in the message; rustbuild adds the source as written, where
/// it is, and why: here a near name the context has.
#[test]
fn bk26_missing_copy_source_is_explained_at_the_word() {
    let out = failing_build(
        "bk26",
        MISSING_SOURCE,
        &[("present.txt", "here\n"), ("misssing.txt", "")],
    );
    out.assert_shows(&[
        "\"/missing.txt\": not found",
        "Buildfile:3\n",
        ">>> COPY present.txt missing.txt /dst/",
        "COPY source `missing.txt` is not in the build context: BuildKit found no `/missing.txt`",
        "[Buildfile:3:18]",
        "not in the build context",
        "did you mean `misssing.txt`?",
    ]);
}

/// Line 3 once the syntax line is in: a source the ignore file leaves out.
const IGNORED_SOURCE: &str = "FROM local/busybox:latest\nCOPY conf/app.yaml /etc/\n";

#[test]
fn bk26_ignored_copy_source_names_the_ignore_pattern_and_line() {
    let out = failing_build(
        "bk26",
        IGNORED_SOURCE,
        &[
            ("conf/app.yaml", "a: 1\n"),
            (".dockerignore", "# secrets\n*.env\nconf/*.yaml\n"),
        ],
    );
    out.assert_shows(&[
        "COPY source `conf/app.yaml` is not in the build context",
        ">>> COPY conf/app.yaml /etc/",
        "BuildKit found no `/conf`",
        ".dockerignore leaves this out",
        "line 3 of .dockerignore (`conf/*.yaml`) excludes it",
    ]);
}

/// Line 4 once the syntax line is in: a Windows RUN, on a daemon whose workers are Linux.
const WINDOWS_RUN: &str = "FROM 127.0.0.1:5000/rustbuild/nanoserver:ltsc2022
COPY app.cmd /app/
RUN C:\\app\\app.cmd
";

#[test]
fn bk26c_windows_run_on_linux_workers_is_refused_at_the_run() {
    let out = failing_build_with(
        "bk26c",
        WINDOWS_RUN,
        &[("app.cmd", "@echo off\r\n")],
        &["--platform", "windows/amd64"],
    );
    out.assert_shows(&[
        "Buildfile:4",
        ">>> RUN C:\\app\\app.cmd",
        "RUN needs a windows worker, and this BuildKit's workers run only linux/amd64",
        "need no windows worker",
    ]);
    assert!(
        !out.text().contains("did not complete successfully"),
        "the RUN was started: {}",
        out.text()
    );
}
