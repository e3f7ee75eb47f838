//! A Buildfile on disk read with the files it includes, from its own directory (which is
//! also the build context `exists()` looks in): how the examples are read.

use std::path::Path;

use rustbuild::load::{Answer, Root};
use rustbuild::source::SourceFile;
use rustbuild::vars::Scope;

pub(crate) fn analyze(path: &Path, scope: Scope<'_>) -> rustbuild::Analysis {
    let dir = path.parent().unwrap();
    let bytes = std::fs::read(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let file: SourceFile = rustbuild::syntax::decode(&name, &bytes).unwrap();
    let loaded = rustbuild::load::load(file, scope, |request| {
        let (Root::Main | Root::Context) = request.root else {
            return Answer::Unavailable("no named contexts here".into());
        };
        let found = dir.join(&request.path);
        match (&request.root, std::fs::read(&found)) {
            (Root::Context, _) if found.exists() => Answer::Found(Vec::new()),
            (Root::Main, Ok(bytes)) => Answer::Found(bytes),
            _ => Answer::NotFound(dir.display().to_string()),
        }
    });
    rustbuild::analyze_loaded(loaded, rustbuild::lint::Inputs::default())
}
