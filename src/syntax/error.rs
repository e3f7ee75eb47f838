//! pest errors as diagnostics.

use pest::error::{ErrorVariant, InputLocation};

use crate::diagnostic::{Code, Diagnostic};

use super::grammar::Rule;
use super::text::Text;

/// A grammar failure inside `text`, pointing at where the grammar gave up.
pub(super) fn from_pest(
    error: &pest::error::Error<Rule>,
    text: &Text<'_>,
    what: &str,
) -> Diagnostic {
    let at = match error.location {
        InputLocation::Pos(pos) => pos,
        InputLocation::Span((start, _)) => start,
    };
    let end = text.as_str()[at.min(text.len())..]
        .chars()
        .next()
        .map_or(at, |c| at + c.len_utf8());
    let expected = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } if !positives.is_empty() => {
            let mut names: Vec<&str> = positives.iter().map(|rule| rule.describe()).collect();
            names.dedup();
            names.join(" or ")
        }
        ErrorVariant::ParsingError { .. } => "something else".to_owned(),
        ErrorVariant::CustomError { message } => message.clone(),
    };
    Diagnostic::error(Code::UnexpectedToken, format!("unexpected input in {what}"))
        .with_label(text.span_of(at..end), format!("expected {expected}"))
}
