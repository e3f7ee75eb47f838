//! Expanding `$VAR` and `${VAR…}` in words with the variables in scope, as BuildKit's
//! shell lexer does: an unset variable expands to nothing, modifiers follow POSIX shell.

use super::env::Env;
use crate::ir::{Modifier, Word, WordPart};

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

/// Expands `$NAME` and `${NAME}` in free text (a progress name) where the variable is set,
/// leaving everything else as written, like the lexer's raw-quotes, skip-unset mode.
pub(crate) fn expand_text(text: &str, env: &Env) -> String {
    if !text.contains('$') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        let (name, consumed) = if let Some(inner) = after.strip_prefix('{') {
            match inner.find('}') {
                Some(end) if is_name(&inner[..end]) => (&inner[..end], end + 2),
                _ => ("", 0),
            }
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], end)
        };
        match env.get(name).filter(|_| !name.is_empty()) {
            Some(value) => {
                out.push_str(value);
                rest = &after[consumed..];
            }
            None => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn is_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
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
    fn text_expansion_keeps_unset_and_quotes() {
        let e = env();
        assert_eq!(
            expand_text("COPY \"$FILE\" ${NOPE} $ /x", &e),
            "COPY \"dir/sub/name.tar.gz\" ${NOPE} $ /x"
        );
    }
}
