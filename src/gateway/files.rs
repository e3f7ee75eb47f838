//! Reading the Buildfile and its ignore file from the client, through BuildKit.
//!
//! Files come from the `dockerfile` local (only the build file and its ignore file are
//! transferred, thanks to `followpaths`), or from a frontend input of that name when a
//! forwarding frontend passed one. The ignore file is `<filename>.dockerignore` next to the
//! build file, else `.dockerignore` at the root of the `context` local.

use std::collections::{BTreeMap, BTreeSet};

use prost::Message;

use crate::ignore;
use crate::llb::{Graph, OpMeta};
use crate::pb::google::rpc::Status;
use crate::pb::pb;
use crate::source::SourceFile;

use super::client::{Bridge, BridgeError};
use super::options::FrontendOptions;
use super::report;

/// The default names, in the order tried: docker forwards a `# syntax` build for a
/// `Dockerfile` without naming it, and a Buildfile is the native name.
const DEFAULT_NAMES: [&str; 2] = ["Dockerfile", "Buildfile"];

/// The build file as read, with what was learnt on the way.
#[derive(Clone, Debug)]
pub(crate) struct BuildSource {
    /// The main build file.
    pub(crate) file: SourceFile,
    /// The frontend input the file came from, when a forwarding frontend passed one: the
    /// files it includes are in it too.
    pub(crate) input: Option<pb::Definition>,
    /// The ignore file's patterns, for the `context` local.
    pub(crate) ignore: IgnoreFile,
    /// The digest of the op that loaded the file: warnings attach to it.
    pub(crate) vertex: String,
}

/// The ignore file that applies, if any: its name and its patterns with their lines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct IgnoreFile {
    pub(crate) name: String,
    pub(crate) patterns: Vec<ignore::Pattern>,
}

impl IgnoreFile {
    fn read(name: &str, data: &[u8]) -> Self {
        Self {
            name: name.to_string(),
            patterns: ignore::parse_lines(&String::from_utf8_lossy(data)),
        }
    }

    /// The patterns as `local.excludepatterns` takes them.
    pub(crate) fn excludes(&self) -> Vec<String> {
        self.patterns.iter().map(|p| p.text.clone()).collect()
    }
}

/// Reads the build file and its ignore patterns.
pub(crate) async fn read(
    bridge: &mut Bridge,
    opts: &FrontendOptions,
    session_id: &str,
) -> Result<BuildSource, Status> {
    let names: Vec<String> = match &opts.filename {
        Some(name) => vec![name.clone()],
        None => DEFAULT_NAMES.iter().map(|s| s.to_string()).collect(),
    };
    let inputs = bridge.inputs().await.map_err(|e| e.status)?;
    let input = inputs.get(&opts.dockerfile_key).cloned();
    let (definition, vertex) = match &input {
        Some(input) => (input.clone(), head_digest(input)),
        None => {
            let mut follow: Vec<String> = Vec::new();
            for name in &names {
                follow.push(name.clone());
                follow.push(format!("{name}.dockerignore"));
            }
            let custom_name = format!("[internal] load build definition from {}", names[0]);
            local_definition(
                &bridge.caps.llb,
                &opts.dockerfile_key,
                session_id,
                &follow,
                "dockerfile",
                custom_name,
            )
        }
    };
    let reference = bridge
        .solve(definition, Vec::new())
        .await
        .map_err(|e| e.status)?;
    let (name, data) = read_first(bridge, &reference, &names).await?;
    let text = String::from_utf8(data).map_err(|_| {
        report::plain_error(format!(
            "{name} is not UTF-8 text; a Buildfile must be UTF-8"
        ))
    })?;
    let beside = format!("{name}.dockerignore");
    let ignore = match bridge.read_file(&reference, &beside).await {
        Ok(data) => IgnoreFile::read(&beside, &data),
        Err(_) if inputs.contains_key("context") => IgnoreFile::default(),
        Err(_) => context_ignore(bridge, session_id).await,
    };
    let file = SourceFile::new(name, text);
    Ok(BuildSource {
        file,
        input,
        ignore,
        vertex,
    })
}

/// The first of `names` that exists, or an error naming what was looked for.
async fn read_first(
    bridge: &mut Bridge,
    reference: &str,
    names: &[String],
) -> Result<(String, Vec<u8>), Status> {
    let mut last: Option<BridgeError> = None;
    for name in names {
        match bridge.read_file(reference, name).await {
            Ok(data) => return Ok((name.clone(), data)),
            Err(err) => last = Some(err),
        }
    }
    let tried = names.join(" or ");
    let reason = last.map(|e| e.to_string()).unwrap_or_default();
    Err(report::plain_error(format!(
        "failed to read the build file {tried}: {reason}"
    )))
}

/// `.dockerignore` at the root of the context; a missing file means no patterns.
async fn context_ignore(bridge: &mut Bridge, session_id: &str) -> IgnoreFile {
    let follow = [".dockerignore".to_string()];
    let (definition, _) = local_definition(
        &bridge.caps.llb,
        "context",
        session_id,
        &follow,
        "context-.dockerignore",
        "[internal] load .dockerignore".into(),
    );
    let Ok(reference) = bridge.solve(definition, Vec::new()).await else {
        return IgnoreFile::default();
    };
    match bridge.read_file(&reference, ".dockerignore").await {
        Ok(data) => IgnoreFile::read(".dockerignore", &data),
        Err(_) => IgnoreFile::default(),
    }
}

/// Names in the context directory `parent` that might be what `name` was meant to be:
/// those starting with its first letter (in either case) or sharing its extension. Only
/// those are sent, so a large folder costs little; ignored files are left out, as they
/// are from the build. For explaining a missing source; never called otherwise.
pub(crate) async fn context_names(
    bridge: &mut Bridge,
    session_id: &str,
    parent: &str,
    name: &str,
    ignore: &IgnoreFile,
) -> Result<Vec<String>, BridgeError> {
    let dir = if parent.is_empty() {
        String::new()
    } else {
        format!("{parent}/")
    };
    let mut include = Vec::new();
    if let Some(first) = name.chars().next().filter(char::is_ascii_alphanumeric) {
        let (lower, upper) = (first.to_ascii_lowercase(), first.to_ascii_uppercase());
        include.push(format!("{dir}[{lower}{upper}]*"));
    }
    if let Some((_, extension)) = name.rsplit_once('.')
        && !extension.is_empty()
        && extension.chars().all(|c| c.is_ascii_alphanumeric())
    {
        include.push(format!("{dir}*.{extension}"));
    }
    let llb = &bridge.caps.llb;
    if include.is_empty() || !llb.contains("source.local.includepatterns") {
        return Ok(Vec::new());
    }
    let json = |list: &[String]| serde_json::to_string(list).unwrap_or_default();
    let mut attrs = BTreeMap::from([
        ("local.includepatterns".to_string(), json(&include)),
        ("local.sharedkeyhint".to_string(), "context".to_string()),
    ]);
    if llb.contains("source.local.sessionid") {
        attrs.insert("local.session".to_string(), session_id.to_string());
    }
    let excludes = ignore.excludes();
    if !excludes.is_empty() && llb.contains("source.local.excludepatterns") {
        attrs.insert("local.excludepatterns".to_string(), json(&excludes));
    }
    let mut graph = Graph::with_caps(llb.clone());
    let name = format!("[internal] looking for names near {dir}{name}");
    let head = graph.source("local://context", attrs, None, OpMeta::named(name));
    let definition = graph.into_definition(Some(head), Vec::new());
    let reference = bridge.solve(definition, Vec::new()).await?;
    bridge.read_dir(&reference, &format!("/{parent}")).await
}

/// A definition of one `local://NAME` source restricted to `follow`, using only the attrs
/// the daemon supports (0.8 has no `local.differ`). Returns it with the source op's digest.
pub(crate) fn local_definition(
    llb: &BTreeSet<String>,
    name: &str,
    session_id: &str,
    follow: &[String],
    shared_key: &str,
    custom_name: String,
) -> (pb::Definition, String) {
    let follow = serde_json::to_string(follow).unwrap_or_default();
    let attrs: BTreeMap<String, String> = [
        ("source.local.sessionid", "local.session", session_id),
        (
            "source.local.followpaths",
            "local.followpaths",
            follow.as_str(),
        ),
        (
            "source.local.sharedkeyhint",
            "local.sharedkeyhint",
            shared_key,
        ),
        ("source.local.differ", "local.differ", "none"),
    ]
    .into_iter()
    .filter(|(cap, _, _)| llb.contains(*cap))
    .map(|(_, key, value)| (key.to_string(), value.to_string()))
    .collect();
    let mut graph = Graph::with_caps(llb.clone());
    let head = graph.source(
        &format!("local://{name}"),
        attrs,
        None,
        OpMeta::named(custom_name),
    );
    let digest = head.digest.clone();
    (graph.into_definition(Some(head), Vec::new()), digest)
}

/// The digest of the op the terminal op of `definition` points at.
fn head_digest(definition: &pb::Definition) -> String {
    definition
        .def
        .last()
        .and_then(|bytes| pb::Op::decode(bytes.as_slice()).ok())
        .and_then(|op| op.inputs.first().map(|i| i.digest.clone()))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source_of(definition: &pb::Definition) -> pb::SourceOp {
        match pb::Op::decode(definition.def[0].as_slice()).unwrap().op {
            Some(pb::op::Op::Source(source)) => source,
            other => panic!("not a source op: {other:?}"),
        }
    }

    #[test]
    fn local_attrs_follow_the_daemon_caps() {
        let follow = [
            "Buildfile".to_string(),
            "Buildfile.dockerignore".to_string(),
        ];
        let old: BTreeSet<String> = [
            "source.local",
            "source.local.sessionid",
            "source.local.followpaths",
            "source.local.sharedkeyhint",
        ]
        .map(String::from)
        .into();
        let mut new = old.clone();
        new.insert("source.local.differ".into());
        let name = || "[internal] load build definition from Buildfile".to_string();

        let (def, digest) =
            local_definition(&old, "dockerfile", "sid", &follow, "dockerfile", name());
        let source = source_of(&def);
        assert_eq!(source.identifier, "local://dockerfile");
        assert_eq!(source.attrs["local.session"], "sid");
        assert_eq!(
            source.attrs["local.followpaths"],
            r#"["Buildfile","Buildfile.dockerignore"]"#
        );
        assert_eq!(source.attrs["local.sharedkeyhint"], "dockerfile");
        assert!(
            !source.attrs.contains_key("local.differ"),
            "0.8 lacks the cap"
        );
        assert!(
            !def.metadata[&digest]
                .caps
                .contains_key("source.local.differ")
        );

        let (def, digest) =
            local_definition(&new, "dockerfile", "sid", &follow, "dockerfile", name());
        assert_eq!(source_of(&def).attrs["local.differ"], "none");
        assert!(def.metadata[&digest].caps["source.local.differ"]);
        assert_eq!(def.metadata[&digest].description["llb.customname"], name());
        assert_eq!(head_digest(&def), digest);
    }

    #[test]
    fn head_digest_of_garbage_is_empty() {
        let definition = pb::Definition {
            def: vec![vec![0xff, 0xff]],
            ..Default::default()
        };
        assert_eq!(head_digest(&definition), "");
    }
}
