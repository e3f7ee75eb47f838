//! Completion from the text before the cursor: instructions at the start of a line,
//! flags after an instruction, `--mount=` options and types, stage names after
//! `--from=`, `from=` and FROM, function names after CALL and their parameters after it.

use lsp_types::{CompletionItem, CompletionItemKind, CompletionTextEdit, Position, TextEdit};

use super::cursor::Line;
use super::documents::Document;
use super::reference::{self, Flag};
use crate::source::Span;

pub(crate) fn completion(document: &Document, position: Position) -> Vec<CompletionItem> {
    let text = document.text();
    let offset = document.offset(position);
    let line = Line::at(text, offset, document.escape());
    // The word being typed: from its start to the cursor (empty in a blank).
    let (n, start) = match line.word_at(offset) {
        Some(n) => (n, line.words.get(n).map_or(offset, |w| w.start)),
        None => (line.words.iter().filter(|w| w.end < offset).count(), offset),
    };
    if line.is_comment() || !line.words.is_empty() && !line.has_words_at(offset) {
        return Vec::new();
    }
    let typed = text.get(start..offset).unwrap_or("");
    let edit = |from: usize| Span::from_range(from..offset);
    let offers = if n == 0 {
        Offers::new(edit(start), CompletionItemKind::KEYWORD, instructions())
    } else {
        let keyword = line.keyword().unwrap_or("").to_ascii_uppercase();
        arguments(document, &line, &keyword, n, typed, start)
            .unwrap_or_else(|| Offers::new(edit(offset), CompletionItemKind::TEXT, Vec::new()))
    };
    let range = document.range(offers.replace);
    offers
        .items
        .into_iter()
        .map(|(label, detail)| CompletionItem {
            label: label.clone(),
            kind: Some(offers.kind),
            detail,
            text_edit: Some(CompletionTextEdit::Edit(TextEdit::new(range, label))),
            ..CompletionItem::default()
        })
        .collect()
}

/// What to offer and the text it replaces.
struct Offers {
    replace: Span,
    kind: CompletionItemKind,
    items: Vec<(String, Option<String>)>,
}

impl Offers {
    fn new(replace: Span, kind: CompletionItemKind, items: Vec<(String, Option<String>)>) -> Self {
        Self {
            replace,
            kind,
            items,
        }
    }
}

fn instructions() -> Vec<(String, Option<String>)> {
    reference::INSTRUCTIONS
        .iter()
        .map(|i| (i.keyword.to_owned(), Some(i.synopsis.to_owned())))
        .collect()
}

/// Offers for the `n`th word, `typed` so far from `start`.
fn arguments(
    document: &Document,
    line: &Line<'_>,
    keyword: &str,
    n: usize,
    typed: &str,
    start: usize,
) -> Option<Offers> {
    let at = |from: usize| Span::from_range(from..start + typed.len());
    let flags = || {
        let flags = reference::instruction_named(keyword)?.flags;
        Some(Offers::new(
            at(start),
            CompletionItemKind::PROPERTY,
            flag_items(flags, "--"),
        ))
    };
    if typed.starts_with('-') {
        let value = typed
            .strip_prefix("--")
            .and_then(|flag| flag_value(document, keyword, flag, start));
        return value.or_else(flags);
    }
    let first = line.first_argument();
    let is_first = n <= first;
    // Nothing typed yet where flags may stand: the flags (FROM and CALL offer names).
    if typed.is_empty() && is_first && !matches!(keyword, "FROM" | "CALL") {
        return flags();
    }
    match keyword {
        "FROM" if is_first => Some(Offers::new(
            at(start),
            CompletionItemKind::CLASS,
            stages(document),
        )),
        "CALL" if is_first => {
            let names = document
                .index
                .functions
                .iter()
                .map(|f| (f.name.clone(), None))
                .collect();
            Some(Offers::new(at(start), CompletionItemKind::FUNCTION, names))
        }
        "CALL" => {
            let function = document.index.function(line.word(first)?)?;
            let given: Vec<&str> = (first + 1..line.words.len())
                .filter_map(|k| line.word(k)?.split('=').next())
                .collect();
            let params = function
                .params
                .iter()
                .filter(|p| !given.contains(&p.name.as_str()) || typed.starts_with(&p.name))
                .map(|p| (format!("{}=", p.name), p.value.clone()))
                .collect();
            Some(Offers::new(at(start), CompletionItemKind::VARIABLE, params))
        }
        _ => None,
    }
}

/// Inside `--flag=`: stage names for `--from=`, mount options inside `--mount=`.
fn flag_value(document: &Document, keyword: &str, flag: &str, start: usize) -> Option<Offers> {
    let (name, value) = flag.split_once('=')?;
    let value_start = start + 2 + name.len() + 1;
    let end = value_start + value.len();
    match (keyword, name) {
        ("COPY" | "ADD", "from") => Some(Offers::new(
            Span::from_range(value_start..end),
            CompletionItemKind::CLASS,
            stages(document),
        )),
        ("RUN", "mount") => {
            // The option being typed: after the last comma.
            let option_start = value
                .rfind(',')
                .map_or(value_start, |i| value_start + i + 1);
            let option = &value[option_start - value_start..];
            let (items, kind, from) = match option.split_once('=') {
                Some(("from", _)) => (
                    stages(document),
                    CompletionItemKind::CLASS,
                    option_start + 5,
                ),
                Some(("type", _)) => {
                    let types = reference::MOUNT_TYPES
                        .iter()
                        .map(|t| ((*t).to_owned(), None))
                        .collect();
                    (types, CompletionItemKind::ENUM_MEMBER, option_start + 5)
                }
                Some(_) => return None,
                None => (
                    flag_items(reference::MOUNT_OPTIONS, ""),
                    CompletionItemKind::PROPERTY,
                    option_start,
                ),
            };
            Some(Offers::new(Span::from_range(from..end), kind, items))
        }
        _ => None,
    }
}

fn flag_items(flags: &[Flag], dashes: &str) -> Vec<(String, Option<String>)> {
    flags
        .iter()
        .map(|f| {
            let equals = if f.takes_value { "=" } else { "" };
            (
                format!("{dashes}{}{equals}", f.name),
                Some(f.text.to_owned()),
            )
        })
        .collect()
}

fn stages(document: &Document) -> Vec<(String, Option<String>)> {
    document
        .index
        .stages
        .iter()
        .filter_map(|s| Some((s.name.clone()?, Some(format!("FROM {}", s.base)))))
        .collect()
}
