//! WORKDIR, USER, STOPSIGNAL, MAINTAINER, EXPOSE and VOLUME: image settings.

use crate::diagnostic::{Code, Diagnostic};
use crate::ir::{StepKind, Word};

use super::cx::{Cx, missing};
use super::exec::{Form, classify};
use super::instruction::{Instruction, no_flags};

/// The whole argument as one word, spaces kept, as Dockerfile reads WORKDIR, USER and
/// STOPSIGNAL.
fn whole_word(cx: &mut Cx, ins: &Instruction<'_>, name: &str, usage: &str) -> Option<Word> {
    let mut ok = true;
    for diagnostic in no_flags(ins, name) {
        cx.error(diagnostic);
        ok = false;
    }
    if ins.args.is_empty() {
        cx.error(missing(
            &format!("{name} needs an argument"),
            ins.keyword.span(),
            usage,
        ));
        return None;
    }
    let word = cx.word(&ins.args)?;
    ok.then_some(word)
}

pub(super) fn workdir(cx: &mut Cx, ins: &Instruction<'_>) -> Option<StepKind> {
    whole_word(cx, ins, "WORKDIR", "WORKDIR /path").map(StepKind::Workdir)
}

pub(super) fn user(cx: &mut Cx, ins: &Instruction<'_>) -> Option<StepKind> {
    whole_word(cx, ins, "USER", "USER NAME[:GROUP]").map(StepKind::User)
}

pub(super) fn stopsignal(cx: &mut Cx, ins: &Instruction<'_>) -> Option<StepKind> {
    whole_word(cx, ins, "STOPSIGNAL", "STOPSIGNAL SIGTERM").map(StepKind::StopSignal)
}

/// MAINTAINER is not expanded by Dockerfile: the text is kept as written.
pub(super) fn maintainer(cx: &mut Cx, ins: &Instruction<'_>) -> Option<StepKind> {
    let mut ok = true;
    for diagnostic in no_flags(ins, "MAINTAINER") {
        cx.error(diagnostic);
        ok = false;
    }
    if ins.args.is_empty() {
        cx.error(missing(
            "MAINTAINER needs a name",
            ins.keyword.span(),
            "MAINTAINER NAME",
        ));
        return None;
    }
    ok.then(|| StepKind::Maintainer(Word::literal(ins.args.as_str(), ins.args.span())))
}

/// `EXPOSE 80 443/tcp 53/udp 8000-8010`. Ports written literally are checked here; ports
/// from variables are checked once expanded.
pub(super) fn expose(cx: &mut Cx, ins: &Instruction<'_>) -> Option<StepKind> {
    let mut ok = true;
    for diagnostic in no_flags(ins, "EXPOSE") {
        cx.error(diagnostic);
        ok = false;
    }
    let words = cx.split(&ins.args);
    if words.is_empty() {
        cx.error(missing(
            "EXPOSE needs a port",
            ins.keyword.span(),
            "EXPOSE 80/tcp",
        ));
        return None;
    }
    let mut ports = Vec::new();
    for text in &words {
        let Some(word) = cx.word(text) else {
            ok = false;
            continue;
        };
        if let Some(literal) = word.as_literal()
            && let Err(problem) = crate::port::parse(&literal)
        {
            cx.error(
                    Diagnostic::error(Code::InvalidPort, format!("`{literal}` is not a port"))
                        .with_label(text.span(), problem)
                        .with_help("write PORT or PORT/PROTOCOL (tcp, udp or sctp), or a range like 8000-8010/tcp; ports are 1 to 65535"),
                );
            ok = false;
            continue;
        }
        ports.push(word);
    }
    ok.then_some(StepKind::Expose(ports))
}

/// `VOLUME ["/data"]` or `VOLUME /data /logs`.
pub(super) fn volume(cx: &mut Cx, ins: &Instruction<'_>) -> Option<StepKind> {
    let mut ok = true;
    for diagnostic in no_flags(ins, "VOLUME") {
        cx.error(diagnostic);
        ok = false;
    }
    let words: Vec<Option<Word>> = match classify(&ins.args) {
        Form::Exec(strings) => strings.iter().map(|s| cx.word(&s.value.view())).collect(),
        Form::Shell => {
            let texts = cx.split(&ins.args);
            texts.iter().map(|t| cx.word(t)).collect()
        }
        Form::Invalid(diagnostic) => {
            cx.error(diagnostic);
            return None;
        }
    };
    if words.is_empty() {
        cx.error(missing(
            "VOLUME needs a path",
            ins.keyword.span(),
            "VOLUME /data",
        ));
        return None;
    }
    let mut volumes = Vec::new();
    for word in words {
        let Some(word) = word else {
            ok = false;
            continue;
        };
        if word.as_literal().is_some_and(|path| path.trim().is_empty()) {
            cx.error(
                Diagnostic::error(Code::MissingArgument, "a VOLUME path is empty")
                    .with_label(word.span, "empty path")
                    .with_help("remove it, or write the path"),
            );
            ok = false;
            continue;
        }
        volumes.push(word);
    }
    ok.then_some(StepKind::Volume(volumes))
}
