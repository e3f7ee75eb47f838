//! The BuildKit daemons started by `scripts/buildkit.sh`, and the `docker` commands run
//! against them. Nothing here starts or stops a daemon: `scripts/test.sh` does that.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Condvar, Mutex, OnceLock};

/// Builds at once per daemon: the machines have 2 cores.
const BUILD_SLOTS: usize = 2;
/// No docker command may hang the suite; a build on a cold cache takes well under this.
const COMMAND_TIMEOUT_SECS: &str = "600";

/// The frontend image `scripts/test.sh` loads into every daemon.
const RUSTBUILD_IMAGE: &str = "local/rustbuild:dev";
/// Manual runs only: another tag of the frontend image to test (an experimental build loaded
/// with `scripts/images.sh frontend NAME BINARY TAG`, leaving others' image alone).
const IMAGE_VAR: &str = "RUSTBUILD_E2E_IMAGE";

pub(crate) fn rustbuild_image() -> String {
    std::env::var(IMAGE_VAR).unwrap_or_else(|_| RUSTBUILD_IMAGE.to_string())
}

/// Set to `dockerfile.v0` in manual runs only, to validate the harness before rustbuild
/// works: the "rustbuild" builds then go through dockerfile.v0 too.
const SELF_CHECK_VAR: &str = "RUSTBUILD_E2E_FRONTEND";

pub(crate) fn self_check() -> bool {
    std::env::var(SELF_CHECK_VAR).as_deref() == Ok("dockerfile.v0")
}

pub(crate) struct Daemon {
    pub(crate) name: &'static str,
    /// The client environment printed by `scripts/buildkit.sh env NAME`.
    env: Vec<(String, String)>,
    docker: String,
    slots: Slots,
}

/// What a finished command left behind.
pub(crate) struct Outcome {
    pub(crate) command: String,
    pub(crate) success: bool,
    /// The exit code; `None` when killed by a signal or not started.
    pub(crate) code: Option<i32>,
    pub(crate) stdout: Vec<u8>,
    pub(crate) stderr: String,
}

impl Outcome {
    /// stdout (as text) and stderr together, for assertions on what a user would see.
    pub(crate) fn text(&self) -> String {
        format!("{}{}", String::from_utf8_lossy(&self.stdout), self.stderr)
    }

    /// Panics with the command's output unless it succeeded.
    pub(crate) fn ok(self, what: &str) -> Self {
        assert!(
            self.success,
            "{what} failed: {}\n{}",
            self.command,
            tail(&self.text(), 60)
        );
        self
    }

    /// Panics with the command's output unless it failed.
    pub(crate) fn failed(self) -> Self {
        assert!(
            !self.success,
            "{}: the build should fail:\n{}",
            self.command,
            tail(&self.text(), 30)
        );
        self
    }

    /// Panics unless the output shows every one of `expected`.
    pub(crate) fn assert_shows(&self, expected: &[&str]) {
        let text = self.text();
        for e in expected {
            assert!(
                text.contains(e),
                "{}: the output does not show {e:?}:\n{}",
                self.command,
                tail(&text, 40)
            );
        }
    }
}

/// The last `lines` lines of `text`: enough to see an error without flooding the log.
pub(crate) fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// The daemon NAME (bk20 or bk26). Panics, telling what to run, if it does not answer: a
/// missing daemon is a failure, never a skip.
pub(crate) fn daemon(name: &'static str) -> &'static Daemon {
    static BK20: OnceLock<Result<Daemon, String>> = OnceLock::new();
    static BK26: OnceLock<Result<Daemon, String>> = OnceLock::new();
    static BK26C: OnceLock<Result<Daemon, String>> = OnceLock::new();
    let cell = match name {
        "bk20" => &BK20,
        "bk26" => &BK26,
        "bk26c" => &BK26C,
        other => panic!("unknown daemon {other}"),
    };
    match cell.get_or_init(|| connect(name)) {
        Ok(daemon) => daemon,
        Err(why) => panic!(
            "daemon {name} is not usable: {why}\n\
             Start the daemons and load the images with scripts/test.sh \
             (or scripts/setup.sh, then scripts/images.sh frontend {name} BINARY)."
        ),
    }
}

fn connect(name: &'static str) -> Result<Daemon, String> {
    let script = repo_root().join("scripts/buildkit.sh");
    let out = Command::new("bash")
        .arg(&script)
        .args(["env", name])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} env {name} failed: {}",
            script.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let env = parse_exports(&String::from_utf8_lossy(&out.stdout));
    let docker = env
        .iter()
        .find(|(k, _)| k == "DOCKER")
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| "docker".to_string());
    let daemon = Daemon {
        name,
        env,
        docker,
        slots: Slots::new(BUILD_SLOTS),
    };
    let version = daemon.run(&["version", "--format", "{{.Server.Version}}"], None);
    if !version.success {
        return Err(format!(
            "`docker version` does not answer:\n{}",
            tail(&version.text(), 5)
        ));
    }
    let frontend = daemon.run(
        &[
            "image",
            "inspect",
            "--format",
            "{{.Id}}",
            &rustbuild_image(),
        ],
        None,
    );
    if !frontend.success && !self_check() {
        return Err(format!(
            "the frontend image {} is not loaded",
            rustbuild_image()
        ));
    }
    Ok(daemon)
}

/// `export KEY='VALUE'` lines, as `buildkit.sh env` prints them.
fn parse_exports(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| line.trim().strip_prefix("export "))
        .filter_map(|assignment| assignment.split_once('='))
        .map(|(key, value)| (key.to_string(), value.trim_matches('\'').to_string()))
        .collect()
}

pub(crate) fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

impl Daemon {
    /// Whether the daemon's own dockerfile.v0 takes `SOURCE_DATE_EPOCH` (BuildKit 0.11 and
    /// later): only then are its images reproducible, and their IDs comparable.
    pub(crate) fn honours_source_date_epoch(&self) -> bool {
        self.name != "bk20"
    }

    /// `docker ARGS` in `dir`, under a timeout.
    pub(crate) fn run(&self, args: &[&str], dir: Option<&Path>) -> Outcome {
        self.run_with(&[], args, dir)
    }

    /// `docker ARGS` with `extra` variables on top of the daemon's client environment.
    pub(crate) fn run_with(
        &self,
        extra: &[(&str, &str)],
        args: &[&str],
        dir: Option<&Path>,
    ) -> Outcome {
        self.program(&self.docker, "docker", extra, args, dir)
    }

    /// `rustbuild ARGS` (the binary under test) in `dir`, with the daemon's client
    /// environment, which names its socket in `DOCKER_HOST`, holding one of its slots.
    pub(crate) fn rustbuild(&self, extra: &[(&str, &str)], args: &[&str], dir: &Path) -> Outcome {
        let _slot = self.slots.acquire();
        self.program(
            env!("CARGO_BIN_EXE_rustbuild"),
            "rustbuild",
            extra,
            args,
            Some(dir),
        )
    }

    fn program(
        &self,
        program: &str,
        name: &str,
        extra: &[(&str, &str)],
        args: &[&str],
        dir: Option<&Path>,
    ) -> Outcome {
        let mut cmd = Command::new("timeout");
        cmd.args(["--kill-after=10", COMMAND_TIMEOUT_SECS, program])
            .args(args);
        cmd.envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        cmd.envs(extra.iter().copied());
        cmd.stdin(Stdio::null());
        if let Some(dir) = dir {
            cmd.current_dir(dir);
        }
        let command = format!("[{}] {name} {}", self.name, args.join(" "));
        match cmd.output() {
            Ok(out) => Outcome {
                command,
                success: out.status.success(),
                code: out.status.code(),
                stdout: out.stdout,
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            },
            Err(e) => Outcome {
                command,
                success: false,
                code: None,
                stdout: Vec::new(),
                stderr: format!("cannot run {program}: {e}"),
            },
        }
    }

    /// A variable of the daemon's client environment (`buildkit.sh env NAME`).
    pub(crate) fn env(&self, key: &str) -> Option<&str> {
        self.env
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A build (any `docker build`/`docker buildx build`), holding one of the daemon's slots.
    pub(crate) fn build(&self, args: &[&str], dir: &Path) -> Outcome {
        self.build_with(&[], args, dir)
    }

    /// [`Daemon::build`] with `extra` variables on top of the client environment.
    pub(crate) fn build_with(&self, extra: &[(&str, &str)], args: &[&str], dir: &Path) -> Outcome {
        let _slot = self.slots.acquire();
        self.run_with(extra, args, Some(dir))
    }
}

/// A counting semaphore: at most N builds per daemon, whatever RUST_TEST_THREADS says.
struct Slots {
    free: Mutex<usize>,
    freed: Condvar,
}

struct Slot<'a>(&'a Slots);

impl Slots {
    fn new(n: usize) -> Self {
        Slots {
            free: Mutex::new(n),
            freed: Condvar::new(),
        }
    }

    fn acquire(&self) -> Slot<'_> {
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        while *free == 0 {
            free = self.freed.wait(free).unwrap_or_else(|e| e.into_inner());
        }
        *free -= 1;
        Slot(self)
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        *self.0.free.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        self.0.freed.notify_one();
    }
}

#[test]
fn exports_are_parsed() {
    let env =
        parse_exports("export DOCKER_HOST='unix:///x/docker.sock'\nexport DOCKER_BUILDKIT=1\n");
    assert_eq!(
        env,
        vec![
            (
                "DOCKER_HOST".to_string(),
                "unix:///x/docker.sock".to_string()
            ),
            ("DOCKER_BUILDKIT".to_string(), "1".to_string()),
        ]
    );
}
