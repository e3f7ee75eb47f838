//! What the text at a position is: read from the text itself, not the IR, so that hover,
//! definition and completion work on a line being typed that does not parse yet.
//!
//! An instruction is its logical line (continuation lines joined), split into words on
//! blanks outside quotes; the first word is the keyword.

/// A word of an instruction: its byte range in the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Word {
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// The instruction around an offset.
#[derive(Clone, Debug)]
pub(crate) struct Line<'a> {
    pub(crate) text: &'a str,
    pub(crate) words: Vec<Word>,
}

impl<'a> Line<'a> {
    /// The logical line holding `offset`; `escape` is the file's line-continuation
    /// character.
    pub(crate) fn at(text: &'a str, offset: usize, escape: char) -> Self {
        let offset = floor(text, offset.min(text.len()));
        let mut start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
        // Up while the line above continues into this one.
        while start > 0 {
            let above = text[..start - 1].rfind('\n').map_or(0, |i| i + 1);
            if !continues(&text[above..start - 1], escape) {
                break;
            }
            start = above;
        }
        let mut end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
        while end < text.len() && continues(&text[line_start(text, end)..end], escape) {
            end = text[end + 1..]
                .find('\n')
                .map_or(text.len(), |i| end + 1 + i);
        }
        Line {
            text,
            words: split(text, start, end, escape),
        }
    }

    pub(crate) fn word(&self, n: usize) -> Option<&'a str> {
        self.words
            .get(n)
            .and_then(|w| self.text.get(w.start..w.end))
    }

    pub(crate) fn keyword(&self) -> Option<&'a str> {
        self.word(0)
    }

    /// The index of the word holding `offset` (a cursor just after a word is in it).
    pub(crate) fn word_at(&self, offset: usize) -> Option<usize> {
        self.words
            .iter()
            .position(|w| w.start <= offset && offset <= w.end)
    }

    /// The index of the first word after the keyword that is not a `--flag`.
    pub(crate) fn first_argument(&self) -> usize {
        (1..self.words.len())
            .find(|&n| !self.word(n).is_some_and(|w| w.starts_with("--")))
            .unwrap_or(self.words.len())
    }
}

/// A variable reference `$NAME` or `${NAME…}` whose `$` or name holds `offset`: the name
/// and its byte range.
pub(crate) fn variable_at(text: &str, offset: usize) -> Option<(String, Word)> {
    let offset = floor(text, offset.min(text.len()));
    let start = line_start(text, offset);
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let line = &text[start..end];
    for (i, _) in line.match_indices('$') {
        let braced = line[i + 1..].starts_with('{');
        let name_start = i + 1 + usize::from(braced);
        let len = crate::ir::name_len(&line[name_start..]);
        let name_end = name_start + len;
        if len > 0 && start + i <= offset && offset <= start + name_end {
            let word = Word {
                start: start + name_start,
                end: start + name_end,
            };
            return Some((line[name_start..name_end].to_owned(), word));
        }
    }
    None
}

/// What a position points at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// An instruction's keyword.
    Keyword(String),
    /// `--name` of the instruction `keyword`.
    Flag {
        keyword: String,
        name: String,
    },
    /// A `key` inside `--mount=`.
    MountOption(String),
    /// A stage name: a FROM base, `AS name`, `--from=`, a mount's `from=`.
    Stage(String),
    /// The function of a CALL.
    Function(String),
    /// A `NAME=` argument of a CALL.
    Param {
        function: String,
        name: String,
    },
    /// An INCLUDE or IMPORT path.
    Path,
    Var(String),
}

/// What `offset` points at, and the text range of that thing.
pub(crate) fn target(text: &str, offset: usize, escape: char) -> Option<(Target, Word)> {
    if let Some((name, word)) = variable_at(text, offset) {
        return Some((Target::Var(name), word));
    }
    let line = Line::at(text, offset, escape);
    let n = line.word_at(offset)?;
    let keyword = line.keyword()?.to_ascii_uppercase();
    let span = *line.words.get(n)?;
    let word = line.word(n)?;
    if n == 0 {
        return Some((Target::Keyword(keyword), span));
    }
    if let Some(flag) = word.strip_prefix("--") {
        return flag_target(&keyword, flag, span, offset);
    }
    let first = line.first_argument();
    let after_as = n >= 1
        && line
            .word(n - 1)
            .is_some_and(|w| w.eq_ignore_ascii_case("as"));
    let found = match keyword.as_str() {
        "FROM" if n == first || after_as => Target::Stage(word.to_owned()),
        "CALL" if n == first => Target::Function(word.to_owned()),
        "CALL" if n > first => {
            let name = word.split('=').next().unwrap_or(word);
            if offset > span.start + name.len() {
                return None;
            }
            let function = line.word(first)?.to_owned();
            let word = Word {
                start: span.start,
                end: span.start + name.len(),
            };
            return Some((
                Target::Param {
                    function,
                    name: name.to_owned(),
                },
                word,
            ));
        }
        "INCLUDE" | "IMPORT" if n == first => Target::Path,
        _ => return None,
    };
    Some((found, span))
}

/// Inside `--flag[=value]`: the flag's name, or a stage its value names.
fn flag_target(keyword: &str, flag: &str, span: Word, offset: usize) -> Option<(Target, Word)> {
    let (name, value) = flag.split_once('=').unwrap_or((flag, ""));
    let value_start = span.start + 2 + name.len() + 1;
    if offset < value_start || value.is_empty() && !flag.contains('=') {
        let word = Word {
            start: span.start,
            end: span.start + 2 + name.len(),
        };
        let found = Target::Flag {
            keyword: keyword.to_owned(),
            name: name.to_owned(),
        };
        return Some((found, word));
    }
    match (keyword, name) {
        ("COPY" | "ADD", "from") => Some((
            Target::Stage(value.to_owned()),
            Word {
                start: value_start,
                end: span.end,
            },
        )),
        ("RUN", "mount") => mount_target(value, value_start, offset),
        _ => None,
    }
}

/// Inside a `--mount=` value starting at `start`: the option, or the stage `from=` names.
fn mount_target(value: &str, start: usize, offset: usize) -> Option<(Target, Word)> {
    let mut at = start;
    for option in value.split(',') {
        let end = at + option.len();
        if at <= offset && offset <= end {
            let (key, found) = option.split_once('=').unwrap_or((option, ""));
            let key_end = at + key.len();
            if offset <= key_end {
                return Some((
                    Target::MountOption(key.to_owned()),
                    Word {
                        start: at,
                        end: key_end,
                    },
                ));
            }
            if key == "from" {
                return Some((
                    Target::Stage(found.to_owned()),
                    Word {
                        start: key_end + 1,
                        end,
                    },
                ));
            }
            return None;
        }
        at = end + 1;
    }
    None
}

fn continues(line: &str, escape: char) -> bool {
    let line = line.trim_end();
    !line.trim_start().starts_with('#') && line.ends_with(escape)
}

fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |i| i + 1)
}

fn floor(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The words of `text[start..end]`: blanks outside quotes separate them, and an escape
/// before a newline is a blank.
fn split(text: &str, start: usize, end: usize, escape: char) -> Vec<Word> {
    let mut words = Vec::new();
    let mut current: Option<usize> = None;
    let mut quote: Option<char> = None;
    let mut chars = text[start..end].char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let at = start + i;
        let continuation = c == escape && matches!(chars.peek(), Some((_, '\n' | '\r')));
        if quote.is_none() && (c.is_whitespace() || continuation) {
            if let Some(s) = current.take() {
                words.push(Word { start: s, end: at });
            }
            continue;
        }
        if c == escape {
            // The escaped character belongs to the word.
            chars.next();
        } else if quote == Some(c) {
            quote = None;
        } else if quote.is_none() && (c == '"' || c == '\'') {
            quote = Some(c);
        }
        current.get_or_insert(at);
    }
    if let Some(s) = current {
        words.push(Word { start: s, end });
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_logical_line_joins_continuations() {
        let text = "FROM a\nCOPY --from=b \\\n  x /y\nRUN z\n";
        let line = Line::at(text, text.find("x /y").unwrap(), '\\');
        assert_eq!(line.keyword(), Some("COPY"));
        assert_eq!(line.word(1), Some("--from=b"));
        assert_eq!(line.word(3), Some("/y"));
        assert_eq!(line.first_argument(), 2);
        let line = Line::at(text, text.len(), '\\');
        assert!(line.words.is_empty());
    }

    #[test]
    fn variables_are_found_by_their_name_or_dollar() {
        let text = "RUN echo ${NAME:-x} $B";
        let at = text.find("AM").unwrap();
        assert_eq!(variable_at(text, at).unwrap().0, "NAME");
        assert_eq!(variable_at(text, text.len()).unwrap().0, "B");
        assert!(variable_at(text, 1).is_none());
    }

    #[test]
    fn targets_name_what_they_point_at() {
        let text = "FROM a AS b\nCOPY --from=b /x /y\nRUN --mount=type=cache,from=b,target=/c x\nCALL f N=1\n";
        let at = |needle: &str| target(text, text.find(needle).unwrap(), '\\').map(|t| t.0);
        assert_eq!(at("FROM"), Some(Target::Keyword("FROM".into())));
        assert_eq!(at("a AS"), Some(Target::Stage("a".into())));
        assert_eq!(at("b\nCOPY"), Some(Target::Stage("b".into())));
        assert_eq!(
            at("-from"),
            Some(Target::Flag {
                keyword: "COPY".into(),
                name: "from".into()
            })
        );
        assert_eq!(at("b /x"), Some(Target::Stage("b".into())));
        assert_eq!(at("cache"), None);
        assert_eq!(at("type"), Some(Target::MountOption("type".into())));
        assert_eq!(at("b,target"), Some(Target::Stage("b".into())));
        assert_eq!(at("f N"), Some(Target::Function("f".into())));
        assert_eq!(
            at("N=1"),
            Some(Target::Param {
                function: "f".into(),
                name: "N".into()
            })
        );
    }
}
