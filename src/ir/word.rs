//! Words with unexpanded variable references.

use crate::source::Span;

/// The length in bytes of the variable name that starts `text` (just after `$` or `${`),
/// as BuildKit's shell lexer reads one: digits (`$1`), or one special parameter (`$@`,
/// `$#`, `$?`, `$-`, `$$`, `$!`, `$*`), or letters, digits and `_`. Zero when there is none.
/// The one rule for names, for syntax (words) and lower (free text) alike.
pub fn name_len(text: &str) -> usize {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) if c.is_ascii_digit() => text.bytes().take_while(u8::is_ascii_digit).count(),
        Some('@' | '*' | '#' | '?' | '-' | '$' | '!') => 1,
        _ => text
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .map(char::len_utf8)
            .sum(),
    }
}

/// A word whose quotes and escapes are resolved and whose variables are not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    pub parts: Vec<WordPart>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WordPart {
    Literal(String),
    Var(VarRef),
}

/// `$NAME`, `${NAME}` or `${NAME<modifier>}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VarRef {
    pub name: String,
    pub modifier: Option<Modifier>,
    pub span: Span,
}

/// What follows the name inside `${…}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Modifier {
    /// `${X:-word}` (`unset_or_empty: true`) or `${X-word}`.
    Default { word: Word, unset_or_empty: bool },
    /// `${X:+word}` or `${X+word}`.
    Alternate { word: Word, unset_or_empty: bool },
    /// `${X#pattern}` / `${X##pattern}`.
    TrimPrefix { pattern: Word, longest: bool },
    /// `${X%pattern}` / `${X%%pattern}`.
    TrimSuffix { pattern: Word, longest: bool },
    /// `${X/pattern/replacement}` / `${X//pattern/replacement}`.
    Replace {
        pattern: Word,
        replacement: Word,
        all: bool,
    },
}

impl Word {
    /// A word of literal text.
    pub fn literal(text: impl Into<String>, span: Span) -> Self {
        Self {
            parts: vec![WordPart::Literal(text.into())],
            span,
        }
    }

    /// The text, when the word holds no variable.
    pub fn as_literal(&self) -> Option<String> {
        // Most words are one literal: copied at their size.
        if let [WordPart::Literal(text)] = self.parts.as_slice() {
            return Some(text.clone());
        }
        let mut out = String::new();
        for part in &self.parts {
            match part {
                WordPart::Literal(text) => out.push_str(text),
                WordPart::Var(_) => return None,
            }
        }
        Some(out)
    }

    /// Every variable the word reads, modifiers' words included.
    pub fn vars(&self) -> Vec<&VarRef> {
        let mut out = Vec::new();
        self.collect_vars(&mut out);
        out
    }

    fn collect_vars<'a>(&'a self, out: &mut Vec<&'a VarRef>) {
        for part in &self.parts {
            if let WordPart::Var(var) = part {
                out.push(var);
                match &var.modifier {
                    Some(Modifier::Default { word, .. } | Modifier::Alternate { word, .. }) => {
                        word.collect_vars(out);
                    }
                    Some(
                        Modifier::TrimPrefix { pattern, .. } | Modifier::TrimSuffix { pattern, .. },
                    ) => pattern.collect_vars(out),
                    Some(Modifier::Replace {
                        pattern,
                        replacement,
                        ..
                    }) => {
                        pattern.collect_vars(out);
                        replacement.collect_vars(out);
                    }
                    None => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::name_len;

    #[test]
    fn names_as_the_shell_lexer_reads_them() {
        for (text, name) in [
            ("PATH:rest", "PATH"),
            ("_a1 b", "_a1"),
            ("12ab", "12"),
            ("@x", "@"),
            ("$$", "$"),
            ("été/x", "été"),
            ("{X}", ""),
            ("", ""),
        ] {
            assert_eq!(&text[..name_len(text)], name, "{text}");
        }
    }
}
