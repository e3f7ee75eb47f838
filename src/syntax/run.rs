//! `RUN [--mount=…]… [--network=…] [--security=…] COMMAND`, and the command forms shared by
//! RUN, CMD, ENTRYPOINT and HEALTHCHECK.

use crate::diagnostic::{Code, Diagnostic};
use crate::ir::{Command, Heredoc, Network, Run, Security, StepKind};
use crate::source::Spanned;

use super::cx::{Cx, missing};
use super::exec::{Form, classify};
use super::instruction::Instruction;
use super::keyword::Keyword;
use super::mount::mount;
use super::text::Text;
use crate::suggest::did_you_mean;

pub(super) fn run(cx: &mut Cx, ins: &Instruction<'_>, heredocs: Vec<Heredoc>) -> Option<StepKind> {
    let flags = Keyword::Run.flags(&ins.flags, &mut cx.diagnostics);
    let mounts: Vec<_> = flags
        .values("mount")
        .filter_map(|found| {
            let value = found.value.clone()?;
            mount(cx, &value, &found.whole)
        })
        .collect();
    let network = flags.value("network").and_then(|found| {
        let value = found.value.as_ref()?;
        let network = choice(
            cx,
            value,
            "--network",
            &[
                ("default", Network::Default),
                ("none", Network::None),
                ("host", Network::Host),
            ],
        )?;
        Some(Spanned::new(network, found.whole.span()))
    });
    let security = flags.value("security").and_then(|found| {
        let value = found.value.as_ref()?;
        let security = choice(
            cx,
            value,
            "--security",
            &[
                ("sandbox", Security::Sandbox),
                ("insecure", Security::Insecure),
            ],
        )?;
        Some(Spanned::new(security, found.whole.span()))
    });
    let command = command(
        cx,
        ins,
        "RUN",
        "RUN COMMAND or RUN [\"EXECUTABLE\", \"ARG\"]",
    )?;
    if mounts.len() != flags.values("mount").count() {
        return None;
    }
    let bare_heredoc = match (&command, heredocs.as_slice()) {
        (Command::Shell(text), [only]) => is_bare_heredoc(&text.node, only),
        _ => false,
    };
    Some(StepKind::Run(Run {
        mounts,
        network,
        security,
        command,
        heredocs,
        bare_heredoc,
    }))
}

/// The shell or exec form of `ins.args`, or `None` after reporting why not.
pub(super) fn command(
    cx: &mut Cx,
    ins: &Instruction<'_>,
    name: &str,
    usage: &str,
) -> Option<Command> {
    command_from(cx, &ins.args, &ins.keyword, name, usage)
}

/// The shell or exec form of `args` (for HEALTHCHECK, what follows `CMD`).
pub(super) fn command_from(
    cx: &mut Cx,
    args: &Text<'_>,
    at: &Text<'_>,
    name: &str,
    usage: &str,
) -> Option<Command> {
    if args.is_empty() {
        cx.error(missing(
            &format!("{name} needs a command"),
            at.span(),
            usage,
        ));
        return None;
    }
    match classify(args) {
        Form::Exec(strings) => Some(Command::Exec(
            strings
                .into_iter()
                .map(|s| Spanned::new(s.value.as_str().to_owned(), s.span))
                .collect(),
        )),
        Form::Shell => Some(Command::Shell(Spanned::new(
            args.as_str().to_owned(),
            args.span(),
        ))),
        Form::Invalid(diagnostic) => {
            cx.error(diagnostic);
            None
        }
    }
}

/// A literal value that must be one of `choices`.
pub(super) fn choice<T: Copy>(
    cx: &mut Cx,
    value: &Text<'_>,
    what: &str,
    choices: &[(&'static str, T)],
) -> Option<T> {
    let text = cx.literal(value, what)?;
    if let Some(&(_, found)) = choices
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(&text))
    {
        return Some(found);
    }
    let names: Vec<&str> = choices.iter().map(|&(name, _)| name).collect();
    let listed = names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let help = match did_you_mean(&text, &names) {
        Some(near) => format!("did you mean `{near}`? {what} is one of {listed}"),
        None => format!("{what} is one of {listed}"),
    };
    cx.error(
        Diagnostic::error(
            Code::InvalidFlagValue,
            format!("invalid {what} value `{text}`"),
        )
        .with_label(value.span(), "not a valid value")
        .with_help(help),
    );
    None
}

/// True when the shell-form command is nothing but the heredoc's marker (`<<EOT`).
fn is_bare_heredoc(text: &str, heredoc: &Heredoc) -> bool {
    let Some(rest) = text.trim().strip_prefix("<<") else {
        return false;
    };
    let rest = rest.strip_prefix('-').unwrap_or(rest);
    let unquoted = rest.trim_matches(|c| c == '"' || c == '\'');
    unquoted == heredoc.name
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    #[test]
    fn a_bare_heredoc_is_its_marker_alone() {
        let heredoc = Heredoc {
            name: "EOT".into(),
            content: "set -e\n".into(),
            expand: true,
            strip_tabs: false,
            span: Span::default(),
        };
        assert!(is_bare_heredoc("<<EOT", &heredoc));
        assert!(is_bare_heredoc(" <<-\"EOT\" ", &heredoc));
        assert!(!is_bare_heredoc("cat <<EOT > x", &heredoc));
    }
}
