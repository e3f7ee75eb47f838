//! InvalidBaseImagePlatform: a base image whose config says another OS or architecture
//! than the platform its stage is built for (a single-platform image pulled for another
//! one). Only the gateway knows it: the lint stage never sees an image config.

use crate::diagnostic::{Diagnostic, Diagnostics};
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

/// `found` after the build's `# check=` (skipped rules dropped, `error=true` applied).
/// Only the findings themselves: what `configure` says of the `# check=` value itself the
/// analysis already reported.
pub(crate) fn configured(
    found: Diagnostics,
    files: &SourceFiles,
    inputs: lint::Inputs<'_>,
) -> Diagnostics {
    if found.is_empty() {
        return found;
    }
    let configured = lint::configure(found, files, inputs);
    let rule = crate::diagnostic::Code::Lint(Rule::InvalidBaseImagePlatform);
    Diagnostics(configured.into_iter().filter(|d| d.code == rule).collect())
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
}
