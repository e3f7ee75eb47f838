//! LLB snapshots: every example and every `tests/corpus/lower` file, lowered offline for
//! linux/amd64 and windows/amd64, in the readable form of `rustbuild::llb::definition_text`
//! followed by the image config. Files that do not lower show their diagnostics.

use std::path::Path;

use prost::Message;
use rustbuild::diagnostic::{Style, render};
use rustbuild::lower::{self, LowerOptions, Lowered, ResolvedImages};
use rustbuild::platform::Platform;
use rustbuild::source::SourceFile;

fn load(path: &Path) -> SourceFile {
    let text = std::fs::read_to_string(path).unwrap();
    SourceFile::new("Buildfile", text)
}

fn options(platform: &str) -> LowerOptions {
    LowerOptions {
        target_platform: Platform::parse(platform).unwrap(),
        session_id: "SESSION".into(),
        context_excludes: vec!["*.tmp".into()],
        build_args: [("SOURCE_DATE_EPOCH".to_string(), "1700000000".to_string())].into(),
        source_date_epoch: Some(1_700_000_000),
        ..LowerOptions::default()
    }
}

fn lowered(file: &SourceFile, opts: &LowerOptions) -> Result<Lowered, String> {
    // Loaded for the platform lowered for: an IF may read it.
    let alone = |_: &rustbuild::load::Request| rustbuild::load::Answer::NotFound(String::new());
    let loaded = rustbuild::load::load(file.clone(), opts.scope(), alone);
    let analysis = rustbuild::analyze_loaded(loaded, rustbuild::lint::Inputs::default());
    let Some(buildfile) = analysis.buildfile else {
        return Err(render(&analysis.diagnostics, file, Style::Plain));
    };
    lower::lower(file, &buildfile, &ResolvedImages::new(), opts)
        .map_err(|d| render(&d, file, Style::Plain))
}

/// An example, read with the files it includes, lowered.
fn example(path: &Path, opts: &LowerOptions) -> Result<Lowered, String> {
    let analysis = super::disk::analyze(path, opts.scope());
    let Some(buildfile) = analysis.buildfile else {
        return Err(render(&analysis.diagnostics, &analysis.files, Style::Plain));
    };
    lower::lower(&analysis.files, &buildfile, &ResolvedImages::new(), opts)
        .map_err(|d| render(&d, &analysis.files, Style::Plain))
}

fn snapshot_text(file: &SourceFile, platform: &str) -> String {
    snapshot_of(lowered(file, &options(platform)))
}

fn snapshot_of(lowered: Result<Lowered, String>) -> String {
    match lowered {
        Ok(lowered) => format!(
            "{}\n--- platform {}\n--- image config\n{}\n",
            rustbuild::llb::definition_text(&lowered.definition),
            lowered.platform.id(),
            serde_json::to_string_pretty(&lowered.image_config).unwrap()
        ),
        Err(diagnostics) => format!("--- diagnostics\n{diagnostics}"),
    }
}

#[test]
fn examples_lower_for_linux_and_windows() {
    insta::glob!("../../examples", "*/Buildfile", |path| {
        let linux = snapshot_of(example(path, &options("linux/amd64")));
        insta::assert_snapshot!("linux", linux);
        let windows = snapshot_of(example(path, &options("windows/amd64")));
        insta::assert_snapshot!("windows", windows);
    });
}

#[test]
fn corpus_lowers_for_linux_and_windows() {
    insta::glob!("../corpus/lower", "*.Buildfile", |path| {
        let file = load(path);
        insta::assert_snapshot!("linux", snapshot_text(&file, "linux/amd64"));
        insta::assert_snapshot!("windows", snapshot_text(&file, "windows/amd64"));
    });
}

#[test]
fn lowering_twice_gives_identical_bytes() {
    insta::glob!("../../examples", "*/Buildfile", |path| {
        let a = example(path, &options("linux/amd64")).unwrap();
        let b = example(path, &options("linux/amd64")).unwrap();
        assert_eq!(a.definition.encode_to_vec(), b.definition.encode_to_vec());
        assert_eq!(a.image_config.to_json(), b.image_config.to_json());
    });
}

#[test]
fn every_op_has_metadata_and_every_instruction_op_a_location() {
    insta::glob!("../../examples", "*/Buildfile", |path| {
        let file = load(path);
        let def = example(path, &options("linux/amd64")).unwrap().definition;
        let source = def.source.as_ref().unwrap();
        assert_eq!(source.infos[0].data, file.text.as_bytes());
        for bytes in &def.def {
            let digest = rustbuild::llb::digest_of(bytes);
            let meta = def.metadata.get(&digest).expect("metadata for every op");
            let name = meta.description.get("llb.customname");
            if name.is_some_and(|n| n.starts_with('[') && !n.starts_with("[internal]")) {
                let locations = &source.locations[&digest].locations;
                let range = &locations[0].ranges[0];
                assert!(
                    range.start.unwrap().line >= 1
                        && range.end.unwrap().line >= range.start.unwrap().line
                );
            }
        }
    });
}

/// Continuation lines are joined as the parser joins them, empty and comment lines left
/// out, so the progress name is dockerfile.v0's: `RUN echo a   b`, not `RUN echo a`.
#[test]
fn progress_names_join_continuations_as_the_parser_does() {
    let file = SourceFile::new(
        "Buildfile",
        "FROM scratch\nRUN echo a \\\n\n# a comment\n  b\n",
    );
    let def = lowered(&file, &options("linux/amd64")).unwrap().definition;
    let names: Vec<&String> = def
        .metadata
        .values()
        .filter_map(|m| m.description.get("llb.customname"))
        .collect();
    assert!(
        names.iter().any(|n| *n == "[1/1] RUN echo a   b"),
        "{names:?}"
    );
}

#[test]
fn the_written_definition_is_the_encoded_one() {
    // `rustbuild llb` writes the Definition from the graph without building it: the bytes
    // must be those of the `pb::Definition` the gateway sends.
    let check = |path: &Path| {
        let file = load(path);
        let analysis = rustbuild::analyze(&file);
        let Some(buildfile) = analysis.buildfile else {
            return;
        };
        for platform in ["linux/amd64", "windows/amd64"] {
            for no_cache in [lower::NoCache::None, lower::NoCache::All] {
                let opts = LowerOptions {
                    no_cache,
                    ..options(platform)
                };
                let images = ResolvedImages::new();
                let Ok(lowered) = lower::lower(&file, &buildfile, &images, &opts) else {
                    continue;
                };
                let mut written = Vec::new();
                lower::lower_graph(&file, &buildfile, &images, &opts)
                    .unwrap()
                    .write_definition(&mut written)
                    .unwrap();
                assert_eq!(
                    written,
                    lowered.definition.encode_to_vec(),
                    "{path:?} {platform}"
                );
            }
        }
    };
    insta::glob!("../../examples", "*/Buildfile", check);
    insta::glob!("../corpus/lower", "*.Buildfile", check);
}
