//! RUN mounts, `--link` and daemon caps.

use super::super::testing::*;
use super::super::*;
use super::{lower_err, lower_ok};
use crate::diagnostic::Code;
use crate::ir::{MountKind, StepKind};
use crate::source::Spanned;

const MOUNTS: &str = "FROM alpine\nRUN --mount=type=cache,target=/root/.cache x\n";

fn mounts_file(
    fx: &Fixture,
    mounts: Vec<ir::Mount>,
    network: Option<ir::Network>,
) -> ir::Buildfile {
    let mut run = fx.run(ir::Command::Shell(Spanned::new("x".into(), fx.span("x\n"))));
    run.mounts = mounts;
    run.network = network.map(|n| Spanned::new(n, fx.span("RUN")));
    buildfile(
        Vec::new(),
        vec![fx.stage(
            "FROM",
            "alpine",
            None,
            vec![fx.step("RUN", StepKind::Run(run))],
        )],
    )
}

#[test]
fn run_mounts_are_sorted_with_dockerfile_ids_and_defaults() {
    let fx = Fixture::new(MOUNTS);
    let cache = fx.mount(MountKind::Cache(ir::CacheMount {
        sharing: Some(ir::Sharing::Locked),
        ..fx.cache("/root/.cache")
    }));
    let tmpfs = fx.mount(MountKind::Tmpfs(ir::TmpfsMount {
        target: Some(ir::Word::literal("/tmp", fx.span("x"))),
        size: Some(1024),
        ..ir::TmpfsMount::default()
    }));
    let secret = fx.mount(MountKind::Secret(ir::SecretMount {
        id: Some(ir::Word::literal("token", fx.span("x"))),
        ..ir::SecretMount::default()
    }));
    let ssh = fx.mount(MountKind::Ssh(ir::SshMount::default()));
    let bind = fx.mount(MountKind::Bind(ir::BindMount {
        target: Some(ir::Word::literal("src", fx.span("x"))),
        source: None,
        from: None,
        readonly: true,
    }));
    let bf = mounts_file(
        &fx,
        vec![secret, tmpfs, ssh, cache, bind],
        Some(ir::Network::None),
    );
    let def = lower_ok(&fx, &bf, &ResolvedImages::new(), &LowerOptions::default()).definition;
    let (digest, _, exec) = &execs(&def)[0];
    let layout: Vec<(&str, i64, i64, i32)> = exec
        .mounts
        .iter()
        .map(|m| (m.dest.as_str(), m.input, m.output, m.mount_type))
        .collect();
    let (bind_t, secret_t, ssh_t, cache_t, tmpfs_t) = (
        pb::MountType::Bind as i32,
        pb::MountType::Secret as i32,
        pb::MountType::Ssh as i32,
        pb::MountType::Cache as i32,
        pb::MountType::Tmpfs as i32,
    );
    assert_eq!(
        layout,
        [
            ("/", 0, 0, bind_t),
            ("/root/.cache", -1, -1, cache_t),
            ("/src", 1, -1, bind_t),
            ("/tmp", -1, -1, tmpfs_t),
            // input 0, not -1: as BuildKit 0.13's dockerfile.v0 sends them
            ("/run/secrets/token", 0, 0, secret_t),
            ("/run/buildkit/ssh_agent.0", 0, 0, ssh_t),
        ]
    );
    let cache = exec.mounts[1].cache_opt.as_ref().unwrap();
    assert_eq!(
        (cache.id.as_str(), cache.sharing),
        ("//root/.cache", pb::CacheSharingOpt::Locked as i32)
    );
    assert_eq!(exec.mounts[3].tmpfs_opt.as_ref().unwrap().size, 1024);
    let secret = exec.mounts[4].secret_opt.as_ref().unwrap();
    assert_eq!((secret.mode, secret.optional), (0o400, true));
    assert_eq!(exec.mounts[5].ssh_opt.as_ref().unwrap().mode, 0o600);
    assert_eq!(exec.network, pb::NetMode::None as i32);
    let env = &exec.meta.as_ref().unwrap().env;
    assert!(env.contains(&"SSH_AUTH_SOCK=/run/buildkit/ssh_agent.0".to_string()));
    let listed = caps(&def, digest);
    for cap in [
        "exec.meta.network",
        "exec.mount.cache",
        "exec.mount.tmpfs.size",
        "exec.mount.secret",
        "exec.mount.ssh",
        "exec.mount.bind",
    ] {
        assert!(listed.contains(&cap.to_string()), "{cap} in {listed:?}");
    }
    // The bind mount from the context reads all of it: no follow paths.
    let context = sources(&def)
        .into_iter()
        .find(|(_, _, s)| s.identifier == "local://context")
        .unwrap();
    assert!(!context.2.attrs.contains_key("local.followpaths"));
}

#[test]
fn one_stage_is_named_when_a_mount_or_copy_reads_another_state() {
    // dockerfile.v0 adds a dispatch state for every RUN --mount and every COPY --from
    // naming no stage, and names stages as soon as it has two: `[stage-0 2/2] RUN …`.
    let name_of_run = |mounts| {
        let fx = Fixture::new(MOUNTS);
        let def = lower_ok(
            &fx,
            &mounts_file(&fx, mounts, None),
            &ResolvedImages::new(),
            &LowerOptions::default(),
        )
        .definition;
        custom_name(&def, &execs(&def)[0].0)
    };
    let fx = Fixture::new(MOUNTS);
    let tmpfs = fx.mount(MountKind::Tmpfs(ir::TmpfsMount {
        target: Some(fx.word("/root/.cache")),
        ..ir::TmpfsMount::default()
    }));
    assert!(name_of_run(vec![tmpfs]).starts_with("[stage-0 2/2] RUN "));
    assert!(name_of_run(Vec::new()).starts_with("[2/2] RUN "));

    let fx = Fixture::new(LINK);
    let name_of_copy = |from: Option<&str>| {
        let mut copy = fx.copy(&["a"], "/a");
        copy.from = from.map(|f| fx.word(f));
        let steps = vec![fx.step("COPY", StepKind::Copy(copy))];
        let bf = buildfile(Vec::new(), vec![fx.stage("FROM", "alpine", None, steps)]);
        let def = lower_ok(&fx, &bf, &ResolvedImages::new(), &LowerOptions::default()).definition;
        custom_name(&def, &files(&def)[0].0)
    };
    assert!(name_of_copy(Some("busybox")).starts_with("[stage-0 2/2] COPY "));
    assert!(name_of_copy(None).starts_with("[2/2] COPY "));
}

#[test]
fn cache_mount_permissions_make_a_directory() {
    let fx = Fixture::new(MOUNTS);
    let mut cache = fx.cache("/root/.cache");
    cache.permissions.uid = Some(1000);
    cache.permissions.mode = Some(0o700);
    let cache = fx.mount(MountKind::Cache(cache));
    let bf = mounts_file(&fx, vec![cache], None);
    let def = lower_ok(&fx, &bf, &ResolvedImages::new(), &LowerOptions::default()).definition;
    let (mkdir_digest, _, file) = &files(&def)[0];
    assert_eq!(
        custom_name(&def, mkdir_digest),
        "[internal] settings cache mount permissions"
    );
    let Some(pb::file_action::Action::Mkdir(m)) = &file.actions[0].action else {
        panic!("not a mkdir")
    };
    assert_eq!((m.path.as_str(), m.mode), ("/cache", 0o700));
    let (_, _, exec) = &execs(&def)[0];
    assert_eq!(exec.mounts[1].selector, "/cache");
}

#[test]
fn missing_caps_are_reported_at_the_instruction() {
    let fx = Fixture::new(MOUNTS);
    let bf = mounts_file(
        &fx,
        vec![fx.mount(MountKind::Cache(fx.cache("/root/.cache")))],
        None,
    );
    let mut caps = default_llb_caps();
    caps.remove("exec.mount.cache");
    let opts = LowerOptions {
        llb_caps: caps,
        ..LowerOptions::default()
    };
    assert_eq!(lower_err(&fx, &bf, &opts), [Code::NotSupportedByDaemon]);
}

const LINK: &str = "FROM alpine\nCOPY --link a /a\n";

#[test]
fn link_merges_only_when_the_daemon_has_mergeop() {
    let fx = Fixture::new(LINK);
    let mut copy = fx.copy(&["a"], "/a");
    copy.link = true;
    let bf = buildfile(
        Vec::new(),
        vec![fx.stage(
            "FROM",
            "alpine",
            None,
            vec![fx.step("COPY", StepKind::Copy(copy))],
        )],
    );
    let def = lower_ok(&fx, &bf, &ResolvedImages::new(), &LowerOptions::default()).definition;
    let merges: Vec<_> = ops(&def)
        .into_iter()
        .filter(|(_, op)| matches!(op.op, Some(pb::op::Op::Merge(_))))
        .collect();
    assert_eq!(merges.len(), 1);
    assert_eq!(
        custom_name(&def, &merges[0].0),
        "[2/2] LINK COPY --link a /a"
    );
    let (copy_digest, copy_op, _) = &files(&def)[0];
    assert_eq!(copy_op.inputs.len(), 1, "the copy is onto scratch");
    assert!(
        def.metadata[copy_digest]
            .progress_group
            .as_ref()
            .unwrap()
            .weak
    );

    let mut caps = default_llb_caps();
    caps.remove("mergeop");
    let opts = LowerOptions {
        llb_caps: caps,
        ..LowerOptions::default()
    };
    let def = lower_ok(&fx, &bf, &ResolvedImages::new(), &opts).definition;
    assert!(
        ops(&def)
            .iter()
            .all(|(_, op)| !matches!(op.op, Some(pb::op::Op::Merge(_))))
    );
    assert_eq!(
        files(&def)[0].1.inputs.len(),
        2,
        "a plain copy onto the stage"
    );
}
