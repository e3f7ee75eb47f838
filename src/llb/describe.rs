//! A Definition for people: the ops in order as JSON, with short digests and inputs
//! named by op number. Used by `rustbuild llb --json` and the LLB snapshots.
//!
//! Fields at their protobuf default are left out, as protojson does, so what shows is
//! what the op sets (`mode: -1` shows, `output: 0` does not).

use std::collections::HashMap;

use prost::Message;
use serde_json::{Map, Value, json};

use super::digest_of;
use crate::pb::pb;

/// Every op of `def` in order (inputs before users, the terminal op last) with its
/// metadata and source lines.
pub fn definition_json(def: &pb::Definition) -> Value {
    let digests: Vec<String> = def.def.iter().map(|b| digest_of(b)).collect();
    let numbers: HashMap<&str, usize> = digests
        .iter()
        .enumerate()
        .map(|(i, d)| (d.as_str(), i))
        .collect();
    let ops = def
        .def
        .iter()
        .zip(&digests)
        .enumerate()
        .map(|(i, (bytes, digest))| {
            let mut entry = Map::new();
            entry.insert("n".into(), json!(i));
            entry.insert("digest".into(), json!(short(digest)));
            match pb::Op::decode(bytes.as_slice()) {
                Ok(op) => {
                    entry.insert("op".into(), op_json(&op, &numbers));
                }
                Err(err) => {
                    entry.insert("error".into(), json!(err.to_string()));
                }
            }
            if let Some(meta) = def.metadata.get(digest) {
                insert_nonempty(&mut entry, "meta", metadata_json(meta));
            }
            let lines = def
                .source
                .as_ref()
                .and_then(|s| s.locations.get(digest))
                .map(locations_json);
            if let Some(lines) = lines {
                entry.insert("lines".into(), lines);
            }
            Value::Object(entry)
        })
        .collect();
    Value::Array(ops)
}

/// The same as text: one block per op, `#N sha256:abc… kind`, then its fields.
pub fn definition_text(def: &pb::Definition) -> String {
    let mut out = String::new();
    let Value::Array(ops) = definition_json(def) else {
        return out;
    };
    for op in ops {
        let n = op.get("n").and_then(Value::as_u64).unwrap_or_default();
        let digest = op.get("digest").and_then(Value::as_str).unwrap_or_default();
        out.push_str(&format!("#{n} {digest}\n"));
        if let Value::Object(fields) = op {
            for (key, value) in fields {
                if key == "n" || key == "digest" {
                    continue;
                }
                let text = serde_json::to_string_pretty(&value).unwrap_or_default();
                out.push_str(&format!("  {key}: {}\n", text.replace('\n', "\n  ")));
            }
        }
    }
    out
}

fn short(digest: &str) -> String {
    let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
    hex.get(..12).unwrap_or(hex).to_string()
}

fn insert_nonempty(map: &mut Map<String, Value>, key: &str, value: Value) {
    let empty = match &value {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_i64() == Some(0) || n.as_u64() == Some(0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
    };
    if !empty {
        map.insert(key.to_string(), value);
    }
}

/// Builds an object from pairs, leaving out defaults.
fn object<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    let mut map = Map::new();
    for (key, value) in pairs {
        insert_nonempty(&mut map, key, value);
    }
    Value::Object(map)
}

fn op_json(op: &pb::Op, numbers: &HashMap<&str, usize>) -> Value {
    let inputs: Vec<Value> = op
        .inputs
        .iter()
        .map(|i| match numbers.get(i.digest.as_str()) {
            Some(n) => json!(format!("#{n}.{}", i.index)),
            None => json!(format!("{}.{}", short(&i.digest), i.index)),
        })
        .collect();
    let body = match &op.op {
        Some(pb::op::Op::Source(s)) => json!({ "source": object([
            ("identifier", json!(s.identifier)),
            ("attrs", json!(s.attrs)),
        ])}),
        Some(pb::op::Op::Exec(e)) => json!({ "exec": exec_json(e) }),
        Some(pb::op::Op::File(f)) => {
            json!({ "file": f.actions.iter().map(file_action_json).collect::<Vec<_>>() })
        }
        Some(pb::op::Op::Merge(m)) => {
            json!({ "merge": m.inputs.iter().map(|i| i.input).collect::<Vec<_>>() })
        }
        Some(pb::op::Op::Diff(d)) => json!({ "diff": {
            "lower": d.lower.as_ref().map(|l| l.input),
            "upper": d.upper.as_ref().map(|u| u.input),
        }}),
        None => json!("terminal"),
    };
    let platform = op.platform.as_ref().map(|p| {
        let mut id = format!("{}/{}", p.os, p.architecture);
        if !p.variant.is_empty() {
            id = format!("{id}/{}", p.variant);
        }
        if !p.os_version.is_empty() {
            id = format!("{id} ({})", p.os_version);
        }
        json!(id)
    });
    let mut map = Map::new();
    insert_nonempty(&mut map, "inputs", Value::Array(inputs));
    map.insert("kind".into(), body);
    insert_nonempty(&mut map, "platform", platform.unwrap_or(Value::Null));
    if op.constraints.is_some() {
        map.insert("constraints".into(), json!({}));
    }
    Value::Object(map)
}

fn exec_json(e: &pb::ExecOp) -> Value {
    let meta = e.meta.clone().unwrap_or_default();
    object([
        ("args", json!(meta.args)),
        ("env", json!(meta.env)),
        ("cwd", json!(meta.cwd)),
        ("user", json!(meta.user)),
        (
            "removeMountStubsRecursive",
            json!(meta.remove_mount_stubs_recursive),
        ),
        ("proxyEnv", json!(meta.proxy_env.map(|p| format!("{p:?}")))),
        (
            "network",
            json!(enum_name(pb::NetMode::try_from(e.network))),
        ),
        (
            "security",
            json!(enum_name(pb::SecurityMode::try_from(e.security))),
        ),
        (
            "mounts",
            Value::Array(e.mounts.iter().map(mount_json).collect()),
        ),
        (
            "secretenv",
            Value::Array(
                e.secretenv
                    .iter()
                    .map(|s| {
                        object([
                            ("id", json!(s.id)),
                            ("name", json!(s.name)),
                            ("optional", json!(s.optional)),
                        ])
                    })
                    .collect(),
            ),
        ),
    ])
}

/// The name of a non-default enum value; the default shows as nothing.
fn enum_name<T: std::fmt::Debug + Default + PartialEq, E>(value: Result<T, E>) -> Option<String> {
    match value {
        Ok(v) if v == T::default() => None,
        Ok(v) => Some(format!("{v:?}")),
        Err(_) => Some("invalid".to_string()),
    }
}

fn mount_json(m: &pb::Mount) -> Value {
    object([
        ("dest", json!(m.dest)),
        ("input", json!(m.input)),
        ("output", json!(m.output)),
        ("selector", json!(m.selector)),
        ("readonly", json!(m.readonly)),
        (
            "type",
            json!(enum_name(pb::MountType::try_from(m.mount_type))),
        ),
        (
            "cache",
            json!(m.cache_opt.as_ref().map(|c| object([
                ("id", json!(c.id)),
                (
                    "sharing",
                    json!(enum_name(pb::CacheSharingOpt::try_from(c.sharing)))
                ),
            ]))),
        ),
        ("tmpfsSize", json!(m.tmpfs_opt.as_ref().map(|t| t.size))),
        (
            "secret",
            json!(m.secret_opt.as_ref().map(|s| object([
                ("id", json!(s.id)),
                ("uid", json!(s.uid)),
                ("gid", json!(s.gid)),
                ("mode", json!(format!("{:o}", s.mode))),
                ("optional", json!(s.optional)),
            ]))),
        ),
        (
            "ssh",
            json!(m.ssh_opt.as_ref().map(|s| object([
                ("id", json!(s.id)),
                ("uid", json!(s.uid)),
                ("gid", json!(s.gid)),
                ("mode", json!(format!("{:o}", s.mode))),
                ("optional", json!(s.optional)),
            ]))),
        ),
    ])
}

fn file_action_json(a: &pb::FileAction) -> Value {
    let action = match &a.action {
        Some(pb::file_action::Action::Copy(c)) => json!({ "copy": object([
            ("src", json!(c.src)),
            ("dest", json!(c.dest)),
            ("owner", owner_json(c.owner.as_ref())),
            ("mode", json!(mode_json(c.mode))),
            ("modeStr", json!(c.mode_str)),
            ("followSymlink", json!(c.follow_symlink)),
            ("dirCopyContents", json!(c.dir_copy_contents)),
            ("attemptUnpack", json!(c.attempt_unpack_docker_compatibility)),
            ("createDestPath", json!(c.create_dest_path)),
            ("allowWildcard", json!(c.allow_wildcard)),
            ("allowEmptyWildcard", json!(c.allow_empty_wildcard)),
            ("timestamp", json!(c.timestamp)),
            ("includePatterns", json!(c.include_patterns)),
            ("excludePatterns", json!(c.exclude_patterns)),
            ("requiredPaths", json!(c.required_paths)),
            ("alwaysReplaceExistingDestPaths", json!(c.always_replace_existing_dest_paths)),
        ])}),
        Some(pb::file_action::Action::Mkdir(m)) => json!({ "mkdir": object([
            ("path", json!(m.path)),
            ("mode", json!(mode_json(m.mode))),
            ("makeParents", json!(m.make_parents)),
            ("owner", owner_json(m.owner.as_ref())),
            ("timestamp", json!(m.timestamp)),
        ])}),
        Some(pb::file_action::Action::Mkfile(m)) => json!({ "mkfile": object([
            ("path", json!(m.path)),
            ("mode", json!(mode_json(m.mode))),
            ("data", json!(String::from_utf8_lossy(&m.data))),
            ("owner", owner_json(m.owner.as_ref())),
            ("timestamp", json!(m.timestamp)),
        ])}),
        Some(other) => json!({ "other": format!("{other:?}") }),
        None => Value::Null,
    };
    object([
        ("input", json!(a.input)),
        ("secondaryInput", json!(a.secondary_input)),
        ("output", json!(a.output)),
        ("action", action),
    ])
}

/// Modes in octal, as people write them; -1 (unset) as is.
fn mode_json(mode: i32) -> Value {
    if mode < 0 {
        json!(mode)
    } else if mode == 0 {
        Value::Null
    } else {
        json!(format!("0{mode:o}"))
    }
}

fn owner_json(owner: Option<&pb::ChownOpt>) -> Value {
    let user = |u: Option<&pb::UserOpt>| match u.and_then(|u| u.user.as_ref()) {
        Some(pb::user_opt::User::ById(id)) => json!(id),
        Some(pb::user_opt::User::ByName(n)) => json!(format!("{} (in input {})", n.name, n.input)),
        None => Value::Null,
    };
    match owner {
        Some(o) => object([
            ("user", user(o.user.as_ref())),
            ("group", user(o.group.as_ref())),
        ]),
        None => Value::Null,
    }
}

fn metadata_json(meta: &pb::OpMetadata) -> Value {
    object([
        ("description", json!(meta.description)),
        (
            "caps",
            json!(
                meta.caps
                    .iter()
                    .filter(|(_, on)| **on)
                    .map(|(c, _)| c)
                    .collect::<Vec<_>>()
            ),
        ),
        ("ignoreCache", json!(meta.ignore_cache)),
        (
            "progressGroup",
            json!(meta.progress_group.as_ref().map(|g| object([
                ("id", json!(g.id)),
                ("name", json!(g.name)),
                ("weak", json!(g.weak)),
            ]))),
        ),
    ])
}

fn locations_json(locations: &pb::Locations) -> Value {
    let ranges: Vec<Value> = locations
        .locations
        .iter()
        .flat_map(|l| &l.ranges)
        .map(|r| {
            let line = |p: Option<&pb::Position>| p.map_or(0, |p| p.line);
            json!(format!(
                "{}-{}",
                line(r.start.as_ref()),
                line(r.end.as_ref())
            ))
        })
        .collect();
    Value::Array(ranges)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::super::{Graph, OpMeta};
    use super::*;

    #[test]
    fn text_names_inputs_by_op_number() {
        let mut graph = Graph::new();
        let attrs = BTreeMap::from([("local.session".to_string(), "s".to_string())]);
        let out = graph.source("local://context", attrs, None, OpMeta::named("load"));
        let def = graph.into_definition(Some(out), Vec::new());
        let text = definition_text(&def);
        assert!(text.starts_with("#0 "), "{text}");
        assert!(
            text.contains("\"identifier\": \"local://context\""),
            "{text}"
        );
        assert!(text.contains("\"#0.0\""), "terminal points at op 0: {text}");
    }
}
