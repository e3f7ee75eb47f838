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
    /// The byte ranges of the physical lines the words are on.
    lines: Vec<(usize, usize)>,
}

/// An instruction being read line by line.
#[derive(Default)]
struct Group {
    /// RUN, COPY and ADD: `<<EOF` starts a heredoc.
    heredocs_allowed: bool,
    /// The lines with words.
    lines: Vec<(usize, usize)>,
    /// The last line with words ends in the escape character.
    continues: bool,
    /// Heredoc delimiters whose bodies are still to end, in order.
    heredocs: Vec<String>,
}

impl Group {
    fn start_at(line: &str, at: usize, escape: char) -> Self {
        let keyword = line.split_whitespace().next().unwrap_or("");
        let heredocs_allowed = ["RUN", "COPY", "ADD"]
            .iter()
            .any(|k| k.eq_ignore_ascii_case(keyword));
        let mut group = Group {
            heredocs_allowed,
            ..Group::default()
        };
        group.words(line, at, escape);
        group
    }

    fn words(&mut self, line: &str, at: usize, escape: char) {
        self.lines.push((at, at + line.len()));
        self.continues = continues(line, escape);
        if self.heredocs_allowed {
            self.heredocs.extend(heredoc_markers(line));
        }
    }

    /// Takes the next line when it still belongs to the instruction.
    fn take(&mut self, line: &str, at: usize, escape: char) -> bool {
        if self.lines.is_empty() {
            return false;
        }
        if !self.continues {
            let Some(delimiter) = self.heredocs.first() else {
                return false;
            };
            if line.trim_start_matches('\t').trim_end_matches('\r') == delimiter {
                self.heredocs.remove(0);
            }
            return true;
        }
        let trimmed = line.trim();
        if !trimmed.is_empty() && !trimmed.starts_with('#') {
            self.words(line, at, escape);
        }
        true
    }
}

/// The delimiters of the heredocs a line opens: `<<EOF`, `<<-EOF`, `<<"EOF"`.
fn heredoc_markers(line: &str) -> Vec<String> {
    let mut markers = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("<<") {
        rest = &rest[i + 2..];
        let word = rest.trim_start_matches('-').trim_start_matches(['"', '\'']);
        let name: String = word
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            markers.push(name);
        }
    }
    markers
}

impl<'a> Line<'a> {
    /// The instruction holding `offset`; `escape` is the file's line-continuation
    /// character. Read from the file's start, as the parser reads lines: comment and empty
    /// lines inside a continuation, and heredoc bodies, belong to the instruction but have
    /// no words.
    pub(crate) fn at(text: &'a str, offset: usize, escape: char) -> Self {
        let offset = floor(text, offset.min(text.len()));
        let mut group = Group::default();
        let mut at = 0;
        while at <= text.len() {
            let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
            let line = &text[at..end];
            let holds = at <= offset && offset <= end;
            if !group.take(line, at, escape) {
                // A new instruction starts on this line.
                group = Group::start_at(line, at, escape);
            }
            if holds {
                // The offset's line is read; finish its instruction below.
                at = end + 1;
                while at <= text.len() {
                    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
                    if !group.take(&text[at..end], at, escape) {
                        break;
                    }
                    at = end + 1;
                }
                break;
            }
            at = end + 1;
        }
        let words = group
            .lines
            .iter()
            .flat_map(|&(start, end)| split(text, start, end, escape))
            .collect();
        Line {
            text,
            words,
            lines: group.lines,
        }
    }

    /// Whether `offset` is on a line of the instruction's words (not in a heredoc body
    /// or a comment inside a continuation).
    pub(crate) fn has_words_at(&self, offset: usize) -> bool {
        self.lines.iter().any(|&(s, e)| s <= offset && offset <= e)
    }

    pub(crate) fn word(&self, n: usize) -> Option<&'a str> {
        self.words
            .get(n)
            .and_then(|w| self.text.get(w.start..w.end))
    }

    pub(crate) fn keyword(&self) -> Option<&'a str> {
        self.word(0)
    }

    /// A comment or parser directive line: no instruction.
    pub(crate) fn is_comment(&self) -> bool {
        self.keyword().is_some_and(|k| k.starts_with('#'))
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
    let line = Line::at(text, offset, escape);
    if line.is_comment() || !line.has_words_at(offset) {
        return None;
    }
    if let Some((name, word)) = variable_at(text, offset) {
        return Some((Target::Var(name), word));
    }
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
        let continuation = c == escape && matches!(chars.peek(), None | Some((_, '\n' | '\r')));
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
    fn comments_in_continuations_and_heredoc_bodies_have_no_words() {
        let text = "RUN a \\\n# note\n  b\nRUN <<EOF\nCOPY x\nEOF\nUSER me\n";
        let line = Line::at(text, text.find("b\n").unwrap(), '\\');
        assert_eq!(line.keyword(), Some("RUN"));
        assert_eq!(line.word(2), Some("b"));
        assert_eq!(line.words.len(), 3);
        let body = text.find("COPY").unwrap();
        let line = Line::at(text, body, '\\');
        assert_eq!(line.word(1), Some("<<EOF"));
        assert!(!line.has_words_at(body));
        assert_eq!(target(text, body, '\\'), None);
        let user = Line::at(text, text.find("USER").unwrap(), '\\');
        assert_eq!(user.keyword(), Some("USER"));
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
    fn comments_point_at_nothing() {
        let text = "# FROM $a\n# escape=\\\nFROM b\n";
        assert_eq!(target(text, 3, '\\'), None);
        assert_eq!(target(text, 8, '\\'), None);
        assert!(Line::at(text, 3, '\\').is_comment());
        // The comment's trailing escape does not continue it into the FROM.
        assert_eq!(
            target(text, text.find("FROM b").unwrap(), '\\').map(|t| t.0),
            Some(Target::Keyword("FROM".into()))
        );
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
