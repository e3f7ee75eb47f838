//! The lint corpus: for every rule, `tests/corpus/lint/RULE.Buildfile` triggers it (the
//! rendered findings are snapshotted; a rule whose case a Buildfile rejects gives that
//! error instead) and `RULE.ok.Buildfile` is the same case written so
//! that it does not. `RULE.dockerignore`, when present, is the context's `.dockerignore`
//! for both. Applying the fixes of RULE's findings gives a file that still checks and no
//! longer triggers RULE where a finding had a fix.

use std::path::{Path, PathBuf};

use rustbuild::diagnostic::{self, Code, Diagnostics, Style};
use rustbuild::lint::Rule;
use rustbuild::platform::Platform;
use rustbuild::source::SourceFile;
use rustbuild::vars::Scope;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/lint")
}

/// Checks and lints `text` alone (no INCLUDE is followed) for linux/amd64, with `ignore`
/// as the context's `.dockerignore`.
pub(crate) fn analyze(text: &str, ignore: &str) -> rustbuild::Analysis {
    let amd64 = Platform::linux_amd64();
    let scope = Scope::alone(&amd64);
    let file = SourceFile::new("Buildfile", text);
    let alone = |_: &rustbuild::load::Request| {
        rustbuild::load::Answer::NotFound("the lint corpus reads one file".into())
    };
    let patterns = rustbuild::ignore::parse_lines(ignore);
    let inputs = rustbuild::lint::Inputs {
        ignore: Some(&patterns),
        check: None,
    };
    rustbuild::analyze_loaded(rustbuild::load::load(file, scope, alone), inputs)
}

fn case(rule: Rule, suffix: &str) -> Option<(String, String)> {
    let dir = corpus();
    let text = std::fs::read_to_string(dir.join(format!("{}{suffix}", rule.name()))).ok()?;
    let ignore = std::fs::read_to_string(dir.join(format!("{}.dockerignore", rule.name())))
        .unwrap_or_default();
    Some((text, ignore))
}

fn findings(analysis: &rustbuild::Analysis, rule: Rule) -> Diagnostics {
    let of_rule = analysis
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::Lint(rule));
    Diagnostics(of_rule.cloned().collect())
}

/// `text` with the edits of every fix in `diagnostics` applied (they do not overlap).
fn apply_fixes(text: &str, diagnostics: &Diagnostics) -> String {
    let mut edits: Vec<_> = diagnostics
        .iter()
        .flat_map(|d| d.fixes.iter().flat_map(|fix| fix.edits.iter()))
        .collect();
    edits.sort_by_key(|edit| std::cmp::Reverse(edit.span.start));
    let mut out = text.to_owned();
    for edit in edits {
        out.replace_range(edit.span.range(), &edit.text);
    }
    out
}

#[test]
fn every_rule_has_a_case_that_triggers_it_and_one_that_does_not() {
    let mut missing = Vec::new();
    for &rule in Rule::ALL {
        // Needs a resolved base image's config, which only a build has: tested by a real
        // build in tests/e2e/lint.rs, and its configuration in src/gateway/build_tests.rs.
        if rule == Rule::InvalidBaseImagePlatform {
            continue;
        }
        let (Some(bad), Some(good)) = (case(rule, ".Buildfile"), case(rule, ".ok.Buildfile"))
        else {
            missing.push(rule.name());
            continue;
        };
        let analysis = analyze(&bad.0, &bad.1);
        if let Some(code) = rule.error_instead() {
            let errors: Vec<Code> = analysis.diagnostics.iter().map(|d| d.code).collect();
            assert!(
                errors.contains(&code),
                "{}: no {code}: {errors:?}",
                rule.name()
            );
            continue;
        }
        let found = findings(&analysis, rule);
        assert!(
            !found.is_empty(),
            "{} does not trigger its rule",
            rule.name()
        );
        insta::assert_snapshot!(
            format!("lint__{}", rule.name()),
            diagnostic::render(&analysis.diagnostics, &analysis.files, Style::Plain)
        );
        let ok = analyze(&good.0, &good.1);
        assert!(
            findings(&ok, rule).is_empty() && !ok.diagnostics.has_errors(),
            "{}.ok.Buildfile: {}",
            rule.name(),
            diagnostic::render(&ok.diagnostics, &ok.files, Style::Plain)
        );
        if found.iter().any(|d| !d.fixes.is_empty()) {
            let fixed = apply_fixes(&bad.0, &found);
            let after = analyze(&fixed, &bad.1);
            let unfixable = found.iter().filter(|d| d.fixes.is_empty()).count();
            assert!(
                findings(&after, rule).0.len() == unfixable && !after.diagnostics.has_errors(),
                "{} after its fixes:\n{fixed}\n{}",
                rule.name(),
                diagnostic::render(&after.diagnostics, &after.files, Style::Plain)
            );
        }
    }
    assert!(
        missing.is_empty(),
        "rules without both corpus files: {missing:?}"
    );
}

/// The names UndefinedVar reports in `text`.
fn undefined_vars(text: &str) -> Vec<String> {
    let analysis = analyze(text, "");
    let found = findings(&analysis, Rule::UndefinedVar);
    found.iter().map(|d| d.message.clone()).collect()
}

#[test]
fn undefined_vars_are_reported_only_where_certain() {
    // An automatic ARG is visible in a stage only once declared there.
    assert_eq!(
        undefined_vars("FROM scratch\nWORKDIR /$TARGETARCH\n"),
        ["Usage of undefined variable '$TARGETARCH'"]
    );
    // A stage based on an image may get the name from the image.
    assert!(undefined_vars("FROM alpine\nWORKDIR $HOME\nFROM 0\nWORKDIR $HOME\n").is_empty());
    // Defined by the base stage, by a global ARG redeclared, by a default's own branch.
    let known = "ARG G=1\nFROM scratch AS a\nENV A=1\nFROM a\nARG G\nWORKDIR /$A/$G/${A:-$V}\n";
    assert!(
        undefined_vars(known).is_empty(),
        "{:?}",
        undefined_vars(known)
    );
    // A global ARG is not visible in a stage that does not declare it.
    assert_eq!(
        undefined_vars("ARG G=1\nFROM scratch\nUSER $G\n"),
        ["Usage of undefined variable '$G'"]
    );
}
