//! UndefinedVar: a variable that an instruction expands (not RUN's shell text, which the
//! shell expands) and that no ARG or ENV before it defines.
//!
//! dockerfile.v0 also counts the base image's ENV, which only the daemon knows. Without it,
//! a stage based on an image may see any name, so only what is certain is reported: in a
//! stage whose whole environment is known (based on `scratch`, or on a stage that is), every
//! undefined name; in any stage, a near-miss of an automatic ARG (`$TARGETARH`), which no
//! image defines.

use std::collections::{BTreeMap, HashSet};

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::ir::{
    Buildfile, Modifier, MountKind, Stage, StageRef, Step, StepKind, VarRef, Word, WordPart,
};
use crate::suggest;

use super::written::Written;
use super::{Context, Rule, names};

/// Variables dockerfile.v0 sets aside from the environment (SBOM scanning), never reported.
const NOT_ENV: &[&str] = &["BUILDKIT_SBOM_SCAN_CONTEXT", "BUILDKIT_SBOM_SCAN_STAGE"];

/// What a stage's instructions can see.
struct Scope {
    /// Every name declared so far: by the stage's base stages, then by its own ARGs, ENVs
    /// and bindings.
    declared: HashSet<String>,
    /// The whole environment is known: nothing else defines a name.
    known: bool,
}

impl Scope {
    fn defines(&self, name: &str) -> bool {
        self.declared.contains(name)
    }
}

pub(super) fn undefined_vars(context: &Context<'_>, found: &mut Diagnostics) {
    walk_stages(context, &BTreeMap::new(), found);
}

/// [`undefined_vars`] where the gateway knows base images' ENV names (`images`, by stage
/// index): the findings in those stages (and stages based on them) that the lint stage
/// could not be sure of, and so did not report.
pub(super) fn with_image_envs(
    context: &Context<'_>,
    images: &BTreeMap<usize, HashSet<String>>,
) -> Diagnostics {
    let mut certain = Diagnostics::new();
    walk_stages(context, &BTreeMap::new(), &mut certain);
    let mut all = Diagnostics::new();
    walk_stages(context, images, &mut all);
    let known: HashSet<_> = certain
        .iter()
        .filter_map(Diagnostic::span)
        .map(names::place)
        .collect();
    let new = all
        .into_iter()
        .filter(|d| d.span().is_some_and(|s| !known.contains(&names::place(s))));
    Diagnostics(new.collect())
}

fn walk_stages(
    context: &Context<'_>,
    images: &BTreeMap<usize, HashSet<String>>,
    found: &mut Diagnostics,
) {
    let buildfile = context.buildfile;
    // What each stage declares by its end, `None` for a stage based on an image.
    let mut ends: Vec<Option<HashSet<String>>> = Vec::with_capacity(buildfile.stages.len());
    let mut seen = Written::default();
    for (index, stage) in buildfile.stages.iter().enumerate() {
        let mut scope = match images.get(&index) {
            Some(env) => Scope {
                declared: env.clone(),
                known: true,
            },
            None => base_scope(buildfile, index, stage, &ends),
        };
        for step in stage.walk() {
            check_step(context, step, &mut scope, &mut seen, found);
        }
        ends.push(scope.known.then_some(scope.declared));
    }
}

/// The scope a stage starts with: `scratch`'s (only the default PATH), an earlier known
/// stage's, or an image's, which is not known.
fn base_scope(
    buildfile: &Buildfile,
    index: usize,
    stage: &Stage,
    ends: &[Option<HashSet<String>>],
) -> Scope {
    let unknown = Scope {
        declared: HashSet::new(),
        known: false,
    };
    let Some(base) = stage.base.as_literal() else {
        return unknown;
    };
    if base == "scratch" {
        return Scope {
            declared: HashSet::from(["PATH".to_string()]),
            known: true,
        };
    }
    match buildfile.stage_ref(index, &base, false) {
        StageRef::Earlier(earlier) => match ends.get(earlier) {
            Some(Some(declared)) => Scope {
                declared: declared.clone(),
                known: true,
            },
            _ => unknown,
        },
        _ => unknown,
    }
}

fn check_step(
    context: &Context<'_>,
    step: &Step,
    scope: &mut Scope,
    seen: &mut Written,
    found: &mut Diagnostics,
) {
    // ARG declares its names one by one (`ARG A=1 B=$A` sees A); every other instruction
    // expands all its words with the variables from before it (`ENV A=1 B=$A` does not).
    if let StepKind::Arg(decls) = &step.kind {
        for decl in decls {
            if let Some(default) = &decl.default {
                report(context, default, scope, &[], seen, found);
            }
            scope.declared.insert(decl.name.node.clone());
        }
        return;
    }
    let declares = declared_names(step);
    for word in expanded_words(step) {
        report(context, word, scope, &declares, seen, found);
    }
    scope.declared.extend(declares);
}

/// The words dockerfile.v0 expands itself, and so checks: not RUN's command, CMD,
/// ENTRYPOINT, EXPOSE or `COPY --from` (expanded with the global ARGs).
fn expanded_words(step: &Step) -> Vec<&Word> {
    match &step.kind {
        StepKind::Copy(copy) => {
            let mut words: Vec<&Word> = copy.sources.iter().collect();
            words.push(&copy.dest);
            words.extend(&copy.chown);
            words
        }
        StepKind::Env(pairs) | StepKind::Label(pairs) => pairs
            .iter()
            .flat_map(|pair| [&pair.key, &pair.value])
            .collect(),
        StepKind::Workdir(word) | StepKind::User(word) | StepKind::StopSignal(word) => {
            vec![word]
        }
        StepKind::Volume(words) => words.iter().collect(),
        StepKind::Run(run) => run
            .mounts
            .iter()
            .flat_map(|m| mount_words(&m.kind))
            .collect(),
        _ => Vec::new(),
    }
}

fn mount_words(kind: &MountKind) -> Vec<&Word> {
    let words = match kind {
        MountKind::Bind(bind) => [&bind.target, &bind.source, &None],
        MountKind::Cache(cache) => [&cache.target, &cache.source, &cache.id],
        MountKind::Tmpfs(tmpfs) => [&tmpfs.target, &tmpfs.source, &None],
        MountKind::Secret(secret) => [&secret.target, &secret.source, &secret.id],
        MountKind::Ssh(ssh) => [&ssh.target, &ssh.id, &None],
    };
    words.into_iter().flatten().collect()
}

/// The names a step declares for the steps after it. A binding's end (Unset) is not
/// counted: a name it forgets stays declared, so that nothing uncertain is reported.
fn declared_names(step: &Step) -> Vec<String> {
    match &step.kind {
        StepKind::Env(pairs) => pairs.iter().filter_map(|p| p.key.as_literal()).collect(),
        StepKind::Bind(decls) => decls.iter().map(|d| d.name.node.clone()).collect(),
        _ => Vec::new(),
    }
}

/// Reports the undefined variables of `word`, once per written place. `declares`: the
/// names its instruction declares for the instructions after it (`ENV A=1 B=$A`).
fn report(
    context: &Context<'_>,
    word: &Word,
    scope: &Scope,
    declares: &[String],
    seen: &mut Written,
    found: &mut Diagnostics,
) {
    let mut undefined = Vec::new();
    collect_undefined(word, scope, &mut undefined);
    for var in undefined {
        // A stage based on an image may get any name from it: only a near-miss of an
        // automatic ARG is certain there. (Asked first: the full suggestion weighs every
        // declared name, too dear for each `$PATH` of every image-based stage.)
        let certain = scope.known
            || suggest::did_you_mean(&var.name, &crate::vars::AUTOMATIC)
                .is_some_and(|near| near != var.name);
        if certain && seen.first(var.span) {
            let near = suggestion(var, scope);
            let warning = undefined_var(context, var, near, scope);
            found.push(match declares.contains(&var.name) {
                true => warning.with_help(format!(
                    "this ENV sets {} for the instructions after it only: set it in an ENV of its own above",
                    var.name
                )),
                false => warning,
            });
        }
    }
}

/// The variables of `word` that are not defined, as the shell lexer looks them up: a
/// `${X:-word}`'s word only when X is unset, a `${X:+word}`'s only when it is set.
fn collect_undefined<'a>(word: &'a Word, scope: &Scope, out: &mut Vec<&'a VarRef>) {
    let vars = word.parts.iter().filter_map(|part| match part {
        WordPart::Var(var) => Some(var),
        WordPart::Literal(_) => None,
    });
    for var in vars {
        let defined = scope.defines(&var.name);
        let checked = names::is_name(&var.name) && !NOT_ENV.contains(&var.name.as_str());
        if checked && !defined {
            out.push(var);
        }
        match &var.modifier {
            Some(Modifier::Default { word, .. }) if !defined => collect_undefined(word, scope, out),
            Some(Modifier::Alternate { word, .. }) if defined => {
                collect_undefined(word, scope, out);
            }
            Some(Modifier::TrimPrefix { pattern, .. } | Modifier::TrimSuffix { pattern, .. }) => {
                collect_undefined(pattern, scope, out);
            }
            Some(Modifier::Replace {
                pattern,
                replacement,
                ..
            }) => {
                collect_undefined(pattern, scope, out);
                collect_undefined(replacement, scope, out);
            }
            _ => {}
        }
    }
}

/// A declared name (or, failing that, an automatic ARG's) one or two edits away.
fn suggestion<'a>(var: &VarRef, scope: &'a Scope) -> Option<&'a str> {
    let mut declared: Vec<&str> = scope.declared.iter().map(String::as_str).collect();
    declared.sort_unstable();
    suggest::did_you_mean(&var.name, &declared)
        .or_else(|| suggest::did_you_mean(&var.name, &crate::vars::AUTOMATIC))
        .filter(|near| *near != var.name)
}

fn undefined_var(
    context: &Context<'_>,
    var: &VarRef,
    near: Option<&str>,
    scope: &Scope,
) -> Diagnostic {
    let mut message = format!("Usage of undefined variable '${}'", var.name);
    if let Some(near) = near {
        message.push_str(&format!(" (did you mean ${near}?)"));
    }
    let warning =
        Diagnostic::lint(Rule::UndefinedVar, message).with_label(var.span, "not defined here");
    let declare = |name: &str| {
        if crate::vars::AUTOMATIC.contains(&name) && !scope.defines(name) {
            format!("; a stage sees the automatic ARG {name} only after `ARG {name}` declares it")
        } else {
            String::new()
        }
    };
    let Some(near) = near else {
        return warning.with_help(format!(
            "declare it first (`ARG {0}` or `ENV {0}=…`): it expands to nothing{1}",
            var.name,
            declare(&var.name)
        ));
    };
    let warning = warning.with_help(format!("write `${near}`{}", declare(near)));
    match names::name_span(context, var) {
        Some(at) => warning.with_fix(format!("write `${near}`"), at, near),
        None => warning,
    }
}
