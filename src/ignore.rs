//! `.dockerignore` files, read the way moby's `ignorefile` package reads them: one pattern a
//! line, `#` comments and blank lines skipped, `!` exceptions kept, paths cleaned and made
//! relative to the context.
//! Shared by the gateway (the ignore file BuildKit sends) and `rustbuild llb` (the one
//! beside the Buildfile).

use crate::posix_path;

/// One pattern of an ignore file and the line it is on (1-based).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    /// Cleaned as BuildKit receives it; `!` first for an exception.
    pub text: String,
    pub line: u32,
}

/// The patterns of an ignore file, in order, for `local.excludepatterns`.
pub fn parse(text: &str) -> Vec<String> {
    parse_lines(text).into_iter().map(|p| p.text).collect()
}

/// [`parse`], keeping the line of each pattern.
pub fn parse_lines(text: &str) -> Vec<Pattern> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.lines()
        .zip(1..)
        .filter(|(line, _)| !line.starts_with('#'))
        .filter_map(|(line, number)| {
            let pattern = line.trim();
            if pattern.is_empty() {
                return None;
            }
            let (invert, pattern) = match pattern.strip_prefix('!') {
                Some(rest) => (true, rest.trim()),
                None => (false, pattern),
            };
            let mut cleaned = if pattern.is_empty() {
                String::new()
            } else {
                posix_path::clean(pattern)
            };
            if cleaned.len() > 1 && cleaned.starts_with('/') {
                cleaned.remove(0);
            }
            let text = if invert {
                format!("!{cleaned}")
            } else {
                cleaned
            };
            Some(Pattern { text, line: number })
        })
        .collect()
}

/// The pattern that leaves `path` (relative to the context, `/` allowed first) out of the
/// context, if one does. As moby's pattern matcher decides: the last pattern that matches
/// the path or a directory above it wins, and an exception (`!`) lets it back in.
pub fn excluded_by<'a>(patterns: &'a [Pattern], path: &str) -> Option<&'a Pattern> {
    let path = path.trim_start_matches('/');
    let mut decided: Option<&Pattern> = None;
    for pattern in patterns {
        let (exception, glob) = match pattern.text.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, pattern.text.as_str()),
        };
        if matches_path_or_parent(glob, path) {
            decided = (!exception).then_some(pattern);
        }
    }
    decided
}

fn matches_path_or_parent(glob: &str, path: &str) -> bool {
    let mut prefix = path;
    loop {
        if glob_matches(glob.as_bytes(), prefix.as_bytes()) {
            return true;
        }
        match prefix.rfind('/') {
            Some(slash) => prefix = &prefix[..slash],
            None => return false,
        }
    }
}

/// Go's `filepath.Match` with `**` for any number of directories: `*` and `?` stay within
/// one path element, `[a-z]` and `[^a-z]` are classes, `\\` escapes.
fn glob_matches(glob: &[u8], name: &[u8]) -> bool {
    match glob {
        [] => name.is_empty(),
        [b'*', b'*', rest @ ..] => {
            let rest = rest.strip_prefix(b"/").unwrap_or(rest);
            (0..=name.len()).any(|i| {
                (i == 0 || name[i - 1] == b'/' || rest.is_empty()) && glob_matches(rest, &name[i..])
            })
        }
        [b'*', rest @ ..] => (0..=name.len())
            .take_while(|&i| i == 0 || name[i - 1] != b'/')
            .any(|i| glob_matches(rest, &name[i..])),
        [b'?', rest @ ..] => {
            matches!(name, [c, tail @ ..] if *c != b'/' && glob_matches(rest, tail))
        }
        [b'[', class @ ..] => match (class_matches(class, name.first().copied()), name) {
            (Some((true, after)), [_, tail @ ..]) => glob_matches(after, tail),
            _ => false,
        },
        [b'\\', c, rest @ ..] | [c, rest @ ..] => {
            matches!(name, [n, tail @ ..] if n == c && glob_matches(rest, tail))
        }
    }
}

/// Whether `c` is in the class that starts `class` (after its `[`), and the glob after the
/// class; `None` for a class that never closes, which matches nothing, as in Go.
fn class_matches(class: &[u8], c: Option<u8>) -> Option<(bool, &[u8])> {
    let (negated, mut rest) = match class {
        [b'^' | b'!', rest @ ..] => (true, rest),
        _ => (false, class),
    };
    let c = c.filter(|&c| c != b'/')?;
    let mut found = false;
    let mut first = true;
    loop {
        match rest {
            [] => return None,
            [b']', after @ ..] if !first => return Some((found != negated, after)),
            [low, b'-', high, after @ ..] if *high != b']' => {
                found |= (*low..=*high).contains(&c);
                rest = after;
            }
            [b'\\', one, after @ ..] | [one, after @ ..] => {
                found |= *one == c;
                rest = after;
            }
        }
        first = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_read_like_docker_does() {
        let text = "\u{feff}# comment\n\nnode_modules\n  *.log  \n!keep.log\n! spaced\n/abs/path\n./a/../b//c/\n #not a comment\n";
        assert_eq!(
            parse(text),
            [
                "node_modules",
                "*.log",
                "!keep.log",
                "!spaced",
                "abs/path",
                "b/c",
                "#not a comment"
            ]
        );
    }

    #[test]
    fn leading_slashes_are_dropped() {
        assert_eq!(
            parse("# comment\n\n/target\n!keep.txt\n  *.log  \n!/abs/\n"),
            ["target", "!keep.txt", "*.log", "!abs"]
        );
    }

    #[test]
    fn a_lone_slash_stays() {
        assert_eq!(parse("/\n!\n"), ["/", "!"]);
    }

    fn deciding(text: &str, path: &str) -> Option<u32> {
        excluded_by(&parse_lines(text), path).map(|p| p.line)
    }

    #[test]
    fn the_last_matching_pattern_decides_with_its_line() {
        let file = "# build output\ntarget\n*.log\n!keep.log\ndocs/**/*.md\n";
        assert_eq!(deciding(file, "/target"), Some(2));
        assert_eq!(
            deciding(file, "/target/debug/app"),
            Some(2),
            "a directory above"
        );
        assert_eq!(deciding(file, "/build.log"), Some(3));
        assert_eq!(deciding(file, "/keep.log"), None, "let back in");
        assert_eq!(
            deciding(file, "/sub/build.log"),
            None,
            "* stays in one element"
        );
        assert_eq!(deciding(file, "/docs/a/b/readme.md"), Some(5));
        assert_eq!(
            deciding(file, "/docs/readme.md"),
            Some(5),
            "** can be no directory"
        );
        assert_eq!(deciding(file, "/src/main.rs"), None);
    }

    #[test]
    fn globs_are_gos() {
        for (glob, name) in [
            ("a?c", "abc"),
            ("[a-c]x", "bx"),
            ("[^a-c]x", "dx"),
            ("[!a]x", "bx"),
            ("\\*", "*"),
            ("**", "a/b/c"),
            ("a/**", "a/b/c"),
            ("**/c", "a/b/c"),
            ("*", "abc"),
        ] {
            assert!(
                glob_matches(glob.as_bytes(), name.as_bytes()),
                "{glob} {name}"
            );
        }
        for (glob, name) in [
            ("a?c", "a/c"),
            ("[a-c]x", "dx"),
            ("[abc", "a"),
            ("*", "a/b"),
            ("\\*", "x"),
            ("a", "ab"),
        ] {
            assert!(
                !glob_matches(glob.as_bytes(), name.as_bytes()),
                "{glob} {name}"
            );
        }
    }
}
