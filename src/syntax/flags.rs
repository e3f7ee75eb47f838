//! The `--name[=value]` flags of an instruction: which are allowed, and their values.

use crate::diagnostic::{Code, Diagnostic, Diagnostics};

use super::instruction::FlagToken;
use super::text::Text;
use crate::suggest::did_you_mean;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// `--link` or `--link=true|false`.
    Switch,
    /// `--from=stage`, at most once.
    Value,
    /// `--mount=…`, any number of times.
    Repeated,
}

pub(super) struct Spec {
    pub(super) name: &'static str,
    pub(super) kind: Kind,
}

pub(super) const fn spec(name: &'static str, kind: Kind) -> Spec {
    Spec { name, kind }
}

/// A Dockerfile flag rustbuild does not implement yet, and what to do instead.
pub(super) struct Unsupported {
    pub(super) name: &'static str,
    pub(super) help: &'static str,
}

/// The flags an instruction was given, after checking them against its [`Spec`]s.
pub(super) struct Flags<'a> {
    found: Vec<(&'static str, Found<'a>)>,
}

/// One accepted flag.
pub(super) struct Found<'a> {
    pub(super) value: Option<Text<'a>>,
    pub(super) whole: Text<'a>,
}

impl<'a> Flags<'a> {
    /// The value of a [`Kind::Value`] flag.
    pub(super) fn value(&self, name: &str) -> Option<&Found<'a>> {
        self.found.iter().find(|(n, _)| *n == name).map(|(_, f)| f)
    }

    /// Every value of a [`Kind::Repeated`] flag, in order.
    pub(super) fn values(&self, name: &str) -> impl Iterator<Item = &Found<'a>> {
        self.found
            .iter()
            .filter(move |(n, _)| *n == name)
            .map(|(_, f)| f)
    }

    /// Whether a [`Kind::Switch`] flag is on.
    pub(super) fn switch(&self, name: &str) -> bool {
        self.value(name).is_some_and(|found| {
            found
                .value
                .as_ref()
                .is_none_or(|v| v.as_str().eq_ignore_ascii_case("true"))
        })
    }
}

/// Checks `tokens` against the flags `instruction` accepts, reporting unknown, unsupported,
/// repeated and value-less flags.
pub(super) fn check<'a>(
    instruction: &str,
    tokens: &[FlagToken<'a>],
    specs: &[Spec],
    unsupported: &[Unsupported],
    diagnostics: &mut Diagnostics,
) -> Flags<'a> {
    let mut found: Vec<(&'static str, Found<'a>)> = Vec::new();
    for token in tokens {
        let name = token.name();
        if let Some(u) = unsupported.iter().find(|u| u.name == name) {
            diagnostics.push(
                Diagnostic::error(
                    Code::UnknownFlag,
                    format!("`{instruction} --{name}` is not supported yet"),
                )
                .with_label(token.whole.span(), "not supported yet")
                .with_help(u.help),
            );
            continue;
        }
        let Some(spec) = specs.iter().find(|s| s.name == name) else {
            diagnostics.push(unknown_flag(instruction, token, specs));
            continue;
        };
        if spec.kind != Kind::Repeated
            && let Some((_, first)) = found.iter().find(|(n, _)| *n == spec.name)
        {
            diagnostics.push(
                Diagnostic::error(Code::DuplicateFlag, format!("`--{name}` is given twice"))
                    .with_label(token.whole.span(), "given again here")
                    .with_label(first.whole.span(), "first given here")
                    .with_help("keep only one"),
            );
            continue;
        }
        if let Some(error) = check_value(instruction, spec, token) {
            diagnostics.push(error);
            continue;
        }
        found.push((
            spec.name,
            Found {
                value: token.value.clone(),
                whole: token.whole.clone(),
            },
        ));
    }
    Flags { found }
}

fn unknown_flag(instruction: &str, token: &FlagToken<'_>, specs: &[Spec]) -> Diagnostic {
    let names: Vec<&str> = specs.iter().map(|s| s.name).collect();
    let message = format!("unknown flag `--{}` for {instruction}", token.name());
    let diagnostic =
        Diagnostic::error(Code::UnknownFlag, message).with_label(token.name.span(), "unknown flag");
    match (did_you_mean(token.name(), &names), names.is_empty()) {
        (Some(near), _) => diagnostic
            .with_help(format!("did you mean `--{near}`?"))
            .with_fix(format!("write `--{near}`"), token.name.span(), near),
        (None, true) => diagnostic.with_help(format!("{instruction} takes no flags")),
        (None, false) => diagnostic.with_help(format!(
            "{instruction} accepts {}",
            names
                .iter()
                .map(|n| format!("`--{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

fn check_value(instruction: &str, spec: &Spec, token: &FlagToken<'_>) -> Option<Diagnostic> {
    let name = spec.name;
    match (&spec.kind, &token.value) {
        (Kind::Switch, None) => None,
        (Kind::Switch, Some(value)) => {
            let text = value.as_str();
            if text.eq_ignore_ascii_case("true") || text.eq_ignore_ascii_case("false") {
                None
            } else {
                Some(
                    Diagnostic::error(
                        Code::InvalidFlagValue,
                        format!("`--{name}` is a switch, not `{text}`"),
                    )
                    .with_label(token.whole.span(), "expected true or false")
                    .with_help(format!("write `--{name}` alone, or `--{name}=false`")),
                )
            }
        }
        (_, None) => Some(
            Diagnostic::error(Code::InvalidFlagValue, format!("`--{name}` needs a value"))
                .with_label(token.whole.span(), "no value")
                .with_help(format!(
                    "write `--{name}=VALUE`; see {instruction} in grammar/README.md"
                )),
        ),
        (_, Some(_)) => None,
    }
}
