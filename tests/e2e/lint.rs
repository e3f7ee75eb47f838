//! `docker buildx build --call=check` through the frontend image: Debian unstable's buildx
//! 0.29 (bk26's `RUSTBUILD_SID_DOCKER_CONFIG`, set up by `scripts/buildkit.sh up bk26`) sends
//! the lint subrequest and prints the warnings itself, from our JSON, as it does for
//! dockerfile.v0: the rule's name and page, the message, and the lines of the file.

use serde_json::Value;

use crate::corpus::{assert_ran_rustbuild, with_syntax_line};
use crate::daemon::{Outcome, daemon};
use crate::workspace::Workspace;

/// Line numbers count the syntax line `with_syntax_line` puts first. Docker's rules
/// (LegacyKeyValueFormat, JSONArgsRecommended) and one of ours (UnusedParameter).
const BUILDFILE: &str = "FROM local/busybox:latest
ENV MODE production
CMD echo hi
FUNCTION greet WHO=world
    RUN echo hello
END
CALL greet
";

/// `docker buildx build --call=CALL` with unstable's buildx on bk26.
fn call(buildfile: &str, call: &str, extra: &[&str]) -> Outcome {
    let daemon = daemon("bk26");
    let config = daemon
        .env("RUSTBUILD_SID_DOCKER_CONFIG")
        .expect("buildkit.sh env bk26 names RUSTBUILD_SID_DOCKER_CONFIG: rerun scripts/setup.sh");
    let work = Workspace::new("lint");
    work.write("Buildfile", with_syntax_line(buildfile));
    let call = format!("--call={call}");
    let mut args = vec!["buildx", "build", "--progress=plain", &call];
    args.extend(extra);
    args.extend(["-f", "Buildfile", "."]);
    daemon.build_with(&[("DOCKER_CONFIG", config)], &args, work.path())
}

fn stdout(out: &Outcome) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn bk26_call_check_prints_each_warning_with_its_rule_page_and_lines() {
    let out = call(BUILDFILE, "check", &[]);
    assert_ran_rustbuild(&out);
    // buildx exits 1 when the check found anything.
    assert!(!out.success, "{}: {}", out.command, out.text());
    let text = stdout(&out);
    assert!(
        text.contains("WARNING: LegacyKeyValueFormat - https://docs.docker.com/go/dockerfile/rule/legacy-key-value-format/"),
        "{text}"
    );
    assert!(
        text.contains(
            "\"ENV key=value\" should be used instead of legacy \"ENV key value\" format"
        ),
        "{text}"
    );
    assert!(text.contains("Buildfile:3"), "{text}");
    assert!(text.contains(">>> ENV MODE production"), "{text}");
    assert!(
        text.contains("WARNING: JSONArgsRecommended - https://docs.docker.com/go/dockerfile/rule/json-args-recommended/"),
        "{text}"
    );
    assert!(
        text.contains("WARNING: UnusedParameter - https://github.com/username/rustbuild/blob/main/grammar/RULES.md#unused-parameter"),
        "{text}"
    );
    assert!(text.contains(">>> FUNCTION greet WHO=world"), "{text}");
}

#[test]
fn bk26_call_check_json_names_rules_and_lines() {
    let out = call(BUILDFILE, "check,format=json", &[]);
    let json: Value = serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("{}: not JSON ({e}):\n{}", out.command, out.text()));
    let warnings = json["warnings"].as_array().expect("warnings");
    let legacy = warnings
        .iter()
        .find(|w| w["ruleName"] == "LegacyKeyValueFormat")
        .unwrap_or_else(|| panic!("no LegacyKeyValueFormat in {json:#}"));
    assert_eq!(legacy["location"]["ranges"][0]["start"]["line"], 3);
    assert_eq!(
        legacy["url"],
        "https://docs.docker.com/go/dockerfile/rule/legacy-key-value-format/"
    );
    let rules: Vec<&str> = warnings
        .iter()
        .filter_map(|w| w["ruleName"].as_str())
        .collect();
    assert_eq!(
        rules,
        [
            "LegacyKeyValueFormat",
            "JSONArgsRecommended",
            "UnusedParameter"
        ],
        "{json:#}"
    );
}

#[test]
fn bk26_call_check_honours_check_skip_and_the_build_arg() {
    let skipped = format!("# check=skip=LegacyKeyValueFormat\n{BUILDFILE}");
    let out = call(&skipped, "check", &[]);
    assert!(
        !stdout(&out).contains("LegacyKeyValueFormat") && stdout(&out).contains("UnusedParameter"),
        "{}: {}",
        out.command,
        out.text()
    );
    let by_arg = call(
        BUILDFILE,
        "check",
        &["--build-arg", "BUILDKIT_DOCKERFILE_CHECK=skip=all"],
    );
    assert!(
        by_arg.success && stdout(&by_arg).contains("Check complete, no warnings found."),
        "{}: {}",
        by_arg.command,
        by_arg.text()
    );
}

/// `# check=error=true`: the finding fails the build, named by its rule, at its line.
#[test]
fn bk26_check_error_true_fails_the_build_at_the_finding() {
    let daemon = daemon("bk26");
    let work = Workspace::new("lint-error");
    work.write(
        "Buildfile",
        with_syntax_line(&format!("# check=error=true\n{BUILDFILE}")),
    );
    let out = daemon.build(
        &[
            "buildx",
            "build",
            "--progress=plain",
            "-f",
            "Buildfile",
            ".",
        ],
        work.path(),
    );
    assert_ran_rustbuild(&out);
    assert!(!out.success, "{}: built despite error=true", out.command);
    let text = out.text();
    assert!(text.contains("LegacyKeyValueFormat"), "{text}");
    assert!(text.contains("ENV MODE production"), "{text}");
}

/// InvalidBaseImagePlatform needs the base image resolved, so only a build reports it: the
/// loopback registry's Windows base (one manifest, windows/amd64) as the base of a
/// linux/amd64 build.
#[test]
fn bk26_a_base_image_of_another_platform_is_a_warning_of_the_build() {
    let daemon = daemon("bk26");
    let work = Workspace::new("lint-platform");
    work.write(
        "Buildfile",
        with_syntax_line("FROM 127.0.0.1:5000/rustbuild/nanoserver:ltsc2022\nLABEL x=y\n"),
    );
    let out = daemon.build(
        &[
            "buildx",
            "build",
            "--progress=plain",
            "--platform=linux/amd64",
            "-f",
            "Buildfile",
            ".",
        ],
        work.path(),
    );
    assert_ran_rustbuild(&out);
    let out = out.ok("a build with a warning");
    assert!(
        out.text().contains(
            "InvalidBaseImagePlatform: Base image 127.0.0.1:5000/rustbuild/nanoserver:ltsc2022 \
             was pulled with platform \"windows/amd64\", expected \"linux/amd64\" for current build (line 2)"
        ),
        "{}",
        out.text()
    );
}
