//! RUN: an exec op on the stage's root, with the shell, env, working directory, user,
//! mounts and network mode dockerfile.v0 gives it.

use super::dispatch::{COMMAND_DESCRIPTION, Lowerer, StageState};
use super::paths;
use crate::diagnostic::Code;
use crate::ir::{self, Command, MountKind as IrMount};
use crate::llb::{Exec, ExecMount, FileAction, MountKind, OpMeta, Output};
use crate::pb::pb;
use crate::platform::Platform;
use crate::source::Span;
use crate::vars::{TextMode, expand, expand_text};

/// The shell of shell-form commands: the config's SHELL, else the platform default.
pub(super) fn shell(state: &StageState) -> Vec<String> {
    match &state.image.config.shell {
        shell if !shell.is_empty() => shell.clone(),
        _ if state.windows() => vec!["cmd".into(), "/S".into(), "/C".into()],
        _ => vec!["/bin/sh".into(), "-c".into()],
    }
}

/// `withShell`: the shell followed by the command text as one argument.
pub(super) fn with_shell(state: &StageState, text: &str) -> Vec<String> {
    let mut args = shell(state);
    args.reserve_exact(1);
    args.push(text.to_string());
    args
}

/// First line of a heredoc and `...` when there are more, for progress names.
fn summarize(body: &str) -> String {
    let body = body.trim();
    let mut lines = body.lines();
    let first = lines.next().unwrap_or("");
    if lines.next().is_some() {
        format!("{first}...")
    } else {
        first.to_string()
    }
}

/// `|N K=V …` prefix dockerfile.v0 gives RUN history when ARGs are in scope: one entry per
/// ARG declared, a name declared twice twice, each with its value now.
fn run_history(args: &[String], state: &StageState) -> String {
    if state.args.is_empty() {
        return args.join(" ");
    }
    let mut parts: Vec<String> = Vec::with_capacity(1 + state.args.len() + args.len());
    parts.push(format!("|{}", state.args.len()));
    for (key, value) in &state.args {
        let value = state.env.get(key).or(value.as_deref()).unwrap_or_default();
        parts.push(format!("{key}={value}"));
    }
    parts.extend(args.iter().cloned());
    parts.join(" ")
}

impl Lowerer<'_> {
    pub(super) fn run(
        &mut self,
        index: usize,
        state: &mut StageState,
        run: &ir::Run,
        step: &ir::Step,
    ) {
        let span = step.span;
        if !self.has_worker_for(&state.platform, span) {
            return;
        }
        let mut mounts = vec![ExecMount::root(state.output.clone())];
        let mut text = step.text.clone();
        let args = match (&run.command, run.heredocs.as_slice()) {
            (Command::Exec(words), _) => words.iter().map(|w| w.node.clone()).collect(),
            (Command::Shell(_), [heredoc]) if run.bare_heredoc => {
                text = format!("{text} ({})", summarize(&heredoc.content));
                if !state.windows() && heredoc.content.starts_with("#!") {
                    mounts.push(self.script_mount(heredoc));
                    vec![paths::join(&["/dev/pipes/", &heredoc.name])]
                } else {
                    with_shell(state, &heredoc.content)
                }
            }
            (Command::Shell(cmd), []) => with_shell(state, &cmd.node),
            (Command::Shell(cmd), heredocs) => {
                let mut script = cmd.node.clone();
                for heredoc in heredocs {
                    script.push('\n');
                    script.push_str(&heredoc.content);
                    script.push_str(&heredoc.name);
                }
                with_shell(state, &script)
            }
        };

        let mut env = std::borrow::Cow::Borrowed(&state.env);
        let mut secret_env = Vec::new();
        let mut ssh_count = 0;
        for mount in &run.mounts {
            if let Some(m) = self.mount(
                index,
                state,
                mount,
                &mut secret_env,
                &mut ssh_count,
                &mut env,
            ) {
                mounts.push(m);
            }
        }
        let mut meta = OpMeta::default();
        if !state.windows()
            && !env.contains("PATH")
            && !self.opts.llb_caps.contains("exec.meta.setsdefaultpath")
        {
            env.to_mut().set("PATH", super::image::DEFAULT_PATH);
        }
        let env = env.to_strings();
        if self.opts.llb_caps.contains("exec.meta.setsdefaultpath") {
            meta.caps.insert("exec.meta.setsdefaultpath");
        }
        let proxy_env = self.proxy_env();
        if proxy_env.is_some() {
            meta.caps.insert("exec.meta.proxyenv");
        }
        let network = match run.network.as_ref().map(|n| n.node) {
            Some(ir::Network::None) => pb::NetMode::None,
            Some(ir::Network::Host) => pb::NetMode::Host,
            Some(ir::Network::Default) | None => pb::NetMode::Unset,
        };
        if let Some(n) = &run.network
            && network != pb::NetMode::Unset
        {
            self.require_cap("exec.meta.network", n.span, "RUN --network");
        }
        let security = match run.security.as_ref().map(|s| s.node) {
            Some(ir::Security::Insecure) => pb::SecurityMode::Insecure,
            _ => pb::SecurityMode::Sandbox,
        };
        if let (Some(s), pb::SecurityMode::Insecure) = (&run.security, security) {
            self.require_cap("exec.meta.security", s.span, "RUN --security=insecure");
        }

        let name = self.step_name(state, &expand_text(&text, &state.env, TextMode::RunName));
        meta.custom_name = Some(name);
        meta.locations = self.locations(span);
        meta.ignore_cache = state.ignore_cache;
        meta.description
            .insert(COMMAND_DESCRIPTION.to_string(), text);

        // The history needs the args and the state before the run, the op takes the args.
        let history = format!("RUN {} # buildkit", run_history(&args, state));
        let exec = Exec {
            meta: pb::Meta {
                args,
                env,
                cwd: state.workdir.clone(),
                user: state.user.clone(),
                proxy_env,
                ..pb::Meta::default()
            },
            mounts,
            network,
            security,
            secret_env,
            platform: state.platform.clone(),
        };
        let outputs = self.graph.exec(exec, meta);
        state.output = outputs.root().cloned();
        let created = self.created();
        state.image.push_history(history, false, created.as_deref());
    }

    /// A heredoc starting with `#!` is written to a file and run directly.
    /// A RUN needs a worker of its platform's OS; the others (COPY, ENV, …) do not, since
    /// they only write files and config. Said here, at the RUN, rather than as the exit
    /// code of a `cmd` that a Linux worker cannot start. Unknown workers (offline) pass.
    fn has_worker_for(&mut self, platform: &Platform, span: Span) -> bool {
        let workers = &self.opts.worker_platforms;
        if workers.is_empty() || workers.iter().any(|w| w.os == platform.os) {
            return true;
        }
        let mut names: Vec<String> = Vec::new();
        for id in workers.iter().map(Platform::id) {
            if !names.contains(&id) {
                names.push(id);
            }
        }
        self.error(
            Code::NotSupportedByDaemon,
            span,
            format!(
                "RUN needs a {} worker, and this BuildKit's workers run only {}",
                platform.os,
                names.join(", ")
            ),
            &format!("runs a command in a {} container", platform.id()),
            &format!(
                "build the {os} image on a BuildKit with {os} workers, or leave RUN out: \
                 FROM, COPY, ENV, WORKDIR, USER, LABEL, ENTRYPOINT and CMD need no {os} worker",
                os = platform.os
            ),
        );
        false
    }

    fn script_mount(&mut self, heredoc: &ir::Heredoc) -> ExecMount {
        let mkfile = pb::FileActionMkFile {
            path: paths::join(&["/", &heredoc.name]),
            mode: 0o755,
            data: heredoc.content.clone().into_bytes(),
            owner: None,
            timestamp: -1,
        };
        let script = self.graph.file(
            None,
            vec![FileAction::Mkfile(mkfile)],
            OpMeta::named("[internal] preparing inline document"),
        );
        ExecMount {
            dest: "/dev/pipes/".to_string(),
            source: Some(script),
            selector: "/".to_string(),
            readonly: true,
            kind: MountKind::Bind { output: false },
        }
    }

    /// `HTTP_PROXY` and friends from the build arguments, kept out of the cache key.
    fn proxy_env(&self) -> Option<pb::ProxyEnv> {
        let get = |upper: &str| {
            let args = &self.opts.build_args;
            args.get(upper)
                .or_else(|| args.get(&upper.to_ascii_lowercase()))
                .cloned()
                .unwrap_or_default()
        };
        if self.opts.build_args.is_empty() {
            return None; // the common case, without ten lookups and five lowercasings
        }
        let proxy = pb::ProxyEnv {
            http_proxy: get("HTTP_PROXY"),
            https_proxy: get("HTTPS_PROXY"),
            ftp_proxy: get("FTP_PROXY"),
            no_proxy: get("NO_PROXY"),
            all_proxy: get("ALL_PROXY"),
        };
        (proxy != pb::ProxyEnv::default()).then_some(proxy)
    }

    /// One `--mount`; secrets as env go to `secret_env`, ssh sets `SSH_AUTH_SOCK`.
    fn mount(
        &mut self,
        index: usize,
        state: &StageState,
        mount: &ir::Mount,
        secret_env: &mut Vec<pb::SecretEnv>,
        ssh_count: &mut usize,
        env: &mut std::borrow::Cow<'_, crate::vars::Env>,
    ) -> Option<ExecMount> {
        match &mount.kind {
            IrMount::Secret(secret) => self.secret_mount(state, secret, mount.span, secret_env),
            IrMount::Ssh(ssh) => self.ssh_mount(state, ssh, mount.span, ssh_count, env),
            IrMount::Bind(ir::BindMount {
                target,
                source,
                readonly,
                ..
            })
            | IrMount::Cache(ir::CacheMount {
                target,
                source,
                readonly,
                ..
            })
            | IrMount::Tmpfs(ir::TmpfsMount {
                target,
                source,
                readonly,
                ..
            }) => {
                // Without a target, `check` has reported the mount already.
                let target = expand(target.as_ref()?, &state.env);
                let source = source.as_ref().map(|s| expand(s, &state.env));
                self.fs_mount(index, state, mount, target, source, *readonly)
            }
        }
    }

    fn secret_mount(
        &mut self,
        state: &StageState,
        secret: &ir::SecretMount,
        span: Span,
        secret_env: &mut Vec<pb::SecretEnv>,
    ) -> Option<ExecMount> {
        if !self.require_cap("exec.mount.secret", span, "a secret mount") {
            return None;
        }
        let target = secret.target.as_ref().map(|t| expand(t, &state.env));
        let id = secret.name(|word| expand(word, &state.env));
        let optional = !secret.required;
        if let Some(name) = &secret.env {
            if self.require_cap("exec.secretenv", span, "a secret as env") {
                secret_env.push(pb::SecretEnv {
                    id: id.clone(),
                    name: name.clone(),
                    optional,
                });
            }
            target.as_ref()?;
        }
        let dest = target.unwrap_or_else(|| format!("/run/secrets/{}", basename(&id)));
        let permissions = secret.permissions;
        Some(ExecMount {
            dest,
            source: None,
            selector: String::new(),
            readonly: false,
            kind: MountKind::Secret(pb::SecretOpt {
                id,
                uid: permissions.uid.unwrap_or(0),
                gid: permissions.gid.unwrap_or(0),
                mode: permissions.mode.unwrap_or(0o400),
                optional,
            }),
        })
    }

    fn ssh_mount(
        &mut self,
        state: &StageState,
        ssh: &ir::SshMount,
        span: Span,
        ssh_count: &mut usize,
        env: &mut std::borrow::Cow<'_, crate::vars::Env>,
    ) -> Option<ExecMount> {
        if !self.require_cap("exec.mount.ssh", span, "an ssh mount") {
            return None;
        }
        let dest = match &ssh.target {
            Some(target) => expand(target, &state.env),
            None => format!("/run/buildkit/ssh_agent.{ssh_count}"),
        };
        *ssh_count += 1;
        if !env.contains("SSH_AUTH_SOCK") {
            env.to_mut().set("SSH_AUTH_SOCK", &dest);
        }
        let id = ssh.id.as_ref().map(|i| expand(i, &state.env));
        let permissions = ssh.permissions;
        Some(ExecMount {
            dest,
            source: None,
            selector: String::new(),
            readonly: false,
            kind: MountKind::Ssh(pb::SshOpt {
                id: id.unwrap_or_default(),
                uid: permissions.uid.unwrap_or(0),
                gid: permissions.gid.unwrap_or(0),
                mode: permissions.mode.unwrap_or(0o600),
                optional: !ssh.required,
            }),
        })
    }

    /// A bind, cache or tmpfs mount, with its `target` and `source` expanded.
    fn fs_mount(
        &mut self,
        index: usize,
        state: &StageState,
        mount: &ir::Mount,
        target: String,
        source: Option<String>,
        readonly: bool,
    ) -> Option<ExecMount> {
        let dest = if target.starts_with('/') {
            paths::clean(&target)
        } else {
            paths::join(&["/", &state.workdir, &target])
        };
        if dest == "/" {
            self.error(
                Code::InvalidExpandedValue,
                mount.span,
                format!("invalid mount target `{target}`"),
                "mounts over the root filesystem",
                "mount somewhere below `/`",
            );
            return None;
        }
        let from = match self.plan.mount_source(self.buildfile, index, mount) {
            Some(Ok(from)) => Some(from),
            Some(Err(_)) => return None, // reported by the plan
            None => None,
        };
        let selector_path = paths::join(&["/", source.as_deref().unwrap_or("")]);
        let mut base: Option<Output> = match (&from, &mount.kind) {
            (_, IrMount::Tmpfs(_)) => None,
            (Some(from), _) => self.source_state(from),
            (None, _) => {
                self.context.use_path(source.as_deref().unwrap_or(""));
                Some(self.context.output(&mut self.graph, self.opts))
            }
        };
        let mut selector = String::new();
        if selector_path != "/" && !selector_path.is_empty() {
            selector = selector_path;
        } else if let IrMount::Cache(cache) = &mount.kind
            && cache.permissions != ir::Permissions::default()
        {
            base = Some(self.cache_permissions(base, cache.permissions));
            selector = "/cache".to_string();
        }
        let kind = match &mount.kind {
            IrMount::Cache(cache) => {
                if !self.require_cap("exec.mount.cache", mount.span, "a cache mount") {
                    return None;
                }
                self.cache_kind(state, cache, &target)
            }
            IrMount::Tmpfs(tmpfs) => {
                if !self.require_cap("exec.mount.tmpfs", mount.span, "a tmpfs mount") {
                    return None;
                }
                let size = i64::try_from(tmpfs.size.unwrap_or(0)).unwrap_or(i64::MAX);
                MountKind::Tmpfs { size }
            }
            _ => MountKind::Bind {
                // A writable bind's changes are thrown away; the cap says so explicitly.
                output: readonly
                    || !self
                        .opts
                        .llb_caps
                        .contains("exec.mount.bind.readwrite-nooutput"),
            },
        };
        Some(ExecMount {
            dest,
            source: base,
            selector,
            readonly,
            kind,
        })
    }

    /// A cache's id (in the `BUILDKIT_CACHE_MOUNT_NS` namespace) and sharing.
    fn cache_kind(&self, state: &StageState, cache: &ir::CacheMount, target: &str) -> MountKind {
        let namespace = self
            .opts
            .build_args
            .get("BUILDKIT_CACHE_MOUNT_NS")
            .map_or("", String::as_str);
        let id = cache
            .id
            .as_ref()
            .map(|i| expand(i, &state.env))
            .filter(|i| !i.is_empty())
            .unwrap_or_else(|| paths::clean(target));
        MountKind::Cache {
            id: format!("{namespace}/{id}"),
            sharing: match cache.sharing {
                Some(ir::Sharing::Private) => pb::CacheSharingOpt::Private,
                Some(ir::Sharing::Locked) => pb::CacheSharingOpt::Locked,
                Some(ir::Sharing::Shared) | None => pb::CacheSharingOpt::Shared,
            },
        }
    }

    /// `uid`, `gid` and `mode` of a cache mount: a directory made with them, mounted by
    /// selector, as dockerfile.v0's `setCacheUIDGID`.
    fn cache_permissions(&mut self, base: Option<Output>, permissions: ir::Permissions) -> Output {
        let id = |n: Option<u32>| pb::UserOpt {
            user: Some(pb::user_opt::User::ById(n.unwrap_or(0))),
        };
        let mkdir = pb::FileActionMkDir {
            path: "/cache".to_string(),
            mode: i32::try_from(permissions.mode.unwrap_or(0o755) & 0o777).unwrap_or(0o755),
            make_parents: false,
            owner: Some(pb::ChownOpt {
                user: Some(id(permissions.uid)),
                group: Some(id(permissions.gid)),
            }),
            timestamp: -1,
        };
        self.graph.file(
            base.as_ref(),
            vec![FileAction::Mkdir(mkdir)],
            // sic: fixed only in BuildKit 0.16 (Dockerfile 1.10); the daemons' dockerfile.v0 has it
            OpMeta::named("[internal] settings cache mount permissions"),
        )
    }
}

fn basename(path: &str) -> String {
    let cleaned = paths::clean(path);
    cleaned.rsplit('/').next().unwrap_or("").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heredoc_helpers() {
        assert_eq!(summarize("set -e\necho hi\n"), "set -e...");
        assert_eq!(basename("/run/secrets/a/"), "a");
    }
}
