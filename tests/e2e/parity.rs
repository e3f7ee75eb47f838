//! The parity corpus: every case built through rustbuild gives the same filesystem and
//! config as the daemon's own dockerfile.v0 building the same file.

use crate::corpus::{Case, assert_ran_rustbuild, builds, case_names, report};
use crate::daemon::{daemon, tail};
use crate::image;

const NAMES: (&str, &str) = ("dockerfile.v0", "rustbuild");

fn check(daemon_name: &'static str, case_name: &str) {
    let daemon = daemon(daemon_name);
    let case = Case::load(case_name);
    if let Some(reason) = case.skip_reason(daemon) {
        // A skip must stay true: the daemon's dockerfile.v0 really fails on this case.
        let reference = case.build_reference(daemon);
        assert!(
            !reference.success,
            "tests/parity/{}/skip-{daemon_name} is stale: dockerfile.v0 builds the case",
            case.name
        );
        report(&format!(
            "SKIP parity {} on {daemon_name}: {reason}",
            case.name
        ));
        return;
    }
    let built = builds(daemon, &case);
    assert!(
        built.reference.success,
        "dockerfile.v0 cannot build tests/parity/{} on {daemon_name} (a corpus bug, or add a \
         skip-{daemon_name} file with the reason):\n{}",
        case.name,
        tail(&built.reference.text(), 40)
    );
    assert!(
        built.rustbuild.success,
        "rustbuild failed to build tests/parity/{} on {daemon_name}:\n{}",
        case.name,
        tail(&built.rustbuild.text(), 60)
    );
    assert_ran_rustbuild(&built.rustbuild);
    let (reference, rustbuild) = (case.tag("dockerfile-v0"), case.tag("rustbuild"));
    let mut diffs = image::diff_trees(
        &image::filesystem(daemon, &reference),
        &image::filesystem(daemon, &rustbuild),
        NAMES,
    );
    diffs.extend(image::diff_configs(
        &image::config(daemon, &reference),
        &image::config(daemon, &rustbuild),
        NAMES,
    ));
    assert!(
        diffs.is_empty(),
        "tests/parity/{} on {daemon_name}: rustbuild's image differs from dockerfile.v0's:\n  {}",
        case.name,
        diffs.join("\n  ")
    );
}

macro_rules! parity_cases {
    ($($case:ident),* $(,)?) => {
        /// The cases with a test each, as folder names use them (`-` for `_`).
        const CASES: &[&str] = &[$(stringify!($case)),*];

        mod bk20 {
            $(#[test] fn $case() { super::check("bk20", stringify!($case)) })*
        }

        mod bk26 {
            $(#[test] fn $case() { super::check("bk26", stringify!($case)) })*
        }
    };
}

parity_cases!(
    arg_scoping,
    cmd_inherit,
    copy_chmod,
    copy_from_chown,
    copy_globs,
    copy_link,
    dockerignore,
    entrypoint_cmd_exec,
    entrypoint_cmd_shell,
    env_expansion,
    escape_directive,
    from_scratch,
    heredoc_copy,
    heredoc_run,
    labels_expose,
    mount_bind,
    mount_cache,
    mount_secret,
    mount_tmpfs,
    multi_stage,
    platform_args,
    run_exec,
    run_network,
    run_shell,
    target,
    user_workdir,
);

/// Every folder under tests/parity has its test, and every test its folder.
#[test]
fn every_case_has_a_test() {
    let listed: Vec<String> = CASES.iter().map(|c| c.replace('_', "-")).collect();
    assert_eq!(listed, case_names());
}
