//! How `# check=` and BUILDKIT_DOCKERFILE_CHECK reach every finding.

use crate::diagnostic::{Code, Severity};
use crate::platform::Platform;
use crate::source::SourceFile;
use crate::vars::Scope;

use super::{Inputs, Rule};

const LEGACY: &str = "FROM scratch\nENV A b\n";

fn analyze(text: &str, check: Option<&str>) -> crate::Analysis {
    let amd64 = Platform::linux_amd64();
    let scope = Scope::alone(&amd64);
    let alone = |_: &crate::load::Request| crate::load::Answer::NotFound("alone".into());
    let loaded = crate::load::load(SourceFile::new("Buildfile", text), scope, alone);
    let inputs = Inputs {
        ignore: None,
        check,
    };
    crate::analyze_loaded(loaded, inputs)
}

fn codes(analysis: &crate::Analysis) -> Vec<(Code, Severity)> {
    analysis
        .diagnostics
        .iter()
        .map(|d| (d.code, d.severity))
        .collect()
}

const LEGACY_WARNING: (Code, Severity) =
    (Code::Lint(Rule::LegacyKeyValueFormat), Severity::Warning);

#[test]
fn a_finding_is_a_warning_by_default() {
    assert_eq!(codes(&analyze(LEGACY, None)), [LEGACY_WARNING]);
}

#[test]
fn the_directive_skips_or_makes_errors() {
    let skipped = analyze(
        &format!("# check=skip=LegacyKeyValueFormat\n{LEGACY}"),
        None,
    );
    assert_eq!(codes(&skipped), []);
    let all = analyze(&format!("# check=skip=all\n{LEGACY}"), None);
    assert_eq!(codes(&all), []);
    let error = analyze(&format!("# check=error=true\n{LEGACY}"), None);
    assert_eq!(
        codes(&error),
        [(Code::Lint(Rule::LegacyKeyValueFormat), Severity::Error)]
    );
    assert!(error.buildfile.is_none(), "error=true must stop the build");
}

#[test]
fn a_comment_above_the_instruction_skips_for_it_alone() {
    let text = "FROM scratch\n# check=skip=LegacyKeyValueFormat\nENV A b\nENV C d\n";
    let analysis = analyze(text, None);
    let lines: Vec<u32> = analysis
        .diagnostics
        .iter()
        .filter_map(|d| d.span())
        .map(|s| s.start)
        .collect();
    assert_eq!(lines, [text.find("C d").unwrap() as u32], "{analysis:?}");
}

#[test]
fn the_build_arg_replaces_the_directive() {
    let text = format!("# check=skip=LegacyKeyValueFormat\n{LEGACY}");
    assert_eq!(
        codes(&analyze(&text, Some("error=false"))),
        [LEGACY_WARNING]
    );
    assert_eq!(codes(&analyze(LEGACY, Some("skip=all"))), []);
}

#[test]
fn a_bad_value_is_an_error_at_the_option() {
    let text = format!("# check=skip=LegacyKeyValueFormat;colour=red\n{LEGACY}");
    let analysis = analyze(&text, None);
    let bad = analysis
        .diagnostics
        .iter()
        .find(|d| d.code == Code::InvalidDirective)
        .expect("an invalid-directive error");
    assert!(bad.is_error());
    assert_eq!(&text[bad.span().unwrap().range()], "colour=red");
    let by_arg = analyze(LEGACY, Some("nonsense"));
    assert!(
        by_arg
            .diagnostics
            .iter()
            .any(|d| d.code == Code::InvalidDirective && d.is_error())
    );
}

#[test]
fn an_unknown_rule_is_a_warning_with_the_closest_name_as_fix() {
    let text = format!("# check=skip=LegacyKeyValueFormatt\n{LEGACY}");
    let analysis = analyze(&text, None);
    let unknown = analysis
        .diagnostics
        .iter()
        .find(|d| d.code == Code::InvalidDirective)
        .expect("a warning for the unknown name");
    assert!(!unknown.is_error());
    assert_eq!(unknown.fixes[0].edits[0].text, "LegacyKeyValueFormat");
    assert_eq!(
        &text[unknown.fixes[0].edits[0].span.range()],
        "LegacyKeyValueFormatt"
    );
}
