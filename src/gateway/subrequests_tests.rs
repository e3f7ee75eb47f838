use super::*;
use crate::diagnostic::{Code, Diagnostic};
use crate::ir;
use crate::source::SourceFile;

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
        Diagnostic::warning(
            Code::Lint(crate::lint::Rule::LegacyKeyValueFormat),
            "use `ENV a=b`",
        )
        .with_label(Span::new(7, 14), "")
        .with_help("write key=value"),
        Diagnostic::error(Code::UnknownInstruction, "unknown instruction `RUNN`")
            .with_label(Span::new(15, 19), ""),
    ]);
    let answer = lint(&file, &diagnostics);
    let body = json(&answer);
    assert_eq!(answer["result.statuscode"], b"1");
    assert_eq!(body["warnings"][0]["ruleName"], "LegacyKeyValueFormat");
    assert_eq!(
        body["warnings"][0]["url"],
        "https://docs.docker.com/go/dockerfile/rule/legacy-key-value-format/"
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
    let diagnostics = Diagnostics(vec![Diagnostic::warning(
        Code::Lint(crate::lint::Rule::LegacyKeyValueFormat),
        "somewhere",
    )]);
    let body = json(&lint(&file, &diagnostics));
    assert_eq!(body["warnings"][0]["location"]["sourceIndex"], -1);
}

const MULTI: &str = "\
ARG BASE=local/busybox

# Compiles things.
FROM ${BASE} AS build
ARG VERSION=1.0
RUN --mount=type=secret,id=token,required=true --mount=type=ssh --mount=type=secret,target=/run/secrets/npmrc true

FROM build AS test
ARG ONLY_TEST
RUN true

FROM scratch AS unused
ARG UNUSED

# The final image.
FROM local/busybox
COPY --from=build / /x
";

fn parsed(text: &str) -> (SourceFile, ir::Buildfile) {
    let file = SourceFile::new("Buildfile", text);
    let analysis = crate::analyze(&file);
    let buildfile = analysis
        .buildfile
        .unwrap_or_else(|| panic!("{:?}", analysis.diagnostics));
    (file, buildfile)
}

#[test]
fn targets_lists_named_stages_and_the_default() {
    let (file, buildfile) = parsed(MULTI);
    let body = json(&targets(&file, &buildfile));
    let names: Vec<&str> = body["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["build", "test", "unused", ""]);
    assert_eq!(body["targets"][0]["description"], "Compiles things.");
    assert_eq!(body["targets"][0]["base"], "${BASE}");
    assert_eq!(
        body["targets"][0]["location"]["ranges"][0]["start"]["line"],
        4
    );
    assert_eq!(body["targets"][3]["default"], true);
    assert!(body["targets"][0].get("default").is_none());
}

#[test]
fn outline_follows_the_stages_the_target_needs() {
    let (file, buildfile) = parsed(MULTI);
    let body = json(&outline(&file, &buildfile, &target(None)).unwrap());
    let args: Vec<&str> = body["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(args, ["BASE", "VERSION"], "not ONLY_TEST nor UNUSED");
    assert_eq!(body["args"][0]["value"], "local/busybox");
    assert_eq!(body["description"], "The final image.");
    let secrets: Vec<&str> = body["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(secrets, ["token", "npmrc"]);
    assert_eq!(body["secrets"][0]["required"], true);
    assert_eq!(body["ssh"][0]["name"], "default");

    let test = json(&outline(&file, &buildfile, &target(Some("test"))).unwrap());
    assert_eq!(test["name"], "test");
    assert!(
        test["args"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["name"] == "ONLY_TEST")
    );
}

#[test]
fn outline_of_an_unknown_target_is_an_error() {
    let (file, buildfile) = parsed(MULTI);
    let err = outline(&file, &buildfile, &target(Some("nope"))).unwrap_err();
    let first = err.iter().next().unwrap();
    assert_eq!(first.code, crate::diagnostic::Code::UnknownTarget);
    assert!(first.message.contains("`nope`"), "{}", first.message);
}

fn target(name: Option<&str>) -> LowerOptions {
    LowerOptions {
        target: name.map(str::to_string),
        ..LowerOptions::default()
    }
}

/// The outline follows the stages lowering would build: a `--from` with a variable is
/// expanded (with the build args) like any other, and a secret is named by its `source`.
#[test]
fn outline_expands_from_and_names_secrets_by_source() {
    let text = "ARG FROM_STAGE=tools
FROM local/busybox AS tools
ARG TOOLS_ONLY
RUN --mount=type=secret,source=npmrc,target=/root/.npmrc true
FROM local/busybox AS other
ARG OTHER_ONLY
FROM scratch
COPY --from=${FROM_STAGE} / /
";
    // The Buildfile is loaded for the build's arguments: `--from` is decided then.
    let names = |opts: &LowerOptions| {
        let file = SourceFile::new("Buildfile", text);
        let alone = |_: &crate::load::Request| crate::load::Answer::NotFound(String::new());
        let loaded = crate::load::load(file.clone(), opts.scope(), alone);
        let buildfile = crate::analyze_loaded(loaded, crate::lint::Inputs::default())
            .buildfile
            .unwrap();
        let body = json(&outline(&file, &buildfile, opts).unwrap());
        let args: Vec<String> = body["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap().to_string())
            .collect();
        (args, body["secrets"][0]["name"].clone())
    };
    let (args, secret) = names(&target(None));
    assert_eq!(args, ["FROM_STAGE", "TOOLS_ONLY"]);
    assert_eq!(secret, "npmrc");
    let other = LowerOptions {
        build_args: BTreeMap::from([("FROM_STAGE".to_string(), "other".to_string())]),
        ..LowerOptions::default()
    };
    assert_eq!(names(&other).0, ["FROM_STAGE", "OTHER_ONLY"]);
}

#[test]
fn a_comment_starting_with_the_stage_name_describes_it_as_in_dockerfile() {
    let text = "# Builds things.\n# build compiles the program\nFROM a AS build\n\
                # plain words above FROM\nFROM b AS other\n";
    let (file, buildfile) = parsed(text);
    let body = json(&targets(&file, &buildfile));
    assert_eq!(body["targets"][0]["description"], "compiles the program");
    assert_eq!(body["targets"][1]["description"], "plain words above FROM");
    let build = json(&outline(&file, &buildfile, &target(Some("build"))).unwrap());
    assert_eq!(build["description"], "compiles the program");
    let listed = String::from_utf8(targets(&file, &buildfile)["result.txt"].clone()).unwrap();
    assert!(
        listed.contains("compiles the program\n") && !listed.contains("build compiles"),
        "{listed}"
    );
}

/// A Buildfile that imports `lib.bf` as `lib`: its stages are not the file's targets, and
/// its ARGs are not the build's arguments.
#[test]
fn imported_stages_and_their_args_are_not_the_files_own() {
    let main = SourceFile::new(
        "Buildfile",
        "ARG OWN=1\nIMPORT lib.bf AS lib\nFROM lib+tool AS app\nARG OWN\n",
    );
    let lib = "ARG LIBARG=x\nFROM scratch AS tool\nARG LIBARG\nARG INSIDE=y\n";
    let none = std::collections::BTreeMap::new();
    let amd64 = crate::platform::Platform::linux_amd64();
    let scope = crate::vars::Scope {
        build_args: &none,
        target_platform: &amd64,
        build_platform: &amd64,
        target: None,
    };
    let loaded = crate::load::load(main, scope, |_| {
        crate::load::Answer::Found(lib.as_bytes().to_vec())
    });
    let analysis = crate::analyze_loaded(loaded, crate::lint::Inputs::default());
    let buildfile = analysis.buildfile.expect("no errors");
    let files = &analysis.files;
    let body = json(&targets(files, &buildfile));
    let names: Vec<&str> = body["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["app"]);
    assert_eq!(body["sources"].as_array().unwrap().len(), 2, "both files");
    let body = json(&outline(files, &buildfile, &target(None)).unwrap());
    let args: Vec<&str> = body["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(args, ["OWN"]);
}
