//! An OCI image layout as `-o type=oci,dest=FILE` writes it: `index.json` and
//! `blobs/sha256/…` in a tar. The images in it are found by walking the index (buildx nests
//! a second index for several platforms), leaving out attestation manifests.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::tar::{self, Kind};

/// The blobs and top index of one layout.
pub(crate) struct Layout {
    index: Value,
    blobs: BTreeMap<String, Vec<u8>>,
}

/// One platform's image: the descriptor that points at its manifest, the manifest and the
/// config.
pub(crate) struct Image {
    pub(crate) descriptor: Value,
    pub(crate) manifest: Value,
    pub(crate) config: Value,
}

impl Image {
    /// `os/architecture` as the manifest descriptor in the index says.
    pub(crate) fn descriptor_platform(&self) -> String {
        let p = &self.descriptor["platform"];
        format!(
            "{}/{}",
            p["os"].as_str().unwrap_or("?"),
            p["architecture"].as_str().unwrap_or("?")
        )
    }
}

const ATTESTATION: &str = "attestation-manifest";

impl Layout {
    /// The layout in the tar at `path`.
    pub(crate) fn read(path: &str) -> Layout {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let mut index = None;
        let mut blobs = BTreeMap::new();
        for entry in tar::read(&bytes).unwrap_or_else(|e| panic!("{path}: {e}")) {
            let Kind::File(data) = entry.kind else {
                continue;
            };
            if entry.path == "/index.json" {
                index = Some(json(&data, "index.json"));
            } else if let Some(hex) = entry.path.strip_prefix("/blobs/sha256/") {
                blobs.insert(format!("sha256:{hex}"), data);
            }
        }
        let index = index.unwrap_or_else(|| panic!("{path}: no index.json"));
        Layout { index, blobs }
    }

    /// The layout's own index.json.
    pub(crate) fn index(&self) -> &Value {
        &self.index
    }

    /// The bytes of one blob.
    pub(crate) fn raw(&self, digest: &str) -> &[u8] {
        self.blobs
            .get(digest)
            .unwrap_or_else(|| panic!("no blob {digest} in the layout"))
    }

    pub(crate) fn blob(&self, digest: &str) -> Value {
        json(self.raw(digest), digest)
    }

    /// Every image manifest the index reaches, with its config, in index order.
    pub(crate) fn images(&self) -> Vec<Image> {
        let mut images = Vec::new();
        self.collect(&self.index, &mut images);
        images
    }

    fn collect(&self, index: &Value, images: &mut Vec<Image>) {
        for descriptor in index["manifests"].as_array().into_iter().flatten() {
            if descriptor["annotations"]["vnd.docker.reference.type"] == ATTESTATION {
                continue;
            }
            let digest = descriptor["digest"].as_str().unwrap_or_default();
            let target = self.blob(digest);
            if target["manifests"].is_array() {
                self.collect(&target, images);
            } else {
                let config = self.blob(target["config"]["digest"].as_str().unwrap_or_default());
                images.push(Image {
                    descriptor: descriptor.clone(),
                    manifest: target,
                    config,
                });
            }
        }
    }
}

fn json(data: &[u8], what: &str) -> Value {
    serde_json::from_slice(data).unwrap_or_else(|e| panic!("{what}: {e}"))
}
