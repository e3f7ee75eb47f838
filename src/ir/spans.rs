//! Every span of a node, for the expansions that place nodes elsewhere: INCLUDE parses a
//! file as the main one and then moves its spans into that file and under the INCLUDE's
//! origin; a CALL or FOR iteration will copy a body and give the copy its own origin.

use super::*;
use crate::source::{FileId, Origin};

/// A node whose spans can be visited and changed, each exactly once.
pub trait Spans {
    fn each_span(&mut self, f: &mut dyn FnMut(&mut Span));

    /// Moves every span into `file`, made by `origin`.
    fn place(&mut self, file: FileId, origin: Origin) {
        self.each_span(&mut |span| *span = span.in_file(file).with_origin(origin));
    }
}

impl Spans for Span {
    fn each_span(&mut self, f: &mut dyn FnMut(&mut Span)) {
        f(self);
    }
}

impl<T> Spans for Spanned<T> {
    /// The node of a `Spanned` is a plain value (a name, a mode, a choice): only its span.
    fn each_span(&mut self, f: &mut dyn FnMut(&mut Span)) {
        f(&mut self.span);
    }
}

impl<T: Spans> Spans for Option<T> {
    fn each_span(&mut self, f: &mut dyn FnMut(&mut Span)) {
        if let Some(node) = self {
            node.each_span(f);
        }
    }
}

impl<T: Spans> Spans for Vec<T> {
    fn each_span(&mut self, f: &mut dyn FnMut(&mut Span)) {
        for node in self {
            node.each_span(f);
        }
    }
}

/// `each!(f; a, b, …)`: visits each listed field in order.
macro_rules! each {
    ($f:ident; $($node:expr),* $(,)?) => {
        { $( $node.each_span($f); )* }
    };
}

impl Spans for Buildfile {
    fn each_span(&mut self, f: &mut dyn FnMut(&mut Span)) {
        each!(f; self.directives.syntax, self.directives.check, self.global_args, self.stages);
        for namespace in &mut self.imports {
            each!(f; namespace.global_args, namespace.values);
        }
    }
}

impl Spans for Module {
    fn each_span(&mut self, f: &mut dyn FnMut(&mut Span)) {
        each!(f; self.directives.syntax, self.directives.check, self.items);
    }
}

impl Spans for Item {
    fn each_span(&mut self, f: &mut dyn FnMut(&mut Span)) {
        match self {
            Item::From(stage) => stage.each_span(f),
            Item::Step(step) => step.each_span(f),
            Item::Include(include) => each!(f; include.from, include.path, include.span),
            Item::Import(import) => {
                each!(f; import.from, import.path, import.namespace, import.values, import.span);
            }
            Item::Function(function) => function.each_span(f),
            Item::Call(call) => call.each_span(f),
            Item::If(block) => {
                for branch in &mut block.branches {
                    each!(f; branch.condition, branch.body, branch.span);
                }
                block.otherwise.each_span(f);
            }
            Item::For(block) => each!(f; block.name, block.words, block.body, block.span),
        }
    }
}

impl Spans for Call {
    fn each_span(&mut self, f: &mut dyn FnMut(&mut Span)) {
        each!(f; self.function, self.args, self.span);
    }
}

impl Spans for Function {
    fn each_span(&mut self, f: &mut dyn FnMut(&mut Span)) {
        each!(f; self.name, self.params, self.body, self.span);
    }
}

impl Spans for Condition {
    fn each_span(&mut self, f: &mut dyn FnMut(&mut Span)) {
        match self {
            Condition::Truthy(word) => word.each_span(f),
            Condition::Compare {
                left, right, span, ..
            } => each!(f; left, right, span),
            Condition::Exists { path, span } => each!(f; path, span),
            Condition::Not(inner, span) => each!(f; inner, span),
            Condition::And(a, b) | Condition::Or(a, b) => each!(f; a, b),
        }
    }
}

impl<T: Spans> Spans for Box<T> {
    fn each_span(&mut self, f: &mut dyn FnMut(&mut Span)) {
        (**self).each_span(f);
    }
}

impl Spans for Stage {
    fn each_span(&mut self, f: &mut dyn FnMut(&mut Span)) {
        each!(f; self.base, self.platform, self.name, self.steps, self.span);
    }
}

impl Spans for Step {
    fn each_span(&mut self, f: &mut dyn FnMut(&mut Span)) {
        each!(f; self.kind, self.span);
    }
}

impl Spans for StepKind {
    fn each_span(&mut self, f: &mut dyn FnMut(&mut Span)) {
        match self {
            StepKind::Run(run) => {
                each!(f; run.mounts, run.network, run.security, run.command, run.heredocs);
            }
            StepKind::Copy(copy) => {
                each!(f; copy.sources, copy.dest, copy.from, copy.chown, copy.chmod, copy.heredocs);
            }
            StepKind::Env(pairs) | StepKind::Label(pairs) => pairs.each_span(f),
            StepKind::Arg(decls) | StepKind::Bind(decls) => decls.each_span(f),
            StepKind::Unset(names) => names.each_span(f),
            StepKind::Workdir(word)
            | StepKind::User(word)
            | StepKind::StopSignal(word)
            | StepKind::Maintainer(word) => word.each_span(f),
            StepKind::Expose(words) | StepKind::Volume(words) => words.each_span(f),
            StepKind::Entrypoint(command) | StepKind::Cmd(command) => command.each_span(f),
            StepKind::Shell(strings) => strings.each_span(f),
            StepKind::Healthcheck(Healthcheck::None) => {}
            StepKind::Healthcheck(Healthcheck::Check { command, .. }) => command.each_span(f),
        }
    }
}

impl Spans for KeyValue {
    fn each_span(&mut self, f: &mut dyn FnMut(&mut Span)) {
        each!(f; self.key, self.value, self.span);
    }
}

impl Spans for ArgDecl {
    fn each_span(&mut self, f: &mut dyn FnMut(&mut Span)) {
        each!(f; self.name, self.default, self.span);
    }
}

impl Spans for Command {
    fn each_span(&mut self, f: &mut dyn FnMut(&mut Span)) {
        match self {
            Command::Shell(text) => text.each_span(f),
            Command::Exec(strings) => strings.each_span(f),
        }
    }
}

impl Spans for Heredoc {
    fn each_span(&mut self, f: &mut dyn FnMut(&mut Span)) {
        f(&mut self.span);
    }
}

impl Spans for Mount {
    fn each_span(&mut self, f: &mut dyn FnMut(&mut Span)) {
        match &mut self.kind {
            MountKind::Bind(m) => each!(f; m.target, m.source, m.from),
            MountKind::Cache(m) => each!(f; m.target, m.source, m.from, m.id),
            MountKind::Tmpfs(m) => each!(f; m.target, m.source, m.from),
            MountKind::Secret(m) => each!(f; m.target, m.source, m.id),
            MountKind::Ssh(m) => each!(f; m.target, m.from, m.id),
        }
        for (_, value) in &mut self.unexpanded {
            f(&mut value.span);
        }
        f(&mut self.span);
    }
}

impl Spans for Word {
    fn each_span(&mut self, f: &mut dyn FnMut(&mut Span)) {
        for part in &mut self.parts {
            if let WordPart::Var(var) = part {
                var.each_span(f);
            }
        }
        f(&mut self.span);
    }
}

impl Spans for VarRef {
    fn each_span(&mut self, f: &mut dyn FnMut(&mut Span)) {
        match &mut self.modifier {
            None => {}
            Some(
                Modifier::Default { word, .. }
                | Modifier::Alternate { word, .. }
                | Modifier::TrimPrefix { pattern: word, .. }
                | Modifier::TrimSuffix { pattern: word, .. },
            ) => word.each_span(f),
            Some(Modifier::Replace {
                pattern,
                replacement,
                ..
            }) => each!(f; pattern, replacement),
        }
        f(&mut self.span);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    /// Every span of a file that uses every kind of node ends up placed: the Debug print
    /// (which shows `file` and `origin` only when they are not the main file's, as written)
    /// has no span left without them.
    #[test]
    fn place_reaches_every_span() {
        let dirs = ["tests/corpus/syntax/ok", "tests/corpus/lower"];
        let corpus = dirs.iter().flat_map(|dir| {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
            std::fs::read_dir(dir)
                .unwrap()
                .map(|entry| entry.unwrap().path())
        });
        let mut files = crate::source::SourceFiles::new(SourceFile::new("f", ""));
        let origin = files
            .expand(crate::source::Expansion {
                kind: crate::source::ExpansionKind::Include { path: "f".into() },
                at: Span::default(),
            })
            .unwrap();
        let mut checked = 0;
        for path in corpus {
            let text = std::fs::read_to_string(&path).unwrap();
            let (Some(mut buildfile), _) = crate::syntax::parse(&SourceFile::new("f", text)) else {
                continue;
            };
            buildfile.place(FileId(7), origin);
            let debug = format!("{buildfile:?}");
            let spans = debug.matches("Span {").count();
            let placed = debug.matches("Span { file: 7, origin: 1,").count();
            assert_eq!(spans, placed, "{}: a span was not placed", path.display());
            checked += spans;
        }
        assert!(checked > 100, "the corpus has only {checked} spans");
    }
}
