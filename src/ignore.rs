//! `.dockerignore` files, read the way moby's `ignorefile` package reads them: one pattern a
//! line, `#` comments and blank lines skipped, `!` exceptions kept, paths cleaned and made
//! relative to the context.
//! Shared by the gateway (the ignore file BuildKit sends) and `rustbuild llb` (the one
//! beside the Buildfile).

use crate::posix_path;

/// The patterns of an ignore file, in order, for `local.excludepatterns`.
pub fn parse(text: &str) -> Vec<String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
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
            Some(if invert {
                format!("!{cleaned}")
            } else {
                cleaned
            })
        })
        .collect()
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
}
