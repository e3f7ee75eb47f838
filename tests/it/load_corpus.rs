//! Corpus snapshots for `load`: each folder of tests/corpus/load is a build, read into
//! memory first: `Buildfile` is the main file, `contexts/NAME/…` the named build context
//! NAME, `context/…` the build context that `exists()` looks in, everything else the main
//! file's directory. A valid build snapshots its stages with
//! the file and line of every instruction; an invalid one its rendered diagnostics.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rustbuild::diagnostic::{self, Style};
use rustbuild::load::{Answer, Root};
use rustbuild::platform::Platform;
use rustbuild::source::{LineIndex, SourceFile, Sources, Span};
use rustbuild::vars::Scope;

/// Every file under `dir`, by path relative to it.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(dir: &Path, top: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path: PathBuf = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, top, out);
            } else {
                let relative = path
                    .strip_prefix(top)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(relative, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The build every folder is loaded for: linux/amd64, no build arguments.
fn with_scope<T>(f: impl FnOnce(Scope<'_>) -> T) -> T {
    let none = BTreeMap::new();
    let amd64 = Platform::linux_amd64();
    f(Scope {
        build_args: &none,
        target_platform: &amd64,
        build_platform: &amd64,
        target: None,
    })
}

fn analyze(dir: &Path) -> rustbuild::Analysis {
    with_scope(|scope| analyze_for(dir, scope))
}

/// Loads the build of a corpus folder for `scope`, and checks it.
pub(crate) fn analyze_for(dir: &Path, scope: Scope<'_>) -> rustbuild::Analysis {
    let files = files(dir);
    let main = String::from_utf8(files["Buildfile"].clone()).unwrap();
    let loaded = rustbuild::load::load(SourceFile::new("Buildfile", main), scope, |request| {
        let key = match &request.root {
            Root::Main => request.path.clone(),
            Root::Named(name) => format!("contexts/{name}/{}", request.path),
            Root::Context => {
                // A file or a directory: any file at or under the path.
                let path = format!("context/{}", request.path);
                let found = files
                    .keys()
                    .any(|k| *k == path || k.starts_with(&format!("{path}/")));
                return match found {
                    true => Answer::Found(Vec::new()),
                    false => Answer::NotFound("the corpus folder's context".into()),
                };
            }
        };
        match files.get(&key) {
            Some(bytes) => Answer::Found(bytes.clone()),
            None => Answer::NotFound("the corpus folder".into()),
        }
    });
    rustbuild::analyze_loaded(loaded, rustbuild::lint::Inputs::default())
}

/// `file:line` of a span.
fn at(files: &impl Sources, span: Span) -> String {
    let file = files.file(span.file).unwrap();
    let line = LineIndex::new(&file.text).line(span.start);
    format!("{}:{line}", file.name)
}

/// `file:line` of a span, and the chain of expansions that made it.
fn place(files: &impl Sources, span: Span) -> String {
    let chain: Vec<String> = files
        .chain(span)
        .iter()
        .map(|e| format!("{} at {}", e.title(), at(files, e.at)))
        .collect();
    match chain.is_empty() {
        true => at(files, span),
        false => format!("{} ({})", at(files, span), chain.join(" ← ")),
    }
}

/// Each stage with its namespace, then each instruction with where it was written and the
/// expansions that made it; then the flat Buildfile `rustbuild expand` prints.
fn outline(analysis: &rustbuild::Analysis) -> String {
    let buildfile = analysis.buildfile.as_ref().unwrap();
    let files = &analysis.files;
    let mut out = String::new();
    for stage in &buildfile.stages {
        let namespace = stage
            .namespace
            .map(|n| buildfile.imports[n].prefix.as_str());
        out.push_str(&format!("{:<28}{}", place(files, stage.span), stage.text));
        if let Some(prefix) = namespace {
            out.push_str(&format!("    [namespace {prefix}]"));
        }
        out.push('\n');
        for step in &stage.steps {
            out.push_str(&format!("{:<28}  {}\n", place(files, step.span), step.text));
        }
    }
    out.push_str("--- rustbuild expand\n");
    match with_scope(|scope| rustbuild::print::flat(buildfile, files, scope)) {
        Ok(text) => out.push_str(&text),
        Err(message) => out.push_str(&format!("error: {message}\n")),
    }
    out
}

#[test]
fn load_corpus() {
    insta::glob!("../corpus/load", "*/Buildfile", |path| {
        let dir = path.parent().unwrap();
        let analysis = analyze(dir);
        let case = dir.file_name().unwrap().to_string_lossy().into_owned();
        let snapshot = if case.starts_with("ok-") {
            assert!(
                analysis.diagnostics.is_empty(),
                "{case}: {:?}",
                analysis.diagnostics
            );
            outline(&analysis)
        } else {
            assert!(analysis.diagnostics.has_errors(), "{case} has no error");
            let json = diagnostic::to_json(&analysis.diagnostics, &analysis.files);
            format!(
                "{}\n{}\n",
                diagnostic::render(&analysis.diagnostics, &analysis.files, Style::Plain),
                serde_json::to_string_pretty(&json).unwrap()
            )
        };
        insta::assert_snapshot!(snapshot);
    });
}
