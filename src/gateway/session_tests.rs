//! A whole frontend run against mock_bridge: which RPCs are made, with what, and what
//! `Return` carries.

use std::collections::BTreeMap;

use super::*;
use crate::gateway::mock_bridge::{MODERN_GATEWAY, MockBridge, State};

const OLD_LLB: &[&str] = &[
    "source.local",
    "source.local.sessionid",
    "source.local.followpaths",
    "source.local.sharedkeyhint",
    "source.image",
];

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn mock(dockerfile_local: &[(&str, &str)]) -> MockBridge {
    let files = dockerfile_local
        .iter()
        .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
        .collect();
    MockBridge::new(State {
        gateway_caps: strings(MODERN_GATEWAY),
        llb_caps: strings(OLD_LLB),
        locals: BTreeMap::from([("dockerfile".to_string(), files)]),
        ..State::default()
    })
}

fn env(opts: &[(&str, &str)]) -> Environment {
    Environment {
        opts: opts
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        session_id: "sid".into(),
        worker_platforms: Vec::new(),
    }
}

/// Runs the frontend against the mock and returns what it sent in `Return`.
async fn run(mock: &MockBridge, env: &Environment) -> gw::ReturnRequest {
    let mut bridge = mock.connect().await;
    answer(&mut bridge, env).await.unwrap();
    mock.state().returned.clone().expect("no Return")
}

fn error_of(returned: &gw::ReturnRequest) -> &Status {
    assert!(returned.result.is_none(), "exactly one of result and error");
    returned.error.as_ref().expect("an error")
}

#[tokio::test]
async fn describe_needs_no_file() {
    let mock = mock(&[]);
    let returned = run(&mock, &env(&[("requestid", subrequests::DESCRIBE)])).await;
    let result = returned.result.expect("a result");
    assert!(result.metadata.contains_key("result.json"));
    assert!(returned.error.is_none());
    assert_eq!(mock.state().calls, ["Ping", "Return"]);
}

#[tokio::test]
async fn an_unknown_subrequest_is_refused_by_name() {
    let mock = mock(&[]);
    let returned = run(&mock, &env(&[("requestid", "frontend.convertllb")])).await;
    let error = error_of(&returned);
    assert_eq!(error.code, 2);
    assert!(
        error.details[0]
            .type_url
            .ends_with("errdefs.Subrequest+json"),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_bad_option_is_returned_as_an_error() {
    let mock = mock(&[]);
    let returned = run(&mock, &env(&[("platform", "linux")])).await;
    let error = error_of(&returned);
    assert!(
        error
            .message
            .starts_with("invalid frontend option `platform`"),
        "{}",
        error.message
    );
}

#[tokio::test]
async fn without_a_filename_a_buildfile_is_found_after_dockerfile() {
    let mock = mock(&[("Buildfile", "# just a comment\n")]);
    let returned = run(&mock, &env(&[("requestid", subrequests::LINT)])).await;
    assert!(returned.result.is_some(), "{:?}", returned.error);
    let state = mock.state();
    let source = match pb_source(&state.solves[0]) {
        Some(source) => source,
        None => panic!("first solve is not a source: {:?}", state.solves[0]),
    };
    assert_eq!(source.identifier, "local://dockerfile");
    assert_eq!(
        source.attrs["local.followpaths"],
        r#"["Dockerfile","Dockerfile.dockerignore","Buildfile","Buildfile.dockerignore"]"#
    );
    assert_eq!(source.attrs["local.session"], "sid");
    assert!(
        !source.attrs.contains_key("local.differ"),
        "not in the daemon's caps"
    );
    let reads: Vec<&String> = state.calls.iter().filter(|c| *c == "ReadFile").collect();
    // Dockerfile (missing), Buildfile, Buildfile.dockerignore (missing), then the context's.
    assert_eq!(reads.len(), 4, "{:?}", state.calls);
}

#[tokio::test]
async fn a_missing_build_file_names_what_was_looked_for() {
    let mock = mock(&[("Other", "FROM a\n")]);
    let returned = run(&mock, &env(&[("filename", "Buildfile")])).await;
    let error = error_of(&returned);
    assert!(
        error
            .message
            .starts_with("failed to read the build file Buildfile: "),
        "{}",
        error.message
    );
}

#[tokio::test]
async fn a_build_file_that_is_not_utf8_is_refused() {
    let files = BTreeMap::from([("Buildfile".to_string(), vec![0xff, 0xfe, 0x00])]);
    let mock = MockBridge::new(State {
        gateway_caps: strings(MODERN_GATEWAY),
        llb_caps: strings(OLD_LLB),
        locals: BTreeMap::from([("dockerfile".to_string(), files)]),
        ..State::default()
    });
    let returned = run(&mock, &env(&[("filename", "Buildfile")])).await;
    assert!(error_of(&returned).message.contains("not UTF-8"));
}

#[tokio::test]
async fn large_files_are_read_in_chunks() {
    let big = "#".repeat(9 << 20);
    let mock = mock(&[("Buildfile", &big)]);
    let mut bridge = mock.connect().await;
    let opts = FrontendOptions::parse(&env(&[("filename", "Buildfile")]).opts).unwrap();
    let source = files::read(&mut bridge, &opts, "sid").await.unwrap();
    assert_eq!(source.file.text.len(), big.len());
}

#[tokio::test]
async fn the_ignore_file_next_to_the_build_file_wins() {
    let mock = mock(&[
        ("Buildfile", "FROM a\n"),
        ("Buildfile.dockerignore", "target\n!target/keep\n"),
    ]);
    let mut bridge = mock.connect().await;
    let opts = FrontendOptions::parse(&env(&[("filename", "Buildfile")]).opts).unwrap();
    let source = files::read(&mut bridge, &opts, "sid").await.unwrap();
    assert_eq!(source.ignore.excludes(), ["target", "!target/keep"]);
    assert_eq!(mock.state().solves.len(), 1, "no context read needed");
}

#[tokio::test]
async fn the_context_ignore_file_is_read_when_there_is_none_beside() {
    let mock = mock(&[("Buildfile", "FROM a\n")]);
    mock.state().locals.insert(
        "context".into(),
        BTreeMap::from([(".dockerignore".to_string(), b"*.log\n".to_vec())]),
    );
    let mut bridge = mock.connect().await;
    let opts = FrontendOptions::parse(&env(&[("filename", "Buildfile")]).opts).unwrap();
    let source = files::read(&mut bridge, &opts, "sid").await.unwrap();
    assert_eq!(source.ignore.excludes(), ["*.log"]);
    let state = mock.state();
    let context = pb_source(&state.solves[1]).unwrap();
    assert_eq!(context.identifier, "local://context");
    assert_eq!(context.attrs["local.followpaths"], r#"[".dockerignore"]"#);
    assert_eq!(
        context.attrs["local.sharedkeyhint"],
        "context-.dockerignore"
    );
}

#[tokio::test]
async fn a_daemon_without_refarray_gets_deprecated_refs() {
    let mock = mock(&[]);
    mock.state().gateway_caps.retain(|c| c != "proto.refarray");
    let returned = run(&mock, &env(&[("requestid", subrequests::DESCRIBE)])).await;
    assert_eq!(
        returned.result.unwrap().result,
        Some(gw::result::Result::RefDeprecated(String::new()))
    );
}

#[tokio::test]
async fn a_dockerfile_input_replaces_the_local() {
    let mock = mock(&[]);
    let mut graph = crate::llb::Graph::new();
    let head = graph.source(
        "local://forwarded",
        BTreeMap::new(),
        None,
        crate::llb::OpMeta::default(),
    );
    let digest = head.digest.clone();
    let definition = graph.into_definition(Some(head), Vec::new());
    {
        let mut state = mock.state();
        state.inputs.insert("dockerfile".into(), definition.clone());
        state.locals.insert(
            "forwarded".into(),
            BTreeMap::from([("Buildfile".to_string(), b"FROM a\n".to_vec())]),
        );
    }
    let mut bridge = mock.connect().await;
    let opts = FrontendOptions::parse(&env(&[("filename", "Buildfile")]).opts).unwrap();
    let source = files::read(&mut bridge, &opts, "sid").await.unwrap();
    assert_eq!(&*source.file.text, "FROM a\n");
    assert_eq!(source.vertex, digest, "warnings attach to the input's head");
    assert_eq!(
        mock.state().solves[0].definition.as_ref(),
        Some(&definition)
    );
}

#[tokio::test]
async fn inputs_are_not_asked_for_without_the_cap() {
    let mock = mock(&[("Buildfile", "FROM a\n")]);
    mock.state().gateway_caps.retain(|c| c != "frontend.inputs");
    let mut bridge = mock.connect().await;
    let opts = FrontendOptions::parse(&env(&[("filename", "Buildfile")]).opts).unwrap();
    files::read(&mut bridge, &opts, "sid").await.unwrap();
    assert!(!mock.state().calls.iter().any(|c| c == "Inputs"));
}

#[tokio::test]
async fn warnings_go_through_warn_only_where_the_daemon_has_it() {
    let text = "FROM scratch\nENV a b\n";
    let mock = mock(&[("Buildfile", text)]);
    let returned = run(&mock, &env(&[("filename", "Buildfile")])).await;
    assert!(returned.error.is_none(), "{:?}", returned.error);
    {
        let state = mock.state();
        assert_eq!(state.warnings.len(), 1);
        let warning = &state.warnings[0];
        let short = String::from_utf8(warning.short.clone()).unwrap();
        assert!(short.ends_with("(line 2)"), "{short}");
        let load = pb_source(&state.solves[0]).unwrap();
        assert_eq!(load.identifier, "local://dockerfile");
        assert!(warning.digest.starts_with("sha256:"));
    }

    let old = mock_without("gateway.warnings", &[("Buildfile", text)]);
    let returned = run(&old, &env(&[("filename", "Buildfile")])).await;
    assert!(returned.error.is_none());
    assert!(!old.state().calls.iter().any(|c| c == "Warn"));
}

fn mock_without(cap: &str, files: &[(&str, &str)]) -> MockBridge {
    let mock = mock(files);
    mock.state().gateway_caps.retain(|c| c != cap);
    mock
}

fn pb_source(solve: &gw::SolveRequest) -> Option<crate::pb::pb::SourceOp> {
    use prost::Message;
    let def = solve.definition.as_ref()?;
    match crate::pb::pb::Op::decode(def.def.first()?.as_slice())
        .ok()?
        .op?
    {
        crate::pb::pb::op::Op::Source(source) => Some(source),
        _ => None,
    }
}
