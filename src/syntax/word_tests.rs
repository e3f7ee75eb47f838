use super::*;
use crate::ir::Modifier;
use crate::source::Span;
use crate::syntax::text::Mapped;

fn word(src: &str) -> Result<Word, Diagnostic> {
    let mapped = Mapped::contiguous(src, 0);
    parse_word(&mapped.view(), '\\')
}

fn lit(src: &str) -> String {
    word(src).unwrap().as_literal().unwrap()
}

#[test]
fn quotes_and_escapes() {
    assert_eq!(lit(r#""a b"'c d'e"#), "a bc de");
    assert_eq!(lit(r#""say \"hi\" \n""#), "say \"hi\" \\n");
    assert_eq!(lit(r"a\ b\$c"), "a b$c");
    assert_eq!(lit("'$X'"), "$X");
    assert_eq!(lit("C:\\\\app"), "C:\\app");
    assert_eq!(lit("cost$"), "cost$");
}

#[test]
fn variables_keep_their_spans() {
    let w = word("a${B:-x y}c$D").unwrap();
    let vars = w.vars();
    assert_eq!(vars[0].name, "B");
    assert_eq!(vars[0].span, Span::new(1, 10));
    assert!(matches!(
        &vars[0].modifier,
        Some(Modifier::Default { unset_or_empty: true, word }) if word.as_literal().as_deref() == Some("x y")
    ));
    assert_eq!(vars[1].name, "D");
    assert_eq!(vars[1].span, Span::new(11, 13));
}

#[test]
fn every_modifier() {
    let modifier = |src: &str| word(src).unwrap().vars()[0].modifier.clone().unwrap();
    assert!(matches!(
        modifier("${X-a}"),
        Modifier::Default {
            unset_or_empty: false,
            ..
        }
    ));
    assert!(matches!(
        modifier("${X:+a}"),
        Modifier::Alternate {
            unset_or_empty: true,
            ..
        }
    ));
    assert!(matches!(
        modifier("${X+a}"),
        Modifier::Alternate {
            unset_or_empty: false,
            ..
        }
    ));
    assert!(matches!(
        modifier("${X#a*}"),
        Modifier::TrimPrefix { longest: false, .. }
    ));
    assert!(matches!(
        modifier("${X##a*}"),
        Modifier::TrimPrefix { longest: true, .. }
    ));
    assert!(matches!(
        modifier("${X%a}"),
        Modifier::TrimSuffix { longest: false, .. }
    ));
    assert!(matches!(
        modifier("${X%%a}"),
        Modifier::TrimSuffix { longest: true, .. }
    ));
    match modifier(r"${X//a\*/b}") {
        Modifier::Replace {
            pattern,
            replacement,
            all,
        } => {
            assert!(all);
            assert_eq!(pattern.as_literal().unwrap(), r"a\*");
            assert_eq!(replacement.as_literal().unwrap(), "b");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn bad_variables() {
    for bad in [
        "${", "${X", "${}", "${:x}", "${1bad}", "${X:?}", "${X?msg}", "${X:=y}", "${X/a",
    ] {
        let error = word(bad).unwrap_err();
        assert_eq!(
            error.code,
            Code::InvalidVariable,
            "{bad}: {}",
            error.message
        );
    }
}

#[test]
fn unterminated_quotes() {
    for bad in ["\"abc", "'abc", "a\"b\\\""] {
        assert_eq!(
            word(bad).unwrap_err().code,
            Code::UnterminatedQuote,
            "{bad}"
        );
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = "${A:-".repeat(10_000) + &"}".repeat(10_000);
    assert_eq!(word(&deep).unwrap_err().code, Code::InvalidVariable);
}

#[test]
fn splitting_respects_quotes_and_braces() {
    let mapped = Mapped::contiguous(r#"A="a b" B=${X:-c d} C=e\ f  'g h'"#, 0);
    let words: Vec<_> = split_words(&mapped.view(), '\\')
        .iter()
        .map(|w| w.as_str().to_owned())
        .collect();
    assert_eq!(words, [r#"A="a b""#, "B=${X:-c d}", r"C=e\ f", "'g h'"]);
}

#[test]
fn plain_words_are_one_literal_as_the_scanner_builds_them() {
    // The fast path for words without `$`, quotes or escapes must give what the scanner gives:
    // one literal part with the word's span, or no part for an empty word.
    for src in ["/app/1/", "8080/tcp", "ü-ñ", "a`b"] {
        let mapped = Mapped::contiguous(src, 3);
        let fast = parse_word(&mapped.view(), '\\').unwrap();
        let mut scanner = Scanner {
            text: &mapped.view(),
            src,
            pos: 0,
            escape: '\\',
            depth: 0,
        };
        let (parts, _) = scanner.until(None, false).unwrap();
        assert_eq!(
            fast,
            parts.into_word(Span::new(3, 3 + src.len() as u32)),
            "{src}"
        );
        assert_eq!(fast.parts.len(), 1);
    }
    assert!(word("").unwrap().parts.is_empty());
}

/// `split_words` as it was before it walked bytes (by `char_indices`), kept to check that
/// the byte walk splits every text the same way.
fn split_words_by_chars<'a>(text: &Text<'a>, escape: char) -> Vec<Text<'a>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Context {
        Single,
        Double,
        Brace,
    }
    let src = text.as_str();
    let mut words = Vec::new();
    let mut start = None;
    let mut stack: Vec<Context> = Vec::new();
    let mut chars = src.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if start.is_none() {
            if c.is_whitespace() {
                continue;
            }
            start = Some(i);
        }
        let top = stack.last().copied();
        let opens_brace = c == '$' && chars.peek().is_some_and(|&(_, n)| n == '{');
        let push = |stack: &mut Vec<Context>, context| {
            if stack.len() < 4 * MAX_NESTING {
                stack.push(context);
            }
        };
        match top {
            Some(Context::Single) => {
                if c == '\'' {
                    stack.pop();
                }
            }
            Some(Context::Double) => {
                if c == escape {
                    chars.next();
                } else if c == '"' {
                    stack.pop();
                } else if opens_brace {
                    chars.next();
                    push(&mut stack, Context::Brace);
                }
            }
            Some(Context::Brace) | None => {
                if c == escape {
                    chars.next();
                } else if c == '\'' {
                    push(&mut stack, Context::Single);
                } else if c == '"' {
                    push(&mut stack, Context::Double);
                } else if opens_brace {
                    chars.next();
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
    }
    if let Some(s) = start {
        words.push(text.slice(s..src.len()));
    }
    words
}

#[test]
fn splitting_by_bytes_is_splitting_by_chars() {
    let alphabet = [
        "a", " ", "\u{A0}", "\u{2003}", "é", "\t", "'", "\"", "\\", "`", "$", "{", "}", "${",
    ];
    let mut texts = vec![String::new()];
    for _ in 0..4 {
        let mut next = Vec::new();
        for text in &texts {
            for piece in alphabet {
                next.push(format!("{text}{piece}"));
            }
        }
        for text in &next {
            let mapped = Mapped::contiguous(text, 1);
            for escape in ['\\', '`'] {
                let words = |split: for<'t, 'a> fn(&'t Text<'a>, char) -> Vec<Text<'a>>| {
                    split(&mapped.view(), escape)
                        .iter()
                        .map(|w| (w.as_str().to_owned(), w.span()))
                        .collect::<Vec<_>>()
                };
                assert_eq!(
                    words(split_words),
                    words(split_words_by_chars),
                    "{text:?} with {escape}"
                );
            }
        }
        texts = next;
    }
}
