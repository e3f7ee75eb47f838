//! The parity corpus: every case built through rustbuild (the frontend image, and
//! `rustbuild build` with the frontend in the client) gives the same filesystem and config
//! as the daemon's own dockerfile.v0 building the same file (or, where that
//! daemon's dockerfile.v0 is too old for the case, as dockerfile.v0 on bk26).

use crate::corpus::{Case, assert_ran_rustbuild, builds, case_names, report};
use crate::daemon::{daemon, tail};
use crate::image;

const NAMES: (&str, &str) = ("dockerfile.v0", "rustbuild");

/// How rustbuild builds the case.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Via {
    /// `docker build` with a `# syntax=` line: the frontend image.
    Image,
    /// `rustbuild build`: the frontend in the client.
    Client,
}

fn check(daemon_name: &'static str, case_name: &str) {
    compare(daemon_name, case_name, Via::Image);
}

fn check_client(daemon_name: &'static str, case_name: &str) {
    compare(daemon_name, case_name, Via::Client);
}

fn compare(daemon_name: &'static str, case_name: &str, via: Via) {
    let here = daemon(daemon_name);
    let case = Case::load(case_name);
    let built_here = builds(here, &case);
    // The daemon whose dockerfile.v0 gives the reference image: this one, unless its own
    // dockerfile.v0 is too old for the case. rustbuild does not depend on the daemon's
    // Dockerfile version, so it must still build the case here, the same image as
    // dockerfile.v0 on the modern daemon.
    let reference_daemon = match case.skip_reason(here) {
        None => here,
        Some(reason) => {
            // A skip must stay true: the daemon's dockerfile.v0 really fails on this case.
            assert!(
                !built_here.reference.success,
                "{} is stale: dockerfile.v0 builds the case",
                case.skip_file(here).display()
            );
            report(&format!(
                "SKIP parity {} on {daemon_name} for dockerfile.v0: {reason}; \
                 rustbuild there is compared with dockerfile.v0 on bk26",
                case.name
            ));
            daemon("bk26")
        }
    };
    let reference = &builds(reference_daemon, &case).reference;
    assert!(
        reference.success,
        "dockerfile.v0 cannot build tests/parity/{} on {} (a corpus bug, or add a \
         skip-{daemon_name} file with the reason):\n{}",
        case.name,
        reference_daemon.name,
        tail(&reference.text(), 40)
    );
    let client;
    let rustbuild = match via {
        Via::Image => &built_here.rustbuild,
        Via::Client => {
            client = case.build_client(here);
            &client
        }
    };
    assert!(
        rustbuild.success,
        "rustbuild failed to build tests/parity/{} on {daemon_name}: {}\n{}",
        case.name,
        rustbuild.command,
        tail(&rustbuild.text(), 60)
    );
    let built = match via {
        Via::Image => {
            assert_ran_rustbuild(rustbuild);
            "rustbuild"
        }
        Via::Client => "client",
    };
    let (reference, rustbuild) = (case.tag("dockerfile-v0"), case.tag(built));
    let mut diffs = image::diff_trees(
        &image::filesystem(reference_daemon, &reference),
        &image::filesystem(here, &rustbuild),
        NAMES,
    );
    diffs.extend(image::diff_configs(
        &image::config(reference_daemon, &reference),
        &image::config(here, &rustbuild),
        NAMES,
    ));
    assert!(
        diffs.is_empty(),
        "tests/parity/{}: rustbuild's image on {daemon_name} differs from \
         dockerfile.v0's on {}:\n  {}",
        case.name,
        reference_daemon.name,
        diffs.join("\n  ")
    );
    // Same files and fields is not yet the same image: the IDs hash the config's bytes.
    if reference_daemon.name == here.name && here.honours_source_date_epoch() {
        assert_eq!(
            image::id(here, &rustbuild),
            image::id(here, &reference),
            "tests/parity/{}: rustbuild's image ID on {daemon_name} differs from \
             dockerfile.v0's; their configs:\n{}\n{}",
            case.name,
            image::raw_config(here, &reference),
            image::raw_config(here, &rustbuild),
        );
    }
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

        /// `rustbuild build` on each daemon.
        mod client_bk20 {
            $(#[test] fn $case() { super::check_client("bk20", stringify!($case)) })*
        }

        mod client_bk26 {
            $(#[test] fn $case() { super::check_client("bk26", stringify!($case)) })*
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
