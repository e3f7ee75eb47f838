//! The files INCLUDE names, read through BuildKit for `load`.
//!
//! One round of `load`'s requests costs one Solve per root and a ReadFile per file:
//! - the main file's directory is the `dockerfile` local again, restricted to the files
//!   asked for (`followpaths`), or the frontend input the Buildfile itself came from;
//! - `exists()` stats paths of the `context` local, restricted to them;
//! - `--from=NAME` is the named context `context:NAME` (`local:DIR`, `docker-image://REF`
//!   or the frontend input `input:NAME`) when the build has one, else the image NAME.

use std::collections::BTreeMap;

use crate::llb::{Graph, OpMeta};
use crate::load::{Answer, Load, Loaded, Request, Root};
use crate::lower::NamedContext;
use crate::platform::Platform;
use crate::source::SourceFile;
use crate::vars::Scope;

use super::client::Bridge;
use super::files::{self, BuildSource};
use super::log;
use super::options::FrontendOptions;

/// The files read so far, for the next load of the same build (another target platform).
pub(crate) type Read = BTreeMap<Request, Answer>;

/// Loads the Buildfile of `source` with the files it includes; a file in `read` is not
/// asked for again.
pub(crate) async fn load(
    bridge: &mut Bridge,
    source: &BuildSource,
    opts: &FrontendOptions,
    session_id: &str,
    scope: Scope<'_>,
    read: &mut Read,
) -> Loaded {
    let main: SourceFile = source.file.clone();
    let mut load = Load::new(main, scope);
    loop {
        let wanted = load.wants();
        if wanted.is_empty() {
            return load.finish();
        }
        let mut by_root: BTreeMap<Root, Vec<Request>> = BTreeMap::new();
        for request in wanted {
            match read.get(&request) {
                Some(answer) => load.give(request, answer.clone()),
                None => by_root
                    .entry(request.root.clone())
                    .or_default()
                    .push(request),
            }
        }
        for (root, requests) in by_root {
            let paths: Vec<String> = requests.iter().map(|r| r.path.clone()).collect();
            let answers = read_root(bridge, source, opts, session_id, scope, &root, &paths).await;
            for (request, answer) in requests.into_iter().zip(answers) {
                read.insert(request.clone(), answer.clone());
                load.give(request, answer);
            }
        }
    }
}

/// The answers for `paths` inside `root`, in order.
async fn read_root(
    bridge: &mut Bridge,
    source: &BuildSource,
    opts: &FrontendOptions,
    session_id: &str,
    scope: Scope<'_>,
    root: &Root,
    paths: &[String],
) -> Vec<Answer> {
    let (reference, searched) = match root {
        Root::Context => return context_paths(bridge, source, session_id, paths).await,
        Root::Main => {
            let searched = "the Buildfile's directory (the `dockerfile` local)".to_owned();
            (
                main_root(bridge, source, opts, session_id, paths).await,
                searched,
            )
        }
        Root::Named(name) => match opts.named_contexts.get(&name.to_ascii_lowercase()) {
            Some(NamedContext::Local(dir)) => {
                let searched = format!("the build context `{name}`");
                let definition = files::local_definition(
                    &bridge.caps.llb,
                    dir,
                    session_id,
                    paths,
                    dir,
                    format!("[internal] load files to include from {name}"),
                )
                .0;
                (bridge.solve(definition, Vec::new()).await, searched)
            }
            Some(NamedContext::Input(input)) => {
                let searched = format!("the frontend input `{input}` (the build context `{name}`)");
                (input_root(bridge, input).await, searched)
            }
            Some(NamedContext::Image(reference)) => {
                let searched = format!("the image `{reference}` (the build context `{name}`)");
                (
                    image_root(bridge, reference, scope.build_platform).await,
                    searched,
                )
            }
            None => {
                let searched = format!("the image `{name}`");
                (
                    image_root(bridge, name, scope.build_platform).await,
                    searched,
                )
            }
        },
    };
    let reference = match reference {
        Ok(reference) => reference,
        Err(error) => {
            let why = format!("{searched} could not be read: {error}");
            log!("{why}");
            return paths
                .iter()
                .map(|_| Answer::NotFound(why.clone()))
                .collect();
        }
    };
    let mut answers = Vec::new();
    for path in paths {
        answers.push(match bridge.read_file(&reference, path).await {
            Ok(bytes) => Answer::Found(bytes),
            Err(_) => Answer::NotFound(searched.clone()),
        });
    }
    answers
}

/// Whether each of `paths` exists in the build context: one Solve of the `context` local
/// restricted to them, and a StatFile each. A path the ignore file leaves out is not in the
/// context, as COPY sees it.
async fn context_paths(
    bridge: &mut Bridge,
    source: &BuildSource,
    session_id: &str,
    paths: &[String],
) -> Vec<Answer> {
    let (definition, _) = files::local_definition(
        &bridge.caps.llb,
        "context",
        session_id,
        paths,
        "context",
        "[internal] load the paths `exists()` checks".to_owned(),
    );
    let reference = match bridge.solve(definition, Vec::new()).await {
        Ok(reference) => reference,
        Err(error) => {
            let why = format!("the build context could not be read: {error}");
            return paths
                .iter()
                .map(|_| Answer::Unavailable(why.clone()))
                .collect();
        }
    };
    let mut answers = Vec::new();
    for path in paths {
        if crate::ignore::excluded_by(&source.ignore.patterns, path).is_some() {
            answers.push(Answer::NotFound(format!(
                "the build context ({})",
                source.ignore.name
            )));
            continue;
        }
        answers.push(match bridge.exists(&reference, path).await {
            Ok(true) => Answer::Found(Vec::new()),
            Ok(false) => Answer::NotFound("the build context".to_owned()),
            Err(error) => Answer::Unavailable(error.to_string()),
        });
    }
    answers
}

/// The main file's directory with `paths` in it: the frontend input the Buildfile came
/// from, or the `dockerfile` local restricted to them.
async fn main_root(
    bridge: &mut Bridge,
    source: &BuildSource,
    opts: &FrontendOptions,
    session_id: &str,
    paths: &[String],
) -> Result<String, super::client::BridgeError> {
    if let Some(input) = &source.input {
        return bridge.solve(input.clone(), Vec::new()).await;
    }
    let (definition, _) = files::local_definition(
        &bridge.caps.llb,
        &opts.dockerfile_key,
        session_id,
        paths,
        "dockerfile",
        "[internal] load files to include".to_owned(),
    );
    bridge.solve(definition, Vec::new()).await
}

/// A frontend input's filesystem, for a context given as `input:NAME`.
async fn input_root(
    bridge: &mut Bridge,
    input: &str,
) -> Result<String, super::client::BridgeError> {
    let inputs = bridge.inputs().await?;
    let definition = inputs.get(input).cloned().ok_or_else(|| {
        super::client::BridgeError::new(format!("the frontend has no input `{input}`"))
    })?;
    bridge.solve(definition, Vec::new()).await
}

/// An image's filesystem, for `INCLUDE --from=IMAGE`.
async fn image_root(
    bridge: &mut Bridge,
    reference: &str,
    platform: &Platform,
) -> Result<String, super::client::BridgeError> {
    let normalized =
        crate::lower::normalize_reference(reference).map_err(super::client::BridgeError::new)?;
    let mut graph = Graph::with_caps(bridge.caps.llb.clone());
    let head = graph.source(
        &format!("docker-image://{normalized}"),
        BTreeMap::new(),
        Some(platform),
        OpMeta::named(format!("[internal] load {normalized} to include from")),
    );
    let definition = graph.into_definition(Some(head), Vec::new());
    bridge.solve(definition, Vec::new()).await
}
