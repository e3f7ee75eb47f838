//! The analysis's diagnostics as LSP's: each published for the file its primary label is
//! in (an included file's under that file's URI), with the secondary labels and the
//! expansion chain ("in FUNCTION x, called here") as related information.

use std::collections::BTreeMap;
use std::str::FromStr;

use lsp_types::{
    CodeDescription, DiagnosticRelatedInformation, DiagnosticSeverity, NumberOrString,
    PublishDiagnosticsParams, Uri,
};

use super::documents::Document;
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{Sources, Span};

/// What to publish for a document: every URI it has diagnostics for, and an empty list
/// for each URI it published for before and has none for now.
pub(crate) fn publish(document: &Document) -> Vec<PublishDiagnosticsParams> {
    let mut by_uri: BTreeMap<String, (Uri, Vec<lsp_types::Diagnostic>)> = BTreeMap::new();
    // The document itself is always published, so that fixed problems disappear.
    by_uri.insert(
        document.uri.as_str().to_owned(),
        (document.uri.clone(), Vec::new()),
    );
    for uri in &document.published {
        by_uri.insert(uri.as_str().to_owned(), (uri.clone(), Vec::new()));
    }
    for diagnostic in document.analysis.diagnostics.iter() {
        if let Some((uri, converted)) = convert(document, diagnostic) {
            by_uri
                .entry(uri.as_str().to_owned())
                .or_insert_with(|| (uri.clone(), Vec::new()))
                .1
                .push(converted);
        }
    }
    by_uri
        .into_values()
        .map(|(uri, diagnostics)| PublishDiagnosticsParams::new(uri, diagnostics, None))
        .collect()
}

/// Empty lists for every URI a closed document published for.
pub(crate) fn clear(document: &Document) -> Vec<PublishDiagnosticsParams> {
    let mut uris = document.published.clone();
    if !uris.contains(&document.uri) {
        uris.push(document.uri.clone());
    }
    uris.into_iter()
        .map(|uri| PublishDiagnosticsParams::new(uri, Vec::new(), None))
        .collect()
}

/// Where a diagnostic is shown: its primary span when that file has a URI, else the first
/// place of its expansion chain that has one (the INCLUDE of a file from a named context).
pub(crate) fn place(document: &Document, diagnostic: &Diagnostic) -> Option<(Uri, Span)> {
    let primary = diagnostic.span().unwrap_or_default();
    let chain = document.analysis.files.chain(primary);
    std::iter::once(primary)
        .chain(chain.into_iter().map(|e| e.at))
        .find_map(|span| Some((document.location(span)?.uri, span)))
}

/// One diagnostic as LSP's, with the URI it belongs to.
pub(crate) fn convert(
    document: &Document,
    diagnostic: &Diagnostic,
) -> Option<(Uri, lsp_types::Diagnostic)> {
    let (uri, span) = place(document, diagnostic)?;
    let code = diagnostic
        .code
        .rule()
        .map_or(diagnostic.code.as_str(), |rule| rule.name());
    let href = diagnostic
        .code
        .url()
        .and_then(|url| Uri::from_str(&url).ok());
    let message = match &diagnostic.help {
        Some(help) => format!("{}\nhelp: {help}", diagnostic.message),
        None => diagnostic.message.clone(),
    };
    let converted = lsp_types::Diagnostic {
        range: document.range(span),
        severity: Some(match diagnostic.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(code.to_owned())),
        code_description: href.map(|href| CodeDescription { href }),
        source: Some("rustbuild".to_owned()),
        message,
        related_information: Some(related(document, diagnostic, span)).filter(|r| !r.is_empty()),
        tags: None,
        data: None,
    };
    Some((uri, converted))
}

/// The other labels, then the places of the expansions that made the primary span.
fn related(
    document: &Document,
    diagnostic: &Diagnostic,
    primary: Span,
) -> Vec<DiagnosticRelatedInformation> {
    let labels = diagnostic.labels.iter().skip(1).filter_map(|label| {
        let message = if label.text.is_empty() {
            diagnostic.message.clone()
        } else {
            label.text.clone()
        };
        Some(DiagnosticRelatedInformation {
            location: document.location(label.span)?,
            message,
        })
    });
    let chain = document.analysis.files.chain(primary);
    let chain = chain.into_iter().filter_map(|expansion| {
        Some(DiagnosticRelatedInformation {
            location: document.location(expansion.at)?,
            message: format!("{}, {}", expansion.title(), expansion.label()),
        })
    });
    labels.chain(chain).collect()
}
