//! Stage names and the references between stages.

use std::collections::HashMap;

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::ir::{Buildfile, Stage, StageRef, Step};
use crate::source::Span;

/// Two stages with the same name: Dockerfile silently uses the last for `--target` and the
/// nearest earlier one for references, which is never what was meant.
pub(super) fn duplicate_names(buildfile: &Buildfile, diagnostics: &mut Diagnostics) {
    // A map, not a scan per stage: FOR and IMPORT make builds of thousands of stages.
    let mut first: HashMap<&str, Span> = HashMap::new();
    for stage in &buildfile.stages {
        let Some(name) = &stage.name else { continue };
        let Some(&first) = first.get(name.node.as_str()) else {
            first.insert(&name.node, name.span);
            continue;
        };
        diagnostics.push(
            Diagnostic::error(
                Code::DuplicateStage,
                format!("duplicate stage name `{}`", name.node),
            )
            .with_label(name.span, "named again here")
            .with_label(first, "first named here")
            .with_help("give each stage its own name"),
        );
    }
}

/// `COPY --from` and `--mount from=` must look back, never at their own stage or ahead.
pub(super) fn references(buildfile: &Buildfile, diagnostics: &mut Diagnostics) {
    let names = first_stage_by_name(buildfile);
    for (index, stage) in buildfile.stages.iter().enumerate() {
        for (reference, span) in references_of(stage) {
            if let Some(diagnostic) = problem(buildfile, &names, index, &reference, span) {
                diagnostics.push(diagnostic);
            }
        }
    }
}

/// The first stage of each name: what [`Buildfile::stage_index`] finds, looked up in one
/// step instead of a walk over the stages per reference.
fn first_stage_by_name(buildfile: &Buildfile) -> HashMap<&str, usize> {
    let mut names = HashMap::with_capacity(buildfile.stages.len());
    for (index, stage) in buildfile.stages.iter().enumerate() {
        if let Some(name) = &stage.name {
            names.entry(name.node.as_str()).or_insert(index);
        }
    }
    names
}

/// [`reference_problem`], with names looked up in `names` (full names: an imported stage's
/// references are in its namespace, as [`Buildfile::stage_ref`] resolves them). Numbers go
/// the usual way.
fn problem(
    buildfile: &Buildfile,
    names: &HashMap<&str, usize>,
    current: usize,
    reference: &str,
    span: Span,
) -> Option<Diagnostic> {
    if !reference.is_empty() && reference.bytes().all(|b| b.is_ascii_digit()) {
        return reference_problem(buildfile, current, reference, span);
    }
    let namespace = buildfile.stages[current].namespace;
    let prefix = namespace.map_or("", |n| buildfile.imports[n].prefix.as_str());
    let key = format!("{prefix}{}", reference.to_ascii_lowercase());
    let found = match names.get(key.as_str()) {
        Some(&index) if index < current => StageRef::Earlier(index),
        Some(&index) => StageRef::NotYet(index),
        None => StageRef::NotAStage,
    };
    stage_ref_problem(buildfile, current, reference, found, span)
}

/// Every literal stage reference a stage's steps make, with its span.
fn references_of(stage: &Stage) -> Vec<(String, Span)> {
    stage
        .walk()
        .flat_map(Step::references)
        .filter_map(|r| Some((r.literal()?, r.span())))
        .collect()
}

/// The error for a reference that does not name an earlier stage; `None` when it does,
/// or names no stage at all (an image). Shared with lower, which finds the same mistakes
/// once variables are expanded.
pub(crate) fn reference_problem(
    buildfile: &Buildfile,
    current: usize,
    reference: &str,
    span: Span,
) -> Option<Diagnostic> {
    let found = buildfile.stage_ref(current, reference, true);
    stage_ref_problem(buildfile, current, reference, found, span)
}

/// [`reference_problem`] for a reference already looked up.
pub(crate) fn stage_ref_problem(
    buildfile: &Buildfile,
    current: usize,
    reference: &str,
    found: StageRef,
    span: Span,
) -> Option<Diagnostic> {
    let target = match found {
        StageRef::Earlier(_) | StageRef::NotAStage => return None,
        StageRef::NoSuchIndex(index) => {
            let count = buildfile.stages.len();
            let shown = if index == usize::MAX {
                reference.to_string()
            } else {
                index.to_string()
            };
            return Some(
                Diagnostic::error(Code::UnknownStage, format!("there is no stage {shown}"))
                    .with_label(span, "no such stage")
                    .with_help(format!(
                        "stages are numbered from 0; this file has {count} (0 to {})",
                        count - 1
                    )),
            );
        }
        StageRef::NotYet(target) => target,
    };
    let stage = &buildfile.stages[target];
    let numeric = reference.bytes().all(|b| b.is_ascii_digit());
    let (message, help) = if target == current {
        (
            if numeric {
                format!("stage {reference} is this stage (stages count from 0)")
            } else {
                format!("stage `{reference}` refers to itself")
            },
            "copy from an earlier stage, or split this stage in two".to_owned(),
        )
    } else {
        (
            if numeric {
                format!("stage {reference} comes after this one (stages count from 0)")
            } else {
                format!("`{reference}` is a later stage")
            },
            "a stage can only use stages defined above it; move that stage up".to_owned(),
        )
    };
    let defined = stage.name.as_ref().map_or(stage.span, |n| n.span);
    let mut diagnostic =
        Diagnostic::error(Code::StageCycle, message).with_label(span, "refers to it here");
    if target != current {
        diagnostic = diagnostic.with_label(defined, "defined here");
    }
    Some(diagnostic.with_help(help))
}
