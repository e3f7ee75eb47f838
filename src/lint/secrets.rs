//! SecretsUsedInArgOrEnv: ARG and ENV keep their values in the image's history and config,
//! so a name that says it holds a secret is a secret leaked.

use std::collections::HashSet;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::ir::StepKind;
use crate::source::Span;

use super::{Context, Rule, names};

/// Words that, as a whole `_`-separated part of a name, say it holds a secret (dockerfile.v0's
/// list): `API_KEY`, `DATABASE_PASSWORD`, `GITHUB_TOKEN`, `AUTH`.
const SECRET_WORDS: &[&str] = &[
    "apikey",
    "auth",
    "credential",
    "credentials",
    "key",
    "password",
    "pword",
    "passwd",
    "secret",
    "token",
];

/// Words that make such a name harmless (dockerfile.v0's exceptions): `PUBLIC_KEY`,
/// `SECRET_FILE`, `TOKEN_VERSION`.
const ALLOWED_WORDS: &[&str] = &["public", "file", "version"];

/// Whether `name` has a part (between `_`s or the ends) that is one of `words`, as Docker's
/// `(?i)(?:_|^)(?:word…)(?:_|$)` matches.
fn has_part(name: &str, words: &[&str]) -> bool {
    name.split('_')
        .any(|part| words.iter().any(|word| part.eq_ignore_ascii_case(word)))
}

pub(super) fn looks_secret(name: &str) -> bool {
    has_part(name, SECRET_WORDS) && !has_part(name, ALLOWED_WORDS)
}

/// Every stage's ARG and ENV names, as dockerfile.v0 checks them (global ARGs are not:
/// they reach no image unless a stage declares them again).
pub(super) fn secrets(context: &Context<'_>, found: &mut Diagnostics) {
    let mut seen = HashSet::new();
    for (_, step) in context.buildfile.walk() {
        let keys: Vec<(String, Span)> = match &step.kind {
            StepKind::Arg(decls) => decls
                .iter()
                .map(|decl| (decl.name.node.clone(), decl.name.span))
                .collect(),
            StepKind::Env(pairs) => pairs
                .iter()
                .filter_map(|pair| Some((pair.key.as_literal()?, pair.key.span)))
                .collect(),
            _ => continue,
        };
        let instruction = if matches!(step.kind, StepKind::Arg(_)) {
            "ARG"
        } else {
            "ENV"
        };
        for (key, span) in keys {
            if looks_secret(&key) && seen.insert(names::place(span)) {
                found.push(secret(instruction, &key, span));
            }
        }
    }
}

fn secret(instruction: &str, key: &str, span: Span) -> Diagnostic {
    Diagnostic::lint(
        Rule::SecretsUsedInArgOrEnv,
        format!("Do not use ARG or ENV instructions for sensitive data ({instruction} {key:?})"),
    )
    .with_label(span, "kept in the image's history and config")
    .with_help(format!(
        "use a secret mount instead, which no image keeps: `RUN --mount=type=secret,id=…,env={key}`"
    ))
}

#[cfg(test)]
mod tests {
    use super::looks_secret;

    #[test]
    fn names_that_say_they_hold_secrets() {
        for name in [
            "AWS_SECRET_ACCESS_KEY",
            "api_key",
            "GITHUB_TOKEN",
            "AUTH",
            "db_Password",
        ] {
            assert!(looks_secret(name), "{name}");
        }
        for name in [
            "PUBLIC_KEY",
            "SECRET_FILE",
            "TOKEN_VERSION",
            "KEYBOARD",
            "MONKEY",
            "TOKENS",
        ] {
            assert!(!looks_secret(name), "{name}");
        }
    }
}
