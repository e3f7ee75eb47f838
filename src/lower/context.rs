//! The build context: one `local://context` source sending only the paths the build
//! reads, with the ignore file's patterns as excludes.

use std::collections::{BTreeMap, BTreeSet};

use super::LowerOptions;
use super::paths;
use super::plan::Plan;
use crate::ir::{self, MountKind, StepKind};
use crate::llb::{Graph, OpMeta, Output};

/// The context paths the needed stages read, when every word naming one is literal:
/// then one lowering pass is enough. `None` when a path depends on variables.
pub(super) fn literal_paths(buildfile: &ir::Buildfile, plan: &Plan) -> Option<BTreeSet<String>> {
    let mut context = BuildContext::new(None);
    let needed = buildfile
        .stages
        .iter()
        .zip(&plan.needed)
        .filter_map(|(stage, needed)| needed.then_some(stage));
    for step in needed.flat_map(ir::Stage::walk) {
        match &step.kind {
            StepKind::Copy(copy) if copy.from.is_none() => {
                for source in &copy.sources {
                    context.use_path(&source.as_literal()?.replace('\\', "/"));
                }
            }
            StepKind::Run(run) => {
                for mount in &run.mounts {
                    if let MountKind::Bind(ir::BindMount {
                        from: None, source, ..
                    }) = &mount.kind
                    {
                        let source = match source {
                            Some(word) => word.as_literal()?,
                            None => String::new(),
                        };
                        context.use_path(&source);
                    }
                }
            }
            _ => {}
        }
    }
    Some(context.used)
}

/// The context source of one pass: collects the paths used, and hands out the source op
/// made from the paths of the previous pass.
#[derive(Debug)]
pub(super) struct BuildContext {
    used: BTreeSet<String>,
    /// The paths the whole build reads (from the first pass); `None` while collecting.
    final_paths: Option<BTreeSet<String>>,
    output: Option<Output>,
}

impl BuildContext {
    pub(super) fn new(final_paths: Option<BTreeSet<String>>) -> Self {
        Self {
            used: BTreeSet::new(),
            final_paths,
            output: None,
        }
    }

    /// Records that the build reads `path` (as written, relative to the context root).
    pub(super) fn use_path(&mut self, path: &str) {
        self.used.insert(paths::join(&["/", path]));
    }

    pub(super) fn collected(&self) -> BTreeSet<String> {
        self.used.clone()
    }

    /// The context source op, made on first use.
    pub(super) fn output(&mut self, graph: &mut Graph, opts: &LowerOptions) -> Output {
        if let Some(output) = &self.output {
            return output.clone();
        }
        let paths = self.final_paths.as_ref().unwrap_or(&self.used);
        let output = graph.source(
            "local://context",
            attrs(paths, opts),
            None,
            OpMeta::named("[internal] load build context"),
        );
        self.output = Some(output.clone());
        output
    }
}

/// `local.session`, `local.sharedkeyhint`, and the include and exclude lists: the paths
/// relative to the root, sorted, or none at all when the root itself is used.
fn attrs(used: &BTreeSet<String>, opts: &LowerOptions) -> BTreeMap<String, String> {
    let mut attrs = BTreeMap::new();
    if !opts.session_id.is_empty() {
        attrs.insert("local.session".to_string(), opts.session_id.clone());
    }
    attrs.insert("local.sharedkeyhint".to_string(), "context".to_string());
    if !opts.context_excludes.is_empty() {
        attrs.insert(
            "local.excludepatterns".to_string(),
            json_list(opts.context_excludes.iter().map(String::as_str)),
        );
    }
    if !used.is_empty() && !used.contains("/") {
        // path.Join(".", p) of an absolute, clean path is the path without its slash.
        let relative = used.iter().map(|p| p.trim_start_matches('/'));
        attrs.insert("local.followpaths".to_string(), json_list(relative));
    }
    attrs
}

/// A JSON array of strings as Go's `json.Marshal` writes it (no spaces).
fn json_list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    serde_json::to_string(&items.collect::<Vec<_>>()).unwrap_or_else(|_| "[]".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follow_paths_are_relative_sorted_and_dropped_for_the_root() {
        let opts = LowerOptions {
            session_id: "sid".into(),
            context_excludes: vec!["*.log".into(), "target".into()],
            ..LowerOptions::default()
        };
        let used: BTreeSet<String> = ["/src/", "/hello.txt", "/a/./b"]
            .iter()
            .map(|p| paths::join(&["/", p]))
            .collect();
        let attrs = attrs(&used, &opts);
        assert_eq!(attrs["local.followpaths"], r#"["a/b","hello.txt","src"]"#);
        assert_eq!(attrs["local.excludepatterns"], r#"["*.log","target"]"#);
        assert_eq!(attrs["local.session"], "sid");
        assert_eq!(attrs["local.sharedkeyhint"], "context");
        let mut with_root = used.clone();
        with_root.insert("/".into());
        assert!(!super::attrs(&with_root, &opts).contains_key("local.followpaths"));
    }
}
