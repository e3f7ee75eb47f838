//! The path patterns of a file sync, matched as moby/patternmatcher matches them: `*` and
//! `?` within one path element, `[...]` classes, `\` escapes, `**` for any number of
//! elements, and `!` exceptions where the last matching pattern decides. A pattern that
//! matches a directory matches everything under it.

/// One pattern, split into path elements.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Pattern {
    elements: Vec<String>,
    exception: bool,
}

/// An ordered list of patterns.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Patterns(Vec<Pattern>);

impl Patterns {
    pub(crate) fn new(texts: &[String]) -> Self {
        let patterns = texts
            .iter()
            .filter_map(|text| {
                let (exception, body) = match text.trim().strip_prefix('!') {
                    Some(rest) => (true, rest),
                    None => (false, text.trim()),
                };
                let cleaned = crate::posix_path::clean(body.trim_start_matches('/'));
                if cleaned.is_empty() || cleaned == "." {
                    return None;
                }
                Some(Pattern {
                    elements: cleaned.split('/').map(str::to_string).collect(),
                    exception,
                })
            })
            .collect();
        Self(patterns)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `path` or one of its parents matches, the last matching pattern deciding.
    pub(crate) fn matches_or_parent(&self, path: &str) -> bool {
        let elements: Vec<&str> = path.split('/').collect();
        let mut matched = false;
        for pattern in &self.0 {
            let hit = (1..=elements.len()).any(|n| matches(&pattern.elements, &elements[..n]));
            if hit {
                matched = !pattern.exception;
            }
        }
        matched
    }

    /// As an exclude list: whether `path` is left out.
    pub(crate) fn excludes(&self, path: &str) -> bool {
        self.matches_or_parent(path)
    }

    /// Whether some pattern may match a path below the directory `dir`.
    pub(crate) fn may_match_below(&self, dir: &str) -> bool {
        self.0
            .iter()
            .any(|p| !p.exception && prefix_matches(&p.elements, dir))
    }

    /// Whether an exception may bring back something below the excluded directory `dir`.
    pub(crate) fn has_exceptions_below(&self, dir: &str) -> bool {
        self.0
            .iter()
            .any(|p| p.exception && prefix_matches(&p.elements, dir))
    }
}

/// Whether the pattern's first elements could match `dir`'s, leaving some for below it.
fn prefix_matches(pattern: &[String], dir: &str) -> bool {
    let mut rest = pattern;
    for element in dir.split('/') {
        match rest.split_first() {
            None => return true,
            Some((first, _)) if first == "**" => return true,
            Some((first, tail)) if element_matches(first, element) => rest = tail,
            Some(_) => return false,
        }
    }
    true
}

/// Whether the pattern's elements match the path's exactly.
fn matches(pattern: &[String], path: &[&str]) -> bool {
    match pattern.split_first() {
        None => path.is_empty(),
        Some((first, rest)) if first == "**" => {
            (0..=path.len()).any(|skip| matches(rest, &path[skip..]))
        }
        Some((first, rest)) => match path.split_first() {
            Some((element, tail)) => element_matches(first, element) && matches(rest, tail),
            None => false,
        },
    }
}

/// One element against one glob element.
fn element_matches(glob: &str, text: &str) -> bool {
    let glob: Vec<char> = glob.chars().collect();
    let text: Vec<char> = text.chars().collect();
    glob_at(&glob, &text)
}

fn glob_at(glob: &[char], text: &[char]) -> bool {
    match glob.split_first() {
        None => text.is_empty(),
        Some(('*', rest)) => (0..=text.len()).any(|skip| glob_at(rest, &text[skip..])),
        Some(('?', rest)) => !text.is_empty() && glob_at(rest, &text[1..]),
        Some(('[', rest)) => match (class(rest), text.split_first()) {
            (Some((hit, after)), Some((c, tail))) => hit(*c) && glob_at(after, tail),
            _ => false,
        },
        Some(('\\', rest)) if !rest.is_empty() => {
            text.first() == Some(&rest[0]) && glob_at(&rest[1..], &text[1..])
        }
        Some((c, rest)) => text.first() == Some(c) && glob_at(rest, &text[1..]),
    }
}

/// A `[...]` class after its `[`: the test for one character and the glob after the `]`.
#[allow(clippy::type_complexity)]
fn class(glob: &[char]) -> Option<(Box<dyn Fn(char) -> bool>, &[char])> {
    let (negated, mut rest) = match glob.first() {
        Some('^' | '!') => (true, &glob[1..]),
        _ => (false, glob),
    };
    let mut ranges = Vec::new();
    let mut first = true;
    loop {
        match rest {
            [']', tail @ ..] if !first => {
                let ranges = ranges.clone();
                let test =
                    move |c: char| ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != negated;
                return Some((Box::new(test), tail));
            }
            ['\\', c, tail @ ..] | [c, tail @ ..] => {
                let (lo, after) = (*c, tail);
                match after {
                    ['-', hi, tail @ ..] if *hi != ']' => {
                        ranges.push((lo, *hi));
                        rest = tail;
                    }
                    _ => {
                        ranges.push((lo, lo));
                        rest = after;
                    }
                }
            }
            [] => return None,
        }
        first = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patterns(texts: &[&str]) -> Patterns {
        Patterns::new(&texts.iter().map(|t| t.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn globs_match_within_an_element() {
        let p = patterns(&["*.md"]);
        assert!(p.matches_or_parent("README.md"));
        assert!(!p.matches_or_parent("docs/README.md"));
        assert!(patterns(&["docs/*.md"]).matches_or_parent("docs/a.md"));
        assert!(patterns(&["a?c"]).matches_or_parent("abc"));
        assert!(patterns(&["[a-c]x"]).matches_or_parent("bx"));
        assert!(!patterns(&["[^a-c]x"]).matches_or_parent("bx"));
        assert!(patterns(&["\\*"]).matches_or_parent("*"));
        assert!(!patterns(&["\\*"]).matches_or_parent("x"));
    }

    #[test]
    fn double_stars_cross_elements_and_parents_match_children() {
        let p = patterns(&["**/*.log"]);
        assert!(p.matches_or_parent("a.log"));
        assert!(p.matches_or_parent("x/y/a.log"));
        assert!(patterns(&["build"]).matches_or_parent("build/out/x"));
        assert!(patterns(&["/build/"]).matches_or_parent("build"));
    }

    #[test]
    fn the_last_matching_pattern_decides() {
        let p = patterns(&["*.txt", "!keep.txt"]);
        assert!(p.excludes("a.txt"));
        assert!(!p.excludes("keep.txt"));
        let p = patterns(&["dir", "!dir/keep"]);
        assert!(p.excludes("dir"));
        assert!(p.has_exceptions_below("dir"));
        assert!(!p.excludes("dir/keep"));
        assert!(p.excludes("dir/other"));
        assert!(!patterns(&["dir"]).has_exceptions_below("dir"));
    }

    #[test]
    fn includes_reach_below_their_directories() {
        let p = patterns(&["src/lib/*.rs"]);
        assert!(p.may_match_below("src"));
        assert!(p.may_match_below("src/lib"));
        assert!(!p.may_match_below("docs"));
        assert!(patterns(&["**/x"]).may_match_below("anything"));
    }
}
