//! The parity corpus under tests/parity: one folder per case with a Buildfile (no syntax
//! line), its context files, and optionally `flags` (extra `docker build` arguments, one per
//! line) and `skip-<daemon>` (why that daemon's own dockerfile.v0 cannot build the case).
//!
//! Each case is built twice per daemon, through dockerfile.v0 and then through rustbuild.
//! The pair is built once per test process and shared by the tests that need it, so no
//! test depends on another having run first. (The cache figures build their own pair, on a
//! base image of their own: see `cache`.)

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use crate::daemon::{Daemon, Outcome, repo_root, rustbuild_image, self_check};
use crate::workspace::Workspace;

pub(crate) struct Case {
    pub(crate) name: String,
    pub(crate) dir: PathBuf,
    pub(crate) flags: Vec<String>,
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum Frontend {
    /// The daemon's built-in dockerfile.v0.
    Dockerfile,
    /// The frontend image, selected by a `# syntax=` line.
    Rustbuild,
}

/// Both builds of one case on one daemon.
pub(crate) struct Builds {
    pub(crate) reference: Outcome,
    pub(crate) rustbuild: Outcome,
}

impl Case {
    /// `name` with `_` standing for `-`, as test function names need.
    pub(crate) fn load(name: &str) -> Case {
        let name = name.replace('_', "-");
        let dir = parity_dir().join(&name);
        assert!(
            dir.join("Buildfile").is_file(),
            "no Buildfile in {}",
            dir.display()
        );
        let flags = std::fs::read_to_string(dir.join("flags"))
            .unwrap_or_default()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(String::from)
            .collect();
        Case { name, dir, flags }
    }

    /// Why `daemon`'s dockerfile.v0 cannot build this case, if it cannot.
    pub(crate) fn skip_reason(&self, daemon: &Daemon) -> Option<String> {
        let reason = std::fs::read_to_string(self.skip_file(daemon)).ok()?;
        Some(reason.trim().to_string())
    }

    /// `skip-<daemon>`: why the daemon's own dockerfile.v0 cannot build the case.
    pub(crate) fn skip_file(&self, daemon: &Daemon) -> PathBuf {
        self.dir.join(format!("skip-{}", daemon.name))
    }

    pub(crate) fn tag(&self, frontend: &str) -> String {
        format!("rustbuild-e2e/{}:{frontend}", self.name)
    }

    /// The Buildfile as it is, through the daemon's built-in dockerfile.v0.
    pub(crate) fn build_reference(&self, daemon: &Daemon) -> Outcome {
        self.build_pair_member(daemon, Frontend::Dockerfile, "dockerfile-v0")
    }

    pub(crate) fn build_rustbuild(&self, daemon: &Daemon) -> Outcome {
        self.build_pair_member(daemon, Frontend::Rustbuild, "rustbuild")
    }

    /// The case through `rustbuild build`, the frontend in the client, tagged like the pair.
    pub(crate) fn build_client(&self, daemon: &Daemon) -> Outcome {
        let tag = self.tag("client");
        let mut args = vec!["build", "--progress=plain", "-f", "Buildfile", "-t", &tag];
        if daemon.honours_source_date_epoch() {
            args.extend(["--build-arg", "SOURCE_DATE_EPOCH=0"]);
        }
        args.extend(self.flags.iter().map(String::as_str));
        args.push(".");
        daemon.rustbuild(&[], &args, &self.dir)
    }

    /// One of the pair, tagged; reproducible (`SOURCE_DATE_EPOCH=0`) where the daemon's
    /// dockerfile.v0 can be, so that the two image IDs can be compared.
    fn build_pair_member(&self, daemon: &Daemon, frontend: Frontend, tag: &str) -> Outcome {
        let tag = self.tag(tag);
        let mut output = vec!["-t", &tag];
        if daemon.honours_source_date_epoch() {
            output.extend(["--build-arg", "SOURCE_DATE_EPOCH=0"]);
        }
        self.build(daemon, frontend, &output)
    }

    /// `docker build` of the case with its flags and `output` (`-t TAG`, `-o …`). rustbuild
    /// gets the same text with a syntax line, in a file outside the context folder so the
    /// context is the same for both builds.
    pub(crate) fn build(&self, daemon: &Daemon, frontend: Frontend, output: &[&str]) -> Outcome {
        let work = Workspace::new(&self.name);
        let file = match frontend {
            Frontend::Dockerfile => self.dir.join("Buildfile"),
            Frontend::Rustbuild => work.write("Buildfile", with_syntax_line(&self.text())),
        };
        self.build_file(daemon, &file, output)
    }

    /// The Buildfile's text.
    pub(crate) fn text(&self) -> String {
        std::fs::read_to_string(self.dir.join("Buildfile")).unwrap_or_default()
    }

    /// [`Case::build`] of another text of the Buildfile (kept outside the context folder).
    pub(crate) fn build_text(
        &self,
        daemon: &Daemon,
        frontend: Frontend,
        text: &str,
        output: &[&str],
    ) -> Outcome {
        let work = Workspace::new(&self.name);
        let text = match frontend {
            Frontend::Dockerfile => text.to_string(),
            Frontend::Rustbuild => with_syntax_line(text),
        };
        let file = work.write("Buildfile", text);
        self.build_file(daemon, &file, output)
    }

    fn build_file(&self, daemon: &Daemon, file: &std::path::Path, output: &[&str]) -> Outcome {
        let file = file.to_string_lossy();
        let mut args = vec!["build", "--progress=plain", "-f", &file];
        args.extend(output);
        args.extend(self.flags.iter().map(String::as_str));
        args.push(".");
        daemon.build(&args, &self.dir)
    }
}

/// dockerfile.v0 then rustbuild, once per (daemon, case) in this process.
pub(crate) fn builds(daemon: &'static Daemon, case: &Case) -> Arc<Builds> {
    type Cell = Arc<OnceLock<Arc<Builds>>>;
    static BUILT: OnceLock<Mutex<HashMap<(String, String), Cell>>> = OnceLock::new();
    let key = (daemon.name.to_string(), case.name.clone());
    let cell = BUILT
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(key)
        .or_default()
        .clone();
    cell.get_or_init(|| {
        let reference = case.build_reference(daemon);
        let rustbuild = case.build_rustbuild(daemon);
        Arc::new(Builds {
            reference,
            rustbuild,
        })
    })
    .clone()
}

/// `text` with the syntax line that selects rustbuild. In a self-check run, a comment keeps
/// the line numbers the same, unless the file starts with a directive (`# escape=`), which
/// must stay before any comment.
pub(crate) fn with_syntax_line(text: &str) -> String {
    if !self_check() {
        return format!("# syntax={}\n{text}", rustbuild_image());
    }
    report("SELF-CHECK RUN: \"rustbuild\" builds use dockerfile.v0 (RUSTBUILD_E2E_FRONTEND)");
    if text.starts_with("# ") {
        text.to_string()
    } else {
        format!("# e2e self-check: dockerfile.v0\n{text}")
    }
}

/// Panics unless `out` is the output of a build that ran the rustbuild frontend image: a
/// comparison with a build that fell back to dockerfile.v0 would prove nothing.
pub(crate) fn assert_ran_rustbuild(out: &Outcome) {
    if self_check() {
        return;
    }
    let frontend = format!("docker-image://docker.io/{}", rustbuild_image());
    assert!(
        out.text().contains(&frontend),
        "{}: the build did not run the frontend ({frontend}):\n{}",
        out.command,
        crate::daemon::tail(&out.text(), 30)
    );
}

pub(crate) fn parity_dir() -> PathBuf {
    repo_root().join("tests/parity")
}

/// Every case folder, sorted.
pub(crate) fn case_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(parity_dir())
        .unwrap_or_else(|e| panic!("tests/parity: {e}"))
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A line for the test log that shows even when libtest captures output (skips and figures
/// must be visible in every run).
pub(crate) fn report(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}
