//! Windows targets, values checked after expansion, and the build context.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use super::super::testing::*;
use super::super::*;
use super::{lower_err, lower_ok};
use crate::diagnostic::Code;
use crate::ir::StepKind;
use crate::source::Spanned;

const WINDOWS: &str = "FROM nanoserver\nWORKDIR C:\\app\nRUN dir\n";

#[test]
fn windows_targets_use_cmd_posix_llb_paths_and_backslash_config() {
    let fx = Fixture::new(WINDOWS);
    let steps = vec![
        fx.step(
            "WORKDIR",
            StepKind::Workdir(ir::Word::literal("C:\\app", fx.span("C:"))),
        ),
        fx.shell_run("RUN", "dir"),
    ];
    let bf = buildfile(
        Vec::new(),
        vec![fx.stage("FROM", "nanoserver", None, steps)],
    );
    let platform = Platform::new("windows", "amd64");
    let request = ImageRequest {
        reference: "docker.io/library/nanoserver:latest".into(),
        platform: platform.clone(),
    };
    let resolved = ResolvedImage {
        reference: request.reference.clone(),
        digest: String::new(),
        config: json!({"os": "windows", "architecture": "amd64", "os.version": "10.0.20348.1",
            "config": {"User": "ContainerUser"}, "rootfs": {"type": "layers", "diff_ids": ["sha256:1"]}}),
    };
    let opts = LowerOptions {
        target_platform: platform,
        ..LowerOptions::default()
    };
    let lowered = lower_ok(
        &fx,
        &bf,
        &ResolvedImages::from([(request, resolved)]),
        &opts,
    );
    let (_, _, exec) = &execs(&lowered.definition)[0];
    let meta = exec.meta.as_ref().unwrap();
    assert_eq!(meta.args, ["cmd", "/S", "/C", "dir"]);
    assert!(meta.env.is_empty(), "no default PATH on Windows");
    assert_eq!(meta.cwd, "/app");
    assert_eq!(meta.user, "ContainerUser");
    assert_eq!(
        lowered.image_config.to_value()["config"]["WorkingDir"],
        json!("\\app")
    );
    assert_eq!(
        lowered.image_config.to_value()["os.version"],
        json!("10.0.20348.1")
    );
    assert_eq!(lowered.platform.os_version.as_deref(), Some("10.0.20348.1"));
}

#[test]
fn windows_rejects_other_drives_and_stopsignal() {
    let fx = Fixture::new("FROM nanoserver\nWORKDIR D:\\app\nSTOPSIGNAL SIGTERM\n");
    let steps = vec![
        fx.step(
            "WORKDIR",
            StepKind::Workdir(ir::Word::literal("D:\\app", fx.span("D:"))),
        ),
        fx.step("STOPSIGNAL", StepKind::StopSignal(fx.word("SIGTERM"))),
    ];
    let bf = buildfile(
        Vec::new(),
        vec![fx.stage("FROM", "nanoserver", None, steps)],
    );
    let opts = LowerOptions {
        target_platform: Platform::new("windows", "amd64"),
        ..LowerOptions::default()
    };
    assert_eq!(
        lower_err(&fx, &bf, &opts),
        [Code::InvalidExpandedValue, Code::NotSupportedOnPlatform]
    );
}

#[test]
fn expanded_values_are_checked() {
    let fx = Fixture::new("FROM alpine\nEXPOSE $PORT\n");
    let steps = vec![
        fx.step("ENV", StepKind::Env(vec![])),
        fx.step("EXPOSE", StepKind::Expose(vec![fx.word("$PORT")])),
    ];
    let bf = buildfile(vec![], vec![fx.stage("FROM", "alpine", None, steps)]);
    // An unset PORT exposes nothing.
    lower_ok(&fx, &bf, &ResolvedImages::new(), &LowerOptions::default());
    let fx = Fixture::new("FROM alpine\nENV PORT=http\nEXPOSE $PORT\n");
    let steps = vec![
        fx.step("ENV", StepKind::Env(vec![fx.kv("PORT", "http")])),
        fx.step("EXPOSE", StepKind::Expose(vec![fx.word("$PORT")])),
    ];
    let bf = buildfile(vec![], vec![fx.stage("FROM", "alpine", None, steps)]);
    assert_eq!(
        lower_err(&fx, &bf, &LowerOptions::default()),
        [Code::InvalidExpandedValue]
    );
}

/// One port rule: a mapping that syntax refuses when written is refused when expanded.
#[test]
fn an_expanded_port_mapping_is_refused_like_a_written_one() {
    let fx = Fixture::new("FROM alpine\nENV P=8080:80\nEXPOSE $P\n");
    let steps = vec![
        fx.step("ENV", StepKind::Env(vec![fx.kv("P", "8080:80")])),
        fx.step("EXPOSE", StepKind::Expose(vec![fx.word("$P")])),
    ];
    let bf = buildfile(vec![], vec![fx.stage("FROM", "alpine", None, steps)]);
    let opts = LowerOptions::default();
    let diagnostics = match lower(&fx.file, &bf, &ResolvedImages::new(), &opts) {
        Ok(_) => panic!("EXPOSE 8080:80 lowered"),
        Err(d) => d,
    };
    let error = diagnostics.iter().next().unwrap();
    assert_eq!(error.code, Code::InvalidExpandedValue);
    assert_eq!(
        error.message,
        "`8080:80` is not a port: EXPOSE takes a container port, not a host:container mapping"
    );
}

/// A daemon whose workers are all Linux cannot run a Windows RUN: said at the RUN, with
/// the workers it has; COPY and the config instructions still lower.
#[test]
fn windows_run_needs_a_windows_worker() {
    let fx = Fixture::new(WINDOWS);
    let run = |run: bool| {
        let mut steps = vec![fx.step("WORKDIR", StepKind::Workdir(fx.word("C:\\app")))];
        if run {
            steps.push(fx.shell_run("RUN", "dir"));
        }
        buildfile(vec![], vec![fx.stage("FROM", "nanoserver", None, steps)])
    };
    let workers = |platforms: &[&str]| LowerOptions {
        target_platform: Platform::new("windows", "amd64"),
        worker_platforms: platforms
            .iter()
            .map(|p| Platform::parse(p).unwrap())
            .collect(),
        ..LowerOptions::default()
    };
    let linux_only = workers(&["linux/amd64", "linux/386", "linux/amd64"]);
    let diagnostics = match lower(&fx.file, &run(true), &ResolvedImages::new(), &linux_only) {
        Ok(_) => panic!("a Windows RUN lowered for Linux workers"),
        Err(d) => d,
    };
    let error = diagnostics.iter().next().unwrap();
    assert_eq!(error.code, Code::NotSupportedByDaemon);
    assert_eq!(
        error.message,
        "RUN needs a windows worker, and this BuildKit's workers run only linux/amd64, linux/386"
    );
    assert_eq!(error.labels[0].span, fx.line("RUN"));
    assert!(error.help.as_deref().unwrap().contains("COPY"));
    lower_ok(&fx, &run(false), &ResolvedImages::new(), &linux_only);
    lower_ok(
        &fx,
        &run(true),
        &ResolvedImages::new(),
        &workers(&["windows/amd64"]),
    );
    lower_ok(&fx, &run(true), &ResolvedImages::new(), &workers(&[]));
}

/// History texts are part of the image ID: they follow the daemon's dockerfile.v0.
#[test]
fn history_is_written_as_the_daemons_dockerfile_v0_writes_it() {
    let fx = Fixture::new("FROM alpine\nARG V=default W\nEXPOSE 80 53/udp 80\n");
    let ports = vec![fx.word("80"), fx.word("53/udp"), fx.word("80")];
    let args = vec![fx.arg("V", Some("default")), fx.arg("W", None)];
    let steps = vec![
        fx.step("ARG", StepKind::Arg(args)),
        fx.step("EXPOSE", StepKind::Expose(ports)),
    ];
    let bf = buildfile(vec![], vec![fx.stage("FROM", "alpine", None, steps)]);
    let history = |caps: BTreeSet<String>| {
        let opts = LowerOptions {
            llb_caps: caps,
            build_args: BTreeMap::from([
                ("V".to_string(), "cli".to_string()),
                ("W".to_string(), "w".to_string()),
            ]),
            ..LowerOptions::default()
        };
        let config = lower_ok(&fx, &bf, &ResolvedImages::new(), &opts).image_config;
        let history = config.to_value()["history"].clone();
        [
            history[0]["created_by"].clone(),
            history[1]["created_by"].clone(),
        ]
    };
    let mut caps = default_llb_caps();
    assert_eq!(
        history(caps.clone()),
        [
            json!("ARG V=cli W=w"),
            json!("EXPOSE [80/tcp 53/udp 80/tcp]")
        ]
    );
    caps.remove(super::super::dialect::CAP_SINCE_0_24);
    caps.remove(super::super::dialect::CAP_SINCE_0_14);
    assert_eq!(
        history(caps),
        [
            json!("ARG V=default W"),
            json!("EXPOSE map[53/udp:{} 80/tcp:{}]")
        ]
    );
}

/// BuildKit 0.22 began to give WORKDIR's directory `SOURCE_DATE_EPOCH` as its time.
#[test]
fn workdir_time_follows_the_daemons_dockerfile_v0() {
    let fx = Fixture::new("FROM alpine\nWORKDIR /app\n");
    let steps = vec![fx.step("WORKDIR", StepKind::Workdir(fx.word("/app")))];
    let bf = buildfile(vec![], vec![fx.stage("FROM", "alpine", None, steps)]);
    let mkdir_time = |caps: BTreeSet<String>| {
        let opts = LowerOptions {
            llb_caps: caps,
            source_date_epoch: Some(10),
            ..LowerOptions::default()
        };
        let def = lower_ok(&fx, &bf, &ResolvedImages::new(), &opts).definition;
        let (_, _, file) = files(&def).pop().unwrap();
        match &file.actions[0].action {
            Some(pb::file_action::Action::Mkdir(mkdir)) => mkdir.timestamp,
            other => panic!("not a mkdir: {other:?}"),
        }
    };
    let mut caps = default_llb_caps();
    assert_eq!(mkdir_time(caps.clone()), 10_000_000_000);
    caps.remove(super::super::dialect::CAP_SINCE_0_22);
    assert_eq!(mkdir_time(caps), -1);
}

#[test]
fn bad_image_references_are_reported_for_needed_stages_only() {
    let fx = Fixture::new("FROM Bad:Ref AS a\nFROM alpine\n");
    let bf = buildfile(
        vec![],
        vec![
            fx.stage("FROM Bad", "Bad:Ref", Some("a"), vec![]),
            fx.stage("FROM alpine", "alpine", None, vec![]),
        ],
    );
    assert!(
        lower(
            &fx.file,
            &bf,
            &ResolvedImages::new(),
            &LowerOptions::default()
        )
        .is_ok()
    );
    let opts = LowerOptions {
        target: Some("a".into()),
        ..LowerOptions::default()
    };
    assert_eq!(lower_err(&fx, &bf, &opts), [Code::InvalidExpandedValue]);
    let requests = images(&bf, &LowerOptions::default()).unwrap();
    let names: BTreeSet<_> = requests.iter().map(|r| r.reference.as_str()).collect();
    assert_eq!(names, BTreeSet::from(["docker.io/library/alpine:latest"]));
}

#[test]
fn context_paths_from_variables_take_a_second_pass() {
    let fx = Fixture::new("FROM alpine\nENV SRC=hello.txt\nCOPY $SRC /app/\n");
    let steps = vec![
        fx.step("ENV", StepKind::Env(vec![fx.kv("SRC", "hello.txt")])),
        fx.step("COPY", StepKind::Copy(fx.copy(&["$SRC"], "/app/"))),
    ];
    let bf = buildfile(vec![], vec![fx.stage("FROM", "alpine", None, steps)]);
    let plan = plan::Plan::new(&bf, &LowerOptions::default()).unwrap();
    assert_eq!(
        context::literal_paths(&bf, &plan),
        None,
        "a variable needs the env"
    );
    let def = lower_ok(&fx, &bf, &ResolvedImages::new(), &LowerOptions::default()).definition;
    let (_, _, context) = sources(&def)
        .into_iter()
        .find(|(_, _, s)| s.identifier == "local://context")
        .unwrap();
    assert_eq!(context.attrs["local.followpaths"], r#"["hello.txt"]"#);
    let (_, copy_op, _) = &files(&def)[0];
    assert!(
        copy_op
            .inputs
            .iter()
            .any(|i| ops(&def).iter().any(|(d, _)| *d == i.digest)),
        "the copy reads the final context source"
    );
    assert_eq!(
        sources(&def).len(),
        2,
        "only the final context source is in the definition"
    );
}

/// One instruction after `FROM alpine` that must fail with `code` on `platform`.
fn single_step_error(
    text: &str,
    step: impl Fn(&Fixture) -> ir::Step,
    platform: &str,
    caps: Option<&str>,
) -> Vec<Code> {
    let fx = Fixture::new(text);
    let bf = buildfile(
        vec![],
        vec![fx.stage("FROM", "alpine", None, vec![step(&fx)])],
    );
    let mut llb_caps = default_llb_caps();
    if let Some(cap) = caps {
        llb_caps.remove(cap);
    }
    let opts = LowerOptions {
        target_platform: Platform::parse(platform).unwrap(),
        llb_caps,
        ..LowerOptions::default()
    };
    lower_err(&fx, &bf, &opts)
}

#[test]
fn every_lowering_error_has_a_code() {
    let mount_root = single_step_error(
        "FROM alpine\nRUN --mount=type=cache,target=/ x\n",
        |fx| {
            let mut run = fx.run(ir::Command::Shell(Spanned::new("x".into(), fx.span("x\n"))));
            run.mounts = vec![fx.mount(ir::MountKind::Cache(fx.cache("/")))];
            fx.step("RUN", StepKind::Run(run))
        },
        "linux/amd64",
        None,
    );
    assert_eq!(mount_root, [Code::InvalidExpandedValue]);

    let empty_volume = single_step_error(
        "FROM alpine\nVOLUME $NOPE\n",
        |fx| fx.step("VOLUME", StepKind::Volume(vec![fx.word("$NOPE")])),
        "linux/amd64",
        None,
    );
    assert_eq!(empty_volume, [Code::InvalidExpandedValue]);

    let bad_signal = single_step_error(
        "FROM alpine\nSTOPSIGNAL sigfoo\n",
        |fx| fx.step("STOPSIGNAL", StepKind::StopSignal(fx.word("sigfoo"))),
        "linux/amd64",
        None,
    );
    assert_eq!(bad_signal, [Code::InvalidExpandedValue]);

    let other_drive = single_step_error(
        "FROM alpine\nCOPY a D:\\x\n",
        |fx| {
            let mut copy = fx.copy(&["a"], "x");
            copy.dest = ir::Word::literal("D:\\x", fx.span("D:"));
            fx.step("COPY", StepKind::Copy(copy))
        },
        "windows/amd64",
        None,
    );
    assert_eq!(other_drive, [Code::InvalidExpandedValue]);

    let symbolic_chmod = single_step_error(
        "FROM alpine\nCOPY --chmod=u+x a /a\n",
        |fx| {
            let mut copy = fx.copy(&["a"], "/a");
            let flag = ir::ChmodFlag {
                mode: ir::Chmod::Symbolic("u+x".into()),
                written: "u+x".into(),
            };
            copy.chmod = Some(Spanned::new(flag, fx.span("u+x")));
            fx.step("COPY", StepKind::Copy(copy))
        },
        "linux/amd64",
        Some("file.copy.modestring"),
    );
    assert_eq!(symbolic_chmod, [Code::NotSupportedByDaemon]);

    let network = single_step_error(
        "FROM alpine\nRUN --network=none x\n",
        |fx| {
            let mut run = fx.run(ir::Command::Shell(Spanned::new("x".into(), fx.span("x\n"))));
            run.network = Some(Spanned::new(ir::Network::None, fx.span("--network=none")));
            fx.step("RUN", StepKind::Run(run))
        },
        "linux/amd64",
        Some("exec.meta.network"),
    );
    assert_eq!(network, [Code::NotSupportedByDaemon]);
}

#[test]
fn stage_and_platform_errors_point_at_the_from_line() {
    let fx = Fixture::new(
        "FROM --platform=plan9/x alpine AS a\nFROM b AS b\nCOPY --from=c /x /x\nFROM alpine AS c\n",
    );
    let mut first = fx.stage("FROM --platform", "alpine", Some("a"), vec![]);
    first.platform = Some(fx.word("plan9/x"));
    let mut copy = fx.copy(&["/x"], "/x");
    copy.from = Some(fx.word("c"));
    let second = fx.stage(
        "FROM b",
        "b",
        Some("b"),
        vec![fx.step("COPY", StepKind::Copy(copy))],
    );
    let third = fx.stage("FROM alpine AS c", "alpine", Some("c"), vec![]);
    let bf = buildfile(vec![], vec![first, second, third]);
    let opts = LowerOptions {
        target: Some("b".into()),
        ..LowerOptions::default()
    };
    // `FROM b AS b` names itself (not an earlier stage) and `--from=c` a later stage:
    // the stage-cycle error check gives for a written reference.
    let codes = lower_err(&fx, &bf, &opts);
    assert_eq!(
        codes,
        [Code::InvalidPlatform, Code::StageCycle, Code::StageCycle]
    );
}

#[test]
fn source_date_epoch_is_whole_seconds_or_unset() {
    let args = |value: &str| BTreeMap::from([("SOURCE_DATE_EPOCH".to_string(), value.to_string())]);
    assert_eq!(source_date_epoch(&BTreeMap::new()), Ok(None));
    assert_eq!(source_date_epoch(&args("")), Ok(None));
    assert_eq!(
        source_date_epoch(&args(" 1700000000 ")),
        Ok(Some(1_700_000_000))
    );
    let error = source_date_epoch(&args("soon")).unwrap_err();
    assert!(
        error.starts_with("SOURCE_DATE_EPOCH `soon` is not a number of seconds"),
        "{error}"
    );
}

/// A reference that only names a later stage once expanded is the same mistake as a
/// written one, and gets the same error as check gives that one.
#[test]
fn an_expanded_reference_to_a_later_stage_is_a_stage_cycle() {
    let fx = Fixture::new(
        "ARG X=later\nFROM alpine AS first\nCOPY --from=$X /x /x\nFROM alpine AS later\n",
    );
    let mut copy = fx.copy(&["/x"], "/x");
    copy.from = Some(fx.word("$X"));
    let first = fx.stage(
        "FROM alpine AS first",
        "alpine",
        Some("first"),
        vec![fx.step("COPY", StepKind::Copy(copy))],
    );
    let second = fx.stage("FROM alpine AS later", "alpine", Some("later"), vec![]);
    let bf = buildfile(vec![fx.arg("X", Some("later"))], vec![first, second]);
    let opts = LowerOptions {
        target: Some("later".into()),
        ..LowerOptions::default()
    };
    // The target does not need the first stage: nothing to report.
    lower_ok(&fx, &bf, &ResolvedImages::new(), &opts);
    let first = LowerOptions {
        target: Some("first".into()),
        ..LowerOptions::default()
    };
    let diagnostics = match lower(&fx.file, &bf, &ResolvedImages::new(), &first) {
        Ok(_) => panic!("a reference to a later stage lowered"),
        Err(d) => d,
    };
    let error = diagnostics.iter().next().unwrap();
    assert_eq!(error.code, Code::StageCycle);
    assert_eq!(error.message, "`later` is a later stage");
    assert_eq!(error.labels[1].text, "defined here");
}

/// A context given as a frontend input can be INCLUDEd from but not built from: the FROM
/// that names it says so, at its image word.
#[test]
fn building_from_a_frontend_input_context_is_refused_at_the_reference() {
    let src = "FROM lib\n";
    let fx = Fixture::new(src);
    let bf = buildfile(Vec::new(), vec![fx.stage("FROM", "lib", None, Vec::new())]);
    let opts = LowerOptions {
        named_contexts: BTreeMap::from([("lib".to_string(), NamedContext::Input("t".into()))]),
        ..LowerOptions::default()
    };
    let Err(diagnostics) = lower(&fx.file, &bf, &ResolvedImages::new(), &opts) else {
        panic!("built from an input");
    };
    let d = diagnostics.iter().next().unwrap();
    assert_eq!(d.code, Code::NotSupportedByDaemon);
    assert_eq!(d.span(), Some(fx.span("lib")));
    assert!(d.message.contains("frontend input `t`"), "{}", d.message);
}
