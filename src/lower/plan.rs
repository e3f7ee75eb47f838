//! Before lowering: the global ARGs, what each stage is based on, the target, and which
//! stages the target needs (only those are lowered and only their images resolved).

use std::collections::BTreeMap;

use super::{ImageRequest, LowerOptions, NamedContext, reference};
use crate::check::stages::stage_ref_problem;
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::ir::{self, StageRef, StepKind};
use crate::platform::Platform;
use crate::source::Span;
use crate::vars::Env;
use crate::vars::expand;

/// What a stage starts from, or what a `COPY --from`/`--mount from=` reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    Scratch,
    /// An earlier stage, by index.
    Stage(usize),
    /// A normalised image reference.
    Image(String),
    Named(NamedContext),
}

#[derive(Clone, Debug)]
pub(crate) struct StagePlan {
    pub(crate) base: Source,
    /// `FROM --platform`, else the target platform.
    pub(crate) platform: Platform,
    /// The name in progress output: the stage name, `stage-N`, or none for a one-stage file.
    pub(crate) display_name: Option<String>,
}

#[derive(Clone, Debug)]
pub(crate) struct Plan {
    /// The global ARGs of the main file, then of each imported file (see [`Plan::globals`]).
    globals: Vec<Env>,
    /// The IMPORT line's values for each imported file's ARGs: its "build arguments".
    import_args: Vec<BTreeMap<String, String>>,
    pub(crate) stages: Vec<StagePlan>,
    pub(crate) target: usize,
    /// `needed[i]`: the target depends on stage `i`.
    pub(crate) needed: Vec<bool>,
    named_contexts: std::collections::BTreeMap<String, NamedContext>,
    target_platform: Platform,
}

impl Plan {
    pub(crate) fn new(buildfile: &ir::Buildfile, opts: &LowerOptions) -> Result<Self, Diagnostics> {
        let mut diagnostics = Diagnostics::new();
        let (globals, import_args) = scopes(buildfile, opts);
        let target = target_index(buildfile, opts)?;
        let mut plan = Plan {
            globals,
            import_args,
            stages: Vec::with_capacity(buildfile.stages.len()),
            target,
            needed: Vec::new(),
            named_contexts: opts.named_contexts.clone(),
            target_platform: opts.target_platform.clone(),
        };
        // Resolve every stage's base, keeping errors per stage: only needed stages report.
        let mut base_errors = Vec::new();
        for (index, stage) in buildfile.stages.iter().enumerate() {
            let globals = plan.globals(stage.namespace);
            let platform = match &stage.platform {
                Some(word) => match Platform::parse(&expand(word, globals)) {
                    Ok(p) => p,
                    Err(err) => {
                        diagnostics.push(
                            Diagnostic::error(Code::InvalidPlatform, err.to_string())
                                .with_label(word.span, "this platform")
                                .with_help("write it as `os/arch[/variant]`, e.g. `linux/arm64`"),
                        );
                        opts.target_platform.clone()
                    }
                },
                None => opts.target_platform.clone(),
            };
            let name = expand(&stage.base, globals);
            let base = if name.eq_ignore_ascii_case("scratch") {
                Ok(Source::Scratch)
            } else {
                plan.resolve(buildfile, index, &name, false, stage.base.span)
            };
            let base = base.unwrap_or_else(|diagnostic| {
                base_errors.push((index, diagnostic));
                Source::Scratch
            });
            let display_name = several_dispatch_states(buildfile).then(|| {
                stage
                    .name
                    .as_ref()
                    .map_or_else(|| format!("stage-{index}"), |n| n.node.clone())
            });
            plan.stages.push(StagePlan {
                base,
                platform,
                display_name,
            });
        }
        plan.needed = plan.reachable(buildfile, &mut diagnostics);
        for (index, diagnostic) in base_errors {
            if plan.needed[index] {
                diagnostics.push(diagnostic);
            }
        }
        if diagnostics.has_errors() {
            return Err(diagnostics.sorted());
        }
        Ok(plan)
    }

    /// The global ARGs the stages of `namespace` see (`None`: the main file's).
    pub(crate) fn globals(&self, namespace: Option<usize>) -> &Env {
        &self.globals[namespace.map_or(0, |n| n + 1)]
    }

    /// The values that take the place of the build's arguments in `namespace`: the
    /// IMPORT line's, for an imported file, which the build's arguments do not reach.
    pub(crate) fn build_args<'a>(
        &'a self,
        namespace: Option<usize>,
        build_args: &'a BTreeMap<String, String>,
    ) -> &'a BTreeMap<String, String> {
        namespace.map_or(build_args, |n| &self.import_args[n])
    }

    /// What `name` (a FROM base, `--from` or `from=`, at `span`) refers to from stage
    /// `current`: an earlier stage (by index with `numeric`), a named context or an image.
    /// A stage it may not name is the error check gives for a written reference.
    pub(crate) fn resolve(
        &self,
        buildfile: &ir::Buildfile,
        current: usize,
        name: &str,
        numeric: bool,
        span: Span,
    ) -> Result<Source, Diagnostic> {
        match buildfile.stage_ref(current, name, numeric) {
            StageRef::Earlier(index) => return Ok(Source::Stage(index)),
            StageRef::NotAStage => {}
            found => {
                return Err(stage_ref_problem(buildfile, current, name, found, span)
                    .unwrap_or_else(|| {
                        Diagnostic::internal("a stage reference with no problem was refused")
                    }));
            }
        }
        if let Some(named) = self.named_context(name) {
            if let NamedContext::Input(input) = &named {
                return Err(Diagnostic::error(
                    Code::NotSupportedByDaemon,
                    format!("the build context `{name}` is the frontend input `{input}`"),
                )
                .with_label(span, "built from here")
                .with_help(
                    "rustbuild reads INCLUDE and IMPORT files from a frontend input, but does \
                     not build from one yet; give the context as a directory or an image",
                ));
            }
            return Ok(Source::Named(named));
        }
        if name.eq_ignore_ascii_case("scratch") {
            return Ok(Source::Scratch);
        }
        reference::normalize(name)
            .map(Source::Image)
            .map_err(|why| {
                invalid_source(
                    span,
                    format!("`{name}` is not a stage or an image reference: {why}"),
                )
            })
    }

    fn named_context(&self, name: &str) -> Option<NamedContext> {
        if let Some(named) = self.named_contexts.get(name) {
            return Some(named.clone());
        }
        let normalized = reference::normalize(name).ok()?;
        self.named_contexts.get(&normalized).cloned()
    }

    /// The source of `COPY --from` in stage `current`; `None` for the build context.
    pub(crate) fn copy_source(
        &self,
        buildfile: &ir::Buildfile,
        current: usize,
        copy: &ir::Copy,
    ) -> Option<Result<Source, Diagnostic>> {
        let word = copy.from.as_ref()?;
        let name = expand(word, self.globals(buildfile.stages[current].namespace));
        Some(self.resolve(buildfile, current, &name, true, word.span))
    }

    /// The source of a `--mount from=`; `None` for the build context. A cache mount
    /// without `from` starts empty.
    pub(crate) fn mount_source(
        &self,
        buildfile: &ir::Buildfile,
        current: usize,
        mount: &ir::Mount,
    ) -> Option<Result<Source, Diagnostic>> {
        match mount.from() {
            Some(from) => Some(self.resolve(buildfile, current, &from.node, true, from.span)),
            None if matches!(mount.kind, ir::MountKind::Cache(_)) => Some(Ok(Source::Scratch)),
            None => None,
        }
    }

    /// What a step of stage `current` reads from besides the build context: COPY's
    /// `--from`, each mount's `from` (an empty cache mount reads scratch).
    fn step_sources(
        &self,
        buildfile: &ir::Buildfile,
        current: usize,
        step: &ir::Step,
    ) -> Vec<Result<Source, Diagnostic>> {
        match &step.kind {
            StepKind::Copy(copy) => self
                .copy_source(buildfile, current, copy)
                .into_iter()
                .collect(),
            StepKind::Run(run) => run
                .mounts
                .iter()
                .filter_map(|m| self.mount_source(buildfile, current, m))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The stages `index` reads from.
    fn dependencies(
        &self,
        buildfile: &ir::Buildfile,
        index: usize,
        diagnostics: &mut Diagnostics,
    ) -> Vec<usize> {
        let mut deps = Vec::new();
        if let Source::Stage(base) = self.stages[index].base {
            deps.push(base);
        }
        for step in buildfile.stages[index].walk() {
            for source in self.step_sources(buildfile, index, step) {
                match source {
                    Ok(Source::Stage(dep)) => deps.push(dep),
                    Err(diagnostic) => diagnostics.push(diagnostic),
                    Ok(_) => {}
                }
            }
        }
        deps
    }

    fn reachable(&self, buildfile: &ir::Buildfile, diagnostics: &mut Diagnostics) -> Vec<bool> {
        let mut needed = vec![false; buildfile.stages.len()];
        let mut todo = vec![self.target];
        while let Some(index) = todo.pop() {
            if needed[index] {
                continue;
            }
            needed[index] = true;
            todo.extend(self.dependencies(buildfile, index, diagnostics));
        }
        needed
    }

    /// The images the needed stages use, each once, in file order.
    pub(crate) fn image_requests(&self, buildfile: &ir::Buildfile) -> Vec<ImageRequest> {
        let mut out: Vec<ImageRequest> = Vec::new();
        let mut push = |reference: &str, platform: &Platform| {
            let request = ImageRequest {
                reference: reference.to_string(),
                platform: platform.clone(),
            };
            if !out.contains(&request) {
                out.push(request);
            }
        };
        for (index, stage) in buildfile.stages.iter().enumerate() {
            if !self.needed[index] {
                continue;
            }
            let plan = &self.stages[index];
            if let Some(reference) = self.image_of(&plan.base) {
                push(&reference, &plan.platform);
            }
            for step in stage.walk() {
                let sources = self.step_sources(buildfile, index, step);
                for source in sources.into_iter().flatten() {
                    if let Some(reference) = self.image_of(&source) {
                        push(&reference, &self.target_platform);
                    }
                }
            }
        }
        out
    }

    /// The image reference a source needs resolved, if any.
    pub(crate) fn image_of(&self, source: &Source) -> Option<String> {
        match source {
            Source::Image(reference) => Some(reference.clone()),
            Source::Named(NamedContext::Image(reference)) => reference::normalize(reference).ok(),
            _ => None,
        }
    }
}

fn invalid_source(span: Span, message: String) -> Diagnostic {
    Diagnostic::error(Code::InvalidExpandedValue, message)
        .with_label(span, "expanded from here")
        .with_help("name an earlier stage or an image like `alpine:3.19`")
}

/// The stage `--target` names, or the last stage.
fn target_index(buildfile: &ir::Buildfile, opts: &LowerOptions) -> Result<usize, Diagnostics> {
    let last = buildfile.stages.len().checked_sub(1);
    match (&opts.target, last) {
        (_, None) => Err(Diagnostic::error(
            Code::UnknownTarget,
            "the Buildfile has no stages to build",
        )
        .into()),
        (None, Some(last)) => Ok(last),
        (Some(target), Some(_)) => buildfile.stage_index(target).ok_or_else(|| {
            let names: Vec<&str> = buildfile
                .stages
                .iter()
                .filter_map(|s| s.name.as_ref().map(|n| n.node.as_str()))
                .collect();
            let help = if names.is_empty() {
                "no stage has a name; name one with `FROM image AS name`".to_string()
            } else {
                format!("the stages are: {}", names.join(", "))
            };
            let diagnostic = Diagnostic::error(
                Code::UnknownTarget,
                format!("target stage `{target}` could not be found"),
            )
            .with_help(help);
            let diagnostic = match buildfile.stages.first() {
                Some(first) => {
                    diagnostic.with_label(first.span, "no stage of that name in this file")
                }
                None => diagnostic,
            };
            Diagnostics::from(diagnostic)
        }),
    }
}

/// Whether dockerfile.v0 holds more than one dispatch state, and so names every stage in
/// progress output (`[stage-0 2/3] RUN …`, even for the only stage): several stages, or a
/// stage plus the "unregistered" state it adds for each RUN --mount (without `from=` a
/// mount reads `scratch`, which is never a stage) and each COPY --from naming no stage
/// (a number is a stage index; a name with variables never matches a stage as written).
fn several_dispatch_states(buildfile: &ir::Buildfile) -> bool {
    let names_no_stage = |word: &ir::Word| match word.as_literal() {
        Some(name) => name.parse::<usize>().is_err() && buildfile.stage_index(&name).is_none(),
        None => true,
    };
    buildfile.stages.len() > 1
        || buildfile
            .stages
            .iter()
            .flat_map(ir::Stage::walk)
            .any(|step| match &step.kind {
                ir::StepKind::Run(run) => !run.mounts.is_empty(),
                ir::StepKind::Copy(copy) => copy.from.as_ref().is_some_and(names_no_stage),
                _ => false,
            })
}

/// The global ARGs of the main file and of each imported one, and the imported files'
/// values: an IMPORT line's values expand in the importing file's global ARGs, which
/// come before it.
fn scopes(
    buildfile: &ir::Buildfile,
    opts: &LowerOptions,
) -> (Vec<Env>, Vec<BTreeMap<String, String>>) {
    let mut globals = vec![crate::vars::globals(&buildfile.global_args, &opts.scope())];
    let mut import_args = Vec::new();
    for namespace in &buildfile.imports {
        let importer = &globals[namespace.importer.map_or(0, |n| n + 1)];
        let values: BTreeMap<String, String> = namespace
            .values
            .iter()
            .map(|v| {
                (
                    v.key.as_literal().unwrap_or_default(),
                    expand(&v.value, importer),
                )
            })
            .collect();
        let scope = crate::vars::Scope {
            build_args: &values,
            ..opts.scope()
        };
        globals.push(crate::vars::globals(&namespace.global_args, &scope));
        import_args.push(values);
    }
    (globals, import_args)
}
