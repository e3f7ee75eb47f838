//! FUNCTION, CALL, IF and FOR, expanded as the files are walked: the part of the one
//! expansion stage that decides, where `walk.rs` is the part that reads files.
//!
//! Everything here is decided from the build's arguments, the platform and (for
//! `exists()`) the build context, never from running anything, and ends up as the plain
//! stages and steps that check and lower already take:
//! - IF splices the first branch whose condition holds, in place;
//! - FOR splices its body once per value, CALL its FUNCTION's body, each under an origin of
//!   its own, so errors and BuildKit's source map show the body line and the chain;
//! - a parameter or FOR variable is bound for its body only: a `Bind` step (an ARG no build
//!   argument overrides) where the body starts, or after each FROM in it, and an `Unset`
//!   step where it ends when the stage goes on;
//! - the values decided while converting (FROM lines and `AS` names in a body, `--from` and
//!   `--mount from=` everywhere) are written out literally, so the stage graph that check
//!   builds is the final one.
//!
//! A CALL waits until its file is walked, since a FUNCTION may be defined after its use; it
//! keeps the scope it was met in. Errors emitted: unknown-function, duplicate-function,
//! unknown-parameter, missing-parameter, recursive-call, not-in-function,
//! call-outside-stage, undeclared-variable, invalid-exists-path, invalid-stage-name,
//! too-deep, too-large.

use std::borrow::Cow;
use std::rc::Rc;

use super::condition::{Ask, eval};
use super::walk::{Place, StageArg, Walk};
use super::{MAX_DEPTH, MAX_INSTRUCTIONS, Read, Request, Root};
use crate::diagnostic::{Code, Diagnostic};
use crate::ir::{
    ArgDecl, Call, Chmod, ChmodFlag, Condition, For, Function, If, Item, Spans, Stage, Step,
    StepKind, Word,
};
use crate::source::{ExpansionKind, FileId, Origin, Span, Spanned};
use crate::suggest::did_you_mean;
use crate::syntax;
use crate::vars::{self, Env, TextMode};

/// A FUNCTION as defined, its spans in its file.
#[derive(Debug)]
pub(super) struct Defined {
    function: Function,
    file: FileId,
    /// What the names of its file's stages and functions start with (`NS+`): its body's
    /// names are its file's.
    prefix: String,
}

/// A parameter or FOR variable and its value.
#[derive(Clone, Debug)]
pub(super) struct Binding {
    name: String,
    value: String,
    /// The CALL or FOR.
    span: Span,
}

/// A CALL met while walking its file, with the scope it was met in.
#[derive(Debug)]
pub(super) struct Pending {
    call: Call,
    place: Place,
    stage: Option<Span>,
    stage_args: Vec<StageArg>,
    stages: usize,
    bindings: Vec<Binding>,
}

/// What a conversion-time expression sees at one point: the global ARGs with the build's
/// values, then the open stage's ARGs, then the bindings.
pub(super) struct Names {
    pub(super) env: Env,
    /// Declared names, set or not.
    declared: Vec<String>,
}

impl Walk<'_> {
    pub(super) fn names(&self) -> Names {
        let scope = self.build_scope();
        let mut env = self.frame.globals_env(&scope);
        let mut declared: Vec<String> = env.keys().map(str::to_owned).collect();
        declared.extend(self.frame.globals.iter().map(|d| d.name.node.clone()));
        if self.frame.stage.is_some() {
            for arg in &self.frame.stage_args {
                let name = &arg.decl.name.node;
                let default = arg.decl.default.as_ref();
                let value = match (arg.bound, scope.build_args.get(name), default) {
                    (false, Some(value), _) => Some(value.clone()),
                    (_, _, Some(default)) => Some(vars::expand(default, &env)),
                    (_, _, None) => env.get(name).map(str::to_owned),
                };
                if let Some(value) = value {
                    env.set(name, &value);
                }
                declared.push(name.clone());
            }
        }
        for binding in &self.bindings {
            env.set(&binding.name, &binding.value);
            declared.push(binding.name.clone());
        }
        Names { env, declared }
    }

    /// A FROM: a new stage, its conversion-time parts decided.
    pub(super) fn from(&mut self, item: Cow<'_, Item>, place: &Place) {
        let Item::From(written) = item.as_ref() else {
            return;
        };
        self.frame.stage = Some(written.span.with_origin(place.origin));
        self.frame.stage_args.clear();
        self.frame.stages += 1;
        // The FROM binds every binding in scope itself.
        self.unbound.clear();
        if !self.splice {
            for step in &written.steps {
                self.note(&step.kind);
            }
            return;
        }
        let mut item = item.into_owned();
        if place.origin != Origin::WRITTEN {
            item.place(place.file, place.origin);
        }
        if let Item::From(stage) = &mut item {
            self.decide_from(stage);
            for step in &mut stage.steps {
                self.note(&step.kind);
                self.decide_step(step);
            }
        }
        self.push_placed(item);
    }

    /// A FROM line in a body reads the bindings, which lowering does not know: its words
    /// are written out. A stage name with variables is decided here too.
    fn decide_from(&mut self, stage: &mut Stage) {
        let has_vars = stage.name.as_ref().is_some_and(|n| n.node.contains('$'));
        if self.bindings.is_empty() && !has_vars {
            return;
        }
        self.out.decided = true;
        let env = self.names().env;
        if !self.bindings.is_empty() {
            stage.base = Word::literal(vars::expand(&stage.base, &env), stage.base.span);
            if let Some(platform) = &mut stage.platform {
                *platform = Word::literal(vars::expand(platform, &env), platform.span);
            }
            let last = self.bindings.last().map_or(stage.span, |b| b.span);
            stage.steps.insert(0, bind_step(&self.bindings, last));
            self.frame.stage_args.extend(bound(&self.bindings, last));
        }
        if let Some(name) = stage.name.as_mut().filter(|n| n.node.contains('$')) {
            let value = vars::expand_text(&name.node, &env, TextMode::Heredoc).to_lowercase();
            if syntax::is_stage_name(&value) {
                name.node = value;
            } else {
                self.error(
                    Diagnostic::error(
                        Code::InvalidStageName,
                        format!("the stage name `{}` expands to `{value}`", name.node),
                    )
                    .with_label(name.span, format!("`{value}`"))
                    .with_help(
                        "a stage name starts with a letter and has only letters, digits, \
                         `-`, `_` and `.`",
                    ),
                );
                stage.name = None;
            }
        }
    }

    /// A step: an ARG before any FROM is global; in a stage, its ARGs are noted for the
    /// expressions after it and its `--from` is decided.
    pub(super) fn step(&mut self, item: Cow<'_, Item>, place: &Place) {
        let Item::Step(written) = item.as_ref() else {
            return;
        };
        if self.frame.stage.is_none() {
            let StepKind::Arg(decls) = &written.kind else {
                return self.push(item, place);
            };
            if self.bindings.is_empty() {
                self.frame.globals.extend(decls.iter().cloned());
                return self.push(item, place);
            }
            // A global ARG in a body reads the bindings, which lowering does not know: its
            // defaults are written out.
            let env = self.names().env;
            let mut item = item.into_owned();
            if let Item::Step(Step {
                kind: StepKind::Arg(decls),
                ..
            }) = &mut item
            {
                for default in decls.iter_mut().filter_map(|d| d.default.as_mut()) {
                    *default = Word::literal(vars::expand(default, &env), default.span);
                }
                self.frame.globals.extend(decls.iter().cloned());
            }
            return self.push(Cow::Owned(item), place);
        }
        self.bind_unbound();
        self.note(&written.kind);
        if !self.splice {
            return;
        }
        let mut item = item.into_owned();
        if place.origin != Origin::WRITTEN {
            item.place(place.file, place.origin);
        }
        if let Item::Step(step) = &mut item {
            self.decide_step(step);
        }
        self.push_placed(item);
    }

    /// Keeps the open stage's ARGs up to date.
    fn note(&mut self, kind: &StepKind) {
        let args = &mut self.frame.stage_args;
        match kind {
            StepKind::Arg(decls) => args.extend(decls.iter().map(|decl| StageArg {
                decl: decl.clone(),
                bound: false,
            })),
            StepKind::Bind(decls) => args.extend(decls.iter().map(|decl| StageArg {
                decl: decl.clone(),
                bound: true,
            })),
            StepKind::Unset(names) => {
                args.retain(|arg| !names.iter().any(|n| n.node == arg.decl.name.node));
            }
            _ => {}
        }
    }

    /// `--from`, `--mount from=`, `--chmod` and the mount options that must be literal are
    /// decided while converting when they have variables: the stage graph depends on the
    /// first two, and syntax could not check the others. A name written in an imported
    /// FUNCTION's body is its file's.
    fn decide_step(&mut self, step: &mut Step) {
        match &mut step.kind {
            StepKind::Copy(copy) => {
                if let Some(from) = &mut copy.from {
                    self.decide_copy_from(from);
                }
                if let Some(chmod) = &mut copy.chmod {
                    self.decide_chmod(chmod);
                }
            }
            StepKind::Run(run) => {
                for mount in &mut run.mounts {
                    self.decide_mount(mount);
                }
            }
            _ => {}
        }
    }

    fn decide_copy_from(&mut self, from: &mut Word) {
        let written = from.as_literal();
        let name = written.clone().unwrap_or_else(|| {
            self.out.decided = true;
            let value = vars::expand(from, &self.names().env);
            self.not_empty(&value, from.span, "--from");
            value
        });
        let name = self.qualify(&name).unwrap_or(name);
        if written.as_ref() != Some(&name) {
            *from = Word::literal(name, from.span);
        }
    }

    fn decide_chmod(&mut self, chmod: &mut Spanned<ChmodFlag>) {
        if chmod.node.mode != Chmod::Unexpanded {
            return;
        }
        self.out.decided = true;
        let env = self.names().env;
        let value = vars::expand_text(&chmod.node.written, &env, TextMode::Heredoc);
        match syntax::chmod_mode(&value) {
            Some(mode) => {
                chmod.node = ChmodFlag {
                    mode,
                    written: value,
                }
            }
            None => self.error(
                Diagnostic::error(
                    Code::InvalidChmod,
                    format!(
                        "`--chmod={}` expands to `{value}`, not a file mode",
                        chmod.node.written
                    ),
                )
                .with_label(chmod.span, format!("`{value}`"))
                .with_help("use an octal mode like 0755 or 644, or a symbolic one like u+x,go=rX"),
            ),
        }
    }

    fn decide_mount(&mut self, mount: &mut crate::ir::Mount) {
        for (key, written) in std::mem::take(&mut mount.unexpanded) {
            self.out.decided = true;
            let env = self.names().env;
            let value = vars::expand_text(&written.node, &env, TextMode::Heredoc);
            let decided = syntax::decide_mount_option(&mut mount.kind, &key, &value, written.span);
            if let Err(diagnostic) = decided {
                let message = format!(
                    "`{key}={}` expands to `{value}`: {}",
                    written.node, diagnostic.message
                );
                self.error(Diagnostic {
                    message,
                    ..diagnostic
                });
            }
        }
        let Some(from) = mount.from_mut() else {
            return;
        };
        if from.node.contains('$') {
            self.out.decided = true;
            let env = self.names().env;
            from.node = vars::expand_text(&from.node, &env, TextMode::Heredoc);
            let (value, span) = (from.node.clone(), from.span);
            self.not_empty(&value, span, "the mount's `from`");
        }
        if let Some(full) = self.qualify(&from.node) {
            from.node = full;
        }
    }

    fn not_empty(&mut self, value: &str, span: Span, what: &str) {
        if value.is_empty() {
            self.error(
                Diagnostic::error(Code::InvalidFlagValue, format!("{what} expands to nothing"))
                    .with_label(span, "empty once expanded")
                    .with_help("declare the variable with a value: it names a stage or an image"),
            );
        }
    }

    /// FROM, INCLUDE, IMPORT and FUNCTION inside a FUNCTION's body.
    pub(super) fn not_in_function(&mut self, item: &Item, place: &Place) {
        let (what, help) = match item {
            Item::From(_) => (
                "FROM",
                "a FUNCTION's steps join the stage that calls it; start the stage before \
                 the CALL, or make the stage a stage of its own",
            ),
            Item::Function(_) => ("FUNCTION", "define every FUNCTION at the top of a file"),
            _ => (
                "INCLUDE or IMPORT",
                "bring files in at the top of a file; a FUNCTION can CALL the functions \
                 they define",
            ),
        };
        let caller = self.calls.last().map(|(_, at)| *at);
        let mut error = Diagnostic::error(Code::NotInFunction, format!("{what} in a FUNCTION"))
            .with_label(item.span().with_origin(place.origin), "not allowed here")
            .with_help(help);
        if let Some(caller) = caller {
            error = error.with_label(caller, "called here");
        }
        self.error(error);
    }

    /// `FUNCTION`: known by its full name from here on; its body is walked at each CALL.
    pub(super) fn define(&mut self, function: &Function, place: &Place) {
        let full = format!("{}{}", self.frame.prefix, function.name.node);
        let mut function = function.clone();
        function.place(place.file, place.origin);
        if let Some(first) = self.functions.get(&full) {
            let first = first.function.name.span;
            return self.error(
                Diagnostic::error(
                    Code::DuplicateFunction,
                    format!("the FUNCTION `{}` is defined twice", function.name.node),
                )
                .with_label(function.name.span, "defined again")
                .with_label(first, "first defined here")
                .with_help("rename one of them"),
            );
        }
        let defined = Defined {
            file: place.file,
            function,
            prefix: self.frame.prefix.clone(),
        };
        self.functions.insert(full, Rc::new(defined));
    }

    /// `CALL`: kept until the file's functions are known, unless a body is being expanded.
    pub(super) fn call(&mut self, call: &Call, place: &Place) {
        self.out.decided = true;
        let mut call = call.clone();
        call.place(place.file, place.origin);
        if self.frame.stage.is_none() {
            return self.error(
                Diagnostic::error(Code::CallOutsideStage, "CALL before any FROM")
                    .with_label(call.span, "not in a stage")
                    .with_help("a FUNCTION's steps join a stage: CALL it after a FROM"),
            );
        }
        self.bind_unbound();
        if place.in_function {
            return self.expand_call(&call, place);
        }
        if self.splice {
            self.frame.items.push(Item::Call(call.clone()));
        }
        self.frame.pending.push(Pending {
            call,
            place: place.clone(),
            stage: self.frame.stage,
            stage_args: self.frame.stage_args.clone(),
            stages: self.frame.stages,
            bindings: self.bindings.clone(),
        });
    }

    /// Expands the file's CALLs, in place, now that its functions are known.
    pub(super) fn expand_pending(&mut self) {
        let pending = std::mem::take(&mut self.frame.pending);
        if pending.is_empty() {
            return;
        }
        let items = std::mem::take(&mut self.frame.items);
        let mut pending = pending.into_iter();
        if !self.splice {
            pending.for_each(|call| self.expand_pending_call(call));
            return;
        }
        for item in items {
            match item {
                Item::Call(_) => {
                    if let Some(call) = pending.next() {
                        self.expand_pending_call(call);
                    }
                }
                item => self.frame.items.push(item),
            }
        }
    }

    fn expand_pending_call(&mut self, pending: Pending) {
        let stage = std::mem::replace(&mut self.frame.stage, pending.stage);
        let args = std::mem::replace(&mut self.frame.stage_args, pending.stage_args);
        let stages = std::mem::replace(&mut self.frame.stages, pending.stages);
        let bindings = std::mem::replace(&mut self.bindings, pending.bindings);
        self.expand_call(&pending.call, &pending.place);
        self.frame.stage = stage;
        self.frame.stage_args = args;
        self.frame.stages = stages;
        self.bindings = bindings;
    }

    /// Splices the body of the function a CALL names, its parameters bound.
    fn expand_call(&mut self, call: &Call, place: &Place) {
        if !self.exact || self.count > MAX_INSTRUCTIONS {
            return;
        }
        let at = call.span;
        let full = format!("{}{}", self.lexical_prefix(), call.function.node);
        let Some(defined) = self.functions.get(&full).cloned() else {
            return self.unknown_function(call);
        };
        if let Some(pos) = self.calls.iter().position(|(name, _)| *name == full) {
            return self.recursion(call, pos, &defined);
        }
        if self.calls.len() >= MAX_DEPTH {
            return self.error(
                Diagnostic::error(
                    Code::TooDeep,
                    format!("CALLs nest more than {MAX_DEPTH} deep"),
                )
                .with_label(at, "one too many")
                .with_help("call the innermost functions from a shallower one"),
            );
        }
        let Some(bindings) = self.arguments(call, &defined.function) else {
            return;
        };
        let kind = ExpansionKind::Call {
            function: call.function.node.clone(),
        };
        let Some(origin) = self.origin(kind, at) else {
            return;
        };
        let body = Place {
            file: defined.file,
            origin,
            in_function: true,
            ..place.clone()
        };
        // Each CALL counts, as each FOR iteration does: empty bodies called from bodies
        // called many times would otherwise multiply without bound.
        self.count += 1;
        self.check_count();
        self.calls.push((full, at));
        let outer = self.lexical.replace(defined.prefix.clone());
        self.body(bindings, &defined.function.body, &body, at);
        self.lexical = outer;
        self.calls.pop();
    }

    /// Where the names written at this point live: the namespace of the FUNCTION whose body
    /// is being walked, else the file's.
    fn lexical_prefix(&self) -> &str {
        self.lexical.as_deref().unwrap_or(&self.frame.prefix)
    }

    /// A stage name written in an imported FUNCTION's body names its file's stage: `builder`
    /// in a body of `go.bf` is `go+builder` in the stage that calls it.
    fn qualify(&self, name: &str) -> Option<String> {
        let prefix = self
            .lexical
            .as_deref()
            .filter(|p| *p != self.frame.prefix)?;
        let full = format!("{prefix}{}", name.to_ascii_lowercase());
        let known = self
            .out
            .stages
            .iter()
            .any(|s| s.name.as_ref().is_some_and(|n| n.node == full));
        known.then_some(full)
    }

    fn unknown_function(&mut self, call: &Call) {
        let prefix = self.lexical_prefix();
        let names: Vec<&str> = self
            .functions
            .keys()
            .filter_map(|name| name.strip_prefix(prefix))
            .collect();
        let near = did_you_mean(&call.function.node, &names);
        let help = match near {
            Some(near) => format!("did you mean `{near}`?"),
            None if names.is_empty() => "define it with `FUNCTION NAME` … `END`".to_owned(),
            None => format!("the functions are {}", names.join(", ")),
        };
        let mut diagnostic = Diagnostic::error(
            Code::UnknownFunction,
            format!("no FUNCTION `{}`", call.function.node),
        )
        .with_label(call.function.span, "not defined")
        .with_help(help);
        // The suggestion as a fix too, for editors' code actions.
        if let Some(near) = near {
            diagnostic = diagnostic.with_fix(format!("call `{near}`"), call.function.span, near);
        }
        self.error(diagnostic);
    }

    fn recursion(&mut self, call: &Call, pos: usize, defined: &Defined) {
        let chain: Vec<&str> = self.calls[pos..]
            .iter()
            .map(|(name, _)| name.as_str())
            .chain([call.function.node.as_str()])
            .collect();
        self.error(
            Diagnostic::error(
                Code::RecursiveCall,
                format!(
                    "the FUNCTION `{}` calls itself: {}",
                    call.function.node,
                    chain.join(" → ")
                ),
            )
            .with_label(call.span, "called again here")
            .with_label(defined.function.name.span, "the function")
            .with_help(
                "a body is spliced in where it is called, so a recursive CALL never ends; \
                 use FOR to repeat steps",
            ),
        );
    }

    /// The CALL's values for the function's parameters, expanded in the caller's scope;
    /// `None` after reporting an unknown or missing parameter.
    fn arguments(&mut self, call: &Call, function: &Function) -> Option<Vec<Binding>> {
        let mut ok = true;
        let params: Vec<&str> = function
            .params
            .iter()
            .map(|p| p.name.node.as_str())
            .collect();
        for arg in &call.args {
            let name = arg.key.as_literal().unwrap_or_default();
            if params.contains(&name.as_str()) {
                continue;
            }
            let near = did_you_mean(&name, &params);
            let help = match near {
                Some(near) => format!("did you mean `{near}`?"),
                None if params.is_empty() => {
                    format!("`{}` takes no parameters", function.name.node)
                }
                None => format!("its parameters are {}", params.join(", ")),
            };
            let mut diagnostic = Diagnostic::error(
                Code::UnknownParameter,
                format!("`{}` has no parameter `{name}`", function.name.node),
            )
            .with_label(arg.key.span, "not a parameter")
            .with_label(function.span, "the function")
            .with_help(help);
            if let Some(near) = near {
                diagnostic = diagnostic.with_fix(format!("use `{near}`"), arg.key.span, near);
            }
            self.error(diagnostic);
            ok = false;
        }
        let caller = self.names().env;
        let mut env = caller.clone();
        let mut bindings = Vec::new();
        for param in &function.params {
            let name = &param.name.node;
            let given = call
                .args
                .iter()
                .find(|a| a.key.as_literal().as_ref() == Some(name));
            let value = match (given, &param.default) {
                (Some(arg), _) => vars::expand(&arg.value, &caller),
                (None, Some(default)) => vars::expand(default, &env),
                (None, None) => {
                    self.error(
                        Diagnostic::error(
                            Code::MissingParameter,
                            format!("the CALL of `{}` gives no `{name}`", function.name.node),
                        )
                        .with_label(call.span, format!("`{name}` missing"))
                        .with_label(param.span, "a parameter without a default")
                        .with_help(format!("pass it: `CALL {} {name}=…`", call.function.node)),
                    );
                    ok = false;
                    continue;
                }
            };
            env.set(name, &value);
            bindings.push(Binding {
                name: name.clone(),
                value,
                span: call.span,
            });
        }
        ok.then_some(bindings)
    }

    /// `IF`: the first branch whose condition holds, spliced in place.
    pub(super) fn branch(&mut self, block: &If, place: &Place) {
        self.out.decided = true;
        // A condition may read an ARG that a file not read yet declares.
        if !self.exact {
            return;
        }
        for branch in &block.branches {
            match self.decide(&branch.condition, place) {
                Some(true) => {
                    return self.items(branch.body.iter().map(Cow::Borrowed), place);
                }
                Some(false) => {}
                None => return,
            }
        }
        if let Some(body) = &block.otherwise {
            self.items(body.iter().map(Cow::Borrowed), place);
        }
    }

    /// A condition's truth; `None` when it cannot be told yet or is wrong (reported).
    fn decide(&mut self, condition: &Condition, place: &Place) -> Option<bool> {
        let names = self.names();
        let mut ask = Asking {
            walk: self,
            names: &names,
            at: place.origin,
        };
        match eval(condition, &mut ask) {
            Ok(truth) => truth,
            Err(mut diagnostic) => {
                for label in &mut diagnostic.labels {
                    label.span = label.span.with_origin(place.origin);
                }
                self.error(diagnostic);
                None
            }
        }
    }

    /// `FOR`: the body once per value.
    pub(super) fn repeat(&mut self, block: &For, place: &Place) {
        self.out.decided = true;
        if !self.exact {
            return;
        }
        let at = block.span.with_origin(place.origin);
        let env = self.names().env;
        let values: Vec<String> = block
            .words
            .iter()
            .flat_map(|word| {
                let text = vars::expand(word, &env);
                text.split_whitespace()
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .collect();
        for value in values {
            if self.count > MAX_INSTRUCTIONS {
                return;
            }
            // Each iteration counts, so that empty bodies cannot loop without bound.
            self.count += 1;
            self.check_count();
            let kind = ExpansionKind::Iteration {
                name: block.name.node.clone(),
                value: value.clone(),
            };
            let Some(origin) = self.origin(kind, at) else {
                return;
            };
            let binding = Binding {
                name: block.name.node.clone(),
                value,
                span: at,
            };
            let inner = Place {
                origin,
                ..place.clone()
            };
            self.body(vec![binding], &block.body, &inner, at);
        }
    }

    /// Walks a body with its bindings, which the stage sees from its start (or from each
    /// FROM in it) to its end, and forgets there, with every ARG the body declared.
    fn body(&mut self, bindings: Vec<Binding>, items: &[Item], place: &Place, at: Span) {
        let saved = self.frame.stage_args.clone();
        let stages = self.frame.stages;
        let depth = self.bindings.len();
        let waiting = self.unbound.len();
        if self.frame.stage.is_some() {
            self.unbound.extend(bindings.iter().cloned());
        }
        self.bindings.extend(bindings);
        self.items(items.iter().map(Cow::Borrowed), place);
        self.bindings.truncate(depth);
        self.unbound.truncate(waiting);
        if self.frame.stage.is_some() {
            let before = if stages == self.frame.stages {
                saved
            } else {
                Vec::new()
            };
            self.forget(before, at);
        }
    }

    /// Back to the stage's ARGs `before` the body: the ones it declared are unset, the
    /// ones it declared again get their earlier declaration back. A binding of an outer
    /// body that was first bound inside this one stays.
    fn forget(&mut self, before: Vec<StageArg>, at: Span) {
        let now = std::mem::replace(&mut self.frame.stage_args, before);
        let start = self.frame.stage_args.len().min(now.len());
        let mut seen: Vec<&str> = Vec::new();
        let mut unset: Vec<Spanned<String>> = Vec::new();
        let mut again: Vec<StageArg> = Vec::new();
        for arg in now[start..].iter().rev() {
            let name = arg.decl.name.node.as_str();
            if seen.contains(&name) {
                continue;
            }
            seen.push(name);
            if arg.bound && self.bindings.iter().any(|b| b.name == name) {
                self.frame.stage_args.push(arg.clone());
                continue;
            }
            match self
                .frame
                .stage_args
                .iter()
                .rev()
                .find(|a| a.decl.name.node == name)
            {
                Some(earlier) => again.push(earlier.clone()),
                None => unset.push(Spanned::new(name.to_owned(), at)),
            }
        }
        if !unset.is_empty() {
            unset.reverse();
            let text = format!("ARG --unset {}", names_of(&unset));
            self.push_step(Step {
                kind: StepKind::Unset(unset),
                text,
                span: at,
            });
        }
        for arg in again.into_iter().rev() {
            let text = format!("ARG {}", arg.decl.name.node);
            let kind = match arg.bound {
                true => StepKind::Bind(vec![arg.decl]),
                false => StepKind::Arg(vec![arg.decl]),
            };
            self.push_step(Step {
                kind,
                text,
                span: at,
            });
        }
    }

    /// Binds what the open stage has not bound yet, before a step of the body.
    fn bind_unbound(&mut self) {
        if self.unbound.is_empty() {
            return;
        }
        let unbound = std::mem::take(&mut self.unbound);
        let at = unbound.last().map_or(Span::default(), |b| b.span);
        self.frame.stage_args.extend(bound(&unbound, at));
        self.push_step(bind_step(&unbound, at));
    }

    /// `exists()` cannot be answered: the condition is taken as false, with a warning, and
    /// the load is incomplete (fine to check, not to build).
    fn unavailable_context(&mut self, why: &str) {
        self.out.complete = false;
        self.error(
            Diagnostic::warning(
                Code::IncludeNotFollowed,
                format!("`exists()` is not checked: {why}"),
            )
            .with_help("the condition is taken as false; build it to check the context"),
        );
    }

    fn push_step(&mut self, step: Step) {
        self.push_placed(Item::Step(step));
    }
}

/// The condition's questions, answered from the names in scope and the build context.
struct Asking<'a, 'w> {
    walk: &'a mut Walk<'w>,
    names: &'a Names,
    at: Origin,
}

impl Ask for Asking<'_, '_> {
    fn var(&self, name: &str) -> Option<Option<String>> {
        if !self.names.declared.iter().any(|n| n == name) {
            return None;
        }
        Some(self.names.env.get(name).map(str::to_owned))
    }

    fn names(&self) -> Vec<String> {
        self.names.declared.clone()
    }

    fn exists(&mut self, path: &str) -> Option<bool> {
        let request = Request {
            root: Root::Context,
            path: path.to_owned(),
        };
        match self.walk.read.get(&request) {
            Some(Read::Exists(exists)) => Some(*exists),
            Some(Read::Unavailable(why)) => {
                let why = why.clone();
                self.walk.unavailable_context(&why);
                Some(false)
            }
            _ => {
                let at = Span::default().with_origin(self.at);
                self.walk.missing(request, at);
                None
            }
        }
    }
}

/// The step that binds `bindings` in the open stage.
fn bind_step(bindings: &[Binding], at: Span) -> Step {
    let decls: Vec<ArgDecl> = bound(bindings, at).map(|arg| arg.decl).collect();
    let text = decls
        .iter()
        .map(|d| {
            let value = d
                .default
                .as_ref()
                .and_then(Word::as_literal)
                .unwrap_or_default();
            format!("{}={value}", d.name.node)
        })
        .collect::<Vec<_>>()
        .join(" ");
    Step {
        kind: StepKind::Bind(decls),
        text: format!("ARG --bind {text}"),
        span: at,
    }
}

fn bound(bindings: &[Binding], at: Span) -> impl Iterator<Item = StageArg> + '_ {
    bindings.iter().map(move |binding| StageArg {
        decl: ArgDecl {
            name: Spanned::new(binding.name.clone(), at),
            default: Some(Word::literal(binding.value.clone(), at)),
            span: at,
        },
        bound: true,
    })
}

fn names_of(names: &[Spanned<String>]) -> String {
    names
        .iter()
        .map(|n| n.node.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}
