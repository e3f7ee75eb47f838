//! One logical instruction read with the grammar: keyword, flags, arguments.

use pest::Parser;
use pest::iterators::Pair;

use crate::diagnostic::{Code, Diagnostic};

use super::grammar::{BuildfileParser, Rule};
use super::text::Text;

/// `KEYWORD [--name[=value]]… arguments`.
pub(super) struct Instruction<'a> {
    pub(super) keyword: Text<'a>,
    pub(super) flags: Vec<FlagToken<'a>>,
    /// Everything after the flags, trimmed.
    pub(super) args: Text<'a>,
}

/// `--name` or `--name=value`, as written.
pub(super) struct FlagToken<'a> {
    /// Without the leading `--`.
    pub(super) name: Text<'a>,
    pub(super) value: Option<Text<'a>>,
    pub(super) whole: Text<'a>,
}

impl FlagToken<'_> {
    pub(super) fn name(&self) -> &str {
        self.name.as_str()
    }
}

/// Splits an instruction line into keyword, flags and arguments.
pub(super) fn parse<'a>(line: &Text<'a>, escape: char) -> Result<Instruction<'a>, Diagnostic> {
    let line = line.trim();
    if let Some(ins) = plain(&line) {
        return Ok(ins);
    }
    with_grammar(&line, escape)
}

/// The blanks the grammar splits an instruction on (`blank` in the grammar).
fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | 0x0B | 0x0C | b'\r')
}

/// The grammar's answer for the common line, found without pest: a keyword, then flags that
/// hold no quote and no escape character (`\\` or `` ` ``, whichever the file uses), then
/// the arguments. `None` when a flag has a quote or an escape character (or the line is
/// empty): [`with_grammar`] reads those. Equivalent to the `instruction_*` rules on the lines
/// it accepts (a test compares the two): `keyword` and `flag_name` are runs of non-blanks,
/// and `flag_value` without `special` is a run of non-blanks too. Scanning bytes is exact
/// because the blanks are ASCII and UTF-8 never uses ASCII bytes inside a character.
fn plain<'a>(line: &Text<'a>) -> Option<Instruction<'a>> {
    let bytes = line.as_str().as_bytes();
    let run_end = |from: usize| {
        bytes[from..]
            .iter()
            .position(|&b| is_blank(b))
            .map_or(bytes.len(), |i| from + i)
    };
    let blanks_end = |from: usize| {
        bytes[from..]
            .iter()
            .position(|&b| !is_blank(b))
            .map_or(bytes.len(), |i| from + i)
    };
    let keyword_end = run_end(0);
    if keyword_end == 0 {
        return None;
    }
    let mut flags = Vec::new();
    let mut args_start = keyword_end;
    let mut at = blanks_end(keyword_end);
    // `blank+ ~ &"--" ~ flag_list`: each token is a flag, `--` alone, or the first argument.
    while at > args_start && bytes[at..].starts_with(b"--") {
        let end = run_end(at);
        let token = &bytes[at..end];
        if token
            .iter()
            .any(|&b| matches!(b, b'"' | b'\'' | b'\\' | b'`'))
        {
            return None;
        }
        if token.len() == 2 {
            // end_of_flags
            args_start = end;
            break;
        }
        if token[2] == b'=' {
            // Neither a flag (no name) nor `--`: the arguments start here.
            break;
        }
        let whole = line.slice(at..end);
        let (name, value) = match token.iter().position(|&b| b == b'=') {
            Some(eq) => (whole.slice(2..eq), Some(whole.slice(eq + 1..token.len()))),
            None => (whole.slice(2..token.len()), None),
        };
        flags.push(FlagToken { name, value, whole });
        args_start = end;
        at = blanks_end(end);
    }
    Some(Instruction {
        keyword: line.slice(0..keyword_end),
        flags,
        args: line.slice(args_start..line.len()).trim(),
    })
}

/// [`parse`] by the grammar, for every line.
fn with_grammar<'a>(line: &Text<'a>, escape: char) -> Result<Instruction<'a>, Diagnostic> {
    let line = line.clone();
    let rule = if escape == '`' {
        Rule::instruction_backtick
    } else {
        Rule::instruction_backslash
    };
    let pairs = BuildfileParser::parse(rule, line.as_str())
        .map_err(|error| super::error::from_pest(&error, &line, "instruction"))?;
    let mut keyword = line.slice(0..0);
    let mut flags = Vec::new();
    // The arguments start after the last flag (or `--`), or after the keyword; the blanks
    // before them are trimmed below.
    let mut args_start = 0;
    for pair in pairs.flatten() {
        let slice = |pair: &Pair<'_, Rule>| {
            let span = pair.as_span();
            line.slice(span.start()..span.end())
        };
        match pair.as_rule() {
            Rule::keyword => {
                keyword = slice(&pair);
                args_start = pair.as_span().end();
            }
            Rule::end_of_flags => args_start = pair.as_span().end(),
            Rule::flag => {
                // `--name` or `--name=value`: a name never holds `=`, so the first `=`
                // ends it (the grammar makes `flag` atomic to skip pairs for the parts).
                args_start = pair.as_span().end();
                let whole = slice(&pair);
                let text = whole.as_str();
                let (name, value) = match text.find('=') {
                    Some(eq) => (whole.slice(2..eq), Some(whole.slice(eq + 1..text.len()))),
                    None => (whole.slice(2..text.len()), None),
                };
                flags.push(FlagToken { name, value, whole });
            }
            _ => {}
        }
    }
    let args = line.slice(args_start..line.len()).trim();
    if keyword.is_empty() {
        // Only a line of continuation characters gets here: nothing but blanks is left.
        return Err(
            Diagnostic::error(Code::UnexpectedToken, "a continuation with no instruction")
                .with_label(line.span(), "expected an instruction")
                .with_help("remove the continuation character, or write the instruction"),
        );
    }
    Ok(Instruction {
        keyword,
        flags,
        args,
    })
}

/// Reports an instruction that takes no flags but was given some.
pub(super) fn no_flags(ins: &Instruction<'_>, name: &str) -> Vec<Diagnostic> {
    ins.flags
        .iter()
        .map(|flag| {
            Diagnostic::error(
                Code::UnknownFlag,
                format!("{name} takes no flags, found `--{}`", flag.name()),
            )
            .with_label(flag.whole.span(), "unknown flag")
            .with_help(format!(
                "remove it; see the {name} reference in grammar/README.md"
            ))
        })
        .collect()
}
#[cfg(test)]
mod tests {
    use super::super::text::Mapped;
    use super::*;

    /// (flag name, flag value, arguments) of `line` read with `escape`.
    fn split(line: &str, escape: char) -> (Vec<(String, Option<String>)>, String) {
        let mapped = Mapped::contiguous(line, 0);
        let Ok(ins) = parse(&mapped.view(), escape) else {
            return (Vec::new(), String::from("<error>"));
        };
        let flags = ins
            .flags
            .iter()
            .map(|f| {
                let value = f.value.as_ref().map(|v| v.as_str().to_owned());
                (f.name().to_owned(), value)
            })
            .collect();
        (flags, ins.args.as_str().to_owned())
    }

    /// Everything an instruction holds, as text and spans, to compare two readings.
    fn parts(ins: &Instruction<'_>) -> Vec<(String, crate::source::Span)> {
        let mut out = vec![
            (ins.keyword.as_str().to_owned(), ins.keyword.span()),
            (ins.args.as_str().to_owned(), ins.args.span()),
        ];
        for flag in &ins.flags {
            for text in [Some(&flag.name), flag.value.as_ref(), Some(&flag.whole)] {
                out.push(match text {
                    Some(text) => (text.as_str().to_owned(), text.span()),
                    None => ("<none>".to_owned(), crate::source::Span::default()),
                });
            }
        }
        out
    }

    /// The hand-written reading of plain lines gives the grammar's answer: every line of up
    /// to four pieces from an alphabet of blanks, dashes, `=`, quotes, escapes and letters.
    #[test]
    fn the_plain_path_reads_as_the_grammar() {
        let alphabet = [
            "RUN", " ", "\t", "\u{0B}", "--", "-", "=", "a", "é", "\u{A0}", "\"", "'", "\\", "`",
            "--x=1",
        ];
        let mut lines = vec![String::new()];
        let mut all = Vec::new();
        for _ in 0..4 {
            let mut next = Vec::new();
            for line in &lines {
                for piece in alphabet {
                    next.push(format!("{line}{piece}"));
                }
            }
            all.extend(next.iter().cloned());
            lines = next;
        }
        let mut plain_lines = 0;
        for line in all
            .iter()
            .map(|l| format!("RUN {l}"))
            .chain(all.iter().cloned())
        {
            let mapped = Mapped::contiguous(&line, 7);
            let view = mapped.view().trim();
            let Some(fast) = plain(&view) else { continue };
            plain_lines += 1;
            for escape in ['\\', '`'] {
                let slow = with_grammar(&view, escape);
                let slow = slow.as_ref().map(parts).map_err(|_| ());
                assert_eq!(Ok(parts(&fast)), slow, "{line:?} with {escape}");
            }
        }
        assert!(plain_lines > 10_000, "{plain_lines}");
    }

    #[test]
    fn the_escape_character_keeps_a_blank_in_a_flag_value() {
        let flag = |name: &str, value: &str| vec![(name.to_owned(), Some(value.to_owned()))];
        let line = r"RUN --mount=a\ b c";
        assert_eq!(split(line, '\\'), (flag("mount", r"a\ b"), "c".to_owned()));
        assert_eq!(split(line, '`'), (flag("mount", r"a\"), "b c".to_owned()));
        let line = "RUN --mount=a` b c";
        assert_eq!(split(line, '`'), (flag("mount", "a` b"), "c".to_owned()));
        assert_eq!(split(line, '\\'), (flag("mount", "a`"), "b c".to_owned()));
        let line = r#"RUN --x="a\" b" -- c"#;
        assert_eq!(split(line, '\\'), (flag("x", r#""a\" b""#), "c".to_owned()));
        assert_eq!(
            split("RUN --link c", '\\').0,
            vec![("link".to_owned(), None)]
        );
    }
}
