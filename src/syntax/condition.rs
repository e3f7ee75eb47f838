//! The condition of `IF` and `ELSE IF`: `$MODE == "release" && !exists("debug.conf")`.
//!
//! The grammar (`condition` in grammar/buildfile.pest) is the rule; this module reads its
//! pairs into a [`Condition`]. Around it, a small lexer runs first, for what pest cannot do
//! well:
//! - bound the recursion: parentheses and `!` nest at most [`MAX_DEPTH`] deep and a
//!   condition joins at most [`MAX_JOINS`] `&&`/`||` (the IR is a tree as deep as the
//!   chain), checked before pest sees the text;
//! - name lexical mistakes (`=` for `==`, `&` alone, an unknown function, a modifier in
//!   `${…}`, an unclosed quote) where pest would only say "expected …";
//! - when the grammar refuses the tokens anyway, [`explain`] walks them to say which operand
//!   is missing, which `(` is unclosed, or that comparisons do not chain (a test checks that
//!   it refuses exactly what the grammar refuses).
//!
//! Errors: invalid-condition; unterminated-quote and invalid-variable for quotes and
//! `$`/`${…}`, as in words.

use std::ops::Range;

use pest::Parser;
use pest::iterators::Pair;

use crate::diagnostic::{Code, Diagnostic};
use crate::ir::{Condition, VarRef, Word, WordPart};

use super::cx::Cx;
use super::grammar::{BuildfileParser, Rule};
use super::text::Text;

/// How deeply parentheses and `!` may nest.
pub(super) const MAX_DEPTH: usize = 32;
/// How many `&&` and `||` one condition may hold.
pub(super) const MAX_JOINS: usize = 256;

/// Reads `text`, the rest of an IF line after the keyword (trimmed); on error, reports it
/// and gives `None`.
pub(super) fn condition(cx: &mut Cx, text: &Text<'_>) -> Option<Condition> {
    match read(text) {
        Ok(condition) => Some(condition),
        Err(diagnostic) => {
            cx.error(diagnostic);
            None
        }
    }
}

fn read(text: &Text<'_>) -> Result<Condition, Diagnostic> {
    if text.as_str().trim_matches([' ', '\t']).is_empty() {
        return Err(invalid(
            "IF needs a condition",
            text,
            0..text.len(),
            "expected a condition",
        )
        .with_help("write `IF $VAR == value`, `IF $FLAG` or `IF exists(\"path\")`"));
    }
    // Lexical mistakes and the bounds first: the grammar only sees text it can recurse on.
    let tokens = lex(text)?;
    match BuildfileParser::parse(Rule::condition, text.as_str()) {
        Ok(pairs) => {
            let top = pairs
                .flatten()
                .find(|pair| pair.as_rule() == Rule::condition_or)
                .ok_or_else(|| shape(Rule::condition))?;
            build(top, text)
        }
        Err(error) => Err(explain(&tokens, text).unwrap_or_else(|| {
            let mut diagnostic = super::error::from_pest(&error, text, "condition");
            diagnostic.code = Code::InvalidCondition;
            diagnostic
        })),
    }
}

/// An invalid-condition error labelled at `range` of `text`.
fn invalid(message: &str, text: &Text<'_>, range: Range<usize>, label: &str) -> Diagnostic {
    Diagnostic::error(Code::InvalidCondition, message).with_label(text.span_of(range), label)
}

/// A pair the grammar cannot produce where it was found.
fn shape(rule: Rule) -> Diagnostic {
    Diagnostic::internal(format!("unexpected {rule:?} in a condition"))
}

// ---------------------------------------------------------------------------------------
// The pairs, into IR

fn build(pair: Pair<'_, Rule>, text: &Text<'_>) -> Result<Condition, Diagnostic> {
    let range = pair.as_span().start()..pair.as_span().end();
    match pair.as_rule() {
        Rule::condition_or => fold(pair, text, Condition::Or),
        Rule::condition_and => fold(pair, text, Condition::And),
        Rule::condition_not => {
            let inner = only(pair)?;
            let bang = text.span_of(range.start..range.start + 1);
            Ok(Condition::Not(Box::new(build(inner, text)?), bang))
        }
        Rule::condition_exists => Ok(Condition::Exists {
            path: word(only(pair)?, text)?,
            span: text.span_of(range),
        }),
        Rule::condition_compare => {
            let mut inner = pair.into_inner();
            let (Some(left), Some(operator), Some(right)) =
                (inner.next(), inner.next(), inner.next())
            else {
                return Err(shape(Rule::condition_compare));
            };
            Ok(Condition::Compare {
                equal: operator.as_str() == "==",
                span: text.span_of(operator.as_span().start()..operator.as_span().end()),
                left: word(left, text)?,
                right: word(right, text)?,
            })
        }
        Rule::condition_truthy => Ok(Condition::Truthy(word(only(pair)?, text)?)),
        other => Err(shape(other)),
    }
}

/// `a && b && c` as `(a && b) && c`: left-associative, built without recursing on the chain.
fn fold(
    pair: Pair<'_, Rule>,
    text: &Text<'_>,
    join: fn(Box<Condition>, Box<Condition>) -> Condition,
) -> Result<Condition, Diagnostic> {
    let rule = pair.as_rule();
    let mut inner = pair.into_inner();
    let first = inner.next().ok_or_else(|| shape(rule))?;
    let mut out = build(first, text)?;
    for next in inner {
        out = join(Box::new(out), Box::new(build(next, text)?));
    }
    Ok(out)
}

/// The one pair inside `pair`.
fn only(pair: Pair<'_, Rule>) -> Result<Pair<'_, Rule>, Diagnostic> {
    let rule = pair.as_rule();
    pair.into_inner().next().ok_or_else(|| shape(rule))
}

/// A `condition_word`: its quotes and escapes resolved, its variables kept.
fn word(pair: Pair<'_, Rule>, text: &Text<'_>) -> Result<Word, Diagnostic> {
    let span = text.span_of(pair.as_span().start()..pair.as_span().end());
    let value = only(pair)?;
    let mut parts = Vec::new();
    match value.as_rule() {
        Rule::condition_bare => push_literal(&mut parts, value.as_str()),
        Rule::condition_raw => {
            let raw = value.as_str();
            push_literal(&mut parts, raw.get(1..raw.len() - 1).unwrap_or(""));
        }
        Rule::var_ref => parts.push(WordPart::Var(var(value, text)?)),
        Rule::condition_string => {
            for part in value.into_inner() {
                match part.as_rule() {
                    Rule::condition_text => push_literal(&mut parts, part.as_str()),
                    Rule::condition_escape => push_literal(&mut parts, unescape(part.as_str())),
                    Rule::var_ref => parts.push(WordPart::Var(var(part, text)?)),
                    other => return Err(shape(other)),
                }
            }
        }
        other => return Err(shape(other)),
    }
    Ok(Word { parts, span })
}

/// `\"`, `\\` and `\$` are the character; any other `\x` stays as written.
fn unescape(escape: &str) -> &str {
    match escape {
        "\\\"" | "\\\\" | "\\$" => &escape[1..],
        other => other,
    }
}

/// Appends literal text, merged into the literal before it (no empty parts).
fn push_literal(parts: &mut Vec<WordPart>, text: &str) {
    if text.is_empty() {
        return;
    }
    match parts.last_mut() {
        Some(WordPart::Literal(last)) => last.push_str(text),
        _ => parts.push(WordPart::Literal(text.to_owned())),
    }
}

fn var(pair: Pair<'_, Rule>, text: &Text<'_>) -> Result<VarRef, Diagnostic> {
    let span = text.span_of(pair.as_span().start()..pair.as_span().end());
    let name = only(pair)?;
    Ok(VarRef {
        name: name.as_str().to_owned(),
        modifier: None,
        span,
    })
}

// ---------------------------------------------------------------------------------------
// Tokens: lexical errors and bounds, before the grammar

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// A quoted string, a variable or a bare word.
    Value,
    /// The name `exists` with `(` next.
    Exists,
    Not,
    /// `==` or `!=`.
    Compare,
    And,
    Or,
    Open,
    Close,
}

#[derive(Clone, Debug)]
struct Token {
    kind: Kind,
    range: Range<usize>,
}

/// How deep the `(` and `!` seen so far nest: `!(!(a))` is 4 deep, `!a && !b` 1.
#[derive(Default)]
struct Depth {
    /// For each open `(`, the `!`s just before it.
    open: Vec<usize>,
    /// The depth of the innermost open `(`.
    base: usize,
    /// The `!`s since the last operand or `(`.
    run: usize,
}

impl Depth {
    fn now(&self) -> usize {
        self.base + self.run
    }

    fn token(&mut self, kind: Kind) {
        match kind {
            Kind::Not => self.run += 1,
            Kind::Open => {
                self.open.push(self.run);
                self.base += self.run + 1;
                self.run = 0;
            }
            Kind::Close => {
                if let Some(run) = self.open.pop() {
                    self.base -= run + 1;
                }
                self.run = 0;
            }
            _ => self.run = 0,
        }
    }
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// The length of the variable name at the start of `text` (`var_name` in the grammar).
fn name_len(text: &[u8]) -> usize {
    match text.first() {
        Some(b) if b.is_ascii_alphabetic() || *b == b'_' => text
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
            .count(),
        _ => 0,
    }
}

/// Whether a byte ends a bare word (`condition_bare`).
fn ends_bare(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'\t' | b'"' | b'\'' | b'$' | b'(' | b')' | b'!' | b'=' | b'&' | b'|'
    )
}

/// The tokens of `text`, or the first lexical error, or the first place that nests too deep.
fn lex(text: &Text<'_>) -> Result<Vec<Token>, Diagnostic> {
    let bytes = text.as_str().as_bytes();
    let mut tokens: Vec<Token> = Vec::new();
    let mut depth = Depth::default();
    let mut joins = 0;
    let mut at = 0;
    while at < bytes.len() {
        let next = bytes.get(at + 1).copied();
        let (kind, end) = match bytes[at] {
            b if is_blank(b) => {
                at += 1;
                continue;
            }
            b'(' => (Kind::Open, at + 1),
            b')' => (Kind::Close, at + 1),
            b'!' if next == Some(b'=') => (Kind::Compare, at + 2),
            b'!' => (Kind::Not, at + 1),
            b'=' if next == Some(b'=') => (Kind::Compare, at + 2),
            b'&' if next == Some(b'&') => (Kind::And, at + 2),
            b'|' if next == Some(b'|') => (Kind::Or, at + 2),
            b'=' => return Err(alone(text, at, "=", "==", "compare with `==` (or `!=`)")),
            b'&' => return Err(alone(text, at, "&", "&&", "join conditions with `&&`")),
            b'|' => return Err(alone(text, at, "|", "||", "join conditions with `||`")),
            b'"' => (Kind::Value, double_quoted(text, at)?),
            b'\'' => (Kind::Value, single_quoted(text, at)?),
            b'$' => (Kind::Value, variable(text, at)?),
            _ => bare(text, at)?,
        };
        depth.token(kind);
        if depth.now() > MAX_DEPTH {
            return Err(invalid(
                "the condition nests too deep",
                text,
                at..end,
                &format!("more than {MAX_DEPTH} levels of `(` and `!`"),
            )
            .with_help("split it: decide part of it in an outer IF"));
        }
        if matches!(kind, Kind::And | Kind::Or) {
            joins += 1;
            if joins > MAX_JOINS {
                return Err(invalid(
                    "the condition is too long",
                    text,
                    at..end,
                    &format!("more than {MAX_JOINS} `&&` and `||`"),
                )
                .with_help("split it: decide part of it in an outer IF"));
            }
        }
        tokens.push(Token {
            kind,
            range: at..end,
        });
        at = end;
    }
    Ok(tokens)
}

/// `=`, `&` or `|` where the language has only their doubles.
fn alone(text: &Text<'_>, at: usize, found: &str, meant: &str, help: &str) -> Diagnostic {
    let message = format!("`{found}` alone is not an operator");
    invalid(
        &message,
        text,
        at..at + 1,
        &format!("did you mean `{meant}`?"),
    )
    .with_help(help)
}

/// A bare word, or the name of a function when `(` follows it (after blanks).
fn bare(text: &Text<'_>, at: usize) -> Result<(Kind, usize), Diagnostic> {
    let bytes = text.as_str().as_bytes();
    let end = bytes[at..]
        .iter()
        .position(|&b| ends_bare(b))
        .map_or(bytes.len(), |i| at + i);
    let after = bytes[end..]
        .iter()
        .position(|&b| !is_blank(b))
        .map_or(bytes.len(), |i| end + i);
    if bytes.get(after) != Some(&b'(') {
        return Ok((Kind::Value, end));
    }
    let name = &text.as_str()[at..end];
    if name == "exists" {
        return Ok((Kind::Exists, end));
    }
    Err(invalid(
        &format!("unknown function `{name}`"),
        text,
        at..end,
        "not a function",
    )
    .with_help("the only function is `exists(\"path\")`"))
}

/// The end of the `'…'` starting at `at`.
fn single_quoted(text: &Text<'_>, at: usize) -> Result<usize, Diagnostic> {
    match text.as_str()[at + 1..].find('\'') {
        Some(i) => Ok(at + 1 + i + 1),
        None => Err(unterminated(text, at, '\'')),
    }
}

/// The end of the `"…"` starting at `at`, its variables checked.
fn double_quoted(text: &Text<'_>, at: usize) -> Result<usize, Diagnostic> {
    let bytes = text.as_str().as_bytes();
    let mut i = at + 1;
    loop {
        match bytes.get(i) {
            None => return Err(unterminated(text, at, '"')),
            Some(b'"') => return Ok(i + 1),
            // The escaped byte is skipped: a `"`, `\` or `$`, or the first byte of a
            // character that stays as written (its other bytes are never special).
            Some(b'\\') => i += 2,
            Some(b'$') => i = variable(text, i)?,
            Some(_) => i += 1,
        }
    }
}

fn unterminated(text: &Text<'_>, at: usize, quote: char) -> Diagnostic {
    Diagnostic::error(
        Code::UnterminatedQuote,
        format!("unterminated {quote} quote"),
    )
    .with_label(text.span_of(at..text.len()), "never closed")
    .with_help(format!("close it with {quote}"))
}

/// The end of the `$NAME` or `${NAME}` starting at `at`.
fn variable(text: &Text<'_>, at: usize) -> Result<usize, Diagnostic> {
    let bytes = text.as_str().as_bytes();
    let bad = |range: Range<usize>, message: &str, label: &str, help: &str| {
        Diagnostic::error(Code::InvalidVariable, message)
            .with_label(text.span_of(range), label)
            .with_help(help.to_owned())
    };
    if bytes.get(at + 1) != Some(&b'{') {
        let len = name_len(&bytes[at + 1..]);
        if len == 0 {
            return Err(bad(
                at..at + 1,
                "`$` without a variable name",
                "expected a name after `$`",
                "write `$NAME`, or `'$'` for the character",
            ));
        }
        return Ok(at + 1 + len);
    }
    let len = name_len(&bytes[at + 2..]);
    let after = at + 2 + len;
    match bytes.get(after) {
        Some(b'}') if len > 0 => Ok(after + 1),
        None => Err(bad(
            at..after,
            "unclosed `${`",
            "never closed",
            "close it with `}`",
        )),
        Some(_) if len == 0 => Err(bad(
            at..after + 1,
            "`${…}` without a variable name",
            "expected a name",
            "write `${NAME}`: letters, digits and `_`, not starting with a digit",
        )),
        Some(_) => {
            let close = text.as_str()[after..]
                .find('}')
                .map_or(text.len(), |i| after + i + 1);
            Err(bad(
                at..close,
                "modifiers are not supported in conditions",
                "a modifier",
                "write `${NAME}` alone; test for a value with `$NAME == \"\"` or `$NAME`",
            ))
        }
    }
}

// ---------------------------------------------------------------------------------------
// Why the grammar refused well-formed tokens

/// What the tokens read so far expect next.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// A condition: a value, `!`, `(` or `exists`.
    Operand,
    /// After a value: it may still be the left side of `==`.
    AfterValue,
    /// After `==` or `!=`.
    CompareRight,
    /// After a comparison.
    AfterCompare,
    /// After `exists(…)` or `( … )`.
    AfterCondition,
    /// After `exists`: the `(` the lexer saw.
    ExistsOpen,
    /// Inside `exists(`, opened at the token index.
    ExistsArg(usize),
    ExistsClose(usize),
}

/// The first problem in `tokens`, by the grammar's rules; `None` when they are a condition.
fn explain(tokens: &[Token], text: &Text<'_>) -> Option<Diagnostic> {
    let mut state = State::Operand;
    let mut groups: Vec<usize> = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        // The arms are tried in order: the states that take one kind of token first, then
        // what every complete operand (a value, a comparison, a condition) may be followed by.
        state = match (state, token.kind) {
            (State::Operand, Kind::Not) => State::Operand,
            (State::Operand, Kind::Open) => {
                groups.push(i);
                State::Operand
            }
            (State::Operand, Kind::Exists) => State::ExistsOpen,
            (State::Operand, Kind::Value) => State::AfterValue,
            (State::Operand, _) => return Some(missing_operand(tokens, i, text)),
            (State::ExistsOpen, Kind::Open) => State::ExistsArg(i),
            (State::ExistsOpen, _) => return Some(unexpected(tokens, i, text)),
            (State::ExistsArg(open), Kind::Value) => State::ExistsClose(open),
            (State::ExistsClose(_), Kind::Close) => State::AfterCondition,
            (State::ExistsArg(open) | State::ExistsClose(open), _) => {
                return Some(exists_argument(tokens, open, i, text));
            }
            (State::AfterValue, Kind::Compare) => State::CompareRight,
            (State::CompareRight, Kind::Value) => State::AfterCompare,
            (State::CompareRight, _) => return Some(compare_right(tokens, i, text)),
            (_, Kind::And | Kind::Or) => State::Operand,
            (_, Kind::Close) => {
                if groups.pop().is_none() {
                    return Some(
                        invalid("unmatched `)`", text, token.range.clone(), "never opened")
                            .with_help("remove it, or open it with `(`"),
                    );
                }
                State::AfterCondition
            }
            (State::AfterCompare, Kind::Compare) => {
                return Some(
                    invalid(
                        "comparisons do not chain",
                        text,
                        token.range.clone(),
                        "a second comparison",
                    )
                    .with_help("join two comparisons with `&&`: `$A == b && $B == c`"),
                );
            }
            (_, Kind::Compare) => {
                return Some(
                    invalid(
                        "only values can be compared",
                        text,
                        token.range.clone(),
                        "after a condition",
                    )
                    .with_help(
                        "`exists(…)` and `( … )` are conditions: join them with `&&` or `||`",
                    ),
                );
            }
            (_, _) => return Some(unexpected(tokens, i, text)),
        };
    }
    match state {
        State::Operand => tokens.last().map(|last| match last.kind {
            Kind::Open => unclosed(last, text),
            _ => needs(last, "after", text),
        }),
        State::CompareRight => tokens.last().map(|last| needs(last, "after", text)),
        State::ExistsArg(open) | State::ExistsClose(open) => {
            tokens.get(open).map(|open| unclosed(open, text))
        }
        _ => groups
            .last()
            .and_then(|&open| tokens.get(open))
            .map(|open| unclosed(open, text)),
    }
}

fn unclosed(open: &Token, text: &Text<'_>) -> Diagnostic {
    invalid("unclosed `(`", text, open.range.clone(), "never closed").with_help("close it with `)`")
}

/// `op` lacks what it takes on `side` ("before" or "after").
fn needs(op: &Token, side: &str, text: &Text<'_>) -> Diagnostic {
    let written = &text.as_str()[op.range.clone()];
    let (message, help) = match op.kind {
        Kind::Not => (
            "`!` needs a condition after it".to_owned(),
            "write `!$FLAG` or `!exists(\"path\")`",
        ),
        Kind::Compare => (
            format!("`{written}` needs a value on each side"),
            "write `$VAR == value`",
        ),
        _ => (
            format!("`{written}` needs a condition on each side"),
            "write `$A == a && $B == b`",
        ),
    };
    invalid(
        &message,
        text,
        op.range.clone(),
        &format!("nothing {side} it"),
    )
    .with_help(help)
}

/// Token `i` where a condition should start.
fn missing_operand(tokens: &[Token], i: usize, text: &Text<'_>) -> Diagnostic {
    let token = &tokens[i];
    match i.checked_sub(1).and_then(|p| tokens.get(p)) {
        Some(open) if open.kind == Kind::Open && token.kind == Kind::Close => invalid(
            "empty parentheses",
            text,
            open.range.start..token.range.end,
            "no condition inside",
        )
        .with_help("put a condition inside, or remove them"),
        Some(prev) if prev.kind != Kind::Open => needs(prev, "after", text),
        _ if token.kind == Kind::Close => {
            invalid("unmatched `)`", text, token.range.clone(), "never opened")
                .with_help("remove it, or open it with `(`")
        }
        _ => needs(token, "before", text),
    }
}

/// Token `i` after `==` or `!=`, which is not a value.
fn compare_right(tokens: &[Token], i: usize, text: &Text<'_>) -> Diagnostic {
    let token = &tokens[i];
    match token.kind {
        Kind::Not | Kind::Open | Kind::Exists => invalid(
            "only values can be compared",
            text,
            token.range.clone(),
            "not a value",
        )
        .with_help("compare two values, like `$A == b`; join conditions with `&&` or `||`"),
        _ => match i.checked_sub(1).and_then(|p| tokens.get(p)) {
            Some(op) => needs(op, "after", text),
            None => unexpected(tokens, i, text),
        },
    }
}

/// Token `i` inside `exists(` (opened at token `open`), where only one value and `)` go.
fn exists_argument(tokens: &[Token], open: usize, i: usize, text: &Text<'_>) -> Diagnostic {
    let token = &tokens[i];
    let (range, label) = match (tokens.get(open), token.kind) {
        (Some(open), Kind::Close) => (open.range.start..token.range.end, "no path"),
        _ => (token.range.clone(), "not part of the path"),
    };
    invalid("`exists` takes one value: the path", text, range, label)
        .with_help("write `exists(\"path\")` or `exists($VAR)`")
}

/// Token `i` after a complete condition or value, where an operator or the end should be.
fn unexpected(tokens: &[Token], i: usize, text: &Text<'_>) -> Diagnostic {
    let token = &tokens[i];
    let touching = i
        .checked_sub(1)
        .and_then(|p| tokens.get(p))
        .is_some_and(|prev| prev.range.end == token.range.start);
    let help = match token.kind {
        Kind::Not => "`!` goes before a condition (`!$A`); compare with `!=`",
        Kind::Value | Kind::Exists if touching => {
            "to make one value of them, quote it: `\"linux/$ARCH\"`"
        }
        _ => "join conditions with `&&` or `||`",
    };
    invalid(
        "expected `&&`, `||` or the end of the condition",
        text,
        token.range.clone(),
        "unexpected",
    )
    .with_help(help)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Diagnostics;
    use crate::syntax::text::Mapped;

    fn parse(src: &str) -> Result<Condition, Diagnostic> {
        let mapped = Mapped::contiguous(src, 0);
        read(&mapped.view())
    }

    /// A compact form: values as `"text"` and `${NAME}`, every join parenthesized.
    fn show(condition: &Condition) -> String {
        match condition {
            Condition::Truthy(word) => show_word(word),
            Condition::Compare {
                left, right, equal, ..
            } => {
                let op = if *equal { "==" } else { "!=" };
                format!("({} {op} {})", show_word(left), show_word(right))
            }
            Condition::Exists { path, .. } => format!("exists({})", show_word(path)),
            Condition::Not(inner, _) => format!("!{}", show(inner)),
            Condition::And(a, b) => format!("({} && {})", show(a), show(b)),
            Condition::Or(a, b) => format!("({} || {})", show(a), show(b)),
        }
    }

    fn show_word(word: &Word) -> String {
        if word.parts.is_empty() {
            return "\"\"".to_owned();
        }
        word.parts
            .iter()
            .map(|part| match part {
                WordPart::Literal(text) => format!("{text:?}"),
                WordPart::Var(var) => format!("${{{}}}", var.name),
            })
            .collect()
    }

    fn shown(src: &str) -> String {
        match parse(src) {
            Ok(condition) => show(&condition),
            Err(error) => panic!("{src}: {error:?}"),
        }
    }

    /// The error's code, message, the source text its label covers, and its help.
    fn error(src: &str) -> (Code, String, String, String) {
        let error = match parse(src) {
            Ok(condition) => panic!("{src} parsed as {}", show(&condition)),
            Err(error) => error,
        };
        let span = error.span().unwrap_or_default();
        let covered = src.get(span.range()).unwrap_or("?").to_owned();
        (
            error.code,
            error.message,
            covered,
            error.help.unwrap_or_default(),
        )
    }

    fn message_and_span(src: &str) -> (String, String) {
        let (_, message, covered, _) = error(src);
        (message, covered)
    }

    #[test]
    fn values() {
        assert_eq!(shown("$A"), "${A}");
        assert_eq!(shown("${A_1}"), "${A_1}");
        assert_eq!(shown("yes"), r#""yes""#);
        assert_eq!(shown(r#""a $B ${C}d""#), r#""a "${B}" "${C}"d""#);
        assert_eq!(
            shown(r#""say \"hi\" \\ \$X \n""#),
            r#""say \"hi\" \\ $X \\n""#
        );
        assert_eq!(shown("'$A \"b\"'"), r#""$A \"b\"""#);
        assert_eq!(shown("''"), r#""""#);
        assert_eq!(shown(r#""""#), r#""""#);
        for bare in ["linux/amd64", "1.2.3", "a-b_c", "x:y", "v+1", "é", r"a\b"] {
            assert_eq!(shown(bare), format!("{bare:?}"));
        }
        // `exists` without `(` is a word like any other.
        assert_eq!(shown("exists"), r#""exists""#);
        assert_eq!(shown("$A == exists"), r#"(${A} == "exists")"#);
    }

    #[test]
    fn every_construct() {
        assert_eq!(
            shown("$TARGETOS == windows"),
            r#"(${TARGETOS} == "windows")"#
        );
        assert_eq!(shown("$A!='b'"), r#"(${A} != "b")"#);
        assert_eq!(shown("!$SKIP"), "!${SKIP}");
        assert_eq!(shown("!!$SKIP"), "!!${SKIP}");
        assert_eq!(shown(r#"exists("a/b")"#), r#"exists("a/b")"#);
        assert_eq!(shown("exists ( 'a' )"), r#"exists("a")"#);
        assert_eq!(shown("exists($P)"), "exists(${P})");
        assert_eq!(shown("!exists(x)"), r#"!exists("x")"#);
        assert_eq!(shown("( $A )"), "${A}");
        assert_eq!(shown("$A&&$B"), "(${A} && ${B})");
        assert_eq!(shown("$A\t||\t$B"), "(${A} || ${B})");
        assert_eq!(shown("!$A == b"), r#"!(${A} == "b")"#);
    }

    #[test]
    fn precedence_and_associativity() {
        assert_eq!(shown("a || b && c"), r#"("a" || ("b" && "c"))"#);
        assert_eq!(shown("a && b || c"), r#"(("a" && "b") || "c")"#);
        assert_eq!(shown("a && b && c"), r#"(("a" && "b") && "c")"#);
        assert_eq!(shown("a || b || c"), r#"(("a" || "b") || "c")"#);
        assert_eq!(shown("(a || b) && c"), r#"(("a" || "b") && "c")"#);
        assert_eq!(shown("!a && b"), r#"(!"a" && "b")"#);
        assert_eq!(shown("!(a && b)"), r#"!("a" && "b")"#);
        assert_eq!(
            shown(r#"$MODE == "release" && !exists("debug.conf") || $FORCE"#),
            r#"(((${MODE} == "release") && !exists("debug.conf")) || ${FORCE})"#
        );
    }

    #[test]
    fn spans_point_into_the_source() {
        // The text starts at offset 3 of the line `IF $A == "x" && !exists($P)`.
        let src = r#"$A == "x" && !exists($P)"#;
        let mapped = Mapped::contiguous(src, 3);
        let condition = match read(&mapped.view()) {
            Ok(condition) => condition,
            Err(error) => panic!("{error:?}"),
        };
        let at = |span: crate::source::Span| &src[span.start as usize - 3..span.end as usize - 3];
        let Condition::And(compare, not) = condition else {
            panic!("{condition:?}")
        };
        let Condition::Compare {
            left, right, span, ..
        } = *compare
        else {
            panic!()
        };
        assert_eq!(at(span), "==");
        assert_eq!(at(left.span), "$A");
        assert_eq!(at(right.span), "\"x\"");
        let Condition::Not(exists, bang) = *not else {
            panic!()
        };
        assert_eq!(at(bang), "!");
        let Condition::Exists { path, span } = *exists else {
            panic!()
        };
        assert_eq!(at(span), "exists($P)");
        assert_eq!(at(path.span), "$P");
        let WordPart::Var(var) = &path.parts[0] else {
            panic!()
        };
        assert_eq!(at(var.span), "$P");
        assert_eq!(var.modifier, None);
    }

    #[test]
    fn variables_inside_strings_keep_their_spans() {
        let src = r#""v${A}-$B""#;
        let Ok(Condition::Truthy(word)) = parse(src) else {
            panic!()
        };
        let spans: Vec<_> = word
            .vars()
            .iter()
            .map(|var| &src[var.span.range()])
            .collect();
        assert_eq!(spans, ["${A}", "$B"]);
    }

    #[test]
    fn errors_name_the_problem_where_it_is() {
        for (src, message, covered) in [
            ("$A = b", "`=` alone is not an operator", "="),
            ("$A & $B", "`&` alone is not an operator", "&"),
            ("$A | $B", "`|` alone is not an operator", "|"),
            ("foo(x)", "unknown function `foo`", "foo"),
            ("$A && exist ('x')", "unknown function `exist`", "exist"),
            ("$A ==", "`==` needs a value on each side", "=="),
            ("== $A", "`==` needs a value on each side", "=="),
            ("$A != && b", "`!=` needs a value on each side", "!="),
            ("$A &&", "`&&` needs a condition on each side", "&&"),
            ("|| $A", "`||` needs a condition on each side", "||"),
            ("(&& $A)", "`&&` needs a condition on each side", "&&"),
            ("$A && || $B", "`&&` needs a condition on each side", "&&"),
            ("!", "`!` needs a condition after it", "!"),
            ("$A && !", "`!` needs a condition after it", "!"),
            ("(!)", "`!` needs a condition after it", "!"),
            ("()", "empty parentheses", "()"),
            ("($A && (b)", "unclosed `(`", "("),
            ("(a", "unclosed `(`", "("),
            ("a)", "unmatched `)`", ")"),
            (")", "unmatched `)`", ")"),
            ("a == b == c", "comparisons do not chain", "=="),
            ("(a) == b", "only values can be compared", "=="),
            ("exists(x) != b", "only values can be compared", "!="),
            ("a == !b", "only values can be compared", "!"),
            ("a == (b)", "only values can be compared", "("),
            ("a == exists(b)", "only values can be compared", "exists"),
            ("exists()", "`exists` takes one value: the path", "()"),
            ("exists(a b)", "`exists` takes one value: the path", "b"),
            ("exists(a", "unclosed `(`", "("),
            (
                "$A b",
                "expected `&&`, `||` or the end of the condition",
                "b",
            ),
            (
                "a == b c",
                "expected `&&`, `||` or the end of the condition",
                "c",
            ),
            (
                "$A !b",
                "expected `&&`, `||` or the end of the condition",
                "!",
            ),
            (
                "$A (b)",
                "expected `&&`, `||` or the end of the condition",
                "(",
            ),
            (
                "(a) b",
                "expected `&&`, `||` or the end of the condition",
                "b",
            ),
            (
                "linux/$ARCH",
                "expected `&&`, `||` or the end of the condition",
                "$ARCH",
            ),
            (
                "${X:-y}",
                "modifiers are not supported in conditions",
                "${X:-y}",
            ),
            (
                "\"a${X#y}\" == b",
                "modifiers are not supported in conditions",
                "${X#y}",
            ),
            (
                "${X:-y",
                "modifiers are not supported in conditions",
                "${X:-y",
            ),
            ("${X", "unclosed `${`", "${X"),
            ("${}", "`${…}` without a variable name", "${}"),
            ("$ == a", "`$` without a variable name", "$"),
            ("$1", "`$` without a variable name", "$"),
            ("\"abc", "unterminated \" quote", "\"abc"),
            ("a == 'b", "unterminated ' quote", "'b"),
            (r#""a\""#, "unterminated \" quote", r#""a\""#),
        ] {
            assert_eq!(
                message_and_span(src),
                (message.to_owned(), covered.to_owned()),
                "{src}"
            );
        }
    }

    #[test]
    fn codes_and_hints() {
        let (code, _, _, help) = error("$A = b");
        assert_eq!(code, Code::InvalidCondition);
        assert!(help.contains("compare with `==`"), "{help}");
        assert!(error("$A & b").3.contains("`&&`"));
        assert!(error("$A | b").3.contains("`||`"));
        assert!(error("foo(x)").3.contains("exists"));
        let (code, _, _, help) = error("a == b == c");
        assert_eq!(code, Code::InvalidCondition);
        assert!(help.contains("&&"), "{help}");
        assert_eq!(error("\"a").0, Code::UnterminatedQuote);
        assert_eq!(error("${X:-y}").0, Code::InvalidVariable);
        assert!(error("linux/$ARCH").3.contains("quote"));
    }

    #[test]
    fn an_empty_condition() {
        for src in ["", "  "] {
            let (code, message, _, help) = error(src);
            assert_eq!(code, Code::InvalidCondition);
            assert_eq!(message, "IF needs a condition");
            assert!(help.contains("IF $VAR == value"), "{help}");
        }
    }

    #[test]
    fn the_reader_reports_to_cx() {
        let mapped = Mapped::contiguous("$A = b", 0);
        let mut cx = Cx {
            escape: '\\',
            diagnostics: Diagnostics::new(),
        };
        assert_eq!(condition(&mut cx, &mapped.view()), None);
        assert_eq!(cx.diagnostics.0.len(), 1);
        let mapped = Mapped::contiguous("$A == b", 0);
        assert!(condition(&mut cx, &mapped.view()).is_some());
        assert_eq!(cx.diagnostics.0.len(), 1);
    }

    #[test]
    fn nesting_is_bounded_before_pest() {
        let nested = |depth: usize| "(".repeat(depth) + "a" + &")".repeat(depth);
        assert_eq!(shown(&nested(MAX_DEPTH)), r#""a""#);
        let (message, covered) = message_and_span(&nested(MAX_DEPTH + 1));
        assert_eq!(
            (message.as_str(), covered.as_str()),
            ("the condition nests too deep", "(")
        );
        let nots = |depth: usize| "!".repeat(depth) + "a";
        assert!(parse(&nots(MAX_DEPTH)).is_ok());
        assert_eq!(
            message_and_span(&nots(MAX_DEPTH + 1)).0,
            "the condition nests too deep"
        );
        // `!(` mixed count together; siblings do not.
        let mixed = |pairs: usize| "!(".repeat(pairs) + "a" + &")".repeat(pairs);
        assert!(parse(&mixed(MAX_DEPTH / 2)).is_ok());
        assert!(parse(&mixed(MAX_DEPTH / 2 + 1)).is_err());
        let siblings = vec!["!(!a)"; 100].join(" && ");
        assert!(parse(&siblings).is_ok());
        // Hostile input is an error, not a stack overflow.
        for hostile in [
            "(".repeat(100_000),
            "!".repeat(100_000),
            "!(".repeat(50_000),
        ] {
            assert_eq!(message_and_span(&hostile).0, "the condition nests too deep");
        }
    }

    #[test]
    fn long_chains_are_bounded() {
        let chain = |n: usize| vec!["a"; n + 1].join(" && ");
        assert!(parse(&chain(MAX_JOINS)).is_ok());
        assert_eq!(
            message_and_span(&chain(MAX_JOINS + 1)).0,
            "the condition is too long"
        );
        assert_eq!(
            message_and_span(&vec!["a"; 100_000].join("||")).0,
            "the condition is too long"
        );
    }

    /// `explain` refuses exactly the token sequences the grammar refuses: every sequence of
    /// up to five tokens.
    #[test]
    fn explain_agrees_with_the_grammar() {
        // One token of each kind the grammar tells apart (`!=` reads as `==`, `'c'` as `a`).
        let alphabet = ["a", "$B", "exists", "(", ")", "!", "==", "&&", "||"];
        let mut sequences: Vec<Vec<&str>> = vec![Vec::new()];
        let mut checked = 0;
        for _ in 0..5 {
            let mut longer = Vec::new();
            for sequence in &sequences {
                for token in alphabet {
                    let mut next = sequence.clone();
                    next.push(token);
                    let src = next.join(" ");
                    let mapped = Mapped::contiguous(&src, 0);
                    let text = mapped.view();
                    if let Ok(tokens) = lex(&text) {
                        let grammar = BuildfileParser::parse(Rule::condition, &src).is_ok();
                        let explained = explain(&tokens, &text);
                        assert_eq!(grammar, explained.is_none(), "{src}: {explained:?}");
                        checked += 1;
                    }
                    longer.push(next);
                }
            }
            sequences = longer;
        }
        assert!(checked > 10_000, "{checked}");
    }
}
