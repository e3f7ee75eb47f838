//! Diagnostics in BuildKit's terms: errors as a `google.rpc.Status` whose details carry the
//! Buildfile and the lines to show, warnings as `WarnRequest`s.
//!
//! Details use the `+json` type URLs every Go frontend sends: the protobuf-encoded variant
//! is dropped by BuildKit 0.13 (PROTOCOL.md section 0, "Error details").

use serde_json::json;

use crate::diagnostic::{self, Diagnostic, Diagnostics, Style};
use crate::pb::google::rpc::Status;
use crate::pb::moby::buildkit::v1::frontend::WarnRequest;
use crate::pb::pb;
use crate::source::{FileId, LineIndex, SourceFile, Sources, Span};

const SOURCE_URL: &str = "github.com/moby/buildkit/errdefs.Source+json";
const SUBREQUEST_URL: &str = "github.com/moby/buildkit/errdefs.Subrequest+json";

/// The language named in source maps and error details.
pub(crate) const LANGUAGE: &str = "Buildfile";

/// Status code 2 (Unknown) for every error we make: code 3 makes the `# syntax` forwarder
/// print "InvalidArgument: " several times over.
const UNKNOWN: i32 = 2;

/// An error status with a plain message and no details.
pub(crate) fn plain_error(message: impl Into<String>) -> Status {
    Status {
        code: UNKNOWN,
        message: message.into(),
        details: Vec::new(),
    }
}

/// The 1-based first and last lines a span covers. A span ending just after a newline ends
/// on the line before.
pub(crate) fn line_range(file: &SourceFile, span: Span) -> (u32, u32) {
    let index = LineIndex::new(&file.text);
    let first = index.line(span.start);
    let last = index.line(span.end.saturating_sub(1).max(span.start));
    (first, last.max(first))
}

/// A `pb.Range` over whole lines, with both ends set: the client dereferences both.
pub(crate) fn pb_range((first, last): (u32, u32)) -> pb::Range {
    let position = |line: u32| pb::Position {
        line: i32::try_from(line).unwrap_or(i32::MAX),
        character: 0,
    };
    pb::Range {
        start: Some(position(first)),
        end: Some(position(last)),
    }
}

/// `pb.Range` as Go's JSON has it (zero fields omitted).
pub(crate) fn range_json((first, last): (u32, u32)) -> serde_json::Value {
    json!({"start": {"line": first}, "end": {"line": last}})
}

/// The file as a `pb.SourceInfo`.
pub(crate) fn source_info(file: &SourceFile) -> pb::SourceInfo {
    pb::SourceInfo {
        filename: file.name.clone(),
        data: file.text.as_bytes().to_vec(),
        definition: None,
        language: LANGUAGE.into(),
    }
}

/// The `errdefs.Source` detail that makes docker and buildctl print the lines.
pub(crate) fn source_detail(file: &SourceFile, lines: (u32, u32)) -> prost_types::Any {
    let body = json!({
        "info": {
            "filename": file.name,
            "data": base64(file.text.as_bytes()),
            "language": LANGUAGE,
        },
        "ranges": [range_json(lines)],
    });
    prost_types::Any {
        type_url: SOURCE_URL.into(),
        value: body.to_string().into_bytes(),
    }
}

/// The errors of a Buildfile as one status: the message is miette's plain report, and each
/// error with a location adds a source detail for its lines, in its own file.
pub(crate) fn diagnostics_error(
    diagnostics: &Diagnostics,
    sources: &(impl Sources + ?Sized),
) -> Status {
    let errors = Diagnostics(
        diagnostics
            .iter()
            .filter(|d| d.is_error())
            .cloned()
            .collect(),
    );
    let details = errors
        .iter()
        .filter_map(Diagnostic::span)
        .filter_map(|span| {
            let file = sources.file(span.file)?;
            Some(source_detail(file, line_range(file, span)))
        })
        .collect();
    Status {
        code: UNKNOWN,
        message: error_message(&errors, sources),
        details,
    }
}

/// The first error's message on the first line (BuildKit prints it after "failed to solve:"),
/// then the full report.
fn error_message(errors: &Diagnostics, sources: &(impl Sources + ?Sized)) -> String {
    let Some(first) = errors.iter().next() else {
        return "the Buildfile has errors".into();
    };
    let count = errors.iter().count();
    let more = match count {
        1 => String::new(),
        n => format!(
            " (and {} more error{})",
            n - 1,
            if n == 2 { "" } else { "s" }
        ),
    };
    let report = diagnostic::render(errors, sources, Style::Plain);
    let file = first.span().map_or(FileId::MAIN, |span| span.file);
    let name = sources.file(file).map_or(LANGUAGE, |f| f.name.as_str());
    format!(
        "{name}: {}{more}

{}",
        first.message,
        report.trim_end()
    )
}

/// The `unsupported request NAME` error BuildKit clients recognise.
pub(crate) fn unsupported_subrequest(name: &str) -> Status {
    Status {
        code: UNKNOWN,
        // BuildKit prefixes "unsupported request NAME: " itself, once per hop.
        message: format!(
            "rustbuild does not answer {name}; it answers frontend.outline, frontend.targets, frontend.lint and frontend.subrequests.describe"
        ),
        details: vec![prost_types::Any {
            type_url: SUBREQUEST_URL.into(),
            value: json!({ "name": name }).to_string().into_bytes(),
        }],
    }
}

/// A diagnostic as a `Warn` call attached to `digest` (the vertex that read the Buildfile),
/// located in the file of its primary label.
pub(crate) fn warn_request(
    diagnostic: &Diagnostic,
    sources: &(impl Sources + ?Sized),
    digest: &str,
) -> WarnRequest {
    let span = diagnostic.span();
    let file = span.and_then(|s| sources.file(s.file));
    let lines = span.zip(file).map(|(span, file)| line_range(file, span));
    // A lint rule goes by its name, as dockerfile.v0's warnings do (`JSONArgsRecommended: …`).
    let name = diagnostic
        .code
        .rule()
        .map_or(diagnostic.code.as_str(), |rule| rule.name());
    let short = match lines {
        Some((line, _)) => format!("{name}: {} (line {line})", diagnostic.message),
        None => format!("{name}: {}", diagnostic.message),
    };
    WarnRequest {
        digest: digest.to_string(),
        level: 1,
        short: short.into_bytes(),
        detail: diagnostic
            .help
            .iter()
            .map(|h| h.clone().into_bytes())
            .collect(),
        url: diagnostic.code.url().unwrap_or_default(),
        info: file.map(source_info),
        ranges: lines.into_iter().map(pb_range).collect(),
    }
}

/// Standard base64 with padding, as Go's `encoding/json` writes `[]byte`.
pub(crate) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// [`base64`] read back: a `+json` detail's bytes, the Docker config's `user:password`.
pub(crate) fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let digits = text.trim().trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let mut n = 0;
        for (i, &c) in chunk.iter().enumerate() {
            n |= value(c)? << (18 - 6 * i);
        }
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Code;

    fn file() -> SourceFile {
        SourceFile::new("Buildfile", "FROM a\nRUNN x\nCOPY . /\n")
    }

    #[test]
    fn base64_matches_the_rfc_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), expected);
        }
        assert_eq!(base64(&[0xff, 0xfe]), "//4=");
    }

    #[test]
    fn line_ranges_do_not_spill_past_a_final_newline() {
        let file = file();
        assert_eq!(line_range(&file, Span::new(7, 14)), (2, 2), "`RUNN x\\n`");
        assert_eq!(line_range(&file, Span::new(0, 13)), (1, 2));
        assert_eq!(line_range(&file, Span::new(7, 7)), (2, 2));
    }

    #[test]
    fn an_error_carries_its_lines_and_the_file() {
        let file = file();
        let d = Diagnostic::error(Code::UnknownInstruction, "unknown instruction `RUNN`")
            .with_label(Span::new(7, 11), "not an instruction")
            .with_help("did you mean `RUN`?");
        let warning = Diagnostic::warning(
            Code::Lint(crate::lint::Rule::LegacyKeyValueFormat),
            "legacy",
        )
        .with_label(Span::new(0, 4), "");
        let status = diagnostics_error(&Diagnostics(vec![warning, d]), &file);
        assert_eq!(status.code, 2);
        assert!(
            status
                .message
                .starts_with("Buildfile: unknown instruction `RUNN`\n"),
            "{}",
            status.message
        );
        assert!(
            status.message.contains("did you mean `RUN`?"),
            "{}",
            status.message
        );
        assert!(
            !status.message.contains("legacy"),
            "warnings are not errors"
        );
        assert_eq!(status.details.len(), 1);
        assert_eq!(status.details[0].type_url, SOURCE_URL);
        let body: serde_json::Value = serde_json::from_slice(&status.details[0].value).unwrap();
        assert_eq!(body["ranges"][0]["start"]["line"], 2);
        assert_eq!(body["ranges"][0]["end"]["line"], 2);
        assert_eq!(body["info"]["filename"], "Buildfile");
        assert_eq!(body["info"]["data"], base64(file.text.as_bytes()));
    }

    #[test]
    fn several_errors_are_counted() {
        let file = file();
        let d = |m: &str| {
            Diagnostic::error(Code::UnknownInstruction, m).with_label(Span::new(7, 11), "")
        };
        let status = diagnostics_error(&Diagnostics(vec![d("one"), d("two"), d("three")]), &file);
        assert!(
            status
                .message
                .starts_with("Buildfile: one (and 2 more errors)"),
            "{}",
            status.message
        );
        assert_eq!(status.details.len(), 3);
    }

    #[test]
    fn warnings_name_their_line_and_have_ranges() {
        let file = file();
        let d = Diagnostic::warning(
            Code::Lint(crate::lint::Rule::LegacyKeyValueFormat),
            "use ENV key=value",
        )
        .with_label(Span::new(15, 23), "here")
        .with_help("write `ENV a=b`");
        let w = warn_request(&d, &file, "sha256:abc");
        assert_eq!(
            String::from_utf8(w.short).unwrap(),
            "LegacyKeyValueFormat: use ENV key=value (line 3)"
        );
        assert_eq!(
            w.url,
            "https://docs.docker.com/go/dockerfile/rule/legacy-key-value-format/"
        );
        assert_eq!(w.detail, vec![b"write `ENV a=b`".to_vec()]);
        assert_eq!(w.ranges, vec![pb_range((3, 3))]);
        assert_eq!(w.digest, "sha256:abc");
        assert_eq!(w.level, 1);
    }

    #[test]
    fn unknown_subrequest_names_itself() {
        let status = unsupported_subrequest("frontend.convertllb");
        assert!(
            status
                .message
                .starts_with("rustbuild does not answer frontend.convertllb;")
        );
        assert_eq!(status.details[0].type_url, SUBREQUEST_URL);
        assert_eq!(
            status.details[0].value,
            br#"{"name":"frontend.convertllb"}"#.to_vec()
        );
    }

    #[test]
    fn base64_decodes_every_length() {
        assert_eq!(base64_decode("YQ==").unwrap(), b"a");
        assert_eq!(base64_decode("YWI=").unwrap(), b"ab");
        assert_eq!(base64_decode("YWJj").unwrap(), b"abc");
        assert_eq!(base64_decode("").unwrap(), b"");
        assert!(base64_decode("a*b=").is_none());
    }
}
