//! The one diagnostic type every stage reports, and its renderers.
//!
//! A [`Diagnostic`] carries a stable [`Code`], a message, labelled spans into the
//! Buildfile and an optional hint. Stages collect them in [`Diagnostics`] instead of
//! stopping at the first. The source text is attached only when rendering: as miette's
//! graphical report for people, or as JSON for editors.

use std::fmt;
use std::sync::Arc;

use crate::lint::Rule;
use crate::source::{FileId, LineIndex, Sources, Span};

/// Stable identifiers of every diagnostic, scoped by the stage that emits it.
/// The strings are part of the public interface (`--format json`): never reuse or rename one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Code {
    // syntax: text -> IR
    InvalidUtf8,
    UnexpectedToken,
    UnknownInstruction,
    UnsupportedInstruction,
    UnknownFlag,
    DuplicateFlag,
    InvalidFlagValue,
    MissingArgument,
    ExtraArgument,
    InvalidJson,
    UnterminatedQuote,
    UnterminatedHeredoc,
    InvalidVariable,
    InvalidDirective,
    InvalidStageName,
    InvalidPort,
    InvalidChmod,
    InvalidKeyValue,
    NoInstructions,
    InstructionBeforeFrom,
    UnbalancedBlock,
    MisplacedElse,
    InvalidCondition,
    // check: whole-file rules
    DuplicateStage,
    UnknownStage,
    StageCycle,
    MissingMountTarget,
    // lint: warnings under the rule's name, Docker's for Docker's rules
    Lint(Rule),
    // load: following INCLUDE through the files the caller reads
    InvalidIncludePath,
    IncludeNotFound,
    IncludeNotFollowed,
    IncludeCycle,
    TooDeep,
    TooLarge,
    StageInIncludedSteps,
    ImportInStage,
    DuplicateNamespace,
    NothingToImport,
    UnknownImportArg,
    DuplicateFunction,
    UnknownFunction,
    UnknownParameter,
    MissingParameter,
    RecursiveCall,
    NotInFunction,
    CallOutsideStage,
    UndeclaredVariable,
    InvalidExistsPath,
    // lower: needs build arguments, the platform or the daemon
    UnknownTarget,
    InvalidPlatform,
    InvalidExpandedValue,
    NotSupportedByDaemon,
    NotSupportedOnPlatform,
    // build: what the daemon found while building, explained by the gateway
    SourceNotInContext,
    /// A step the daemon ran failed (`rustbuild build` shows it against its line).
    StepFailed,
    Internal,
}

impl Code {
    /// Every code but the lint rules' (see [`Rule::ALL`]).
    pub const ALL: &'static [Code] = &[
        Code::InvalidUtf8,
        Code::UnexpectedToken,
        Code::UnknownInstruction,
        Code::UnsupportedInstruction,
        Code::UnknownFlag,
        Code::DuplicateFlag,
        Code::InvalidFlagValue,
        Code::MissingArgument,
        Code::ExtraArgument,
        Code::InvalidJson,
        Code::UnterminatedQuote,
        Code::UnterminatedHeredoc,
        Code::InvalidVariable,
        Code::InvalidDirective,
        Code::InvalidStageName,
        Code::InvalidPort,
        Code::InvalidChmod,
        Code::InvalidKeyValue,
        Code::NoInstructions,
        Code::InstructionBeforeFrom,
        Code::UnbalancedBlock,
        Code::MisplacedElse,
        Code::InvalidCondition,
        Code::DuplicateStage,
        Code::UnknownStage,
        Code::StageCycle,
        Code::MissingMountTarget,
        Code::InvalidIncludePath,
        Code::IncludeNotFound,
        Code::IncludeNotFollowed,
        Code::IncludeCycle,
        Code::TooDeep,
        Code::TooLarge,
        Code::StageInIncludedSteps,
        Code::ImportInStage,
        Code::DuplicateNamespace,
        Code::NothingToImport,
        Code::UnknownImportArg,
        Code::DuplicateFunction,
        Code::UnknownFunction,
        Code::UnknownParameter,
        Code::MissingParameter,
        Code::RecursiveCall,
        Code::NotInFunction,
        Code::CallOutsideStage,
        Code::UndeclaredVariable,
        Code::InvalidExistsPath,
        Code::UnknownTarget,
        Code::InvalidPlatform,
        Code::InvalidExpandedValue,
        Code::NotSupportedByDaemon,
        Code::NotSupportedOnPlatform,
        Code::SourceNotInContext,
        Code::StepFailed,
        Code::Internal,
    ];

    /// The stable string, e.g. `rustbuild::syntax::unknown-instruction`.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::InvalidUtf8 => "rustbuild::syntax::invalid-utf8",
            Code::UnexpectedToken => "rustbuild::syntax::unexpected-token",
            Code::UnknownInstruction => "rustbuild::syntax::unknown-instruction",
            Code::UnsupportedInstruction => "rustbuild::syntax::unsupported-instruction",
            Code::UnknownFlag => "rustbuild::syntax::unknown-flag",
            Code::DuplicateFlag => "rustbuild::syntax::duplicate-flag",
            Code::InvalidFlagValue => "rustbuild::syntax::invalid-flag-value",
            Code::MissingArgument => "rustbuild::syntax::missing-argument",
            Code::ExtraArgument => "rustbuild::syntax::extra-argument",
            Code::InvalidJson => "rustbuild::syntax::invalid-json",
            Code::UnterminatedQuote => "rustbuild::syntax::unterminated-quote",
            Code::UnterminatedHeredoc => "rustbuild::syntax::unterminated-heredoc",
            Code::InvalidVariable => "rustbuild::syntax::invalid-variable",
            Code::InvalidDirective => "rustbuild::syntax::invalid-directive",
            Code::InvalidStageName => "rustbuild::syntax::invalid-stage-name",
            Code::InvalidPort => "rustbuild::syntax::invalid-port",
            Code::InvalidChmod => "rustbuild::syntax::invalid-chmod",
            Code::InvalidKeyValue => "rustbuild::syntax::invalid-key-value",
            Code::NoInstructions => "rustbuild::syntax::no-instructions",
            Code::InstructionBeforeFrom => "rustbuild::syntax::instruction-before-from",
            Code::UnbalancedBlock => "rustbuild::syntax::unbalanced-block",
            Code::MisplacedElse => "rustbuild::syntax::misplaced-else",
            Code::InvalidCondition => "rustbuild::syntax::invalid-condition",
            Code::DuplicateStage => "rustbuild::check::duplicate-stage",
            Code::UnknownStage => "rustbuild::check::unknown-stage",
            Code::StageCycle => "rustbuild::check::stage-cycle",
            Code::MissingMountTarget => "rustbuild::check::missing-mount-target",
            Code::Lint(rule) => rule.code(),
            Code::InvalidIncludePath => "rustbuild::load::invalid-include-path",
            Code::IncludeNotFound => "rustbuild::load::include-not-found",
            Code::IncludeNotFollowed => "rustbuild::load::include-not-followed",
            Code::IncludeCycle => "rustbuild::load::include-cycle",
            Code::TooDeep => "rustbuild::load::too-deep",
            Code::TooLarge => "rustbuild::load::too-large",
            Code::StageInIncludedSteps => "rustbuild::load::stage-in-included-steps",
            Code::ImportInStage => "rustbuild::load::import-in-stage",
            Code::DuplicateNamespace => "rustbuild::load::duplicate-namespace",
            Code::NothingToImport => "rustbuild::load::nothing-to-import",
            Code::UnknownImportArg => "rustbuild::load::unknown-import-arg",
            Code::DuplicateFunction => "rustbuild::load::duplicate-function",
            Code::UnknownFunction => "rustbuild::load::unknown-function",
            Code::UnknownParameter => "rustbuild::load::unknown-parameter",
            Code::MissingParameter => "rustbuild::load::missing-parameter",
            Code::RecursiveCall => "rustbuild::load::recursive-call",
            Code::NotInFunction => "rustbuild::load::not-in-function",
            Code::CallOutsideStage => "rustbuild::load::call-outside-stage",
            Code::UndeclaredVariable => "rustbuild::load::undeclared-variable",
            Code::InvalidExistsPath => "rustbuild::load::invalid-exists-path",
            Code::UnknownTarget => "rustbuild::lower::unknown-target",
            Code::InvalidPlatform => "rustbuild::lower::invalid-platform",
            Code::InvalidExpandedValue => "rustbuild::lower::invalid-expanded-value",
            Code::NotSupportedByDaemon => "rustbuild::lower::not-supported-by-daemon",
            Code::NotSupportedOnPlatform => "rustbuild::lower::not-supported-on-platform",
            Code::SourceNotInContext => "rustbuild::build::source-not-in-context",
            Code::StepFailed => "rustbuild::build::step-failed",
            Code::Internal => "rustbuild::internal",
        }
    }
}

impl Code {
    /// The page that explains the finding: a lint rule's.
    pub fn url(self) -> Option<String> {
        match self {
            Code::Lint(rule) => rule.url(),
            _ => None,
        }
    }

    pub fn rule(self) -> Option<Rule> {
        match self {
            Code::Lint(rule) => Some(rule),
            _ => None,
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A span with the text shown next to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub text: String,
}

/// A replacement of one span's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub text: String,
}

/// A change that resolves a diagnostic, for editors' code actions: "write `ENV a=b`".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub title: String,
    /// Edits that do not overlap, in any file of the build.
    pub edits: Vec<Edit>,
}

/// One finding about a Buildfile. The first label is the primary location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub labels: Vec<Label>,
    pub help: Option<String>,
    pub fixes: Vec<Fix>,
}

impl Diagnostic {
    pub fn error(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            severity: Severity::Error,
            message: message.into(),
            labels: Vec::new(),
            help: None,
            fixes: Vec::new(),
        }
    }

    pub fn warning(code: Code, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(code, message)
        }
    }

    /// A bug in rustbuild rather than in the Buildfile.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::error(Code::Internal, message)
            .with_help("this is a bug in rustbuild; please report it with the Buildfile")
    }

    #[must_use]
    pub fn with_label(mut self, span: Span, text: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            text: text.into(),
        });
        self
    }

    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// A fix that replaces `span` with `text`.
    #[must_use]
    pub fn with_fix(
        mut self,
        title: impl Into<String>,
        span: Span,
        text: impl Into<String>,
    ) -> Self {
        self.fixes.push(Fix {
            title: title.into(),
            edits: vec![Edit {
                span,
                text: text.into(),
            }],
        });
        self
    }

    /// A lint rule's warning: the rule's code, its name in the message's place of origin.
    pub fn lint(rule: Rule, message: impl Into<String>) -> Self {
        Self::warning(Code::Lint(rule), message)
    }

    /// The primary span, if the diagnostic points anywhere.
    pub fn span(&self) -> Option<Span> {
        self.labels.first().map(|label| label.span)
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The diagnostics of one file, in the order found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.0.push(diagnostic);
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }

    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, Diagnostic> {
        self.0.iter_mut()
    }

    /// Sorted by file and position, so reports read top to bottom whichever stage found
    /// them: the main file's first.
    pub fn sorted(mut self) -> Self {
        self.0.sort_by_key(|d| {
            let at = d
                .span()
                .map_or((FileId(u16::MAX), u32::MAX), |s| (s.file, s.start));
            (at, d.code)
        });
        self
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(diagnostic: Diagnostic) -> Self {
        Self(vec![diagnostic])
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// The part of a diagnostic that one file shows, joined with that file: what miette
/// renders. Labels in other files come as related reports, each against its own file, and
/// so do the places of the expansions that made the primary label's node.
struct WithSource<'a> {
    diagnostic: &'a Diagnostic,
    /// The title of a related report; `None` for the report itself.
    title: Option<String>,
    /// A link of the expansion chain: shown as advice, not as another error.
    chain: bool,
    /// Each label, and whether it is the primary one.
    labels: Vec<(bool, Label)>,
    source: miette::NamedSource<Arc<str>>,
    related: Vec<WithSource<'a>>,
}

impl<'a> WithSource<'a> {
    /// The report of `diagnostic`: the file of its primary label first, then the others,
    /// then the expansion chain.
    fn new(diagnostic: &'a Diagnostic, sources: &(impl Sources + ?Sized)) -> Option<Self> {
        let primary = diagnostic.span().unwrap_or_default();
        let mut files: Vec<FileId> = vec![primary.file];
        for label in &diagnostic.labels {
            if !files.contains(&label.span.file) {
                files.push(label.span.file);
            }
        }
        let mut parts = files.into_iter().filter_map(|id| {
            let labels = diagnostic
                .labels
                .iter()
                .enumerate()
                .filter(|(_, label)| label.span.file == id)
                .map(|(i, label)| (i == 0, label.clone()))
                .collect();
            let name = &sources.file(id)?.name;
            Self::part(diagnostic, Some(format!("in {name}")), labels, sources)
        });
        let mut first = parts.next()?;
        first.title = None;
        first.related = parts.collect();
        let chain = sources.chain(primary).into_iter().filter_map(|expansion| {
            let label = Label {
                span: expansion.at,
                text: expansion.label().to_owned(),
            };
            let part = Self::part(
                diagnostic,
                Some(expansion.title()),
                vec![(true, label)],
                sources,
            );
            part.map(|part| WithSource {
                chain: true,
                ..part
            })
        });
        first.related.extend(chain);
        Some(first)
    }

    /// A report of `labels`, which are all in one file.
    fn part(
        diagnostic: &'a Diagnostic,
        title: Option<String>,
        labels: Vec<(bool, Label)>,
        sources: &(impl Sources + ?Sized),
    ) -> Option<Self> {
        let file = sources.file(labels.first()?.1.span.file)?;
        Some(WithSource {
            diagnostic,
            title,
            chain: false,
            labels,
            source: miette::NamedSource::new(file.name.clone(), file.text.clone()),
            related: Vec::new(),
        })
    }
}

impl fmt::Debug for WithSource<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.diagnostic, f)
    }
}

impl fmt::Display for WithSource<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.title.as_ref().unwrap_or(&self.diagnostic.message))
    }
}

impl std::error::Error for WithSource<'_> {}

impl miette::Diagnostic for WithSource<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.title
            .is_none()
            .then(|| Box::new(self.diagnostic.code) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        if self.chain {
            return Some(miette::Severity::Advice);
        }
        Some(match self.diagnostic.severity {
            Severity::Warning => miette::Severity::Warning,
            Severity::Error => miette::Severity::Error,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.diagnostic
            .help
            .as_ref()
            .filter(|_| self.title.is_none())
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn url<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let url = self
            .diagnostic
            .code
            .url()
            .filter(|_| self.title.is_none())?;
        Some(Box::new(url))
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let labels = self.labels.iter().map(|(primary, label)| {
            let span = miette::SourceSpan::from(label.span.range());
            let text = (!label.text.is_empty()).then(|| label.text.clone());
            if *primary {
                miette::LabeledSpan::new_primary_with_span(text, span)
            } else {
                miette::LabeledSpan::new_with_span(text, span)
            }
        });
        Some(Box::new(labels))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|r| r as &dyn miette::Diagnostic),
        ))
    }
}

/// How [`render`] draws a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// Unicode and colour, for a terminal.
    Fancy,
    /// ASCII-free of colour codes: logs, BuildKit error messages, snapshots.
    Plain,
}

/// Renders diagnostics as miette's graphical report, one after another, each label
/// against its own file.
pub fn render(
    diagnostics: &Diagnostics,
    sources: &(impl Sources + ?Sized),
    style: Style,
) -> String {
    let theme = match style {
        Style::Fancy => miette::GraphicalTheme::unicode(),
        Style::Plain => miette::GraphicalTheme::unicode_nocolor(),
    };
    // Plain text shows a rule's page as `(url)`; a terminal gets it as a hyperlink.
    let handler = miette::GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(style == Style::Fancy);
    let mut out = String::new();
    for diagnostic in diagnostics.iter() {
        let rendered = WithSource::new(diagnostic, sources)
            .is_some_and(|report| handler.render_report(&mut out, &report).is_ok());
        if !rendered {
            // Rendering into a String cannot fail in practice; keep the message at least.
            out.push_str(&diagnostic.message);
            out.push('\n');
        }
    }
    out
}

/// One diagnostic as the stable JSON object documented for editors.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct JsonDiagnostic {
    pub severity: &'static str,
    pub code: &'static str,
    pub message: String,
    /// The primary label's.
    #[serde(flatten)]
    pub range: JsonRange,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// The expansions that made the primary label's node, innermost first (LSP's related
    /// information): "in FUNCTION apt, called here" at the CALL.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub origin: Vec<JsonPlace>,
    /// A lint rule's name (`StageNameCasing`), as `# check=skip=` takes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<&'static str>,
    /// The rule's page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fixes: Vec<JsonFix>,
}

/// A [`Fix`] with its edits' ranges.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct JsonFix {
    pub title: String,
    pub edits: Vec<JsonEdit>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct JsonEdit {
    #[serde(flatten)]
    pub range: JsonRange,
    pub text: String,
}

/// A place in a file, with what it says, for [`JsonDiagnostic::origin`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct JsonPlace {
    pub message: String,
    #[serde(flatten)]
    pub range: JsonRange,
}

/// A span as editors count: 1-based lines and character columns, the end exclusive; line 0
/// when the file is unknown.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct JsonRange {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

/// Diagnostics as JSON objects, in the file of each one's primary label.
pub fn to_json(
    diagnostics: &Diagnostics,
    sources: &(impl Sources + ?Sized),
) -> Vec<JsonDiagnostic> {
    let mut ranges = Ranges {
        sources,
        indexes: Default::default(),
    };
    diagnostics
        .iter()
        .map(|d| {
            let span = d.span().unwrap_or_default();
            let origin = sources
                .chain(span)
                .into_iter()
                .map(|expansion| JsonPlace {
                    message: format!("{}, {}", expansion.title(), expansion.label()),
                    range: ranges.of(expansion.at),
                })
                .collect();
            JsonDiagnostic {
                severity: d.severity.as_str(),
                code: d.code.as_str(),
                message: d.message.clone(),
                range: ranges.of(span),
                help: d.help.clone(),
                origin,
                rule: d.code.rule().map(Rule::name),
                url: d.code.url(),
                fixes: d.fixes.iter().map(|fix| ranges.fix(fix)).collect(),
            }
        })
        .collect()
}

/// Ranges of spans, with one line index per file.
struct Ranges<'a, S: Sources + ?Sized> {
    sources: &'a S,
    indexes: std::collections::BTreeMap<FileId, LineIndex>,
}

impl<S: Sources + ?Sized> Ranges<'_, S> {
    fn fix(&mut self, fix: &Fix) -> JsonFix {
        let edits = fix.edits.iter().map(|edit| JsonEdit {
            range: self.of(edit.span),
            text: edit.text.clone(),
        });
        JsonFix {
            title: fix.title.clone(),
            edits: edits.collect(),
        }
    }

    fn of(&mut self, span: Span) -> JsonRange {
        let Some(file) = self.sources.file(span.file) else {
            return JsonRange {
                file: String::new(),
                line: 0,
                column: 0,
                end_line: 0,
                end_column: 0,
            };
        };
        let index = self
            .indexes
            .entry(span.file)
            .or_insert_with(|| LineIndex::new(&file.text));
        let start = index.line_col(&file.text, span.start);
        let end = index.line_col(&file.text, span.end);
        JsonRange {
            file: file.name.clone(),
            line: start.line,
            column: start.column,
            end_line: end.line,
            end_column: end.column,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{Expansion, ExpansionKind, SourceFile, SourceFiles};

    /// Each label is drawn against its own file; the report's position and the JSON's
    /// `file` are the primary label's.
    #[test]
    fn labels_in_two_files_render_against_each() {
        let mut files =
            SourceFiles::new(SourceFile::new("Buildfile", "FROM a\nINCLUDE common.bf\n"));
        let common = files
            .add(SourceFile::new("common.bf", "RUN false\n"))
            .unwrap();
        let d = Diagnostic::error(Code::UnknownInstruction, "something in an included file")
            .with_label(Span::new(0, 3).in_file(common), "here")
            .with_label(Span::new(7, 24), "included here")
            .with_help("a help");
        let diagnostics = Diagnostics::from(d);
        let text = render(&diagnostics, &files, Style::Plain);
        assert_eq!(
            text.matches("something in an included file").count(),
            1,
            "{text}"
        );
        assert!(text.contains("[common.bf:1:1]"), "{text}");
        assert!(text.contains("[Buildfile:2:1]"), "{text}");
        assert!(
            text.contains("included here") && text.contains("a help"),
            "{text}"
        );
        let json = to_json(&diagnostics, &files);
        assert_eq!(
            (json[0].range.file.as_str(), json[0].range.line),
            ("common.bf", 1)
        );
    }

    /// A node an expansion made shows the places that made it, innermost first, as
    /// related reports and as JSON `origin`.
    #[test]
    fn a_node_made_by_expansions_shows_the_chain() {
        let mut files =
            SourceFiles::new(SourceFile::new("Buildfile", "FROM a\nINCLUDE steps.bf\n"));
        let steps = files
            .add(SourceFile::new(
                "steps.bf",
                "FUNCTION apt\n    RUN apt-get install $PKGS\nEND\nCALL apt\n",
            ))
            .unwrap();
        let included = files
            .expand(Expansion {
                kind: ExpansionKind::Include {
                    path: "steps.bf".into(),
                },
                at: Span::new(7, 23),
            })
            .unwrap();
        let called = files
            .expand(Expansion {
                kind: ExpansionKind::Call {
                    function: "apt".into(),
                },
                at: Span::new(47, 55).in_file(steps).with_origin(included),
            })
            .unwrap();
        let pkgs = Span::new(37, 42).in_file(steps).with_origin(called);
        let d = Diagnostic::error(Code::InvalidExpandedValue, "a bad value")
            .with_label(pkgs, "expands to nothing");
        let diagnostics = Diagnostics::from(d);
        let text = render(&diagnostics, &files, Style::Plain);
        let call = text.find("in FUNCTION apt").expect(&text);
        let include = text.find("in steps.bf").expect(&text);
        assert!(call < include, "innermost first: {text}");
        assert!(text.contains("[steps.bf:2:25]"), "{text}");
        assert!(
            text.contains("[steps.bf:4:1]") && text.contains("called here"),
            "{text}"
        );
        assert!(text.contains("included here"), "{text}");
        let json = to_json(&diagnostics, &files);
        let origin: Vec<_> = json[0]
            .origin
            .iter()
            .map(|p| (p.message.as_str(), p.range.file.as_str(), p.range.line))
            .collect();
        assert_eq!(
            origin,
            [
                ("in FUNCTION apt, called here", "steps.bf", 4),
                ("in steps.bf, included here", "Buildfile", 2)
            ]
        );
    }

    #[test]
    fn every_code_is_listed_once_with_a_distinct_string() {
        let mut seen = std::collections::BTreeSet::new();
        let rules = Rule::ALL.iter().map(|rule| Code::Lint(*rule));
        for code in Code::ALL.iter().copied().chain(rules) {
            assert!(seen.insert(code.as_str()), "{code} twice");
        }
        assert!(Code::ALL.contains(&Code::Internal));
    }

    #[test]
    fn json_positions_are_one_based_characters() {
        let file = SourceFile::new("Buildfile", "FROM a\nRÜN x\n");
        let d = Diagnostic::error(Code::UnknownInstruction, "unknown instruction `RÜN`")
            .with_label(Span::new(7, 11), "not an instruction")
            .with_help("did you mean `RUN`?");
        let json = to_json(&Diagnostics::from(d), &file);
        assert_eq!(
            (
                json[0].range.line,
                json[0].range.column,
                json[0].range.end_line,
                json[0].range.end_column
            ),
            (2, 1, 2, 4)
        );
        assert_eq!(json[0].code, "rustbuild::syntax::unknown-instruction");
    }

    #[test]
    fn plain_render_names_code_label_and_help() {
        let file = SourceFile::new("Buildfile", "FROM a\nRUNN x\n");
        let d = Diagnostic::error(Code::UnknownInstruction, "unknown instruction `RUNN`")
            .with_label(Span::new(7, 11), "not an instruction")
            .with_help("did you mean `RUN`?");
        let text = render(&Diagnostics::from(d), &file, Style::Plain);
        assert!(
            text.contains("rustbuild::syntax::unknown-instruction"),
            "{text}"
        );
        assert!(text.contains("not an instruction"), "{text}");
        assert!(text.contains("did you mean `RUN`?"), "{text}");
        assert!(text.contains("Buildfile:2:1"), "{text}");
    }
}
