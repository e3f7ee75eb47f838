//! Heredoc markers: `<<EOT`, `<<-EOT`, `<<"EOT"`, in the words of RUN, COPY and ADD.
//!
//! As in Dockerfile, a marker is a whole word matching `[digits]<<[-][blanks]WORD`; a quoted
//! `WORD` (even partly) turns variable expansion of the body off, and `<<-` strips leading
//! tabs from the body and the terminator.

use pest::Parser;

use crate::ir::Heredoc;

use super::grammar::{BuildfileParser, Rule};
use super::text::Text;
use super::word::{parse_word, split_words};

pub(super) struct Marker {
    pub(super) name: String,
    pub(super) expand: bool,
    pub(super) strip_tabs: bool,
}

/// The words of `text`, a bare `<<` (or `<<-`) joined to the word after it as the
/// shell lexer does.
pub(super) fn words<'a>(text: &Text<'a>, escape: char) -> Vec<Text<'a>> {
    let mut out: Vec<Text<'a>> = Vec::new();
    let mut words = split_words(text, escape).into_iter();
    while let Some(word) = words.next() {
        let bare = word
            .as_str()
            .trim_start_matches(|c: char| c.is_ascii_digit());
        if matches!(bare, "<<" | "<<-") {
            if let Some(next) = words.next() {
                out.push(word.through(&next));
                continue;
            }
        }
        out.push(word);
    }
    out
}

/// The marker a word is, if it is one.
pub(super) fn marker(word: &Text<'_>) -> Option<Marker> {
    if !word.as_str().contains("<<") {
        return None;
    }
    let pairs = BuildfileParser::parse(Rule::heredoc_marker, word.as_str()).ok()?;
    let mut strip_tabs = false;
    let mut raw = None;
    for pair in pairs.flatten() {
        match pair.as_rule() {
            Rule::heredoc_chomp => strip_tabs = true,
            Rule::heredoc_word => {
                let span = pair.as_span();
                raw = Some(word.slice(span.start()..span.end()));
            }
            _ => {}
        }
    }
    let raw = raw?;
    // The heredoc word is always lexed with `\`, whatever the escape directive says.
    let name = parse_word(&raw, '\\').ok()?.as_literal()?;
    let quotes = |s: &str| s.chars().filter(|&c| c == '"' || c == '\'').count();
    Some(Marker {
        expand: quotes(&name) == quotes(raw.as_str()),
        strip_tabs,
        name,
    })
}

/// Builds the IR heredoc from its marker and body, stripping tabs for `<<-`.
pub(super) fn heredoc(marker: &Marker, content: &str, word: &Text<'_>) -> Heredoc {
    let content = if marker.strip_tabs {
        strip_leading_tabs(content)
    } else {
        content.to_owned()
    };
    Heredoc {
        name: marker.name.clone(),
        content,
        expand: marker.expand,
        strip_tabs: marker.strip_tabs,
        span: word.span(),
    }
}

fn strip_leading_tabs(content: &str) -> String {
    content
        .split_inclusive('\n')
        .map(|line| line.trim_start_matches('\t'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::text::Mapped;
    use super::*;

    fn parse(word: &str) -> Option<(String, bool, bool)> {
        let mapped = Mapped::contiguous(word, 0);
        marker(&mapped.view()).map(|m| (m.name, m.expand, m.strip_tabs))
    }

    #[test]
    fn markers() {
        assert_eq!(parse("<<EOT"), Some(("EOT".into(), true, false)));
        assert_eq!(parse("<<-EOT"), Some(("EOT".into(), true, true)));
        assert_eq!(parse("<<\"EOT\""), Some(("EOT".into(), false, false)));
        assert_eq!(parse("<<'E'OT"), Some(("EOT".into(), false, false)));
        assert_eq!(parse("2<<EOT"), Some(("EOT".into(), true, false)));
        assert_eq!(parse("<<"), None);
        assert_eq!(parse("a<<EOT"), None);
        assert_eq!(parse("\"<<EOT\""), None);
    }

    #[test]
    fn bare_markers_join_the_next_word() {
        let mapped = Mapped::contiguous("cat << EOT > /x", 0);
        let words: Vec<_> = words(&mapped.view(), '\\')
            .iter()
            .map(|w| w.as_str().to_owned())
            .collect();
        assert_eq!(words, ["cat", "<< EOT", ">", "/x"]);
    }

    #[test]
    fn tabs_are_stripped_from_every_line() {
        assert_eq!(strip_leading_tabs("\t\ta\n\tb\n c\n"), "a\nb\n c\n");
    }
}
