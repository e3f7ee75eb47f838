//! Words: quotes, escapes and variable references, read as Dockerfile's shell lexer reads
//! them (BuildKit `frontend/dockerfile/shell/lex.go`), but into [`Word`]s that keep their
//! variables for the lowering to expand.
//!
//! - `'…'` is literal; `"…"` expands variables and lets the escape character escape `"`,
//!   `$` and itself (other escapes stay as written); outside quotes the escape character
//!   makes the next character literal.
//! - `$NAME`, `${NAME}`, `${NAME:-w}`, `${NAME-w}`, `${NAME:+w}`, `${NAME+w}`, `${NAME#p}`,
//!   `${NAME##p}`, `${NAME%p}`, `${NAME%%p}`, `${NAME/p/r}`, `${NAME//p/r}`. Patterns and
//!   replacements keep their escape characters, as Dockerfile's do, so the lowering can tell
//!   `\*` from `*`.
//! - `$` not followed by a name is a literal `$`.

use crate::diagnostic::{Code, Diagnostic};
use crate::ir::{Modifier, VarRef, Word, WordPart, name_len};

use super::text::Text;

/// How deeply `${…}` may nest inside each other before the word is rejected.
pub(super) const MAX_NESTING: usize = 32;

/// Reads `text` as one word: quotes and escapes resolved, whitespace kept (Dockerfile's
/// `ProcessWord`).
pub(super) fn parse_word(text: &Text<'_>, escape: char) -> Result<Word, Diagnostic> {
    // Most words are plain (`/app`, `curl`, `8080/tcp`): with nothing to resolve they are one
    // literal, allocated once at its size, which is what the scanner would build piece by piece.
    let plain = match u8::try_from(escape) {
        Ok(escape) => !text
            .as_str()
            .bytes()
            .any(|b| matches!(b, b'$' | b'\'' | b'"') || b == escape),
        Err(_) => !text.as_str().contains(['$', '\'', '"', escape]),
    };
    if plain {
        let parts = if text.is_empty() {
            Vec::new()
        } else {
            vec![WordPart::Literal(text.as_str().to_owned())]
        };
        return Ok(Word {
            parts,
            span: text.span(),
        });
    }
    let mut scanner = Scanner {
        text,
        src: text.as_str(),
        pos: 0,
        escape,
        depth: 0,
    };
    let (parts, _) = scanner.until(None, false)?;
    Ok(parts.into_word(text.span()))
}

/// Splits `text` into words at unquoted whitespace. A `${…}` keeps its spaces
/// (`${X:-a b}` is one word), and so do quotes and escaped spaces. Unterminated quotes run
/// to the end; [`parse_word`] reports them.
pub(super) fn split_words<'a>(text: &Text<'a>, escape: char) -> Vec<Text<'a>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Context {
        Single,
        Double,
        Brace,
    }
    let src = text.as_str();
    let bytes = src.as_bytes();
    // Walked by bytes: every character that matters but whitespace is ASCII, and a
    // non-ASCII byte starts or continues a character that is decoded only to ask whether
    // it is whitespace (this is the hot path).
    let char_at = |i: usize| -> (char, usize) {
        match bytes.get(i) {
            Some(&b) if b < 0x80 => (char::from(b), 1),
            _ => src
                .get(i..)
                .and_then(|rest| rest.chars().next())
                .map_or(('\0', 1), |c| (c, c.len_utf8())),
        }
    };
    let mut words = Vec::with_capacity(8);
    let mut start = None;
    let mut stack: Vec<Context> = Vec::new();
    // A byte no context acts on: ASCII, not whitespace, not a quote, `$`, `}` or the escape
    // character. Inside a word such bytes are skipped at once.
    let escape_byte = u8::try_from(escape)
        .ok()
        .filter(u8::is_ascii)
        .unwrap_or(0x80);
    let inert = |b: u8| {
        b < 0x80
            && b != escape_byte
            && !matches!(b, b' ' | b'\t'..=b'\r' | b'\'' | b'"' | b'$' | b'}')
    };
    let mut i = 0;
    while i < bytes.len() {
        if start.is_some() && inert(bytes[i]) {
            i += 1;
            continue;
        }
        let (c, len) = char_at(i);
        let next = i + len;
        if start.is_none() {
            if c.is_whitespace() {
                i = next;
                continue;
            }
            start = Some(i);
        }
        // Where the next character starts after skipping the one at `next` too.
        let skip_next = || {
            if next < bytes.len() {
                next + char_at(next).1
            } else {
                next
            }
        };
        let top = stack.last().copied();
        let opens_brace = c == '$' && bytes.get(next) == Some(&b'{');
        let push = |stack: &mut Vec<Context>, context| {
            if stack.len() < 4 * MAX_NESTING {
                stack.push(context);
            }
        };
        let mut after = next;
        match top {
            Some(Context::Single) => {
                if c == '\'' {
                    stack.pop();
                }
            }
            Some(Context::Double) => {
                if c == escape {
                    after = skip_next();
                } else if c == '"' {
                    stack.pop();
                } else if opens_brace {
                    after = next + 1;
                    push(&mut stack, Context::Brace);
                }
            }
            Some(Context::Brace) | None => {
                if c == escape {
                    after = skip_next();
                } else if c == '\'' {
                    push(&mut stack, Context::Single);
                } else if c == '"' {
                    push(&mut stack, Context::Double);
                } else if opens_brace {
                    after = next + 1;
                    push(&mut stack, Context::Brace);
                } else if c == '}' && top == Some(Context::Brace) {
                    stack.pop();
                } else if c.is_whitespace()
                    && top.is_none()
                    && let Some(s) = start.take()
                {
                    words.push(text.slice(s..i));
                }
            }
        }
        i = after;
    }
    if let Some(s) = start {
        words.push(text.slice(s..src.len()));
    }
    words
}

/// The literal parts of a word being built, merged as they come.
#[derive(Default)]
struct Parts(Vec<WordPart>);

impl Parts {
    fn push_char(&mut self, c: char) {
        if let Some(WordPart::Literal(text)) = self.0.last_mut() {
            text.push(c);
        } else {
            self.0.push(WordPart::Literal(c.to_string()));
        }
    }

    fn push_str(&mut self, text: &str) {
        if let Some(WordPart::Literal(literal)) = self.0.last_mut() {
            literal.push_str(text);
        } else {
            self.0.push(WordPart::Literal(text.to_owned()));
        }
    }

    fn push_var(&mut self, var: VarRef) {
        self.0.push(WordPart::Var(var));
    }

    fn into_word(self, span: crate::source::Span) -> Word {
        Word {
            parts: self.0,
            span,
        }
    }
}

/// Whether a scan ended at its stop character or at the end of the text.
#[derive(PartialEq)]
enum End {
    Stop,
    Eof,
}

struct Scanner<'a, 't> {
    text: &'t Text<'a>,
    src: &'a str,
    pos: usize,
    escape: char,
    depth: usize,
}

impl<'a> Scanner<'a, '_> {
    fn peek(&self) -> Option<char> {
        self.src
            .get(self.pos..)
            .and_then(|rest| rest.chars().next())
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    /// The characters up to the first that `stop` accepts (at least one character).
    fn run(&mut self, stop: impl Fn(char) -> bool) -> &'a str {
        let rest = self.src.get(self.pos..).unwrap_or("");
        let first = rest.chars().next().map_or(0, char::len_utf8);
        // The stops are ASCII when the escape character is: then a search by bytes finds
        // the same place without decoding characters.
        let found = if self.escape.is_ascii() {
            rest.as_bytes()[first..]
                .iter()
                .position(|&b| b.is_ascii() && stop(char::from(b)))
        } else {
            rest[first..].find(stop)
        };
        let len = found.map_or(rest.len(), |i| first + i);
        self.pos += len;
        &rest[..len]
    }

    fn eat(&mut self, expected: char) -> bool {
        let found = self.peek() == Some(expected);
        if found {
            self.bump();
        }
        found
    }

    /// Reads until `stop` (consumed) or the end. With `raw`, escape characters are kept.
    fn until(&mut self, stop: Option<char>, raw: bool) -> Result<(Parts, End), Diagnostic> {
        let mut parts = Parts::default();
        while let Some(c) = self.peek() {
            if Some(c) == stop {
                self.bump();
                return Ok((parts, End::Stop));
            }
            match c {
                '$' => self.dollar(&mut parts)?,
                '\'' => self.single_quoted(&mut parts)?,
                '"' => self.double_quoted(&mut parts, raw)?,
                _ if c == self.escape => {
                    self.bump();
                    if raw {
                        parts.push_char(c);
                    }
                    match self.bump() {
                        Some(next) => parts.push_char(next),
                        None => break,
                    }
                }
                _ => {
                    let escape = self.escape;
                    let run = self.run(|ch| {
                        matches!(ch, '$' | '\'' | '"') || ch == escape || Some(ch) == stop
                    });
                    parts.push_str(run);
                }
            }
        }
        Ok((parts, End::Eof))
    }

    fn single_quoted(&mut self, parts: &mut Parts) -> Result<(), Diagnostic> {
        let start = self.pos;
        self.bump();
        loop {
            match self.bump() {
                None => return Err(self.unterminated_quote(start, '\'')),
                Some('\'') => return Ok(()),
                Some(c) => parts.push_char(c),
            }
        }
    }

    fn double_quoted(&mut self, parts: &mut Parts, raw: bool) -> Result<(), Diagnostic> {
        let start = self.pos;
        self.bump();
        loop {
            match self.peek() {
                None => return Err(self.unterminated_quote(start, '"')),
                Some('"') => {
                    self.bump();
                    return Ok(());
                }
                Some('$') => self.dollar(parts)?,
                Some(c) if c != self.escape => {
                    let escape = self.escape;
                    let run = self.run(|ch| matches!(ch, '"' | '$') || ch == escape);
                    parts.push_str(run);
                }
                Some(c) => {
                    self.bump();
                    if c == self.escape {
                        if raw {
                            parts.push_char(c);
                        }
                        match self.peek() {
                            None => continue,
                            Some(next) if next == '"' || next == '$' || next == self.escape => {
                                self.bump();
                                parts.push_char(next);
                                continue;
                            }
                            Some(_) => {}
                        }
                    }
                    parts.push_char(c);
                }
            }
        }
    }

    /// `$NAME` or `${…}`; the `$` is next.
    fn dollar(&mut self, parts: &mut Parts) -> Result<(), Diagnostic> {
        let start = self.pos;
        self.bump();
        if self.peek() != Some('{') {
            let name = self.name();
            if name.is_empty() {
                parts.push_char('$');
            } else {
                parts.push_var(VarRef {
                    name,
                    modifier: None,
                    span: self.text.span_of(start..self.pos),
                });
            }
            return Ok(());
        }
        self.bump();
        if self.depth >= MAX_NESTING {
            return Err(self.too_deep(start));
        }
        match self.peek() {
            None => return Err(self.missing_close(start, '}')),
            Some(c @ ('{' | '}' | ':')) => return Err(self.bad_substitution(start, c)),
            Some(_) => {}
        }
        let name = self.name();
        if name.is_empty() {
            return Err(self.bad_substitution(start, self.peek().unwrap_or('}')));
        }
        let modifier = match self.bump() {
            None => return Err(self.missing_close(start, '}')),
            Some('}') => None,
            Some(':') => match self.bump() {
                Some('-') => Some(Modifier::Default {
                    word: self.nested(start, '}', false)?,
                    unset_or_empty: true,
                }),
                Some('+') => Some(Modifier::Alternate {
                    word: self.nested(start, '}', false)?,
                    unset_or_empty: true,
                }),
                None => return Err(self.missing_close(start, '}')),
                Some(other) => return Err(self.unsupported_modifier(start, &format!(":{other}"))),
            },
            Some('-') => Some(Modifier::Default {
                word: self.nested(start, '}', false)?,
                unset_or_empty: false,
            }),
            Some('+') => Some(Modifier::Alternate {
                word: self.nested(start, '}', false)?,
                unset_or_empty: false,
            }),
            Some('#') => {
                let longest = self.eat('#');
                Some(Modifier::TrimPrefix {
                    pattern: self.nested(start, '}', true)?,
                    longest,
                })
            }
            Some('%') => {
                let longest = self.eat('%');
                Some(Modifier::TrimSuffix {
                    pattern: self.nested(start, '}', true)?,
                    longest,
                })
            }
            Some('/') => {
                let all = self.eat('/');
                let pattern = self.nested(start, '/', true)?;
                let replacement = self.nested(start, '}', true)?;
                Some(Modifier::Replace {
                    pattern,
                    replacement,
                    all,
                })
            }
            Some('?') => return Err(self.unsupported_modifier(start, "?")),
            Some(other) => return Err(self.bad_name(start, &name, other)),
        };
        parts.push_var(VarRef {
            name,
            modifier,
            span: self.text.span_of(start..self.pos),
        });
        Ok(())
    }

    /// The word inside `${NAME<op>…}`, up to `stop`.
    fn nested(&mut self, start: usize, stop: char, raw: bool) -> Result<Word, Diagnostic> {
        let inner_start = self.pos;
        self.depth += 1;
        let scanned = self.until(Some(stop), raw);
        self.depth -= 1;
        let (parts, end) = scanned?;
        if end == End::Eof {
            return Err(self.missing_close(start, stop));
        }
        let inner_end = self.pos - stop.len_utf8();
        Ok(parts.into_word(self.text.span_of(inner_start..inner_end)))
    }

    /// A variable name, as [`name_len`] reads one.
    fn name(&mut self) -> String {
        let rest = self.src.get(self.pos..).unwrap_or_default();
        let name = rest[..name_len(rest)].to_string();
        self.pos += name.len();
        name
    }

    fn rest_span(&self, start: usize) -> crate::source::Span {
        self.text.span_of(start..self.src.len())
    }

    fn unterminated_quote(&self, start: usize, quote: char) -> Diagnostic {
        let which = if quote == '"' { "double" } else { "single" };
        Diagnostic::error(
            Code::UnterminatedQuote,
            format!("unterminated {which} quote"),
        )
        .with_label(
            self.text.span_of(start..start + 1),
            format!("this `{quote}` is never closed"),
        )
        .with_help(format!(
            "close the quote with `{quote}`, or write `{}{quote}` for a literal quote",
            self.escape
        ))
    }

    fn missing_close(&self, start: usize, stop: char) -> Diagnostic {
        Diagnostic::error(
            Code::InvalidVariable,
            format!("unterminated variable reference: missing `{stop}`"),
        )
        .with_label(self.rest_span(start), "this `${` is never closed")
        .with_help(format!(
            "close it with `}}`, or write `{}$` for a literal dollar sign",
            self.escape
        ))
    }

    fn bad_substitution(&self, start: usize, found: char) -> Diagnostic {
        let end = (self.pos + found.len_utf8()).min(self.src.len());
        Diagnostic::error(
            Code::InvalidVariable,
            "bad substitution: expected a variable name after `${`",
        )
        .with_label(self.text.span_of(start..end), "no variable name here")
        .with_help(format!(
            "write `${{NAME}}`, or `{}$` for a literal dollar sign",
            self.escape
        ))
    }

    fn bad_name(&self, start: usize, name: &str, found: char) -> Diagnostic {
        Diagnostic::error(
            Code::InvalidVariable,
            format!("invalid variable reference: unexpected `{found}` after `${{{name}`"),
        )
        .with_label(self.text.span_of(start..self.pos), "not a variable name")
        .with_help(
            "a variable name is letters, digits and `_`, not starting with a digit; \
             after it, `}` or one of `:-` `-` `:+` `+` `#` `##` `%` `%%` `/` `//`",
        )
    }

    fn unsupported_modifier(&self, start: usize, modifier: &str) -> Diagnostic {
        Diagnostic::error(
            Code::InvalidVariable,
            format!("unsupported modifier `{modifier}` in variable reference"),
        )
        .with_label(self.text.span_of(start..self.pos), "unsupported here")
        .with_help(
            "supported: `${X:-default}`, `${X-default}`, `${X:+alt}`, `${X+alt}`, `${X#p}`, \
             `${X##p}`, `${X%p}`, `${X%%p}`, `${X/p/r}`, `${X//p/r}`; to require a value, \
             check it in a RUN step",
        )
    }

    fn too_deep(&self, start: usize) -> Diagnostic {
        Diagnostic::error(
            Code::InvalidVariable,
            format!("variable references nested more than {MAX_NESTING} deep"),
        )
        .with_label(self.text.span_of(start..self.pos), "too deeply nested")
        .with_help("split the value into several ARG or ENV steps")
    }
}

#[cfg(test)]
#[path = "word_tests.rs"]
mod tests;
