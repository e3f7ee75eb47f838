//! Rules about FROM lines: the variables they read (UndefinedArgInFrom), the base image the
//! global ARGs' defaults give (InvalidDefaultArgInFrom) and `--platform`
//! (RedundantTargetPlatform, FromPlatformFlagConstDisallowed).

use std::collections::BTreeMap;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::ir::{ArgDecl, Buildfile, Stage, VarRef, Word, WordPart};
use crate::platform::Platform;
use crate::source::Span;
use crate::suggest;
use crate::vars::{self, Scope};

use super::written::{self, Written};
use super::{Context, Rule, names};

/// The global ARGs a stage's FROM line sees: its own file's (an imported stage sees its
/// namespace's).
fn globals_of<'a>(buildfile: &'a Buildfile, stage: &Stage) -> &'a [ArgDecl] {
    match stage.namespace.and_then(|n| buildfile.imports.get(n)) {
        Some(namespace) => &namespace.global_args,
        None => &buildfile.global_args,
    }
}

/// The words of a FROM line that expand with the global ARGs.
fn from_words(stage: &Stage) -> impl Iterator<Item = &Word> {
    std::iter::once(&stage.base).chain(stage.platform.as_ref())
}

/// UndefinedArgInFrom: a FROM line reads a variable that is neither a global ARG of its
/// file nor an automatic one. Docker's check, once per written place (a FROM line that an
/// INCLUDE brings twice is one place).
pub(super) fn undefined_args(context: &Context<'_>, found: &mut Diagnostics) {
    let mut seen = Written::default();
    for stage in &context.buildfile.stages {
        let globals = globals_of(context.buildfile, stage);
        let mut declared: Vec<&str> = crate::vars::AUTOMATIC.to_vec();
        declared.extend(globals.iter().map(|decl| decl.name.node.as_str()));
        for var in from_words(stage).flat_map(Word::vars) {
            if declared.contains(&var.name.as_str()) || !names::is_name(&var.name) {
                continue;
            }
            if seen.first(var.span) {
                found.push(undefined_arg(context, var, &declared));
            }
        }
    }
}

fn undefined_arg(context: &Context<'_>, var: &VarRef, declared: &[&str]) -> Diagnostic {
    let near = suggest::did_you_mean(&var.name, declared);
    let mut message = format!("FROM argument '{}' is not declared", var.name);
    if let Some(near) = near {
        message.push_str(&format!(" (did you mean {near}?)"));
    }
    let warning = Diagnostic::lint(Rule::UndefinedArgInFrom, message)
        .with_label(var.span, "not a global ARG");
    match near {
        Some(near) => {
            let warning = warning.with_help(format!(
                "write `{near}`, or declare `ARG {}` before the first FROM",
                var.name
            ));
            match names::name_span(context, var) {
                Some(at) => warning.with_fix(format!("write `{near}`"), at, near),
                None => warning,
            }
        }
        None => warning.with_help(format!(
            "declare `ARG {}` before the first FROM: a FROM line sees only global ARGs",
            var.name
        )),
    }
}

/// InvalidDefaultArgInFrom: with no build argument given, the global ARGs' defaults make
/// the base image name empty or not a valid reference. Only FROM lines with variables: a
/// written name that is not valid is an error of its own.
pub(super) fn invalid_default_bases(context: &Context<'_>, found: &mut Diagnostics) {
    let platform = Platform::linux_amd64();
    let scope = Scope::alone(&platform);
    let mut seen = Written::default();
    for stage in &context.buildfile.stages {
        if stage.base.as_literal().is_some() {
            continue;
        }
        // An imported stage's "build arguments" are the IMPORT line's values, written in
        // the Buildfile: they count as given.
        let given = import_values(context.buildfile, stage, &scope);
        let scope = Scope {
            build_args: &given,
            ..scope
        };
        let env = vars::globals(globals_of(context.buildfile, stage), &scope);
        let name = vars::expand(&stage.base, &env);
        let invalid = crate::lower::normalize_reference(&name).err();
        // Reported once per written line: IMPORTed twice, with and without values, it is
        // the import without them that reports it.
        if let Some(why) = invalid.filter(|_| seen.first(stage.base.span)) {
            found.push(invalid_default(context, stage, &name, &why));
        }
    }
}

/// The IMPORT line's values for an imported stage's global ARGs, expanded with the
/// defaults of the importing file's global ARGs; none for the main file's stages.
fn import_values(
    buildfile: &Buildfile,
    stage: &Stage,
    scope: &Scope<'_>,
) -> BTreeMap<String, String> {
    let Some(namespace) = stage.namespace.and_then(|n| buildfile.imports.get(n)) else {
        return BTreeMap::new();
    };
    let importer = match namespace.importer.and_then(|n| buildfile.imports.get(n)) {
        Some(importer) => &importer.global_args,
        None => &buildfile.global_args,
    };
    let env = vars::globals(importer, scope);
    let values = namespace.values.iter().filter_map(|pair| {
        let key = pair.key.as_literal()?;
        Some((key, vars::expand(&pair.value, &env)))
    });
    values.collect()
}

fn invalid_default(context: &Context<'_>, stage: &Stage, name: &str, why: &str) -> Diagnostic {
    let written = written::text(context, stage.base.span).to_string();
    let why = if name.is_empty() {
        "it is empty".to_string()
    } else if name.ends_with(':') {
        format!("`{name}`, whose tag is empty")
    } else {
        format!("`{name}`: {why}")
    };
    let unset: Vec<&str> = stage
        .base
        .parts
        .iter()
        .filter_map(|part| match part {
            WordPart::Var(var) if var.modifier.is_none() => Some(var.name.as_str()),
            _ => None,
        })
        .collect();
    let help = match unset.as_slice() {
        [] => "give the ARGs it reads defaults that make a valid image name".to_string(),
        [first, ..] => format!(
            "give `ARG {}` a default (or use `${{{first}:-default}}`), so the build works without --build-arg",
            unset.join("`, `ARG "),
        ),
    };
    Diagnostic::lint(
        Rule::InvalidDefaultArgInFrom,
        format!("Default value for ARG {written} results in empty or invalid base image name"),
    )
    .with_label(stage.base.span, format!("with the defaults, {why}"))
    .with_help(help)
}

/// The platform word alone: `--platform=$TARGETPLATFORM` or `${TARGETPLATFORM}`.
fn is_target_platform(word: &Word) -> bool {
    matches!(
        word.parts.as_slice(),
        [WordPart::Var(VarRef { name, modifier: None, .. })] if name == "TARGETPLATFORM"
    )
}

/// RedundantTargetPlatform: `FROM --platform=$TARGETPLATFORM` says what FROM does without
/// it. Not when a global ARG gives TARGETPLATFORM a default of its own (then the value may
/// differ); the fix removes the flag.
pub(super) fn redundant_platforms(context: &Context<'_>, found: &mut Diagnostics) {
    let mut seen = Written::default();
    for stage in &context.buildfile.stages {
        let Some(platform) = stage.platform.as_ref().filter(|p| is_target_platform(p)) else {
            continue;
        };
        let redefined = globals_of(context.buildfile, stage)
            .iter()
            .any(|decl| decl.name.node == "TARGETPLATFORM" && decl.default.is_some());
        if redefined || !seen.first(platform.span) {
            continue;
        }
        let written = written::text(context, platform.span).to_string();
        let flag = flag_span(context, platform.span);
        let warning = Diagnostic::lint(
            Rule::RedundantTargetPlatform,
            format!(
                "Setting platform to predefined {written} in FROM is redundant as this is the default behavior"
            ),
        )
        .with_label(flag.unwrap_or(platform.span), "the default platform")
        .with_help("remove the flag: a stage is built for the target platform unless told otherwise");
        found.push(match flag.and_then(|flag| removal(context, flag)) {
            Some(at) => warning.with_fix("remove `--platform`", at, ""),
            None => warning,
        });
    }
}

/// The whole `--platform=VALUE` flag around the value at `value`.
fn flag_span(context: &Context<'_>, value: Span) -> Option<Span> {
    let text = &context.files.file(value.file)?.text;
    let before = text.get(..value.start as usize)?;
    let start = before.strip_suffix("--platform=")?.len();
    let start = u32::try_from(start).ok()?;
    Some(Span { start, ..value })
}

/// `flag` and the blanks after it, so that removing it leaves one space.
fn removal(context: &Context<'_>, flag: Span) -> Option<Span> {
    let text = &context.files.file(flag.file)?.text;
    let after = text.get(flag.end as usize..)?;
    let blanks = after.len() - after.trim_start_matches([' ', '\t']).len();
    if blanks == 0 {
        return None;
    }
    let end = flag.end.checked_add(u32::try_from(blanks).ok()?)?;
    Some(Span { end, ..flag })
}

/// FromPlatformFlagConstDisallowed: `FROM --platform=linux/amd64` pins the stage to one
/// platform. As in dockerfile.v0, not when the stage's name contains the platform's OS or
/// architecture (`AS build_amd64`): such a stage is meant for that platform.
pub(super) fn constant_platforms(context: &Context<'_>, found: &mut Diagnostics) {
    let mut seen = Written::default();
    for stage in &context.buildfile.stages {
        let Some(platform) = &stage.platform else {
            continue;
        };
        let Some(value) = platform.as_literal() else {
            continue;
        };
        // A value that is not a platform is an error of its own.
        let Ok(parsed) = Platform::parse(&value) else {
            continue;
        };
        let name = stage.name.as_ref().map_or("", |n| n.node.as_str());
        let named_for_it = name.contains(&parsed.os) || name.contains(&parsed.architecture);
        if named_for_it || !seen.first(platform.span) {
            continue;
        }
        found.push(
            Diagnostic::lint(
                Rule::FromPlatformFlagConstDisallowed,
                format!("FROM --platform flag should not use constant value \"{value}\""),
            )
            .with_label(platform.span, "a constant platform")
            .with_help(format!(
                "use `$BUILDPLATFORM` (or leave the flag out and pass `--platform`), or name the stage after the platform (`AS {}-{}`)",
                if name.is_empty() { "build" } else { name },
                parsed.architecture
            )),
        );
    }
}
