//! Instructions as written, for the rules that read the text rather than the IR: keyword
//! casing, stage names, comments and continuation lines.
//!
//! A FUNCTION body's line is spliced in once per CALL (and per FOR iteration), each copy
//! with its own origin but the same place in its file: [`Written`] keeps one of each, so a
//! rule reports a line once however often it expands.

use std::collections::HashSet;

use crate::ir::{Stage, StageRef, Step, StepKind};
use crate::source::{FileId, Span};

use super::Context;

/// The places already seen: file and byte range, the origin left out.
#[derive(Default)]
pub(super) struct Written(HashSet<(FileId, u32, u32)>);

impl Written {
    /// True the first time `span`'s place is offered.
    pub(super) fn first(&mut self, span: Span) -> bool {
        self.0.insert((span.file, span.start, span.end))
    }
}

/// The text `span` covers in its file; empty when the file is not known.
pub(super) fn text<'a>(context: &Context<'a>, span: Span) -> &'a str {
    context
        .files
        .file(span.file)
        .map_or("", |file| file.slice(span))
}

/// The keyword an instruction starts with, as written, and its span.
pub(super) fn keyword<'a>(context: &Context<'a>, span: Span) -> Option<(&'a str, Span)> {
    let written = text(context, span);
    let len = written
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(written.len());
    (len > 0).then(|| (&written[..len], span.part(0..len)))
}

/// Steps with text of their own: ARG --bind and --unset are made by CALL and FOR.
pub(super) fn is_written(step: &Step) -> bool {
    !matches!(step.kind, StepKind::Bind(_) | StepKind::Unset(_))
}

/// The stage `stage` is built on, when its base names an earlier stage of the build.
pub(super) fn base_stage(context: &Context<'_>, index: usize, stage: &Stage) -> Option<usize> {
    let name = stage.base.as_literal()?;
    match context.buildfile.stage_ref(index, &name, false) {
        StageRef::Earlier(base) => Some(base),
        _ => None,
    }
}
