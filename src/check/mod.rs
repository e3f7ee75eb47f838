//! Stage 2: whole-file rules over the IR, the ones no single instruction can decide.
//!
//! Input: an [`ir::Buildfile`](crate::ir::Buildfile) from `syntax::parse`. Output: every
//! finding, never only the first. Rules, one family per module:
//! - [`stages`]: stage names are unique (duplicate-stage); `COPY --from` and
//!   `RUN --mount=from=` name an earlier stage or an image, never the stage itself or a later
//!   one (stage-cycle), and a numeric `--from=N` names an existing stage (unknown-stage);
//! - [`mounts`]: bind, cache and tmpfs mounts have a target (missing-mount-target).
//!
//! Warnings about files that build are [`lint`](crate::lint)'s.
//!
//! Pure: no I/O, no environment.

mod mounts;
pub(crate) mod stages;

use crate::diagnostic::Diagnostics;
use crate::ir::Buildfile;

pub fn check(buildfile: &Buildfile) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    stages::duplicate_names(buildfile, &mut diagnostics);
    stages::references(buildfile, &mut diagnostics);
    mounts::targets(buildfile, &mut diagnostics);
    diagnostics
}
