//! rustbuild: a BuildKit frontend for the Buildfile language.
//!
//! The pipeline, one module per stage, each depending only on those before it:
//!
//! ```text
//! source, diagnostic, platform, ir   shared vocabulary
//! posix_path, ignore                 slash paths as Go cleans them, .dockerignore patterns
//! port                               EXPOSE's port specs, for syntax and lower alike
//! suggest                            "did you mean" for names of any kind
//! syntax    Buildfile text -> ir::Buildfile            (the only module that names pest)
//! check     ir::Buildfile -> diagnostics               (whole-file rules)
//! llb, pb   BuildKit's protobuf types and a deterministic LLB builder
//! lower     ir::Buildfile + platform + options -> llb::Definition + image config (pure)
//! gateway   gRPC to BuildKit's LLBBridge over stdin/stdout (the only module that names tonic)
//! ```

pub mod check;
pub mod diagnostic;
pub mod gateway;
pub mod ignore;
pub mod ir;
pub mod llb;
pub mod lower;
pub mod pb;
pub mod platform;
pub mod port;
pub mod posix_path;
pub mod source;
mod suggest;
pub mod syntax;
pub mod vars;

use diagnostic::Diagnostics;
use source::SourceFile;

/// A Buildfile read and checked: the IR when it has no errors, and every diagnostic found.
#[derive(Clone, Debug)]
pub struct Analysis {
    pub buildfile: Option<ir::Buildfile>,
    pub diagnostics: Diagnostics,
}

/// Parses and checks a Buildfile. The IR is returned only when there are no errors,
/// so later stages never see a file that `rustbuild check` would reject.
pub fn analyze(file: &SourceFile) -> Analysis {
    let (buildfile, mut diagnostics) = syntax::parse(file);
    if let Some(buildfile) = &buildfile {
        diagnostics.extend(check::check(buildfile));
    }
    let diagnostics = diagnostics.sorted();
    let buildfile = buildfile.filter(|_| !diagnostics.has_errors());
    Analysis {
        buildfile,
        diagnostics,
    }
}
