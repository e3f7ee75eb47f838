//! How much of dockerfile.v0's build cache rustbuild reuses: after dockerfile.v0 built a
//! corpus case, rustbuild builds it again, and `--progress=plain` tells which steps were
//! CACHED. Every step must be: rustbuild sends the same LLB, so BuildKit finds each step's
//! result under the same cache key. The figures are printed either way, and so are the
//! `[…]` progress names only one build showed (recorded, not asserted: known differences
//! remain, e.g. which stage's name an image shared by several FROMs gets, and BuildKit
//! 0.8's dockerfile.v0 not naming the only stage `stage-0` for secret and tmpfs mounts).
//!
//! A warm daemon would also hit results rustbuild itself left there in earlier runs, hiding
//! a difference from dockerfile.v0. So each run builds on a base image of its own
//! (`local/busybox:latest` plus a layer naming the run; BuildKit keys an image by its
//! layers, so a label would not do): new cache keys for every step, which only this run's
//! dockerfile.v0 build can have filled.

use std::collections::{BTreeMap, BTreeSet};

use crate::corpus::{Case, Frontend, case_names, report};
use crate::daemon::{Daemon, daemon, tail};
use crate::workspace::Workspace;

/// The base image every corpus case starts from (scripts/images.sh busybox).
const BASE: &str = "local/busybox:latest";

/// Steps of one build, as `--progress=plain` reports them.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Figure {
    pub(crate) steps: usize,
    pub(crate) cached: usize,
}

/// Counts the build steps (vertices named like `[2/3] RUN …` or `[build 2/4] COPY …`) and
/// those among them reported `CACHED`. FROM steps are left out: an image source is never
/// reported CACHED by BuildKit 0.13, whoever built before.
pub(crate) fn count(progress: &str) -> Figure {
    let names = vertices(progress);
    let cached: BTreeSet<&str> = progress_lines(progress)
        .filter(|(_, rest)| rest.trim() == "CACHED")
        .map(|(id, _)| id)
        .collect();
    let steps: Vec<&str> = names
        .iter()
        .filter(|(_, n)| is_step(n))
        .map(|(id, _)| *id)
        .collect();
    Figure {
        steps: steps.len(),
        cached: steps.iter().filter(|id| cached.contains(*id)).count(),
    }
}

/// The `#N rest` lines of plain progress output, as (`#N`, rest).
fn progress_lines(progress: &str) -> impl Iterator<Item = (&str, &str)> {
    progress.lines().filter_map(|line| {
        let (id, rest) = line.split_once(' ')?;
        let numbered = id.len() > 1 && id[1..].chars().all(|c| c.is_ascii_digit());
        (id.starts_with('#') && numbered).then_some((id, rest))
    })
}

/// Each vertex's name: the first line of its id.
fn vertices(progress: &str) -> BTreeMap<&str, &str> {
    let mut names = BTreeMap::new();
    for (id, rest) in progress_lines(progress) {
        names.entry(id).or_insert(rest);
    }
    names
}

/// The `[…]` progress names only one of two builds shows (`<` dockerfile.v0, `>` rustbuild).
fn name_differences(reference: &str, rustbuild: &str) -> Vec<String> {
    let bracketed = |progress| -> BTreeSet<&str> {
        vertices(progress)
            .into_values()
            .filter(|n| n.starts_with('['))
            .collect()
    };
    let (a, b) = (bracketed(reference), bracketed(rustbuild));
    let only_a = a.difference(&b).map(|n| format!("    < {n}"));
    only_a
        .chain(b.difference(&a).map(|n| format!("    > {n}")))
        .collect()
}

/// `[2/3] RUN …`, `[stage-1 4/5] COPY …`: a bracket whose last word is `N/M`, not a FROM.
fn is_step(name: &str) -> bool {
    let Some((inside, instruction)) = name.strip_prefix('[').and_then(|n| n.split_once(']')) else {
        return false;
    };
    if instruction.trim_start().starts_with("FROM ") {
        return false;
    }
    let last = inside.rsplit(' ').next().unwrap_or("");
    last.split_once('/').is_some_and(|(n, m)| {
        [n, m]
            .iter()
            .all(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()))
    })
}

/// Why `figure` (rustbuild's build) falls short of reusing all of `reference`'s steps.
fn shortfall(figure: &Figure, reference: &Figure) -> Option<String> {
    if figure.steps != reference.steps {
        return Some(format!(
            "{} steps, dockerfile.v0 had {}",
            figure.steps, reference.steps
        ));
    }
    (figure.cached != figure.steps).then(|| {
        format!(
            "{} of {} steps not CACHED",
            figure.steps - figure.cached,
            figure.steps
        )
    })
}

/// [`BASE`] with a layer naming this run: an image no earlier run built on.
fn fresh_base(daemon: &Daemon) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let run = format!("{}-{nanos}", std::process::id());
    let tag = format!("local/busybox:e2e-cache-{run}");
    let work = Workspace::new("fresh-base");
    work.write(
        "Dockerfile",
        format!("FROM {BASE}\nRUN echo {run} > /.rustbuild-e2e-run\n"),
    );
    daemon
        .build(&["build", "-q", "-t", &tag, "."], work.path())
        .ok("building the fresh base image");
    tag
}

fn record(daemon_name: &'static str) {
    let daemon = daemon(daemon_name);
    let base = fresh_base(daemon);
    let mut lines = Vec::new();
    let mut failures = Vec::new();
    for name in case_names() {
        let case = Case::load(&name);
        if case.skip_reason(daemon).is_some() {
            lines.push(format!("  {name:<22} skipped (see skip-{daemon_name})"));
            continue;
        }
        let text = case.text().replace(BASE, &base);
        let tag = |frontend: &str| format!("rustbuild-e2e-cache/{name}:{frontend}");
        let dockerfile_tag = tag("dockerfile-v0");
        let built = case.build_text(
            daemon,
            Frontend::Dockerfile,
            &text,
            &["-t", &dockerfile_tag],
        );
        if !built.success {
            failures.push(format!(
                "{name}: dockerfile.v0 failed, so there is no cache to reuse:\n{}",
                tail(&built.text(), 15)
            ));
            continue;
        }
        let rustbuild_tag = tag("rustbuild");
        let rebuilt = case.build_text(daemon, Frontend::Rustbuild, &text, &["-t", &rustbuild_tag]);
        if !rebuilt.success {
            failures.push(format!(
                "{name}: rustbuild failed:\n{}",
                tail(&rebuilt.text(), 15)
            ));
            continue;
        }
        let names = name_differences(&built.stderr, &rebuilt.stderr);
        let reference = count(&built.stderr);
        let figure = count(&rebuilt.stderr);
        if let Some(why) = shortfall(&figure, &reference) {
            failures.push(format!(
                "{name}: rustbuild after dockerfile.v0: {why}:\n{}",
                tail(&rebuilt.stderr, 25)
            ));
        }
        lines.push(format!(
            "  {name:<22} {}/{} steps CACHED (dockerfile.v0 had {} steps)",
            figure.cached, figure.steps, reference.steps
        ));
        if !names.is_empty() {
            lines.push("    progress names only one build showed:".to_string());
            lines.extend(names);
        }
    }
    // the case images keep the layers; only the run's tag goes
    let _ = daemon.run(&["rmi", &base], None);
    report(&format!(
        "CACHE on {daemon_name}: rustbuild after dockerfile.v0, on {base}\n{}",
        lines.join("\n")
    ));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn bk20_cached_after_dockerfile() {
    record("bk20");
}

#[test]
fn bk26_cached_after_dockerfile() {
    record("bk26");
}

#[test]
fn anything_short_of_every_step_cached_fails() {
    let figure = |steps, cached| Figure { steps, cached };
    assert_eq!(shortfall(&figure(4, 4), &figure(4, 0)), None);
    assert_eq!(shortfall(&figure(0, 0), &figure(0, 0)), None);
    assert_eq!(
        shortfall(&figure(4, 3), &figure(4, 4)).as_deref(),
        Some("1 of 4 steps not CACHED")
    );
    assert_eq!(
        shortfall(&figure(0, 0), &figure(3, 3)).as_deref(),
        Some("0 steps, dockerfile.v0 had 3")
    );
    assert_eq!(
        shortfall(&figure(5, 5), &figure(4, 4)).as_deref(),
        Some("5 steps, dockerfile.v0 had 4")
    );
}

#[test]
fn plain_progress_is_counted() {
    let bk26 = "#1 [internal] load build definition from Buildfile\n#1 DONE 0.0s\n\
                #5 [1/3] FROM docker.io/local/busybox:latest\n#5 CACHED\n\
                #6 [build 2/3] RUN echo hi\n#6 0.102 hi\n#6 DONE 0.2s\n\
                #7 [3/3] COPY a /b\n#7 CACHED\n#8 exporting to image\n#8 DONE 0.1s\n";
    assert_eq!(
        count(bk26),
        Figure {
            steps: 2,
            cached: 1
        }
    );
    let bk20 = "#4 [2/2] RUN true\n#4 sha256:abc\n#4 CACHED\n#3 [internal] load metadata\n";
    assert_eq!(
        count(bk20),
        Figure {
            steps: 1,
            cached: 1
        }
    );
    assert_eq!(
        name_differences(bk26, &bk26.replace("[build 2/3]", "[2/3]")),
        ["    < [build 2/3] RUN echo hi", "    > [2/3] RUN echo hi"]
    );
    assert!(name_differences(bk26, bk26).is_empty());
    assert!(!is_step("[internal] load .dockerignore"));
    assert!(!is_step("[base 1/2] FROM docker.io/local/busybox:latest"));
    assert!(is_step("[linux/arm64 2/3] COPY x y"));
}
