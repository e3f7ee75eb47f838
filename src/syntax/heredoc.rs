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
        if matches!(bare, "<<" | "<<-")
            && let Some(next) = words.next()
        {
            out.push(word.through(&next));
            continue;
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
    let (raw, strip_tabs) = match plain(word) {
        Some(found) => found,
        None => with_grammar(word)?,
    };
    // The heredoc word is always lexed with `\`, whatever the escape directive says.
    let name = parse_word(&raw, '\\').ok()?.as_literal()?;
    let quotes = |s: &str| s.chars().filter(|&c| c == '"' || c == '\'').count();
    Some(Marker {
        expand: quotes(&name) == quotes(raw.as_str()),
        strip_tabs,
        name,
    })
}

/// The word and the chomp of the common marker, found without pest: `<<NAME` or
/// `<<-NAME` with a name of ASCII letters, digits and `_`, after optional digits. `None`
/// for anything else, which [`with_grammar`] reads. On the words it accepts this is
/// `heredoc_marker` exactly (a test compares the two).
fn plain<'a>(word: &Text<'a>) -> Option<(Text<'a>, bool)> {
    let text = word.as_str();
    let fd = text.bytes().take_while(u8::is_ascii_digit).count();
    let rest = text[fd..].strip_prefix("<<")?;
    let strip_tabs = rest.starts_with('-');
    let name = &rest[usize::from(strip_tabs)..];
    let plain = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    plain.then(|| (word.slice(text.len() - name.len()..text.len()), strip_tabs))
}

/// The word and the chomp of a marker, by the grammar's `heredoc_marker`.
fn with_grammar<'a>(word: &Text<'a>) -> Option<(Text<'a>, bool)> {
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
    Some((raw?, strip_tabs))
}

/// Builds the IR heredoc from its marker and body, stripping tabs for `<<-`.
pub(super) fn heredoc(marker: Marker, content: String, word: &Text<'_>) -> Heredoc {
    let content = if marker.strip_tabs {
        strip_leading_tabs(&content)
    } else {
        content
    };
    Heredoc {
        name: marker.name,
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

    /// The hand-written reading of plain markers gives the grammar's answer, on every word
    /// of up to five pieces from an alphabet of digits, `<`, `-`, blanks, quotes and letters.
    #[test]
    fn the_plain_path_reads_as_the_grammar() {
        let alphabet = ["<<", "<", "-", "1", "a", "_", " ", "\"", "é", "EOT"];
        let mut words = vec![String::new()];
        let mut plain_words = 0;
        for _ in 0..5 {
            let mut next = Vec::new();
            for word in &words {
                for piece in alphabet {
                    next.push(format!("{word}{piece}"));
                }
            }
            for word in &next {
                let mapped = Mapped::contiguous(word, 2);
                let view = mapped.view();
                let Some((raw, strip_tabs)) = plain(&view) else {
                    continue;
                };
                plain_words += 1;
                let slow =
                    with_grammar(&view).map(|(raw, strip)| (raw.as_str(), raw.span(), strip));
                assert_eq!(
                    Some((raw.as_str(), raw.span(), strip_tabs)),
                    slow,
                    "{word:?}"
                );
            }
            words = next;
        }
        assert!(plain_words > 500, "{plain_words}");
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
