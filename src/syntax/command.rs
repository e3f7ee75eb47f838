//! CMD, ENTRYPOINT, SHELL and HEALTHCHECK: what the image runs.

use crate::diagnostic::{Code, Diagnostic};
use crate::ir::{Command, Healthcheck, StepKind};

use super::cx::{Cx, matches, missing};
use super::exec::{Form, classify};
use super::grammar::Rule;
use super::instruction::{Instruction, no_flags};
use super::keyword::Keyword;
use super::run::command;
use super::text::Text;
use crate::suggest::did_you_mean;

pub(super) fn cmd(cx: &mut Cx, ins: &Instruction<'_>) -> Option<StepKind> {
    flagless(cx, ins, "CMD")?;
    command(cx, ins, "CMD", "CMD [\"EXECUTABLE\", \"ARG\"]").map(StepKind::Cmd)
}

pub(super) fn entrypoint(cx: &mut Cx, ins: &Instruction<'_>) -> Option<StepKind> {
    flagless(cx, ins, "ENTRYPOINT")?;
    command(
        cx,
        ins,
        "ENTRYPOINT",
        "ENTRYPOINT [\"EXECUTABLE\", \"ARG\"]",
    )
    .map(StepKind::Entrypoint)
}

/// `SHELL ["executable", "param"]`: exec form only, as in Dockerfile.
pub(super) fn shell(cx: &mut Cx, ins: &Instruction<'_>) -> Option<StepKind> {
    flagless(cx, ins, "SHELL")?;
    let usage = "SHELL [\"/bin/bash\", \"-c\"]";
    if ins.args.is_empty() {
        cx.error(missing("SHELL needs a shell", ins.keyword.span(), usage));
        return None;
    }
    match classify(&ins.args) {
        Form::Exec(strings) if strings.is_empty() => {
            cx.error(missing(
                "SHELL needs at least the shell executable",
                ins.args.span(),
                usage,
            ));
            None
        }
        Form::Exec(strings) => Some(StepKind::Shell(
            strings
                .into_iter()
                .map(|s| crate::source::Spanned::new(s.value.as_str().to_owned(), s.span))
                .collect(),
        )),
        Form::Shell => {
            cx.error(
                Diagnostic::error(Code::InvalidJson, "SHELL takes the exec form only")
                    .with_label(ins.args.span(), "not a JSON array")
                    .with_help(format!(
                        "write it as a JSON array of strings, like `{usage}`"
                    )),
            );
            None
        }
        Form::Invalid(diagnostic) => {
            cx.error(diagnostic);
            None
        }
    }
}

/// `HEALTHCHECK NONE` or `HEALTHCHECK [--interval=…]… CMD command`.
pub(super) fn healthcheck(cx: &mut Cx, ins: &Instruction<'_>) -> Option<StepKind> {
    let usage = "HEALTHCHECK [--interval=30s] [--timeout=30s] [--retries=3] CMD COMMAND";
    let text = ins.args.as_str();
    let kind_end = text.find(char::is_whitespace).unwrap_or(text.len());
    let kind = ins.args.slice(0..kind_end);
    let rest = ins.args.slice(kind_end..ins.args.len()).trim();
    if kind.is_empty() {
        cx.error(missing(
            "HEALTHCHECK needs CMD or NONE",
            ins.keyword.span(),
            usage,
        ));
        return None;
    }
    if kind.as_str().eq_ignore_ascii_case("none") {
        let mut ok = true;
        for diagnostic in no_flags(ins, "HEALTHCHECK NONE") {
            cx.error(diagnostic);
            ok = false;
        }
        if !rest.is_empty() {
            cx.error(super::cx::extra(
                "HEALTHCHECK NONE",
                &[rest],
                "HEALTHCHECK NONE",
            ));
            ok = false;
        }
        return ok.then_some(StepKind::Healthcheck(Healthcheck::None));
    }
    if !kind.as_str().eq_ignore_ascii_case("cmd") {
        let help = match did_you_mean(kind.as_str(), &["CMD", "NONE"]) {
            Some(near) => format!("did you mean `{near}`? write `{usage}` or `HEALTHCHECK NONE`"),
            None => format!("write `{usage}` or `HEALTHCHECK NONE`"),
        };
        cx.error(
            Diagnostic::error(
                Code::UnexpectedToken,
                format!(
                    "expected CMD or NONE after HEALTHCHECK, found `{}`",
                    kind.as_str()
                ),
            )
            .with_label(kind.span(), "expected CMD or NONE")
            .with_help(help),
        );
        return None;
    }
    let flags = Keyword::Healthcheck.flags(&ins.flags, &mut cx.diagnostics);
    let duration_of = |cx: &mut Cx, name: &str| {
        let value = flags.value(name)?.value.clone()?;
        duration(cx, &value, name)
    };
    let interval = duration_of(cx, "interval");
    let timeout = duration_of(cx, "timeout");
    let start_period = duration_of(cx, "start-period");
    let start_interval = duration_of(cx, "start-interval");
    let retries = flags
        .value("retries")
        .and_then(|found| retries(cx, found.value.as_ref()?));
    let command: Command = super::run::command_from(cx, &rest, &kind, "HEALTHCHECK CMD", usage)?;
    Some(StepKind::Healthcheck(Healthcheck::Check {
        command,
        interval,
        timeout,
        start_period,
        start_interval,
        retries,
    }))
}

fn flagless(cx: &mut Cx, ins: &Instruction<'_>, name: &str) -> Option<()> {
    let errors = no_flags(ins, name);
    let ok = errors.is_empty();
    for diagnostic in errors {
        cx.error(diagnostic);
    }
    ok.then_some(())
}

/// A Go duration (`30s`, `1m30s`, `1.5h`) in nanoseconds: zero, or at least a millisecond.
fn duration(cx: &mut Cx, value: &Text<'_>, flag: &str) -> Option<i64> {
    let text = cx.literal(value, &format!("--{flag}"))?;
    let nanos = matches(Rule::duration, &text)
        .then(|| parse_duration(&text))
        .flatten();
    match nanos {
        Some(n) if n == 0 || n >= 1_000_000 => Some(n),
        _ => {
            cx.error(
                Diagnostic::error(
                    Code::InvalidFlagValue,
                    format!("invalid --{flag} duration `{text}`"),
                )
                .with_label(value.span(), "expected a duration like 30s or 1m30s")
                .with_help(
                    "use a number with a unit (ms, s, m, h), at least 1ms, or 0 for the default",
                ),
            );
            None
        }
    }
}

fn parse_duration(text: &str) -> Option<i64> {
    if text == "0" {
        return Some(0);
    }
    let mut total: f64 = 0.0;
    let mut rest = text;
    while !rest.is_empty() {
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..number_end].parse().ok()?;
        rest = &rest[number_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_end] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        rest = &rest[unit_end..];
        total += number * scale;
    }
    (total < 9.2e18).then_some(total as i64)
}

fn retries(cx: &mut Cx, value: &Text<'_>) -> Option<i64> {
    let text = cx.literal(value, "--retries")?;
    match text.parse::<i32>() {
        Ok(n) if n >= 0 => Some(i64::from(n)),
        _ => {
            cx.error(
                Diagnostic::error(
                    Code::InvalidFlagValue,
                    format!("invalid --retries value `{text}`"),
                )
                .with_label(value.span(), "expected a whole number, 0 or more")
                .with_help("write `--retries=3`"),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_go_durations() {
        assert_eq!(parse_duration("30s"), Some(30_000_000_000));
        assert_eq!(parse_duration("1m30s"), Some(90_000_000_000));
        assert_eq!(parse_duration("1.5h"), Some(5_400_000_000_000));
        assert_eq!(parse_duration("250ms"), Some(250_000_000));
        assert_eq!(parse_duration("0"), Some(0));
        assert_eq!(parse_duration("5"), None);
    }
}
