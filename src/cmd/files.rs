//! The files a Buildfile includes, read from disk for `check` and `llb`: the main file's
//! directory, and the directories given with `--build-context NAME=DIR`; and the paths
//! `exists()` asks about, in the build context (`--context`, else the current directory as
//! for `docker build .`, less what its `.dockerignore` leaves out).

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use rustbuild::load::{Answer, Request, Root};
use rustbuild::source::SourceFile;
use rustbuild::vars::Scope;

use super::scope::BuildFlags;

pub(crate) struct DiskFiles<'a> {
    /// The main file's directory: the current one for standard input.
    main: PathBuf,
    contexts: &'a BTreeMap<String, PathBuf>,
    /// The build context, for `exists()`.
    context: &'a Path,
}

impl<'a> DiskFiles<'a> {
    /// For the Buildfile at `path` (`-` for standard input).
    pub(crate) fn new(path: &str, build: &'a BuildFlags) -> Self {
        let main = match Path::new(path).parent() {
            Some(dir) if path != "-" && !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        };
        Self {
            main,
            contexts: &build.contexts,
            context: &build.context,
        }
    }

    /// Loads `file` with the files it includes, and checks and lints them (with the
    /// context's `.dockerignore`, as the gateway does).
    pub(crate) fn analyze(&self, file: SourceFile, scope: Scope<'_>) -> rustbuild::Analysis {
        let loaded = rustbuild::load::load(file, scope, |request| self.read(request));
        let ignore = self.ignored();
        let lint = rustbuild::lint::Inputs {
            ignore: Some(&ignore),
            check: scope
                .build_args
                .get(rustbuild::lint::BUILD_ARG)
                .map(String::as_str),
        };
        rustbuild::analyze_loaded(loaded, lint)
    }

    /// The context's `.dockerignore` patterns; none when it has none.
    fn ignored(&self) -> Vec<rustbuild::ignore::Pattern> {
        std::fs::read_to_string(self.context.join(".dockerignore"))
            .map(|text| rustbuild::ignore::parse_lines(&text))
            .unwrap_or_default()
    }

    fn read(&self, request: &Request) -> Answer {
        let (dir, searched) = match &request.root {
            Root::Context => {
                let ignored = self.ignored();
                if rustbuild::ignore::excluded_by(&ignored, &request.path).is_some() {
                    return Answer::NotFound("the build context (.dockerignore)".to_owned());
                }
                return match self.context.join(&request.path).try_exists() {
                    Ok(true) => Answer::Found(Vec::new()),
                    Ok(false) => Answer::NotFound("the build context".to_owned()),
                    Err(error) => Answer::Unavailable(format!("the build context: {error}")),
                };
            }
            Root::Main => (&self.main, format!("the directory {}", self.main.display())),
            Root::Named(name) => match self.contexts.get(name) {
                Some(dir) => (
                    dir,
                    format!("the build context `{name}` ({})", dir.display()),
                ),
                None => {
                    return Answer::Unavailable(format!(
                        "`{name}` is not a build context given with `--build-context \
                         {name}=DIR`, and images are not read here"
                    ));
                }
            },
        };
        // The path is clean and relative (load makes sure), so it stays inside `dir`.
        match std::fs::read(dir.join(&request.path)) {
            Ok(bytes) => Answer::Found(bytes),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                Answer::NotFound(searched)
            }
            Err(error) => Answer::NotFound(format!("{searched} (reading it failed: {error})")),
        }
    }
}

/// The display name and the bytes of `path`, or of stdin for `-`.
pub(crate) fn read(path: &str) -> Result<(String, Vec<u8>), String> {
    if path == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        return Ok(("<stdin>".to_owned(), bytes));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    Ok((path.to_owned(), bytes))
}
