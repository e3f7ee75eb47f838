//! The build: per target platform, resolve the base images, lower, solve; then one result
//! with the image config of every platform.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use serde_json::{Value, json};

use crate::ir;
use crate::lower::{self, ImageRequest, LowerOptions, ResolveMode, ResolvedImage, ResolvedImages};
use crate::pb::google::rpc::Status;
use crate::pb::moby::buildkit::v1::frontend as gw;
use crate::platform::Platform;
use crate::source::{SourceFiles, Sources};

use super::client::Bridge;
use super::files::BuildSource;
use super::options::FrontendOptions;
use super::{base_platform, log, missing, report};

/// What one platform's build produced.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct PlatformBuild {
    /// The platform asked for: the key of `refs` and of the config.
    pub(crate) requested: Platform,
    /// The platform the image says it is (Windows adds `os.version` from its base).
    pub(crate) exported: Platform,
    pub(crate) ref_id: String,
    pub(crate) config: lower::ImageConfig,
}

/// One target platform with the Buildfile loaded and checked for it: its INCLUDE paths and
/// IMPORTs may name the platform, so each platform may build other files.
pub(crate) struct Target<'a> {
    pub(crate) platform: &'a Platform,
    pub(crate) buildfile: &'a ir::Buildfile,
    pub(crate) files: &'a SourceFiles,
}

/// Builds every target platform.
pub(crate) async fn build(
    bridge: &mut Bridge,
    source: &BuildSource,
    targets: &[Target<'_>],
    opts: &FrontendOptions,
    session_id: &str,
    build_platform: &Platform,
) -> Result<gw::Result, Status> {
    let multi = opts.is_multi_platform();
    if targets.len() > 1 && !bridge.caps.has("returnmap") {
        return Err(report::plain_error(
            "this BuildKit cannot return a result for several platforms (it lacks the `returnmap` capability); build one platform at a time",
        ));
    }
    let mut resolved = ResolvedImages::new();
    let mut lowered_all = Vec::new();
    let mut warned = Warned::new();
    for target in targets {
        let lower_opts = lower_options(
            opts,
            source,
            session_id,
            bridge,
            target.platform,
            build_platform,
            multi,
        );
        let (buildfile, file) = (target.buildfile, target.files);
        let requests = lower::images(buildfile, &lower_opts)
            .map_err(|d| report::diagnostics_error(&d, file))?;
        for request in requests {
            if let Entry::Vacant(slot) = resolved.entry(request) {
                let image = resolve(bridge, slot.key(), opts.resolve_mode, multi).await?;
                slot.insert(image);
            }
        }
        let checked = (&lower_opts, &resolved);
        check_bases(bridge, source, target, opts, checked, &mut warned).await?;
        let lowered = lower::lower(file, buildfile, &resolved, &lower_opts)
            .map_err(|d| report::diagnostics_error(&d, file))?;
        log!(
            "solving for {}: image config {}/{}{}",
            target.platform.id(),
            lowered.image_config.os(),
            lowered.image_config.architecture(),
            lowered
                .image_config
                .os_version()
                .map(|v| format!(" os.version {v}"))
                .unwrap_or_default(),
        );
        lowered_all.push(lowered);
    }
    let definitions = lowered_all
        .iter_mut()
        .map(|l| std::mem::take(&mut l.definition))
        .collect();
    let solved = bridge.solve_all(definitions, &opts.cache_imports).await;
    let mut builds = Vec::new();
    for ((target, lowered), ref_id) in targets.iter().zip(lowered_all).zip(solved) {
        let ref_id = match ref_id {
            Ok(ref_id) => ref_id,
            Err(error) => {
                let sources = &lowered.context_sources;
                let explained = missing::explain(
                    bridge,
                    &error.status,
                    sources,
                    source,
                    target.files,
                    session_id,
                );
                return Err(explained.await.unwrap_or(error.status));
            }
        };
        builds.push(PlatformBuild {
            requested: target.platform.clone(),
            exported: lowered.platform,
            ref_id,
            config: lowered.image_config,
        });
    }
    Ok(result(&builds, multi, opts.source_date_epoch))
}

/// The warnings already sent, by file name, range and message: a multi-platform build
/// checks each platform and says each finding once.
type Warned = std::collections::HashSet<(String, u32, u32, String)>;

/// The lint findings that need the resolved base images (InvalidBaseImagePlatform, and
/// UndefinedVar with the images' ENV): each goes to the progress output as a warning, or
/// fails the build under `# check=error=true`.
async fn check_bases(
    bridge: &mut Bridge,
    source: &BuildSource,
    target: &Target<'_>,
    opts: &FrontendOptions,
    (lower_opts, resolved): (&LowerOptions, &ResolvedImages),
    warned: &mut Warned,
) -> Result<(), Status> {
    let (buildfile, files) = (target.buildfile, target.files);
    let bases = lower::base_images(buildfile, lower_opts)
        .map_err(|d| report::diagnostics_error(&d, files))?;
    let mut found = base_platform::mismatches(buildfile, files, &bases, resolved);
    found.extend(base_platform::undefined_vars(
        buildfile, files, &bases, resolved,
    ));
    let inputs = crate::lint::Inputs {
        ignore: Some(&source.ignore.patterns),
        check: opts
            .build_args
            .get(crate::lint::BUILD_ARG)
            .map(String::as_str),
    };
    let found = base_platform::configured(found, buildfile, files, inputs);
    if found.has_errors() {
        return Err(report::diagnostics_error(&found, files));
    }
    for warning in found.iter() {
        let span = warning.span().unwrap_or_default();
        let name = files.file(span.file).map(|f| f.name.clone());
        let key = (
            name.unwrap_or_default(),
            span.start,
            span.end,
            warning.message.clone(),
        );
        if !warned.insert(key) {
            continue;
        }
        let request = report::warn_request(warning, files, &source.vertex);
        if let Err(e) = bridge.warn(request).await {
            log!("Warn failed: {e}");
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn lower_options(
    opts: &FrontendOptions,
    source: &BuildSource,
    session_id: &str,
    bridge: &Bridge,
    target: &Platform,
    build_platform: &Platform,
    multi: bool,
) -> LowerOptions {
    LowerOptions {
        target_platform: target.clone(),
        build_platform: build_platform.clone(),
        target: opts.target.clone(),
        build_args: opts.build_args.clone(),
        source_date_epoch: opts.source_date_epoch,
        labels: opts.labels.clone(),
        llb_caps: bridge.caps.llb.clone(),
        session_id: session_id.to_string(),
        context_excludes: source.ignore.excludes(),
        no_cache: opts.no_cache.clone(),
        image_resolve_mode: opts.resolve_mode,
        multi_platform: multi,
        named_contexts: opts.named_contexts.clone(),
        filename: source.file.name.clone(),
        worker_platforms: bridge.workers.clone(),
    }
}

/// The progress name of an image lookup, as dockerfile.v0 gives it: the platform only
/// when several are built (`[linux/arm64 internal] load metadata for …`).
fn metadata_log_name(request: &ImageRequest, multi: bool) -> String {
    let prefix = if multi {
        format!("{} internal", request.platform.id())
    } else {
        "internal".to_string()
    };
    format!("[{prefix}] load metadata for {}", request.reference)
}

/// Resolves one image for one platform: pinned by digest, with its config.
async fn resolve(
    bridge: &mut Bridge,
    request: &ImageRequest,
    mode: ResolveMode,
    multi: bool,
) -> Result<ResolvedImage, Status> {
    let log_name = metadata_log_name(request, multi);
    let (digest, config) = bridge
        .resolve_image_config(
            &request.reference,
            &request.platform,
            resolve_mode(mode),
            log_name,
        )
        .await
        .map_err(|e| e.status)?;
    let config = serde_json::from_slice(&config).map_err(|e| {
        report::plain_error(format!(
            "the config of image {} is not JSON: {e}",
            request.reference
        ))
    })?;
    Ok(ResolvedImage {
        reference: request.reference.clone(),
        digest,
        config,
    })
}

/// The string `ResolveImageConfig` takes.
fn resolve_mode(mode: ResolveMode) -> &'static str {
    match mode {
        ResolveMode::Default => "default",
        ResolveMode::Pull => "pull",
        ResolveMode::Local => "local",
    }
}

/// The `Return` result: `ref` and `containerimage.config` for one platform, `refs` and
/// `containerimage.config/<id>` for a multi-platform build, and `refs.platforms` always.
pub(crate) fn result(builds: &[PlatformBuild], multi: bool, epoch: Option<i64>) -> gw::Result {
    use gw::result::Result as R;
    let mut metadata: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let config_bytes = |b: &PlatformBuild| b.config.to_json();
    let result = match (multi, builds) {
        (false, [single]) => {
            metadata.insert("containerimage.config".into(), config_bytes(single));
            if let Some(epoch) = epoch {
                metadata.insert("source.date.epoch".into(), epoch.to_string().into_bytes());
            }
            R::Ref(gw::Ref {
                id: single.ref_id.clone(),
                def: None,
            })
        }
        _ => {
            let mut refs = BTreeMap::new();
            for build in builds {
                let id = build.requested.id();
                metadata.insert(format!("containerimage.config/{id}"), config_bytes(build));
                if let Some(epoch) = epoch {
                    metadata.insert(
                        format!("source.date.epoch/{id}"),
                        epoch.to_string().into_bytes(),
                    );
                }
                refs.insert(
                    id,
                    gw::Ref {
                        id: build.ref_id.clone(),
                        def: None,
                    },
                );
            }
            R::Refs(gw::RefMap { refs })
        }
    };
    metadata.insert(
        "refs.platforms".into(),
        refs_platforms(builds).to_string().into_bytes(),
    );
    gw::Result {
        result: Some(result),
        metadata,
        attestations: BTreeMap::new(),
    }
}

/// `refs.platforms`: Go struct JSON, keys `Platforms`, `ID`, `Platform`; the inner platform
/// uses OCI's keys.
fn refs_platforms(builds: &[PlatformBuild]) -> Value {
    let platforms: Vec<Value> = builds
        .iter()
        .map(|b| {
            let p = &b.exported;
            let mut platform = json!({"architecture": p.architecture, "os": p.os});
            if let Some(variant) = &p.variant {
                platform["variant"] = json!(variant);
            }
            if let Some(version) = &p.os_version {
                platform["os.version"] = json!(version);
            }
            json!({"ID": b.requested.id(), "Platform": platform})
        })
        .collect();
    json!({ "Platforms": platforms })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(platform: &str, ref_id: &str) -> PlatformBuild {
        let p = Platform::parse(platform).unwrap();
        PlatformBuild {
            requested: p.clone(),
            exported: p.clone(),
            ref_id: ref_id.into(),
            config: lower::ImageConfig::from_base(
                &json!({"architecture": p.architecture, "os": p.os}),
            ),
        }
    }

    fn meta_json(result: &gw::Result, key: &str) -> Value {
        serde_json::from_slice(&result.metadata[key]).unwrap()
    }

    #[test]
    fn single_platform_returns_one_ref() {
        let result = result(&[build("linux/amd64", "r1")], false, Some(42));
        assert_eq!(
            result.result,
            Some(gw::result::Result::Ref(gw::Ref {
                id: "r1".into(),
                def: None
            }))
        );
        assert_eq!(
            meta_json(&result, "containerimage.config")["architecture"],
            "amd64"
        );
        assert_eq!(result.metadata["source.date.epoch"], b"42");
        assert_eq!(
            meta_json(&result, "refs.platforms"),
            json!({"Platforms": [{"ID": "linux/amd64", "Platform": {"architecture": "amd64", "os": "linux"}}]})
        );
    }

    #[test]
    fn multi_platform_returns_refs_and_a_config_each() {
        let result = result(
            &[build("linux/amd64", "a"), build("linux/arm/v7", "b")],
            true,
            None,
        );
        let Some(gw::result::Result::Refs(refs)) = &result.result else {
            panic!("expected refs: {:?}", result.result);
        };
        assert_eq!(refs.refs["linux/arm/v7"].id, "b");
        assert_eq!(
            meta_json(&result, "containerimage.config/linux/arm/v7")["architecture"],
            "arm"
        );
        assert!(!result.metadata.contains_key("containerimage.config"));
        let platforms = meta_json(&result, "refs.platforms");
        assert_eq!(platforms["Platforms"][1]["Platform"]["variant"], "v7");
    }

    #[test]
    fn windows_exports_its_os_version() {
        let mut b = build("windows/amd64", "w");
        b.exported.os_version = Some("10.0.20348.2227".into());
        let result = result(&[b], false, None);
        let platforms = meta_json(&result, "refs.platforms");
        assert_eq!(platforms["Platforms"][0]["ID"], "windows/amd64");
        assert_eq!(
            platforms["Platforms"][0]["Platform"]["os.version"],
            "10.0.20348.2227"
        );
    }

    #[test]
    fn one_platform_forced_multi_uses_refs() {
        let result = result(&[build("linux/amd64", "a")], true, None);
        assert!(matches!(result.result, Some(gw::result::Result::Refs(_))));
        assert!(
            result
                .metadata
                .contains_key("containerimage.config/linux/amd64")
        );
    }
}

#[cfg(test)]
#[path = "build_tests.rs"]
mod flow_tests;
