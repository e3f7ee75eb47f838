//! Exec ops: mounts in the order and numbering the daemon expects.

use std::collections::BTreeMap;

use super::{Graph, OpMeta, Output, into_pb_platform};
use crate::pb::pb;
use crate::platform::Platform;

/// A process to run, with its filesystem mounts.
#[derive(Clone, Debug, PartialEq)]
pub struct Exec {
    /// Args, env, cwd and user. `removeMountStubsRecursive` is set by [`Graph::exec`].
    pub meta: pb::Meta,
    pub mounts: Vec<ExecMount>,
    pub network: pb::NetMode,
    pub security: pb::SecurityMode,
    /// Secrets exposed as environment variables.
    pub secret_env: Vec<pb::SecretEnv>,
    pub platform: Platform,
}

/// One mount of an [`Exec`].
#[derive(Clone, Debug, PartialEq)]
pub struct ExecMount {
    pub dest: String,
    /// The state mounted; `None` is scratch (and always for tmpfs, secret and ssh).
    pub source: Option<Output>,
    /// A path inside `source` to mount instead of its root.
    pub selector: String,
    pub readonly: bool,
    pub kind: MountKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum MountKind {
    /// A plain mount; `output: false` discards its changes even when writable.
    Bind {
        output: bool,
    },
    Cache {
        id: String,
        sharing: pb::CacheSharingOpt,
    },
    Tmpfs {
        size: i64,
    },
    Secret(pb::SecretOpt),
    Ssh(pb::SshOpt),
}

impl ExecMount {
    /// The writable root filesystem, whose changes are the op's output 0.
    pub fn root(source: Option<Output>) -> Self {
        Self {
            dest: "/".to_string(),
            source,
            selector: String::new(),
            readonly: false,
            kind: MountKind::Bind { output: true },
        }
    }

    fn produces_output(&self) -> bool {
        matches!(self.kind, MountKind::Bind { output: true }) && !self.readonly
    }

    /// Secrets and ssh sockets come after the filesystem mounts, as in the Go client.
    fn is_socket_like(&self) -> bool {
        matches!(self.kind, MountKind::Secret(_) | MountKind::Ssh(_))
    }
}

/// The outputs of an exec op: one per writable bind mount, by destination.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExecOutputs {
    by_dest: BTreeMap<String, Output>,
}

impl ExecOutputs {
    /// The output of the mount at `dest`, if it has one.
    pub fn get(&self, dest: &str) -> Option<&Output> {
        self.by_dest.get(dest)
    }

    /// The root filesystem after the run.
    pub fn root(&self) -> Option<&Output> {
        self.get("/")
    }
}

impl Graph {
    /// An exec op. Filesystem mounts are sorted by destination (stable), secrets and ssh
    /// sockets follow in the given order; inputs are deduplicated, scratch is input -1
    /// (secrets and ssh sockets: 0); writable binds get outputs 0, 1, …, secrets and ssh
    /// sockets 0 and every other mount -1.
    pub fn exec(&mut self, exec: Exec, mut meta: OpMeta) -> ExecOutputs {
        let Exec {
            meta: mut exec_meta,
            mounts,
            network,
            security,
            secret_env,
            platform,
        } = exec;
        exec_meta.remove_mount_stubs_recursive = true;

        let (mut fs_mounts, sockets): (Vec<_>, Vec<_>) =
            mounts.into_iter().partition(|m| !m.is_socket_like());
        fs_mounts.sort_by(|a, b| a.dest.cmp(&b.dest));

        meta.caps.insert("exec.meta.base");
        if network != pb::NetMode::Unset {
            meta.caps.insert("exec.meta.network");
        }
        if security == pb::SecurityMode::Insecure {
            meta.caps.insert("exec.meta.security");
        }
        if !secret_env.is_empty() {
            meta.caps.insert("exec.secretenv");
            meta.caps.insert("exec.mount.secret");
        }

        let mut inputs: Vec<pb::Input> = Vec::new();
        let mut pb_mounts = Vec::new();
        let mut outputs = Vec::new();
        let mut next_output = 0;
        for mount in fs_mounts.iter().chain(&sockets) {
            add_mount_caps(mount, &mut meta);
            let input = match &mount.source {
                Some(source) => input_index(&mut inputs, source),
                // BuildKit up to 0.15 (Docker 27), whose built-in dockerfile.v0 these
                // daemons run, leaves a secret or ssh mount's input and output unset (0);
                // 0.16 marks the input -1. The bytes are part of the cache key.
                None if mount.is_socket_like() => 0,
                None => -1,
            };
            let output = if mount.is_socket_like() {
                0
            } else if mount.produces_output() {
                outputs.push((mount.dest.clone(), next_output));
                next_output += 1;
                next_output - 1
            } else {
                -1
            };
            pb_mounts.push(pb_mount(mount, input, output));
        }

        let op = pb::Op {
            inputs,
            op: Some(pb::op::Op::Exec(pb::ExecOp {
                meta: Some(exec_meta),
                mounts: pb_mounts,
                network: network.into(),
                security: security.into(),
                secretenv: secret_env,
                cdi_devices: Vec::new(),
            })),
            platform: Some(into_pb_platform(platform)),
            constraints: None,
        };
        let digest = self.add(op, meta);
        ExecOutputs {
            by_dest: outputs
                .into_iter()
                .map(|(dest, index)| {
                    let output = Output {
                        digest: digest.clone(),
                        index,
                    };
                    (dest, output)
                })
                .collect(),
        }
    }
}

/// The index of `source` in the op's inputs, adding it when new.
pub(super) fn input_index(inputs: &mut Vec<pb::Input>, source: &Output) -> i64 {
    let found = inputs
        .iter()
        .position(|i| i.digest == source.digest && i.index == source.index);
    let index = found.unwrap_or_else(|| {
        inputs.push(source.to_input());
        inputs.len() - 1
    });
    i64::try_from(index).unwrap_or(i64::MAX)
}

fn add_mount_caps(mount: &ExecMount, meta: &mut OpMeta) {
    let mut add = |cap: &'static str| {
        meta.caps.insert(cap);
    };
    if !mount.selector.is_empty() {
        add("exec.mount.selector");
    }
    match &mount.kind {
        MountKind::Cache { .. } => {
            add("exec.mount.cache");
            add("exec.mount.cache.sharing");
        }
        MountKind::Tmpfs { size } => {
            add("exec.mount.tmpfs");
            if *size > 0 {
                add("exec.mount.tmpfs.size");
            }
        }
        MountKind::Bind { .. } if mount.source.is_some() => add("exec.mount.bind"),
        MountKind::Bind { .. } => {}
        MountKind::Secret(_) => add("exec.mount.secret"),
        MountKind::Ssh(_) => add("exec.mount.ssh"),
    }
}

fn pb_mount(mount: &ExecMount, input: i64, output: i64) -> pb::Mount {
    let mut out = pb::Mount {
        input,
        selector: mount.selector.clone(),
        dest: mount.dest.clone(),
        output,
        readonly: mount.readonly,
        ..pb::Mount::default()
    };
    match &mount.kind {
        MountKind::Bind { .. } => {}
        MountKind::Cache { id, sharing } => {
            out.mount_type = pb::MountType::Cache.into();
            out.cache_opt = Some(pb::CacheOpt {
                id: id.clone(),
                sharing: (*sharing).into(),
            });
        }
        MountKind::Tmpfs { size } => {
            out.mount_type = pb::MountType::Tmpfs.into();
            out.tmpfs_opt = Some(pb::TmpfsOpt { size: *size });
        }
        MountKind::Secret(opt) => {
            out.mount_type = pb::MountType::Secret.into();
            out.secret_opt = Some(opt.clone());
        }
        MountKind::Ssh(opt) => {
            out.mount_type = pb::MountType::Ssh.into();
            out.ssh_opt = Some(opt.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use prost::Message;

    use super::*;

    fn exec_op(def: &pb::Definition, digest: &str) -> (pb::Op, pb::ExecOp) {
        let bytes = def
            .def
            .iter()
            .find(|b| super::super::digest_of(b) == digest)
            .unwrap();
        let op = pb::Op::decode(bytes.as_slice()).unwrap();
        let Some(pb::op::Op::Exec(exec)) = op.op.clone() else {
            panic!("not an exec op")
        };
        (op, exec)
    }

    /// Each mount's destination, input and output index.
    fn layout(exec: &pb::ExecOp) -> Vec<(&str, i64, i64)> {
        exec.mounts
            .iter()
            .map(|m| (m.dest.as_str(), m.input, m.output))
            .collect()
    }

    #[test]
    fn mounts_on_scratch_number_their_input_like_buildkit_0_13() {
        // dockerfile.v0 of BuildKit 0.13 records a secret mount as
        // {"dest":"/run/secrets/token","input":0,"mountType":1,...}; tmpfs and cache
        // mounts on scratch get input -1, as in every version of client/llb/exec.go.
        let mut graph = Graph::new();
        let mount = |dest: &str, kind| ExecMount {
            dest: dest.into(),
            source: None,
            selector: String::new(),
            readonly: false,
            kind,
        };
        let exec = Exec {
            meta: pb::Meta {
                args: vec!["true".into()],
                cwd: "/".into(),
                ..pb::Meta::default()
            },
            mounts: vec![
                ExecMount::root(None),
                mount(
                    "/run/secrets/token",
                    MountKind::Secret(pb::SecretOpt::default()),
                ),
                mount(
                    "/run/buildkit/ssh_agent.0",
                    MountKind::Ssh(pb::SshOpt::default()),
                ),
                mount("/tmp", MountKind::Tmpfs { size: 0 }),
                mount(
                    "/var/cache",
                    MountKind::Cache {
                        id: "//var/cache".into(),
                        sharing: pb::CacheSharingOpt::Shared,
                    },
                ),
            ],
            network: pb::NetMode::Unset,
            security: pb::SecurityMode::Sandbox,
            secret_env: Vec::new(),
            platform: Platform::linux_amd64(),
        };
        let root = graph.exec(exec, OpMeta::default()).root().unwrap().clone();
        let def = graph.into_definition(Some(root.clone()), Vec::new());
        let (op, exec) = exec_op(&def, &root.digest);
        assert!(op.inputs.is_empty());
        let layout = layout(&exec);
        assert_eq!(
            layout,
            [
                ("/", -1, 0),
                ("/tmp", -1, -1),
                ("/var/cache", -1, -1),
                ("/run/secrets/token", 0, 0),
                ("/run/buildkit/ssh_agent.0", 0, 0)
            ]
        );
    }

    #[test]
    fn mounts_are_sorted_numbered_and_deduplicated() {
        let mut graph = Graph::new();
        let base = graph.source(
            "docker-image://docker.io/library/alpine:3.19",
            BTreeMap::new(),
            Some(&Platform::linux_amd64()),
            OpMeta::default(),
        );
        let secret = ExecMount {
            dest: "/run/secrets/a".into(),
            source: None,
            selector: String::new(),
            readonly: true,
            kind: MountKind::Secret(pb::SecretOpt {
                id: "a".into(),
                mode: 0o400,
                ..pb::SecretOpt::default()
            }),
        };
        let cache = ExecMount {
            dest: "/cache".into(),
            source: None,
            selector: String::new(),
            readonly: false,
            kind: MountKind::Cache {
                id: "//cache".into(),
                sharing: pb::CacheSharingOpt::Locked,
            },
        };
        let bind = ExecMount {
            dest: "/src".into(),
            source: Some(base.clone()),
            selector: "/etc".into(),
            readonly: false,
            kind: MountKind::Bind { output: true },
        };
        let exec = Exec {
            meta: pb::Meta {
                args: vec!["true".into()],
                ..pb::Meta::default()
            },
            mounts: vec![secret, bind, cache, ExecMount::root(Some(base.clone()))],
            network: pb::NetMode::None,
            security: pb::SecurityMode::Sandbox,
            secret_env: Vec::new(),
            platform: Platform::linux_amd64(),
        };
        let outputs = graph.exec(exec, OpMeta::default());
        let root = outputs.root().unwrap().clone();
        assert_eq!(root.index, 0);
        assert_eq!(outputs.get("/src").unwrap().index, 1);
        assert_eq!(outputs.get("/cache"), None);
        let def = graph.into_definition(Some(root.clone()), Vec::new());
        let (op, exec) = exec_op(&def, &root.digest);
        assert_eq!(op.inputs.len(), 1, "the base is one input");
        let layout = layout(&exec);
        assert_eq!(
            layout,
            [
                ("/", 0, 0),
                ("/cache", -1, -1),
                ("/src", 0, 1),
                ("/run/secrets/a", 0, 0)
            ]
        );
        assert!(exec.meta.unwrap().remove_mount_stubs_recursive);
        assert_eq!(op.platform.unwrap().architecture, "amd64");
        let caps: Vec<&str> = def.metadata[&root.digest]
            .caps
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            caps,
            [
                "exec.meta.base",
                "exec.meta.network",
                "exec.mount.bind",
                "exec.mount.cache",
                "exec.mount.cache.sharing",
                "exec.mount.secret",
                "exec.mount.selector"
            ]
        );
    }
}
