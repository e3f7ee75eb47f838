//! The image config a stage builds up: inherited from the base image, changed by the
//! metadata instructions, and one history entry per instruction.
//!
//! The config is typed as docker-image-spec's `DockerOCIImage`, the struct dockerfile.v0
//! reads the base config into and writes out again: the same fields, in Go's declaration
//! order, empty ones left out as Go's `omitempty` leaves them out. Whatever else a base
//! config holds (`container_config`, `docker_version`, the empty `Hostname` of an
//! imported image) is dropped, as Go's decoder drops it. The exporter hashes these bytes
//! into the image ID, so switching between dockerfile.v0 and rustbuild keeps the ID.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};

use crate::platform::Platform;

/// The default `PATH` BuildKit gives Linux images and commands (`system.DefaultPathEnvUnix`).
pub(crate) const DEFAULT_PATH: &str =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// What dockerfile.v0 writes as the comment of each history entry it adds.
const HISTORY_COMMENT: &str = "buildkit.dockerfile.v0";

/// An OCI image config with Docker's extensions (`containerimage.config`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ImageConfig {
    // No `created`: the base's is dropped, as dockerfile.v0 drops it; the exporter sets it.
    #[serde(deserialize_with = "lenient", skip_serializing_if = "is_default")]
    author: String,
    #[serde(deserialize_with = "lenient")]
    architecture: String,
    #[serde(deserialize_with = "lenient")]
    os: String,
    #[serde(
        rename = "os.version",
        deserialize_with = "lenient",
        skip_serializing_if = "is_default"
    )]
    os_version: String,
    #[serde(
        rename = "os.features",
        deserialize_with = "lenient",
        skip_serializing_if = "is_default"
    )]
    os_features: Vec<String>,
    #[serde(deserialize_with = "lenient", skip_serializing_if = "is_default")]
    variant: String,
    #[serde(deserialize_with = "lenient")]
    pub(crate) config: Config,
    #[serde(deserialize_with = "lenient")]
    rootfs: RootFs,
    #[serde(deserialize_with = "lenient", skip_serializing_if = "is_default")]
    history: Vec<History>,
}

/// `config`: OCI's `ImageConfig` then Docker's `DockerOCIImageConfigExt`, in that order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub(crate) struct Config {
    #[serde(deserialize_with = "lenient", skip_serializing_if = "is_default")]
    pub(crate) user: String,
    #[serde(deserialize_with = "lenient", skip_serializing_if = "is_default")]
    pub(crate) exposed_ports: Set,
    #[serde(deserialize_with = "lenient", skip_serializing_if = "is_default")]
    pub(crate) env: Vec<String>,
    #[serde(deserialize_with = "lenient", skip_serializing_if = "is_default")]
    pub(crate) entrypoint: Vec<String>,
    #[serde(deserialize_with = "lenient", skip_serializing_if = "is_default")]
    pub(crate) cmd: Vec<String>,
    #[serde(deserialize_with = "lenient", skip_serializing_if = "is_default")]
    pub(crate) volumes: Set,
    #[serde(deserialize_with = "lenient", skip_serializing_if = "is_default")]
    pub(crate) working_dir: String,
    #[serde(deserialize_with = "lenient", skip_serializing_if = "is_default")]
    pub(crate) labels: BTreeMap<String, String>,
    #[serde(deserialize_with = "lenient", skip_serializing_if = "is_default")]
    pub(crate) stop_signal: String,
    #[serde(deserialize_with = "lenient", skip_serializing_if = "is_default")]
    pub(crate) args_escaped: bool,
    #[serde(deserialize_with = "lenient", skip_serializing_if = "is_default")]
    pub(crate) healthcheck: Option<Healthcheck>,
    #[serde(deserialize_with = "lenient", skip_serializing_if = "is_default")]
    pub(crate) on_build: Vec<String>,
    #[serde(deserialize_with = "lenient", skip_serializing_if = "is_default")]
    pub(crate) shell: Vec<String>,
}

/// Go's `map[string]struct{}` (`ExposedPorts`, `Volumes`): keys to `{}`, sorted.
pub(crate) type Set = BTreeMap<String, Empty>;

/// The `{}` of a [`Set`] entry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Empty {}

/// `HEALTHCHECK`: the test and its durations in nanoseconds; zero means "inherit".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub(crate) struct Healthcheck {
    #[serde(deserialize_with = "lenient", skip_serializing_if = "is_default")]
    pub(crate) test: Vec<String>,
    #[serde(deserialize_with = "lenient", skip_serializing_if = "is_default")]
    pub(crate) interval: i64,
    #[serde(deserialize_with = "lenient", skip_serializing_if = "is_default")]
    pub(crate) timeout: i64,
    #[serde(deserialize_with = "lenient", skip_serializing_if = "is_default")]
    pub(crate) start_period: i64,
    #[serde(deserialize_with = "lenient", skip_serializing_if = "is_default")]
    pub(crate) start_interval: i64,
    #[serde(deserialize_with = "lenient", skip_serializing_if = "is_default")]
    pub(crate) retries: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
struct RootFs {
    #[serde(rename = "type", deserialize_with = "lenient")]
    kind: String,
    /// Go's `[]digest.Digest` without `omitempty`: `null` when there are none.
    #[serde(deserialize_with = "lenient")]
    diff_ids: Option<Vec<String>>,
}

impl Default for RootFs {
    fn default() -> Self {
        Self {
            kind: "layers".to_string(),
            diff_ids: None,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
struct History {
    #[serde(deserialize_with = "lenient", skip_serializing_if = "is_default")]
    created: Option<String>,
    #[serde(deserialize_with = "lenient", skip_serializing_if = "is_default")]
    created_by: String,
    #[serde(deserialize_with = "lenient", skip_serializing_if = "is_default")]
    author: String,
    #[serde(deserialize_with = "lenient", skip_serializing_if = "is_default")]
    comment: Cow<'static, str>,
    #[serde(deserialize_with = "lenient", skip_serializing_if = "is_default")]
    empty_layer: bool,
}

/// A field the base config has in an unexpected shape (`"Env": null`, a number where a
/// list belongs) reads as empty: the config of an image someone else built must not
/// stop the build.
fn lenient<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned + Default,
{
    let value = serde_json::Value::deserialize(deserializer)?;
    Ok(T::deserialize(value).unwrap_or_default())
}

/// Go's `omitempty`: the zero value is left out.
fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

impl ImageConfig {
    /// The base image's config as dockerfile.v0 reads it, without `created` (the exporter
    /// sets it).
    pub(crate) fn from_base(config: &serde_json::Value) -> Self {
        Self::deserialize(config).unwrap_or_default()
    }

    /// dockerfile.v0's `emptyImage`: FROM scratch and images with an unknown config.
    pub(crate) fn empty(platform: &Platform) -> Self {
        let mut image = Self::default();
        image.set_platform(platform);
        image.config.working_dir = "/".to_string();
        if !platform.is_windows() {
            image.config.env = vec![format!("PATH={DEFAULT_PATH}")];
        }
        image
    }

    /// A base image without layers is built on scratch, as dockerfile.v0 does.
    pub(crate) fn has_layers(&self) -> bool {
        let diff_ids = self.rootfs.diff_ids.as_ref().is_some_and(|d| !d.is_empty());
        diff_ids || self.history.iter().any(|entry| !entry.empty_layer)
    }

    pub(crate) fn set_platform(&mut self, platform: &Platform) {
        self.os.clone_from(&platform.os);
        self.architecture.clone_from(&platform.architecture);
        self.variant = platform.variant.clone().unwrap_or_default();
        if let Some(version) = &platform.os_version {
            self.os_version.clone_from(version);
        }
    }

    /// The target platform replaces os/architecture (and variant and os.version when set
    /// or when os/architecture changed), as `finalizeResultImage` does.
    pub(crate) fn apply_target_platform(&mut self, target: &Platform) {
        let same = self.os == target.os && self.architecture == target.architecture;
        self.os.clone_from(&target.os);
        self.architecture.clone_from(&target.architecture);
        if target.variant.is_some() || !same {
            self.variant = target.variant.clone().unwrap_or_default();
        }
        if target.os_version.is_some() || !same {
            self.os_version = target.os_version.clone().unwrap_or_default();
        }
    }

    pub fn os(&self) -> &str {
        &self.os
    }

    pub fn architecture(&self) -> &str {
        &self.architecture
    }

    /// `os.version`, which Windows images carry.
    pub fn os_version(&self) -> Option<&str> {
        Some(self.os_version.as_str()).filter(|v| !v.is_empty())
    }

    pub(crate) fn set_author(&mut self, author: &str) {
        self.author = author.to_string();
    }

    /// The value the config's `Env` gives `key`.
    pub(crate) fn env(&self, key: &str) -> Option<String> {
        self.config.env.iter().find_map(|e| {
            let (k, v) = crate::vars::split_key_value(e);
            (k == key).then(|| v.to_string())
        })
    }

    /// dockerfile.v0's `addEnv`: replace the entry in place, or append.
    pub(crate) fn add_env(&mut self, key: &str, value: &str) {
        let mut entry = String::with_capacity(key.len() + 1 + value.len());
        entry.push_str(key);
        entry.push('=');
        entry.push_str(value);
        let env = &mut self.config.env;
        match env
            .iter()
            .position(|e| crate::vars::split_key_value(e).0 == key)
        {
            Some(i) => env[i] = entry,
            None => env.push(entry),
        }
    }

    /// Appends one history entry like dockerfile.v0's `commitToHistory`.
    pub(crate) fn push_history(
        &mut self,
        created_by: String,
        empty_layer: bool,
        created: Option<&str>,
    ) {
        self.history.push(History {
            created: created.map(str::to_string),
            created_by,
            author: String::new(),
            comment: Cow::Borrowed(HISTORY_COMMENT),
            empty_layer,
        });
    }

    /// The config as the bytes of `containerimage.config`.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// The config as a JSON value, for people and tests (keys sorted).
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn empty_image_has_path_on_linux_only() {
        let linux = ImageConfig::empty(&Platform::linux_amd64()).to_value();
        assert_eq!(
            linux["config"]["Env"][0],
            json!(format!("PATH={DEFAULT_PATH}"))
        );
        assert_eq!(linux["config"]["WorkingDir"], json!("/"));
        let windows = ImageConfig::empty(&Platform::new("windows", "amd64")).to_value();
        assert_eq!(windows["config"].get("Env"), None);
        assert_eq!(windows["os"], json!("windows"));
    }

    #[test]
    fn base_config_loses_created_and_env_replaces_in_place() {
        let base = json!({"created": "2024-01-01T00:00:00Z", "os": "linux",
            "config": {"Env": ["A=1", "B=2"]}, "rootfs": {"type": "layers", "diff_ids": ["sha256:x"]}});
        let mut image = ImageConfig::from_base(&base);
        assert!(image.has_layers());
        image.add_env("A", "3");
        image.add_env("C", "4");
        image.push_history("ENV A=3".into(), true, None);
        let value = image.to_value();
        assert_eq!(value.get("created"), None);
        assert_eq!(value["config"]["Env"], json!(["A=3", "B=2", "C=4"]));
        assert_eq!(value["history"][0]["empty_layer"], json!(true));
        assert_eq!(
            value["history"][0]["comment"],
            json!("buildkit.dockerfile.v0")
        );
    }

    #[test]
    fn target_platform_overrides_os_and_arch() {
        let base = json!({"os": "linux", "architecture": "arm64", "variant": "v8"});
        let mut image = ImageConfig::from_base(&base);
        image.apply_target_platform(&Platform::linux_amd64());
        let value = image.to_value();
        assert_eq!(
            (value["architecture"].as_str(), value.get("variant")),
            (Some("amd64"), None)
        );
    }

    /// What `docker import` writes, read and written back as dockerfile.v0 does: the keys
    /// Docker's schema lacks are gone, and the rest keeps Go's field order.
    #[test]
    fn imported_base_is_written_in_go_field_order_without_foreign_keys() {
        let base = json!({
            "architecture": "amd64", "comment": "Imported from -",
            "config": {"AttachStderr": false, "Cmd": ["/bin/sh"], "Domainname": "",
                "Entrypoint": null, "Env": ["PATH=/bin"], "Hostname": "",
                "Labels": {"b": "2", "a": "1"}, "OnBuild": null, "User": "",
                "ExposedPorts": {"80/tcp": {}}, "WorkingDir": ""},
            "container_config": {"Cmd": null},
            "created": "2026-12-01T20:26:20.352906311Z",
            "docker_version": "26.1.5",
            "history": [{"created": "2026-12-01T20:26:20.352906311Z", "comment": "Imported from -"}],
            "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": ["sha256:aa"]}
        });
        let image = ImageConfig::from_base(&base);
        let text = String::from_utf8(image.to_json()).unwrap();
        assert_eq!(
            text,
            r#"{"architecture":"amd64","os":"linux","config":{"ExposedPorts":{"80/tcp":{}},"Env":["PATH=/bin"],"Cmd":["/bin/sh"],"Labels":{"a":"1","b":"2"}},"rootfs":{"type":"layers","diff_ids":["sha256:aa"]},"history":[{"created":"2026-12-01T20:26:20.352906311Z","comment":"Imported from -"}]}"#
        );
    }

    /// A Windows base with no `Env` keeps none: Go leaves an empty list out.
    #[test]
    fn empty_lists_are_left_out() {
        let base = json!({"os": "windows", "architecture": "amd64",
            "config": {"Env": [], "User": "ContainerUser"}});
        let text = String::from_utf8(ImageConfig::from_base(&base).to_json()).unwrap();
        assert!(!text.contains("Env"), "{text}");
        assert!(
            text.contains(r#""config":{"User":"ContainerUser"}"#),
            "{text}"
        );
    }

    #[test]
    fn fields_of_an_unexpected_shape_read_as_empty() {
        let base = json!({"os": "linux", "config": {"Env": 7, "Cmd": ["sh"],
            "Healthcheck": "bad"}, "history": {"not": "a list"}});
        let image = ImageConfig::from_base(&base);
        assert!(image.config.env.is_empty());
        assert_eq!(image.config.cmd, ["sh"]);
        assert_eq!(image.config.healthcheck, None);
        assert!(image.history.is_empty());
        assert_eq!(
            ImageConfig::from_base(&json!("not an object")),
            ImageConfig::default()
        );
    }
}
