//! A build through rustbuild against the same build written out by hand as a plain
//! Dockerfile and built by the daemon's dockerfile.v0: the same files, the same config, and
//! where the daemon is reproducible the same image ID. What INCLUDE and the language's
//! blocks are held to.

use crate::corpus::assert_ran_rustbuild;
use crate::daemon::{Daemon, Outcome, daemon, tail};
use crate::image;
use crate::workspace::Workspace;

const NAMES: (&str, &str) = ("dockerfile.v0", "rustbuild");

/// `client` (`build` or `buildx build`) of `file` in `work`, tagged, reproducible where the
/// daemon can be.
pub(crate) fn build(
    daemon: &Daemon,
    work: &Workspace,
    client: &[&str],
    file: &str,
    tag: &str,
    extra: &[&str],
) -> Outcome {
    let mut args = client.to_vec();
    args.extend(["--progress=plain", "-f", file, "-t", tag]);
    if daemon.honours_source_date_epoch() {
        args.extend(["--build-arg", "SOURCE_DATE_EPOCH=0"]);
    }
    args.extend(extra);
    args.push(".");
    daemon.build(&args, work.path())
}

/// Builds `file` through rustbuild and `Dockerfile.by-hand` through dockerfile.v0, and
/// compares the two images.
pub(crate) fn same_as_by_hand(
    daemon_name: &'static str,
    work: &Workspace,
    client: &[&str],
    file: &str,
    extra: &[&str],
) {
    let daemon = daemon(daemon_name);
    let label = work
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let (ours, theirs) = (
        format!("rustbuild-e2e/{label}:rustbuild"),
        format!("rustbuild-e2e/{label}:dockerfile-v0"),
    );
    let built = build(daemon, work, client, file, &ours, extra);
    assert!(
        built.success,
        "{}:\n{}",
        built.command,
        tail(&built.text(), 60)
    );
    assert_ran_rustbuild(&built);
    let reference = build(daemon, work, &["build"], "Dockerfile.by-hand", &theirs, &[]);
    assert!(
        reference.success,
        "{}:\n{}",
        reference.command,
        tail(&reference.text(), 40)
    );
    let mut diffs = image::diff_trees(
        &image::filesystem(daemon, &theirs),
        &image::filesystem(daemon, &ours),
        NAMES,
    );
    diffs.extend(image::diff_configs(
        &image::config(daemon, &theirs),
        &image::config(daemon, &ours),
        NAMES,
    ));
    assert!(
        diffs.is_empty(),
        "{file} on {daemon_name}:\n  {}",
        diffs.join("\n  ")
    );
    if daemon.honours_source_date_epoch() {
        assert_eq!(
            image::id(daemon, &ours),
            image::id(daemon, &theirs),
            "{file} on {daemon_name}: the image IDs differ; configs:\n{}\n{}",
            image::raw_config(daemon, &theirs),
            image::raw_config(daemon, &ours),
        );
    }
}

/// `buildx build -f Buildfile .` in `work`, which must fail, through rustbuild.
pub(crate) fn failing_buildx(daemon: &Daemon, work: &Workspace) -> Outcome {
    let args = [
        "buildx",
        "build",
        "--progress=plain",
        "-f",
        "Buildfile",
        ".",
    ];
    let out = daemon.build(&args, work.path()).failed();
    assert_ran_rustbuild(&out);
    out
}

/// [`same_as_by_hand`] of `Buildfile` in a new workspace that `write` fills: with buildx on
/// bk26, with `docker build` on bk20.
pub(crate) fn buildfile_same_as_by_hand(
    daemon_name: &'static str,
    label: &str,
    write: fn(&Workspace),
) {
    let work = Workspace::new(&format!("{label}-{daemon_name}"));
    write(&work);
    let client: &[&str] = match daemon_name {
        "bk20" => &["build"],
        _ => &["buildx", "build"],
    };
    same_as_by_hand(daemon_name, &work, client, "Buildfile", &[]);
}
