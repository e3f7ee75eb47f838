//! The lint findings only resolved base images allow, which the lint stage (no image
//! config) cannot make: InvalidBaseImagePlatform, a base image whose config says another OS
//! or architecture than the platform its stage is built for (a single-platform image pulled
//! for another one); and UndefinedVar in stages based on images, with their ENV known.

use std::collections::{BTreeMap, HashSet};

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::ir;
use crate::lint::{self, Rule};
use crate::lower::{ImageRequest, ResolvedImages};
use crate::platform::Platform;
use crate::source::{SourceFiles, Sources};
use crate::vars::format_all;

/// A finding for every stage whose resolved base image has another OS or architecture
/// than `request.platform`, at the image's word of its FROM line.
pub(crate) fn mismatches(
    buildfile: &ir::Buildfile,
    files: &SourceFiles,
    bases: &[(usize, ImageRequest)],
    resolved: &ResolvedImages,
) -> Diagnostics {
    let mut found = Diagnostics::new();
    for (index, request) in bases {
        let (Some(stage), Some(image)) = (buildfile.stages.get(*index), resolved.get(request))
        else {
            continue;
        };
        let Some(actual) = config_platform(&image.config) else {
            continue;
        };
        let expected = request.platform.clone().normalize();
        if actual.os == expected.os && actual.architecture == expected.architecture {
            continue;
        }
        let written = files
            .file(stage.base.span.file)
            .map(|file| file.slice(stage.base.span).to_string())
            .filter(|_| stage.base.as_literal().is_some())
            .unwrap_or_else(|| request.reference.clone());
        found.push(mismatch(
            stage,
            &written,
            &format_all(&expected),
            &format_all(&actual),
        ));
    }
    found
}

fn mismatch(stage: &ir::Stage, image: &str, expected: &str, actual: &str) -> Diagnostic {
    Diagnostic::lint(
        Rule::InvalidBaseImagePlatform,
        format!(
            "Base image {image} was pulled with platform \"{actual}\", expected \"{expected}\" for current build"
        ),
    )
    .with_label(stage.base.span, format!("an image for {actual}"))
    .with_help(format!(
        "the image has no {expected} variant: its programs may not run (or run emulated); use an image built for {expected}, or say `FROM --platform={actual}` if that is meant"
    ))
}

/// The platform an image config says it is for (`os`, `architecture`, `variant`).
fn config_platform(config: &serde_json::Value) -> Option<Platform> {
    let os = config.get("os")?.as_str()?;
    let architecture = config.get("architecture")?.as_str()?;
    let mut platform = Platform::new(os, architecture);
    platform.variant = config
        .get("variant")
        .and_then(|v| v.as_str())
        .filter(|v| !v.is_empty())
        .map(str::to_string);
    Some(platform.normalize())
}

/// UndefinedVar with each image-based stage's base ENV: what the lint stage left unsaid.
pub(crate) fn undefined_vars(
    buildfile: &ir::Buildfile,
    files: &SourceFiles,
    bases: &[(usize, ImageRequest)],
    resolved: &ResolvedImages,
) -> Diagnostics {
    let envs: BTreeMap<usize, HashSet<String>> = bases
        .iter()
        .filter_map(|(index, request)| {
            let image = resolved.get(request)?;
            Some((*index, env_names(&image.config)))
        })
        .collect();
    if envs.is_empty() {
        return Diagnostics::new();
    }
    lint::undefined_with_images(buildfile, files, &envs)
}

/// The names an image config's `config.Env` (`KEY=value` strings) sets.
fn env_names(config: &serde_json::Value) -> HashSet<String> {
    let env = config.pointer("/config/Env").and_then(|e| e.as_array());
    let entries = env.into_iter().flatten().filter_map(|e| e.as_str());
    entries
        .map(|entry| {
            entry
                .split_once('=')
                .map_or(entry, |(key, _)| key)
                .to_string()
        })
        .collect()
}

/// `found` after the build's `# check=` (skipped rules dropped, `error=true` applied).
/// Only the findings themselves: what `configure` says of the `# check=` value itself the
/// analysis already reported.
pub(crate) fn configured(
    found: Diagnostics,
    buildfile: &ir::Buildfile,
    files: &SourceFiles,
    inputs: lint::Inputs<'_>,
) -> Diagnostics {
    if found.is_empty() {
        return found;
    }
    let configured = lint::configure(found, Some(buildfile), files, inputs);
    let ours = [Rule::InvalidBaseImagePlatform, Rule::UndefinedVar].map(Code::Lint);
    Diagnostics(
        configured
            .into_iter()
            .filter(|d| ours.contains(&d.code))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::config_platform;
    use crate::platform::Platform;

    #[test]
    fn a_config_platform_is_normalised() {
        let arm = config_platform(&json!({"os": "linux", "architecture": "aarch64"}));
        assert_eq!(arm, Some(Platform::new("linux", "arm64")));
        let v7 = config_platform(&json!({"os": "linux", "architecture": "arm", "variant": ""}));
        assert_eq!(v7.and_then(|p| p.variant).as_deref(), Some("v7"));
        assert_eq!(config_platform(&json!({"os": "linux"})), None);
    }

    #[test]
    fn env_names_are_the_keys() {
        let config = json!({"config": {"Env": ["PATH=/bin", "EMPTY=", "BARE"]}});
        let mut names: Vec<String> = super::env_names(&config).into_iter().collect();
        names.sort();
        assert_eq!(names, ["BARE", "EMPTY", "PATH"]);
        assert!(super::env_names(&json!({})).is_empty());
    }
}
