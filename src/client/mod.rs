//! Stage 5: `rustbuild build`, the frontend in the client. It opens a session, starts a
//! build with no frontend, and answers it itself over the daemon's LLBBridge forwarder with
//! the code the frontend image runs ([`crate::gateway`]): no frontend container, so any
//! daemon works, Windows ones included, and a cached rebuild starts nothing.
//!
//! | module        | what it does                                                          |
//! |---------------|-----------------------------------------------------------------------|
//! | [`transport`] | which daemon, its socket, Docker's HTTP/1.1 upgrades                  |
//! | [`session`]   | the gRPC server the daemon calls back, over either kind of daemon     |
//! | [`fsync`]     | fsutil's file sync protocol, both ways                                |
//! | [`patterns`]  | the include and exclude patterns the daemon sends, as Go matches them |
//! | [`secrets`]   | `--secret`                                                            |
//! | [`auth`]      | registry credentials from the Docker config                           |
//! | [`export`]    | `-o` and `-t`: the exporter and where its output lands                |
//! | [`progress`]  | `Control.Status` shown as buildx does, with each step's line          |
//! | [`error`]     | a failed build's report, against the failing step's file              |
//! | [`build`]     | one build from start to end                                           |

mod auth;
mod build;
mod error;
mod export;
mod fsync;
mod patterns;
mod progress;
mod secrets;
mod session;
mod transport;

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use crate::diagnostic::Style;

pub use progress::{Mode as ProgressMode, ModeError as ProgressModeError};

/// What `rustbuild build` was asked, before anything is checked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BuildArgs {
    /// The context directory (`PATH`).
    pub context: PathBuf,
    /// `-f`; default `PATH/Buildfile`, else `PATH/Dockerfile`.
    pub file: Option<PathBuf>,
    pub target: Option<String>,
    pub platforms: Vec<String>,
    pub build_args: Vec<(String, String)>,
    pub labels: Vec<(String, String)>,
    /// `--build-context NAME=VALUE`: a directory, or what BuildKit takes as a context
    /// (`docker-image://…`, `target:…`, …).
    pub contexts: Vec<(String, String)>,
    pub secrets: Vec<String>,
    pub outputs: Vec<String>,
    pub tags: Vec<String>,
    pub no_cache: bool,
    pub progress: ProgressMode,
    /// `--addr`.
    pub addr: Option<String>,
    /// `--debug`: the frontend's own log lines too.
    pub debug: bool,
}

/// How a build ended, as an exit code: 0 built, 1 the build failed, 2 bad arguments or no
/// daemon.
pub fn run(args: BuildArgs) -> u8 {
    crate::gateway::set_logging(args.debug);
    let request = match request(&args) {
        Ok(request) => request,
        Err(message) => {
            eprintln!("rustbuild build: {message}");
            return 2;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("rustbuild build: cannot start the async runtime: {e}");
            return 2;
        }
    };
    match runtime.block_on(build::build(request)) {
        Ok(response) => {
            if args.debug {
                for (key, value) in response {
                    eprintln!("rustbuild: exporter response {key}={value}");
                }
            }
            0
        }
        Err(build::Failure::Connect(message)) => {
            eprintln!("rustbuild build: {message}");
            2
        }
        Err(build::Failure::Build(status)) => {
            let style = if std::io::stderr().is_terminal() {
                Style::Fancy
            } else {
                Style::Plain
            };
            eprint!("{}", error::render_status(&status, style));
            1
        }
    }
}

/// Checks the arguments and turns them into a build: the daemon, the frontend options as
/// buildx sends them to dockerfile.v0, the session's directories and secrets, the exporter.
fn request(args: &BuildArgs) -> Result<build::Request, String> {
    let env = |name: &str| std::env::var(name).ok();
    let daemon = transport::Daemon::choose(args.addr.as_deref(), env)?;
    let context = existing_dir(&args.context, "the build context")?;
    let file = buildfile(&context, args.file.as_deref())?;
    let (file_dir, file_name) = split_file(&file)?;
    let mut dirs = BTreeMap::from([
        ("context".to_string(), context),
        ("dockerfile".to_string(), file_dir),
    ]);
    let mut opts = BTreeMap::from([("filename".to_string(), file_name)]);
    if let Some(target) = &args.target {
        opts.insert("target".to_string(), target.clone());
    }
    if !args.platforms.is_empty() {
        opts.insert("platform".to_string(), args.platforms.join(","));
    }
    for (key, value) in &args.build_args {
        opts.insert(format!("build-arg:{key}"), value.clone());
    }
    for (key, value) in &args.labels {
        opts.insert(format!("label:{key}"), value.clone());
    }
    if args.no_cache {
        opts.insert("no-cache".to_string(), String::new());
    }
    for (name, value) in &args.contexts {
        opts.insert(
            format!("context:{name}"),
            named_context(name, value, &mut dirs)?,
        );
    }
    let mut secrets = secrets::Secrets::default();
    for spec in &args.secrets {
        secrets.add(spec)?;
    }
    let export = export::plan(&args.outputs, &args.tags, daemon.is_docker())?;
    Ok(build::Request {
        daemon,
        frontend_opts: opts,
        dirs,
        secrets,
        export,
        display: progress::Display::new(args.progress, Box::new(std::io::stderr())),
    })
}

/// A named context: BuildKit's own forms pass through, anything else is a local directory
/// the session serves under the context's name.
fn named_context(
    name: &str,
    value: &str,
    dirs: &mut BTreeMap<String, PathBuf>,
) -> Result<String, String> {
    const PASSED: &[&str] = &[
        "docker-image://",
        "target:",
        "oci-layout://",
        "input:",
        "https://",
        "http://",
        "git@",
        "git://",
    ];
    if PASSED.iter().any(|prefix| value.starts_with(prefix)) {
        return Ok(value.to_string());
    }
    let dir = existing_dir(Path::new(value), &format!("--build-context {name}"))?;
    if ["context", "dockerfile"].contains(&name) {
        return Err(format!(
            "--build-context `{name}` would replace the build's own `{name}` directory"
        ));
    }
    dirs.insert(name.to_string(), dir);
    Ok(format!("local:{name}"))
}

fn existing_dir(path: &Path, what: &str) -> Result<PathBuf, String> {
    let dir =
        std::fs::canonicalize(path).map_err(|e| format!("{what} `{}`: {e}", path.display()))?;
    if !dir.is_dir() {
        return Err(format!("{what} `{}` is not a directory", path.display()));
    }
    Ok(dir)
}

/// `-f`, else the context's Buildfile, else its Dockerfile (the core is Dockerfile's).
fn buildfile(context: &Path, file: Option<&Path>) -> Result<PathBuf, String> {
    if let Some(file) = file {
        if file == Path::new("-") {
            return Err("-f - (the Buildfile on stdin) is not supported; give a path".to_string());
        }
        return std::fs::canonicalize(file).map_err(|e| format!("-f `{}`: {e}", file.display()));
    }
    // Canonical, so that a Buildfile that is a symlink is read where it points: the file
    // sync sends links as links.
    ["Buildfile", "Dockerfile"]
        .iter()
        .map(|name| context.join(name))
        .find(|path| path.is_file())
        .and_then(|path| std::fs::canonicalize(path).ok())
        .ok_or_else(|| {
            format!(
                "no Buildfile (or Dockerfile) in {}; name one with -f",
                context.display()
            )
        })
}

fn split_file(file: &Path) -> Result<(PathBuf, String), String> {
    match (file.parent(), file.file_name()) {
        (Some(dir), Some(name)) => Ok((dir.to_path_buf(), name.to_string_lossy().into_owned())),
        _ => Err(format!("-f `{}` is not a file", file.display())),
    }
}
