//! Image configs for other platforms than the daemon's, read from the OCI layout `bk26c`
//! exports (`-o type=oci`): several Linux platforms at once, and Windows on the synthetic
//! base image of `scripts/images.sh windows-base`. Each is checked against what the
//! Buildfile says, and against dockerfile.v0 building the same file.

use serde_json::{Value, json};

use crate::corpus::report;
use crate::daemon::daemon;
use crate::oci::{Image, Layout};
use crate::platforms::{NAMES, build_both};
use crate::workspace::Workspace;

/// The parts of an image config a build decides (`created`, `history` and `rootfs` are the
/// build's own).
fn decided(config: &Value) -> Value {
    json!({
        "os": config["os"],
        "architecture": config["architecture"],
        "variant": config["variant"],
        "os.version": config["os.version"],
        "config": config["config"],
    })
}

fn image_for<'a>(images: &'a [Image], platform: &str, who: &str) -> &'a Image {
    images
        .iter()
        .find(|i| i.descriptor_platform() == platform)
        .unwrap_or_else(|| {
            let found: Vec<String> = images.iter().map(Image::descriptor_platform).collect();
            panic!("{who}: no {platform} image in the layout, only {found:?}")
        })
}

const LINUX_DEFAULT_PATH: &str =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// No RUN: a Linux daemon builds it for any platform.
const MULTI_PLATFORM: &str = "FROM scratch
ARG TARGETARCH
ENV APP_HOME=/srv/app BUILT_FOR=${TARGETARCH}
LABEL org.example.name=\"multi platform\" org.example.arch=$TARGETARCH
USER 1000:1000
WORKDIR /srv/app
CMD [\"/srv/app/run\", \"--flag\"]
";

#[test]
fn bk26c_two_linux_platforms_give_two_configs() {
    let daemon = daemon("bk26c");
    let work = Workspace::new("oci-multi-platform");
    work.write("context/.keep", "");
    let [reference, rustbuild] = build_both(
        daemon,
        &work,
        MULTI_PLATFORM,
        &[
            "--platform",
            "linux/amd64,linux/arm64",
            "-o",
            "type=oci,dest=OUT",
        ],
    );
    let (reference, rustbuild) = (
        Layout::read(&reference).images(),
        Layout::read(&rustbuild).images(),
    );
    let mut platforms: Vec<String> = rustbuild.iter().map(Image::descriptor_platform).collect();
    platforms.sort();
    assert_eq!(
        platforms,
        ["linux/amd64", "linux/arm64"],
        "rustbuild's index"
    );
    for arch in ["amd64", "arm64"] {
        let platform = format!("linux/{arch}");
        let image = image_for(&rustbuild, &platform, "rustbuild");
        let config = &image.config;
        assert_eq!(
            image.manifest["config"]["mediaType"], "application/vnd.oci.image.config.v1+json",
            "{platform} manifest"
        );
        assert_eq!(
            (&config["os"], &config["architecture"]),
            (&json!("linux"), &json!(arch))
        );
        let c = &config["config"];
        assert_eq!(
            c["Env"],
            json!([
                LINUX_DEFAULT_PATH,
                "APP_HOME=/srv/app",
                format!("BUILT_FOR={arch}")
            ]),
            "{platform} Env"
        );
        assert_eq!(
            c["Labels"],
            json!({"org.example.name": "multi platform", "org.example.arch": arch}),
            "{platform} Labels"
        );
        assert_eq!(
            c["Cmd"],
            json!(["/srv/app/run", "--flag"]),
            "{platform} Cmd"
        );
        assert_eq!(c["User"], "1000:1000", "{platform} User");
        assert_eq!(c["WorkingDir"], "/srv/app", "{platform} WorkingDir");
        let expected = decided(&image_for(&reference, &platform, NAMES.0).config);
        assert_eq!(
            decided(config),
            expected,
            "{platform}: rustbuild's config differs from dockerfile.v0's"
        );
    }
    assert_eq!(reference.len(), rustbuild.len(), "image count");
}

const WINDOWS_BASE_VERSION: &str = "10.0.20348.2227";

const WINDOWS: &str = "FROM 127.0.0.1:5000/rustbuild/nanoserver:ltsc2022
USER ContainerAdministrator
COPY app.cmd /app/
ENV APP_MODE=production
WORKDIR /app/data
ENTRYPOINT [\"cmd\", \"/S\", \"/C\", \"C:\\\\app\\\\app.cmd\"]
";

/// BuildKit 0.13's dockerfile.v0 gives every Windows image a default PATH (removed upstream
/// by moby/buildkit#5895, as the OS sets PATH from the registry) and drops the base image's
/// os.version (a 0.13 regression, moby/buildkit#5713). rustbuild does neither; the reference
/// is corrected for exactly these two, and the correction is reported when used.
const BUILDKIT_013_WINDOWS_PATH: &str = "PATH=c:\\Windows\\System32;c:\\Windows";

pub(crate) fn without_buildkit_013_windows_quirks(mut reference: Value) -> Value {
    if let Some(env) = reference["config"]["Env"].as_array_mut() {
        let before = env.len();
        env.retain(|e| e != BUILDKIT_013_WINDOWS_PATH);
        if env.len() != before {
            report(
                "NOTE windows config: dockerfile.v0's default Windows PATH left out (BuildKit 0.13)",
            );
        }
        // Without its PATH, 0.13's list is empty, and Go leaves an empty list out.
        if env.is_empty()
            && let Some(config) = reference["config"].as_object_mut()
        {
            config.remove("Env");
        }
    }
    if reference["os.version"].is_null() {
        report("NOTE windows config: dockerfile.v0 dropped os.version (BuildKit 0.13)");
        reference["os.version"] = json!(WINDOWS_BASE_VERSION);
    }
    reference
}

#[test]
fn bk26c_windows_config_keeps_the_windows_rules() {
    let daemon = daemon("bk26c");
    let work = Workspace::new("oci-windows");
    work.write("context/app.cmd", "@echo off\r\necho hello\r\n");
    let [reference, rustbuild] = build_both(
        daemon,
        &work,
        WINDOWS,
        &["--platform", "windows/amd64", "-o", "type=oci,dest=OUT"],
    );
    let (reference, rustbuild) = (
        Layout::read(&reference).images(),
        Layout::read(&rustbuild).images(),
    );
    assert_eq!(rustbuild.len(), 1, "one image");
    let image = image_for(&rustbuild, "windows/amd64", "rustbuild");
    let config = &image.config;
    assert_eq!(config["os"], "windows");
    assert_eq!(config["architecture"], "amd64");
    assert_eq!(config["os.version"], WINDOWS_BASE_VERSION, "from the base");
    assert_eq!(
        image.descriptor["platform"]["os.version"], WINDOWS_BASE_VERSION,
        "the index descriptor's platform"
    );
    let c = &config["config"];
    assert_eq!(c["WorkingDir"], "\\app\\data");
    assert_eq!(c["Env"], json!(["APP_MODE=production"]), "no default PATH");
    assert_eq!(c["User"], "ContainerAdministrator");
    assert_eq!(
        c["Entrypoint"],
        json!(["cmd", "/S", "/C", "C:\\app\\app.cmd"])
    );
    assert_eq!(c["Cmd"], Value::Null, "ENTRYPOINT clears the base's CMD");
    let expected = without_buildkit_013_windows_quirks(decided(
        &image_for(&reference, "windows/amd64", NAMES.0).config,
    ));
    assert_eq!(
        decided(config),
        expected,
        "rustbuild's Windows config differs from dockerfile.v0's"
    );
}

/// The shape of rustbuild's own frontend image: no ENV, so no `Env` at all (not `[]`), and
/// with `SOURCE_DATE_EPOCH` the whole config (history and layers included) is
/// dockerfile.v0's, but for the two BuildKit 0.13 quirks above.
pub(crate) const WINDOWS_WITHOUT_ENV: &str = "FROM 127.0.0.1:5000/rustbuild/nanoserver:ltsc2022
USER ContainerUser
COPY app.cmd /app/
ENTRYPOINT [\"C:\\\\app\\\\app.cmd\"]
";

#[test]
fn bk26c_windows_config_without_env_is_dockerfile_v0s() {
    let daemon = daemon("bk26c");
    let work = Workspace::new("oci-windows-no-env");
    work.write("context/app.cmd", "@echo off\r\necho hello\r\n");
    let [reference, rustbuild] = build_both(
        daemon,
        &work,
        WINDOWS_WITHOUT_ENV,
        &[
            "--platform",
            "windows/amd64",
            "--build-arg",
            "SOURCE_DATE_EPOCH=0",
            "-o",
            "type=oci,dest=OUT",
        ],
    );
    let (reference, rustbuild) = (
        Layout::read(&reference).images(),
        Layout::read(&rustbuild).images(),
    );
    let config = &image_for(&rustbuild, "windows/amd64", NAMES.1).config;
    assert_eq!(config["config"].get("Env"), None, "no Env field: {config}");
    assert_eq!(config["config"]["User"], "ContainerUser");
    let expected = without_buildkit_013_windows_quirks(
        image_for(&reference, "windows/amd64", NAMES.0)
            .config
            .clone(),
    );
    assert_eq!(
        config, &expected,
        "rustbuild's Windows config differs from dockerfile.v0's"
    );
}
