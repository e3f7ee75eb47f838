//! Mount rules that need the whole mount.

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::ir::{Buildfile, MountKind, StepKind};

/// Bind, cache and tmpfs mounts need a place to appear. (Secrets and ssh sockets have
/// default paths.)
pub(super) fn targets(buildfile: &Buildfile, diagnostics: &mut Diagnostics) {
    let runs = buildfile.walk().filter_map(|(_, step)| match &step.kind {
        StepKind::Run(run) => Some(run),
        _ => None,
    });
    for mount in runs.flat_map(|run| &run.mounts) {
        let (kind, target) = match &mount.kind {
            MountKind::Bind(bind) => ("bind", &bind.target),
            MountKind::Cache(cache) => ("cache", &cache.target),
            MountKind::Tmpfs(tmpfs) => ("tmpfs", &tmpfs.target),
            MountKind::Secret(_) | MountKind::Ssh(_) => continue,
        };
        if target.is_none() {
            diagnostics.push(
                Diagnostic::error(
                    Code::MissingMountTarget,
                    format!("the {kind} mount has no target"),
                )
                .with_label(mount.span, "no `target=`")
                .with_help("add `target=/path`, where the mount appears in the container"),
            );
        }
    }
}
