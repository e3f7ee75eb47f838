//! Stage 1: Buildfile text -> IR. (Being written.)

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::ir::Buildfile;
use crate::source::SourceFile;

pub fn parse(_file: &SourceFile) -> (Option<Buildfile>, Diagnostics) {
    (
        None,
        Diagnostics::from(Diagnostic::internal("the parser is not written yet")),
    )
}
