//! Instructions whose form or place is not recommended: JSONArgsRecommended,
//! MaintainerDeprecated, MultipleInstructionsDisallowed, WorkdirRelativePath.

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::ir::{Command, Stage, Step, StepKind, Word, WordPart};
use crate::source::Spanned;

use super::written::{self, Written};
use super::{Context, Rule};

/// What a stage leaves to the stages built on it, as dockerfile.v0's dispatch state
/// carries it over from a base stage.
#[derive(Clone, Copy, Default)]
struct Inherited {
    /// A SHELL instruction ran: shell form is a choice, not an accident.
    shell: bool,
    /// A WORKDIR ran: later relative ones are relative to it, not to the base image's.
    workdir: bool,
}

/// The places already reported, one set per rule.
#[derive(Default)]
struct Seen {
    json: Written,
    maintainer: Written,
    multiple: Written,
    workdir: Written,
}

pub(super) fn instructions(context: &Context<'_>, found: &mut Diagnostics) {
    let stages = &context.buildfile.stages;
    let mut after: Vec<Inherited> = Vec::with_capacity(stages.len());
    let mut seen = Seen::default();
    for (index, stage) in stages.iter().enumerate() {
        let base = written::base_stage(context, index, stage);
        let state = base.and_then(|b| after.get(b).copied()).unwrap_or_default();
        after.push(stage_findings(context, stage, state, &mut seen, found));
    }
}

/// The findings of one stage's steps, and what the stage leaves to stages built on it.
fn stage_findings(
    context: &Context<'_>,
    stage: &Stage,
    mut state: Inherited,
    seen: &mut Seen,
    found: &mut Diagnostics,
) -> Inherited {
    // The last CMD, ENTRYPOINT and HEALTHCHECK so far: a later one replaces it.
    let mut last: [Option<&Step>; 3] = [None; 3];
    for step in stage.walk() {
        match &step.kind {
            StepKind::Shell(_) => state.shell = true,
            StepKind::Cmd(command) | StepKind::Entrypoint(command) => {
                if let (Command::Shell(shell), false) = (command, state.shell)
                    && seen.json.first(step.span)
                {
                    found.0.extend(json_args(context, step, shell));
                }
            }
            StepKind::Maintainer(_) if seen.maintainer.first(step.span) => {
                found.0.extend(maintainer(context, step));
            }
            StepKind::Workdir(path) => {
                if !state.workdir && is_relative(path) && seen.workdir.first(step.span) {
                    found.push(workdir(context, path));
                }
                state.workdir = true;
            }
            _ => {}
        }
        let slot = match step.kind {
            StepKind::Cmd(_) => 0,
            StepKind::Entrypoint(_) => 1,
            StepKind::Healthcheck(_) => 2,
            _ => continue,
        };
        if let Some(previous) = last[slot].replace(step)
            && seen.multiple.first(previous.span)
        {
            found.0.extend(multiple(context, previous, step));
        }
    }
    state
}

/// JSONArgsRecommended: `CMD my-program start` runs under `/bin/sh -c`, which does not
/// pass signals on, so `docker stop` waits and kills. The fix writes the exec form when the
/// command is plain words, where the shell would have done nothing but split them.
fn json_args(context: &Context<'_>, step: &Step, shell: &Spanned<String>) -> Option<Diagnostic> {
    let (name, _) = written::keyword(context, step.span)?;
    let warning = Diagnostic::lint(
        Rule::JSONArgsRecommended,
        format!(
            "JSON arguments recommended for {name} to prevent unintended behavior related to OS signals"
        ),
    )
    .with_label(shell.span, "shell form: runs under /bin/sh -c");
    // Written on one line as the command reads: nothing (comments, continuations) is lost.
    let exec = (written::text(context, shell.span) == shell.node)
        .then(|| exec_form(&shell.node))
        .flatten();
    Some(match exec {
        Some(exec) => warning
            .with_help(format!("write the exec form: `{name} {exec}`"))
            .with_fix(format!("write `{name} {exec}`"), shell.span, exec),
        None => warning.with_help(format!(
            "write the exec form, `{name} [\"program\", \"arg\"]` (a script for what needs a shell), \
             or say which shell is meant with a SHELL instruction"
        )),
    })
}

/// Words a shell would run as they are, without expanding, quoting, redirecting or
/// running a builtin.
const PLAIN: &str = "-_./:=@%+,";

/// What the shell runs itself, which exec form cannot.
const BUILTINS: &[&str] = &[
    ".", ":", "alias", "break", "case", "cd", "command", "continue", "declare", "do", "done",
    "elif", "else", "esac", "eval", "exec", "exit", "export", "fi", "for", "function", "if", "let",
    "local", "read", "readonly", "return", "select", "set", "shift", "source", "then", "time",
    "trap", "type", "ulimit", "umask", "unalias", "unset", "until", "wait", "while",
];

/// `a b c` -> `["a", "b", "c"]`, when every word is plain and the first one is a program.
fn exec_form(command: &str) -> Option<String> {
    let words: Vec<&str> = command.split_whitespace().collect();
    let first = words.first()?;
    let plain = |word: &&str| {
        word.chars()
            .all(|c| c.is_ascii_alphanumeric() || PLAIN.contains(c))
    };
    // `VAR=value program` sets a variable for the program: a shell's doing.
    if !words.iter().all(plain) || first.contains('=') || BUILTINS.contains(first) {
        return None;
    }
    let quoted: Vec<String> = words.iter().map(|word| format!("\"{word}\"")).collect();
    Some(format!("[{}]", quoted.join(", ")))
}

/// MaintainerDeprecated: `MAINTAINER name` sets a field the image spec deprecated; the
/// OCI label says the same and tools read it. The fix writes the label with the name as
/// it is, when quoting it changes nothing (no quotes, variables or escapes).
fn maintainer(context: &Context<'_>, step: &Step) -> Option<Diagnostic> {
    let (keyword, keyword_span) = written::keyword(context, step.span)?;
    let written = written::text(context, step.span);
    let name = written[keyword.len()..].trim();
    let label = match keyword == keyword.to_lowercase() {
        true => "label",
        false => "LABEL",
    };
    let replacement = format!("{label} org.opencontainers.image.authors=\"{name}\"");
    let warning = Diagnostic::lint(
        Rule::MaintainerDeprecated,
        "Maintainer instruction is deprecated in favor of using label",
    )
    .with_label(keyword_span, "deprecated")
    .with_help(format!("write `{replacement}`"));
    let escape = written::escape(context, step.span.file);
    let plain = !name.is_empty() && !name.contains(['"', '$', '\n', escape]);
    Some(match plain {
        true => warning.with_fix(format!("write `{replacement}`"), step.span, replacement),
        false => warning,
    })
}

/// MultipleInstructionsDisallowed: an image has one CMD, one ENTRYPOINT and one
/// HEALTHCHECK, so an earlier one in the same stage is silently replaced. Reported at the
/// one that is ignored, as dockerfile.v0 does; which one was meant is not obvious, so there
/// is no fix.
fn multiple(context: &Context<'_>, previous: &Step, current: &Step) -> Option<Diagnostic> {
    let (name, current_span) = written::keyword(context, current.span)?;
    let (_, previous_span) = written::keyword(context, previous.span)?;
    let upper = name.to_uppercase();
    Some(
        Diagnostic::lint(
            Rule::MultipleInstructionsDisallowed,
            format!(
                "Multiple {name} instructions should not be used in the same stage because only the last one will be used"
            ),
        )
        .with_label(previous_span, "ignored")
        .with_label(current_span, format!("replaced by this {upper}"))
        .with_help(format!(
            "remove the {upper} that is ignored, or merge the two into one"
        )),
    )
}

/// A WORKDIR path that does not start at the root. A path that starts with a variable
/// may be absolute once expanded: not reported. A Windows path with a drive or a
/// backslash is absolute too.
fn is_relative(path: &Word) -> bool {
    match path.parts.first() {
        Some(WordPart::Literal(text)) => {
            let drive = text.as_bytes().get(1) == Some(&b':');
            !(text.starts_with(['/', '\\']) || drive)
        }
        _ => false,
    }
}

/// WorkdirRelativePath: the first WORKDIR of a stage (and of the stages it is built on)
/// with a relative path is relative to the base image's WORKDIR, which that image may
/// change. The absolute path it meant is not known here: no fix.
fn workdir(context: &Context<'_>, path: &Word) -> Diagnostic {
    let written = written::text(context, path.span);
    Diagnostic::lint(
        Rule::WorkdirRelativePath,
        format!(
            "Relative workdir {written:?} can have unexpected results if the base image changes"
        ),
    )
    .with_label(path.span, "relative to the base image's WORKDIR")
    .with_help(
        "write the absolute path meant (`WORKDIR /…`), or set one before this with an absolute WORKDIR",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_become_an_exec_form() {
        assert_eq!(
            exec_form("my-program start --port=80").as_deref(),
            Some(r#"["my-program", "start", "--port=80"]"#)
        );
        assert_eq!(exec_form("echo $HOME"), None);
        assert_eq!(exec_form("a && b"), None);
        assert_eq!(exec_form("cd /app"), None);
        assert_eq!(exec_form("DEBUG=1 server"), None);
        assert_eq!(exec_form("echo 'a b'"), None);
        assert_eq!(exec_form(""), None);
    }
}
