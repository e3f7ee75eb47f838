//! File ops (chains of copy, mkdir and mkfile actions) and merge ops.

use super::exec::input_index;
use super::{Graph, OpMeta, Output};
use crate::pb::pb;
use crate::posix_path::{clean, is_clean, join};

/// One action of a file op; it applies to the result of the previous action of the same
/// op, the first one to the op's base. Paths are cleaned and rooted when the op is made,
/// as the Go client marshals them (a relative path is taken from `/`: dockerfile.v0 only
/// leaves heredoc sources relative, and their scratch state's directory is `/`).
#[derive(Clone, Debug, PartialEq)]
pub enum FileAction {
    /// Copy from `source` (`None` = scratch). A by-name owner is looked up in the base.
    Copy {
        source: Option<Output>,
        copy: pb::FileActionCopy,
    },
    Mkdir(pb::FileActionMkDir),
    Mkfile(pb::FileActionMkFile),
}

impl FileAction {
    /// A copy with the flags dockerfile.v0 uses for COPY: follow symlinks, copy a
    /// directory's contents, create the destination path, allow (empty) wildcards, no
    /// mode and no timestamp set (-1: proto3's 0 would chmod to 0000 and date 1970).
    pub fn docker_copy(source: Option<Output>, src: String, dest: String) -> Self {
        Self::Copy {
            source,
            copy: pb::FileActionCopy {
                src,
                dest,
                mode: -1,
                follow_symlink: true,
                dir_copy_contents: true,
                create_dest_path: true,
                allow_wildcard: true,
                allow_empty_wildcard: true,
                timestamp: -1,
                ..pb::FileActionCopy::default()
            },
        }
    }

    /// The Go client's `sourcePath` and `normalizePath`: every path cleaned and absolute; a
    /// copy's destination keeps a trailing `/` or `/.` (they mean "into the directory").
    fn normalize_paths(&mut self) {
        match self {
            FileAction::Copy { copy, .. } => {
                root(&mut copy.src);
                if !is_normal_dest(&copy.dest) {
                    copy.dest = normalize_dest(&copy.dest);
                }
            }
            FileAction::Mkdir(mkdir) => root(&mut mkdir.path),
            FileAction::Mkfile(mkfile) => root(&mut mkfile.path),
        }
    }

    fn owner_mut(&mut self) -> Option<&mut pb::ChownOpt> {
        match self {
            FileAction::Copy { copy, .. } => copy.owner.as_mut(),
            FileAction::Mkdir(mkdir) => mkdir.owner.as_mut(),
            FileAction::Mkfile(mkfile) => mkfile.owner.as_mut(),
        }
    }

    fn caps(&self, meta: &mut OpMeta) {
        if let FileAction::Copy { copy, .. } = self {
            if !copy.include_patterns.is_empty() || !copy.exclude_patterns.is_empty() {
                meta.caps.insert("file.copy.includeexcludepatterns");
            }
            if !copy.required_paths.is_empty() {
                meta.caps.insert("file.copy.requiredpaths");
            }
            if copy.always_replace_existing_dest_paths {
                meta.caps.insert("file.copy.alwaysreplaceexistingdestpaths");
            }
            if !copy.mode_str.is_empty() {
                meta.caps.insert("file.copy.modestring");
            }
        }
    }
}

impl Graph {
    /// A file op applying `actions` in order on `base` (`None` = scratch). Its output 0
    /// is the result of the last action. No platform, as in the Go client.
    pub fn file(
        &mut self,
        base: Option<&Output>,
        actions: Vec<FileAction>,
        mut meta: OpMeta,
    ) -> Output {
        meta.caps.insert("file.base");
        let mut inputs = Vec::new();
        let base_index = base.map_or(-1, |b| input_index(&mut inputs, b));
        // Inputs are numbered first: base, then each copy source, deduplicated.
        let sources: Vec<i64> = actions
            .iter()
            .map(|action| match action {
                FileAction::Copy {
                    source: Some(source),
                    ..
                } => input_index(&mut inputs, source),
                _ => -1,
            })
            .collect();
        let input_count = i64::try_from(inputs.len()).unwrap_or(i64::MAX);
        let last = actions.len().saturating_sub(1);
        let pb_actions = actions
            .into_iter()
            .zip(sources)
            .enumerate()
            .map(|(i, (mut action, secondary_input))| {
                action.caps(&mut meta);
                action.normalize_paths();
                set_owner_input(&mut action, base_index);
                let index = i64::try_from(i).unwrap_or(i64::MAX);
                pb::FileAction {
                    // Chained actions refer to earlier results as `inputs.len() + k`.
                    input: if i == 0 {
                        base_index
                    } else {
                        input_count + index - 1
                    },
                    secondary_input,
                    output: if i == last { 0 } else { -1 },
                    action: Some(match action {
                        FileAction::Copy { copy, .. } => pb::file_action::Action::Copy(copy),
                        FileAction::Mkdir(mkdir) => pb::file_action::Action::Mkdir(mkdir),
                        FileAction::Mkfile(mkfile) => pb::file_action::Action::Mkfile(mkfile),
                    }),
                }
            })
            .collect();
        let op = pb::Op {
            inputs,
            op: Some(pb::op::Op::File(pb::FileOp {
                actions: pb_actions,
            })),
            platform: None,
            constraints: None,
        };
        Output {
            digest: self.add(op, meta),
            index: 0,
        }
    }

    /// A merge op layering `inputs` in order. Scratch inputs are dropped; with one input
    /// left no op is needed, with none the result is scratch (as `llb.Merge` does).
    pub fn merge(&mut self, inputs: &[Option<Output>], mut meta: OpMeta) -> Option<Output> {
        let layers: Vec<&Output> = inputs.iter().flatten().collect();
        match layers.as_slice() {
            [] => return None,
            [one] => return Some((*one).clone()),
            _ => {}
        }
        meta.caps.insert("mergeop");
        let op = pb::Op {
            inputs: layers.iter().map(|o| o.to_input()).collect(),
            op: Some(pb::op::Op::Merge(pb::MergeOp {
                inputs: (0..layers.len())
                    .map(|i| pb::MergeInput {
                        input: i64::try_from(i).unwrap_or(i64::MAX),
                    })
                    .collect(),
            })),
            platform: None,
            constraints: None,
        };
        Some(Output {
            digest: self.add(op, meta),
            index: 0,
        })
    }
}

/// `path.Join("/", path.Clean(p))`: clean and absolute.
fn rooted(path: &str) -> String {
    join(&["/", &clean(path)])
}

/// [`rooted`] in place. Lowering hands over paths it has normalized already, so they
/// are checked, not rebuilt.
fn root(path: &mut String) {
    if !(path.starts_with('/') && is_clean(path)) {
        *path = rooted(path);
    }
}

/// True when [`normalize_dest`] would return `dest` unchanged: clean and absolute, or
/// that and a trailing `/`.
fn is_normal_dest(dest: &str) -> bool {
    match dest.strip_suffix('/') {
        None => dest.starts_with('/') && is_clean(dest),
        Some("") => true,
        Some(dir) => dir.starts_with('/') && dir != "/" && is_clean(dir),
    }
}

/// `normalizePath(parent, p, keepSlash=true)` with `parent` `/`.
fn normalize_dest(dest: &str) -> String {
    let mut out = rooted(dest);
    if dest.ends_with('/') && !out.ends_with('/') {
        out.push('/');
    } else if dest.ends_with("/.") {
        if out != "/" {
            out.push('/');
        }
        out.push('.');
    }
    out
}

/// A user or group given by name is looked up in the `/etc/passwd` of the base.
fn set_owner_input(action: &mut FileAction, base_index: i64) {
    if let Some(owner) = action.owner_mut() {
        for user in [owner.user.as_mut(), owner.group.as_mut()]
            .into_iter()
            .flatten()
        {
            if let Some(pb::user_opt::User::ByName(named)) = user.user.as_mut() {
                named.input = base_index;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use prost::Message;

    use super::*;
    use crate::platform::Platform;

    fn decode(def: &pb::Definition, digest: &str) -> pb::Op {
        let bytes = def
            .def
            .iter()
            .find(|b| super::super::digest_of(b) == digest)
            .unwrap();
        pb::Op::decode(bytes.as_slice()).unwrap()
    }

    fn image(graph: &mut Graph, name: &str) -> Output {
        graph.source(
            &format!("docker-image://{name}"),
            BTreeMap::new(),
            Some(&Platform::linux_amd64()),
            OpMeta::default(),
        )
    }

    #[test]
    fn chained_actions_index_inputs_like_the_go_client() {
        let mut graph = Graph::new();
        let base = image(&mut graph, "a");
        let context = image(&mut graph, "b");
        let mut first = FileAction::docker_copy(Some(context.clone()), "/x".into(), "/app/".into());
        if let FileAction::Copy { copy, .. } = &mut first {
            copy.owner = Some(pb::ChownOpt {
                user: Some(pb::UserOpt {
                    user: Some(pb::user_opt::User::ByName(pb::NamedUserOpt {
                        name: "app".into(),
                        input: 99,
                    })),
                }),
                group: None,
            });
        }
        let second = FileAction::docker_copy(Some(context.clone()), "/y".into(), "/app/".into());
        let out = graph.file(Some(&base), vec![first, second], OpMeta::default());
        let def = graph.into_definition(Some(out.clone()), Vec::new());
        let op = decode(&def, &out.digest);
        assert_eq!(op.platform, None);
        assert_eq!(op.inputs.len(), 2);
        let Some(pb::op::Op::File(file)) = op.op else {
            panic!("not a file op")
        };
        let layout: Vec<(i64, i64, i64)> = file
            .actions
            .iter()
            .map(|a| (a.input, a.secondary_input, a.output))
            .collect();
        assert_eq!(layout, [(0, 1, -1), (2, 1, 0)]);
        let Some(pb::file_action::Action::Copy(copy)) = &file.actions[0].action else {
            panic!("not a copy")
        };
        assert_eq!((copy.mode, copy.timestamp), (-1, -1));
        let Some(pb::user_opt::User::ByName(named)) = copy
            .owner
            .as_ref()
            .unwrap()
            .user
            .as_ref()
            .unwrap()
            .user
            .clone()
        else {
            panic!("not by name")
        };
        assert_eq!(named.input, 0, "looked up in the base");
    }

    #[test]
    fn paths_are_normalized_like_the_go_client() {
        // dockerfile.v0 hands client/llb `/shared/` (COPY --from=build /shared/ …) and `EOT`
        // (a heredoc), and records `"src":"/shared"` and `"src":"/EOT"`; destinations keep
        // the slash that means "into the directory".
        let mut graph = Graph::new();
        let context = image(&mut graph, "b");
        let copy = |src: &str, dest: &str| {
            FileAction::docker_copy(Some(context.clone()), src.into(), dest.into())
        };
        let mkdir = FileAction::Mkdir(pb::FileActionMkDir {
            path: "/app//sub/".into(),
            ..pb::FileActionMkDir::default()
        });
        let mkfile = FileAction::Mkfile(pb::FileActionMkFile {
            path: "EOT".into(),
            ..pb::FileActionMkFile::default()
        });
        let actions = vec![
            copy("/shared/", "/opt/shared/"),
            copy("EOT", "/x//y/../z/"),
            copy("/a/./b", "/into/."),
            copy("/", "/"),
            copy("x", "/w/file"),
            copy("/a/b", "//"),
            copy("/a/b/", "/c//"),
            mkdir,
            mkfile,
        ];
        let out = graph.file(None, actions, OpMeta::default());
        let def = graph.into_definition(Some(out.clone()), Vec::new());
        let Some(pb::op::Op::File(file)) = decode(&def, &out.digest).op else {
            panic!("not a file op")
        };
        let paths: Vec<(String, String)> = file
            .actions
            .iter()
            .map(|a| match a.action.as_ref().unwrap() {
                pb::file_action::Action::Copy(c) => (c.src.clone(), c.dest.clone()),
                pb::file_action::Action::Mkdir(m) => (m.path.clone(), String::new()),
                pb::file_action::Action::Mkfile(m) => (m.path.clone(), String::new()),
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        let want = [
            ("/shared", "/opt/shared/"),
            ("/EOT", "/x/z/"),
            ("/a/b", "/into/."),
            ("/", "/"),
            ("/x", "/w/file"),
            ("/a/b", "/"),
            ("/a/b", "/c/"),
            ("/app/sub", ""),
            ("/EOT", ""),
        ];
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        assert_eq!(paths, want);
    }

    #[test]
    fn merge_drops_scratch_and_needs_two_layers() {
        let mut graph = Graph::new();
        let a = image(&mut graph, "a");
        let b = image(&mut graph, "b");
        assert_eq!(graph.merge(&[None], OpMeta::default()), None);
        assert_eq!(
            graph.merge(&[None, Some(a.clone())], OpMeta::default()),
            Some(a.clone())
        );
        let merged = graph
            .merge(&[Some(a), None, Some(b)], OpMeta::default())
            .unwrap();
        let def = graph.into_definition(Some(merged.clone()), Vec::new());
        let op = decode(&def, &merged.digest);
        let Some(pb::op::Op::Merge(merge)) = op.op else {
            panic!("not a merge")
        };
        assert_eq!(merge.inputs.len(), 2);
        assert!(def.metadata[&merged.digest].caps.contains_key("mergeop"));
    }
}
