//! The flat Buildfile that a loaded and expanded one means, for `rustbuild expand`: no
//! INCLUDE, FUNCTION, CALL, IF or FOR left, only stages and their steps.
//!
//! Steps are printed as they were written (continuation lines and heredoc bodies
//! included), from the file each came from, with the values expansion decided spliced in:
//! `--from`, `--mount from=` and `--chmod`. FROM lines and ARGs are printed from the IR, since
//! a body may have decided them. Bindings print as `ARG --bind`, their end as
//! `ARG --unset`: the only lines a Dockerfile would not read. Reading the result back and
//! lowering it gives the same ops as the original (a test holds to that).
//!
//! Imported stages join the flat file under names of its own (see [`imports`]), with their
//! file's global ARGs written out: literal FROM lines, and stage ARGs bound to the value
//! they take in that file.

mod imports;

use crate::ir::{ArgDecl, Buildfile, Modifier, Stage, Step, StepKind, Word, WordPart};
use crate::source::{FileId, Sources, Span};
use crate::syntax;
use crate::vars::Scope;

use imports::Flat;

/// The flat text of `buildfile`, whose spans point into `files`, for the build `scope`
/// describes (an imported file's values depend on it). Refused: an included file with
/// another escape character than the main file's, on a line that uses one, and an
/// imported stage's ARG that the build's arguments would reach in a flat file.
pub fn flat(
    buildfile: &Buildfile,
    files: &impl Sources,
    scope: Scope<'_>,
) -> Result<String, String> {
    let names = Flat::new(buildfile, scope)?;
    let mut out = String::new();
    let directives = &buildfile.directives;
    if let Some(syntax) = &directives.syntax {
        out.push_str(&format!("# syntax={}\n", syntax.node));
    }
    if directives.escape != '\\' {
        out.push_str(&format!("# escape={}\n", directives.escape));
    }
    if let Some(check) = &directives.check {
        out.push_str(&format!("# check={}\n", check.node));
    }
    for decl in &buildfile.global_args {
        out.push_str(&format!("ARG {}\n", decl_text(decl)));
    }
    for (index, stage) in buildfile.stages.iter().enumerate() {
        out.push('\n');
        if let Some(description) = &stage.description {
            for line in description.lines() {
                out.push_str(&format!("# {line}\n"));
            }
        }
        out.push_str(&from_line(&names, index, stage));
        out.push('\n');
        for step in &stage.steps {
            out.push_str(&step_text(&names, index, step, files, directives.escape)?);
            out.push('\n');
        }
    }
    Ok(out)
}

fn from_line(names: &Flat<'_>, index: usize, stage: &Stage) -> String {
    let mut line = String::from("FROM ");
    if let Some(platform) = &stage.platform {
        line.push_str(&format!("--platform={} ", names.platform(stage, platform)));
    }
    line.push_str(&names.base(index, stage));
    if let Some(name) = names.name(index) {
        line.push_str(&format!(" AS {name}"));
    }
    line
}

fn decl_text(decl: &ArgDecl) -> String {
    match &decl.default {
        Some(default) => format!("{}={}", decl.name.node, word(default)),
        None => decl.name.node.clone(),
    }
}

/// A step of stage `index` as written, or as expansion made it.
fn step_text(
    names: &Flat<'_>,
    index: usize,
    step: &Step,
    files: &impl Sources,
    main_escape: char,
) -> Result<String, String> {
    let decls = |decls: &[ArgDecl]| decls.iter().map(decl_text).collect::<Vec<_>>().join(" ");
    let imported = names.imported(index);
    match &step.kind {
        StepKind::Bind(bound) => return Ok(format!("ARG --bind {}", decls(bound))),
        StepKind::Unset(names) => {
            let names: Vec<&str> = names.iter().map(|n| n.node.as_str()).collect();
            return Ok(format!("ARG --unset {}", names.join(" ")));
        }
        // An imported file's ARGs take its values, which the flat file has no globals for.
        StepKind::Arg(args) if imported => return names.imported_arg(index, args),
        // Printed from the IR: a body's end declares ARGs again at the line of its CALL.
        StepKind::Arg(args) => return Ok(format!("ARG {}", decls(args))),
        _ => {}
    }
    let Some(file) = files.file(step.span.file) else {
        return Ok(step.text.clone());
    };
    let source = file.slice(step.span);
    if step.span.file != FileId::MAIN && source.contains(['\\', '`']) {
        let escape = syntax::directives(file).escape;
        if escape != main_escape {
            return Err(format!(
                "{} uses the escape character `{escape}` and the main file `{main_escape}`: \
                 its lines cannot be printed in one file",
                file.name
            ));
        }
    }
    let edits: Vec<(Span, String)> = step
        .references()
        .iter()
        .map(|reference| (reference.span(), names.reference(index, reference)))
        .chain(chmod_edit(step))
        .collect();
    Ok(splice(source, step.span, &edits, |span| file.slice(span)))
}

/// A `--chmod` that expansion decided, printed decided.
fn chmod_edit(step: &Step) -> Option<(Span, String)> {
    match &step.kind {
        StepKind::Copy(copy) => copy
            .chmod
            .as_ref()
            .map(|chmod| (chmod.span, chmod.node.written.clone())),
        _ => None,
    }
}

/// `text` (the source of `whole`) with each edited span replaced, where its source differs.
fn splice<'a>(
    text: &'a str,
    whole: Span,
    edits: &[(Span, String)],
    source: impl Fn(Span) -> &'a str,
) -> String {
    let mut out = String::new();
    let mut at = whole.start;
    let mut edits: Vec<&(Span, String)> = edits
        .iter()
        .filter(|(span, value)| {
            span.file == whole.file
                && span.start >= at
                && span.end <= whole.end
                && source(*span) != value
        })
        .collect();
    edits.sort_by_key(|(span, _)| span.start);
    for (span, value) in edits {
        if span.start < at {
            continue;
        }
        out.push_str(&text[(at - whole.start) as usize..(span.start - whole.start) as usize]);
        out.push_str(value);
        at = span.end;
    }
    out.push_str(&text[(at - whole.start) as usize..]);
    out
}

/// A word as it would be written: literal text quoted where the reader would split or
/// expand it, variables as `${NAME…}`.
pub fn word(word: &Word) -> String {
    let mut out = String::new();
    let needs_quotes = word.parts.iter().any(|part| match part {
        WordPart::Literal(text) => {
            text.is_empty() || text.contains(|c: char| c.is_whitespace() || "\"'\\$`".contains(c))
        }
        WordPart::Var(_) => false,
    }) || word.parts.is_empty();
    if needs_quotes {
        out.push('"');
    }
    write_parts(&word.parts, needs_quotes, &mut out);
    if needs_quotes {
        out.push('"');
    }
    out
}

fn write_parts(parts: &[WordPart], quoted: bool, out: &mut String) {
    for part in parts {
        match part {
            WordPart::Literal(text) => {
                for c in text.chars() {
                    if quoted && matches!(c, '"' | '\\' | '$') {
                        out.push('\\');
                    }
                    out.push(c);
                }
            }
            WordPart::Var(var) => {
                out.push_str("${");
                out.push_str(&var.name);
                if let Some(modifier) = &var.modifier {
                    write_modifier(modifier, out);
                }
                out.push('}');
            }
        }
    }
}

fn write_modifier(modifier: &Modifier, out: &mut String) {
    let colon = |unset_or_empty: bool| if unset_or_empty { ":" } else { "" };
    match modifier {
        Modifier::Default {
            word,
            unset_or_empty,
        } => {
            out.push_str(colon(*unset_or_empty));
            out.push('-');
            write_parts(&word.parts, true, out);
        }
        Modifier::Alternate {
            word,
            unset_or_empty,
        } => {
            out.push_str(colon(*unset_or_empty));
            out.push('+');
            write_parts(&word.parts, true, out);
        }
        Modifier::TrimPrefix { pattern, longest } => {
            out.push_str(if *longest { "##" } else { "#" });
            write_parts(&pattern.parts, true, out);
        }
        Modifier::TrimSuffix { pattern, longest } => {
            out.push_str(if *longest { "%%" } else { "%" });
            write_parts(&pattern.parts, true, out);
        }
        Modifier::Replace {
            pattern,
            replacement,
            all,
        } => {
            out.push_str(if *all { "//" } else { "/" });
            write_parts(&pattern.parts, true, out);
            out.push('/');
            write_parts(&replacement.parts, true, out);
        }
    }
}
