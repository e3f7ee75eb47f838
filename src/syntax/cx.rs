//! What every instruction's reader shares: the escape character and the diagnostics.

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::ir::Word;

use super::grammar::{BuildfileParser, Rule};
use super::text::Text;
use super::word::{parse_word, split_words};

pub(super) struct Cx {
    pub(super) escape: char,
    pub(super) diagnostics: Diagnostics,
}

impl Cx {
    pub(super) fn error(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// One word (quotes resolved, variables kept), or `None` after reporting why not.
    pub(super) fn word(&mut self, text: &Text<'_>) -> Option<Word> {
        match parse_word(text, self.escape) {
            Ok(word) => Some(word),
            Err(diagnostic) => {
                self.error(diagnostic);
                None
            }
        }
    }

    /// Whitespace-separated words.
    pub(super) fn split<'a>(&self, text: &Text<'a>) -> Vec<Text<'a>> {
        split_words(text, self.escape)
    }

    /// The text of a word that must not contain variables (a mode, a number, a name).
    pub(super) fn literal(&mut self, text: &Text<'_>, what: &str) -> Option<String> {
        let word = self.word(text)?;
        let literal = word.as_literal();
        if literal.is_none() {
            self.error(
                Diagnostic::error(
                    Code::InvalidFlagValue,
                    format!("{what} cannot use variables"),
                )
                .with_label(text.span(), "variables are not expanded here")
                .with_help(format!("write {what} literally")),
            );
        }
        literal
    }
}

/// Whether `text` matches a value rule of the grammar as a whole.
pub(super) fn matches(rule: Rule, text: &str) -> bool {
    use pest::Parser;
    BuildfileParser::parse(rule, text).is_ok()
}

/// "missing argument" at `span`, with what the instruction looks like.
pub(super) fn missing(what: &str, span: crate::source::Span, usage: &str) -> Diagnostic {
    Diagnostic::error(Code::MissingArgument, what.to_owned())
        .with_label(span, "here")
        .with_help(format!("write `{usage}`"))
}

/// "extra argument" from the first unexpected word to the last.
pub(super) fn extra(instruction: &str, words: &[Text<'_>], usage: &str) -> Diagnostic {
    let span = match (words.first(), words.last()) {
        (Some(first), Some(last)) => first.span().join(last.span()),
        _ => crate::source::Span::default(),
    };
    Diagnostic::error(
        Code::ExtraArgument,
        format!("too many arguments for {instruction}"),
    )
    .with_label(span, "unexpected")
    .with_help(format!("write `{usage}`"))
}
