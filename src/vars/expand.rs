//! Expanding `$VAR` and `${VAR…}` in words with the variables in scope, as BuildKit's
//! shell lexer does: an unset variable expands to nothing, modifiers follow POSIX shell.

use super::env::Env;
use crate::ir::{Modifier, Word, WordPart, name_len};

/// The text of `word` with every variable replaced by its value in `env`.
pub(crate) fn expand(word: &Word, env: &Env) -> String {
    let mut out = String::new();
    expand_into(word, env, &mut out);
    out
}

fn expand_into(word: &Word, env: &Env, out: &mut String) {
    for part in &word.parts {
        match part {
            WordPart::Literal(text) => out.push_str(text),
            WordPart::Var(var) => {
                let value = env.get(&var.name);
                match &var.modifier {
                    None => out.push_str(value.unwrap_or("")),
                    Some(modifier) => apply(modifier, value, env, out),
                }
            }
        }
    }
}

fn apply(modifier: &Modifier, value: Option<&str>, env: &Env, out: &mut String) {
    let is_set = |unset_or_empty: bool| match value {
        None => false,
        Some(v) => !(unset_or_empty && v.is_empty()),
    };
    match modifier {
        Modifier::Default {
            word,
            unset_or_empty,
        } => {
            if is_set(*unset_or_empty) {
                out.push_str(value.unwrap_or(""));
            } else {
                expand_into(word, env, out);
            }
        }
        Modifier::Alternate {
            word,
            unset_or_empty,
        } => {
            if is_set(*unset_or_empty) {
                expand_into(word, env, out);
            }
        }
        Modifier::TrimPrefix { pattern, longest } => {
            let value = value.unwrap_or("");
            let pattern = glob(&expand(pattern, env));
            let cut = prefix_ends(value)
                .filter(|&end| pattern.matches(&value[..end]))
                .reduce(|a, b| if *longest { a.max(b) } else { a.min(b) });
            out.push_str(cut.map_or(value, |end| &value[end..]));
        }
        Modifier::TrimSuffix { pattern, longest } => {
            let value = value.unwrap_or("");
            let pattern = glob(&expand(pattern, env));
            let cut = prefix_ends(value)
                .filter(|&start| pattern.matches(&value[start..]))
                .reduce(|a, b| if *longest { a.min(b) } else { a.max(b) });
            out.push_str(cut.map_or(value, |start| &value[..start]));
        }
        Modifier::Replace {
            pattern,
            replacement,
            all,
        } => {
            let value = value.unwrap_or("");
            let pattern = glob(&expand(pattern, env));
            let replacement = expand(replacement, env);
            out.push_str(&replace(value, &pattern, &replacement, *all));
        }
    }
}

/// Every char boundary of `s`, 0 and `s.len()` included.
fn prefix_ends(s: &str) -> impl Iterator<Item = usize> + '_ {
    s.char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(s.len()))
}

/// Replaces the longest match starting at the leftmost position, once or everywhere.
fn replace(value: &str, pattern: &Glob, replacement: &str, all: bool) -> String {
    if pattern.tokens.is_empty() {
        return value.to_string();
    }
    let mut out = String::new();
    let mut rest = value;
    loop {
        let found = prefix_ends(rest).find_map(|start| {
            prefix_ends(&rest[start..])
                .filter(|&len| len > 0 && pattern.matches(&rest[start..start + len]))
                .max()
                .map(|len| (start, len))
        });
        match found {
            Some((start, len)) => {
                out.push_str(&rest[..start]);
                out.push_str(replacement);
                rest = &rest[start + len..];
                if !all || rest.is_empty() {
                    break;
                }
            }
            None => break,
        }
    }
    out.push_str(rest);
    out
}

#[derive(Debug, PartialEq)]
enum Token {
    Char(char),
    Any,
    AnyString,
    Class {
        negated: bool,
        items: Vec<(char, char)>,
    },
}

/// A shell pattern: `*`, `?`, `[a-z]`, `[!x]` and `\` escapes.
struct Glob {
    tokens: Vec<Token>,
}

fn glob(pattern: &str) -> Glob {
    let mut tokens = Vec::new();
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        let token = match c {
            '*' => Token::AnyString,
            '?' => Token::Any,
            '\\' => Token::Char(chars.next().unwrap_or('\\')),
            '[' => {
                let rest: String = chars.clone().collect();
                match parse_class(&rest) {
                    Some((token, used)) => {
                        for _ in 0..used {
                            chars.next();
                        }
                        token
                    }
                    None => Token::Char('['),
                }
            }
            c => Token::Char(c),
        };
        tokens.push(token);
    }
    Glob { tokens }
}

/// Parses the inside of `[…]` (after the `[`): the token and the chars consumed.
fn parse_class(rest: &str) -> Option<(Token, usize)> {
    let chars: Vec<char> = rest.chars().collect();
    let mut i = 0;
    let negated = matches!(chars.first(), Some('!' | '^'));
    if negated {
        i += 1;
    }
    let mut items = Vec::new();
    let mut first = true;
    while i < chars.len() {
        let c = chars[i];
        if c == ']' && !first {
            return Some((Token::Class { negated, items }, i + 1));
        }
        first = false;
        if i + 2 < chars.len() && chars[i + 1] == '-' && chars[i + 2] != ']' {
            items.push((c, chars[i + 2]));
            i += 3;
        } else {
            items.push((c, c));
            i += 1;
        }
    }
    None
}

impl Glob {
    fn matches(&self, text: &str) -> bool {
        let chars: Vec<char> = text.chars().collect();
        match_from(&self.tokens, &chars)
    }
}

fn match_from(tokens: &[Token], text: &[char]) -> bool {
    match tokens.split_first() {
        None => text.is_empty(),
        Some((Token::AnyString, rest)) => (0..=text.len()).any(|i| match_from(rest, &text[i..])),
        Some((token, rest)) => match text.split_first() {
            Some((c, text_rest)) => token_matches(token, *c) && match_from(rest, text_rest),
            None => false,
        },
    }
}

fn token_matches(token: &Token, c: char) -> bool {
    match token {
        Token::Char(expected) => *expected == c,
        Token::Any => true,
        Token::AnyString => true,
        Token::Class { negated, items } => {
            items.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated
        }
    }
}

/// How [`expand_text`] treats quotes and unset variables, after the modes of BuildKit's
/// shell lexer that dockerfile.v0 uses for each purpose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TextMode {
    /// Progress names of RUN: quotes kept (single quotes still stop expansion), unset
    /// variables left as written.
    RunName,
    /// Progress names of other instructions: quotes removed, unset variables left.
    Name,
    /// Heredoc bodies: quotes are plain characters, unset variables are empty.
    Heredoc,
}

/// Expands the variables of free text (an instruction line, a heredoc body), with `\`
/// escaping the next character and `${NAME<modifier>word}` forms applied.
pub(crate) fn expand_text(text: &str, env: &Env, mode: TextMode) -> String {
    if !text.contains(['$', '\\', '\'', '"']) {
        return text.to_string();
    }
    let keep_unset = mode != TextMode::Heredoc;
    let quotes = mode != TextMode::Heredoc;
    let keep_quotes = mode != TextMode::Name;
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut single = false;
    let mut double = false;
    while let Some(c) = text[i..].chars().next() {
        let next = text[i + c.len_utf8()..].chars().next();
        match (c, next) {
            ('\\', Some(escaped)) if !single => {
                if keep_quotes && quotes && double && escaped != '$' && escaped != '"' {
                    out.push('\\');
                }
                out.push(escaped);
                i += 1 + escaped.len_utf8();
                continue;
            }
            ('\'', _) if quotes && !double => {
                single = !single;
                if keep_quotes {
                    out.push(c);
                }
            }
            ('"', _) if quotes && !single => {
                double = !double;
                if keep_quotes {
                    out.push(c);
                }
            }
            ('$', _) if !single => {
                let (text, used) = variable(&text[i + 1..], env, keep_unset, mode);
                out.push_str(&text);
                i += 1 + used;
                continue;
            }
            (c, _) => out.push(c),
        }
        i += c.len_utf8();
    }
    out
}

/// The expansion of the variable after a `$` and how many bytes it took.
fn variable(rest: &str, env: &Env, keep_unset: bool, mode: TextMode) -> (String, usize) {
    let Some(braced) = rest.strip_prefix('{') else {
        let len = name_len(rest);
        if len == 0 {
            return ("$".to_string(), 0);
        }
        let name = &rest[..len];
        return match env.get(name) {
            Some(value) => (value.to_string(), len),
            None if keep_unset => (format!("${name}"), len),
            None => (String::new(), len),
        };
    };
    // `${…}`: find the matching brace.
    let mut depth = 1;
    let Some(close) = braced.find(|c| {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            _ => {}
        }
        depth == 0
    }) else {
        return ("$".to_string(), 0);
    };
    let inner = &braced[..close];
    let close = close + 1; // `close` now indexes the brace in `rest`
    let (name, tail) = inner.split_at(name_len(inner));
    let value = env.get(name);
    let literal =
        |text: &str| Word::literal(expand_text(text, env, mode), crate::source::Span::default());
    let modifier = if tail.is_empty() {
        None
    } else if let Some(word) = tail.strip_prefix(":-") {
        Some(Modifier::Default {
            word: literal(word),
            unset_or_empty: true,
        })
    } else if let Some(word) = tail.strip_prefix(":+") {
        Some(Modifier::Alternate {
            word: literal(word),
            unset_or_empty: true,
        })
    } else if let Some(word) = tail.strip_prefix('-') {
        Some(Modifier::Default {
            word: literal(word),
            unset_or_empty: false,
        })
    } else if let Some(word) = tail.strip_prefix('+') {
        Some(Modifier::Alternate {
            word: literal(word),
            unset_or_empty: false,
        })
    } else if let Some(p) = tail.strip_prefix("##") {
        Some(Modifier::TrimPrefix {
            pattern: literal(p),
            longest: true,
        })
    } else if let Some(p) = tail.strip_prefix('#') {
        Some(Modifier::TrimPrefix {
            pattern: literal(p),
            longest: false,
        })
    } else if let Some(p) = tail.strip_prefix("%%") {
        Some(Modifier::TrimSuffix {
            pattern: literal(p),
            longest: true,
        })
    } else if let Some(p) = tail.strip_prefix('%') {
        Some(Modifier::TrimSuffix {
            pattern: literal(p),
            longest: false,
        })
    } else if let Some(rest) = tail.strip_prefix('/') {
        let (all, rest) = match rest.strip_prefix('/') {
            Some(rest) => (true, rest),
            None => (false, rest),
        };
        let (pattern, replacement) = rest.split_once('/').unwrap_or((rest, ""));
        Some(Modifier::Replace {
            pattern: literal(pattern),
            replacement: literal(replacement),
            all,
        })
    } else {
        // Not a form we know: leave it as written.
        return (format!("${}", &rest[..=close]), close + 1);
    };
    let text = match (&modifier, value) {
        (None, Some(value)) => value.to_string(),
        (None, None) if keep_unset => format!("${{{name}}}"),
        (None, None) => String::new(),
        (Some(modifier), value) => {
            let mut out = String::new();
            apply(modifier, value, env, &mut out);
            out
        }
    };
    (text, close + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::VarRef;
    use crate::source::Span;

    fn lit(s: &str) -> Word {
        Word::literal(s, Span::default())
    }

    fn var(name: &str, modifier: Option<Modifier>) -> Word {
        Word {
            parts: vec![
                WordPart::Literal("<".into()),
                WordPart::Var(VarRef {
                    name: name.into(),
                    modifier,
                    span: Span::default(),
                }),
                WordPart::Literal(">".into()),
            ],
            span: Span::default(),
        }
    }

    fn env() -> Env {
        let mut env = Env::new();
        env.set("FILE", "dir/sub/name.tar.gz");
        env.set("EMPTY", "");
        env
    }

    #[test]
    fn plain_and_unset_variables() {
        assert_eq!(expand(&var("FILE", None), &env()), "<dir/sub/name.tar.gz>");
        assert_eq!(expand(&var("NOPE", None), &env()), "<>");
    }

    #[test]
    fn default_and_alternate() {
        let default = |unset_or_empty| {
            Some(Modifier::Default {
                word: lit("d"),
                unset_or_empty,
            })
        };
        let alternate = |unset_or_empty| {
            Some(Modifier::Alternate {
                word: lit("a"),
                unset_or_empty,
            })
        };
        let e = env();
        assert_eq!(expand(&var("EMPTY", default(true)), &e), "<d>");
        assert_eq!(expand(&var("EMPTY", default(false)), &e), "<>");
        assert_eq!(expand(&var("NOPE", default(false)), &e), "<d>");
        assert_eq!(expand(&var("EMPTY", alternate(true)), &e), "<>");
        assert_eq!(expand(&var("EMPTY", alternate(false)), &e), "<a>");
        assert_eq!(expand(&var("FILE", alternate(true)), &e), "<a>");
    }

    #[test]
    fn trimming_and_replacing() {
        let e = env();
        let trim_prefix = |p: &str, longest| {
            Some(Modifier::TrimPrefix {
                pattern: lit(p),
                longest,
            })
        };
        let trim_suffix = |p: &str, longest| {
            Some(Modifier::TrimSuffix {
                pattern: lit(p),
                longest,
            })
        };
        assert_eq!(
            expand(&var("FILE", trim_prefix("*/", false)), &e),
            "<sub/name.tar.gz>"
        );
        assert_eq!(
            expand(&var("FILE", trim_prefix("*/", true)), &e),
            "<name.tar.gz>"
        );
        assert_eq!(
            expand(&var("FILE", trim_suffix(".*", false)), &e),
            "<dir/sub/name.tar>"
        );
        assert_eq!(
            expand(&var("FILE", trim_suffix(".*", true)), &e),
            "<dir/sub/name>"
        );
        assert_eq!(
            expand(&var("FILE", trim_suffix("x", true)), &e),
            "<dir/sub/name.tar.gz>"
        );
        let replace = |p: &str, all| {
            Some(Modifier::Replace {
                pattern: lit(p),
                replacement: lit("_"),
                all,
            })
        };
        assert_eq!(
            expand(&var("FILE", replace("/", false)), &e),
            "<dir_sub/name.tar.gz>"
        );
        assert_eq!(
            expand(&var("FILE", replace("/", true)), &e),
            "<dir_sub_name.tar.gz>"
        );
        assert_eq!(
            expand(&var("FILE", replace("[a-e]", true)), &e),
            "<_ir/su_/n_m_.t_r.gz>"
        );
    }

    #[test]
    fn text_expansion_by_mode() {
        let e = env();
        let text = "COPY \"$FILE\" '$FILE' ${NOPE} ${NOPE:-d} ${FILE%%/*} $ C:\\\\app";
        assert_eq!(
            expand_text(text, &e, TextMode::RunName),
            "COPY \"dir/sub/name.tar.gz\" '$FILE' ${NOPE} d dir $ C:\\app"
        );
        assert_eq!(
            expand_text(text, &e, TextMode::Name),
            "COPY dir/sub/name.tar.gz $FILE ${NOPE} d dir $ C:\\app"
        );
        assert_eq!(
            expand_text("say \"$FILE\" '$NOPE' \\$FILE\n", &e, TextMode::Heredoc),
            "say \"dir/sub/name.tar.gz\" '' $FILE\n"
        );
    }

    /// Names are read by the same rule as in words: `$1` is a name of digits, `$@` a
    /// special parameter, and letters need not be ASCII.
    #[test]
    fn text_names_follow_the_word_rule() {
        let mut e = env();
        e.set("1", "one");
        e.set("été", "summer");
        assert_eq!(
            expand_text("$1x $été ${été} $@", &e, TextMode::Name),
            "onex summer summer $@"
        );
    }
}
