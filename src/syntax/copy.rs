//! `COPY [--from=…] [--chown=…] [--chmod=…] [--link] [--if-exists] SRC… DEST` and `ADD` of
//! local files.

use crate::diagnostic::{Code, Diagnostic};
use crate::ir::{Chmod, ChmodFlag, Copy, Heredoc, StepKind, Word};
use crate::source::Spanned;

use super::cx::{Cx, missing};
use super::exec::{Form, classify};
use super::flags;
use super::from::empty_value;
use super::heredoc;
use super::instruction::Instruction;
use super::keyword::Keyword;
use super::text::Text;

const COPY_USAGE: &str =
    "COPY [--from=STAGE] [--chown=USER[:GROUP]] [--chmod=MODE] [--link] [--if-exists] SRC... DEST";
const ADD_USAGE: &str =
    "ADD [--chown=USER[:GROUP]] [--chmod=MODE] [--link] [--if-exists] SRC... DEST";

pub(super) fn copy(cx: &mut Cx, ins: &Instruction<'_>, heredocs: Vec<Heredoc>) -> Option<StepKind> {
    let flags = Keyword::Copy.flags(&ins.flags, &mut cx.diagnostics);
    let from = flags.value("from").and_then(|found| {
        let value = found.value.as_ref()?;
        if value.is_empty() {
            cx.error(empty_value("--from", &found.whole, "--from=build"));
            return None;
        }
        cx.word(value)
    });
    let common = common(cx, ins, &flags, heredocs, false, COPY_USAGE)?;
    Some(StepKind::Copy(Copy { from, ..common }))
}

pub(super) fn add(cx: &mut Cx, ins: &Instruction<'_>, heredocs: Vec<Heredoc>) -> Option<StepKind> {
    let flags = Keyword::Add.flags(&ins.flags, &mut cx.diagnostics);
    let copy = common(cx, ins, &flags, heredocs, true, ADD_USAGE)?;
    let mut remote_sources = copy.sources.iter().filter(|source| {
        source
            .as_literal()
            .is_some_and(|text| text.starts_with("git@") || text.contains("://"))
    });
    if let Some(source) = remote_sources.next() {
        cx.error(
            Diagnostic::error(
                Code::UnsupportedInstruction,
                "ADD from a URL is not supported yet",
            )
            .with_label(source.span, "a remote source")
            .with_help(
                "download it in a RUN step (curl, wget, git clone), or use COPY for local files",
            ),
        );
        return None;
    }
    Some(StepKind::Copy(copy))
}

/// Sources, destination, `--chown`, `--chmod` and `--link`, shared by COPY and ADD.
fn common(
    cx: &mut Cx,
    ins: &Instruction<'_>,
    flags: &flags::Flags<'_>,
    heredocs: Vec<Heredoc>,
    add: bool,
    usage: &str,
) -> Option<Copy> {
    let name = if add { "ADD" } else { "COPY" };
    let errors_before = cx.diagnostics.0.len();
    let chown = flags.value("chown").and_then(|found| {
        let value = found.value.as_ref()?;
        if value.is_empty() {
            cx.error(empty_value("--chown", &found.whole, "--chown=1000:1000"));
            return None;
        }
        cx.word(value)
    });
    let chmod = flags
        .value("chmod")
        .and_then(|found| chmod(cx, found.value.as_ref()?));
    let link = flags.switch("link");

    let (mut words, markers): (Vec<Option<Word>>, Vec<Option<heredoc::Marker>>) =
        match classify(&ins.args) {
            Form::Exec(strings) => strings
                .iter()
                .map(|s| (cx.word(&s.value.view()), None))
                .unzip(),
            Form::Invalid(diagnostic) => {
                cx.error(diagnostic);
                return None;
            }
            Form::Shell => heredoc::words(&ins.args, cx.escape)
                .iter()
                .map(|text| match heredoc::marker(text) {
                    Some(marker) => (None, Some(marker)),
                    None => (cx.word(text), None),
                })
                .unzip(),
        };
    // A word that could not be read is already reported; counting it would only add noise.
    if cx.diagnostics.0.len() != errors_before {
        return None;
    }
    if words.len() < 2 {
        let at = if ins.args.is_empty() {
            &ins.keyword
        } else {
            &ins.args
        };
        cx.error(missing(
            &format!("{name} needs a source and a destination"),
            at.span(),
            usage,
        ));
        return None;
    }
    if markers.last().is_some_and(Option::is_some) {
        let dest = heredocs.last().map_or(ins.args.span(), |h| h.span);
        cx.error(
            Diagnostic::error(
                Code::UnexpectedToken,
                format!("the destination of {name} cannot be a heredoc"),
            )
            .with_label(dest, "a heredoc")
            .with_help(format!(
                "write the heredoc before the destination: `{name} <<EOT /path/to/file`"
            )),
        );
        return None;
    }
    if cx.diagnostics.0.len() != errors_before {
        return None;
    }
    let dest = words.pop().flatten()?;
    Some(Copy {
        add,
        sources: words.into_iter().flatten().collect(),
        dest,
        from: None,
        chown,
        chmod,
        link,
        if_exists: flags.switch("if-exists"),
        heredocs,
    })
}

/// `--chmod=0755` or `--chmod=u+x,go=rX`; with variables, decided while expanding.
fn chmod(cx: &mut Cx, value: &Text<'_>) -> Option<Spanned<ChmodFlag>> {
    let word = cx.word(value)?;
    let Some(text) = word.as_literal() else {
        let flag = ChmodFlag {
            mode: Chmod::Unexpanded,
            written: value.as_str().to_owned(),
        };
        return Some(Spanned::new(flag, value.span()));
    };
    let mode = chmod_mode(&text);
    if mode.is_none() {
        cx.error(
            Diagnostic::error(
                Code::InvalidChmod,
                format!("invalid --chmod value `{text}`"),
            )
            .with_label(value.span(), "not a file mode")
            .with_help("use an octal mode like 0755 or 644, or a symbolic one like u+x,go=rX"),
        );
    }
    let flag = ChmodFlag {
        mode: mode?,
        written: value.as_str().to_owned(),
    };
    Some(Spanned::new(flag, value.span()))
}

/// An octal mode of 1 to 4 digits, or symbolic clauses `[ugoa]*([-+=][rwxXstugo]*)+` joined
/// by commas.
///
/// Hand-written rather than a grammar rule: a mode is a token, not structure, and a pest
/// parse per `--chmod` cost more than the rest of the flag (see grammar/README.md).
pub(super) fn chmod_mode(text: &str) -> Option<Chmod> {
    let octal_digits = text
        .bytes()
        .take(4)
        .take_while(|b| (b'0'..=b'7').contains(b))
        .count();
    if octal_digits > 0 {
        // As in the grammar's ordered choice, a text that starts like an octal mode is one
        // or nothing (`0755x` is not tried as symbolic).
        return if octal_digits == text.len() {
            u32::from_str_radix(text, 8).ok().map(Chmod::Octal)
        } else {
            None
        };
    }
    text.split(',')
        .all(is_chmod_clause)
        .then(|| Chmod::Symbolic(text.to_owned()))
}

/// `[ugoa]*` then one or more `[-+=][rwxXstugo]*`.
fn is_chmod_clause(clause: &str) -> bool {
    let actions = clause.trim_start_matches(['u', 'g', 'o', 'a']);
    actions.starts_with(['+', '-', '=']) && actions.chars().all(|c| "+-=rwxXstugo".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chmod_modes() {
        for (text, mode) in [("0755", 0o755), ("644", 0o644), ("7", 7), ("0000", 0)] {
            assert!(
                matches!(chmod_mode(text), Some(Chmod::Octal(m)) if m == mode),
                "{text}"
            );
        }
        for text in ["u+x", "go=rX", "u+x,go-w", "a=", "+t", "ug+rw-x=s"] {
            assert!(
                matches!(chmod_mode(text), Some(Chmod::Symbolic(s)) if s == text),
                "{text}"
            );
        }
        for text in [
            "", "8", "07555", "0755x", "u", "u+a", "u+x,", ",u+x", "x+u", "u +x", "ua",
        ] {
            assert!(chmod_mode(text).is_none(), "{text}");
        }
    }
}
