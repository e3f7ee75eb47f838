//! Corpus snapshots for `syntax` and `check`: the IR of every valid file (the examples
//! included), and the rendered diagnostics of every invalid one. Every corpus file is also
//! checked for the parser's invariants.

use std::collections::BTreeSet;
use std::path::Path;

use rustbuild::diagnostic::{self, Code, Diagnostics, Style};
use rustbuild::source::SourceFile;

fn load(path: &Path) -> SourceFile {
    let bytes = std::fs::read(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    rustbuild::syntax::decode(&name, &bytes).unwrap()
}

/// Spans inside the file and on character boundaries; no internal errors.
fn assert_invariants(file: &SourceFile, diagnostics: &Diagnostics) {
    for d in diagnostics.iter() {
        assert_ne!(d.code, Code::Internal, "{}: {}", file.name, d.message);
        assert!(
            !d.labels.is_empty(),
            "{}: `{}` has no label",
            file.name,
            d.message
        );
        for label in &d.labels {
            let range = label.span.range();
            assert!(
                file.text.get(range.clone()).is_some(),
                "{}: span {range:?} of `{}` is out of bounds or splits a character",
                file.name,
                d.message
            );
        }
    }
}

/// The diagnostics as a person sees them, then as JSON.
fn rendered(file: &SourceFile, diagnostics: &Diagnostics) -> String {
    let json = serde_json::to_string_pretty(&diagnostic::to_json(diagnostics, file)).unwrap();
    format!(
        "{}\n{json}\n",
        diagnostic::render(diagnostics, file, Style::Plain)
    )
}

#[test]
fn examples_parse_to_ir() {
    insta::glob!("../../examples", "*/Buildfile", |path| {
        let file = load(path);
        let analysis = rustbuild::analyze(&file);
        assert_invariants(&file, &analysis.diagnostics);
        assert!(
            analysis.diagnostics.is_empty(),
            "{}",
            rendered(&file, &analysis.diagnostics)
        );
        insta::assert_snapshot!(format!("{:#?}", analysis.buildfile.unwrap()));
    });
}

#[test]
fn ok_corpus_parses_to_ir() {
    insta::glob!("../corpus/syntax/ok", "*.Buildfile", |path| {
        let file = load(path);
        let analysis = rustbuild::analyze(&file);
        assert_invariants(&file, &analysis.diagnostics);
        assert!(
            !analysis.diagnostics.has_errors(),
            "{}",
            rendered(&file, &analysis.diagnostics)
        );
        let warnings = rendered(&file, &analysis.diagnostics);
        insta::assert_snapshot!(format!("{warnings}\n{:#?}", analysis.buildfile.unwrap()));
    });
}

/// Snapshots the diagnostics of an invalid file, and returns their codes.
fn check_err(path: &Path) -> BTreeSet<Code> {
    let file = load(path);
    let analysis = rustbuild::analyze(&file);
    assert_invariants(&file, &analysis.diagnostics);
    assert!(
        analysis.diagnostics.has_errors(),
        "{} has no errors",
        file.name
    );
    assert!(analysis.buildfile.is_none());
    analysis.diagnostics.iter().map(|d| d.code).collect()
}

#[test]
fn syntax_err_corpus_renders_diagnostics() {
    insta::glob!("../corpus/syntax/err", "*.Buildfile", |path| {
        check_err(path);
        let file = load(path);
        insta::assert_snapshot!(rendered(&file, &rustbuild::analyze(&file).diagnostics));
    });
}

#[test]
fn check_err_corpus_renders_diagnostics() {
    insta::glob!("../corpus/check/err", "*.Buildfile", |path| {
        check_err(path);
        let file = load(path);
        insta::assert_snapshot!(rendered(&file, &rustbuild::analyze(&file).diagnostics));
    });
}

#[test]
fn every_code_has_an_err_corpus_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut seen = BTreeSet::new();
    for dir in ["syntax/err", "check/err"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            seen.extend(check_err(&entry.unwrap().path()));
        }
    }
    // invalid-utf8 has its own test (a corpus file must be readable text); legacy-key-value
    // is a warning, covered by the ok corpus; undefined-variable is not emitted.
    let expected = Code::ALL.iter().filter(|code| {
        let name = code.as_str();
        (name.contains("::syntax::") || name.contains("::check::"))
            && !matches!(
                code,
                Code::InvalidUtf8 | Code::UndefinedVariable | Code::LegacyKeyValue
            )
    });
    for code in expected {
        assert!(seen.contains(code), "no err corpus file produces {code}");
    }
}

#[test]
fn invalid_utf8_points_at_the_byte() {
    let error = rustbuild::syntax::decode("Buildfile", b"FROM a\nRUN \xff\n").unwrap_err();
    assert_eq!(error.code, Code::InvalidUtf8);
    assert_eq!(error.span().unwrap().start, 11);
    assert!(error.message.contains("line 2"), "{}", error.message);
}

#[test]
fn byte_order_mark_is_dropped() {
    let file = rustbuild::syntax::decode("Buildfile", b"\xef\xbb\xbfFROM a\n").unwrap();
    assert_eq!(&*file.text, "FROM a\n");
    assert!(rustbuild::analyze(&file).buildfile.is_some());
}
