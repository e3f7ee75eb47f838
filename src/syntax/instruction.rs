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
