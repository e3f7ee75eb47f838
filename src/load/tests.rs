use std::collections::BTreeMap;

use super::*;
use crate::diagnostic::{self, Style};
use crate::ir::{StepKind, Word};
use crate::platform::Platform;
use crate::source::Sources;

/// Files by name as [`Request::name`] gives it: the first is the main Buildfile.
struct Files {
    files: Vec<(&'static str, &'static [u8])>,
    build_args: BTreeMap<String, String>,
    /// The platform built for: conditions on TARGETOS differ per platform.
    platform: Platform,
    /// Every request answered, in order.
    asked: Vec<String>,
}

fn files(files: &[(&'static str, &'static str)]) -> Files {
    Files {
        files: files.iter().map(|&(n, t)| (n, t.as_bytes())).collect(),
        build_args: BTreeMap::new(),
        platform: Platform::linux_amd64(),
        asked: Vec::new(),
    }
}

impl Files {
    fn load(&mut self) -> Loaded {
        let (name, text) = self.files[0];
        let main = SourceFile::new(name, std::str::from_utf8(text).unwrap());
        let amd64 = Platform::linux_amd64();
        let scope = Scope {
            build_args: &self.build_args,
            target_platform: &self.platform,
            build_platform: &amd64,
            target: None,
        };
        let files = &self.files;
        let asked = &mut self.asked;
        load(main, scope, |request| {
            let name = request.name();
            asked.push(name.clone());
            if name.starts_with("image:") {
                return Answer::Unavailable("images cannot be read here".into());
            }
            match files.iter().find(|(n, _)| *n == name) {
                Some((_, text)) => Answer::Found(text.to_vec()),
                None => Answer::NotFound("the test's files".into()),
            }
        })
    }
}

/// Each diagnostic as (code, file, line), and the plain report.
fn problems(loaded: &Loaded) -> (Vec<(&'static str, String, u32)>, String) {
    let json = diagnostic::to_json(&loaded.diagnostics, &loaded.files);
    let list = json
        .into_iter()
        .map(|d| (d.code, d.range.file, d.range.line))
        .collect();
    let text = diagnostic::render(&loaded.diagnostics, &loaded.files, Style::Plain);
    (list, text)
}

fn texts(loaded: &Loaded) -> Vec<Vec<String>> {
    let buildfile = loaded.buildfile.as_ref().expect("a Buildfile");
    buildfile
        .stages
        .iter()
        .map(|stage| {
            let steps = stage.steps.iter().map(|step| step.text.clone());
            std::iter::once(stage.text.clone()).chain(steps).collect()
        })
        .collect()
}

#[test]
fn an_include_splices_its_file_where_it_stands() {
    let mut files = files(&[
        (
            "Buildfile",
            "ARG A=1\nINCLUDE common.bf\nFROM base\nINCLUDE steps.bf\nRUN last\n",
        ),
        ("common.bf", "ARG B=2\nFROM alpine AS base\nRUN in-base\n"),
        ("steps.bf", "RUN one\nRUN two\n"),
    ]);
    let loaded = files.load();
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    assert_eq!(
        texts(&loaded),
        [
            vec!["FROM alpine AS base", "RUN in-base"],
            vec!["FROM base", "RUN one", "RUN two", "RUN last"],
        ]
    );
    let buildfile = loaded.buildfile.as_ref().unwrap();
    let globals: Vec<&str> = buildfile
        .global_args
        .iter()
        .map(|a| a.name.node.as_str())
        .collect();
    assert_eq!(globals, ["A", "B"]);
    // The included nodes point into their own files, with the INCLUDE as origin.
    let base = &buildfile.stages[0];
    assert_eq!(loaded.files.file(base.span.file).unwrap().name, "common.bf");
    let chain = loaded.files.chain(base.span);
    assert_eq!(chain.len(), 1);
    assert_eq!(chain[0].at, Span::new(8, 25));
    let one = &buildfile.stages[1].steps[0];
    assert_eq!(loaded.files.file(one.span.file).unwrap().name, "steps.bf");
    assert_eq!(
        loaded.files.file(one.span.file).unwrap().slice(one.span),
        "RUN one"
    );
}

#[test]
fn paths_are_relative_to_the_including_file_and_each_depth_is_one_round() {
    let mut files = files(&[
        ("Buildfile", "FROM a\nINCLUDE lib/a.bf\nINCLUDE lib/x.bf\n"),
        ("lib/a.bf", "INCLUDE ./sub/../b.bf\nRUN a\n"),
        ("lib/x.bf", "RUN x\n"),
        ("lib/b.bf", "RUN b\n"),
    ]);
    let main = SourceFile::new("Buildfile", std::str::from_utf8(files.files[0].1).unwrap());
    let amd64 = Platform::linux_amd64();
    let scope = Scope {
        build_args: &files.build_args,
        target_platform: &amd64,
        build_platform: &amd64,
        target: None,
    };
    let mut load = Load::new(main, scope);
    let mut rounds = Vec::new();
    loop {
        let wanted = load.wants();
        if wanted.is_empty() {
            break;
        }
        rounds.push(wanted.iter().map(Request::name).collect::<Vec<_>>());
        for request in wanted {
            let name = request.name();
            let text = files.files.iter().find(|(n, _)| *n == name).unwrap().1;
            load.give(request, Answer::Found(text.to_vec()));
        }
    }
    assert_eq!(rounds, [vec!["lib/a.bf", "lib/x.bf"], vec!["lib/b.bf"]]);
    let loaded = load.finish();
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    assert_eq!(texts(&loaded), [vec!["FROM a", "RUN b", "RUN a", "RUN x"]]);
    files.asked.clear();
}

#[test]
fn a_path_expands_with_the_global_args_before_it_even_from_an_included_file() {
    let mut files = files(&[
        (
            "Buildfile",
            "ARG PROFILE=dev\nINCLUDE args.bf\nINCLUDE ci/${PROFILE}-${LEVEL}.bf\nFROM a\n",
        ),
        ("args.bf", "ARG LEVEL=1\n"),
        ("ci/dev-1.bf", "ARG FROM_DEV=yes\n"),
        ("ci/prod-1.bf", "ARG FROM_PROD=yes\n"),
    ]);
    let loaded = files.load();
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    let names = |loaded: &Loaded| -> Vec<String> {
        let buildfile = loaded.buildfile.as_ref().unwrap();
        buildfile
            .global_args
            .iter()
            .map(|a| a.name.node.clone())
            .collect()
    };
    assert_eq!(names(&loaded), ["PROFILE", "LEVEL", "FROM_DEV"]);
    files.build_args.insert("PROFILE".into(), "prod".into());
    assert_eq!(names(&files.load()), ["PROFILE", "LEVEL", "FROM_PROD"]);
}

#[test]
fn a_file_included_twice_is_read_once_and_spliced_twice() {
    let mut files = files(&[
        ("Buildfile", "FROM a\nINCLUDE s.bf\nFROM b\nINCLUDE s.bf\n"),
        ("s.bf", "RUN shared\n"),
    ]);
    let loaded = files.load();
    assert_eq!(files.asked, ["s.bf"]);
    assert_eq!(
        texts(&loaded),
        [vec!["FROM a", "RUN shared"], vec!["FROM b", "RUN shared"]]
    );
    // Two origins: each copy knows which INCLUDE made it.
    let buildfile = loaded.buildfile.as_ref().unwrap();
    let at = |stage: usize| loaded.files.chain(buildfile.stages[stage].steps[0].span)[0].at;
    assert_eq!((at(0).start, at(1).start), (7, 27));
}

#[test]
fn a_named_root_is_read_from_its_top_and_named_with_it() {
    let mut files = files(&[
        ("Buildfile", "FROM a\nINCLUDE --from=shared go/steps.bf\n"),
        ("shared:go/steps.bf", "INCLUDE more.bf\nRUN go build\n"),
        ("shared:go/more.bf", "RUN more\n"),
    ]);
    let loaded = files.load();
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    assert_eq!(files.asked, ["shared:go/steps.bf", "shared:go/more.bf"]);
    assert_eq!(texts(&loaded), [vec!["FROM a", "RUN more", "RUN go build"]]);
}

#[test]
fn a_missing_file_is_located_at_its_include_with_where_it_was_searched() {
    let mut files = files(&[
        ("Buildfile", "FROM a\nINCLUDE lib.bf\n"),
        ("lib.bf", "RUN a\nINCLUDE nothere.bf\n"),
    ]);
    let loaded = files.load();
    let (list, text) = problems(&loaded);
    assert_eq!(
        list,
        [("rustbuild::load::include-not-found", "lib.bf".into(), 2)]
    );
    assert!(
        text.contains("`nothere.bf` is not in the test's files"),
        "{text}"
    );
    assert!(text.contains("--build-context NAME=DIR"), "{text}");
    // The chain: lib.bf came from the Buildfile's INCLUDE on line 2.
    assert!(
        text.contains("in lib.bf") && text.contains("[Buildfile:2:1]"),
        "{text}"
    );
}

#[test]
fn a_cycle_names_its_files() {
    let mut files = files(&[
        ("Buildfile", "FROM a\nINCLUDE a.bf\n"),
        ("a.bf", "INCLUDE b.bf\n"),
        ("b.bf", "RUN b\nINCLUDE a.bf\n"),
    ]);
    let loaded = files.load();
    let (list, text) = problems(&loaded);
    assert_eq!(list, [("rustbuild::load::include-cycle", "b.bf".into(), 2)]);
    assert!(
        text.contains("`a.bf` includes itself: a.bf → b.bf → a.bf"),
        "{text}"
    );
}

#[test]
fn paths_that_leave_their_root_or_say_nothing_are_errors() {
    let cases = [
        ("FROM a\nINCLUDE /etc/x.bf\n", "is absolute"),
        (
            "FROM a\nINCLUDE ../x.bf\n",
            "leaves the directory it is read from",
        ),
        ("FROM a\nINCLUDE sub/../../x.bf\n", "leaves the directory"),
        ("ARG P\nFROM a\nINCLUDE ${P}\n", "the INCLUDE path is empty"),
        (
            "FROM a\nINCLUDE --from=${NONE} x.bf\n",
            "`INCLUDE --from` is empty",
        ),
    ];
    for (main, message) in cases {
        let loaded = files(&[("Buildfile", main)]).load();
        let (list, text) = problems(&loaded);
        assert_eq!(
            list,
            [(
                "rustbuild::load::invalid-include-path",
                "Buildfile".into(),
                3 - u32::from(!main.starts_with("ARG"))
            )],
            "{main}"
        );
        assert!(text.contains(message), "{main}: {text}");
    }
}

#[test]
fn nesting_and_size_have_limits() {
    // 40 files each including the next: the 33rd INCLUDE is one too deep.
    let names: Vec<String> = (0..40).map(|i| format!("f{i}.bf")).collect();
    let texts: Vec<String> = (0..40)
        .map(|i| format!("INCLUDE f{}.bf\n", i + 1))
        .collect();
    let mut all: Vec<(&'static str, &'static str)> = vec![("Buildfile", "FROM a\nINCLUDE f0.bf\n")];
    for (name, text) in names.iter().zip(&texts) {
        all.push((name.clone().leak(), text.clone().leak()));
    }
    let loaded = files(&all).load();
    let (list, _) = problems(&loaded);
    assert_eq!(list, [("rustbuild::load::too-deep", "f31.bf".into(), 1)]);

    // A file of 1,000 RUNs included 101 times brings more than 100,000 instructions: the
    // 101st INCLUDE (line 102) is one too many. What the main file says itself is not counted.
    let runs: &'static str = "RUN x\n".repeat(1000).leak();
    let main: &'static str = format!("FROM a\n{}", "INCLUDE runs.bf\n".repeat(101)).leak();
    let loaded = files(&[("Buildfile", main), ("runs.bf", runs)]).load();
    let (list, _) = problems(&loaded);
    assert_eq!(
        list,
        [("rustbuild::load::too-large", "Buildfile".into(), 102)]
    );
}

#[test]
fn a_from_in_a_file_included_inside_a_stage_is_an_error() {
    let mut files = files(&[
        ("Buildfile", "FROM a\nINCLUDE stage.bf\n"),
        ("stage.bf", "RUN ok\nFROM b\n"),
    ]);
    let (list, text) = problems(&files.load());
    assert_eq!(
        list,
        [(
            "rustbuild::load::stage-in-included-steps",
            "stage.bf".into(),
            2
        )]
    );
    assert!(text.contains("included here"), "{text}");
}

#[test]
fn errors_inside_an_included_file_point_into_it() {
    let mut files = files(&[
        ("Buildfile", "FROM a\nINCLUDE bad.bf\nINCLUDE bad.bf\n"),
        ("bad.bf", "RUN ok\nRUNN typo\n"),
    ]);
    let loaded = files.load();
    let (list, text) = problems(&loaded);
    // Reported once, though included twice: at the first INCLUDE.
    assert_eq!(
        list,
        [("rustbuild::syntax::unknown-instruction", "bad.bf".into(), 2)]
    );
    assert!(
        text.contains("[bad.bf:2:1]") && text.contains("[Buildfile:2:1]"),
        "{text}"
    );
}

#[test]
fn a_file_that_is_not_utf8_is_an_error_at_its_include() {
    let mut files = files(&[("Buildfile", "FROM a\nINCLUDE latin1.bf\n")]);
    files.files.push(("latin1.bf", b"RUN caf\xe9\n"));
    let (list, text) = problems(&files.load());
    assert_eq!(
        list,
        [("rustbuild::syntax::invalid-utf8", "Buildfile".into(), 2)]
    );
    assert!(text.contains("latin1.bf is not UTF-8"), "{text}");
}

#[test]
fn a_root_the_caller_cannot_read_is_a_warning_and_an_incomplete_load() {
    let mut files = files(&[("Buildfile", "FROM a\nINCLUDE --from=image lib.bf\nRUN x\n")]);
    let loaded = files.load();
    assert!(!loaded.complete);
    let (list, text) = problems(&loaded);
    assert_eq!(
        list,
        [(
            "rustbuild::load::include-not-followed",
            "Buildfile".into(),
            2
        )]
    );
    assert!(text.contains("images cannot be read here"), "{text}");
    assert_eq!(texts(&loaded), [vec!["FROM a", "RUN x"]]);
}

#[test]
fn a_file_with_no_include_needs_no_reader() {
    let loaded = files(&[("Buildfile", "FROM a\nRUN x\n")]).load();
    assert!(loaded.complete && loaded.diagnostics.is_empty());
    let direct = syntax::parse(&SourceFile::new("Buildfile", "FROM a\nRUN x\n")).0;
    assert_eq!(loaded.buildfile, direct);
}

#[test]
fn the_include_keyword_is_checked_like_any_instruction() {
    let cases = [
        ("FROM a\nINCLUDE\n", "rustbuild::syntax::missing-argument"),
        (
            "FROM a\nINCLUDE a.bf b.bf\n",
            "rustbuild::syntax::extra-argument",
        ),
        (
            "FROM a\nINCLUDE --form=x a.bf\n",
            "rustbuild::syntax::unknown-flag",
        ),
        (
            "FROM a\nINCLUDE --from= a.bf\n",
            "rustbuild::syntax::invalid-flag-value",
        ),
    ];
    for (main, code) in cases {
        let (list, _) = problems(&files(&[("Buildfile", main), ("a.bf", "")]).load());
        assert_eq!(list, [(code, "Buildfile".into(), 2)], "{main}");
    }
}

const GO_LIB: &str =
    "ARG GO=1.0\nFROM golang:${GO} AS builder\nFROM builder AS tools\nCOPY --from=0 /a /b\n";

#[test]
fn an_import_brings_its_stages_into_a_namespace_that_resolves_its_own_names() {
    let mut files = files(&[
        (
            "Buildfile",
            "IMPORT lib/go.bf AS go GO=1.23\nFROM go+builder AS build\nCOPY --from=go+tools /x /x\nCOPY --from=0 /y /y\n",
        ),
        ("lib/go.bf", GO_LIB),
    ]);
    let loaded = files.load();
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    let buildfile = loaded.buildfile.as_ref().unwrap();
    let names: Vec<&str> = buildfile
        .stages
        .iter()
        .map(|s| s.name.as_ref().unwrap().node.as_str())
        .collect();
    assert_eq!(names, ["go+builder", "go+tools", "build"]);
    assert_eq!(buildfile.imports.len(), 1);
    assert_eq!(buildfile.imports[0].prefix, "go+");
    assert_eq!(buildfile.imports[0].global_args[0].name.node, "GO");
    // Inside the namespace, `builder` and `0` are its own; outside, names are full and
    // numbers count the main file's stages.
    use crate::ir::StageRef::Earlier;
    assert_eq!(buildfile.stage_ref(1, "builder", false), Earlier(0));
    assert_eq!(buildfile.stage_ref(1, "0", true), Earlier(0));
    assert_eq!(buildfile.stage_ref(2, "go+tools", true), Earlier(1));
    assert_eq!(
        buildfile.stage_ref(2, "builder", false),
        crate::ir::StageRef::NotAStage
    );
    assert_eq!(
        buildfile.stage_ref(2, "0", true),
        crate::ir::StageRef::NotYet(2)
    );
}

#[test]
fn an_imported_file_sees_the_import_line_and_not_the_build_arguments() {
    let mut files = files(&[
        (
            "Buildfile",
            "ARG V=2\nIMPORT go.bf AS one GO=1\nIMPORT go.bf AS two GO=${V}\nIMPORT go.bf AS three\nFROM scratch\nCOPY --from=one+builder /a /a\nCOPY --from=two+builder /a /b\nCOPY --from=three+builder /a /c\n",
        ),
        ("go.bf", GO_LIB),
    ]);
    files.build_args.insert("GO".into(), "9".into());
    files.build_args.insert("V".into(), "3".into());
    let loaded = files.load();
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    assert_eq!(files.asked, ["go.bf"], "read once");
    let buildfile = loaded.buildfile.unwrap();
    let opts = crate::lower::LowerOptions {
        build_args: files.build_args.clone(),
        ..Default::default()
    };
    let images: Vec<String> = crate::lower::images(&buildfile, &opts)
        .unwrap()
        .into_iter()
        .map(|request| request.reference)
        .collect();
    // GO=9 does not reach in; V=3 does, through the IMPORT line; `three` keeps the default.
    assert_eq!(
        images,
        [
            "docker.io/library/golang:1",
            "docker.io/library/golang:3",
            "docker.io/library/golang:1.0"
        ]
    );
}

#[test]
fn import_mistakes_are_located() {
    let cases: &[(&str, &str, u32)] = &[
        (
            "FROM a\nIMPORT go.bf AS go\n",
            "rustbuild::load::import-in-stage",
            2,
        ),
        (
            "IMPORT go.bf AS go\nIMPORT go.bf AS go\nFROM a\n",
            "rustbuild::load::duplicate-namespace",
            2,
        ),
        (
            "IMPORT go.bf AS go G0=1\nFROM a\n",
            "rustbuild::load::unknown-import-arg",
            1,
        ),
        (
            "IMPORT none.bf AS go\nFROM a\n",
            "rustbuild::load::nothing-to-import",
            1,
        ),
        (
            "IMPORT go.bf AS a+b\nFROM a\n",
            "rustbuild::syntax::invalid-stage-name",
            1,
        ),
        (
            "IMPORT go.bf go\nFROM a\n",
            "rustbuild::syntax::missing-argument",
            1,
        ),
        (
            "IMPORT go.bf AS go G0\nFROM a\n",
            "rustbuild::syntax::invalid-key-value",
            1,
        ),
    ];
    for &(main, code, line) in cases {
        let mut files = files(&[
            ("Buildfile", main),
            ("go.bf", GO_LIB),
            ("none.bf", "ARG X\n"),
        ]);
        let (list, text) = problems(&files.load());
        assert_eq!(list, [(code, "Buildfile".into(), line)], "{main}\n{text}");
    }
    let mut files = files(&[
        ("Buildfile", "IMPORT go.bf AS go G0=1\nFROM a\n"),
        ("go.bf", GO_LIB),
    ]);
    let (_, text) = problems(&files.load());
    assert!(text.contains("did you mean `GO`?"), "{text}");
}

#[test]
fn check_resolves_an_imported_files_references_in_its_namespace() {
    let mut files = files(&[
        ("Buildfile", "IMPORT lib.bf AS lib\nFROM lib+a\n"),
        (
            "lib.bf",
            "FROM scratch AS a\nCOPY --from=b /x /x\nFROM scratch AS b\n",
        ),
    ]);
    let analysis = crate::analyze_loaded(files.load(), crate::lint::Inputs::default());
    let json = diagnostic::to_json(&analysis.diagnostics, &analysis.files);
    let found: Vec<_> = json
        .iter()
        .map(|d| (d.code, d.range.file.as_str(), d.range.line))
        .collect();
    assert_eq!(found, [("rustbuild::check::stage-cycle", "lib.bf", 2)]);
}

// ---- The expansion's limits and rounds: FOR, CALL, IF and their bindings. ----

/// The codes of the diagnostics, in order.
fn codes(loaded: &Loaded) -> Vec<Code> {
    loaded.diagnostics.iter().map(|d| d.code).collect()
}

/// `n` words `v0 v1 …`, for a FOR list.
fn words(n: usize) -> String {
    (0..n)
        .map(|i| format!("v{i}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A file that is one stage holding `levels` nested FORs of `values` each around `body`.
fn for_bomb(levels: usize, values: usize, body: &str) -> &'static str {
    let list = words(values);
    let mut text = String::from("FROM a\n");
    for level in 0..levels {
        text.push_str(&format!("FOR V{level} IN {list}\n"));
    }
    text.push_str(body);
    text.push_str(&"END\n".repeat(levels));
    text.leak()
}

/// Loads a file that must stop at the limit on expansion: one too-large error, quickly.
fn assert_too_large(main: &'static str) {
    // No clock: a test that does not stop at the limit hangs, which is as plain; a bound
    // on time would fail under a busy machine.
    let loaded = files(&[("Buildfile", main)]).load();
    assert_eq!(codes(&loaded), [Code::TooLarge], "{:?}", loaded.diagnostics);
    let message = &loaded.diagnostics.iter().next().unwrap().message;
    assert!(
        message.contains("more than 100000 instructions"),
        "{message}"
    );
}

#[test]
fn nested_fors_whose_product_is_huge_stop_once_at_the_limit() {
    // 1000^4 iterations if nothing stopped them; empty bodies count too.
    assert_too_large(for_bomb(4, 1000, ""));
    assert_too_large(for_bomb(4, 1000, "RUN echo $V0 $V1 $V2 $V3\n"));
}

#[test]
fn a_long_for_with_an_empty_body_is_stopped_by_its_iterations() {
    assert_too_large(for_bomb(1, 200_000, ""));
    // Under the limit, the same loop is fine: iterations alone are not an error.
    let loaded = files(&[("Buildfile", for_bomb(1, 1000, ""))]).load();
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
}

#[test]
fn a_call_chain_deeper_than_the_limit_is_too_deep() {
    // f0 calls f1 … calls f40, f40 runs: no recursion, only depth.
    let mut text = String::new();
    for i in 0..40 {
        text.push_str(&format!("FUNCTION f{i}\nCALL f{}\nEND\n", i + 1));
    }
    text.push_str("FUNCTION f40\nRUN deep\nEND\nFROM a\nCALL f0\n");
    let loaded = files(&[("Buildfile", text.leak())]).load();
    assert_eq!(codes(&loaded), [Code::TooDeep], "{:?}", loaded.diagnostics);
    let diagnostic = loaded.diagnostics.iter().next().unwrap();
    assert_eq!(diagnostic.message, "CALLs nest more than 32 deep");
    // The 33rd CALL is the one too many: `CALL f32`, in the body of f31 (line 3·31 + 2).
    let (list, _) = problems(&loaded);
    assert_eq!(
        list,
        [("rustbuild::load::too-deep", "Buildfile".into(), 95)]
    );
}

#[test]
fn a_chain_of_32_calls_is_fine() {
    let mut text = String::new();
    for i in 0..31 {
        text.push_str(&format!("FUNCTION f{i}\nCALL f{}\nEND\n", i + 1));
    }
    text.push_str("FUNCTION f31\nRUN deep\nEND\nFROM a\nCALL f0\n");
    let loaded = files(&[("Buildfile", text.leak())]).load();
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    assert_eq!(texts(&loaded), [vec!["FROM a", "RUN deep"]]);
}

#[test]
fn recursion_direct_or_not_names_its_chain() {
    let cases = [
        (
            "FUNCTION f\nRUN f\nCALL f\nEND\nFROM a\nCALL f\n",
            "the FUNCTION `f` calls itself: f → f",
        ),
        (
            "FUNCTION a\nCALL b\nEND\nFUNCTION b\nCALL c\nEND\nFUNCTION c\nCALL a\nEND\nFROM x\nCALL a\n",
            "the FUNCTION `a` calls itself: a → b → c → a",
        ),
    ];
    for (main, message) in cases {
        let loaded = files(&[("Buildfile", main)]).load();
        assert_eq!(codes(&loaded), [Code::RecursiveCall], "{main}");
        let diagnostic = loaded.diagnostics.iter().next().unwrap();
        assert_eq!(diagnostic.message, message);
    }
}

#[test]
fn blocks_nested_past_the_limit_are_too_deep_in_syntax() {
    for depth in [65, 200, 5000] {
        let text = format!(
            "FROM a\n{}RUN x\n{}",
            "IF 1\n".repeat(depth),
            "END\n".repeat(depth)
        );
        let loaded = files(&[("Buildfile", text.leak())]).load();
        let codes = codes(&loaded);
        assert!(codes.contains(&Code::TooDeep), "{depth}: {codes:?}");
        let diagnostic = loaded
            .diagnostics
            .iter()
            .find(|d| d.code == Code::TooDeep)
            .unwrap();
        assert_eq!(diagnostic.message, "blocks nest more than 64 deep");
        assert!(loaded.buildfile.is_none() || loaded.diagnostics.has_errors());
    }
    // 64 deep is allowed.
    let text = format!(
        "FROM a\n{}RUN x\n{}",
        "IF 1\n".repeat(64),
        "END\n".repeat(64)
    );
    let loaded = files(&[("Buildfile", text.leak())]).load();
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    assert_eq!(texts(&loaded), [vec!["FROM a", "RUN x"]]);
}

/// Loads `main` round by round, answering `exists()` from `present`: the rounds asked, and
/// the load.
fn rounds(main: &'static str, present: &[&str]) -> (Vec<Vec<Request>>, Loaded) {
    let amd64 = Platform::linux_amd64();
    let scope = Scope::alone(&amd64);
    let mut load = Load::new(SourceFile::new("Buildfile", main), scope);
    let mut rounds = Vec::new();
    loop {
        let wanted = load.wants();
        if wanted.is_empty() {
            return (rounds, load.finish());
        }
        rounds.push(wanted.clone());
        for request in wanted {
            let answer = match present.contains(&request.path.as_str()) {
                true => Answer::Found(Vec::new()),
                false => Answer::NotFound("the test's context".into()),
            };
            load.give(request, answer);
        }
    }
}

fn context(path: &str) -> Request {
    Request {
        root: Root::Context,
        path: path.to_owned(),
    }
}

#[test]
fn both_sides_of_an_and_are_asked_in_one_round() {
    let main = "FROM a\nIF exists(\"a\") && exists(\"b\")\nRUN both\nELSE\nRUN not\nEND\n";
    let (asked, loaded) = rounds(main, &["a", "b"]);
    assert_eq!(asked, [vec![context("a"), context("b")]]);
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    assert_eq!(texts(&loaded), [vec!["FROM a", "RUN both"]]);
    let (asked, loaded) = rounds(main, &["a"]);
    assert_eq!(asked, [vec![context("a"), context("b")]]);
    assert_eq!(texts(&loaded), [vec!["FROM a", "RUN not"]]);
}

#[test]
fn an_or_whose_left_side_holds_does_not_need_its_right_side() {
    // Both are asked in the first round, as x is not known yet; y's answer never matters
    // once x exists, and whatever it is the branch is taken.
    let main = "FROM a\nIF exists(\"x\") || exists(\"y\")\nRUN either\nEND\n";
    for present in [&["x"][..], &["x", "y"]] {
        let (asked, loaded) = rounds(main, present);
        assert_eq!(asked.len(), 1, "{asked:?}");
        assert_eq!(asked[0][0], context("x"));
        assert!(asked[0].iter().all(|r| r.root == Root::Context));
        assert_eq!(texts(&loaded), [vec!["FROM a", "RUN either"]]);
    }
    // Once x is known to exist, a later round does not ask for y.
    let main =
        "FROM a\nIF exists(\"x\")\nIF exists(\"x\") || exists(\"y\")\nRUN either\nEND\nEND\n";
    let (asked, loaded) = rounds(main, &["x"]);
    assert_eq!(asked, [vec![context("x")]]);
    assert_eq!(texts(&loaded), [vec!["FROM a", "RUN either"]]);
}

#[test]
fn an_if_in_a_function_body_is_asked_for_too() {
    // The CALL comes before the FUNCTION: bodies are walked at the end of the file's walk,
    // in the collecting rounds as well.
    let main = "FROM a\nCALL f\nFUNCTION f\nIF exists(\"conf\")\nCOPY conf /conf\nEND\nEND\n";
    let (asked, loaded) = rounds(main, &["conf"]);
    assert_eq!(asked, [vec![context("conf")]]);
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    assert_eq!(texts(&loaded), [vec!["FROM a", "COPY conf /conf"]]);
    let (_, loaded) = rounds(main, &[]);
    assert_eq!(texts(&loaded), [vec!["FROM a"]]);
}

/// The steps of the only stage.
fn steps(loaded: &Loaded) -> &[crate::ir::Step] {
    &loaded.buildfile.as_ref().expect("a Buildfile").stages[0].steps
}

#[test]
fn a_parameter_is_bound_for_its_body_only() {
    let main = "FUNCTION f P\nRUN echo $P\nEND\nFROM a\nCALL f P=1\nRUN after\n";
    let loaded = files(&[("Buildfile", main)]).load();
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    assert_eq!(
        texts(&loaded),
        [vec![
            "FROM a",
            "ARG --bind P=1",
            "RUN echo $P",
            "ARG --unset P",
            "RUN after"
        ]]
    );
    let steps = steps(&loaded);
    let StepKind::Bind(decls) = &steps[0].kind else {
        panic!("{:?}", steps[0].kind);
    };
    assert_eq!(decls[0].name.node, "P");
    assert_eq!(
        decls[0].default.as_ref().and_then(Word::as_literal),
        Some("1".into())
    );
    let StepKind::Unset(names) = &steps[2].kind else {
        panic!("{:?}", steps[2].kind);
    };
    assert_eq!(names[0].node, "P");
}

#[test]
fn a_stage_arg_a_parameter_hides_is_declared_again_after_the_body() {
    let main = "FUNCTION f P\nRUN echo $P\nEND\nFROM a\nARG P=outer\nCALL f P=1\nRUN echo $P\n";
    let loaded = files(&[("Buildfile", main)]).load();
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    let steps = steps(&loaded);
    let kinds: Vec<&str> = steps.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "ARG P=outer",
            "ARG --bind P=1",
            "RUN echo $P",
            "ARG P",
            "RUN echo $P"
        ]
    );
    // The declaration again is the stage's own, with its default.
    let StepKind::Arg(decls) = &steps[3].kind else {
        panic!("{:?}", steps[3].kind);
    };
    assert_eq!(
        decls[0].default.as_ref().and_then(Word::as_literal),
        Some("outer".into())
    );
}

#[test]
fn nested_fors_keep_the_outer_variable_bound() {
    let main = "FROM a\nFOR A IN 1 2\nFOR B IN x\nRUN $A$B\nEND\nRUN a=$A\nEND\nRUN end\n";
    let loaded = files(&[("Buildfile", main)]).load();
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    assert_eq!(
        texts(&loaded),
        [vec![
            "FROM a",
            "ARG --bind A=1 B=x",
            "RUN $A$B",
            "ARG --unset B",
            "RUN a=$A",
            "ARG --unset A",
            "ARG --bind A=2 B=x",
            "RUN $A$B",
            "ARG --unset B",
            "RUN a=$A",
            "ARG --unset A",
            "RUN end",
        ]]
    );
    // The inner condition sees both, the outer body after the inner END still sees A.
    let main = "FROM a\nFOR A IN 1\nFOR B IN 2\nIF $A == 1 && $B == 2\nRUN both\nEND\nEND\nIF $A == 1\nRUN still\nEND\nEND\n";
    let loaded = files(&[("Buildfile", main)]).load();
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    let texts = texts(&loaded);
    assert!(texts[0].contains(&"RUN both".to_owned()), "{texts:?}");
    assert!(texts[0].contains(&"RUN still".to_owned()), "{texts:?}");
}

#[test]
fn each_platform_takes_its_own_branch_and_says_it_decided() {
    let main = "FROM a\nIF $TARGETOS == \"windows\"\nRUN win\nELSE\nRUN other\nEND\n";
    let mut files = files(&[("Buildfile", main)]);
    let loaded = files.load();
    assert!(loaded.decided);
    assert_eq!(texts(&loaded), [vec!["FROM a", "RUN other"]]);
    files.platform = Platform::new("windows", "amd64");
    let loaded = files.load();
    assert!(loaded.decided);
    assert_eq!(texts(&loaded), [vec!["FROM a", "RUN win"]]);
    let plain = self::files(&[("Buildfile", "FROM a\nRUN x\n")]).load();
    assert!(!plain.decided);
}

#[test]
fn an_else_followed_by_a_character_of_several_bytes_is_not_a_panic() {
    // Found by the fuzz test: `ELSE` looked at the first two bytes of what follows it.
    let main = "FROM a\nIF 1\nRUN x\nELSE I\u{feff}F 1\nEND\n";
    let loaded = files(&[("Buildfile", main)]).load();
    let (list, _) = problems(&loaded);
    assert_eq!(
        list,
        [("rustbuild::syntax::extra-argument", "Buildfile".into(), 4)]
    );
}

/// Functions `f0` (empty, or `body`) to `f{levels}`, each calling the one below `fanout`
/// times, and a stage calling the top one: `fanout^levels` CALLs if nothing stopped them.
fn call_bomb(levels: usize, fanout: usize, body: &str) -> &'static str {
    let mut text = format!("FUNCTION f0\n{body}END\n");
    for level in 1..=levels {
        let calls = format!("CALL f{}\n", level - 1).repeat(fanout);
        text.push_str(&format!("FUNCTION f{level}\n{calls}END\n"));
    }
    text.push_str(&format!("FROM a\nCALL f{levels}\n"));
    text.leak()
}

#[test]
fn calls_of_empty_functions_count_towards_the_limit() {
    // 10^8 CALLs of an empty body: each CALL counts, as each FOR iteration does.
    assert_too_large(call_bomb(8, 10, ""));
}

#[test]
fn includes_of_empty_files_count_towards_the_limit() {
    // f0.bf is empty; each f{n}.bf includes the one below 10 times: 10^8 INCLUDEs.
    let mut all: Vec<(&'static str, &'static str)> = vec![("Buildfile", "FROM a\nINCLUDE f8.bf\n")];
    all.push(("f0.bf", ""));
    for level in 1..=8 {
        let name: &'static str = format!("f{level}.bf").leak();
        let text = format!("INCLUDE f{}.bf\n", level - 1).repeat(10).leak();
        all.push((name, text));
    }
    let loaded = files(&all).load();
    assert_eq!(codes(&loaded), [Code::TooLarge], "{:?}", loaded.diagnostics);
}
