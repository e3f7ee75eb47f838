//! The whole file: instructions read one by one and gathered into stages.

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::ir::{ArgDecl, Buildfile, Heredoc, Stage, Step, StepKind};
use crate::source::Span;

use super::cx::Cx;
use super::exec::{Form, classify};
use super::heredoc;
use super::instruction::{self, Instruction};
use super::lines::{LineReader, Logical};
use super::suggest::did_you_mean;
use super::{command, config, copy, from, run, vars};

/// Every instruction rustbuild knows, as written in diagnostics.
const INSTRUCTIONS: &[&str] = &[
    "FROM",
    "RUN",
    "COPY",
    "ADD",
    "ENV",
    "ARG",
    "WORKDIR",
    "USER",
    "LABEL",
    "EXPOSE",
    "ENTRYPOINT",
    "CMD",
    "SHELL",
    "VOLUME",
    "STOPSIGNAL",
    "HEALTHCHECK",
    "MAINTAINER",
    "ONBUILD",
];

/// Reads `src` from `start` (after a byte-order mark). `None` when there is no stage.
pub(super) fn read(src: &str, start: usize) -> (Option<Buildfile>, Diagnostics) {
    let mut diagnostics = Diagnostics::new();
    let (mut reader, directives) = LineReader::new(src, start, &mut diagnostics);
    let mut cx = Cx {
        escape: reader.escape(),
        diagnostics,
    };
    let mut global_args: Vec<ArgDecl> = Vec::new();
    let mut stages: Vec<Stage> = Vec::new();
    let mut any = false;
    while let Some(logical) = reader.next_instruction() {
        any = true;
        let view = logical.text.view();
        let ins = match instruction::parse(&view, cx.escape) {
            Ok(ins) => ins,
            Err(diagnostic) => {
                cx.error(diagnostic);
                continue;
            }
        };
        let keyword = ins.keyword.as_str().to_ascii_lowercase();
        let (heredocs, end) = heredocs(&mut cx, &mut reader, &keyword, &ins);
        let span =
            Span::from_range(logical.span.start as usize..end.max(logical.span.end as usize));
        match keyword.as_str() {
            "from" => stages.push(from::from(&mut cx, &ins, span, &logical.comments)),
            "arg" if stages.is_empty() => {
                if let Some(args) = vars::arg(&mut cx, &ins) {
                    global_args.extend(args);
                }
            }
            _ => {
                let kind = step(&mut cx, &ins, &keyword, heredocs);
                match stages.last_mut() {
                    Some(stage) => {
                        if let Some(kind) = kind {
                            stage.steps.push(Step { kind, span });
                        }
                    }
                    None if kind.is_some() => cx.error(before_from(&ins, &logical)),
                    None => {}
                }
            }
        }
    }
    if !any {
        cx.error(
            Diagnostic::error(Code::NoInstructions, "the Buildfile has no instructions")
                .with_label(Span::from_range(src.len()..src.len()), "the file ends here")
                .with_help("start with a base image: `FROM alpine:3.20`"),
        );
    } else if stages.is_empty() {
        cx.error(
            Diagnostic::error(
                Code::NoInstructions,
                "the Buildfile has no FROM instruction",
            )
            .with_label(Span::from_range(src.len()..src.len()), "the file ends here")
            .with_help("add a stage: `FROM alpine:3.20`"),
        );
    }
    let buildfile = (!stages.is_empty()).then_some(Buildfile {
        directives,
        global_args,
        stages,
    });
    (buildfile, cx.diagnostics)
}

/// One instruction after FROM (or misplaced before it), or `None` after reporting why not.
fn step(
    cx: &mut Cx,
    ins: &Instruction<'_>,
    keyword: &str,
    heredocs: Vec<Heredoc>,
) -> Option<StepKind> {
    match keyword {
        "run" => run::run(cx, ins, heredocs),
        "copy" => copy::copy(cx, ins, heredocs),
        "add" => copy::add(cx, ins, heredocs),
        "env" => vars::env(cx, ins),
        "label" => vars::label(cx, ins),
        "arg" => vars::arg(cx, ins).map(StepKind::Arg),
        "workdir" => config::workdir(cx, ins),
        "user" => config::user(cx, ins),
        "expose" => config::expose(cx, ins),
        "volume" => config::volume(cx, ins),
        "stopsignal" => config::stopsignal(cx, ins),
        "maintainer" => config::maintainer(cx, ins),
        "cmd" => command::cmd(cx, ins),
        "entrypoint" => command::entrypoint(cx, ins),
        "shell" => command::shell(cx, ins),
        "healthcheck" => command::healthcheck(cx, ins),
        "onbuild" => {
            cx.error(
                Diagnostic::error(Code::UnsupportedInstruction, "ONBUILD is not supported yet")
                    .with_label(ins.keyword.span(), "not supported yet")
                    .with_help(
                        "write the trigger's instruction in each stage that builds FROM this \
                         image instead",
                    ),
            );
            None
        }
        _ => {
            cx.error(unknown_instruction(ins));
            None
        }
    }
}

fn unknown_instruction(ins: &Instruction<'_>) -> Diagnostic {
    let written = ins.keyword.as_str();
    let diagnostic = Diagnostic::error(
        Code::UnknownInstruction,
        format!("unknown instruction `{written}`"),
    )
    .with_label(ins.keyword.span(), "not an instruction");
    match did_you_mean(written, INSTRUCTIONS) {
        Some(near) => diagnostic.with_help(format!("did you mean `{near}`?")),
        None => diagnostic.with_help(format!("instructions are {}", INSTRUCTIONS.join(", "))),
    }
}

fn before_from(ins: &Instruction<'_>, logical: &Logical) -> Diagnostic {
    Diagnostic::error(
        Code::InstructionBeforeFrom,
        format!(
            "{} comes before the first FROM",
            ins.keyword.as_str().to_ascii_uppercase()
        ),
    )
    .with_label(logical.span, "before any stage")
    .with_help("only ARG may come before the first FROM; move this after a FROM")
}

/// Reads the heredoc bodies RUN, COPY and ADD name, returning them and where the last ends.
fn heredocs(
    cx: &mut Cx,
    reader: &mut LineReader<'_>,
    keyword: &str,
    ins: &Instruction<'_>,
) -> (Vec<Heredoc>, usize) {
    let mut out = Vec::new();
    let mut end = 0;
    let mut unterminated = false;
    if !matches!(keyword, "run" | "copy" | "add")
        || !ins.args.as_str().contains("<<")
        || !matches!(classify(&ins.args), Form::Shell)
    {
        return (out, end);
    }
    for word in heredoc::words(&ins.args, '\\') {
        let Some(marker) = heredoc::marker(&word) else {
            continue;
        };
        let body = reader.heredoc(&marker.name, marker.strip_tabs);
        end = body.end;
        // After one unterminated heredoc the file is used up: the ones after it on the line
        // are unterminated as a consequence, not worth a report each.
        if !body.terminated && !unterminated {
            unterminated = true;
            cx.error(
                Diagnostic::error(
                    Code::UnterminatedHeredoc,
                    format!("heredoc `{}` is never terminated", marker.name),
                )
                .with_label(word.span(), "starts here")
                .with_help(format!(
                    "end it with a line that is exactly `{}`{}",
                    marker.name,
                    if marker.strip_tabs {
                        " (leading tabs allowed)"
                    } else {
                        ""
                    }
                )),
            );
        }
        out.push(heredoc::heredoc(&marker, &body.content, &word));
    }
    (out, end)
}
