//! The whole file: instructions read one by one and gathered into stages.

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::ir::{ArgDecl, Buildfile, Heredoc, Item, Module, Stage, Step, StepKind};
use crate::source::Span;

use super::block::{self, Nest};
use super::cx::Cx;
use super::exec::{Form, classify};
use super::heredoc;
use super::instruction::{self, Instruction};
use super::keyword::Keyword;
use super::lines::{LineReader, Logical};
use super::{command, compose, config, copy, from, run, vars};
use crate::suggest::did_you_mean;

/// Reads `src` from `start` (after a byte-order mark) into its instructions, in order.
pub(super) fn read(src: &str, start: usize) -> (Module, Diagnostics) {
    let mut diagnostics = Diagnostics::new();
    let (mut reader, directives) = LineReader::new(src, start, &mut diagnostics);
    let mut cx = Cx {
        escape: reader.escape(),
        diagnostics,
    };
    let mut nest = Nest::default();
    let mut is_empty = true;
    let mut logical = Logical::default();
    while reader.next_instruction(&mut logical) {
        is_empty = false;
        let view = logical.text.view();
        let ins = match instruction::parse(&view, cx.escape) {
            Ok(ins) => ins,
            Err(diagnostic) => {
                cx.error(diagnostic);
                continue;
            }
        };
        let keyword = Keyword::parse(ins.keyword.as_str());
        let (heredocs, end) = heredocs(&mut cx, &mut reader, keyword, &ins);
        let span =
            Span::from_range(logical.span.start as usize..end.max(logical.span.end as usize));
        let item = match keyword {
            Some(Keyword::From) => Some(Item::From(from::from(
                &mut cx,
                &ins,
                original(&logical),
                span,
                &logical.comments,
            ))),
            Some(Keyword::Include) => compose::include(&mut cx, &ins, span).map(Item::Include),
            Some(Keyword::Import) => compose::import(&mut cx, &ins, span).map(Item::Import),
            Some(Keyword::Call) => block::call(&mut cx, &ins, span).map(Item::Call),
            Some(Keyword::Function) => {
                let function = block::function(&mut cx, &ins, span).ok_or(span);
                nest.function(&mut cx, function);
                continue;
            }
            Some(Keyword::For) => {
                let header = block::for_(&mut cx, &ins, span).ok_or(span);
                nest.for_(&mut cx, header);
                continue;
            }
            Some(Keyword::If) => {
                let branch = block::branch(&mut cx, &ins, &ins.args, span).ok_or(span);
                nest.if_(&mut cx, branch);
                continue;
            }
            Some(Keyword::Else) => {
                let branch = match block::else_condition(&ins) {
                    Some(text) => Some(block::branch(&mut cx, &ins, &text, span).ok_or(span)),
                    None => {
                        block::no_arguments(&mut cx, &ins, "ELSE", "ELSE or ELSE IF condition");
                        None
                    }
                };
                nest.else_(&mut cx, branch, span);
                continue;
            }
            Some(Keyword::End) => {
                block::no_arguments(&mut cx, &ins, "END", "END");
                nest.end(&mut cx, span);
                continue;
            }
            _ => step(&mut cx, &ins, keyword, heredocs).map(|kind| {
                Item::Step(Step {
                    kind,
                    text: original(&logical),
                    span,
                })
            }),
        };
        if let Some(item) = item {
            nest.push(item);
        }
    }
    let items = nest.finish(&mut cx);
    let module = Module {
        directives,
        items,
        is_empty,
    };
    (module, cx.diagnostics)
}

/// Gathers instructions into stages at each FROM: the ARGs before the first FROM are the
/// global ARGs, and anything else before it is an error. `end` is where the main file
/// ends, for the errors of a file without stages. `None` when there is no stage.
pub(super) fn assemble(module: Module, end: Span) -> (Option<Buildfile>, Diagnostics) {
    let mut diagnostics = Diagnostics::new();
    let mut global_args: Vec<ArgDecl> = Vec::new();
    let mut stages: Vec<Stage> = Vec::new();
    for item in module.items {
        match item {
            Item::From(stage) => stages.push(stage),
            Item::Step(step) => match (stages.last_mut(), step.kind) {
                (Some(stage), kind) => stage.steps.push(Step { kind, ..step }),
                (None, StepKind::Arg(decls)) => global_args.extend(decls),
                (None, _) => diagnostics.push(before_from(&step.text, step.span)),
            },
            // `load` follows and expands every other item before assembling; one left was not.
            item => {
                diagnostics.push(
                    Diagnostic::error(Code::UnsupportedInstruction, "not expanded here")
                        .with_label(item.span(), "not expanded")
                        .with_help(
                            "read the Buildfile with `load`, which follows INCLUDE and IMPORT \
                             and expands CALL, IF and FOR",
                        ),
                );
            }
        }
    }
    if module.is_empty {
        diagnostics.push(
            Diagnostic::error(Code::NoInstructions, "the Buildfile has no instructions")
                .with_label(end, "the file ends here")
                .with_help("start with a base image: `FROM alpine:3.20`"),
        );
    } else if stages.is_empty() {
        diagnostics.push(
            Diagnostic::error(
                Code::NoInstructions,
                "the Buildfile has no FROM instruction",
            )
            .with_label(end, "the file ends here")
            .with_help("add a stage: `FROM alpine:3.20`"),
        );
    }
    let buildfile = (!stages.is_empty()).then_some(Buildfile {
        directives: module.directives,
        global_args,
        stages,
        imports: Vec::new(),
    });
    (buildfile, diagnostics)
}

/// The instruction's text as [`Step::text`] keeps it.
fn original(logical: &Logical) -> String {
    logical.text.as_str().trim_end().to_string()
}

/// One instruction after FROM (or misplaced before it), or `None` after reporting why not.
fn step(
    cx: &mut Cx,
    ins: &Instruction<'_>,
    keyword: Option<Keyword>,
    heredocs: Vec<Heredoc>,
) -> Option<StepKind> {
    let Some(keyword) = keyword else {
        cx.error(unknown_instruction(ins));
        return None;
    };
    match keyword {
        Keyword::Run => run::run(cx, ins, heredocs),
        Keyword::Copy => copy::copy(cx, ins, heredocs),
        Keyword::Add => copy::add(cx, ins, heredocs),
        Keyword::Env => vars::env(cx, ins),
        Keyword::Label => vars::label(cx, ins),
        Keyword::Arg => vars::arg(cx, ins),
        Keyword::Workdir => config::workdir(cx, ins),
        Keyword::User => config::user(cx, ins),
        Keyword::Expose => config::expose(cx, ins),
        Keyword::Volume => config::volume(cx, ins),
        Keyword::Stopsignal => config::stopsignal(cx, ins),
        Keyword::Maintainer => config::maintainer(cx, ins),
        Keyword::Cmd => command::cmd(cx, ins),
        Keyword::Entrypoint => command::entrypoint(cx, ins),
        Keyword::Shell => command::shell(cx, ins),
        Keyword::Healthcheck => command::healthcheck(cx, ins),
        // Reached only for a keyword the reader did not take, which it always takes.
        Keyword::From
        | Keyword::Include
        | Keyword::Import
        | Keyword::Function
        | Keyword::Call
        | Keyword::If
        | Keyword::Else
        | Keyword::End
        | Keyword::For => None,
        Keyword::Onbuild => {
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
    }
}

fn unknown_instruction(ins: &Instruction<'_>) -> Diagnostic {
    let written = ins.keyword.as_str();
    let diagnostic = Diagnostic::error(
        Code::UnknownInstruction,
        format!("unknown instruction `{written}`"),
    )
    .with_label(ins.keyword.span(), "not an instruction");
    let names: Vec<&str> = Keyword::names().collect();
    match did_you_mean(written, &names) {
        Some(near) => diagnostic
            .with_help(format!("did you mean `{near}`?"))
            .with_fix(format!("write `{near}`"), ins.keyword.span(), near),
        None => diagnostic.with_help(format!("instructions are {}", names.join(", "))),
    }
}

/// An instruction before the first FROM, named by the keyword that starts its `text`.
fn before_from(text: &str, span: Span) -> Diagnostic {
    let keyword = text.split_whitespace().next().unwrap_or_default();
    Diagnostic::error(
        Code::InstructionBeforeFrom,
        format!(
            "{} comes before the first FROM",
            keyword.to_ascii_uppercase()
        ),
    )
    .with_label(span, "before any stage")
    .with_help("only ARG may come before the first FROM; move this after a FROM")
}

/// Reads the heredoc bodies RUN, COPY and ADD name, returning them and where the last ends.
pub(super) fn heredocs(
    cx: &mut Cx,
    reader: &mut LineReader<'_>,
    keyword: Option<Keyword>,
    ins: &Instruction<'_>,
) -> (Vec<Heredoc>, usize) {
    let mut out = Vec::new();
    let mut end = 0;
    let mut unterminated = false;
    if !keyword.is_some_and(Keyword::takes_heredocs)
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
        out.push(heredoc::heredoc(marker, body.content, &word));
    }
    (out, end)
}

#[cfg(test)]
mod tests {
    use crate::ir::{Command, StepKind};
    use crate::source::SourceFile;

    /// The shell-form text of the first RUN, which must be byte for byte what dockerfile.v0
    /// passes to `/bin/sh -c` (it decides the cache key).
    fn shell(src: &str) -> String {
        let (buildfile, diagnostics) = super::super::parse(&SourceFile::new("Buildfile", src));
        assert!(!diagnostics.has_errors(), "{diagnostics:?}");
        let steps = &buildfile.unwrap().stages[0].steps;
        match &steps[0].kind {
            StepKind::Run(run) => match &run.command {
                Command::Shell(text) => text.node.clone(),
                Command::Exec(_) => panic!("exec form"),
            },
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn shell_text_matches_dockerfile() {
        let cases = [
            ("FROM a\nRUN echo hi   \n", "echo hi"),
            ("FROM a\nRUN echo a \\\n  b\n", "echo a   b"),
            ("FROM a\nRUN echo a\\\nb\n", "echo ab"),
            ("FROM a\r\nRUN a \\\r\n  b\r\n", "a   b"),
            ("FROM a\nRUN a \\\n# comment\n\n   \n  b\n", "a   b"),
            ("FROM a\nRUN   --network=none   echo   x  \n", "echo   x"),
            ("FROM a\nRUN echo \\\\\nRUN x\n", "echo \\\\"),
            (
                "FROM a\nRUN echo \"a # not a comment\" # sh comment\n",
                "echo \"a # not a comment\" # sh comment",
            ),
            ("# escape=`\nFROM a\nRUN dir `\n  C:\\\n", "dir   C:\\"),
            ("FROM a\n  run\techo tab\n", "echo tab"),
            ("FROM a\nRUN -- --flag-like\n", "--flag-like"),
        ];
        for (src, expected) in cases {
            assert_eq!(shell(src), expected, "{src:?}");
        }
    }

    #[test]
    fn heredoc_bodies_keep_their_line_endings() {
        let src = "FROM a\r\nRUN <<EOT\r\necho hi\r\nEOT\r\nRUN next\r\n";
        let (buildfile, diagnostics) = super::super::parse(&SourceFile::new("Buildfile", src));
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let stage = &buildfile.unwrap().stages[0];
        let StepKind::Run(run) = &stage.steps[0].kind else {
            panic!("not RUN")
        };
        assert_eq!(run.heredocs[0].content, "echo hi\r\n");
        assert_eq!(stage.steps.len(), 2);
    }
}
