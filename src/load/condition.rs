//! Deciding the condition of `IF` and `ELSE IF` while the build is converted.
//!
//! Values are strings: literal parts as written, variables from [`Ask::var`]. `exists`
//! asks whether a path of the build context exists, which the caller may only know after a
//! round trip: the answer is then "not yet", and every `exists` that can matter is asked in
//! the same round. Errors emitted: undeclared-variable, invalid-exists-path.

use crate::diagnostic::{Code, Diagnostic};
use crate::ir::{Condition, Word, WordPart};
use crate::posix_path;
use crate::suggest::did_you_mean;

/// What a condition asks of the build while it is decided.
pub(super) trait Ask {
    /// `Some(Some(v))` set, `Some(None)` declared without a value (false, empty), `None` not
    /// declared.
    fn var(&self, name: &str) -> Option<Option<String>>;
    /// Every declared name, for "did you mean".
    fn names(&self) -> Vec<String>;
    /// Whether the clean relative path exists in the build context; `None` while not known
    /// yet.
    fn exists(&mut self, path: &str) -> Option<bool>;
}

/// The condition's truth; `Ok(None)` while an `exists` is not answered yet.
///
/// `&&` and `||` decide left to right and stop as soon as the result is known: a branch
/// that is not evaluated is not checked either (its syntax was, when it was read), so
/// `$WINDOWS && $WINDOWS_ONLY_ARG` is fine where the second is not declared. When the left
/// side is not known yet, the right side is evaluated too, so that its `exists` are asked
/// in the same round, but its errors wait: they are reported only if the left side's answer
/// makes the right side matter.
pub(super) fn eval(condition: &Condition, ask: &mut dyn Ask) -> Result<Option<bool>, Diagnostic> {
    match condition {
        Condition::Truthy(word) => Ok(Some(truthy(&value(word, ask)?))),
        Condition::Compare {
            left, right, equal, ..
        } => {
            let same = value(left, ask)? == value(right, ask)?;
            Ok(Some(same == *equal))
        }
        Condition::Exists { path, .. } => {
            let path = exists_path(path, ask)?;
            Ok(ask.exists(&path))
        }
        Condition::Not(inner, _) => Ok(eval(inner, ask)?.map(|truth| !truth)),
        Condition::And(left, right) => join(left, right, false, ask),
        Condition::Or(left, right) => join(left, right, true, ask),
    }
}

/// `left && right` (`decisive` false) or `left || right` (`decisive` true): a side equal to
/// `decisive` decides the whole.
fn join(
    left: &Condition,
    right: &Condition,
    decisive: bool,
    ask: &mut dyn Ask,
) -> Result<Option<bool>, Diagnostic> {
    match eval(left, ask)? {
        Some(truth) if truth == decisive => Ok(Some(decisive)),
        Some(_) => eval(right, ask),
        // Asked for its `exists`; an error waits for the left side's answer (see `eval`).
        None => match eval(right, ask) {
            Ok(Some(truth)) if truth == decisive => Ok(Some(decisive)),
            _ => Ok(None),
        },
    }
}

/// True unless empty, `0` or `false` in any case.
fn truthy(value: &str) -> bool {
    !(value.is_empty() || value == "0" || value.eq_ignore_ascii_case("false"))
}

/// The text of a value, its variables read from `ask`.
fn value(word: &Word, ask: &dyn Ask) -> Result<String, Diagnostic> {
    let mut out = String::new();
    for part in &word.parts {
        match part {
            WordPart::Literal(text) => out.push_str(text),
            WordPart::Var(var) => match ask.var(&var.name) {
                Some(value) => out.push_str(value.as_deref().unwrap_or("")),
                None => return Err(undeclared(&var.name, var.span, ask)),
            },
        }
    }
    Ok(out)
}

fn undeclared(name: &str, span: crate::source::Span, ask: &dyn Ask) -> Diagnostic {
    let names = ask.names();
    let candidates: Vec<&str> = names.iter().map(String::as_str).collect();
    let help = match did_you_mean(name, &candidates) {
        Some(near) => format!("did you mean `{near}`?"),
        None => format!(
            "declare it with `ARG {name}` (before the first FROM for the whole file), and set \
             it with `--build-arg {name}=…`"
        ),
    };
    Diagnostic::error(
        Code::UndeclaredVariable,
        format!("`{name}` is not declared"),
    )
    .with_label(span, "not declared")
    .with_help(help)
}

/// The path `exists` asks about: relative to the build context and inside it, cleaned.
fn exists_path(word: &Word, ask: &dyn Ask) -> Result<String, Diagnostic> {
    let raw = value(word, ask)?;
    let cleaned = posix_path::clean(&raw);
    let problem = if raw.is_empty() {
        Some(("`exists` of an empty path".to_owned(), "empty"))
    } else if cleaned.starts_with('/') {
        Some((format!("`exists` of the absolute path `{raw}`"), "absolute"))
    } else if cleaned == ".." || cleaned.starts_with("../") {
        Some((
            format!("`exists` of `{raw}`, which is outside the build context"),
            "leaves the build context",
        ))
    } else {
        None
    };
    match problem {
        None => Ok(cleaned),
        Some((message, label)) => Err(Diagnostic::error(Code::InvalidExistsPath, message)
            .with_label(word.span, label)
            .with_help(
                "name a path relative to the build context's root, like `exists(\"config/app.toml\")` \
                 (`.` is the root)",
            )),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::ir::VarRef;
    use crate::source::Span;

    /// Variables, the context's paths (`None`: not known yet), and every path asked.
    #[derive(Default)]
    struct Build {
        vars: BTreeMap<&'static str, Option<&'static str>>,
        paths: Option<Vec<&'static str>>,
        asked: Vec<String>,
    }

    impl Ask for Build {
        fn var(&self, name: &str) -> Option<Option<String>> {
            self.vars.get(name).map(|value| value.map(str::to_owned))
        }

        fn names(&self) -> Vec<String> {
            self.vars.keys().map(|name| (*name).to_owned()).collect()
        }

        fn exists(&mut self, path: &str) -> Option<bool> {
            self.asked.push(path.to_owned());
            let paths = self.paths.as_ref()?;
            Some(path == "." || paths.contains(&path))
        }
    }

    fn build(vars: &[(&'static str, Option<&'static str>)], paths: &[&'static str]) -> Build {
        Build {
            vars: vars.iter().copied().collect(),
            paths: Some(paths.to_vec()),
            asked: Vec::new(),
        }
    }

    fn lit(text: &str) -> Word {
        Word::literal(text, Span::new(0, 0))
    }

    /// `$name`, its span at `at`.
    fn var_at(name: &str, at: u32) -> Word {
        let span = Span::new(at, at + 1 + name.len() as u32);
        Word {
            parts: vec![WordPart::Var(VarRef {
                name: name.to_owned(),
                modifier: None,
                span,
            })],
            span,
        }
    }

    fn var(name: &str) -> Word {
        var_at(name, 0)
    }

    fn truthy_of(word: Word) -> Condition {
        Condition::Truthy(word)
    }

    fn compare(left: Word, right: Word, equal: bool) -> Condition {
        Condition::Compare {
            left,
            right,
            equal,
            span: Span::new(0, 2),
        }
    }

    fn exists(path: Word) -> Condition {
        Condition::Exists {
            path,
            span: Span::new(0, 0),
        }
    }

    fn not(c: Condition) -> Condition {
        Condition::Not(Box::new(c), Span::new(0, 1))
    }

    fn and(a: Condition, b: Condition) -> Condition {
        Condition::And(Box::new(a), Box::new(b))
    }

    fn or(a: Condition, b: Condition) -> Condition {
        Condition::Or(Box::new(a), Box::new(b))
    }

    fn decide(condition: &Condition, ask: &mut Build) -> Option<bool> {
        match eval(condition, ask) {
            Ok(truth) => truth,
            Err(error) => panic!("{condition:?}: {error:?}"),
        }
    }

    #[test]
    fn truthiness() {
        for (value, truth) in [
            ("", false),
            ("0", false),
            ("false", false),
            ("FALSE", false),
            ("False", false),
            ("1", true),
            ("true", true),
            ("no", true),
            ("00", true),
            (" ", true),
            ("falsey", true),
        ] {
            assert_eq!(truthy(value), truth, "{value:?}");
            let mut ask = build(&[("X", Some(value))], &[]);
            assert_eq!(
                decide(&truthy_of(var("X")), &mut ask),
                Some(truth),
                "{value:?}"
            );
            assert_eq!(decide(&truthy_of(lit(value)), &mut ask), Some(truth));
        }
        // Declared without a value: empty, so false.
        let mut ask = build(&[("X", None)], &[]);
        assert_eq!(decide(&truthy_of(var("X")), &mut ask), Some(false));
        // A word with no parts (`''`) is empty.
        let empty = Word {
            parts: Vec::new(),
            span: Span::new(0, 2),
        };
        assert_eq!(decide(&truthy_of(empty), &mut ask), Some(false));
    }

    #[test]
    fn comparisons_are_of_strings() {
        let mut ask = build(&[("OS", Some("linux")), ("EMPTY", None)], &[]);
        let cases = [
            (compare(var("OS"), lit("linux"), true), true),
            (compare(var("OS"), lit("linux"), false), false),
            (compare(var("OS"), lit("Linux"), true), false),
            (compare(var("OS"), lit("windows"), false), true),
            (compare(var("EMPTY"), lit(""), true), true),
            (compare(lit("1.0"), lit("1"), true), false),
        ];
        for (condition, truth) in cases {
            assert_eq!(decide(&condition, &mut ask), Some(truth), "{condition:?}");
        }
        // Literal and variable parts join.
        let word = Word {
            parts: vec![
                WordPart::Literal("linux/".into()),
                WordPart::Var(VarRef {
                    name: "OS".into(),
                    modifier: None,
                    span: Span::new(0, 3),
                }),
            ],
            span: Span::new(0, 3),
        };
        assert_eq!(
            decide(&compare(word, lit("linux/linux"), true), &mut ask),
            Some(true)
        );
    }

    #[test]
    fn an_undeclared_variable_is_an_error_with_a_near_name() {
        let mut ask = build(&[("TARGETOS", Some("linux")), ("MODE", None)], &[]);
        let Err(error) = eval(&truthy_of(var_at("TARGETSO", 7)), &mut ask) else {
            panic!()
        };
        assert_eq!(error.code, Code::UndeclaredVariable);
        assert_eq!(error.code.as_str(), "rustbuild::load::undeclared-variable");
        assert_eq!(error.message, "`TARGETSO` is not declared");
        assert_eq!(error.span(), Some(Span::new(7, 16)));
        assert_eq!(error.labels[0].text, "not declared");
        assert_eq!(error.help.as_deref(), Some("did you mean `TARGETOS`?"));
        let Err(error) = eval(&compare(lit("a"), var("NOTHING_LIKE"), true), &mut ask) else {
            panic!()
        };
        assert!(
            error
                .help
                .as_deref()
                .is_some_and(|help| help.contains("ARG NOTHING_LIKE")),
            "{error:?}"
        );
    }

    #[test]
    fn exists_asks_for_the_cleaned_path() {
        let mut ask = build(&[("DIR", Some("conf/"))], &["conf", "a/b"]);
        assert_eq!(decide(&exists(lit("./a//b/")), &mut ask), Some(true));
        assert_eq!(decide(&exists(lit("a/x/../b")), &mut ask), Some(true));
        assert_eq!(decide(&exists(var("DIR")), &mut ask), Some(true));
        assert_eq!(decide(&exists(lit("missing")), &mut ask), Some(false));
        assert_eq!(decide(&exists(lit(".")), &mut ask), Some(true));
        assert_eq!(ask.asked, ["a/b", "a/b", "conf", "missing", "."]);
        assert_eq!(decide(&not(exists(lit("missing"))), &mut ask), Some(true));
    }

    #[test]
    fn exists_paths_stay_inside_the_context() {
        let mut ask = build(&[("ROOT", Some("/etc")), ("NONE", None)], &[]);
        for (path, label) in [
            (lit("/etc/passwd"), "absolute"),
            (var("ROOT"), "absolute"),
            (lit(""), "empty"),
            (var("NONE"), "empty"),
            (lit(".."), "leaves the build context"),
            (lit("a/../../b"), "leaves the build context"),
        ] {
            let span = path.span;
            let Err(error) = eval(&exists(path), &mut ask) else {
                panic!("{label}")
            };
            assert_eq!(error.code, Code::InvalidExistsPath);
            assert_eq!(error.code.as_str(), "rustbuild::load::invalid-exists-path");
            assert_eq!(
                (error.span(), error.labels[0].text.as_str()),
                (Some(span), label)
            );
            assert!(error.help.is_some());
        }
        assert!(ask.asked.is_empty(), "{:?}", ask.asked);
    }

    #[test]
    fn and_or_short_circuit_left_to_right() {
        let mut ask = build(&[("YES", Some("1")), ("NO", Some("0"))], &["x"]);
        // The right side is neither asked nor checked (`UNDECLARED` is not declared).
        let cases = [
            (and(truthy_of(var("NO")), exists(lit("x"))), false),
            (or(truthy_of(var("YES")), exists(lit("x"))), true),
            (
                and(truthy_of(var("NO")), truthy_of(var("UNDECLARED"))),
                false,
            ),
            (or(truthy_of(var("YES")), exists(lit("/abs"))), true),
        ];
        for (condition, truth) in cases {
            assert_eq!(decide(&condition, &mut ask), Some(truth), "{condition:?}");
        }
        assert!(ask.asked.is_empty(), "{:?}", ask.asked);
        // The right side decides when the left does not.
        assert_eq!(
            decide(&and(truthy_of(var("YES")), exists(lit("x"))), &mut ask),
            Some(true)
        );
        assert_eq!(
            decide(&or(truthy_of(var("NO")), exists(lit("y"))), &mut ask),
            Some(false)
        );
        assert_eq!(ask.asked, ["x", "y"]);
        // And an error there is an error.
        let condition = and(truthy_of(var("YES")), truthy_of(var("UNDECLARED")));
        assert!(eval(&condition, &mut ask).is_err());
    }

    #[test]
    fn unknown_exists_propagate_and_are_all_asked() {
        let mut ask = Build {
            paths: None,
            ..build(&[("YES", Some("1")), ("NO", None)], &[])
        };
        let a = || exists(lit("a"));
        let b = || exists(lit("b"));
        let yes = || truthy_of(var("YES"));
        let no = || truthy_of(var("NO"));
        let cases = [
            (a(), None),
            (not(a()), None),
            (and(a(), b()), None),
            (or(a(), b()), None),
            (or(a(), yes()), Some(true)),
            (and(a(), no()), Some(false)),
            (or(a(), no()), None),
            (and(a(), yes()), None),
            (and(yes(), a()), None),
            (or(no(), a()), None),
            (and(no(), a()), Some(false)),
        ];
        for (condition, truth) in cases {
            ask.asked.clear();
            assert_eq!(decide(&condition, &mut ask), truth, "{condition:?}");
        }
        // Both sides are asked in one round.
        ask.asked.clear();
        assert_eq!(decide(&or(and(a(), b()), exists(lit("c"))), &mut ask), None);
        assert_eq!(ask.asked, ["a", "b", "c"]);
        // An error on the right of an unknown left waits: the answer may make it moot.
        for condition in [
            and(a(), truthy_of(var("UNDECLARED"))),
            or(a(), exists(lit("/abs"))),
        ] {
            assert_eq!(eval(&condition, &mut ask), Ok(None), "{condition:?}");
        }
        // An error on the left is one at once.
        assert!(eval(&and(truthy_of(var("UNDECLARED")), a()), &mut ask).is_err());
    }
}
