use super::*;
use crate::diagnostic::{Code, Diagnostic};

fn json(answer: &Answer) -> Value {
    serde_json::from_slice(&answer["result.json"]).unwrap()
}

#[test]
fn describe_lists_what_is_answered() {
    let answer = describe();
    let names: Vec<String> = json(&answer)
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, [OUTLINE, TARGETS, LINT, DESCRIBE]);
    assert!(names.iter().all(|n| is_known(n)));
    assert!(!is_known("frontend.convertllb"));
    let text = String::from_utf8(answer["result.txt"].clone()).unwrap();
    assert!(text.contains("outline"), "{text}");
}

#[test]
fn lint_reports_warnings_and_the_first_error() {
    let file = SourceFile::new("Buildfile", "FROM a\nENV a b\nRUNN x\n");
    let diagnostics = Diagnostics(vec![
        Diagnostic::warning(Code::LegacyKeyValue, "use `ENV a=b`")
            .with_label(Span::new(7, 14), "")
            .with_help("write key=value"),
        Diagnostic::error(Code::UnknownInstruction, "unknown instruction `RUNN`")
            .with_label(Span::new(15, 19), ""),
    ]);
    let answer = lint(&file, &diagnostics);
    let body = json(&answer);
    assert_eq!(answer["result.statuscode"], b"1");
    assert_eq!(
        body["warnings"][0]["ruleName"],
        "rustbuild::check::legacy-key-value"
    );
    assert_eq!(
        body["warnings"][0]["detail"],
        "use `ENV a=b` (write key=value)"
    );
    assert_eq!(
        body["warnings"][0]["location"]["ranges"][0]["start"]["line"],
        2
    );
    assert_eq!(body["buildError"]["message"], "unknown instruction `RUNN`");
    assert_eq!(
        body["buildError"]["location"]["ranges"][0]["end"]["line"],
        3
    );
    assert_eq!(body["sources"][0]["filename"], "Buildfile");
}

#[test]
fn lint_of_a_clean_file_succeeds() {
    let file = SourceFile::new("Buildfile", "FROM a\n");
    let answer = lint(&file, &Diagnostics::new());
    assert_eq!(answer["result.statuscode"], b"0");
    assert!(json(&answer).get("buildError").is_none());
}

#[test]
fn lint_warnings_without_a_span_point_nowhere() {
    let file = SourceFile::new("Buildfile", "FROM a\n");
    let diagnostics = Diagnostics(vec![Diagnostic::warning(Code::LegacyKeyValue, "somewhere")]);
    let body = json(&lint(&file, &diagnostics));
    assert_eq!(body["warnings"][0]["location"]["sourceIndex"], -1);
}
