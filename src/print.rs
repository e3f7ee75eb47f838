//! The flat Buildfile that a loaded and expanded one means, for `rustbuild expand`: no
//! INCLUDE, FUNCTION, CALL, IF or FOR left, only stages and their steps.
//!
//! Steps are printed as they were written (continuation lines and heredoc bodies
//! included), from the file each came from, with the values expansion decided spliced in:
//! `--from` and `--mount from=`. FROM lines and global ARGs are printed from the IR, since
//! a body may have decided them. Bindings print as `ARG --bind`, their end as
//! `ARG --unset`: the only lines a Dockerfile would not read. Reading the result back and
//! lowering it gives the same ops as the original (a test holds to that).

use crate::ir::{ArgDecl, Buildfile, Modifier, MountKind, Stage, Step, StepKind, Word, WordPart};
use crate::source::{FileId, Sources, Span};
use crate::syntax;

/// The flat text of `buildfile`, whose spans point into `files`. Refused: IMPORT, which is
/// not flattened yet, and an included file with another escape character than the main
/// file's, on a line that uses one.
pub fn flat(buildfile: &Buildfile, files: &impl Sources) -> Result<String, String> {
    if !buildfile.imports.is_empty() {
        return Err(
            "a Buildfile with IMPORT cannot be flattened yet: its stages keep \
                    their own global ARGs, which a flat file has no place for"
                .to_owned(),
        );
    }
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
    for stage in &buildfile.stages {
        out.push('\n');
        if let Some(description) = &stage.description {
            for line in description.lines() {
                out.push_str(&format!("# {line}\n"));
            }
        }
        out.push_str(&from_line(stage));
        out.push('\n');
        for step in &stage.steps {
            out.push_str(&step_text(step, files, directives.escape)?);
            out.push('\n');
        }
    }
    Ok(out)
}

fn from_line(stage: &Stage) -> String {
    let mut line = String::from("FROM ");
    if let Some(platform) = &stage.platform {
        line.push_str(&format!("--platform={} ", word(platform)));
    }
    line.push_str(&word(&stage.base));
    if let Some(name) = &stage.name {
        line.push_str(&format!(" AS {}", name.node));
    }
    line
}

fn decl_text(decl: &ArgDecl) -> String {
    match &decl.default {
        Some(default) => format!("{}={}", decl.name.node, word(default)),
        None => decl.name.node.clone(),
    }
}

/// A step as written, or as expansion made it.
fn step_text(step: &Step, files: &impl Sources, main_escape: char) -> Result<String, String> {
    let decls = |decls: &[ArgDecl]| decls.iter().map(decl_text).collect::<Vec<_>>().join(" ");
    match &step.kind {
        StepKind::Bind(bound) => return Ok(format!("ARG --bind {}", decls(bound))),
        StepKind::Unset(names) => {
            let names: Vec<&str> = names.iter().map(|n| n.node.as_str()).collect();
            return Ok(format!("ARG --unset {}", names.join(" ")));
        }
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
    let mut edits: Vec<(Span, String)> = Vec::new();
    match &step.kind {
        StepKind::Copy(copy) => {
            if let Some(from) = &copy.from {
                edits.push((from.span, word(from)));
            }
            if let Some(chmod) = &copy.chmod {
                edits.push((chmod.span, chmod.node.written.clone()));
            }
        }
        StepKind::Run(run) => {
            for mount in &run.mounts {
                if let Some(from) = mount_from(&mount.kind) {
                    edits.push((from.span, from.node.clone()));
                }
            }
        }
        _ => {}
    }
    Ok(splice(source, step.span, &edits, |span| file.slice(span)))
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

fn mount_from(kind: &MountKind) -> Option<&crate::source::Spanned<String>> {
    match kind {
        MountKind::Bind(bind) => bind.from.as_ref(),
        MountKind::Cache(cache) => cache.from.as_ref(),
        MountKind::Tmpfs(tmpfs) => tmpfs.from.as_ref(),
        MountKind::Ssh(ssh) => ssh.from.as_ref(),
        MountKind::Secret(_) => None,
    }
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
