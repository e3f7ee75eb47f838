//! Instructions as written, for the rules that read the text rather than the IR: keyword
//! casing, stage names, comments and continuation lines.
//!
//! A FUNCTION body's line is spliced in once per CALL (and per FOR iteration), each copy
//! with its own origin but the same place in its file: [`Written`] keeps one of each, so a
//! rule reports a line once however often it expands.

use std::collections::HashSet;

use crate::ir::{Stage, StageRef, Step, StepKind};
use crate::source::{FileId, Span};

use super::Context;

/// The places already seen: file and byte range, the origin left out.
#[derive(Default)]
pub(super) struct Written(HashSet<(FileId, u32, u32)>);

impl Written {
    /// True the first time `span`'s place is offered.
    pub(super) fn first(&mut self, span: Span) -> bool {
        self.0.insert(super::names::place(span))
    }
}

/// The text `span` covers in its file; empty when the file is not known.
pub(super) fn text<'a>(context: &Context<'a>, span: Span) -> &'a str {
    context
        .files
        .file(span.file)
        .map_or("", |file| file.slice(span))
}

/// The escape character of `file`: each file may set its own with `# escape=`.
pub(super) fn escape(context: &Context<'_>, file: FileId) -> char {
    context
        .files
        .file(file)
        .map_or(context.buildfile.directives.escape, |file| {
            crate::syntax::directives(file).escape
        })
}

/// The keyword an instruction starts with, as written, and its span.
pub(super) fn keyword<'a>(context: &Context<'a>, span: Span) -> Option<(&'a str, Span)> {
    let written = text(context, span);
    let len = written
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(written.len());
    (len > 0).then(|| (&written[..len], span.part(0..len)))
}

/// Steps with text of their own: ARG --bind and --unset are made by CALL and FOR.
pub(super) fn is_written(step: &Step) -> bool {
    !matches!(step.kind, StepKind::Bind(_) | StepKind::Unset(_))
}

/// The stage `stage` is built on, when its base names an earlier stage of the build.
pub(super) fn base_stage(context: &Context<'_>, index: usize, stage: &Stage) -> Option<usize> {
    let name = stage.base.as_literal()?;
    match context.buildfile.stage_ref(index, &name, false) {
        StageRef::Earlier(base) => Some(base),
        _ => None,
    }
}

/// The rules of this family read as written: expanded copies, other files, the escape
/// directive and heredocs, checked through the whole analysis.
#[cfg(test)]
mod tests {

    use crate::diagnostic::Code;
    use crate::lint::{Inputs, Rule};
    use crate::load::{self, Answer, Request};
    use crate::platform::Platform;
    use crate::source::SourceFile;
    use crate::vars::Scope;

    /// The rule and line (from 1, in whichever file) of every lint finding of `main`,
    /// with `included` as the file any INCLUDE reads.
    fn findings(main: &str, included: &str) -> Vec<(Rule, u32)> {
        let amd64 = Platform::linux_amd64();
        let scope = Scope::alone(&amd64);
        let read = |_: &Request| Answer::Found(included.as_bytes().to_vec());
        let loaded = load::load(SourceFile::new("Buildfile", main), scope, read);
        let analysis = crate::analyze_loaded(loaded, Inputs::default());
        let files = &analysis.files;
        let mut out = Vec::new();
        for diagnostic in analysis.diagnostics.iter() {
            assert!(!diagnostic.is_error(), "{diagnostic:?}");
            let (Code::Lint(rule), Some(span)) = (diagnostic.code, diagnostic.span()) else {
                continue;
            };
            let text = crate::source::Sources::file(files, span.file).map_or("", |f| &f.text);
            let line = text[..span.start as usize].matches('\n').count() + 1;
            out.push((rule, u32::try_from(line).unwrap_or(0)));
        }
        out
    }

    #[test]
    fn a_function_line_is_reported_once_however_often_it_expands() {
        let main = "FUNCTION setup\n    Run echo a \\\n\n      b\n    WORKDIR rel\n    EXPOSE 80/TCP\n    MAINTAINER me\nEND\nFROM alpine AS Base\nFOR I IN 1 2 3\nCALL setup\nEND\nCMD [\"true\"]\n";
        let mut found = findings(main, "");
        found.sort();
        assert_eq!(
            found,
            [
                (Rule::StageNameCasing, 9),
                (Rule::NoEmptyContinuation, 3),
                (Rule::ConsistentInstructionCasing, 2),
                (Rule::MaintainerDeprecated, 7),
                (Rule::WorkdirRelativePath, 5),
                (Rule::ExposeProtoCasing, 6),
            ]
        );
    }

    #[test]
    fn stages_stamped_by_a_for_are_reported_once() {
        let main = "ARG ARCHS=\"amd64 arm64\"\nFOR ARCH IN ${ARCHS}\nFROM alpine as build-${ARCH}\nCMD echo ${ARCH}\nEND\n";
        let mut found = findings(main, "");
        found.sort();
        assert_eq!(
            found,
            [(Rule::FromAsCasing, 3), (Rule::JSONArgsRecommended, 4)]
        );
    }

    #[test]
    fn an_included_file_has_its_own_majority() {
        let main = "FROM alpine\nINCLUDE steps.bf\nRUN true\n";
        let included = "run a\nrun b\nRUN c\n";
        assert_eq!(
            findings(main, included),
            [(Rule::ConsistentInstructionCasing, 3)]
        );
    }

    #[test]
    fn continuations_follow_the_escape_directive_and_skip_heredocs() {
        let main = "# escape=`\nFROM alpine\nRUN echo a \\\n\nRUN echo b `\n\n  c\nRUN <<EOF\necho d `\n\nEOF\n";
        assert_eq!(findings(main, ""), [(Rule::NoEmptyContinuation, 6)]);
    }

    #[test]
    fn an_included_file_continues_lines_with_its_own_escape() {
        let main = "FROM alpine\nINCLUDE steps.bf\n";
        let included = "# escape=`\nRUN a \\\n\nRUN b `\n\n  c\n";
        assert_eq!(findings(main, included), [(Rule::NoEmptyContinuation, 5)]);
    }

    #[test]
    fn a_shell_of_the_base_stage_is_inherited_and_workdir_too() {
        let main = "FROM alpine AS base\nSHELL [\"/bin/ash\", \"-c\"]\nWORKDIR /app\nFROM base\nCMD echo hi\nWORKDIR sub\nFROM alpine\nENTRYPOINT [\"a\"]\nENTRYPOINT [\"b\"]\n";
        assert_eq!(
            findings(main, ""),
            [(Rule::MultipleInstructionsDisallowed, 8)]
        );
    }
}
