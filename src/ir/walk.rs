//! Walking the steps of a Buildfile: the one place that knows how steps are laid out.
//! Every rule that looks at steps goes through here, so that when blocks nest (IF, FOR,
//! CALL), they all follow them the same way.

use super::{Buildfile, Stage, Step, StepKind, Word};
use crate::source::{Span, Spanned};

impl Stage {
    /// The stage's steps, in order.
    pub fn walk(&self) -> impl Iterator<Item = &Step> {
        self.steps.iter()
    }
}

impl Buildfile {
    /// Every step of every stage, with the stage's index.
    pub fn walk(&self) -> impl Iterator<Item = (usize, &Step)> {
        self.stages
            .iter()
            .enumerate()
            .flat_map(|(index, stage)| stage.walk().map(move |step| (index, step)))
    }
}

/// A step's reference to another stage or an image: `COPY --from` (a word, expanded with
/// the global ARGs) or `RUN --mount=from=` (taken as written, as in Dockerfile).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reference<'a> {
    CopyFrom(&'a Word),
    MountFrom(&'a Spanned<String>),
}

impl Reference<'_> {
    pub fn span(&self) -> Span {
        match self {
            Reference::CopyFrom(word) => word.span,
            Reference::MountFrom(from) => from.span,
        }
    }

    /// The name, when it has no variable.
    pub fn literal(&self) -> Option<String> {
        match self {
            Reference::CopyFrom(word) => word.as_literal(),
            Reference::MountFrom(from) => Some(from.node.clone()),
        }
    }
}

impl Step {
    /// The stages or images this step reads from, in the order written.
    pub fn references(&self) -> Vec<Reference<'_>> {
        match &self.kind {
            StepKind::Copy(copy) => copy.from.iter().map(Reference::CopyFrom).collect(),
            StepKind::Run(run) => run
                .mounts
                .iter()
                .filter_map(|m| m.from().map(Reference::MountFrom))
                .collect(),
            _ => Vec::new(),
        }
    }
}
