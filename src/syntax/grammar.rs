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
            Rule::condition_word
            | Rule::condition_string
            | Rule::condition_raw
            | Rule::condition_bare
            | Rule::var_ref => "a value",
            Rule::condition_or
            | Rule::condition_and
            | Rule::condition_not
            | Rule::condition_exists
            | Rule::condition_compare
            | Rule::condition_truthy => "a condition",
            Rule::condition_operator => "`==` or `!=`",
            Rule::var_name => "a variable name",
            Rule::EOI => "the end of the line",
            _ => "more input",
        }
    }
}
