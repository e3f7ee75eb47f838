//! Instructions that only change the stage's variables and image config: ENV, ARG, USER,
//! LABEL, EXPOSE, CMD, ENTRYPOINT, SHELL, VOLUME, STOPSIGNAL, HEALTHCHECK, MAINTAINER.

use super::dispatch::{Lowerer, StageState};
use super::history::{go_set, plain_list, quoted_list};
use super::image::{Empty, Healthcheck};
use super::run::with_shell;
use crate::diagnostic::Code;
use crate::ir::{self, Command, StepKind};
use crate::source::Span;
use crate::vars::expand;

impl Lowerer<'_> {
    pub(super) fn metadata(&mut self, state: &mut StageState, kind: &StepKind, span: Span) {
        let created_by = match kind {
            StepKind::Env(pairs) => Some(self.env(state, pairs)),
            StepKind::Arg(decls) => Some(self.arg(state, decls)),
            StepKind::Bind(decls) => Some(self.bind(state, decls)),
            StepKind::Unset(names) => {
                unset(state, names);
                None
            }
            StepKind::User(word) => {
                let user = expand(word, &state.env);
                state.user = user.clone();
                state.image.config.user.clone_from(&user);
                Some(format!("USER {user}"))
            }
            StepKind::Label(pairs) => {
                let mut text = String::from("LABEL");
                for pair in pairs {
                    let key = expand(&pair.key, &state.env);
                    let value = expand(&pair.value, &state.env);
                    push_pair(&mut text, &key, &value);
                    state.image.config.labels.insert(key, value);
                }
                Some(text)
            }
            StepKind::Expose(words) => self.expose(state, words),
            StepKind::Cmd(command) => {
                let args = command_args(state, command);
                let text = format!("CMD {}", quoted_list(&args));
                state.image.config.cmd = args;
                state.image.config.args_escaped = true;
                state.cmd_set = true;
                Some(text)
            }
            StepKind::Entrypoint(command) => {
                let args = command_args(state, command);
                let text = format!("ENTRYPOINT {}", quoted_list(&args));
                state.image.config.entrypoint = args;
                if !state.cmd_set {
                    state.image.config.cmd.clear();
                }
                Some(text)
            }
            StepKind::Shell(words) => {
                let shell: Vec<String> = words.iter().map(|w| w.node.clone()).collect();
                let text = format!("SHELL {}", plain_list(&shell));
                state.image.config.shell = shell;
                Some(text)
            }
            StepKind::Volume(words) => self.volume(state, words),
            StepKind::StopSignal(word) => self.stop_signal(state, word, span),
            StepKind::Healthcheck(check) => Some(healthcheck(state, check)),
            StepKind::Maintainer(word) => {
                let author = expand(word, &state.env);
                state.image.set_author(&author);
                Some(format!("MAINTAINER {author}"))
            }
            StepKind::Run(_) | StepKind::Copy(_) | StepKind::Workdir(_) => None,
        };
        if let Some(created_by) = created_by {
            let created = self.created();
            state
                .image
                .push_history(created_by, true, created.as_deref());
        }
    }

    /// ENV: each value expanded with the variables before the instruction.
    fn env(&mut self, state: &mut StageState, pairs: &[ir::KeyValue]) -> String {
        let before = state.env.clone();
        let mut text = String::from("ENV");
        for pair in pairs {
            let key = expand(&pair.key, &before);
            let value = expand(&pair.value, &before);
            push_pair(&mut text, &key, &value);
            state.env.set(&key, &value);
            state.image.add_env(&key, &value);
        }
        text
    }

    /// ARG in a stage: the build argument, else the default, else the global value.
    /// The value is in the environment of later RUNs, not in the image config.
    fn arg(&mut self, state: &mut StageState, decls: &[ir::ArgDecl]) -> String {
        let mut parts = Vec::new();
        let build_args = self.plan.build_args(state.namespace, &self.opts.build_args);
        let globals = self.plan.globals(state.namespace);
        for decl in decls {
            let name = &decl.name.node;
            let value = match (build_args.get(name), &decl.default) {
                (Some(value), _) => Some(value.clone()),
                (None, Some(default)) => Some(expand(default, &state.env)),
                (None, None) => globals.get(name).map(str::to_string),
            };
            let shown = if self.dialect.arg_history_has_value {
                value.clone()
            } else {
                decl.default.as_ref().map(|d| expand(d, &state.env))
            };
            match shown {
                Some(shown) => parts.push(format!("{name}={shown}")),
                None => parts.push(name.clone()),
            }
            if let Some(value) = &value {
                state.env.set(name, value);
            }
            state.args.push((name.clone(), value));
        }
        format!("ARG {}", parts.join(" "))
    }

    /// A body's parameters or FOR variable: an ARG with its value, whatever the build
    /// arguments say.
    fn bind(&mut self, state: &mut StageState, decls: &[ir::ArgDecl]) -> String {
        let mut parts = Vec::new();
        for decl in decls {
            let name = &decl.name.node;
            let value = decl.default.as_ref().map(|d| expand(d, &state.env));
            let value = value.unwrap_or_default();
            parts.push(format!("{name}={value}"));
            state.env.set(name, &value);
            state.args.push((name.clone(), Some(value)));
        }
        format!("ARG {}", parts.join(" "))
    }

    fn expose(&mut self, state: &mut StageState, words: &[ir::Word]) -> Option<String> {
        let mut ports = Vec::new();
        for word in words {
            let text = expand(word, &state.env);
            for spec in text.split_whitespace() {
                match crate::port::parse(spec) {
                    Ok(expanded) => ports.extend(expanded),
                    Err(problem) => {
                        self.error(
                            Code::InvalidExpandedValue,
                            word.span,
                            format!("`{spec}` is not a port: {problem}"),
                            "expands to this",
                            "write a port like `80`, `8080/tcp` or `53/udp`",
                        );
                        return None;
                    }
                }
            }
        }
        for port in &ports {
            state
                .image
                .config
                .exposed_ports
                .insert(port.clone(), Empty {});
        }
        let listed = if self.dialect.expose_history_is_list {
            plain_list(&ports)
        } else {
            go_set(&ports)
        };
        Some(format!("EXPOSE {listed}"))
    }

    fn volume(&mut self, state: &mut StageState, words: &[ir::Word]) -> Option<String> {
        let mut volumes = Vec::new();
        for word in words {
            let volume = expand(word, &state.env);
            if volume.is_empty() {
                self.error(
                    Code::InvalidExpandedValue,
                    word.span,
                    "a VOLUME cannot be an empty string".to_string(),
                    "expands to nothing",
                    "check the variables this path uses",
                );
                return None;
            }
            state.image.config.volumes.insert(volume.clone(), Empty {});
            volumes.push(volume);
        }
        Some(format!("VOLUME {}", plain_list(&volumes)))
    }

    fn stop_signal(
        &mut self,
        state: &mut StageState,
        word: &ir::Word,
        span: Span,
    ) -> Option<String> {
        if state.windows() {
            self.error(
                Code::NotSupportedOnPlatform,
                span,
                "STOPSIGNAL is not supported on Windows".to_string(),
                "not for a Windows image",
                "remove STOPSIGNAL for Windows targets",
            );
            return None;
        }
        let signal = expand(word, &state.env);
        if !is_signal(&signal) {
            self.error(
                Code::InvalidExpandedValue,
                word.span,
                format!("`{signal}` is not a signal"),
                "expands to this",
                "use a name like `SIGTERM` or a number like `15`",
            );
            return None;
        }
        state.image.config.stop_signal.clone_from(&signal);
        Some(format!("STOPSIGNAL {signal}"))
    }
}

/// CMD/ENTRYPOINT arguments: exec form as written, shell form through the shell.
fn command_args(state: &StageState, command: &Command) -> Vec<String> {
    match command {
        Command::Exec(words) => words.iter().map(|w| w.node.clone()).collect(),
        Command::Shell(text) => with_shell(state, &text.node),
    }
}

fn is_signal(signal: &str) -> bool {
    if let Ok(number) = signal.parse::<u32>() {
        return (1..=64).contains(&number);
    }
    let name = signal.strip_prefix("SIG").unwrap_or(signal);
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '+' || c == '-')
}

/// HEALTHCHECK into the config, with a history text close to Go's `%+v`.
fn healthcheck(state: &mut StageState, check: &ir::Healthcheck) -> String {
    let (test, durations) = match check {
        ir::Healthcheck::None => (vec!["NONE".to_string()], [None; 5]),
        ir::Healthcheck::Check {
            command,
            interval,
            timeout,
            start_period,
            start_interval,
            retries,
        } => {
            let test = match command {
                Command::Exec(words) => std::iter::once("CMD".to_string())
                    .chain(words.iter().map(|w| w.node.clone()))
                    .collect(),
                Command::Shell(text) => vec!["CMD-SHELL".to_string(), text.node.clone()],
            };
            (
                test,
                [
                    *interval,
                    *timeout,
                    *start_period,
                    *start_interval,
                    *retries,
                ],
            )
        }
    };
    let keys = [
        "Interval",
        "Timeout",
        "StartPeriod",
        "StartInterval",
        "Retries",
    ];
    let [interval, timeout, start_period, start_interval, retries] =
        durations.map(|d| d.unwrap_or(0));
    state.image.config.healthcheck = Some(Healthcheck {
        test: test.clone(),
        interval,
        timeout,
        start_period,
        start_interval,
        retries,
    });
    let fields: Vec<String> = keys
        .iter()
        .zip(durations)
        .map(|(key, value)| {
            let value = value.unwrap_or(0);
            if *key == "Retries" {
                format!("{key}:{value}")
            } else {
                format!("{key}:{}", go_duration(value))
            }
        })
        .collect();
    format!(
        "HEALTHCHECK {{Test:{} {}}}",
        plain_list(&test),
        fields.join(" ")
    )
}

/// Go's `time.Duration.String` for whole milliseconds and up: `1m30s`, `500ms`, `0s`.
fn go_duration(nanos: i64) -> String {
    if nanos == 0 {
        return "0s".to_string();
    }
    if nanos.abs() < 1_000_000_000 {
        return format!("{}ms", nanos / 1_000_000);
    }
    let total_ms = nanos / 1_000_000;
    let (hours, rest) = (total_ms / 3_600_000, total_ms % 3_600_000);
    let (minutes, rest) = (rest / 60_000, rest % 60_000);
    let seconds = if rest % 1000 == 0 {
        format!("{}s", rest / 1000)
    } else {
        format!("{}s", rest as f64 / 1000.0)
    };
    match (hours, minutes) {
        (0, 0) => seconds,
        (0, m) => format!("{m}m{seconds}"),
        (h, m) => format!("{h}h{m}m{seconds}"),
    }
}

/// Appends ` KEY=VALUE` to an instruction's history text (no `format!` per pair).
fn push_pair(text: &mut String, key: &str, value: &str) {
    text.reserve(key.len() + value.len() + 2);
    text.push(' ');
    text.push_str(key);
    text.push('=');
    text.push_str(value);
}

/// The end of a body: its ARGs are forgotten. A variable that an ENV also set keeps the
/// ENV's value, as it would have without the ARG.
fn unset(state: &mut StageState, names: &[crate::source::Spanned<String>]) {
    for name in names {
        let name = name.node.as_str();
        state.args.retain(|(key, _)| key != name);
        match state.image.env(name) {
            Some(value) => state.env.set(name, &value),
            None => state.env.remove(name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals() {
        assert!(is_signal("SIGTERM") && is_signal("9") && is_signal("SIGRTMIN+3"));
        assert!(!is_signal("term") && !is_signal("0") && !is_signal(""));
    }

    #[test]
    fn durations_like_go() {
        assert_eq!(go_duration(0), "0s");
        assert_eq!(go_duration(30_000_000_000), "30s");
        assert_eq!(go_duration(90_000_000_000), "1m30s");
        assert_eq!(go_duration(500_000_000), "500ms");
        assert_eq!(go_duration(3_600_000_000_000), "1h0m0s");
    }
}
