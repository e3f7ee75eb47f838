//! Lowering stage by stage: each needed stage starts from its base (image, scratch or an
//! earlier stage) and each instruction changes its LLB state and image config, as
//! dockerfile.v0's `dispatch` does.

use std::collections::BTreeSet;

use super::context::BuildContext;
use super::dialect::Dialect;
use super::image::{DEFAULT_PATH, ImageConfig};
use super::plan::{Plan, Source};
use super::{
    ContextSource, LowerOptions, LoweredGraph, NamedContext, ResolveMode, ResolvedImages, history,
    paths,
};
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::ir::{self, StepKind};
use crate::llb::SourceRange;
use crate::llb::{Graph, OpMeta, Output};
use crate::pb::pb;
use crate::platform::Platform;
use crate::source::{LineIndex, Places, Sources, Span};
use crate::vars::{Env, split_key_value};

/// The description key dockerfile.v0 puts the instruction text under.
pub(super) const COMMAND_DESCRIPTION: &str = "com.docker.dockerfile.v1.command";

/// The LLB state and image config of one stage while it is lowered.
#[derive(Clone, Debug)]
pub(super) struct StageState {
    /// `None` is scratch.
    pub(super) output: Option<Output>,
    pub(super) env: Env,
    /// The LLB state's directory, POSIX form: `/` until a WORKDIR or the base config sets
    /// one (as `llb.NewState`), while the image config's `WorkingDir` stays unset.
    pub(super) workdir: String,
    pub(super) user: String,
    pub(super) image: ImageConfig,
    pub(super) platform: Platform,
    /// The ARGs declared so far (name, value): RUN history lists them.
    pub(super) args: Vec<(String, Option<String>)>,
    pub(super) display_name: Option<String>,
    /// The imported file the stage is from: see [`ir::Stage::namespace`].
    pub(super) namespace: Option<usize>,
    pub(super) cmd_index: usize,
    pub(super) cmd_total: usize,
    pub(super) cmd_set: bool,
    pub(super) ignore_cache: bool,
}

impl StageState {
    pub(super) fn windows(&self) -> bool {
        self.platform.is_windows()
    }
}

/// One lowering pass over the needed stages.
pub(super) struct Lowerer<'a> {
    pub(super) buildfile: &'a ir::Buildfile,
    pub(super) images: &'a ResolvedImages,
    pub(super) opts: &'a LowerOptions,
    pub(super) plan: &'a Plan,
    /// The line index of each build file, by file id.
    pub(super) lines: Vec<LineIndex>,
    /// Where the build's expansions happened, for the source map.
    places: Places,
    pub(super) graph: Graph,
    pub(super) context: BuildContext,
    pub(super) diagnostics: Diagnostics,
    /// `SOURCE_DATE_EPOCH` in seconds.
    pub(super) epoch: Option<i64>,
    /// What the daemon's own dockerfile.v0 writes where its releases differ.
    pub(super) dialect: Dialect,
    pub(super) context_sources: Vec<ContextSource>,
    stages: Vec<Option<StageState>>,
}

/// What a pass produces.
pub(super) struct Done {
    pub(super) context_paths: BTreeSet<String>,
    context_sources: Vec<ContextSource>,
    graph: Graph,
    target: StageState,
}

impl<'a> Lowerer<'a> {
    /// `context_paths`: the paths the first pass found, to make the context source
    /// from; `None` on the first pass.
    pub(super) fn new(
        files: &(impl Sources + ?Sized),
        buildfile: &'a ir::Buildfile,
        images: &'a ResolvedImages,
        opts: &'a LowerOptions,
        plan: &'a Plan,
        context_paths: Option<BTreeSet<String>>,
    ) -> Self {
        Self {
            buildfile,
            images,
            opts,
            plan,
            lines: files
                .files()
                .into_iter()
                .map(|file| LineIndex::new(&file.text))
                .collect(),
            places: files.places(),
            graph: Graph::with_caps(opts.llb_caps.clone()),
            context: BuildContext::new(context_paths),
            diagnostics: Diagnostics::new(),
            epoch: opts.source_date_epoch,
            dialect: Dialect::from_caps(&opts.llb_caps),
            context_sources: Vec::new(),
            stages: vec![None; buildfile.stages.len()],
        }
    }

    pub(super) fn lower_all(mut self) -> Result<Done, Diagnostics> {
        // A later stage reads a finished one's config, env and ARGs only when it is
        // built FROM it; COPY --from and mounts read its output alone.
        let mut is_base = vec![false; self.buildfile.stages.len()];
        for plan in &self.plan.stages {
            if let Source::Stage(base) = plan.base {
                is_base[base] = true;
            }
        }
        for (index, is_base) in is_base.into_iter().enumerate() {
            if !self.plan.needed[index] {
                continue;
            }
            let stage = &self.buildfile.stages[index];
            let mut state = self.start_stage(index, stage);
            for step in stage.walk() {
                self.dispatch(index, &mut state, step);
            }
            if !is_base && index != self.plan.target {
                // Its history and env are read by no one: free them for the next stages.
                state.image = ImageConfig::default();
                state.env = Env::default();
                state.args = Vec::new();
            }
            self.stages[index] = Some(state);
        }
        if self.diagnostics.has_errors() {
            return Err(self.diagnostics.sorted());
        }
        let target = self.stages[self.plan.target].take().ok_or_else(|| {
            Diagnostics::from(Diagnostic::internal("the target stage was not lowered"))
        })?;
        Ok(Done {
            context_paths: self.context.collected(),
            context_sources: self.context_sources,
            graph: self.graph,
            target,
        })
    }

    pub(super) fn created(&self) -> Option<String> {
        self.epoch.map(history::rfc3339)
    }

    /// The file and the first and last line of a span, then those of the instructions that
    /// expanded it (INCLUDE, CALL), for the source map: BuildKit shows each when the op
    /// fails.
    pub(super) fn locations(&self, span: Span) -> Vec<SourceRange> {
        let range = |span: Span| {
            let lines = self.lines.get(span.file.index()).unwrap_or(&self.lines[0]);
            SourceRange {
                source: u32::from(span.file.0),
                first: lines.line(span.start),
                last: lines.line(span.end.saturating_sub(1).max(span.start)),
            }
        };
        let places = self.places.chain(span).into_iter().map(range);
        std::iter::once(range(span)).chain(places).collect()
    }

    pub(super) fn error(
        &mut self,
        code: Code,
        span: Span,
        message: String,
        label: &str,
        help: &str,
    ) {
        self.diagnostics.push(
            Diagnostic::error(code, message)
                .with_label(span, label)
                .with_help(help),
        );
    }

    /// A capability the daemon must have for an instruction; reports when it lacks it.
    pub(super) fn require_cap(&mut self, cap: &str, span: Span, what: &str) -> bool {
        if self.opts.llb_caps.contains(cap) {
            return true;
        }
        self.error(
            Code::NotSupportedByDaemon,
            span,
            format!("{what} needs the BuildKit capability `{cap}`, which this daemon lacks"),
            "not supported by this BuildKit",
            "upgrade BuildKit, or build without this feature",
        );
        false
    }

    /// `[stage-0 2/5] RUN …`: dockerfile.v0's `prefixCommand`. Counts the step.
    pub(super) fn step_name(&self, state: &mut StageState, text: &str) -> String {
        if state.cmd_total == 0 {
            return text.to_string();
        }
        state.cmd_index += 1;
        self.numbered_name(state, state.cmd_index, text)
    }

    pub(super) fn numbered_name(&self, state: &StageState, index: usize, text: &str) -> String {
        let name_len = state.display_name.as_ref().map_or(0, |n| n.len() + 1);
        let mut out = String::with_capacity(1 + name_len + 2 * 20 + 3 + text.len());
        out.push('[');
        if self.opts.multi_platform {
            out.push_str(&crate::vars::format_all(&state.platform));
            out.push(' ');
        }
        if let Some(name) = &state.display_name {
            out.push_str(name);
            out.push(' ');
        }
        // `{index:>width$}/{total}] {text}`, without the formatting machinery: one name
        // per op.
        let total = state.cmd_total;
        out.extend(std::iter::repeat_n(
            ' ',
            decimal_len(total).saturating_sub(decimal_len(index)),
        ));
        push_decimal(&mut out, index);
        out.push('/');
        push_decimal(&mut out, total);
        out.push_str("] ");
        out.push_str(text);
        out
    }

    /// The state of another stage or image for COPY --from and mounts.
    pub(super) fn source_state(&mut self, source: &Source) -> Option<Output> {
        match source {
            Source::Scratch => None,
            Source::Stage(index) => self.stages[*index].as_ref().and_then(|s| s.output.clone()),
            Source::Image(reference) => {
                let platform = self.opts.target_platform.clone();
                let (output, _) = self.image_source(reference, &platform, None, None);
                output
            }
            Source::Named(named) => {
                self.named_source(named, &self.opts.target_platform.clone())
                    .0
            }
        }
    }

    /// An image source op (pinned when resolved) and its config, or scratch when the
    /// resolved image has no layers.
    fn image_source(
        &mut self,
        reference: &str,
        platform: &Platform,
        state: Option<&mut StageState>,
        from: Option<&ir::Stage>,
    ) -> (Option<Output>, ImageConfig) {
        let request = super::ImageRequest {
            reference: reference.to_string(),
            platform: platform.clone(),
        };
        let resolved = self.images.get(&request);
        let (pinned, image) = match resolved {
            Some(resolved) => {
                let base = if resolved.reference.is_empty() {
                    reference
                } else {
                    resolved.reference.as_str()
                };
                let pinned = if resolved.digest.is_empty() || base.contains('@') {
                    base.to_string()
                } else {
                    format!("{base}@{}", resolved.digest)
                };
                let image = ImageConfig::from_base(&resolved.config);
                if !image.has_layers() {
                    return (None, image);
                }
                (pinned, image)
            }
            None => {
                let mut image = ImageConfig::from_base(&serde_json::Value::Null);
                image.set_platform(platform);
                (reference.to_string(), image)
            }
        };
        let text = format!("FROM {pinned}");
        let name = match state {
            Some(state) => self.step_name(state, &text),
            None => text,
        };
        let mut meta = OpMeta::named(name);
        if let Some(stage) = from {
            meta = meta
                .with_locations(self.locations(stage.span))
                .with_description(COMMAND_DESCRIPTION, stage.text.clone());
        }
        let mut attrs = std::collections::BTreeMap::new();
        match self.opts.image_resolve_mode {
            ResolveMode::Default => {}
            ResolveMode::Pull => {
                attrs.insert("image.resolvemode".to_string(), "pull".to_string());
            }
            ResolveMode::Local => {
                attrs.insert("image.resolvemode".to_string(), "local".to_string());
            }
        }
        let output = self.graph.source(
            &format!("docker-image://{pinned}"),
            attrs,
            Some(platform),
            meta,
        );
        (Some(output), image)
    }

    fn named_source(
        &mut self,
        named: &NamedContext,
        platform: &Platform,
    ) -> (Option<Output>, ImageConfig) {
        match named {
            NamedContext::Image(reference) => {
                let reference =
                    super::reference::normalize(reference).unwrap_or_else(|_| reference.clone());
                self.image_source(&reference, platform, None, None)
            }
            NamedContext::Local(name) => {
                let mut attrs = std::collections::BTreeMap::new();
                if !self.opts.session_id.is_empty() {
                    attrs.insert("local.session".to_string(), self.opts.session_id.clone());
                }
                attrs.insert("local.sharedkeyhint".to_string(), name.clone());
                let meta = OpMeta::named(format!("[context {name}] load from client"));
                let output = self
                    .graph
                    .source(&format!("local://{name}"), attrs, None, meta);
                (Some(output), ImageConfig::empty(platform))
            }
            // `Plan::resolve` refuses to build from an input: never reached.
            NamedContext::Input(_) => (None, ImageConfig::empty(platform)),
        }
    }

    /// A stage's starting state: its base, then the base config's env, workdir and user.
    fn start_stage(&mut self, index: usize, stage: &ir::Stage) -> StageState {
        let plan = &self.plan.stages[index];
        let cmd_total = usize::from(matches!(plan.base, Source::Image(_) | Source::Named(_)))
            + stage
                .walk()
                .filter(|s| {
                    matches!(
                        s.kind,
                        StepKind::Run(_) | StepKind::Copy(_) | StepKind::Workdir(_)
                    )
                })
                .count();
        let mut state = StageState {
            output: None,
            env: Env::new(),
            workdir: "/".to_string(),
            user: String::new(),
            image: ImageConfig::empty(&plan.platform),
            platform: plan.platform.clone(),
            args: Vec::new(),
            display_name: plan.display_name.clone(),
            namespace: stage.namespace,
            cmd_index: 0,
            cmd_total,
            cmd_set: false,
            ignore_cache: self
                .opts
                .no_cache
                .applies_to(stage.name.as_ref().map(|n| n.node.as_str())),
        };
        match plan.base.clone() {
            Source::Scratch => {}
            Source::Stage(base) => {
                if let Some(base) = &self.stages[base] {
                    state.output = base.output.clone();
                    state.env = base.env.clone();
                    state.workdir = base.workdir.clone();
                    state.user = base.user.clone();
                    state.image = base.image.clone();
                    state.platform = base.platform.clone();
                    state.args = base.args.clone();
                }
            }
            Source::Image(reference) => {
                let platform = state.platform.clone();
                let (output, image) =
                    self.image_source(&reference, &platform, Some(&mut state), Some(stage));
                state.output = output;
                state.image = image;
            }
            Source::Named(named) => {
                let platform = state.platform.clone();
                let (output, image) = self.named_source(&named, &platform);
                state.cmd_index += 1;
                state.output = output;
                state.image = image;
            }
        }
        self.init_from_config(&mut state, stage.span);
        state
    }

    /// dockerfile.v0's stage init: PATH when missing (not on Windows), the config's env
    /// into the state, its workdir and user.
    fn init_from_config(&mut self, state: &mut StageState, span: Span) {
        // dockerfile.v0 runs a base image's ONBUILD triggers, then forgets them.
        state.image.config.on_build.clear();
        let env = &mut state.image.config.env;
        if !state.platform.is_windows() && !env.iter().any(|e| split_key_value(e).0 == "PATH") {
            env.push(format!("PATH={DEFAULT_PATH}"));
        }
        for entry in &state.image.config.env {
            let (key, value) = split_key_value(entry);
            state.env.set(key, value);
        }
        if !state.image.config.working_dir.is_empty() {
            let workdir = state.image.config.working_dir.clone();
            self.set_workdir(state, &workdir, span);
        }
        if !state.image.config.user.is_empty() {
            state.user.clone_from(&state.image.config.user);
        }
    }

    /// Sets the working directory in the config (Windows form) and the state (POSIX).
    pub(super) fn set_workdir(
        &mut self,
        state: &mut StageState,
        requested: &str,
        span: Span,
    ) -> bool {
        let current = &state.image.config.working_dir;
        match paths::normalize_workdir(current, requested, state.windows()) {
            Ok(workdir) => {
                state.workdir = if state.windows() {
                    workdir.replace('\\', "/")
                } else {
                    workdir.clone()
                };
                state.image.config.working_dir = workdir;
                true
            }
            Err(why) => {
                self.error(
                    Code::InvalidExpandedValue,
                    span,
                    format!("invalid working directory `{requested}`: {why}"),
                    "this directory",
                    "on Windows, use a path on C:, like `C:\\app`",
                );
                false
            }
        }
    }

    fn dispatch(&mut self, index: usize, state: &mut StageState, step: &ir::Step) {
        match &step.kind {
            StepKind::Run(run) => self.run(index, state, run, step),
            StepKind::Copy(copy) => self.copy(index, state, copy, step),
            StepKind::Workdir(word) => self.workdir(state, word, step),
            other => self.metadata(state, other, step.span),
        }
    }
}

/// Digits of `n` in base 10.
fn decimal_len(n: usize) -> usize {
    n.checked_ilog10().map_or(1, |log| log as usize + 1)
}

/// `n` in base 10, without a `to_string` per step name.
fn push_decimal(out: &mut String, n: usize) {
    let mut digits = [0u8; 20];
    let mut rest = n;
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    out.extend(digits[start..].iter().map(|&d| char::from(d)));
}

impl Done {
    /// The image config and platform finished, the graph left for the caller to turn
    /// into a Definition.
    pub(super) fn finish(
        self,
        files: &(impl Sources + ?Sized),
        opts: &LowerOptions,
    ) -> LoweredGraph {
        let Done {
            graph,
            target,
            context_sources,
            ..
        } = self;
        let mut image = target.image;
        for (key, value) in &opts.labels {
            image.config.labels.insert(key.clone(), value.clone());
        }
        image.apply_target_platform(&opts.target_platform);
        let mut platform = opts.target_platform.clone();
        if platform.is_windows() && platform.os_version.is_none() {
            platform.os_version = image.os_version().map(str::to_string);
        }
        // One source info per file, in id order, as the locations index them; the main
        // file under the name the build knows it by.
        let sources = files
            .files()
            .into_iter()
            .enumerate()
            .map(|(index, file)| pb::SourceInfo {
                filename: if index == 0 {
                    opts.filename.clone()
                } else {
                    file.name.clone()
                },
                data: file.text.as_bytes().to_vec(),
                definition: None,
                language: "Buildfile".to_string(),
            })
            .collect();
        LoweredGraph {
            graph,
            head: target.output,
            sources,
            image_config: image,
            platform,
            context_sources,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_written_like_to_string() {
        for n in [0, 7, 9, 10, 99, 100, 1234, usize::MAX] {
            let mut out = String::new();
            push_decimal(&mut out, n);
            assert_eq!(out, n.to_string());
            assert_eq!(decimal_len(n), out.len(), "{n}");
        }
    }
}
