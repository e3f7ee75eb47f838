//! rustbuild's own rules: what the language's blocks and variables make possible to get
//! wrong, and what Dockerfile's linter cannot see.
//!
//! The block rules read each file as written (its `ir::Module`): a FUNCTION or IF exists
//! there once, however often it was expanded.

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::ir::{self, Condition, Function, Item, Spans, StepKind};
use crate::source::{FileId, Origin, SourceFile, Span};

use super::{Context, Rule};

/// UnusedArg: an ARG nothing reads. A global ARG is read by `$NAME` in any file of the
/// build (a FROM, an IF, a FOR, an INCLUDE path…) or by a stage that redeclares it. A stage
/// ARG is read by a later instruction of its stage that names it, or by any later RUN,
/// whose environment holds it (`ARG DEBIAN_FRONTEND=noninteractive` is used by apt).
pub(super) fn unused_args(context: &Context<'_>, found: &mut Diagnostics) {
    let texts: Vec<&str> = context.files.files().iter().map(|f| &*f.text).collect();
    let redeclared = |name: &str| {
        context.buildfile.walk().any(|(_, step)| match &step.kind {
            StepKind::Arg(decls) => decls.iter().any(|d| d.name.node == name),
            _ => false,
        })
    };
    for arg in &context.buildfile.global_args {
        let name = &arg.name.node;
        let read = texts.iter().any(|text| mentions(text, name));
        if !read && !redeclared(name) && !is_read_by_buildkit(name) {
            found.push(unused(
                context,
                arg,
                "global ARG",
                "no FROM, block or stage uses it",
            ));
        }
    }
    for stage in &context.buildfile.stages {
        for (i, step) in stage.steps.iter().enumerate() {
            let StepKind::Arg(decls) = &step.kind else {
                continue;
            };
            let later = &stage.steps[i + 1..];
            for arg in decls {
                if !read_in_stage(context, later, &arg.name.node) {
                    let why = "no later instruction of the stage uses it";
                    found.push(unused(context, arg, "ARG", why));
                }
            }
        }
    }
}

fn unused(context: &Context<'_>, arg: &ir::ArgDecl, what: &str, why: &str) -> Diagnostic {
    let name = &arg.name.node;
    let warning = Diagnostic::lint(
        Rule::UnusedArg,
        format!("{what} '{name}' is declared but never used"),
    )
    .with_label(arg.name.span, why)
    .with_help(format!("remove it, or use it as ${name}"));
    match own_line(context, arg.span) {
        Some(line) => warning.with_fix(format!("remove ARG {name}"), line, ""),
        None => warning,
    }
}

/// The whole line of `ARG decl` (its newline included) when the line declares nothing else.
fn own_line(context: &Context<'_>, decl: Span) -> Option<Span> {
    let text = &context.files.file(decl.file)?.text;
    let start = text[..decl.start as usize].rfind('\n').map_or(0, |i| i + 1);
    let end = text[decl.end as usize..]
        .find('\n')
        .map_or(text.len(), |i| decl.end as usize + i + 1);
    let line = text[start..end].trim();
    let keyword = line.get(..3).filter(|k| k.eq_ignore_ascii_case("ARG"))?;
    let rest = line[keyword.len()..].trim();
    let whole = Span::from_range(start..end).in_file(decl.file);
    (rest == &text[decl.range()]).then_some(whole.with_origin(decl.origin))
}

/// Whether a step after the ARG reads `name`: names it, or is a RUN (the environment).
fn read_in_stage(context: &Context<'_>, later: &[ir::Step], name: &str) -> bool {
    later.iter().any(|step| match &step.kind {
        StepKind::Run(_) => true,
        StepKind::Bind(_) | StepKind::Unset(_) => false,
        _ => context
            .files
            .file(step.span.file)
            .is_some_and(|file| mentions(file.slice(step.span), name)),
    })
}

/// Build arguments BuildKit or the frontend reads by name, declared or not.
fn is_read_by_buildkit(name: &str) -> bool {
    name.starts_with("BUILDKIT_") || name == "SOURCE_DATE_EPOCH"
}

/// Whether `text` reads the variable `name`: `$NAME` not followed by a name character, or
/// `${NAME` followed by `}` or a modifier (`:-`, `#`, `%`…).
fn mentions(text: &str, name: &str) -> bool {
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        rest = &rest[at + 1..];
        let (braced, after) = match rest.strip_prefix('{') {
            Some(inner) => (true, inner),
            None => (false, rest),
        };
        if let Some(tail) = after.strip_prefix(name) {
            let next = tail.chars().next();
            let ends = match braced {
                true => next.is_some_and(|c| !is_name(c)),
                false => next.is_none_or(|c| !is_name(c)),
            };
            if ends {
                return true;
            }
        }
    }
    false
}

/// The block rules: UnusedParameter and ConstantCondition, over every file as written.
pub(super) fn blocks(context: &Context<'_>, found: &mut Diagnostics) {
    for (index, file) in context.files.files().into_iter().enumerate() {
        let Some(id) = u16::try_from(index).ok().map(FileId) else {
            break;
        };
        // Parsing again costs as much as the first time: only for files with blocks.
        if !has_block(&file.text) {
            continue;
        }
        let (mut module, _) = crate::syntax::parse_module(file);
        for item in &mut module.items {
            item.place(id, Origin::WRITTEN);
        }
        for item in &module.items {
            visit(item, file, found);
        }
    }
}

/// Whether a line of `text` starts with FUNCTION or IF (ELSE IF is inside an IF).
fn has_block(text: &str) -> bool {
    text.lines().any(|line| {
        let word = line
            .trim_start()
            .split([' ', '\t'])
            .next()
            .unwrap_or_default();
        word.eq_ignore_ascii_case("IF") || word.eq_ignore_ascii_case("FUNCTION")
    })
}

fn visit(item: &Item, file: &SourceFile, found: &mut Diagnostics) {
    let body: &[Item] = match item {
        Item::Function(function) => {
            unused_parameters(function, file, found);
            &function.body
        }
        Item::If(block) => {
            for branch in &block.branches {
                constant_condition(branch, found);
                for item in &branch.body {
                    visit(item, file, found);
                }
            }
            block.otherwise.as_deref().unwrap_or_default()
        }
        Item::For(block) => &block.body,
        _ => &[],
    };
    for item in body {
        visit(item, file, found);
    }
}

/// UnusedParameter: a parameter its body never names. Callers still pass it, so the fix
/// is the user's (remove it here and at every CALL).
fn unused_parameters(function: &Function, file: &SourceFile, found: &mut Diagnostics) {
    let mut spans = Vec::new();
    body_spans(&function.body, &mut spans);
    for param in &function.params {
        let name = &param.name.node;
        if !spans.iter().any(|span| mentions(file.slice(*span), name)) {
            found.push(
                Diagnostic::lint(
                    Rule::UnusedParameter,
                    format!(
                        "the parameter '{name}' of FUNCTION {} is never used",
                        function.name.node
                    ),
                )
                .with_label(param.name.span, "not named in the body")
                .with_help(format!(
                    "use it as ${name}, or remove it here and from every CALL {}",
                    function.name.node
                )),
            );
        }
    }
}

/// The lines of every instruction in `items`, blocks' header lines included.
fn body_spans(items: &[Item], spans: &mut Vec<Span>) {
    for item in items {
        spans.push(item.span());
        match item {
            Item::If(block) => {
                for branch in &block.branches {
                    spans.push(branch.span);
                    body_spans(&branch.body, spans);
                }
                body_spans(block.otherwise.as_deref().unwrap_or_default(), spans);
            }
            Item::For(block) => body_spans(&block.body, spans),
            Item::Function(function) => body_spans(&function.body, spans),
            _ => {}
        }
    }
}

/// ConstantCondition: a condition of literals only, no variable and no `exists()`.
fn constant_condition(branch: &ir::Branch, found: &mut Diagnostics) {
    if is_constant(&branch.condition) {
        found.push(
            Diagnostic::lint(
                Rule::ConstantCondition,
                "the condition reads no variable and no file, so it never changes",
            )
            .with_label(branch.span, "always takes the same branch")
            .with_help("compare a variable (`IF $TARGETOS == \"windows\"`), or remove the IF and keep the branch it takes"),
        );
    }
}

fn is_constant(condition: &Condition) -> bool {
    match condition {
        Condition::Truthy(word) => word.as_literal().is_some(),
        Condition::Compare { left, right, .. } => {
            left.as_literal().is_some() && right.as_literal().is_some()
        }
        Condition::Exists { .. } => false,
        Condition::Not(inner, _) => is_constant(inner),
        Condition::And(a, b) | Condition::Or(a, b) => is_constant(a) && is_constant(b),
    }
}

/// UnpinnedBaseImage (opt-in): `FROM image` or `FROM image:latest`, which builds on
/// whatever the registry holds today. A stage, `scratch` or a name with variables is not
/// judged.
pub(super) fn unpinned_bases(context: &Context<'_>, found: &mut Diagnostics) {
    let buildfile = context.buildfile;
    for stage in &buildfile.stages {
        let Some(base) = stage.base.as_literal() else {
            continue;
        };
        if base == "scratch" || buildfile.stage_index(&base.to_ascii_lowercase()).is_some() {
            continue;
        }
        if base.contains('@') {
            continue;
        }
        let name = base.rsplit('/').next().unwrap_or(&base);
        let tag = name.split_once(':').map(|(_, tag)| tag);
        if tag.is_some_and(|tag| tag != "latest") {
            continue;
        }
        found.push(
            Diagnostic::lint(
                Rule::UnpinnedBaseImage,
                format!("the base image '{base}' is not pinned: it is whatever `latest` is today"),
            )
            .with_label(stage.base.span, "a moving tag")
            .with_help("name a version (`alpine:3.20`) or a digest (`alpine:3.20@sha256:…`) so the build repeats"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::mentions;

    #[test]
    fn mentions_reads_both_forms_and_whole_names_only() {
        assert!(mentions("echo $A", "A"));
        assert!(mentions("echo ${A}", "A"));
        assert!(mentions("x${A:-b}", "A"));
        assert!(mentions("$A/b", "A"));
        assert!(!mentions("$AB", "A"));
        assert!(!mentions("${AB}", "A"));
        assert!(!mentions("A", "A"));
        assert!(!mentions("${A", "A"));
    }
}
