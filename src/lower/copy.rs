//! COPY/ADD (file-op copies from the context, a stage or an image; heredoc files; `--link`)
//! and WORKDIR (which creates the directory).

use super::dispatch::{Lowerer, StageState};
use super::{ContextSource, paths};
use crate::diagnostic::{Code, Diagnostic};
use crate::ir::{self, Chmod};
use crate::llb::{FileAction, OpMeta, Output};
use crate::pb::pb;
use crate::vars::{TextMode, expand, expand_text};

/// `--chown`/USER `uid[:gid]` as the Go client's `WithUser`: numbers (and `root`) by id,
/// anything else by name, looked up in the destination's `/etc/passwd`.
pub(super) fn chown(spec: &str) -> pb::ChownOpt {
    let to_opt = |part: &str| {
        let user = match part {
            "root" => pb::user_opt::User::ById(0),
            _ => match part.parse::<i32>() {
                Ok(id) if id >= 0 => pb::user_opt::User::ById(id.unsigned_abs()),
                _ => pb::user_opt::User::ByName(pb::NamedUserOpt {
                    name: part.to_string(),
                    input: 0,
                }),
            },
        };
        pb::UserOpt { user: Some(user) }
    };
    let (user, group) = match spec.split_once(':') {
        Some((user, group)) => (user, Some(group)),
        None => (spec, None),
    };
    pb::ChownOpt {
        user: Some(to_opt(user)),
        group: group.map(to_opt),
    }
}

impl Lowerer<'_> {
    pub(super) fn copy(
        &mut self,
        index: usize,
        state: &mut StageState,
        copy: &ir::Copy,
        step: &ir::Step,
    ) {
        let span = step.span;
        let windows = state.windows();
        let dest_text = expand(&copy.dest, &state.env);
        let dest = match paths::relative_to_workdir(&state.workdir, &dest_text, windows) {
            Ok(dest) => dest,
            Err(why) => {
                self.error(
                    Code::InvalidExpandedValue,
                    copy.dest.span,
                    format!("invalid destination `{dest_text}`: {why}"),
                    "this destination",
                    "on Windows, use a path on C:",
                );
                return;
            }
        };
        let source = match self.plan.copy_source(self.buildfile, index, copy) {
            Some(Ok(from)) => Some(self.source_state(&from)),
            Some(Err(_)) => return, // reported by the plan
            None => None,
        };
        let owner = copy.chown.as_ref().map(|c| chown(&expand(c, &state.env)));
        let (mode, mode_str, chmod_text) = match &copy.chmod {
            None => (-1, String::new(), None),
            Some(chmod) => {
                let text = chmod.node.written.clone();
                match &chmod.node.mode {
                    Chmod::Octal(mode) => (
                        i32::try_from(*mode).unwrap_or(-1),
                        String::new(),
                        Some(text),
                    ),
                    Chmod::Symbolic(symbolic) => {
                        self.require_cap("file.copy.modestring", chmod.span, "a symbolic --chmod");
                        (-1, symbolic.clone(), Some(text))
                    }
                    // `load` decides every mode with variables before lowering.
                    Chmod::Unexpanded => {
                        let internal =
                            Diagnostic::internal("a --chmod with variables was not expanded");
                        self.diagnostics
                            .push(internal.with_label(chmod.span, "not expanded"));
                        return;
                    }
                }
            }
        };

        let mut history = String::from(if copy.add { "ADD" } else { "COPY" });
        if let Some(c) = &copy.chown {
            history.push_str(&format!(" --chown={}", expand(c, &state.env)));
        }
        if let Some(text) = &chmod_text {
            history.push_str(&format!(" --chmod={text}"));
        }

        let mut actions = Vec::new();
        for word in &copy.sources {
            let src_text = expand(word, &state.env);
            history.push(' ');
            history.push_str(&src_text);
            let src = match paths::normalize("/", &src_text, windows, false) {
                Ok(src) => src,
                Err(why) => {
                    self.error(
                        Code::InvalidExpandedValue,
                        word.span,
                        format!("invalid source `{src_text}`: {why}"),
                        "this source",
                        "on Windows, use paths relative to the context",
                    );
                    continue;
                }
            };
            let from = match &source {
                Some(output) => output.clone(),
                None => {
                    self.context_sources.push(ContextSource {
                        path: src.clone(),
                        span: word.span,
                        instruction: if copy.add { "ADD" } else { "COPY" },
                    });
                    self.context.use_path(&src_text.replace('\\', "/"));
                    Some(self.context.output(&mut self.graph, self.opts))
                }
            };
            let src = if copy.if_exists { optional(&src) } else { src };
            let mut action = FileAction::docker_copy(from, src, dest.clone());
            if let FileAction::Copy { copy: c, .. } = &mut action {
                c.attempt_unpack_docker_compatibility = copy.add;
                c.owner = owner.clone();
                c.mode = mode;
                c.mode_str = mode_str.clone();
            }
            actions.push(action);
        }
        for heredoc in &copy.heredocs {
            history.push_str(&format!(" <<{}", heredoc.name));
            let file = self.heredoc_file(state, heredoc);
            actions.push(FileAction::Copy {
                source: Some(file),
                copy: pb::FileActionCopy {
                    src: heredoc.name.replace('\\', "/"),
                    dest: dest.clone(),
                    owner: owner.clone(),
                    mode,
                    mode_str: mode_str.clone(),
                    create_dest_path: true,
                    timestamp: -1,
                    ..pb::FileActionCopy::default()
                },
            });
        }
        history.push(' ');
        history.push_str(&dest_text);
        if actions.is_empty() {
            return;
        }

        let name = expand_text(&step.text, &state.env, TextMode::Name);
        let name = uppercase_first_word(&name);
        let progress_name = self.step_name(state, &name);
        let meta = OpMeta {
            custom_name: Some(progress_name.clone()),
            locations: self.locations(span),
            ignore_cache: state.ignore_cache,
            ..OpMeta::default()
        };
        let link = copy.link && copy.chmod.is_none() && self.opts.llb_caps.contains("mergeop");
        state.output = if link {
            self.linked_copy(state, actions, meta, &name, index)
        } else {
            Some(self.graph.file(state.output.as_ref(), actions, meta))
        };
        let created = self.created();
        state
            .image
            .push_history(format!("{history} # buildkit"), false, created.as_deref());
    }

    /// `--link`: the files copied onto scratch, merged on top of the stage, so the layer
    /// does not depend on what is below it.
    fn linked_copy(
        &mut self,
        state: &StageState,
        actions: Vec<FileAction>,
        meta: OpMeta,
        name: &str,
        stage: usize,
    ) -> Option<Output> {
        let progress_name = meta.custom_name.clone().unwrap_or_default();
        // dockerfile.v0 uses a random id; a stable one keeps definitions reproducible.
        let group_id = format!("link-{stage}-{}", state.cmd_index);
        let group = |weak| pb::ProgressGroup {
            id: group_id.clone(),
            name: progress_name.clone(),
            weak,
        };
        let copy_meta = OpMeta {
            progress_group: Some(group(true)),
            ..meta.clone()
        };
        let layer = self.graph.file(None, actions, copy_meta);
        let merge_meta = OpMeta {
            custom_name: Some(self.numbered_name(state, state.cmd_index, &format!("LINK {name}"))),
            progress_group: Some(group(false)),
            ..meta
        };
        self.graph
            .merge(&[state.output.clone(), Some(layer)], merge_meta)
    }

    /// A heredoc source: a file written on scratch, copied like any other source.
    fn heredoc_file(&mut self, state: &StageState, heredoc: &ir::Heredoc) -> Output {
        let content = if heredoc.expand {
            expand_text(&heredoc.content, &state.env, TextMode::Heredoc)
        } else {
            heredoc.content.clone()
        };
        let mkfile = pb::FileActionMkFile {
            path: paths::join(&["/", &heredoc.name.replace('\\', "/")]),
            mode: 0o644,
            data: content.into_bytes(),
            owner: None,
            timestamp: -1,
        };
        self.graph.file(
            None,
            vec![FileAction::Mkfile(mkfile)],
            OpMeta::named("[internal] preparing inline document"),
        )
    }

    /// WORKDIR: the new directory in config and state, created (owned by USER) unless `/`.
    pub(super) fn workdir(&mut self, state: &mut StageState, word: &ir::Word, step: &ir::Step) {
        let span = step.span;
        let requested = expand(word, &state.env);
        if !self.set_workdir(state, &requested, span) {
            return;
        }
        let workdir = state.workdir.clone();
        let with_layer = workdir != "/";
        if with_layer {
            let user = &state.image.config.user;
            let owner = Some(user).filter(|u| !u.is_empty()).map(|u| chown(u));
            let mkdir = pb::FileActionMkDir {
                path: workdir.clone(),
                mode: 0o755,
                make_parents: true,
                owner,
                timestamp: self
                    .epoch
                    .filter(|_| self.dialect.workdir_uses_epoch)
                    .map_or(-1, |s| s.saturating_mul(1_000_000_000)),
            };
            let text = uppercase_first_word(&expand_text(&step.text, &state.env, TextMode::Name));
            let name = self.step_name(state, &text);
            let meta = OpMeta {
                custom_name: Some(name),
                locations: self.locations(span),
                ignore_cache: state.ignore_cache,
                ..OpMeta::default()
            };
            state.output = Some(self.graph.file(
                state.output.as_ref(),
                vec![FileAction::Mkdir(mkdir)],
                meta,
            ));
        }
        let created = self.created();
        state.image.push_history(
            format!("WORKDIR {workdir}"),
            !with_layer,
            created.as_deref(),
        );
    }
}

/// dockerfile.v0's `uppercaseCmd`: `copy x y` is shown as `COPY x y`.
/// A source path as a pattern that matches only itself, for `--if-exists`: BuildKit lets a
/// pattern match nothing (the copy's allow-empty-wildcard), where a missing literal path
/// fails. One character of the last component goes in brackets (`/conf/a.conf` →
/// `/conf/[a].conf`); a path that is a pattern already, the root, or a name with no character
/// a bracket can hold plainly, is kept.
fn optional(path: &str) -> String {
    if path.contains(['*', '?', '[', '\\']) {
        return path.to_string();
    }
    // A trailing slash means nothing for a source, and would leave no name to bracket.
    let path = match path.trim_end_matches('/') {
        "" => return path.to_string(),
        trimmed => trimmed,
    };
    let name_start = path.rfind('/').map_or(0, |slash| slash + 1);
    let plain = path[name_start..]
        .char_indices()
        .find(|&(_, c)| !matches!(c, ']' | '-' | '^' | '!'));
    match plain {
        Some((offset, c)) => {
            let at = name_start + offset;
            format!("{}[{c}]{}", &path[..at], &path[at + c.len_utf8()..])
        }
        None => path.to_string(),
    }
}

pub(super) fn uppercase_first_word(text: &str) -> String {
    match text.split_once(' ') {
        Some((first, rest)) => {
            let mut out = String::with_capacity(text.len());
            out.extend(first.chars().flat_map(char::to_uppercase));
            out.push(' ');
            out.push_str(rest);
            out
        }
        None => text.to_uppercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_optional_source_is_a_pattern_of_itself() {
        assert_eq!(optional("/a.conf"), "/[a].conf");
        assert_eq!(optional("/conf/plugins/"), "/conf/[p]lugins");
        assert_eq!(optional("/conf/plugins"), "/conf/[p]lugins");
        assert_eq!(optional("/-x"), "/-[x]");
        assert_eq!(optional("/é.txt"), "/[é].txt");
        // Already patterns, or nothing to bracket: kept.
        assert_eq!(optional("/*.pem"), "/*.pem");
        assert_eq!(optional("/"), "/");
        assert_eq!(optional("/--"), "/--");
    }

    #[test]
    fn chown_by_id_and_by_name() {
        let by_id = chown("1000:root");
        assert_eq!(
            by_id.user.unwrap().user,
            Some(pb::user_opt::User::ById(1000))
        );
        assert_eq!(by_id.group.unwrap().user, Some(pb::user_opt::User::ById(0)));
        let by_name = chown("app");
        assert!(matches!(
            by_name.user.unwrap().user,
            Some(pb::user_opt::User::ByName(_))
        ));
        assert_eq!(by_name.group, None);
        assert_eq!(uppercase_first_word("copy a b"), "COPY a b");
    }
}
