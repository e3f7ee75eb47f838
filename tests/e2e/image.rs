//! What an image is made of, as `docker export` and `docker image inspect` show it, and how
//! two images differ.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::daemon::Daemon;
use crate::tar::{self, Entry, Kind};

/// Paths that a container gets from docker rather than from its image.
const RUNTIME_PATHS: &[&str] = &[
    "/etc/hostname",
    "/etc/hosts",
    "/etc/resolv.conf",
    "/.dockerenv",
    "/etc/mtab",
];
const RUNTIME_TREES: &[&str] = &["/proc", "/sys", "/dev"];

/// The image config fields a Buildfile decides.
const CONFIG_FIELDS: &[&str] = &[
    "Env",
    "Entrypoint",
    "Cmd",
    "WorkingDir",
    "User",
    "Labels",
    "ExposedPorts",
];

pub(crate) type Tree = BTreeMap<String, Entry>;

/// The filesystem of `image`: `docker export` of a container created (never started) from it.
pub(crate) fn filesystem(daemon: &Daemon, image: &str) -> Tree {
    // A command is given because images FROM scratch may have none; it never runs.
    let created = daemon
        .run(&["create", image, "/e2e-never-runs"], None)
        .ok("docker create");
    let id = String::from_utf8_lossy(&created.stdout).trim().to_string();
    let exported = daemon.run(&["export", &id], None);
    daemon.run(&["rm", "-f", &id], None).ok("docker rm");
    let exported = exported.ok("docker export");
    let entries = tar::read(&exported.stdout).unwrap_or_else(|e| panic!("export of {image}: {e}"));
    tree(entries.into_iter().filter(|e| !from_runtime(&e.path)))
}

/// Entries by path; a later entry for the same path wins, as when the tar is unpacked.
pub(crate) fn tree(entries: impl IntoIterator<Item = Entry>) -> Tree {
    entries.into_iter().map(|e| (e.path.clone(), e)).collect()
}

fn from_runtime(path: &str) -> bool {
    RUNTIME_PATHS.contains(&path)
        || RUNTIME_TREES
            .iter()
            .any(|t| path == *t || path.starts_with(&format!("{t}/")))
}

/// The config fields a Buildfile decides, plus Os and Architecture.
pub(crate) fn config(daemon: &Daemon, image: &str) -> BTreeMap<String, Value> {
    let out = daemon
        .run(&["image", "inspect", image], None)
        .ok("docker image inspect");
    let inspect: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("docker image inspect {image}: {e}"));
    let image = &inspect[0];
    let mut fields: BTreeMap<String, Value> = CONFIG_FIELDS
        .iter()
        .map(|f| (f.to_string(), normalized(&image["Config"][*f])))
        .collect();
    fields.insert("Os".into(), image["Os"].clone());
    fields.insert("Architecture".into(), image["Architecture"].clone());
    fields
}

/// The image ID: the digest of the config's bytes.
pub(crate) fn id(daemon: &Daemon, image: &str) -> String {
    let out = daemon
        .run(&["image", "inspect", "--format", "{{.Id}}", image], None)
        .ok("docker image inspect");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The config's bytes as the daemon stores them, from `docker save` (for failure messages).
pub(crate) fn raw_config(daemon: &Daemon, image: &str) -> String {
    let saved = daemon.run(&["save", image], None).ok("docker save");
    let entries = tar::read(&saved.stdout).unwrap_or_else(|e| panic!("save of {image}: {e}"));
    let digest = id(daemon, image);
    let hex = digest.strip_prefix("sha256:").unwrap_or(&digest);
    // An OCI layout names the blob `blobs/sha256/HEX`; docker 20.10's archive, `HEX.json`.
    entries
        .into_iter()
        .find(|e| {
            e.path.ends_with(&format!("sha256/{hex}")) || e.path.ends_with(&format!("{hex}.json"))
        })
        .and_then(|e| match e.kind {
            Kind::File(data) => Some(String::from_utf8_lossy(&data).into_owned()),
            _ => None,
        })
        .unwrap_or_else(|| format!("(no config blob for {digest} in docker save)"))
}

/// Docker shows an absent list or map as null or as empty, depending on how it was written.
fn normalized(v: &Value) -> Value {
    match v {
        Value::Array(a) if a.is_empty() => Value::Null,
        Value::Object(o) if o.is_empty() => Value::Null,
        Value::String(s) if s.is_empty() => Value::Null,
        other => other.clone(),
    }
}

/// One line per difference between the trees `a` and `b` (named `names.0`, `names.1`).
pub(crate) fn diff_trees(a: &Tree, b: &Tree, names: (&str, &str)) -> Vec<String> {
    let mut diffs = Vec::new();
    for (path, ea) in a {
        match b.get(path) {
            None => diffs.push(format!("{path}: only in {} ({})", names.0, describe(ea))),
            Some(eb) => diffs.extend(diff_entry(ea, eb, names)),
        }
    }
    for (path, eb) in b {
        if !a.contains_key(path) {
            diffs.push(format!("{path}: only in {} ({})", names.1, describe(eb)));
        }
    }
    diffs
}

fn diff_entry(a: &Entry, b: &Entry, names: (&str, &str)) -> Vec<String> {
    let mut diffs = Vec::new();
    let path = &a.path;
    if a.kind != b.kind {
        diffs.push(format!(
            "{path}: {} {} vs {} {}",
            names.0,
            describe(a),
            names.1,
            describe(b)
        ));
    }
    if a.mode != b.mode {
        diffs.push(format!("{path}: mode {:04o} vs {:04o}", a.mode, b.mode));
    }
    if (a.uid, a.gid) != (b.uid, b.gid) {
        diffs.push(format!(
            "{path}: owner {}:{} vs {}:{}",
            a.uid, a.gid, b.uid, b.gid
        ));
    }
    if a.xattrs != b.xattrs {
        diffs.push(format!(
            "{path}: xattrs {:?} vs {:?}",
            a.xattrs.keys(),
            b.xattrs.keys()
        ));
    }
    diffs
}

/// The kind of an entry, with short text content shown in full (it makes diffs readable).
fn describe(e: &Entry) -> String {
    match &e.kind {
        Kind::File(data) => match std::str::from_utf8(data) {
            Ok(text) if data.len() <= 120 => format!("file {text:?}"),
            _ => format!("file of {} bytes", data.len()),
        },
        Kind::Dir => "dir".into(),
        Kind::Symlink(to) => format!("symlink -> {to}"),
        Kind::Hardlink(to) => format!("hardlink -> {to}"),
        Kind::CharDevice => "char device".into(),
        Kind::BlockDevice => "block device".into(),
        Kind::Fifo => "fifo".into(),
    }
}

/// One line per config field that differs.
pub(crate) fn diff_configs(
    a: &BTreeMap<String, Value>,
    b: &BTreeMap<String, Value>,
    names: (&str, &str),
) -> Vec<String> {
    a.iter()
        .filter(|(field, va)| b.get(*field) != Some(va))
        .map(|(field, va)| {
            let vb = b.get(field).unwrap_or(&Value::Null);
            format!("config {field}: {} {va} vs {} {vb}", names.0, names.1)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, data: &str, mode: u32) -> Entry {
        Entry {
            path: path.into(),
            kind: Kind::File(data.as_bytes().to_vec()),
            mode,
            uid: 0,
            gid: 0,
            xattrs: BTreeMap::new(),
        }
    }

    #[test]
    fn trees_differ_in_content_mode_owner_and_presence() {
        let a = tree([
            file("/a", "x", 0o644),
            file("/b", "y", 0o644),
            file("/c", "z", 0o644),
        ]);
        let mut owned = file("/b", "y", 0o600);
        owned.uid = 1000;
        let b = tree([file("/a", "changed", 0o644), owned, file("/d", "w", 0o644)]);
        let diffs = diff_trees(&a, &b, ("ref", "rb"));
        assert_eq!(
            diffs,
            vec![
                r#"/a: ref file "x" vs rb file "changed""#,
                "/b: mode 0644 vs 0600",
                "/b: owner 0:0 vs 1000:0",
                r#"/c: only in ref (file "z")"#,
                r#"/d: only in rb (file "w")"#,
            ]
        );
        assert!(diff_trees(&a, &a, ("ref", "rb")).is_empty());
    }

    #[test]
    fn runtime_paths_are_ignored() {
        assert!(from_runtime("/proc"));
        assert!(from_runtime("/dev/pts"));
        assert!(from_runtime("/etc/hosts"));
        assert!(!from_runtime("/devices"));
        assert!(!from_runtime("/etc/passwd"));
    }

    #[test]
    fn empty_config_values_equal_absent_ones() {
        assert_eq!(normalized(&serde_json::json!([])), Value::Null);
        assert_eq!(normalized(&serde_json::json!({})), Value::Null);
        assert_eq!(
            normalized(&serde_json::json!(["a"])),
            serde_json::json!(["a"])
        );
    }
}
