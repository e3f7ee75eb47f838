//! The OCI image config a stage builds up: inherited from the base image, changed by
//! the metadata instructions, and one history entry per instruction.

use serde_json::{Map, Value, json};

use super::env::split_key_value;
use crate::platform::Platform;

/// The default `PATH` BuildKit gives Linux images and commands (`system.DefaultPathEnvUnix`).
pub(crate) const DEFAULT_PATH: &str =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// An image config as JSON, kept as a map so unknown fields of the base survive.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ImageConfig {
    /// Everything but `config`.
    root: Map<String, Value>,
    config: Map<String, Value>,
}

impl ImageConfig {
    /// The base image's config, without `created` (the exporter sets it).
    pub(crate) fn from_base(config: &Value) -> Self {
        let mut root = match config {
            Value::Object(map) => map.clone(),
            _ => Map::new(),
        };
        root.remove("created");
        let config = match root.remove("config") {
            Some(Value::Object(config)) => config,
            _ => Map::new(),
        };
        Self { root, config }
    }

    /// dockerfile.v0's `emptyImage`: FROM scratch and images with an unknown config.
    pub(crate) fn empty(platform: &Platform) -> Self {
        let mut image = Self {
            root: Map::new(),
            config: Map::new(),
        };
        image.set_platform(platform);
        image
            .root
            .insert("rootfs".into(), json!({ "type": "layers" }));
        image.set("WorkingDir", json!("/"));
        if !platform.is_windows() {
            image.set("Env", json!([format!("PATH={DEFAULT_PATH}")]));
        }
        image
    }

    /// A base image without layers is built on scratch, as dockerfile.v0 does.
    pub(crate) fn has_layers(&self) -> bool {
        let diff_ids = self
            .root
            .get("rootfs")
            .and_then(|r| r.get("diff_ids"))
            .and_then(Value::as_array)
            .is_some_and(|ids| !ids.is_empty());
        let layered_history = self
            .root
            .get("history")
            .and_then(Value::as_array)
            .is_some_and(|h| {
                h.iter().any(|e| {
                    !e.get("empty_layer")
                        .and_then(Value::as_bool)
                        .unwrap_or(false)
                })
            });
        diff_ids || layered_history
    }

    pub(crate) fn set_platform(&mut self, platform: &Platform) {
        self.root.insert("os".into(), json!(platform.os));
        self.root
            .insert("architecture".into(), json!(platform.architecture));
        match &platform.variant {
            Some(v) => self.root.insert("variant".into(), json!(v)),
            None => self.root.remove("variant"),
        };
        if let Some(version) = &platform.os_version {
            self.root.insert("os.version".into(), json!(version));
        }
    }

    /// The target platform replaces os/architecture (and variant and os.version when set
    /// or when os/architecture changed), as `finalizeResultImage` does.
    pub(crate) fn apply_target_platform(&mut self, target: &Platform) {
        let same = self.str("os") == Some(target.os.as_str())
            && self.str("architecture") == Some(target.architecture.as_str());
        self.root.insert("os".into(), json!(target.os));
        self.root
            .insert("architecture".into(), json!(target.architecture));
        if target.variant.is_some() || !same {
            match &target.variant {
                Some(v) => self.root.insert("variant".into(), json!(v)),
                None => self.root.remove("variant"),
            };
        }
        if target.os_version.is_some() || !same {
            match &target.os_version {
                Some(v) => self.root.insert("os.version".into(), json!(v)),
                None => self.root.remove("os.version"),
            };
        }
    }

    fn str(&self, key: &str) -> Option<&str> {
        self.root.get(key).and_then(Value::as_str)
    }

    /// The platform the image says it is for.
    pub(crate) fn os_version(&self) -> Option<String> {
        self.str("os.version").map(str::to_string)
    }

    pub(crate) fn set_author(&mut self, author: &str) {
        self.root.insert("author".into(), json!(author));
    }

    /// A field of `config` (`Env`, `User`, …).
    pub(crate) fn get(&self, key: &str) -> Option<&Value> {
        self.config.get(key)
    }

    pub(crate) fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Value::as_str)
    }

    pub(crate) fn strings(&self, key: &str) -> Option<Vec<String>> {
        self.get(key).and_then(Value::as_array).map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
    }

    pub(crate) fn set(&mut self, key: &str, value: Value) {
        self.config.insert(key.to_string(), value);
    }

    pub(crate) fn remove(&mut self, key: &str) {
        self.config.remove(key);
    }

    /// `Env` entries in order.
    pub(crate) fn env(&self) -> Vec<String> {
        self.strings("Env").unwrap_or_default()
    }

    /// dockerfile.v0's `addEnv`: replace the entry in place, or append.
    pub(crate) fn add_env(&mut self, key: &str, value: &str) {
        let mut env = self.env();
        let entry = format!("{key}={value}");
        match env.iter().position(|e| split_key_value(e).0 == key) {
            Some(i) => env[i] = entry,
            None => env.push(entry),
        }
        self.set("Env", json!(env));
    }

    /// Adds `key` to an object-valued field (`Labels`, `ExposedPorts`, `Volumes`).
    pub(crate) fn insert_into(&mut self, field: &str, key: &str, value: Value) {
        let entry = self
            .config
            .entry(field)
            .or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        if let Value::Object(map) = entry {
            map.insert(key.to_string(), value);
        }
    }

    /// Appends one history entry like dockerfile.v0's `commitToHistory`.
    pub(crate) fn push_history(
        &mut self,
        created_by: String,
        empty_layer: bool,
        created: Option<&str>,
    ) {
        let mut entry = Map::new();
        if let Some(created) = created {
            entry.insert("created".into(), json!(created));
        }
        entry.insert("created_by".into(), json!(created_by));
        entry.insert("comment".into(), json!("buildkit.dockerfile.v0"));
        if empty_layer {
            entry.insert("empty_layer".into(), json!(true));
        }
        let history = self
            .root
            .entry("history")
            .or_insert_with(|| Value::Array(Vec::new()));
        if !history.is_array() {
            *history = Value::Array(Vec::new());
        }
        if let Value::Array(items) = history {
            items.push(Value::Object(entry));
        }
    }

    pub(crate) fn into_value(self) -> Value {
        let mut root = self.root;
        root.insert("config".into(), Value::Object(self.config));
        Value::Object(root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_image_has_path_on_linux_only() {
        let linux = ImageConfig::empty(&Platform::linux_amd64()).into_value();
        assert_eq!(
            linux["config"]["Env"][0],
            json!(format!("PATH={DEFAULT_PATH}"))
        );
        assert_eq!(linux["config"]["WorkingDir"], json!("/"));
        let windows = ImageConfig::empty(&Platform::new("windows", "amd64")).into_value();
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
        let value = image.into_value();
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
        let value = image.into_value();
        assert_eq!(
            (value["architecture"].as_str(), value.get("variant")),
            (Some("amd64"), None)
        );
    }
}
