//! The most-asked build error, explained. A COPY or ADD source that the build context
//! lacks fails in BuildKit as `failed to compute cache key: failed to calculate checksum
//! of ref …: "/nothere.txt": not found` (moby/buildkit#4128, #2104): no line, no reason.
//!
//! Only when a solve fails that way does the frontend look further, so a build that
//! succeeds costs nothing more: the error becomes one at the source word, saying whether
//! the ignore file leaves the path out (which pattern, which line) or the context lacks
//! it, with near names the context has.

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::ignore;
use crate::lower::ContextSource;
use crate::pb::google::rpc::Status;
use crate::source::{SourceFiles, Sources};
use crate::suggest::did_you_mean;

use super::client::Bridge;
use super::files::{self, BuildSource};
use super::report;

/// A located error for `status` when it is a missing context source of this build;
/// `None` leaves the daemon's error as it is.
pub(crate) async fn explain(
    bridge: &mut Bridge,
    status: &Status,
    sources: &[ContextSource],
    source: &BuildSource,
    files: &SourceFiles,
    session_id: &str,
) -> Option<Status> {
    let missing = missing_path(&status.message)?;
    let found = sources.iter().find(|s| is_at_or_above(&missing, &s.path))?;
    let path = found.path.as_str();
    let excluded = ignore::excluded_by(&source.ignore.patterns, path);
    let (parent, name) = split_parent(path);
    let neighbours = match excluded {
        Some(_) => Vec::new(),
        None => {
            let names = files::context_names(bridge, session_id, parent, name, &source.ignore)
                .await
                .unwrap_or_default();
            // The file is there after all: whatever failed, it was not this.
            if names.iter().any(|n| n == name) {
                return None;
            }
            names
        }
    };
    let written = files.file(found.span.file)?.slice(found.span);
    let diagnostic = describe(
        found,
        written,
        excluded,
        &source.ignore.name,
        &neighbours,
        &missing,
    );
    Some(report::diagnostics_error(
        &Diagnostics(vec![diagnostic]),
        files,
    ))
}

/// The context path in BuildKit's not-found error: `"/a/b.txt": not found` (0.9 and
/// later) or `"/a/b.txt" not found` (0.8) for a missing file; `failed to walk
/// …/buildkit-mount123/a: lstat …: no such file or directory` for a missing directory
/// above it.
fn missing_path(message: &str) -> Option<String> {
    let first = message.lines().next()?;
    if !first.contains("failed to calculate checksum")
        && !first.contains("failed to compute cache key")
    {
        return None;
    }
    if let Some(end) = first
        .find("\": not found")
        .or_else(|| first.find("\" not found"))
    {
        let start = first[..end].rfind('"')? + 1;
        return Some(first[start..end].to_string()).filter(|p| p.starts_with('/'));
    }
    let walked = first.split("failed to walk ").nth(1)?;
    let walked = walked.split(": lstat ").next()?;
    let (_, inside) = walked.split_once("/buildkit-mount")?;
    let (_, path) = inside.split_once('/')?;
    Some(format!("/{path}"))
}

/// Whether the missing `path` is the source's path or a directory above it.
fn is_at_or_above(path: &str, source: &str) -> bool {
    source == path
        || source
            .strip_prefix(path)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// `/a/b.txt` as (`a`, `b.txt`); the root's parent is `""`.
fn split_parent(path: &str) -> (&str, &str) {
    let path = path.trim_start_matches('/');
    match path.rsplit_once('/') {
        Some((parent, name)) => (parent, name),
        None => ("", path),
    }
}

fn describe(
    found: &ContextSource,
    written: &str,
    excluded: Option<&ignore::Pattern>,
    ignore_name: &str,
    neighbours: &[String],
    missing: &str,
) -> Diagnostic {
    let (_, name) = split_parent(&found.path);
    let (label, help) = match excluded {
        Some(pattern) => (
            format!("{ignore_name} leaves this out"),
            format!(
                "line {} of {ignore_name} (`{}`) excludes it; add `!{}` below that line to send it",
                pattern.line,
                pattern.text,
                found.path.trim_start_matches('/'),
            ),
        ),
        None => {
            let candidates: Vec<&str> = neighbours.iter().map(String::as_str).collect();
            let help = match did_you_mean(name, &candidates) {
                Some(near) => format!("did you mean `{near}`? The context has that name next to where `{name}` would be"),
                None => "paths are relative to the build context (the folder given to `docker build`), not to the Buildfile".to_string(),
            };
            ("not in the build context".to_string(), help)
        }
    };
    Diagnostic::error(
        Code::SourceNotInContext,
        format!(
            "{} source `{written}` is not in the build context: BuildKit found no `{missing}`",
            found.instruction
        ),
    )
    .with_label(found.span, label)
    .with_help(help)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    const CHECKSUM: &str = "failed to compute cache key: failed to calculate checksum of ref \
        abc::def: \"/dir/nothere.txt\": not found";

    #[test]
    fn the_path_is_read_from_every_form_of_the_error() {
        assert_eq!(missing_path(CHECKSUM).as_deref(), Some("/dir/nothere.txt"));
        let old = "failed to compute cache key: \"/x\" not found: not found";
        assert_eq!(missing_path(old).as_deref(), Some("/x"));
        let walk = "failed to calculate checksum of ref a::b: failed to walk \
            /var/lib/docker/tmp/buildkit-mount1215211798/conf: lstat \
            /var/lib/docker/tmp/buildkit-mount1215211798/conf: no such file or directory";
        assert_eq!(missing_path(walk).as_deref(), Some("/conf"));
        assert_eq!(
            missing_path("process \"/bin/sh -c x\" did not complete"),
            None
        );
        assert_eq!(
            missing_path("\"/x\": not found"),
            None,
            "not a cache-key error"
        );
    }

    #[test]
    fn a_missing_directory_is_above_its_files_only() {
        assert!(is_at_or_above("/conf", "/conf/app.yaml"));
        assert!(is_at_or_above("/conf/app.yaml", "/conf/app.yaml"));
        assert!(!is_at_or_above("/conf", "/config.yaml"));
    }

    #[test]
    fn parents_and_names() {
        assert_eq!(split_parent("/a/b/c.txt"), ("a/b", "c.txt"));
        assert_eq!(split_parent("/c.txt"), ("", "c.txt"));
    }

    fn source() -> ContextSource {
        ContextSource {
            path: "/dir/nothere.txt".into(),
            span: Span::new(10, 26),
            instruction: "COPY",
        }
    }

    #[test]
    fn an_excluded_source_names_the_pattern_and_its_line() {
        let patterns = ignore::parse_lines("# docs\n*.md\ndir/*.txt\n");
        let excluded = ignore::excluded_by(&patterns, "/dir/nothere.txt");
        let d = describe(
            &source(),
            "dir/nothere.txt",
            excluded,
            ".dockerignore",
            &[],
            "/dir",
        );
        assert_eq!(d.code, Code::SourceNotInContext);
        assert_eq!(
            d.message,
            "COPY source `dir/nothere.txt` is not in the build context: BuildKit found no `/dir`"
        );
        assert_eq!(d.labels[0].span, Span::new(10, 26));
        assert_eq!(d.labels[0].text, ".dockerignore leaves this out");
        assert_eq!(
            d.help.as_deref(),
            Some(
                "line 3 of .dockerignore (`dir/*.txt`) excludes it; add `!dir/nothere.txt` below that line to send it"
            )
        );
    }

    #[test]
    fn a_missing_source_suggests_a_near_name() {
        let near = ["notthere.txt".to_string(), "other.md".to_string()];
        let d = describe(
            &source(),
            "dir/nothere.txt",
            None,
            "",
            &near,
            "/dir/nothere.txt",
        );
        assert_eq!(d.labels[0].text, "not in the build context");
        assert!(
            d.help
                .as_deref()
                .unwrap()
                .starts_with("did you mean `notthere.txt`?")
        );
        let d = describe(
            &source(),
            "dir/nothere.txt",
            None,
            "",
            &[],
            "/dir/nothere.txt",
        );
        assert!(
            d.help
                .as_deref()
                .unwrap()
                .starts_with("paths are relative to the build context")
        );
    }
}
