//! One pass over the main file and, depth first, the files it includes, in the order their
//! instructions will stand. A first kind of pass only collects the files still missing; the
//! last one, when nothing is missing, splices and reports.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::{MAX_DEPTH, MAX_INSTRUCTIONS, Read, Request, Root, at_include, place_diagnostics};
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::ir::{ArgDecl, Include, Item, Spans, StepKind, Word};
use crate::posix_path;
use crate::source::{Expansion, ExpansionKind, FileId, Origin, SourceFiles, Span};
use crate::vars::{self, Scope};

/// The file being walked: where its own INCLUDEs are looked up, and where its nodes go.
#[derive(Clone)]
struct Place {
    root: Root,
    /// The file's directory inside `root` ("" at the top).
    dir: String,
    file: FileId,
    origin: Origin,
    /// Included after a FROM: the file may hold stage instructions only.
    in_stage: bool,
}

pub(super) struct Walk<'w> {
    read: &'w BTreeMap<Request, Read>,
    files: &'w mut SourceFiles,
    scope: Scope<'w>,
    /// The last pass: splice and report. Otherwise only collect what is missing.
    splice: bool,
    /// Every file before this point is loaded, so an INCLUDE's variables have their
    /// values; after a missing one only literal paths are worth asking for.
    exact: bool,
    /// The global ARGs so far, for INCLUDE paths.
    globals: Vec<ArgDecl>,
    /// A FROM was spliced: later instructions belong to a stage.
    in_stage: bool,
    /// The files being included, outermost first, with their INCLUDE: cycles and depth.
    stack: Vec<(Request, Span)>,
    out: Walked,
    /// Files whose syntax errors were reported.
    reported: Vec<FileId>,
}

/// What a pass found.
pub(super) struct Walked {
    pub(super) requests: Vec<Request>,
    pub(super) items: Vec<Item>,
    pub(super) diagnostics: Diagnostics,
    pub(super) complete: bool,
}

impl<'w> Walk<'w> {
    pub(super) fn new(
        read: &'w BTreeMap<Request, Read>,
        files: &'w mut SourceFiles,
        scope: Scope<'w>,
        splice: bool,
    ) -> Self {
        Self {
            read,
            files,
            scope,
            splice,
            exact: true,
            globals: Vec::new(),
            in_stage: false,
            stack: Vec::new(),
            out: Walked {
                requests: Vec::new(),
                items: Vec::new(),
                diagnostics: Diagnostics::new(),
                complete: true,
            },
            reported: Vec::new(),
        }
    }

    pub(super) fn finish(self) -> Walked {
        self.out
    }

    /// Walks the main file: its items are taken as they are in the last pass, which moves
    /// them instead of copying (most files include nothing).
    pub(super) fn module<'i>(&mut self, items: impl Iterator<Item = Cow<'i, Item>>) {
        let main = Place {
            root: Root::Main,
            dir: String::new(),
            file: FileId::MAIN,
            origin: Origin::WRITTEN,
            in_stage: false,
        };
        self.items(items, &main);
    }

    fn items<'i>(&mut self, items: impl Iterator<Item = Cow<'i, Item>>, place: &Place) {
        for item in items {
            if self.out.items.len() > MAX_INSTRUCTIONS {
                return;
            }
            match item.as_ref() {
                Item::Include(include) => self.include(include, place),
                Item::From(stage) if place.in_stage => self.error(
                    Diagnostic::error(
                        Code::StageInIncludedSteps,
                        "FROM in a file included inside a stage",
                    )
                    .with_label(stage.span.with_origin(place.origin), "starts a stage")
                    .with_help(
                        "a file included after a FROM may hold stage instructions only; \
                         include it before the first FROM, or move this FROM out of it",
                    ),
                ),
                Item::From(_) => {
                    self.in_stage = true;
                    self.push(item, place);
                }
                Item::Step(step) => {
                    if let (false, StepKind::Arg(decls)) = (self.in_stage, &step.kind) {
                        self.globals.extend(decls.iter().cloned());
                    }
                    self.push(item, place);
                }
            }
        }
    }

    /// Splices one node, placed under the INCLUDE that brought it.
    fn push(&mut self, item: Cow<'_, Item>, place: &Place) {
        if !self.splice {
            return;
        }
        let mut item = item.into_owned();
        if place.origin != Origin::WRITTEN {
            item.place(place.file, place.origin);
        }
        self.out.items.push(item);
        if self.out.items.len() > MAX_INSTRUCTIONS {
            let at = self.stack.first().map_or(Span::default(), |(_, at)| *at);
            self.error(at_include(
                Code::TooLarge,
                format!("the build expands to more than {MAX_INSTRUCTIONS} instructions"),
                at,
                "this INCLUDE brings in too many",
                "split the build, or include fewer files",
            ));
        }
    }

    fn include(&mut self, include: &Include, place: &Place) {
        let at = include.span.with_origin(place.origin);
        let Some(request) = self.request(include, place, at) else {
            return;
        };
        if let Some(pos) = self.stack.iter().position(|(r, _)| *r == request) {
            let chain: Vec<String> = self.stack[pos..]
                .iter()
                .map(|(r, _)| r.name())
                .chain([request.name()])
                .collect();
            return self.error(at_include(
                Code::IncludeCycle,
                format!(
                    "`{}` includes itself: {}",
                    request.name(),
                    chain.join(" → ")
                ),
                at,
                "included again here",
                "remove one of the INCLUDEs of the cycle",
            ));
        }
        if self.stack.len() >= MAX_DEPTH {
            return self.error(at_include(
                Code::TooDeep,
                format!("INCLUDEs nest more than {MAX_DEPTH} deep"),
                at,
                "one too many",
                "include the deepest files from a shallower one",
            ));
        }
        match self.read.get(&request) {
            None | Some(Read::Pending) => self.missing(request, at),
            Some(Read::Parsed {
                file,
                module,
                diagnostics,
            }) => {
                let Some(origin) = self.origin(&request, at) else {
                    return;
                };
                if self.splice && !self.reported.contains(file) {
                    self.reported.push(*file);
                    let mut diagnostics = diagnostics.clone();
                    place_diagnostics(&mut diagnostics, *file, origin);
                    self.out.diagnostics.extend(diagnostics);
                }
                let inner = Place {
                    dir: parent(&request.path).to_owned(),
                    root: request.root.clone(),
                    file: *file,
                    origin,
                    in_stage: place.in_stage || self.in_stage,
                };
                self.stack.push((request, at));
                self.items(module.items.iter().map(Cow::Borrowed), &inner);
                self.stack.pop();
            }
            Some(Read::NotFound(searched)) => {
                let message = format!("`{}` is not in {searched}", request.path);
                let help = "check the path, which is relative to the including file; a file \
                            from elsewhere can come from a named build context: \
                            `--build-context NAME=DIR` and `INCLUDE --from=NAME PATH`";
                self.error(at_include(
                    Code::IncludeNotFound,
                    message,
                    at,
                    "included here",
                    help,
                ));
            }
            Some(Read::Unavailable(why)) => {
                self.out.complete = false;
                self.error(
                    Diagnostic::warning(
                        Code::IncludeNotFollowed,
                        format!("`{}` is not followed: {why}", request.name()),
                    )
                    .with_label(at, "not followed")
                    .with_help("what it holds is not checked"),
                );
            }
            Some(Read::Unreadable(why)) => self.error(at_include(
                Code::InvalidUtf8,
                why.clone(),
                at,
                "included here",
                "save the file as UTF-8",
            )),
        }
    }

    /// A file not loaded yet: asked for in a collecting pass. The last pass gets here only
    /// past the limit on files.
    fn missing(&mut self, request: Request, at: Span) {
        self.exact = false;
        if self.splice {
            self.error(at_include(
                Code::TooLarge,
                format!("the build reads more than {} files", super::MAX_FILES),
                at,
                "not read",
                "include fewer files",
            ));
        } else if !self.out.requests.contains(&request) {
            self.out.requests.push(request);
        }
    }

    /// The origin of the nodes an INCLUDE brings: recorded once, in the last pass.
    fn origin(&mut self, request: &Request, at: Span) -> Option<Origin> {
        if !self.splice {
            return Some(Origin::WRITTEN);
        }
        let expansion = Expansion {
            kind: ExpansionKind::Include {
                path: request.name(),
            },
            at,
        };
        let origin = self.files.expand(expansion);
        if origin.is_none() {
            self.error(at_include(
                Code::TooLarge,
                "the build has too many expansions".to_owned(),
                at,
                "one too many",
                "include fewer files",
            ));
        }
        origin
    }

    /// The file an INCLUDE names, when it can be told yet and is valid.
    fn request(&mut self, include: &Include, place: &Place, at: Span) -> Option<Request> {
        let from = match &include.from {
            Some(word) => Some(self.value(word)?),
            None => None,
        };
        let path = self.value(&include.path)?;
        let span = include.path.span.with_origin(place.origin);
        let problem = |message: String, label: &str, help: &str| {
            at_include(Code::InvalidIncludePath, message, span, label, help)
        };
        let relative_help = "write the path relative to the including file (relative to the \
                             root of the named context with `--from`)";
        if path.is_empty() {
            let message = "the INCLUDE path is empty".to_owned();
            return self.invalid(problem(message, "empty", relative_help));
        }
        if path.starts_with('/') {
            let message = format!("the INCLUDE path `{path}` is absolute");
            return self.invalid(problem(message, "absolute", relative_help));
        }
        let (root, joined) = match from {
            Some(name) if name.is_empty() => {
                let message = "`INCLUDE --from` is empty".to_owned();
                let help = "name a build context or an image: `--from=shared`";
                return self.invalid(at_include(
                    Code::InvalidIncludePath,
                    message,
                    at,
                    "empty",
                    help,
                ));
            }
            Some(name) => (Root::Named(name), posix_path::clean(&path)),
            None => (
                place.root.clone(),
                posix_path::clean(&posix_path::join(&[&place.dir, &path])),
            ),
        };
        if joined == ".." || joined.starts_with("../") {
            let message = format!("the INCLUDE path `{path}` leaves the directory it is read from");
            let help = "a file from elsewhere can come from a named build context: \
                        `--build-context NAME=DIR` and `INCLUDE --from=NAME PATH`";
            return self.invalid(problem(message, "outside the root", help));
        }
        Some(Request { root, path: joined })
    }

    /// A word's value: expanded with the global ARGs while everything before is loaded,
    /// else only when it has no variables (it may depend on a file not read yet).
    fn value(&mut self, word: &Word) -> Option<String> {
        if self.exact {
            let env = vars::globals(&self.globals, &self.scope);
            return Some(vars::expand(word, &env));
        }
        word.as_literal()
    }

    fn invalid(&mut self, diagnostic: Diagnostic) -> Option<Request> {
        self.error(diagnostic);
        None
    }

    /// Reported in the last pass only: the others see the same problems.
    fn error(&mut self, diagnostic: Diagnostic) {
        if self.splice {
            self.out.diagnostics.push(diagnostic);
        }
    }
}

/// The directory of a clean relative path ("" for a file at the top).
fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}
