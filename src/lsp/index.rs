//! The names a document defines and where: stages, FUNCTIONs and their parameters, ARGs,
//! FOR variables, and the files INCLUDE and IMPORT bring in. Built from each file's own
//! [`Module`] (the files `load` read, parsed again as written), so it stays useful while the
//! text has errors and the whole Buildfile cannot be assembled.

use crate::ir::{ArgDecl, Item, Module, Spans, Step, StepKind};
use crate::source::{FileId, Origin, SourceFile, Sources, Span};

/// A stage, its name as other stages refer to it (`NS+name` for an imported one).
#[derive(Clone, Debug)]
pub(crate) struct StageSym {
    pub(crate) name: Option<String>,
    pub(crate) name_span: Option<Span>,
    /// The FROM instruction.
    pub(crate) span: Span,
    pub(crate) base: String,
    pub(crate) description: Option<String>,
    pub(crate) steps: Vec<(String, Span)>,
}

#[derive(Clone, Debug)]
pub(crate) struct FunctionSym {
    pub(crate) name: String,
    pub(crate) name_span: Span,
    /// The FUNCTION line.
    pub(crate) span: Span,
    pub(crate) extent: Span,
    pub(crate) params: Vec<Var>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum VarKind {
    /// Before the first FROM.
    GlobalArg,
    Arg,
    /// Of the FUNCTION named.
    Param(String),
    /// Of a FOR over these words.
    For(String),
}

/// A declared variable and where it can be seen.
#[derive(Clone, Debug)]
pub(crate) struct Var {
    pub(crate) name: String,
    pub(crate) kind: VarKind,
    /// The declaration (`NAME=default`, the parameter, the FOR's name).
    pub(crate) span: Span,
    /// The default value as written.
    pub(crate) value: Option<String>,
    /// Where references find it.
    pub(crate) scope: Span,
}

/// An INCLUDE or IMPORT path and the file it names, when it was read.
#[derive(Clone, Debug)]
pub(crate) struct Link {
    pub(crate) path: Span,
    pub(crate) file: Option<FileId>,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Index {
    /// Each file's module, by [`FileId`].
    pub(crate) modules: Vec<Module>,
    pub(crate) stages: Vec<StageSym>,
    pub(crate) functions: Vec<FunctionSym>,
    pub(crate) vars: Vec<Var>,
    pub(crate) links: Vec<Link>,
}

impl Index {
    /// Indexes every file of a build, the main one first.
    pub(crate) fn new(files: &dyn Sources) -> Self {
        let mut index = Index::default();
        let files = files.files();
        // What each file's stage and function names start with: `NS+` when IMPORT read it.
        let mut prefixes = vec![String::new(); files.len()];
        for (n, file) in files.iter().enumerate() {
            let Ok(id) = u16::try_from(n).map(FileId) else {
                break;
            };
            let (mut module, _) = crate::syntax::parse_module(file);
            module.place(id, Origin::WRITTEN);
            let prefix = prefixes.get(n).cloned().unwrap_or_default();
            let mut walker = Walker {
                index: &mut index,
                file,
                names: &files,
                prefix: &prefix,
                prefixes: Vec::new(),
            };
            walker.module(&module, id);
            for (target, prefix) in walker.prefixes {
                if let Some(slot) = prefixes.get_mut(target.index()) {
                    *slot = prefix;
                }
            }
            index.modules.push(module);
        }
        index
    }

    pub(crate) fn stage(&self, name: &str) -> Option<&StageSym> {
        let name = name.to_ascii_lowercase();
        self.stages
            .iter()
            .find(|s| s.name.as_deref() == Some(name.as_str()))
    }

    pub(crate) fn function(&self, name: &str) -> Option<&FunctionSym> {
        let name = name.to_ascii_lowercase();
        self.functions.iter().find(|f| f.name == name)
    }

    /// The declaration a reference to `name` at `at` sees: the innermost scope holding
    /// it (a FOR, a FUNCTION, a stage), the latest declaration in it before `at`; else a
    /// declaration of that name anywhere.
    pub(crate) fn var(&self, name: &str, at: Span) -> Option<&Var> {
        let visible = |v: &&Var| {
            v.name == name
                && v.scope.file == at.file
                && v.scope.start <= at.start
                && at.start <= v.scope.end
        };
        self.vars
            .iter()
            .filter(visible)
            .min_by_key(|v| (v.scope.len(), u32::MAX - v.span.start))
            .or_else(|| self.vars.iter().find(|v| v.name == name))
    }

    /// The link whose path covers `at`.
    pub(crate) fn link(&self, at: Span) -> Option<&Link> {
        self.links.iter().find(|l| covers(l.path, at))
    }
}

/// Whether `outer` holds the offset `at` (its end included: a cursor just after a word).
pub(crate) fn covers(outer: Span, at: Span) -> bool {
    outer.file == at.file && outer.start <= at.start && at.start <= outer.end
}

struct Walker<'a> {
    index: &'a mut Index,
    file: &'a SourceFile,
    names: &'a [&'a SourceFile],
    prefix: &'a str,
    /// The namespace prefix of each file this one IMPORTs or INCLUDEs.
    prefixes: Vec<(FileId, String)>,
}

impl Walker<'_> {
    fn module(&mut self, module: &Module, id: FileId) {
        let whole = Span::from_range(0..self.file.text.len()).in_file(id);
        let mut seen_from = false;
        for (n, item) in module.items.iter().enumerate() {
            // A stage reaches up to the next FROM of its file.
            let next_from = module.items[n + 1..]
                .iter()
                .find(|i| matches!(i, Item::From(_)))
                .map_or(whole.end, |i| i.span().start);
            let scope = match item {
                Item::From(stage) => Span {
                    end: next_from,
                    ..stage.span
                },
                _ => whole,
            };
            seen_from |= matches!(item, Item::From(_));
            self.item(item, scope, !seen_from);
        }
    }

    fn item(&mut self, item: &Item, scope: Span, global: bool) {
        match item {
            Item::From(stage) => {
                let name = stage
                    .name
                    .as_ref()
                    .map(|n| format!("{}{}", self.prefix, n.node));
                self.index.stages.push(StageSym {
                    name,
                    name_span: stage.name.as_ref().map(|n| n.span),
                    span: stage.span,
                    base: self.text(stage.base.span),
                    description: stage.description.clone(),
                    steps: stage
                        .steps
                        .iter()
                        .map(|s| (first_line(&s.text), s.span))
                        .collect(),
                });
                for step in &stage.steps {
                    self.step(step, scope, false);
                }
            }
            Item::Step(step) => self.step(step, scope, global),
            Item::Include(include) => self.link(&include.path, None),
            Item::Import(import) => self.link(&import.path, Some(&import.namespace.node)),
            Item::Function(function) => {
                let extent = extent(function.span, &function.body);
                let params = function
                    .params
                    .iter()
                    .map(|p| self.var(p, VarKind::Param(function.name.node.clone()), extent))
                    .collect::<Vec<_>>();
                self.index.vars.extend(params.iter().cloned());
                self.index.functions.push(FunctionSym {
                    name: format!("{}{}", self.prefix, function.name.node),
                    name_span: function.name.span,
                    span: function.span,
                    extent,
                    params,
                });
                self.items(&function.body, extent, false);
            }
            Item::Call(_) => {}
            Item::If(block) => {
                for branch in &block.branches {
                    self.items(&branch.body, scope, global);
                }
                if let Some(body) = &block.otherwise {
                    self.items(body, scope, global);
                }
            }
            Item::For(block) => {
                let extent = extent(block.span, &block.body);
                let words: Vec<String> = block.words.iter().map(|w| self.text(w.span)).collect();
                self.index.vars.push(Var {
                    name: block.name.node.clone(),
                    kind: VarKind::For(words.join(" ")),
                    span: block.name.span,
                    value: None,
                    scope: extent,
                });
                self.items(&block.body, extent, global);
            }
        }
    }

    fn items(&mut self, items: &[Item], scope: Span, global: bool) {
        for item in items {
            self.item(item, scope, global);
        }
    }

    fn step(&mut self, step: &Step, scope: Span, global: bool) {
        let StepKind::Arg(args) = &step.kind else {
            return;
        };
        let kind = if global {
            VarKind::GlobalArg
        } else {
            VarKind::Arg
        };
        for arg in args {
            // Seen from the declaration on (a global ARG: in the whole file's FROM lines).
            let scope = if global {
                scope
            } else {
                Span {
                    start: arg.span.start,
                    ..scope
                }
            };
            let var = self.var(arg, kind.clone(), scope);
            self.index.vars.push(var);
        }
    }

    fn var(&self, decl: &ArgDecl, kind: VarKind, scope: Span) -> Var {
        Var {
            name: decl.name.node.clone(),
            kind,
            span: decl.span,
            value: decl.default.as_ref().map(|w| self.text(w.span)),
            scope,
        }
    }

    fn link(&mut self, path: &crate::ir::Word, namespace: Option<&str>) {
        let target = path.as_literal().and_then(|p| self.resolve(&p));
        if let Some(target) = target {
            let prefix = match namespace {
                Some(ns) => format!("{}{ns}+", self.prefix),
                None => self.prefix.to_owned(),
            };
            self.prefixes.push((target, prefix));
        }
        self.index.links.push(Link {
            path: path.span,
            file: target,
        });
    }

    /// The file `path` names from this file: names are relative to the main file's
    /// directory, as `load` gives them.
    fn resolve(&self, path: &str) -> Option<FileId> {
        let own = &self.file.name;
        let is_main = self
            .names
            .first()
            .is_some_and(|main| std::ptr::eq(*main, self.file));
        let dir = if is_main {
            ""
        } else {
            own.rsplit_once('/').map_or("", |(dir, _)| dir)
        };
        let wanted = normalize(&format!("{dir}/{path}"));
        let n = self
            .names
            .iter()
            .skip(1)
            .position(|f| normalize(&f.name) == wanted)?;
        u16::try_from(n + 1).ok().map(FileId)
    }

    fn text(&self, span: Span) -> String {
        self.file.slice(span).to_owned()
    }
}

/// A slash path without `.`, `..` and empty parts.
fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    parts.join("/")
}

/// From a block's first line to the end of its last item.
fn extent(head: Span, body: &[Item]) -> Span {
    let end = body
        .iter()
        .map(item_end)
        .max()
        .unwrap_or(head.end)
        .max(head.end);
    Span { end, ..head }
}

fn item_end(item: &Item) -> u32 {
    match item {
        Item::From(stage) => stage.steps.last().map_or(stage.span.end, |s| s.span.end),
        Item::Function(f) => extent(f.span, &f.body).end,
        Item::For(f) => extent(f.span, &f.body).end,
        Item::If(block) => {
            let bodies = block.branches.iter().map(|b| extent(b.span, &b.body).end);
            let otherwise = block.otherwise.iter().flatten().map(item_end);
            bodies.chain(otherwise).max().unwrap_or_default()
        }
        other => other.span().end,
    }
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or("").trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(text: &str) -> Index {
        Index::new(&SourceFile::new("Buildfile", text))
    }

    #[test]
    fn stages_functions_and_vars_are_indexed() {
        let text = "ARG V=1\n# builds it\nFROM alpine AS build\nARG V=2\nRUN echo $V\n\
                    FUNCTION greet WHO=world\nRUN echo $WHO\nEND\n\
                    FROM build\nFOR x IN a b\nRUN echo $x\nEND\n";
        let index = index(text);
        let build = index.stage("Build").unwrap();
        assert_eq!(build.base, "alpine");
        assert_eq!(build.description.as_deref(), Some("builds it"));
        assert_eq!(index.function("greet").unwrap().params[0].name, "WHO");
        let at =
            |needle: &str| Span::from_range(text.find(needle).unwrap()..text.find(needle).unwrap());
        assert_eq!(
            index.var("V", at("$V")).unwrap().value.as_deref(),
            Some("2")
        );
        assert_eq!(
            index.var("V", at("AS build")).unwrap().kind,
            VarKind::GlobalArg
        );
        assert_eq!(
            index.var("WHO", at("$WHO")).unwrap().kind,
            VarKind::Param("greet".into())
        );
        assert_eq!(
            index.var("x", at("$x")).unwrap().kind,
            VarKind::For("a b".into())
        );
    }

    #[test]
    fn paths_normalize() {
        assert_eq!(normalize("/a/./b/../c"), "a/c");
        assert_eq!(normalize("lib/x.bf"), "lib/x.bf");
    }
}
