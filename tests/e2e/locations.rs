//! A Buildfile error as users see it, beyond tests/e2e/failures.rs: the file under its
//! default name `Dockerfile` (no `-f`), selected by a syntax line or by BUILDKIT_SYNTAX
//! (the line numbers are the file's own either way), with rustbuild's diagnostic in full:
//! code, label and hint. dockerd 26 with buildx also shows BuildKit's excerpt (`>>>`) from the
//! source map; dockerd 20.10 shows only the message, which names the line.

use crate::corpus::{assert_ran_rustbuild, with_syntax_line};
use crate::daemon::{Outcome, daemon, rustbuild_image, self_check};
use crate::workspace::Workspace;

/// Line 2 of the file as written: an instruction that does not exist.
const UNKNOWN_INSTRUCTION: &str =
    "FROM local/busybox:latest\nBOGUS --not-an-instruction\nRUN true\n";

/// How the frontend is selected.
#[derive(Clone, Copy)]
enum Selection {
    SyntaxLine,
    BuildArg,
}

/// Builds UNKNOWN_INSTRUCTION as `./Dockerfile` with `client_args` (`build` or
/// `buildx build`); the build must fail.
fn failing(daemon_name: &'static str, client_args: &[&str], selection: Selection) -> Outcome {
    let daemon = daemon(daemon_name);
    let work = Workspace::new("location");
    let syntax_arg = format!("BUILDKIT_SYNTAX={}", rustbuild_image());
    let mut args = client_args.to_vec();
    args.push("--progress=plain");
    match selection {
        Selection::SyntaxLine => {
            work.write("Dockerfile", with_syntax_line(UNKNOWN_INSTRUCTION));
        }
        Selection::BuildArg => {
            work.write("Dockerfile", UNKNOWN_INSTRUCTION);
            if !self_check() {
                args.extend(["--build-arg", &syntax_arg]);
            }
        }
    }
    args.push(".");
    let out = daemon.build(&args, work.path());
    let out = out.failed();
    assert_ran_rustbuild(&out);
    out
}

/// rustbuild's own report: code, the span's label and the hint.
const DIAGNOSTIC: &[&str] = &[
    "unknown instruction `BOGUS`",
    "rustbuild::syntax::unknown-instruction",
    "not an instruction",
    "help: instructions are FROM, RUN, COPY",
];

#[test]
fn bk26_buildx_shows_excerpt_and_diagnostic_for_a_dockerfile() {
    let out = failing("bk26", &["buildx", "build"], Selection::SyntaxLine);
    out.assert_shows(&[
        "Dockerfile:3\n",
        ">>> BOGUS --not-an-instruction",
        "[Dockerfile:3:1]",
    ]);
    out.assert_shows(DIAGNOSTIC);
}

#[test]
fn bk26_buildx_lines_are_the_files_own_with_buildkit_syntax() {
    let out = failing("bk26", &["buildx", "build"], Selection::BuildArg);
    out.assert_shows(&[
        "Dockerfile:2\n",
        "   2 | >>> BOGUS --not-an-instruction",
        "[Dockerfile:2:1]",
    ]);
    out.assert_shows(DIAGNOSTIC);
}

#[test]
fn bk20_docker_build_names_the_line_with_code_and_hint() {
    let out = failing("bk20", &["build"], Selection::SyntaxLine);
    out.assert_shows(&["[Dockerfile:3:1]", " 3 │ BOGUS --not-an-instruction"]);
    out.assert_shows(DIAGNOSTIC);
}

#[test]
fn bk20_docker_build_lines_are_the_files_own_with_buildkit_syntax() {
    let out = failing("bk20", &["build"], Selection::BuildArg);
    out.assert_shows(&["[Dockerfile:2:1]", " 2 │ BOGUS --not-an-instruction"]);
    out.assert_shows(DIAGNOSTIC);
}
