//! The LLB each frontend hands BuildKit, compared op by op: the exact form of "rustbuild
//! shares dockerfile.v0's build cache", unaffected by what earlier runs left in the cache.
//! BuildKit 0.13 records the solved Definition in its SLSA provenance (`--provenance=mode=max`),
//! which buildx exports next to the files on the containerd image store daemon (bk26c).
//! Every case must give identical ops; there is no deliberate difference today (one would
//! be listed here per case, with its reason). The comparison is printed either way.
//! (It is stricter than the cache: BuildKit's cache key of a file op cleans paths, so a copy
//! from `/out/` would still hit the cache of dockerfile.v0's copy from `/out`.)

use serde_json::Value;

use crate::corpus::{Case, Frontend, case_names, report};
use crate::daemon::{Daemon, daemon, tail};
use crate::workspace::Workspace;

/// The ops of the Definition BuildKit solved for `case` through `frontend`.
fn definition(daemon: &Daemon, case: &Case, frontend: Frontend) -> Result<Vec<String>, String> {
    let work = Workspace::new("llb");
    let dest = work.path().join("out");
    let output = format!("type=local,dest={}", dest.display());
    let built = case.build(daemon, frontend, &["--provenance=mode=max", "-o", &output]);
    if !built.success {
        return Err(format!(
            "{frontend:?} build failed:\n{}",
            tail(&built.text(), 12)
        ));
    }
    let path = dest.join("provenance.json");
    let text = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let provenance: Value =
        serde_json::from_slice(&text).map_err(|e| format!("provenance: {e}"))?;
    let predicate = provenance.get("predicate").unwrap_or(&provenance);
    let ops = predicate["buildConfig"]["llbDefinition"]
        .as_array()
        .filter(|ops| !ops.is_empty())
        .ok_or("the provenance holds no llbDefinition")?;
    Ok(ops.iter().map(Value::to_string).collect())
}

/// The ops only one side has (BuildKit numbers them `step0`… in the same walk for both).
fn diff(reference: &[String], rustbuild: &[String]) -> Vec<String> {
    let only = |a: &[String], b: &[String], who: &str| -> Vec<String> {
        a.iter()
            .filter(|op| !b.contains(op))
            .map(|op| format!("    only {who}: {op}"))
            .collect()
    };
    let mut lines = only(reference, rustbuild, "dockerfile.v0");
    lines.extend(only(rustbuild, reference, "rustbuild"));
    lines
}

/// One case compared: its report line, and the ops only one side has.
struct Comparison {
    line: String,
    diffs: Vec<String>,
}

/// One case: the comparison, or why a build failed.
fn compare(daemon: &Daemon, name: &str) -> Result<Comparison, String> {
    let case = Case::load(name);
    let reference = definition(daemon, &case, Frontend::Dockerfile)?;
    let rustbuild = definition(daemon, &case, Frontend::Rustbuild)?;
    let diffs = diff(&reference, &rustbuild);
    let verdict = if diffs.is_empty() {
        "identical"
    } else {
        "DIFFERENT"
    };
    Ok(Comparison {
        line: format!("  {name:<22} {verdict} ({} ops)", reference.len()),
        diffs,
    })
}

#[test]
fn bk26c_llb_is_dockerfile_llb() {
    let daemon = daemon("bk26c");
    let names = case_names();
    // two cases at a time: the builds are short and mostly wait on the daemon
    let results: Vec<Result<Comparison, String>> = std::thread::scope(|s| {
        let halves = names.chunks(names.len().div_ceil(2));
        let workers: Vec<_> = halves
            .map(|half| {
                s.spawn(move || half.iter().map(|n| compare(daemon, n)).collect::<Vec<_>>())
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    let mut lines = Vec::new();
    let mut failures = Vec::new();
    for (name, result) in names.iter().zip(results) {
        match result {
            Ok(comparison) => {
                lines.push(comparison.line);
                lines.extend(comparison.diffs.iter().cloned());
                if !comparison.diffs.is_empty() {
                    failures.push(format!(
                        "{name}: rustbuild's LLB differs from dockerfile.v0's:\n{}",
                        comparison.diffs.join("\n")
                    ));
                }
            }
            Err(why) => failures.push(format!("{name}: {why}")),
        }
    }
    report(&format!(
        "LLB on bk26c: rustbuild vs dockerfile.v0\n{}",
        lines.join("\n")
    ));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn only_differing_ops_are_listed() {
    let a = vec!["{\"op\":1}".to_string(), "{\"op\":2}".to_string()];
    let b = vec!["{\"op\":1}".to_string(), "{\"op\":3}".to_string()];
    assert_eq!(
        diff(&a, &b),
        vec![
            "    only dockerfile.v0: {\"op\":2}",
            "    only rustbuild: {\"op\":3}"
        ]
    );
    assert!(diff(&a, &a).is_empty());
}
