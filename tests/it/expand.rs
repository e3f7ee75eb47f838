//! `rustbuild expand`'s promise: the flat Buildfile lowers to the same ops and image config
//! as the Buildfile it came from (only source locations differ), for every example and
//! corpus build, on Linux and Windows; and printing it again changes nothing.

use std::path::{Path, PathBuf};

use prost::Message;
use rustbuild::diagnostic::{Style, render};
use rustbuild::lower::{self, LowerOptions, ResolvedImages};
use rustbuild::platform::Platform;
use rustbuild::source::SourceFile;

use super::load_corpus::analyze_for;

fn options(platform: &str) -> LowerOptions {
    LowerOptions {
        target_platform: Platform::parse(platform).unwrap(),
        ..LowerOptions::default()
    }
}

/// The ops and the image config, or the diagnostics.
fn lowered(
    analysis: &rustbuild::Analysis,
    opts: &LowerOptions,
) -> Result<(Vec<Vec<u8>>, String), String> {
    let Some(buildfile) = &analysis.buildfile else {
        return Err(render(&analysis.diagnostics, &analysis.files, Style::Plain));
    };
    let lowered = lower::lower(&analysis.files, buildfile, &ResolvedImages::new(), opts)
        .map_err(|d| render(&d, &analysis.files, Style::Plain))?;
    let ops = lowered.definition.def.clone();
    assert!(!lowered.definition.encode_to_vec().is_empty());
    Ok((
        ops,
        String::from_utf8_lossy(&lowered.image_config.to_json()).into_owned(),
    ))
}

fn flat(analysis: &rustbuild::Analysis, opts: &LowerOptions) -> Result<String, String> {
    let buildfile = analysis.buildfile.as_ref().unwrap();
    rustbuild::print::flat(buildfile, &analysis.files, opts.scope())
}

/// Every build to check: (a name, the folder of its files or the file itself).
fn builds() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in ["examples", "tests/corpus/load"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.join("Buildfile").exists() && !name.starts_with("err-") {
                out.push(path);
            }
        }
    }
    for dir in ["tests/corpus/lower", "tests/corpus/syntax/ok"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            out.push(entry.unwrap().path());
        }
    }
    out.sort();
    out
}

fn analysis(path: &Path, opts: &LowerOptions) -> rustbuild::Analysis {
    if path.is_dir() {
        return analyze_for(path, opts.scope());
    }
    let file = SourceFile::new("Buildfile", std::fs::read_to_string(path).unwrap());
    let alone = |_: &rustbuild::load::Request| rustbuild::load::Answer::NotFound(String::new());
    rustbuild::analyze_loaded(
        rustbuild::load::load(file, opts.scope(), alone),
        rustbuild::lint::Inputs::default(),
    )
}

#[test]
fn the_flat_buildfile_lowers_to_the_same_ops() {
    let mut checked = 0;
    for path in builds() {
        for platform in ["linux/amd64", "windows/amd64"] {
            checked += usize::from(holds(&path, platform, &options(platform)));
        }
    }
    assert!(checked > 20, "only {checked} builds checked");
}

/// Build arguments named as the imported files' ARGs reach only the main file: the
/// flat file's bound values keep them out too.
#[test]
fn build_args_do_not_reach_imported_stages_in_the_flat_file() {
    let mut checked = 0;
    for path in builds()
        .iter()
        .filter(|p| p.ends_with("ok-import") || p.ends_with("ok-import-flat"))
    {
        for platform in ["linux/amd64", "windows/amd64"] {
            let mut opts = options(platform);
            for name in ["GO", "V", "X", "IMG", "TARGETOS"] {
                opts.build_args.insert(name.to_owned(), "cli".to_owned());
            }
            checked += usize::from(holds(path, platform, &opts));
        }
    }
    assert_eq!(checked, 4);
}

/// Whether the build at `path` lowers for `opts` (false: not checked), and if so, panics
/// unless its flat file lowers the same.
fn holds(path: &Path, platform: &str, opts: &LowerOptions) -> bool {
    let original = analysis(path, opts);
    let Ok(expected) = lowered(&original, opts) else {
        return false;
    };
    let text = match flat(&original, opts) {
        Ok(text) => text,
        // The one build that mixes escape characters on purpose.
        Err(e) if e.contains("escape character") && path.ends_with("ok-include") => {
            return false;
        }
        Err(e) => panic!("{}: {e}", path.display()),
    };
    let file = SourceFile::new("Buildfile", text.clone());
    let alone = |_: &rustbuild::load::Request| rustbuild::load::Answer::NotFound(String::new());
    let again = rustbuild::analyze_loaded(
        rustbuild::load::load(file, opts.scope(), alone),
        rustbuild::lint::Inputs::default(),
    );
    let got = lowered(&again, opts).unwrap_or_else(|e| {
        panic!(
            "{} for {platform}: the flat file fails:\n{e}\n{text}",
            path.display()
        )
    });
    assert!(
        expected.0 == got.0,
        "{} for {platform}: other ops from\n{text}",
        path.display()
    );
    assert_eq!(
        expected.1,
        got.1,
        "{} for {platform}: another image config from\n{text}",
        path.display()
    );
    assert_eq!(
        flat(&again, opts).unwrap(),
        text,
        "{} for {platform}: printing is not stable",
        path.display()
    );
    true
}
