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
    let mut args = line.slice(line.len()..line.len());
    for pair in pairs.flatten() {
        let slice = |pair: &Pair<'_, Rule>| {
            let span = pair.as_span();
            line.slice(span.start()..span.end())
        };
        match pair.as_rule() {
            Rule::keyword => keyword = slice(&pair),
            Rule::flag => {
                let mut name = None;
                let mut value = None;
                for inner in pair.clone().into_inner() {
                    match inner.as_rule() {
                        Rule::flag_name => name = Some(slice(&inner)),
                        Rule::flag_value => value = Some(slice(&inner)),
                        _ => {}
                    }
                }
                if let Some(name) = name {
                    flags.push(FlagToken {
                        name,
                        value,
                        whole: slice(&pair),
                    });
                }
            }
            Rule::arguments => args = slice(&pair).trim(),
            _ => {}
        }
    }
    if keyword.is_empty() {
        return Err(
            Diagnostic::internal("an instruction without a keyword").with_label(line.span(), "")
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
