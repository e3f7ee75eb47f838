//! Stage 2: the files a Buildfile brings in, followed, and its blocks expanded: the one
//! expansion stage. Text -> the flat [`ir::Buildfile`] that check and lower take.
//!
//! [`Load`] parses the main file, then asks its caller for what it cannot know itself: the
//! files that INCLUDE and IMPORT name, and whether the paths `exists()` names are in the
//! build context. It never reads anything itself: the caller answers [`Load::wants`] with
//! [`Load::give`], from the disk (the CLI), from BuildKit (the gateway) or from memory
//! (tests), so the same code serves all three. Every file is read once; one round of
//! requests asks for everything that can be known at that point, so a chain of literal paths
//! costs one round per depth. A path or condition with variables waits until everything
//! before it is loaded, because an included file before it may declare the ARG it uses.
//!
//! INCLUDE splices a file's instructions in where it stands, as if written there; IMPORT
//! sets a file's stages apart in a namespace (`NS+name`) with its own global ARGs; IF, FOR
//! and CALL are decided from the build's arguments and platform (`expand.rs`). Then the
//! main file's spliced instructions are gathered into stages at FROM, as one file's are,
//! after the imported stages. Each node brought in keeps spans into its own file and carries
//! the INCLUDE, IMPORT, CALL or FOR iteration as its origin, so errors and BuildKit's source
//! map name the right file and the chain that brought it. Errors emitted: invalid-include-path,
//! include-not-found, include-not-followed (a warning), include-cycle, too-deep, too-large,
//! stage-in-included-steps, import-in-stage, duplicate-namespace, nothing-to-import,
//! unknown-import-arg, those of `expand.rs` and `condition.rs`, and the syntax errors of
//! every file.

mod condition;
mod expand;
mod walk;

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::ir::{Buildfile, Module, Spans};
use crate::source::{FileId, Origin, SourceFile, SourceFiles, Span};
use crate::syntax;
use crate::vars::Scope;

/// INCLUDEs, and CALLs, nest at most this deep.
pub const MAX_DEPTH: usize = 32;
/// A build expands to at most this many instructions (each CALL and FOR iteration counts one).
pub const MAX_INSTRUCTIONS: usize = 100_000;
/// A build reads at most this many files.
pub const MAX_FILES: usize = 1_000;

/// Where a file is looked up.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Root {
    /// The main Buildfile's directory: the CLI's file system, the gateway's `dockerfile`
    /// local.
    Main,
    /// `--from=NAME`: the named build context NAME when the build has one, else the
    /// filesystem of the image NAME. The caller decides which.
    Named(String),
    /// The build context, asked only whether a path exists (`exists()` in a condition).
    Context,
}

/// A file to read: a clean relative path inside a root.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Request {
    pub root: Root,
    pub path: String,
}

impl Request {
    /// The file's name in diagnostics and BuildKit's source map: the path relative to the
    /// main file's directory, or `NAME:path` inside a named root.
    pub fn name(&self) -> String {
        match &self.root {
            Root::Main => self.path.clone(),
            Root::Named(name) => format!("{name}:{}", self.path),
            Root::Context => format!("context:{}", self.path),
        }
    }
}

/// The caller's answer to a [`Request`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    Found(Vec<u8>),
    /// The root has no such file; says which root was searched ("the directory
    /// services/a", "the build context `shared`").
    NotFound(String),
    /// The caller cannot read this root at all, and says why: the INCLUDE is skipped with
    /// a warning (`rustbuild check` of an image it cannot pull), and the load is incomplete.
    Unavailable(String),
}

/// What loading gave: the Buildfile (when there is a stage), every file read, and what was
/// found wrong on the way.
#[derive(Debug)]
pub struct Loaded {
    pub buildfile: Option<Buildfile>,
    pub files: SourceFiles,
    pub diagnostics: Diagnostics,
    /// False when some INCLUDE could not be followed (an [`Answer::Unavailable`]): fine to
    /// check, not to build.
    pub complete: bool,
    /// Something was decided while converting (an IF, FOR or CALL, a variable in `AS` or
    /// `--from`): the result may differ for another platform or other build arguments.
    pub decided: bool,
}

/// What became of a requested file.
#[derive(Debug)]
enum Read {
    Pending,
    /// Parsed, its spans in `file`, with its syntax errors (reported where it is first
    /// included, with that INCLUDE as their origin).
    Parsed {
        file: FileId,
        module: Module,
        diagnostics: Diagnostics,
    },
    NotFound(String),
    Unavailable(String),
    /// Not UTF-8: the message.
    Unreadable(String),
    /// Whether a path of the build context exists.
    Exists(bool),
}

/// Loading in progress: see the module documentation.
pub struct Load<'a> {
    scope: Scope<'a>,
    files: SourceFiles,
    main: Module,
    end: Span,
    diagnostics: Diagnostics,
    read: BTreeMap<Request, Read>,
}

impl<'a> Load<'a> {
    /// Parses the main file. `scope` gives the build arguments INCLUDE paths expand with.
    pub fn new(main: SourceFile, scope: Scope<'a>) -> Self {
        let (module, diagnostics) = syntax::parse_module(&main);
        Self {
            scope,
            end: syntax::end(&main),
            files: SourceFiles::new(main),
            main: module,
            diagnostics,
            read: BTreeMap::new(),
        }
    }

    /// The files needed next, each asked for once; empty when loading is done.
    pub fn wants(&mut self) -> Vec<Request> {
        if self.read.len() >= MAX_FILES {
            return Vec::new();
        }
        let mut walk = walk::Walk::new(&self.read, &mut self.files, self.scope, false);
        walk.module(self.main.items.iter().map(Cow::Borrowed));
        let mut wanted = walk.finish().requests;
        wanted.truncate(MAX_FILES - self.read.len());
        for request in &wanted {
            self.read.insert(request.clone(), Read::Pending);
        }
        wanted
    }

    /// The caller's answer to one of [`Load::wants`]'s requests.
    pub fn give(&mut self, request: Request, answer: Answer) {
        let read = match answer {
            Answer::Found(_) if request.root == Root::Context => Read::Exists(true),
            Answer::NotFound(_) if request.root == Root::Context => Read::Exists(false),
            Answer::Found(bytes) => self.parse(&request, &bytes),
            Answer::NotFound(searched) => Read::NotFound(searched),
            Answer::Unavailable(why) => Read::Unavailable(why),
        };
        self.read.insert(request, read);
    }

    fn parse(&mut self, request: &Request, bytes: &[u8]) -> Read {
        let file = match syntax::decode(&request.name(), bytes) {
            Ok(file) => file,
            Err(diagnostic) => return Read::Unreadable(diagnostic.message),
        };
        let (mut module, mut diagnostics) = syntax::parse_module(&file);
        let Some(id) = self.files.add(file) else {
            return Read::Unreadable(format!("more than {} files", u16::MAX));
        };
        module.place(id, Origin::WRITTEN);
        place_diagnostics(&mut diagnostics, id, Origin::WRITTEN);
        Read::Parsed {
            file: id,
            module,
            diagnostics,
        }
    }

    /// Splices every INCLUDE and gathers the stages.
    pub fn finish(mut self) -> Loaded {
        let items = std::mem::take(&mut self.main.items);
        let mut walk = walk::Walk::new(&self.read, &mut self.files, self.scope, true);
        walk.module(items.into_iter().map(Cow::Owned));
        let walked = walk.finish();
        let module = Module {
            items: walked.items,
            ..self.main
        };
        let (mut buildfile, more) = syntax::assemble(module, self.end);
        if let Some(buildfile) = &mut buildfile {
            let own = std::mem::take(&mut buildfile.stages);
            buildfile.stages = walked.stages;
            buildfile.stages.extend(own);
            buildfile.imports = walked.namespaces;
        }
        self.diagnostics.extend(walked.diagnostics);
        self.diagnostics.extend(more);
        Loaded {
            buildfile,
            files: self.files,
            diagnostics: self.diagnostics,
            complete: walked.complete,
            decided: walked.decided,
        }
    }
}

/// Loads `main`, reading each file with `read`: for callers that read synchronously.
pub fn load(
    main: SourceFile,
    scope: Scope<'_>,
    mut read: impl FnMut(&Request) -> Answer,
) -> Loaded {
    let mut load = Load::new(main, scope);
    loop {
        let wanted = load.wants();
        if wanted.is_empty() {
            return load.finish();
        }
        for request in wanted {
            let answer = read(&request);
            load.give(request, answer);
        }
    }
}

/// Moves the labels of diagnostics about one file into it, under `origin`.
fn place_diagnostics(diagnostics: &mut Diagnostics, file: FileId, origin: Origin) {
    for diagnostic in diagnostics.iter_mut() {
        for label in &mut diagnostic.labels {
            label.span = label.span.in_file(file).with_origin(origin);
        }
    }
}

/// An error at an INCLUDE or IMPORT.
fn at_include(code: Code, message: String, span: Span, label: &str, help: &str) -> Diagnostic {
    Diagnostic::error(code, message)
        .with_label(span, label)
        .with_help(help)
}

#[cfg(test)]
mod tests;
