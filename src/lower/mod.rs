//! Stage 3: IR -> LLB. Pure: the Buildfile, the target platform, the build options and
//! the base-image configs the gateway resolved go in; a `Definition` and the image config
//! come out. The meaning follows dockerfile.v0's converter instruction by instruction,
//! and so do the ops wherever the meaning is the same, so a Dockerfile built by either
//! frontend shares its cache.
//!
//! - [`images`] lists the base images the target needs, for the gateway to resolve.
//! - [`lower`] builds the Definition; images it was not given are used unpinned with an
//!   empty config (offline `rustbuild llb`).

mod context;
mod copy;
mod dialect;
mod dispatch;
mod history;
mod image;
mod metadata;
mod paths;
mod plan;
mod reference;
mod run;
#[cfg(test)]
mod testing;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

pub use image::ImageConfig;
pub(crate) use reference::normalize as normalize_reference;

use crate::diagnostic::Diagnostics;
use crate::ir;
use crate::pb::pb;
use crate::platform::Platform;
use crate::source::{Sources, Span};

/// Everything besides the Buildfile that decides what a build is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LowerOptions {
    pub target_platform: Platform,
    pub build_platform: Platform,
    /// Stage name to build; `None` builds the last stage.
    pub target: Option<String>,
    /// `build-arg:*` options, `SOURCE_DATE_EPOCH` included.
    pub build_args: BTreeMap<String, String>,
    /// `SOURCE_DATE_EPOCH` in seconds: the time of history entries and created files, read
    /// from the build args by [`source_date_epoch`].
    pub source_date_epoch: Option<i64>,
    /// `label:*` options, applied to the image config last.
    pub labels: BTreeMap<String, String>,
    /// The LLB caps the daemon reports as enabled; offline, [`default_llb_caps`].
    pub llb_caps: BTreeSet<String>,
    /// `BUILDKIT_SESSION_ID` (empty offline).
    pub session_id: String,
    /// Patterns from the ignore file, already read.
    pub context_excludes: Vec<String>,
    pub no_cache: NoCache,
    pub image_resolve_mode: ResolveMode,
    /// Progress names get a `[linux/arm64] ` prefix.
    pub multi_platform: bool,
    /// `context:NAME` options.
    pub named_contexts: BTreeMap<String, NamedContext>,
    /// The build file's name, for the source map.
    pub filename: String,
    /// The platforms the daemon's workers run (from `Ping`); empty when unknown.
    pub worker_platforms: Vec<Platform>,
}

impl LowerOptions {
    /// What the build's variables come from.
    pub fn scope(&self) -> crate::vars::Scope<'_> {
        crate::vars::Scope {
            build_args: &self.build_args,
            target_platform: &self.target_platform,
            build_platform: &self.build_platform,
            target: self.target.as_deref(),
        }
    }
}

impl Default for LowerOptions {
    fn default() -> Self {
        Self {
            target_platform: Platform::linux_amd64(),
            build_platform: Platform::linux_amd64(),
            target: None,
            build_args: BTreeMap::new(),
            source_date_epoch: None,
            labels: BTreeMap::new(),
            llb_caps: default_llb_caps(),
            session_id: String::new(),
            context_excludes: Vec::new(),
            no_cache: NoCache::None,
            image_resolve_mode: ResolveMode::Default,
            multi_platform: false,
            named_contexts: BTreeMap::new(),
            filename: "Buildfile".to_string(),
            worker_platforms: Vec::new(),
        }
    }
}

/// Which stages run without the cache.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum NoCache {
    #[default]
    None,
    All,
    Stages(BTreeSet<String>),
}

impl NoCache {
    fn applies_to(&self, stage_name: Option<&str>) -> bool {
        match self {
            NoCache::None => false,
            NoCache::All => true,
            NoCache::Stages(names) => stage_name.is_some_and(|n| names.contains(n)),
        }
    }
}

/// `image-resolve-mode`: how image sources pick a manifest.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ResolveMode {
    #[default]
    Default,
    Pull,
    Local,
}

/// A `context:NAME` option: a stage or image name replaced by another source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NamedContext {
    /// `docker-image://REF`.
    Image(String),
    /// `local:NAME`: a directory the client sends.
    Local(String),
    /// `input:NAME`: a frontend input (a forwarding frontend's, bake's `target:`). INCLUDE and
    /// IMPORT read files from it; building from it is refused (see `Plan::resolve`).
    Input(String),
}

/// A base image to resolve: FROM, `COPY --from` and `--mount from=` images.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ImageRequest {
    /// Normalised, e.g. `docker.io/library/alpine:3.19`.
    pub reference: String,
    pub platform: Platform,
}

/// What `ResolveImageConfig` returned for an [`ImageRequest`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedImage {
    /// The reference as resolved (may differ from the request after policies).
    pub reference: String,
    /// The manifest digest the image op is pinned to (`sha256:…`); empty to leave it unpinned.
    pub digest: String,
    pub config: serde_json::Value,
}

pub type ResolvedImages = BTreeMap<ImageRequest, ResolvedImage>;

/// The result of lowering one platform.
#[derive(Clone, Debug, PartialEq)]
pub struct Lowered {
    pub definition: pb::Definition,
    /// The image config for `containerimage.config`.
    pub image_config: ImageConfig,
    /// The exported platform; on Windows with the base image's `os.version`.
    pub platform: Platform,
    /// The sources read from the build context, for explaining a build that finds one
    /// missing.
    pub context_sources: Vec<ContextSource>,
}

/// A COPY or ADD source read from the build context.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContextSource {
    /// As the copy op names it, and BuildKit's error for a missing one: `/dir/file.txt`.
    pub path: String,
    /// The source word.
    pub span: Span,
    /// `COPY` or `ADD`.
    pub instruction: &'static str,
}

/// `SOURCE_DATE_EPOCH` from the build args: `None` when unset or empty, else a whole number
/// of seconds. The one reading of it, for the gateway and the CLI alike.
pub fn source_date_epoch(build_args: &BTreeMap<String, String>) -> Result<Option<i64>, String> {
    match build_args.get("SOURCE_DATE_EPOCH").map(|v| v.trim()) {
        None | Some("") => Ok(None),
        Some(value) => value.parse::<i64>().map(Some).map_err(|_| {
            format!(
                "SOURCE_DATE_EPOCH `{value}` is not a number of seconds since 1970 \
                 (e.g. `$(git log -1 --format=%ct)`)"
            )
        }),
    }
}

/// A lowered build whose Definition is not made yet: [`LoweredGraph::write_definition`]
/// encodes it straight from the graph, which takes far less memory than a
/// `pb::Definition` of a large build and its encoding side by side.
#[derive(Debug)]
pub struct LoweredGraph {
    graph: crate::llb::Graph,
    head: Option<crate::llb::Output>,
    sources: Vec<pb::SourceInfo>,
    /// The image config for `containerimage.config`.
    pub image_config: ImageConfig,
    /// The exported platform; on Windows with the base image's `os.version`.
    pub platform: Platform,
    /// The sources read from the build context (see [`Lowered::context_sources`]).
    pub context_sources: Vec<ContextSource>,
}

impl LoweredGraph {
    pub fn into_lowered(self) -> Lowered {
        Lowered {
            definition: self.graph.into_definition(self.head, self.sources),
            image_config: self.image_config,
            platform: self.platform,
            context_sources: self.context_sources,
        }
    }

    /// Writes the encoded Definition: the bytes of `into_lowered().definition`.
    pub fn write_definition(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        self.graph
            .write_definition(self.head.as_ref(), &self.sources, out)
    }
}

/// The caps a modern daemon enables that lowering can use: what offline `rustbuild llb`
/// assumes.
pub fn default_llb_caps() -> BTreeSet<String> {
    [
        "constraints",
        "platform",
        "meta.description",
        "meta.ignorecache",
        "source.image",
        "source.image.resolvemode",
        "source.local",
        "source.local.sessionid",
        "source.local.sharedkeyhint",
        "source.local.followpaths",
        "source.local.excludepatterns",
        "source.local.includepatterns",
        "source.local.differ",
        "exec.meta.base",
        "exec.meta.network",
        "exec.meta.security",
        "exec.meta.setsdefaultpath",
        "exec.mount.bind",
        "exec.mount.bind.readwrite-nooutput",
        "exec.mount.cache",
        "exec.mount.cache.sharing",
        "exec.mount.selector",
        "exec.mount.tmpfs",
        "exec.mount.tmpfs.size",
        "exec.mount.secret",
        "exec.mount.ssh",
        "exec.secretenv",
        "file.base",
        "file.copy.modestring",
        "mergeop",
        // Not used by any op: they tell a current dockerfile.v0 (see `dialect`).
        dialect::CAP_SINCE_0_14,
        dialect::CAP_SINCE_0_22,
        dialect::CAP_SINCE_0_24,
    ]
    .into_iter()
    .map(str::to_string)
    .collect()
}

/// Every image the target needs resolved (FROM, `COPY --from`, `--mount from=`), once
/// each, only for the stages the target depends on.
pub fn images(
    buildfile: &ir::Buildfile,
    opts: &LowerOptions,
) -> Result<Vec<ImageRequest>, Diagnostics> {
    let plan = plan::Plan::new(buildfile, opts)?;
    Ok(plan.image_requests(buildfile))
}

/// The image each needed stage is based on, by stage index, with the platform it is built
/// for (`FROM --platform`, else the target's): the requests of [`images`] whose resolved
/// config the gateway checks against that platform (InvalidBaseImagePlatform).
pub fn base_images(
    buildfile: &ir::Buildfile,
    opts: &LowerOptions,
) -> Result<Vec<(usize, ImageRequest)>, Diagnostics> {
    let plan = plan::Plan::new(buildfile, opts)?;
    let bases = plan.stages.iter().enumerate().filter_map(|(index, stage)| {
        let needed = plan.needed.get(index).copied().unwrap_or(false);
        let reference = plan.image_of(&stage.base).filter(|_| needed)?;
        let platform = stage.platform.clone();
        Some((
            index,
            ImageRequest {
                reference,
                platform,
            },
        ))
    });
    Ok(bases.collect())
}

/// The target stage and, by index, whether the target needs each stage (itself, its
/// bases, every stage it copies or mounts from, with `--from` values expanded).
pub fn needed_stages(
    buildfile: &ir::Buildfile,
    opts: &LowerOptions,
) -> Result<(usize, Vec<bool>), Diagnostics> {
    let plan = plan::Plan::new(buildfile, opts)?;
    Ok((plan.target, plan.needed))
}

/// Lowers the target stage and those it needs. Pure: no I/O.
pub fn lower(
    files: &(impl Sources + ?Sized),
    buildfile: &ir::Buildfile,
    images: &ResolvedImages,
    opts: &LowerOptions,
) -> Result<Lowered, Diagnostics> {
    lower_graph(files, buildfile, images, opts).map(LoweredGraph::into_lowered)
}

/// [`lower`], leaving the Definition to be written by [`LoweredGraph::write_definition`].
pub fn lower_graph(
    files: &(impl Sources + ?Sized),
    buildfile: &ir::Buildfile,
    images: &ResolvedImages,
    opts: &LowerOptions,
) -> Result<LoweredGraph, Diagnostics> {
    let plan = plan::Plan::new(buildfile, opts)?;
    // The context source lists the paths the whole build reads, so it can only be made
    // once they are all known; but ops that copy from it need its digest. When the paths
    // are written literally they are known up front; otherwise lower once to collect
    // them, then again with the finished context source.
    let paths = match context::literal_paths(buildfile, &plan) {
        Some(paths) => paths,
        None => {
            dispatch::Lowerer::new(files, buildfile, images, opts, &plan, None)
                .lower_all()?
                .context_paths
        }
    };
    let done =
        dispatch::Lowerer::new(files, buildfile, images, opts, &plan, Some(paths)).lower_all()?;
    Ok(done.finish(files, opts))
}
