//! rustbuild: a BuildKit frontend for the Buildfile language.
//!
//! The pipeline, one module per stage, each depending only on those before it:
//!
//! ```text
//! source, diagnostic, platform, ir   shared vocabulary
//! posix_path, ignore                 slash paths as Go cleans them, .dockerignore patterns
//! port                               EXPOSE's port specs, for syntax and lower alike
//! suggest                            "did you mean" for names of any kind
//! syntax    one file's text -> ir::Module              (the only module that names pest)
//! format    one file's text -> the same in the canonical layout (reads with syntax)
//! vars      ARG values and `${…}` expansion, for the stages that decide while converting
//! load      ir::Module + the files INCLUDE names (read by the caller) -> ir::Buildfile
//! check     ir::Buildfile -> diagnostics               (whole-file rules)
//! lint      ir::Buildfile + its text -> warnings       (Docker's rules and ours, `# check=`)
//! llb, pb   BuildKit's protobuf types and a deterministic LLB builder
//! lower     ir::Buildfile + platform + options -> llb::Definition + image config (pure)
//! lsp       a language server over stdio: diagnostics, hover, definition, completion
//! gateway   gRPC to BuildKit's LLBBridge over stdin/stdout, or over a client's connection
//! client    `rustbuild build`: a session, Control.Solve with no frontend, the gateway in-process
//! ```

pub mod check;
pub mod client;
pub mod diagnostic;
pub mod format;
pub mod gateway;
pub mod ignore;
pub mod ir;
pub mod lint;
pub mod llb;
pub mod load;
pub mod lower;
pub mod lsp;
pub mod pb;
pub mod platform;
pub mod port;
pub mod posix_path;
pub mod print;
pub mod source;
mod suggest;
pub mod syntax;
pub mod vars;

use diagnostic::Diagnostics;
use source::{SourceFile, SourceFiles};

/// A Buildfile read and checked: the IR when it has no errors, every file it was read
/// from, and every diagnostic found.
#[derive(Clone, Debug)]
pub struct Analysis {
    pub buildfile: Option<ir::Buildfile>,
    pub files: SourceFiles,
    pub diagnostics: Diagnostics,
    /// False when an INCLUDE could not be followed (see [`load::Answer::Unavailable`]):
    /// the file was checked as far as it could be, but is not fit to build.
    pub complete: bool,
    /// See [`load::Loaded::decided`].
    pub decided: bool,
}

/// Parses and checks a Buildfile on its own: an INCLUDE in it finds no file.
pub fn analyze(file: &SourceFile) -> Analysis {
    let amd64 = platform::Platform::linux_amd64();
    let scope = vars::Scope::alone(&amd64);
    let alone =
        |_: &load::Request| load::Answer::NotFound("no files (the Buildfile is read alone)".into());
    analyze_loaded(
        load::load(file.clone(), scope, alone),
        lint::Inputs::default(),
    )
}

/// Checks and lints a loaded Buildfile. The IR is returned only when there are no errors,
/// so later stages never see a file that `rustbuild check` would reject (`# check=error=true`
/// makes lint warnings such errors).
pub fn analyze_loaded(loaded: load::Loaded, inputs: lint::Inputs<'_>) -> Analysis {
    let mut diagnostics = loaded.diagnostics;
    if let Some(buildfile) = &loaded.buildfile {
        diagnostics.extend(check::check(buildfile));
        diagnostics.extend(lint::lint(buildfile, &loaded.files, inputs));
    }
    let diagnostics = lint::configure(
        diagnostics,
        loaded.buildfile.as_ref(),
        &loaded.files,
        inputs,
    );
    let buildfile = loaded.buildfile.filter(|_| !diagnostics.has_errors());
    Analysis {
        buildfile,
        files: loaded.files,
        diagnostics,
        complete: loaded.complete,
        decided: loaded.decided,
    }
}
