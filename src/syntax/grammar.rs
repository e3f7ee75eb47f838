//! The pest parser generated from `grammar/buildfile.pest`. `Rule` never leaves `syntax`.

#![allow(unreachable_pub)]

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/buildfile.pest"]
pub(super) struct BuildfileParser;

impl Rule {
    /// How a rule is named in "expected …" messages.
    pub(super) fn describe(self) -> &'static str {
        match self {
            Rule::json_string => "a double-quoted string",
            Rule::json_other => "a value",
            Rule::flag | Rule::flag_name => "a flag",
            Rule::keyword => "an instruction",
            Rule::EOI => "the end of the line",
            _ => "more input",
        }
    }
}
