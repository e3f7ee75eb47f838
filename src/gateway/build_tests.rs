//! The build flow against mock_bridge, on a hand-made IR (`FROM local/busybox`), so it does
//! not depend on the parser.

use std::collections::BTreeMap;

use serde_json::json;

use super::*;
use crate::gateway::mock_bridge::{MODERN_GATEWAY, MockBridge, State};
use crate::source::{SourceFile, Span};

const IMAGE: &str = "docker.io/local/busybox:latest";

fn mock() -> MockBridge {
    let config = |arch: &str| {
        json!({"architecture": arch, "os": "linux",
               "config": {"Env": ["PATH=/bin"], "Cmd": ["/bin/sh"]},
               "rootfs": {"type": "layers", "diff_ids": []}})
    };
    MockBridge::new(State {
        gateway_caps: MODERN_GATEWAY.iter().map(|s| s.to_string()).collect(),
        llb_caps: crate::lower::default_llb_caps().into_iter().collect(),
        images: BTreeMap::from([(IMAGE.to_string(), config("amd64"))]),
        ..State::default()
    })
}

fn source() -> (BuildSource, ir::Buildfile) {
    let text = "FROM local/busybox\n";
    let file = SourceFile::new("Buildfile", text);
    let stage = ir::Stage {
        base: ir::Word::literal("local/busybox", Span::new(5, 18)),
        platform: None,
        name: None,
        description: None,
        steps: Vec::new(),
        namespace: None,
        text: "FROM local/busybox".to_string(),
        span: Span::new(0, 18),
    };
    let buildfile = ir::Buildfile {
        directives: ir::Directives::default(),
        global_args: Vec::new(),
        stages: vec![stage],
        imports: Vec::new(),
    };
    let source = BuildSource {
        file,
        input: None,
        ignore: Default::default(),
        vertex: String::new(),
    };
    (source, buildfile)
}

fn opts(pairs: &[(&str, &str)]) -> FrontendOptions {
    let map = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    FrontendOptions::parse(&map).unwrap()
}

async fn run(mock: &MockBridge, opts: &FrontendOptions) -> Result<gw::Result, Status> {
    let (source, buildfile) = source();
    let files = crate::source::SourceFiles::new(source.file.clone());
    let mut bridge = mock.connect().await;
    let build_platform = Platform::linux_amd64();
    let platforms = if opts.platforms.is_empty() {
        vec![build_platform.clone()]
    } else {
        opts.platforms.clone()
    };
    let targets: Vec<Target> = platforms
        .iter()
        .map(|platform| Target {
            platform,
            buildfile: &buildfile,
            files: &files,
        })
        .collect();
    build(&mut bridge, &source, &targets, opts, "sid", &build_platform).await
}

#[tokio::test]
async fn one_platform_resolves_pins_and_returns_the_config() {
    let mock = mock();
    let result = run(
        &mock,
        &opts(&[("image-resolve-mode", "pull"), ("cache-from", "c/d:e")]),
    )
    .await
    .unwrap();
    let state = mock.state();
    assert_eq!(state.resolves.len(), 1);
    let resolve = &state.resolves[0];
    assert_eq!(resolve.r#ref, IMAGE);
    assert_eq!(resolve.resolve_mode, "pull");
    assert_eq!(resolve.platform.as_ref().unwrap().architecture, "amd64");
    // dockerfile.v0 names the platform only when several are built
    assert_eq!(
        resolve.log_name,
        "[internal] load metadata for docker.io/local/busybox:latest"
    );
    assert_eq!(state.solves.len(), 1);
    assert_eq!(state.solves[0].cache_imports[0].attrs["ref"], "c/d:e");
    assert!(state.solves[0].allow_result_array_ref && state.solves[0].allow_result_return);
    let config: Value = serde_json::from_slice(&result.metadata["containerimage.config"]).unwrap();
    assert_eq!(
        config["config"]["Cmd"],
        json!(["/bin/sh"]),
        "inherited from the base"
    );
    assert!(matches!(result.result, Some(gw::result::Result::Ref(_))));
}

#[tokio::test]
async fn two_platforms_give_two_refs_and_resolve_each() {
    let mock = mock();
    let result = run(&mock, &opts(&[("platform", "linux/amd64,linux/arm64")]))
        .await
        .unwrap();
    let state = mock.state();
    let arches: Vec<&str> = state
        .resolves
        .iter()
        .map(|r| r.platform.as_ref().unwrap().architecture.as_str())
        .collect();
    assert_eq!(arches, ["amd64", "arm64"]);
    assert_eq!(
        state.resolves[1].log_name,
        "[linux/arm64 internal] load metadata for docker.io/local/busybox:latest"
    );
    let Some(gw::result::Result::Refs(refs)) = &result.result else {
        panic!("expected refs");
    };
    assert_eq!(
        refs.refs.keys().collect::<Vec<_>>(),
        ["linux/amd64", "linux/arm64"]
    );
    let arm: Value =
        serde_json::from_slice(&result.metadata["containerimage.config/linux/arm64"]).unwrap();
    assert_eq!(arm["architecture"], "arm64");
}

#[tokio::test]
async fn a_failed_resolve_is_passed_on() {
    let mock = mock();
    mock.state().images.clear();
    let status = run(&mock, &opts(&[])).await.unwrap_err();
    assert_eq!(status.code, tonic::Code::NotFound as i32);
    assert!(status.message.contains(IMAGE), "{}", status.message);
    assert!(mock.state().solves.is_empty());
}

#[tokio::test]
async fn an_unknown_target_is_a_diagnostic() {
    let mock = mock();
    let status = run(&mock, &opts(&[("target", "nope")])).await.unwrap_err();
    assert_eq!(status.code, 2);
    assert!(status.message.contains("nope"), "{}", status.message);
}

#[tokio::test]
async fn several_platforms_need_returnmap() {
    let mock = mock();
    mock.state().gateway_caps.retain(|c| c != "returnmap");
    let status = run(&mock, &opts(&[("platform", "linux/amd64,linux/arm64")]))
        .await
        .unwrap_err();
    assert!(status.message.contains("`returnmap`"), "{}", status.message);
    assert!(mock.state().solves.is_empty());
}

/// The `Warn`s a build sent, as their short text.
fn warnings(mock: &MockBridge) -> Vec<String> {
    let state = mock.state();
    let shorts = state.warnings.iter();
    shorts
        .map(|w| String::from_utf8_lossy(&w.short).into_owned())
        .collect()
}

#[tokio::test]
async fn a_base_image_of_another_platform_is_a_warning_at_its_from_line() {
    // The mock's only image is amd64, whatever platform is asked for.
    let mock = mock();
    run(&mock, &opts(&[("platform", "linux/arm64")]))
        .await
        .unwrap();
    assert_eq!(
        warnings(&mock),
        [
            "InvalidBaseImagePlatform: Base image local/busybox was pulled with platform \"linux/amd64\", expected \"linux/arm64\" for current build (line 1)"
        ]
    );
    let state = mock.state();
    assert_eq!(state.warnings[0].ranges.len(), 1);
    assert!(state.warnings[0].url.is_empty(), "Docker links no page");
}

#[tokio::test]
async fn a_base_image_of_the_platform_asked_for_is_no_warning() {
    let mock = mock();
    run(&mock, &opts(&[])).await.unwrap();
    assert!(warnings(&mock).is_empty());
}

#[tokio::test]
async fn the_check_build_arg_skips_the_base_platform_rule_or_makes_it_fail() {
    let mock = mock();
    let skip = (
        "build-arg:BUILDKIT_DOCKERFILE_CHECK",
        "skip=InvalidBaseImagePlatform",
    );
    run(&mock, &opts(&[("platform", "linux/arm64"), skip]))
        .await
        .unwrap();
    assert!(warnings(&mock).is_empty());
    let mock = self::mock();
    let error = ("build-arg:BUILDKIT_DOCKERFILE_CHECK", "error=true");
    let status = run(&mock, &opts(&[("platform", "linux/arm64"), error]))
        .await
        .unwrap_err();
    assert!(
        status.message.contains("was pulled with platform"),
        "{}",
        status.message
    );
    assert!(mock.state().solves.is_empty(), "nothing is solved");
}

/// Builds `text` (parsed and loaded, unlike [`source`]'s hand-made IR) for `platforms`.
async fn run_text(mock: &MockBridge, platforms: &str, text: &str) -> Result<gw::Result, Status> {
    let (mut source, _) = source();
    source.file = SourceFile::new("Buildfile", text);
    let build_args = BTreeMap::new();
    let build_platform = Platform::linux_amd64();
    let opts = opts(&[("platform", platforms)]);
    let scope = crate::vars::Scope {
        build_args: &build_args,
        target_platform: &build_platform,
        build_platform: &build_platform,
        target: None,
    };
    let alone = |_: &crate::load::Request| crate::load::Answer::NotFound("one file".into());
    let loaded = crate::load::load(source.file.clone(), scope, alone);
    let analysis = crate::analyze_loaded(loaded, crate::lint::Inputs::default());
    let buildfile = analysis.buildfile.as_ref().expect("the text builds");
    let targets: Vec<Target> = opts
        .platforms
        .iter()
        .map(|platform| Target {
            platform,
            buildfile,
            files: &analysis.files,
        })
        .collect();
    let mut bridge = mock.connect().await;
    build(
        &mut bridge,
        &source,
        &targets,
        &opts,
        "sid",
        &build_platform,
    )
    .await
}

#[tokio::test]
async fn undefined_vars_are_checked_with_the_base_images_env_once_per_finding() {
    let mock = mock();
    let image = mock.state().images[IMAGE].clone();
    let mut image = image;
    image["config"]["Env"] = json!(["PATH=/bin", "HOME_DIR=/root"]);
    mock.state().images.insert(IMAGE.to_string(), image);
    let text = "FROM local/busybox\nWORKDIR $HOME_DIR\nWORKDIR $HOME_DIRR\nUSER $TARGETARH\n";
    run_text(&mock, "linux/amd64,linux/arm64", text)
        .await
        .unwrap();
    let undefined: Vec<String> = warnings(&mock)
        .into_iter()
        .filter(|w| w.starts_with("UndefinedVar"))
        .collect();
    // $TARGETARH is the lint stage's (certain without the image), sent with the analysis.
    assert_eq!(
        undefined,
        [
            "UndefinedVar: Usage of undefined variable '$HOME_DIRR' (did you mean $HOME_DIR?) (line 3)"
        ]
    );
}
