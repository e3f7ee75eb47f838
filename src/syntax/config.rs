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
        if let Some(literal) = word.as_literal() {
            if let Some(problem) = port_problem(&literal) {
                cx.error(
                    Diagnostic::error(Code::InvalidPort, format!("`{literal}` is not a port"))
                        .with_label(text.span(), problem)
                        .with_help("write PORT or PORT/PROTOCOL (tcp, udp or sctp), or a range like 8000-8010/tcp; ports are 1 to 65535"),
                );
                ok = false;
                continue;
            }
        }
        ports.push(word);
    }
    ok.then_some(StepKind::Expose(ports))
}

/// Why a literal port spec is not one, if it is not.
fn port_problem(spec: &str) -> Option<&'static str> {
    if spec.contains(':') {
        return Some("EXPOSE takes a container port, not a host:container mapping");
    }
    if !is_port_spec(spec) {
        return Some("expected PORT[-PORT][/tcp|udp|sctp]");
    }
    let ports = spec.split('/').next().unwrap_or("");
    let numbers: Vec<Option<u32>> = ports.split('-').map(|p| p.parse().ok()).collect();
    if numbers
        .iter()
        .any(|n| !n.is_some_and(|n| (1..=65535).contains(&n)))
    {
        return Some("ports are 1 to 65535");
    }
    if let [Some(low), Some(high)] = numbers.as_slice() {
        if low > high {
            return Some("the range ends before it starts");
        }
    }
    None
}

/// Whether `spec` has the shape `PORT[-PORT][/tcp|udp|sctp]` (protocol in any case).
///
/// Hand-written rather than a grammar rule: a port is a token, not structure, and a pest
/// parse per port cost more than the rest of EXPOSE (see grammar/README.md, Performance).
fn is_port_spec(spec: &str) -> bool {
    let (ports, protocol) = match spec.split_once('/') {
        Some((ports, protocol)) => (ports, Some(protocol)),
        None => (spec, None),
    };
    let is_number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let ports_ok = match ports.split_once('-') {
        Some((low, high)) => is_number(low) && is_number(high),
        None => is_number(ports),
    };
    let protocol_ok = protocol.is_none_or(|p| {
        ["tcp", "udp", "sctp"]
            .iter()
            .any(|known| p.eq_ignore_ascii_case(known))
    });
    ports_ok && protocol_ok
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports() {
        for good in ["80", "80/tcp", "53/UDP", "8000-8010", "9/sctp", "65535"] {
            assert_eq!(port_problem(good), None, "{good}");
        }
        for bad in [
            "0",
            "65536",
            "http",
            "80/tcpx",
            "8080:80",
            "90-80",
            "80/",
            "",
            "-80",
            "80-",
            "1-2-3",
            "80/tcp/udp",
            "+80",
            " 80",
        ] {
            assert!(port_problem(bad).is_some(), "{bad}");
        }
    }
}
