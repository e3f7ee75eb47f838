//! The op fields PROTOCOL.md section 4 describes, pinned on small hand-written IR:
//! FROM, COPY, RUN, WORKDIR, ARG scoping and stages here; mounts, `--link` and caps in
//! `run`; Windows, expanded values and the build context in `checks`.

mod checks;
mod run;

use std::collections::BTreeMap;

use serde_json::json;

use super::testing::*;
use super::*;
use crate::diagnostic::Code;
use crate::ir::StepKind;

const HELLO: &str =
    "FROM alpine\nWORKDIR /app\nCOPY hello.txt ./\nRUN echo hi\nENV GREETING=hello\nCMD [\"sh\"]\n";

fn hello(fx: &Fixture) -> ir::Buildfile {
    let steps = vec![
        fx.step("WORKDIR", StepKind::Workdir(fx.word("/app"))),
        fx.step("COPY", StepKind::Copy(fx.copy(&["hello.txt"], "./"))),
        fx.shell_run("RUN", "echo hi"),
        fx.step("ENV", StepKind::Env(vec![fx.kv("GREETING", "hello")])),
        fx.step("CMD", StepKind::Cmd(fx.exec(&["sh"]))),
    ];
    buildfile(Vec::new(), vec![fx.stage("FROM", "alpine", None, steps)])
}

pub(super) fn lower_ok(
    fx: &Fixture,
    bf: &ir::Buildfile,
    images: &ResolvedImages,
    opts: &LowerOptions,
) -> Lowered {
    match lower(&fx.file, bf, images, opts) {
        Ok(lowered) => lowered,
        Err(d) => panic!("{d:?}"),
    }
}

pub(super) fn lower_err(fx: &Fixture, bf: &ir::Buildfile, opts: &LowerOptions) -> Vec<Code> {
    match lower(&fx.file, bf, &ResolvedImages::new(), opts) {
        Ok(_) => panic!("expected diagnostics"),
        Err(d) => d.iter().map(|d| d.code).collect(),
    }
}

#[test]
fn from_image_is_a_platform_source_named_like_dockerfile() {
    let fx = Fixture::new(HELLO);
    let lowered = lower_ok(
        &fx,
        &hello(&fx),
        &ResolvedImages::new(),
        &LowerOptions::default(),
    );
    let def = &lowered.definition;
    let images: Vec<_> = sources(def)
        .into_iter()
        .filter(|(_, _, s)| s.identifier.starts_with("docker-image://"))
        .collect();
    assert_eq!(images.len(), 1);
    let (digest, op, source) = &images[0];
    assert_eq!(
        source.identifier,
        "docker-image://docker.io/library/alpine:latest"
    );
    assert!(source.attrs.is_empty());
    assert_eq!(op.platform.as_ref().unwrap().os, "linux");
    assert_eq!(
        custom_name(def, digest),
        "[1/4] FROM docker.io/library/alpine:latest"
    );
    assert_eq!(
        def.metadata[digest].description[dispatch::COMMAND_DESCRIPTION],
        "FROM alpine"
    );
    assert_eq!(caps(def, digest), ["source.image"]);
    assert_eq!(lines(def, digest), (1, 1));
}

#[test]
fn workdir_copy_run_have_dockerfile_fields() {
    let fx = Fixture::new(HELLO);
    let opts = LowerOptions {
        session_id: "sid".into(),
        context_excludes: vec!["*.tmp".into()],
        ..LowerOptions::default()
    };
    let lowered = lower_ok(&fx, &hello(&fx), &ResolvedImages::new(), &opts);
    let def = &lowered.definition;

    let file_ops = files(def);
    assert_eq!(file_ops.len(), 2);
    let (mkdir_digest, mkdir_op, mkdir) = &file_ops[0];
    assert_eq!(mkdir_op.platform, None);
    let Some(pb::file_action::Action::Mkdir(m)) = &mkdir.actions[0].action else {
        panic!("not a mkdir")
    };
    assert_eq!(
        (m.path.as_str(), m.mode, m.make_parents, m.timestamp),
        ("/app", 0o755, true, -1)
    );
    assert_eq!(custom_name(def, mkdir_digest), "[2/4] WORKDIR /app");

    let context: Vec<_> = sources(def)
        .into_iter()
        .filter(|(_, _, s)| s.identifier == "local://context")
        .collect();
    let (context_digest, context_op, context_source) = &context[0];
    assert_eq!(context_op.platform, None);
    let attrs: Vec<(&str, &str)> = context_source
        .attrs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        attrs,
        [
            ("local.excludepatterns", r#"["*.tmp"]"#),
            ("local.followpaths", r#"["hello.txt"]"#),
            ("local.session", "sid"),
            ("local.sharedkeyhint", "context"),
        ]
    );
    assert_eq!(
        custom_name(def, context_digest),
        "[internal] load build context"
    );

    let (copy_digest, copy_op, copy) = &file_ops[1];
    assert_eq!(copy_op.inputs[0].digest, *mkdir_digest);
    assert_eq!(copy_op.inputs[1].digest, *context_digest);
    let action = &copy.actions[0];
    assert_eq!(
        (action.input, action.secondary_input, action.output),
        (0, 1, 0)
    );
    let Some(pb::file_action::Action::Copy(c)) = &action.action else {
        panic!("not a copy")
    };
    assert_eq!((c.src.as_str(), c.dest.as_str()), ("/hello.txt", "/app/"));
    assert_eq!((c.mode, c.timestamp), (-1, -1));
    assert!(c.follow_symlink && c.dir_copy_contents && c.create_dest_path);
    assert!(c.allow_wildcard && c.allow_empty_wildcard && !c.attempt_unpack_docker_compatibility);
    assert_eq!(custom_name(def, copy_digest), "[3/4] COPY hello.txt ./");
    assert_eq!(caps(def, copy_digest), ["file.base"]);
    assert_eq!(lines(def, copy_digest), (3, 3));

    let runs = execs(def);
    let (run_digest, run_op, exec) = &runs[0];
    let meta = exec.meta.as_ref().unwrap();
    assert_eq!(meta.args, ["/bin/sh", "-c", "echo hi"]);
    assert_eq!(meta.env, [format!("PATH={}", image::DEFAULT_PATH)]);
    assert_eq!(meta.cwd, "/app");
    assert!(meta.remove_mount_stubs_recursive);
    assert_eq!(run_op.inputs[0].digest, *copy_digest);
    let mount = &exec.mounts[0];
    assert_eq!(
        (mount.dest.as_str(), mount.input, mount.output),
        ("/", 0, 0)
    );
    assert_eq!(custom_name(def, run_digest), "[4/4] RUN echo hi");
    assert_eq!(
        def.metadata[run_digest].description[dispatch::COMMAND_DESCRIPTION],
        "RUN echo hi"
    );
    assert_eq!(run_op.platform.as_ref().unwrap().architecture, "amd64");
    assert_eq!(run_op.constraints, Some(pb::WorkerConstraints::default()));
}

#[test]
fn image_config_gets_instructions_and_history() {
    let fx = Fixture::new(HELLO);
    let opts = LowerOptions {
        labels: BTreeMap::from([("org.example".to_string(), "x".to_string())]),
        build_args: BTreeMap::from([("SOURCE_DATE_EPOCH".to_string(), "1700000000".to_string())]),
        source_date_epoch: Some(1_700_000_000),
        ..LowerOptions::default()
    };
    let config = lower_ok(&fx, &hello(&fx), &ResolvedImages::new(), &opts)
        .image_config
        .to_value();
    assert_eq!(config["os"], json!("linux"));
    assert_eq!(config["architecture"], json!("amd64"));
    assert_eq!(config["config"]["WorkingDir"], json!("/app"));
    assert_eq!(
        config["config"]["Env"],
        json!([format!("PATH={}", image::DEFAULT_PATH), "GREETING=hello"])
    );
    assert_eq!(config["config"]["Cmd"], json!(["sh"]));
    assert_eq!(config["config"]["Labels"]["org.example"], json!("x"));
    let history: Vec<(&str, bool)> = config["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["created_by"].as_str().unwrap(),
                h.get("empty_layer").is_some(),
            )
        })
        .collect();
    assert_eq!(
        history,
        [
            ("WORKDIR /app", false),
            ("COPY hello.txt ./ # buildkit", false),
            ("RUN /bin/sh -c echo hi # buildkit", false),
            ("ENV GREETING=hello", true),
            ("CMD [\"sh\"]", true),
        ]
    );
    assert_eq!(
        config["history"][0]["created"],
        json!("2023-11-14T22:13:20Z")
    );
}

const NO_WORKDIR: &str = "FROM alpine\nRUN pwd\nWORKDIR sub\nRUN pwd\n";

#[test]
fn without_workdir_runs_in_root_and_a_relative_workdir_joins_onto_it() {
    // dockerfile.v0's states start in `/` (llb.NewState): a RUN before any WORKDIR gets
    // cwd `/` (runc refuses an empty one), while the image config gets no WorkingDir;
    // `WORKDIR sub` then means `/sub` in both.
    let fx = Fixture::new(NO_WORKDIR);
    let first = vec![fx.shell_run("RUN", "pwd")];
    let only_run = buildfile(Vec::new(), vec![fx.stage("FROM", "alpine", None, first)]);
    let lowered = lower_ok(
        &fx,
        &only_run,
        &ResolvedImages::new(),
        &LowerOptions::default(),
    );
    let (_, _, exec) = &execs(&lowered.definition)[0];
    assert_eq!(exec.meta.as_ref().unwrap().cwd, "/");
    assert_eq!(
        lowered.image_config.to_value()["config"].get("WorkingDir"),
        None
    );

    let steps = vec![
        fx.shell_run("RUN", "pwd"),
        fx.step("WORKDIR", StepKind::Workdir(fx.word("sub"))),
        fx.shell_run("RUN", "pwd"),
    ];
    let bf = buildfile(Vec::new(), vec![fx.stage("FROM", "alpine", None, steps)]);
    let lowered = lower_ok(&fx, &bf, &ResolvedImages::new(), &LowerOptions::default());
    let cwds: Vec<String> = execs(&lowered.definition)
        .iter()
        .map(|(_, _, e)| e.meta.as_ref().unwrap().cwd.clone())
        .collect();
    assert_eq!(cwds, ["/", "/sub"]);
    let (_, _, mkdir) = &files(&lowered.definition)[0];
    let Some(pb::file_action::Action::Mkdir(m)) = &mkdir.actions[0].action else {
        panic!("not a mkdir")
    };
    assert_eq!(m.path, "/sub");
    assert_eq!(
        lowered.image_config.to_value()["config"]["WorkingDir"],
        json!("/sub")
    );
}

#[test]
fn resolved_images_are_pinned_and_their_config_inherited() {
    let fx = Fixture::new(HELLO);
    let digest = format!("sha256:{}", "ab".repeat(32));
    let request = ImageRequest {
        reference: "docker.io/library/alpine:latest".into(),
        platform: Platform::linux_amd64(),
    };
    let bf = hello(&fx);
    assert_eq!(
        images(&bf, &LowerOptions::default()).unwrap(),
        std::slice::from_ref(&request)
    );
    let resolved = ResolvedImage {
        reference: request.reference.clone(),
        digest: digest.clone(),
        config: json!({"created": "2024-01-01T00:00:00Z", "os": "linux", "architecture": "amd64",
            "config": {"Env": ["PATH=/bin", "LANG=C"], "User": "nobody", "WorkingDir": "/srv"},
            "rootfs": {"type": "layers", "diff_ids": ["sha256:1"]},
            "history": [{"created_by": "base"}]}),
    };
    let images = ResolvedImages::from([(request, resolved)]);
    let lowered = lower_ok(&fx, &bf, &images, &LowerOptions::default());
    let def = &lowered.definition;
    let (_, _, source) = &sources(def)[0];
    assert_eq!(
        source.identifier,
        format!("docker-image://docker.io/library/alpine:latest@{digest}")
    );
    let (_, _, exec) = &execs(def)[0];
    let meta = exec.meta.as_ref().unwrap();
    assert_eq!(meta.env, ["PATH=/bin", "LANG=C"]);
    assert_eq!(meta.user, "nobody");
    let config = &lowered.image_config.to_value();
    assert_eq!(config.get("created"), None);
    assert_eq!(config["history"][0]["created_by"], json!("base"));
    assert_eq!(config["history"].as_array().unwrap().len(), 6);
    // WORKDIR /app is absolute: the base's /srv does not matter.
    assert_eq!(config["config"]["WorkingDir"], json!("/app"));
}

#[test]
fn lowering_is_deterministic() {
    let fx = Fixture::new(HELLO);
    let bf = hello(&fx);
    let a = lower_ok(&fx, &bf, &ResolvedImages::new(), &LowerOptions::default());
    let b = lower_ok(&fx, &bf, &ResolvedImages::new(), &LowerOptions::default());
    assert_eq!(a.definition, b.definition);
    assert_eq!(
        serde_json::to_string(&a.image_config).unwrap(),
        serde_json::to_string(&b.image_config).unwrap()
    );
}

const ARGS: &str = "ARG BASE=alpine\nARG V=1\nFROM ${BASE}\nARG V\nARG W=${V}-w\nRUN echo $V\n";

fn args_file(fx: &Fixture) -> ir::Buildfile {
    let steps = vec![
        fx.step("ARG V\n", StepKind::Arg(vec![fx.arg("V", None)])),
        fx.step("ARG W", StepKind::Arg(vec![fx.arg("W", Some("${V}-w"))])),
        fx.shell_run("RUN", "echo $V"),
    ];
    let globals = vec![fx.arg("BASE", Some("alpine")), fx.arg("V", Some("1"))];
    buildfile(globals, vec![fx.stage("FROM", "${BASE}", None, steps)])
}

#[test]
fn args_scope_override_and_reach_run_env_only() {
    let fx = Fixture::new(ARGS);
    let bf = args_file(&fx);
    let opts = LowerOptions {
        build_args: BTreeMap::from([("BASE".to_string(), "busybox".to_string())]),
        ..LowerOptions::default()
    };
    let lowered = lower_ok(&fx, &bf, &ResolvedImages::new(), &opts);
    let def = &lowered.definition;
    assert_eq!(
        sources(def)[0].2.identifier,
        "docker-image://docker.io/library/busybox:latest"
    );
    let (_, _, exec) = &execs(def)[0];
    let meta = exec.meta.as_ref().unwrap();
    assert_eq!(
        meta.env,
        [
            format!("PATH={}", image::DEFAULT_PATH),
            "V=1".into(),
            "W=1-w".into()
        ]
    );
    let config = &lowered.image_config.to_value();
    assert_eq!(
        config["config"]["Env"].as_array().unwrap().len(),
        1,
        "ARGs stay out of the config"
    );
    let history = config["history"].as_array().unwrap();
    assert_eq!(history[0]["created_by"], json!("ARG V=1"));
    assert_eq!(
        history[2]["created_by"],
        json!("RUN |2 V=1 W=1-w /bin/sh -c echo $V # buildkit")
    );
}

const STAGES: &str = "FROM alpine AS build\nRUN make\nFROM alpine AS unused\nRUN sleep\nFROM scratch\nCOPY --from=build /out /bin/\n";

fn stages_file(fx: &Fixture) -> ir::Buildfile {
    let mut copy = fx.copy(&["/out"], "/bin/");
    copy.from = Some(fx.word("build"));
    buildfile(
        Vec::new(),
        vec![
            fx.stage(
                "FROM alpine AS build",
                "alpine",
                Some("build"),
                vec![fx.shell_run("RUN make", "make")],
            ),
            fx.stage(
                "FROM alpine AS unused",
                "alpine",
                Some("unused"),
                vec![fx.shell_run("RUN sleep", "sleep")],
            ),
            fx.stage(
                "FROM scratch",
                "scratch",
                None,
                vec![fx.step("COPY", StepKind::Copy(copy))],
            ),
        ],
    )
}

#[test]
fn only_needed_stages_are_lowered_and_named() {
    let fx = Fixture::new(STAGES);
    let bf = stages_file(&fx);
    let def = lower_ok(&fx, &bf, &ResolvedImages::new(), &LowerOptions::default()).definition;
    let runs = execs(&def);
    assert_eq!(runs.len(), 1, "the unused stage is not lowered");
    assert_eq!(runs[0].2.meta.as_ref().unwrap().args[2], "make");
    assert_eq!(custom_name(&def, &runs[0].0), "[build 2/2] RUN make");
    let (copy_digest, copy_op, copy) = &files(&def)[0];
    assert_eq!(
        custom_name(&def, copy_digest),
        "[stage-2 1/1] COPY --from=build /out /bin/"
    );
    assert_eq!(copy_op.inputs.len(), 1);
    assert_eq!(
        (copy.actions[0].input, copy.actions[0].secondary_input),
        (-1, 0)
    );
    assert!(
        sources(&def)
            .iter()
            .all(|(_, _, s)| s.identifier != "local://context")
    );

    let target = LowerOptions {
        target: Some("unused".into()),
        ..LowerOptions::default()
    };
    let def = lower_ok(&fx, &bf, &ResolvedImages::new(), &target).definition;
    assert_eq!(execs(&def)[0].2.meta.as_ref().unwrap().args[2], "sleep");
    let missing = LowerOptions {
        target: Some("nope".into()),
        ..LowerOptions::default()
    };
    assert_eq!(lower_err(&fx, &bf, &missing), [Code::UnknownTarget]);
}

/// HELLO with its RUN moved to the first line of `common.bf`, a second file of the build
/// made by `origin` (written there when `None`).
fn hello_with_an_included_run(
    origin: impl FnOnce(&mut crate::source::SourceFiles, &Fixture) -> crate::source::Origin,
) -> (crate::source::FileId, Lowered) {
    use crate::source::{SourceFile, SourceFiles};
    let fx = Fixture::new(HELLO);
    let mut bf = hello(&fx);
    let mut files = SourceFiles::new(fx.file.clone());
    let included = files
        .add(SourceFile::new("common.bf", "RUN echo hi\n"))
        .unwrap();
    let origin = origin(&mut files, &fx);
    let run = bf.stages[0]
        .steps
        .iter_mut()
        .find(|s| matches!(s.kind, StepKind::Run(_)))
        .unwrap();
    run.span = crate::source::Span::new(0, 11)
        .in_file(included)
        .with_origin(origin);
    let lowered = lower(
        &files,
        &bf,
        &ResolvedImages::new(),
        &LowerOptions::default(),
    )
    .unwrap_or_else(|d| panic!("{d:?}"));
    (included, lowered)
}

/// Each op's location names its file: the source map has one info per build file, and an
/// instruction from the second file points at info 1.
#[test]
fn source_map_has_one_info_per_file() {
    use crate::source::{FileId, Origin};
    let (included, lowered) = hello_with_an_included_run(|_, _| Origin::WRITTEN);
    let source = lowered.definition.source.as_ref().unwrap();
    let names: Vec<&str> = source.infos.iter().map(|i| i.filename.as_str()).collect();
    assert_eq!(names, ["Buildfile", "common.bf"]);
    let (run_digest, _, _) = &execs(&lowered.definition)[0];
    let location = &source.locations[run_digest].locations[0];
    assert_eq!(location.source_index, i32::from(included.0));
    assert_eq!(location.ranges[0].start.unwrap().line, 1);
    let (from_digest, _, _) = &sources(&lowered.definition)[0];
    let from = &source.locations[from_digest].locations[0];
    assert_eq!(from.source_index, i32::from(FileId::MAIN.0));
}

/// An op made from an included file points at its own line, then at the INCLUDE that
/// brought it: BuildKit shows both when it fails.
#[test]
fn an_included_ops_locations_follow_its_origin() {
    use crate::source::{Expansion, ExpansionKind};
    let (included, lowered) = hello_with_an_included_run(|files, fx| {
        let include = Expansion {
            kind: ExpansionKind::Include {
                path: "common.bf".into(),
            },
            at: fx.line("FROM"),
        };
        files.expand(include).unwrap()
    });
    let source = lowered.definition.source.as_ref().unwrap();
    let (run_digest, _, _) = &execs(&lowered.definition)[0];
    let places: Vec<(i32, i32)> = source.locations[run_digest]
        .locations
        .iter()
        .map(|l| (l.source_index, l.ranges[0].start.unwrap().line))
        .collect();
    assert_eq!(places, [(i32::from(included.0), 1), (0, 1)]);
}
