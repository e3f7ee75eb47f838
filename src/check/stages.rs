//! Stage names and the references between stages.

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::ir::{Buildfile, Stage, StepKind};
use crate::source::Span;

/// Two stages with the same name: Dockerfile silently uses the last for `--target` and the
/// nearest earlier one for references, which is never what was meant.
pub(super) fn duplicate_names(buildfile: &Buildfile, diagnostics: &mut Diagnostics) {
    for (i, stage) in buildfile.stages.iter().enumerate() {
        let Some(name) = &stage.name else { continue };
        let first = buildfile.stages[..i]
            .iter()
            .filter_map(|s| s.name.as_ref())
            .find(|n| n.node == name.node);
        if let Some(first) = first {
            diagnostics.push(
                Diagnostic::error(
                    Code::DuplicateStage,
                    format!("duplicate stage name `{}`", name.node),
                )
                .with_label(name.span, "named again here")
                .with_label(first.span, "first named here")
                .with_help("give each stage its own name"),
            );
        }
    }
}

/// `COPY --from` and `--mount from=` must look back, never at their own stage or ahead.
pub(super) fn references(buildfile: &Buildfile, diagnostics: &mut Diagnostics) {
    for (index, stage) in buildfile.stages.iter().enumerate() {
        for (reference, span) in references_of(stage) {
            if let Some(diagnostic) = reference_problem(buildfile, index, &reference, span) {
                diagnostics.push(diagnostic);
            }
        }
    }
}

/// Every literal stage reference a stage's steps make, with its span.
fn references_of(stage: &Stage) -> Vec<(String, Span)> {
    let mut out = Vec::new();
    for step in &stage.steps {
        match &step.kind {
            StepKind::Copy(copy) => {
                if let Some(from) = &copy.from {
                    if let Some(text) = from.as_literal() {
                        out.push((text, from.span));
                    }
                }
            }
            StepKind::Run(run) => {
                for mount in &run.mounts {
                    if let Some(from) = &mount.from {
                        out.push((from.node.clone(), from.span));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

fn reference_problem(
    buildfile: &Buildfile,
    current: usize,
    reference: &str,
    span: Span,
) -> Option<Diagnostic> {
    let target = match reference.parse::<usize>() {
        Ok(index) if index >= buildfile.stages.len() => {
            return Some(
                Diagnostic::error(Code::UnknownStage, format!("there is no stage {index}"))
                    .with_label(span, "no such stage")
                    .with_help(format!(
                        "stages are numbered from 0; this file has {} (0 to {})",
                        buildfile.stages.len(),
                        buildfile.stages.len() - 1
                    )),
            );
        }
        Ok(index) => index,
        Err(_) => buildfile.stage_index(reference)?,
    };
    if target < current {
        return None;
    }
    let stage = &buildfile.stages[target];
    let (message, help) = if target == current {
        (
            format!("stage `{reference}` refers to itself"),
            "copy from an earlier stage, or split this stage in two".to_owned(),
        )
    } else {
        (
            format!("`{reference}` is a later stage"),
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
