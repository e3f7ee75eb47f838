//! Subrequests through a real client: buildx 0.13 (`bk26`) has no `--call`, but
//! `BUILDX_EXPERIMENTAL=1 docker buildx build --print=NAME` sends the same
//! `requestid=frontend.NAME` and prints the answer's `result.txt` on stdout (buildx
//! formats targets and outline itself from `result.json`).

use crate::corpus::{assert_ran_rustbuild, with_syntax_line};
use crate::daemon::{Outcome, daemon, self_check, tail};
use crate::workspace::Workspace;

/// Three stages: `tools` is not needed by `final`, so its ARG is not in final's outline.
/// `tools` is described in Dockerfile's way (a comment line starting with the stage name),
/// the others by the whole comment above FROM, rustbuild's way. Line 11 (with the syntax
/// line) uses the legacy `ENV KEY VALUE` form: a lint warning.
const BUILDFILE: &str = "ARG GREETING=hello
ARG REGISTRY
# Tools for later.
# tools holds the tools, which final does not need.
FROM local/busybox:latest AS tools
ARG TOOLS_ONLY=yes
# The base stage with busybox.
FROM local/busybox:latest AS base
ARG BASE_ARG=from-base
ENV MODE production
# The final image.
FROM base AS final
ARG VERSION=1.0
RUN --mount=type=secret,id=token,required=true true
";

/// `--print=REQUEST` (with `extra` flags) on bk26 against `buildfile`.
fn print(buildfile: &str, request: &str, extra: &[&str]) -> Outcome {
    let daemon = daemon("bk26");
    let work = Workspace::new("subrequest");
    work.write("Buildfile", with_syntax_line(buildfile));
    let print = format!("--print={request}");
    let mut args = vec!["buildx", "build", "--progress=plain", &print];
    args.extend(extra);
    args.extend(["-f", "Buildfile", "."]);
    daemon.run_with(&[("BUILDX_EXPERIMENTAL", "1")], &args, Some(work.path()))
}

fn stdout(out: &Outcome) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The whitespace-separated words of every stdout line, so column widths do not matter.
fn rows(out: &Outcome) -> Vec<Vec<String>> {
    stdout(out)
        .lines()
        .map(|l| l.split_whitespace().map(String::from).collect())
        .collect()
}

fn has_row(out: &Outcome, row: &[&str]) -> bool {
    rows(out).iter().any(|r| r == row)
}

fn assert_rows(out: &Outcome, expected: &[&[&str]]) {
    for row in expected {
        assert!(
            has_row(out, row),
            "{}: no line {row:?} in stdout:\n{}",
            out.command,
            stdout(out)
        );
    }
}

#[test]
fn bk26_print_targets_lists_stages_with_default_and_descriptions() {
    let out = print(BUILDFILE, "targets", &[]).ok("--print=targets");
    assert_ran_rustbuild(&out);
    assert_rows(
        &out,
        &[
            &["TARGET", "DESCRIPTION"],
            &[
                "tools", "holds", "the", "tools,", "which", "final", "does", "not", "need.",
            ],
            &["base", "The", "base", "stage", "with", "busybox."],
            &["final", "(default)", "The", "final", "image."],
        ],
    );
    assert_eq!(rows(&out).iter().filter(|r| !r.is_empty()).count(), 4);
}

#[test]
fn bk26_print_outline_lists_the_targets_args_and_secrets() {
    let out = print(BUILDFILE, "outline", &[]).ok("--print=outline");
    assert_ran_rustbuild(&out);
    assert_rows(
        &out,
        &[
            &["TARGET:", "final"],
            &["DESCRIPTION:", "The", "final", "image."],
            &["GREETING", "hello"],
            &["REGISTRY"],
            &["BASE_ARG", "from-base"],
            &["VERSION", "1.0"],
            &["SECRET", "REQUIRED"],
            &["token", "true"],
        ],
    );
    assert!(
        !stdout(&out).contains("TOOLS_ONLY"),
        "final does not need the tools stage:\n{}",
        stdout(&out)
    );
}

#[test]
fn bk26_print_outline_follows_target() {
    let out = print(BUILDFILE, "outline", &["--target", "base"]).ok("--print=outline --target");
    assert_rows(
        &out,
        &[
            &["TARGET:", "base"],
            &["DESCRIPTION:", "The", "base", "stage", "with", "busybox."],
            &["BASE_ARG", "from-base"],
        ],
    );
    let text = stdout(&out);
    assert!(
        !text.contains("VERSION") && !text.contains("token"),
        "base's outline shows final's args or secrets:\n{text}"
    );
}

#[test]
fn bk26_print_subrequests_describe_lists_the_answered_requests() {
    let out = print(BUILDFILE, "subrequests.describe", &[]).ok("--print=subrequests.describe");
    assert_ran_rustbuild(&out);
    for name in ["outline", "targets", "lint", "subrequests.describe"] {
        assert!(
            rows(&out)
                .iter()
                .any(|r| r.first().map(String::as_str) == Some(name)
                    && r.get(1).map(String::as_str) == Some("1.0.0")),
            "{name} is not listed:\n{}",
            stdout(&out)
        );
    }
}

/// buildx 0.13 knows `--print=lint` and prints the answer's text (the rule by its name).
#[test]
fn bk26_print_lint_reports_warnings_with_line_and_code() {
    let out = print(BUILDFILE, "lint", &[]).ok("--print=lint");
    assert_ran_rustbuild(&out);
    if self_check() {
        return; // dockerfile.v0 words its lint differently
    }
    let text = stdout(&out);
    assert!(
        text.contains(
            "Buildfile:11: warning LegacyKeyValueFormat: \"ENV key=value\" should be used instead of legacy \"ENV key value\" format"
        ),
        "{text}"
    );
}

#[test]
fn bk26_print_lint_of_a_clean_file() {
    let clean = "FROM local/busybox:latest\nENV MODE=production\n";
    let out = print(clean, "lint", &[]).ok("--print=lint");
    if self_check() {
        return;
    }
    assert_eq!(stdout(&out), "Check complete, no warnings found.\n");
}

#[test]
fn bk26_print_lint_reports_errors() {
    let broken = "FROM local/busybox:latest\nBOGUS --not-an-instruction\n";
    let out = print(broken, "lint", &[]);
    if self_check() {
        return;
    }
    let text = out.text();
    assert!(
        text.contains(
            "Buildfile:3: error rustbuild::syntax::unknown-instruction: unknown instruction `BOGUS`"
        ),
        "{}",
        tail(&text, 30)
    );
}

#[test]
fn bk26_unknown_subrequest_is_a_clear_error() {
    let out = print(BUILDFILE, "bogus", &[]);
    assert!(!out.success, "{} should fail", out.command);
    assert_ran_rustbuild(&out);
    if self_check() {
        return;
    }
    let text = out.text();
    assert!(
        text.contains("unsupported request frontend.bogus")
            && text.contains(
                "rustbuild does not answer frontend.bogus; it answers frontend.outline, \
                 frontend.targets, frontend.lint and frontend.subrequests.describe"
            ),
        "{}",
        tail(&text, 20)
    );
}
