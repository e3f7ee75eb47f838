//! One pass over the main file and, depth first, the files it includes, in the order their
//! instructions will stand. A first kind of pass only collects the files still missing; the
//! last one, when nothing is missing, splices and reports.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::rc::Rc;

use super::expand::{Binding, Defined, Pending};

use super::{MAX_DEPTH, MAX_INSTRUCTIONS, Read, Request, Root, at_include, place_diagnostics};
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::ir::{ArgDecl, Import, Include, Item, KeyValue, Module, Namespace, Spans, Stage, Word};
use crate::posix_path;
use crate::source::Spanned;
use crate::source::{Expansion, ExpansionKind, FileId, Origin, SourceFiles, Span};
use crate::syntax;
use crate::vars::{self, Scope};

/// The file being walked: where its own INCLUDEs are looked up, and where its nodes go.
#[derive(Clone, Debug)]
pub(super) struct Place {
    pub(super) root: Root,
    /// The file's directory inside `root` ("" at the top).
    pub(super) dir: String,
    pub(super) file: FileId,
    pub(super) origin: Origin,
    /// Included after a FROM: the file may hold stage instructions only.
    pub(super) in_stage: bool,
    /// A FUNCTION's body: stage instructions, CALL, IF and FOR only.
    pub(super) in_function: bool,
}

pub(super) struct Walk<'w> {
    pub(super) read: &'w BTreeMap<Request, Read>,
    pub(super) files: &'w mut SourceFiles,
    scope: Scope<'w>,
    /// The last pass: splice and report. Otherwise only collect what is missing.
    pub(super) splice: bool,
    /// Every file before this point is loaded, so an INCLUDE's variables have their
    /// values; after a missing one only literal paths are worth asking for.
    pub(super) exact: bool,
    /// The file being walked: the main one, or an imported one.
    pub(super) frame: Frame,
    /// Instructions that INCLUDE, IMPORT, CALL and FOR brought so far, in every frame, and
    /// the bodies they expanded: what the limit on expansion counts (a file as written is
    /// not limited).
    pub(super) count: usize,
    /// The FUNCTIONs defined so far, by their full name (`NS+name`).
    pub(super) functions: BTreeMap<String, Rc<Defined>>,
    /// The parameters and FOR variables bound at this point, outermost first.
    pub(super) bindings: Vec<Binding>,
    /// The CALLs being expanded, outermost first: recursion is an error.
    pub(super) calls: Vec<(String, Span)>,
    /// Bindings of the bodies being walked that the open stage has not bound yet: they are
    /// bound before its next step, so a body that starts a stage binds nothing in the one
    /// before.
    pub(super) unbound: Vec<Binding>,
    /// The namespace prefix of the FUNCTION whose body is being walked, when one is.
    pub(super) lexical: Option<String>,
    /// The files being included, outermost first, with their INCLUDE: cycles and depth.
    stack: Vec<(Request, Span)>,
    pub(super) out: Walked,
    /// Files whose syntax errors were reported.
    reported: Vec<FileId>,
    /// The limit on expansion was reported.
    past_limit: bool,
    /// Every namespace's prefix so far: a set, since a build may import thousands of times.
    prefixes: std::collections::BTreeSet<String>,
}

/// The main file, or a file IMPORT brought in, with what is particular to it.
pub(super) struct Frame {
    /// The global ARGs so far, for INCLUDE paths.
    pub(super) globals: Vec<ArgDecl>,
    /// The IMPORT line's values for the global ARGs (`None` in the main file: the build's
    /// arguments), known once everything before the IMPORT is loaded.
    values: Option<BTreeMap<String, String>>,
    /// An index into [`Walked::namespaces`]; `None` for the main file.
    namespace: Option<usize>,
    /// What the file's stage names start with: `NS+`, or nothing.
    pub(super) prefix: String,
    /// What it splices, in order.
    pub(super) items: Vec<Item>,
    /// The FROM of the stage open at this point, if a FROM was spliced: later instructions
    /// belong to that stage.
    pub(super) stage: Option<Span>,
    /// The ARGs of the open stage so far, bindings included: what conditions and `--from`
    /// see of it.
    pub(super) stage_args: Vec<StageArg>,
    /// How many FROMs were spliced: a body that changes it started a stage.
    pub(super) stages: usize,
    /// The CALLs met so far, expanded once the file's FUNCTIONs are all known.
    pub(super) pending: Vec<Pending>,
    /// [`vars::globals`] of `globals`, kept while no ARG is added: every condition, CALL and
    /// FOR reads it.
    globals_env: std::cell::RefCell<Option<(usize, vars::Env)>>,
}

/// An ARG of the open stage, or a binding (which no build argument overrides).
#[derive(Clone, Debug)]
pub(super) struct StageArg {
    pub(super) decl: ArgDecl,
    pub(super) bound: bool,
}

impl Frame {
    fn new(
        values: Option<BTreeMap<String, String>>,
        namespace: Option<usize>,
        prefix: String,
    ) -> Self {
        Self {
            globals: Vec::new(),
            values,
            namespace,
            prefix,
            items: Vec::new(),
            stage: None,
            stage_args: Vec::new(),
            stages: 0,
            pending: Vec::new(),
            globals_env: Default::default(),
        }
    }

    /// The values of the global ARGs so far, with the build's arguments in `scope`.
    pub(super) fn globals_env(&self, scope: &Scope<'_>) -> vars::Env {
        let mut cached = self.globals_env.borrow_mut();
        match &*cached {
            Some((count, env)) if *count == self.globals.len() => env.clone(),
            _ => {
                let env = vars::globals(&self.globals, scope);
                *cached = Some((self.globals.len(), env.clone()));
                env
            }
        }
    }
}

/// A file that INCLUDE or IMPORT may walk: loaded, valid, not already on the way there.
struct Followed<'w> {
    request: Request,
    module: &'w Module,
    place: Place,
}

/// What a pass found.
pub(super) struct Walked {
    pub(super) requests: Vec<Request>,
    /// The main file's instructions, INCLUDEs spliced.
    pub(super) items: Vec<Item>,
    /// The stages of every imported file, each before those of the files importing it.
    pub(super) stages: Vec<Stage>,
    pub(super) namespaces: Vec<Namespace>,
    pub(super) diagnostics: Diagnostics,
    pub(super) complete: bool,
    /// See [`super::Loaded::decided`].
    pub(super) decided: bool,
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
            frame: Frame::new(None, None, String::new()),
            count: 0,
            functions: BTreeMap::new(),
            bindings: Vec::new(),
            calls: Vec::new(),
            unbound: Vec::new(),
            lexical: None,
            stack: Vec::new(),
            out: Walked {
                requests: Vec::new(),
                items: Vec::new(),
                stages: Vec::new(),
                namespaces: Vec::new(),
                diagnostics: Diagnostics::new(),
                complete: true,
                decided: false,
            },
            reported: Vec::new(),
            past_limit: false,
            prefixes: Default::default(),
        }
    }

    pub(super) fn finish(mut self) -> Walked {
        self.out.items = self.frame.items;
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
            in_function: false,
        };
        self.items(items, &main);
        self.expand_pending();
    }

    pub(super) fn items<'i>(&mut self, items: impl Iterator<Item = Cow<'i, Item>>, place: &Place) {
        for item in items {
            if self.count > MAX_INSTRUCTIONS {
                return;
            }
            match item.as_ref() {
                Item::Include(_) | Item::Import(_) | Item::Function(_) | Item::From(_)
                    if place.in_function =>
                {
                    self.not_in_function(item.as_ref(), place);
                }
                Item::Include(include) => self.include(include, place),
                Item::Import(import) => self.import(import, place),
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
                Item::From(_) => self.from(item, place),
                Item::Step(_) => self.step(item, place),
                Item::Function(function) => self.define(function, place),
                Item::Call(call) => self.call(call, place),
                Item::If(block) => self.branch(block, place),
                Item::For(block) => self.repeat(block, place),
            }
        }
    }

    /// Splices one node, placed under the INCLUDE that brought it.
    pub(super) fn push(&mut self, item: Cow<'_, Item>, place: &Place) {
        if !self.splice {
            return;
        }
        let mut item = item.into_owned();
        if place.origin != Origin::WRITTEN {
            item.place(place.file, place.origin);
        }
        self.push_placed(item);
    }

    /// Splices a node whose spans are already where they belong.
    pub(super) fn push_placed(&mut self, item: Item) {
        if !self.splice {
            return;
        }
        let brought = item.span().origin != Origin::WRITTEN;
        if brought {
            self.count += match &item {
                Item::From(stage) => 1 + stage.steps.len(),
                _ => 1,
            };
        }
        self.frame.items.push(item);
        if brought {
            self.check_count();
        }
    }

    /// Reports the limit on expansion, once, where it is passed.
    pub(super) fn check_count(&mut self) {
        if self.count > MAX_INSTRUCTIONS && !self.past_limit {
            self.past_limit = true;
            let at = self
                .stack
                .first()
                .map(|(_, at)| *at)
                .or(self.calls.first().map(|(_, at)| *at))
                .unwrap_or_default();
            self.error(at_include(
                Code::TooLarge,
                format!("the build expands to more than {MAX_INSTRUCTIONS} instructions"),
                at,
                "this brings in too many",
                "split the build, or expand fewer CALLs, FOR iterations and INCLUDEs",
            ));
        }
    }

    fn include(&mut self, include: &Include, place: &Place) {
        let at = include.span.with_origin(place.origin);
        let Some(file) = self.follow(&include.from, &include.path, place, at, None) else {
            return;
        };
        let inner = Place {
            in_stage: place.in_stage || self.frame.stage.is_some(),
            ..file.place
        };
        self.stack.push((file.request, at));
        let before = self.count;
        self.items(file.module.items.iter().map(Cow::Borrowed), &inner);
        self.count_at_least_one(before);
        self.stack.pop();
    }

    /// An INCLUDE or IMPORT that brought nothing counted (an empty file, only FUNCTIONs,
    /// a collecting pass) counts as one: else files that include an empty file many times
    /// each would multiply without bound.
    fn count_at_least_one(&mut self, before: usize) {
        if self.count == before {
            self.count += 1;
            self.check_count();
        }
    }

    /// `IMPORT`: the file's stages are renamed into a namespace and set apart, to stand
    /// before the main file's; its ARGs are its own.
    fn import(&mut self, import: &Import, place: &Place) {
        let at = import.span.with_origin(place.origin);
        if let Some(stage) = self.frame.stage {
            let error = at_include(
                Code::ImportInStage,
                "IMPORT inside a stage".to_owned(),
                at,
                "after a FROM",
                "import files before the first FROM: an imported file brings stages",
            );
            return self.error(error.with_label(stage, "the stage starts here"));
        }
        let namespace = &import.namespace.node;
        let prefix = format!("{}{namespace}+", self.frame.prefix);
        if self.splice && !self.prefixes.insert(prefix.clone()) {
            return self.error(at_include(
                Code::DuplicateNamespace,
                format!("the namespace `{namespace}` is imported twice"),
                import.namespace.span.with_origin(place.origin),
                "imported again",
                "give each IMPORT its own namespace, even of the same file",
            ));
        }
        let kind = ExpansionKind::Import {
            namespace: namespace.clone(),
        };
        let Some(file) = self.follow(&import.from, &import.path, place, at, Some(kind)) else {
            return;
        };
        // The imported file's ARGs take the IMPORT line's values, not the build's arguments.
        let values: Option<BTreeMap<String, String>> = self.exact.then(|| {
            let env = self.names().env;
            let value = |v: &KeyValue| {
                (
                    v.key.as_literal().unwrap_or_default(),
                    vars::expand(&v.value, &env),
                )
            };
            import.values.iter().map(value).collect()
        });
        let index = self.out.namespaces.len();
        let mut placed = import.values.clone();
        placed.place(place.file, place.origin);
        self.out.namespaces.push(Namespace {
            prefix: prefix.clone(),
            global_args: Vec::new(),
            values: placed,
            importer: self.frame.namespace,
        });
        let outer = std::mem::replace(&mut self.frame, Frame::new(values, Some(index), prefix));
        // The imported file sees none of the importer's parameters or FOR variables.
        let bindings = std::mem::take(&mut self.bindings);
        self.stack.push((file.request.clone(), at));
        let before = self.count;
        self.items(file.module.items.iter().map(Cow::Borrowed), &file.place);
        self.expand_pending();
        self.count_at_least_one(before);
        self.stack.pop();
        self.bindings = bindings;
        let inner = std::mem::replace(&mut self.frame, outer);
        if self.splice {
            self.gather(inner, index, &file.request, at);
        }
    }

    /// The imported file's stages, renamed into its namespace, and its global ARGs.
    fn gather(&mut self, frame: Frame, index: usize, request: &Request, at: Span) {
        let module = Module {
            directives: Default::default(),
            items: frame.items,
            is_empty: false,
        };
        let (buildfile, diagnostics) = syntax::assemble(module, at);
        let Some(buildfile) = buildfile else {
            return self.error(at_include(
                Code::NothingToImport,
                format!("`{}` has no stage to import", request.name()),
                at,
                "imported here",
                "an imported file holds stages (FROM) for the importing file to use",
            ));
        };
        self.out.diagnostics.extend(diagnostics);
        for value in &self.out.namespaces[index].values.clone() {
            let name = value.key.as_literal().unwrap_or_default();
            if !buildfile.global_args.iter().any(|a| a.name.node == name) {
                let names: Vec<&str> = buildfile
                    .global_args
                    .iter()
                    .map(|a| a.name.node.as_str())
                    .collect();
                let help = match crate::suggest::did_you_mean(&name, &names) {
                    Some(near) => format!("did you mean `{near}`?"),
                    None if names.is_empty() => {
                        format!("`{}` declares no ARG before its first FROM", request.name())
                    }
                    None => format!("its global ARGs are {}", names.join(", ")),
                };
                self.error(at_include(
                    Code::UnknownImportArg,
                    format!("`{}` has no global ARG `{name}`", request.name()),
                    value.span,
                    "not an ARG of the imported file",
                    &help,
                ));
            }
        }
        let prefix = self.out.namespaces[index].prefix.clone();
        for mut stage in buildfile.stages {
            stage.name = stage
                .name
                .map(|name| Spanned::new(format!("{prefix}{}", name.node), name.span));
            stage.namespace = Some(index);
            self.out.stages.push(stage);
        }
        self.out.namespaces[index].global_args = buildfile.global_args;
    }

    /// The file an INCLUDE or IMPORT names, when it is loaded and may be walked; the
    /// problems with it otherwise, reported.
    fn follow(
        &mut self,
        from: &Option<Word>,
        path: &Word,
        place: &Place,
        at: Span,
        kind: Option<ExpansionKind>,
    ) -> Option<Followed<'w>> {
        let request = self.request(from, path, place, at)?;
        if let Some(pos) = self.stack.iter().position(|(r, _)| *r == request) {
            let chain: Vec<String> = self.stack[pos..]
                .iter()
                .map(|(r, _)| r.name())
                .chain([request.name()])
                .collect();
            self.error(at_include(
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
            return None;
        }
        if self.stack.len() >= MAX_DEPTH {
            self.error(at_include(
                Code::TooDeep,
                format!("INCLUDEs nest more than {MAX_DEPTH} deep"),
                at,
                "one too many",
                "include the deepest files from a shallower one",
            ));
            return None;
        }
        let read = self.read;
        match read.get(&request) {
            None | Some(Read::Pending) => self.missing(request, at),
            Some(Read::Parsed {
                file,
                module,
                diagnostics,
            }) => {
                let kind = kind.unwrap_or_else(|| ExpansionKind::Include {
                    path: request.name(),
                });
                let origin = self.origin(kind, at)?;
                if self.splice && !self.reported.contains(file) {
                    self.reported.push(*file);
                    let mut diagnostics = diagnostics.clone();
                    place_diagnostics(&mut diagnostics, *file, origin);
                    self.out.diagnostics.extend(diagnostics);
                }
                let place = Place {
                    dir: parent(&request.path).to_owned(),
                    root: request.root.clone(),
                    file: *file,
                    origin,
                    in_stage: false,
                    in_function: false,
                };
                return Some(Followed {
                    request,
                    module,
                    place,
                });
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
            // Paths of the context are only asked about (`exists()`), never included.
            Some(Read::Exists(_)) => {}
            Some(Read::Unreadable(why)) => self.error(at_include(
                Code::InvalidUtf8,
                why.clone(),
                at,
                "included here",
                "save the file as UTF-8",
            )),
        }
        None
    }

    /// A file not loaded yet: asked for in a collecting pass. The last pass gets here only
    /// past the limit on files.
    pub(super) fn missing(&mut self, request: Request, at: Span) {
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

    /// The origin of the nodes an INCLUDE or IMPORT brings: recorded in the last pass.
    pub(super) fn origin(&mut self, kind: ExpansionKind, at: Span) -> Option<Origin> {
        if !self.splice {
            return Some(Origin::WRITTEN);
        }
        let expansion = Expansion { kind, at };
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
    fn request(
        &mut self,
        from: &Option<Word>,
        path: &Word,
        place: &Place,
        at: Span,
    ) -> Option<Request> {
        let from = match from {
            Some(word) => Some(self.value(word)?),
            None => None,
        };
        let span = path.span.with_origin(place.origin);
        let path = self.value(path)?;
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
            return Some(vars::expand(word, &self.names().env));
        }
        word.as_literal()
    }

    /// The build's arguments as the walked file sees them: the IMPORT line's values in an
    /// imported one.
    pub(super) fn build_scope(&self) -> Scope<'_> {
        match &self.frame.values {
            Some(values) => Scope {
                build_args: values,
                ..self.scope
            },
            None => self.scope,
        }
    }

    fn invalid(&mut self, diagnostic: Diagnostic) -> Option<Request> {
        self.error(diagnostic);
        None
    }

    /// Reported in the last pass only: the others see the same problems.
    pub(super) fn error(&mut self, diagnostic: Diagnostic) {
        if self.splice {
            self.out.diagnostics.push(diagnostic);
        }
    }
}

/// The directory of a clean relative path ("" for a file at the top).
fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}
