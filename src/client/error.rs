//! A failed build as the user reads it: the daemon's message, shown with miette against the
//! lines of the step that failed, in the file it is in (the status's source details, which
//! BuildKit takes from the build's source map).

use std::collections::BTreeMap;

use prost::Message;
use serde_json::Value;

use crate::diagnostic::{Code, Diagnostic, Diagnostics, Style, render};
use crate::pb::errdefs;
use crate::pb::google::rpc::Status;
use crate::source::{FileId, SourceFile, SourceFiles, Span};

const SOURCE: &str = "github.com/moby/buildkit/errdefs.Source";

/// One source detail: the file and its 1-based first and last lines.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Excerpt {
    file: SourceFile,
    lines: (u32, u32),
}

/// Where each step of the build's Definitions is written, from their source maps: for a
/// daemon that sends an error without its source (BuildKit 0.8 reports a failed RUN only by
/// its vertex), the failed step's lines are found here.
#[derive(Debug, Default)]
pub(crate) struct SourceMap {
    infos: Vec<crate::pb::pb::SourceInfo>,
    /// Vertex digest -> index into `infos` and the first range.
    places: BTreeMap<String, (usize, crate::pb::pb::Range)>,
}

impl SourceMap {
    pub(crate) fn add(&mut self, definition: &crate::pb::pb::Definition) {
        let Some(source) = &definition.source else {
            return;
        };
        let offset = self.infos.len();
        self.infos.extend(source.infos.iter().cloned());
        for (digest, places) in &source.locations {
            if let Some((index, range)) = super::progress::first_place(source, places) {
                self.places.insert(digest.clone(), (offset + index, *range));
            }
        }
    }

    /// `status` with the source of the first of `failed` vertices that has one, unless the
    /// daemon gave it its source already.
    pub(crate) fn explain(&self, mut status: Status, failed: &[String]) -> Status {
        if status.details.iter().any(|d| excerpt(d).is_some()) {
            return status;
        }
        let place = failed.iter().find_map(|digest| self.places.get(digest));
        if let Some((index, range)) = place
            && let Some(info) = self.infos.get(*index)
        {
            let source = errdefs::Source {
                info: Some(info.clone()),
                ranges: vec![*range],
            };
            status.details.push(prost_types::Any {
                type_url: format!("type.googleapis.com/{SOURCE}"),
                value: source.encode_to_vec(),
            });
        }
        status
    }
}

/// The report of a failed build.
pub(crate) fn render_status(status: &Status, style: Style) -> String {
    let message = unwrap_grpc(&status.message);
    // rustbuild's own frontend errors are already reports, with their labels and hints.
    if message.contains("╭─[") {
        return format!("{message}\n");
    }
    let status = &Status {
        message,
        ..status.clone()
    };
    let excerpts: Vec<Excerpt> = status.details.iter().filter_map(excerpt).collect();
    let Some(first) = excerpts.first() else {
        return format!("error: {}\n", status.message);
    };
    let mut files = SourceFiles::new(first.file.clone());
    let mut diagnostic = Diagnostic::error(Code::StepFailed, status.message.clone());
    for (index, excerpt) in excerpts.iter().enumerate() {
        let file = if index == 0 {
            Some(FileId::MAIN)
        } else {
            files.add(excerpt.file.clone())
        };
        if let Some(file) = file {
            let label = if index == 0 {
                "this step failed"
            } else {
                "from here"
            };
            diagnostic = diagnostic.with_label(
                lines_span(&excerpt.file.text, excerpt.lines).in_file(file),
                label,
            );
        }
    }
    render(&Diagnostics(vec![diagnostic]), &files, style)
}

/// The message without the `rpc error: code = Unknown desc = ` that Go's gRPC puts before
/// a message each time it passes an error on.
fn unwrap_grpc(message: &str) -> String {
    let mut rest = message.trim_end();
    let mut kept = String::new();
    while let Some(at) = rest.find("rpc error: code = ") {
        kept.push_str(&rest[..at]);
        let after = &rest[at..];
        match after.find(" desc = ") {
            Some(desc) => rest = &after[desc + " desc = ".len()..],
            None => break,
        }
    }
    kept.push_str(rest);
    kept
}

/// The byte span of whole lines `first..=last` (1-based), without the last newline.
fn lines_span(text: &str, (first, last): (u32, u32)) -> Span {
    let mut start = text.len();
    let mut end = text.len();
    let mut offset = 0;
    for (number, line) in (1..).zip(text.split_inclusive('\n')) {
        if number == first {
            start = offset;
        }
        if number == last.max(first) {
            end = offset + line.trim_end_matches('\n').len();
            break;
        }
        offset += line.len();
    }
    Span::from_range(start.min(end)..end)
}

/// A source detail, in either of the encodings BuildKit uses: protobuf from the solver,
/// JSON (`+json`) from frontends.
fn excerpt(detail: &prost_types::Any) -> Option<Excerpt> {
    if detail.type_url.ends_with(SOURCE) {
        let source = errdefs::Source::decode(detail.value.as_slice()).ok()?;
        let info = source.info?;
        let range = source.ranges.first()?;
        let line =
            |p: &Option<crate::pb::pb::Position>| p.as_ref().map_or(0, |p| p.line.max(0) as u32);
        return Some(Excerpt {
            file: SourceFile::new(
                info.filename,
                String::from_utf8_lossy(&info.data).into_owned(),
            ),
            lines: (line(&range.start), line(&range.end)),
        });
    }
    if detail.type_url.ends_with(&format!("{SOURCE}+json")) {
        let body: Value = serde_json::from_slice(&detail.value).ok()?;
        let info = body.get("info")?;
        let data = crate::gateway::base64_decode(info.get("data")?.as_str()?)?;
        let range = body.get("ranges")?.get(0)?;
        let line = |end: &str| {
            range
                .get(end)
                .and_then(|p| p.get("line"))
                .and_then(Value::as_u64)
                .unwrap_or(0) as u32
        };
        return Some(Excerpt {
            file: SourceFile::new(
                info.get("filename")?.as_str()?.to_string(),
                String::from_utf8_lossy(&data).into_owned(),
            ),
            lines: (line("start"), line("end")),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source_detail(name: &str, text: &str, lines: (i32, i32)) -> prost_types::Any {
        let position = |line| Some(crate::pb::pb::Position { line, character: 0 });
        let source = errdefs::Source {
            info: Some(crate::pb::pb::SourceInfo {
                filename: name.to_string(),
                data: text.as_bytes().to_vec(),
                definition: None,
                language: "Buildfile".to_string(),
            }),
            ranges: vec![crate::pb::pb::Range {
                start: position(lines.0),
                end: position(lines.1),
            }],
        };
        prost_types::Any {
            type_url: format!("type.googleapis.com/{SOURCE}"),
            value: source.encode_to_vec(),
        }
    }

    #[test]
    fn a_failed_step_is_shown_at_its_line() {
        let status = Status {
            code: 2,
            message: "process \"/bin/sh -c exit 3\" did not complete successfully: exit code: 3"
                .to_string(),
            details: vec![source_detail(
                "Buildfile",
                "FROM scratch\nRUN exit 3\nCOPY a b\n",
                (2, 2),
            )],
        };
        let report = render_status(&status, Style::Plain);
        assert!(report.contains("rustbuild::build::step-failed"), "{report}");
        assert!(report.contains("exit code: 3"), "{report}");
        assert!(report.contains("[Buildfile:2:1]"), "{report}");
        assert!(report.contains("2 │ RUN exit 3"), "{report}");
        assert!(report.contains("this step failed"), "{report}");
    }

    #[test]
    fn json_details_from_frontends_are_read_too() {
        let detail = prost_types::Any {
            type_url: format!("{SOURCE}+json"),
            // "FROM a\nRUN b\n"
            value: br#"{"info":{"filename":"lib/steps.bf","data":"RlJPTSBhClJVTiBiCg=="},"ranges":[{"start":{"line":2},"end":{"line":2}}]}"#.to_vec(),
        };
        let excerpt = excerpt(&detail).unwrap();
        assert_eq!(excerpt.file.name, "lib/steps.bf");
        assert_eq!(excerpt.lines, (2, 2));
    }

    #[test]
    fn without_details_the_message_is_the_report() {
        let status = Status {
            code: 2,
            message: "no space left".to_string(),
            details: Vec::new(),
        };
        assert_eq!(
            render_status(&status, Style::Plain),
            "error: no space left\n"
        );
    }

    #[test]
    fn a_failed_vertex_without_source_is_found_in_the_source_map() {
        let text = "FROM scratch\nRUN exit 3\n";
        let detail = source_detail("Buildfile", text, (2, 2));
        let source = errdefs::Source::decode(detail.value.as_slice()).unwrap();
        let definition = crate::pb::pb::Definition {
            source: Some(crate::pb::pb::Source {
                locations: BTreeMap::from([(
                    "sha256:run".to_string(),
                    crate::pb::pb::Locations {
                        locations: vec![crate::pb::pb::Location {
                            source_index: 0,
                            ranges: source.ranges.clone(),
                        }],
                    },
                )]),
                infos: vec![source.info.clone().unwrap()],
            }),
            ..Default::default()
        };
        let mut map = SourceMap::default();
        map.add(&definition);
        let bare = Status {
            code: 2,
            message: "exit code: 3".to_string(),
            details: Vec::new(),
        };
        let explained = map.explain(
            bare.clone(),
            &["sha256:other".to_string(), "sha256:run".to_string()],
        );
        let report = render_status(&explained, Style::Plain);
        assert!(report.contains("2 │ RUN exit 3"), "{report}");
        assert_eq!(
            map.explain(bare.clone(), &["sha256:other".to_string()]),
            bare
        );
        let sourced = Status {
            details: vec![source_detail("Other", "x\n", (1, 1))],
            ..bare
        };
        assert_eq!(
            map.explain(sourced.clone(), &["sha256:run".to_string()]),
            sourced
        );
    }

    #[test]
    fn grpc_wrapping_is_dropped() {
        assert_eq!(
            unwrap_grpc(
                "rpc error: code = Unknown desc = failed to read: rpc error: code = Unknown desc = gone"
            ),
            "failed to read: gone"
        );
        assert_eq!(unwrap_grpc("plain"), "plain");
    }

    #[test]
    fn line_spans_cover_whole_lines() {
        let text = "a\nbb\nccc\n";
        assert_eq!(lines_span(text, (2, 2)), Span::new(2, 4));
        assert_eq!(lines_span(text, (2, 3)), Span::new(2, 8));
        assert_eq!(lines_span(text, (9, 9)), Span::new(9, 9));
    }
}
