//! Stage 2: whole-file rules over the IR. (Being written.)

use crate::diagnostic::Diagnostics;
use crate::ir::Buildfile;

pub fn check(_buildfile: &Buildfile) -> Diagnostics {
    Diagnostics::new()
}
