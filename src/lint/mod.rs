//! Stage 2b: lint rules, warnings about a Buildfile that builds. dockerfile.v0's rules under
//! Docker's names (so `# check=skip=JSONArgsRecommended` and `--call=check` read the same),
//! and rules of rustbuild's own in the same form. Each finding is a [`Diagnostic`] whose
//! code is [`Code::Lint`], with a span, a message, the rule's page and, where the change is
//! obvious, a [`Fix`](crate::diagnostic::Fix).
//!
//! Input: the loaded [`Buildfile`] and its files' text (some rules read the text as
//! written: keyword casing, empty continuation lines). Then [`configure`] applies `# check=`
//! to every lint finding of the build, including those load made (an IF whose condition
//! cannot change is found where IF is expanded). Pure: no I/O.

mod config;
mod rule;

mod from;
mod ignored;
mod legacy;
mod names;
mod own;
mod secrets;
mod undefined;

mod casing;
mod comments;
mod expose;
mod instructions;
mod stages;
mod written;

pub use config::{Config, Invalid};
pub use rule::{Origin, Rule};

use crate::diagnostic::{Code, Diagnostic, Diagnostics, Severity};
use crate::ignore::Pattern;
use crate::ir::Buildfile;
use crate::source::{FileId, Sources, Span};
use crate::suggest;

/// The build argument that sets the lint configuration, replacing the file's `# check=`.
pub const BUILD_ARG: &str = "BUILDKIT_DOCKERFILE_CHECK";

/// What the rules know besides the Buildfile.
#[derive(Clone, Copy, Debug, Default)]
pub struct Inputs<'a> {
    /// The context's `.dockerignore`, when the caller read one: CopyIgnoredFile.
    pub ignore: Option<&'a [Pattern]>,
    /// The `BUILDKIT_DOCKERFILE_CHECK` build argument: replaces the file's `# check=`.
    pub check: Option<&'a str>,
}

/// What every rule family is handed.
pub(crate) struct Context<'a> {
    pub(crate) buildfile: &'a Buildfile,
    pub(crate) files: &'a dyn Sources,
    pub(crate) inputs: Inputs<'a>,
}

/// Every rule's findings, before `# check=` is applied.
pub fn lint(buildfile: &Buildfile, files: &dyn Sources, inputs: Inputs<'_>) -> Diagnostics {
    let context = Context {
        buildfile,
        files,
        inputs,
    };
    let mut found = Diagnostics::new();
    legacy::key_values(&context, &mut found);
    stages::names(&context, &mut found);
    casing::instructions(&context, &mut found);
    instructions::instructions(&context, &mut found);
    expose::protocols(&context, &mut found);
    comments::empty_continuations(&context, &mut found);
    comments::descriptions(&context, &mut found);
    from::undefined_args(&context, &mut found);
    from::invalid_default_bases(&context, &mut found);
    from::redundant_platforms(&context, &mut found);
    from::constant_platforms(&context, &mut found);
    secrets::secrets(&context, &mut found);
    ignored::ignored_sources(&context, &mut found);
    undefined::undefined_vars(&context, &mut found);
    own::unused_args(&context, &mut found);
    own::blocks(&context, &mut found);
    own::unpinned_bases(&context, &mut found);
    found
}

/// Applies the build's lint configuration to `diagnostics`: drops the findings of rules
/// that are skipped (for the file, or by a `# check=` comment right above the instruction),
/// turns the rest into errors under `error=true`, and reports a `# check=` value that is
/// not valid (an error, as dockerfile.v0 fails the build) or names no rule (a warning).
pub fn configure(
    diagnostics: Diagnostics,
    buildfile: Option<&Buildfile>,
    files: &dyn Sources,
    inputs: Inputs<'_>,
) -> Diagnostics {
    let main = files.file(FileId(0));
    let directive = main.and_then(|file| crate::syntax::directives(file).check);
    let mut out = Diagnostics::new();
    let config = match inputs.check {
        Some(value) => Config::parse(value).unwrap_or_else(|invalid| {
            out.push(
                Diagnostic::error(Code::InvalidDirective, invalid.message)
                    .with_help("BUILDKIT_DOCKERFILE_CHECK takes what `# check=` takes: skip=RULE,…;error=true;experimental=RULE,…"),
            );
            Config::default()
        }),
        None => match &directive {
            Some(value) => read_config(&value.node, value.span, &mut out),
            None => Config::default(),
        },
    };
    // A line in a FUNCTION or FOR body is expanded many times; its finding is told once.
    let mut told = std::collections::BTreeSet::new();
    for diagnostic in diagnostics {
        let Some(rule) = diagnostic.code.rule() else {
            out.push(diagnostic);
            continue;
        };
        let at = diagnostic.span().map(|s| (s.file, s.start, s.end));
        if !told.insert((rule, at, diagnostic.message.clone())) {
            continue;
        }
        let config = match above(&diagnostic, buildfile, files) {
            Some((text, span)) => config.merged(&read_config(text, span, &mut out)),
            None => config.clone(),
        };
        if config.runs(rule) {
            let severity = if config.error {
                Severity::Error
            } else {
                diagnostic.severity
            };
            out.push(Diagnostic {
                severity,
                ..diagnostic
            });
        }
    }
    out.sorted()
}

/// Parses a `check=` value written at `span`, reporting what is wrong with it.
fn read_config(value: &str, span: Span, out: &mut Diagnostics) -> Config {
    let config = Config::parse(value).unwrap_or_else(|invalid| {
        let at = span.part(invalid.at.clone());
        out.push(
            Diagnostic::error(Code::InvalidDirective, invalid.message)
                .with_label(at, "not a check option")
                .with_help("`# check=` takes skip=RULE,…;error=true;experimental=RULE,… (or all)"),
        );
        Config::default()
    });
    let names: Vec<&str> = Rule::ALL.iter().map(|rule| rule.name()).collect();
    for unknown in config.unknown_rules() {
        let at = value
            .find(unknown)
            .map_or(span, |i| span.part(i..i + unknown.len()));
        let mut warning = Diagnostic::warning(
            Code::InvalidDirective,
            format!("`{unknown}` is not a lint rule"),
        )
        .with_label(at, "no rule of this name");
        if let Some(near) = suggest::did_you_mean(unknown, &names) {
            warning = warning
                .with_help(format!("did you mean `{near}`?"))
                .with_fix(format!("write `{near}`"), at, near);
        }
        out.push(warning);
    }
    config
}

/// A `# check=` comment among the comment lines directly above the instruction
/// `diagnostic` points into, as dockerfile.v0 reads an instruction's comments.
fn above<'a>(
    diagnostic: &Diagnostic,
    buildfile: Option<&Buildfile>,
    files: &'a dyn Sources,
) -> Option<(&'a str, Span)> {
    let span = diagnostic.span()?;
    let start = buildfile
        .and_then(|buildfile| instruction_at(buildfile, span))
        .unwrap_or(span.start);
    let file = files.file(span.file)?;
    let text: &'a str = &file.text;
    let mut end = text[..start as usize].rfind('\n')?;
    while end > 0 {
        let start = text[..end].rfind('\n').map_or(0, |i| i + 1);
        let line = text[start..end].trim();
        let comment = line.strip_prefix('#')?;
        if let Some(value) = comment.trim_start().strip_prefix("check=") {
            let at = start + text[start..end].find(value).unwrap_or(0);
            let span = Span::from_range(at..at + value.len()).in_file(span.file);
            return Some((value, span));
        }
        end = start.checked_sub(1)?;
    }
    None
}

/// UndefinedVar with the ENV names of resolved base images, by stage index (what only the
/// gateway knows): the findings [`lint`] could not be sure of. `# check=` is not applied.
pub(crate) fn undefined_with_images(
    buildfile: &Buildfile,
    files: &dyn Sources,
    images: &std::collections::BTreeMap<usize, std::collections::HashSet<String>>,
) -> Diagnostics {
    let context = Context {
        buildfile,
        files,
        inputs: Inputs::default(),
    };
    undefined::with_image_envs(&context, images)
}
/// Where the instruction (FROM or step) that holds `span` starts.
fn instruction_at(buildfile: &Buildfile, span: Span) -> Option<u32> {
    let holds = |at: Span| at.file == span.file && at.start <= span.start && span.end <= at.end;
    let stages = buildfile.stages.iter();
    let spans =
        stages.flat_map(|stage| std::iter::once(stage.span).chain(stage.walk().map(|s| s.span)));
    spans.filter(|at| holds(*at)).map(|at| at.start).next()
}

#[cfg(test)]
mod tests;
