//! `.dockerignore` files, read the way moby's `ignorefile` package reads them: one pattern a
//! line, `#` comments and blank lines skipped, `!` exceptions kept, paths cleaned and made
//! relative to the context.

/// The patterns of an ignore file, in order, for `local.excludepatterns`.
pub(crate) fn parse(text: &str) -> Vec<String> {
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
                clean(pattern)
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

/// Go's `path.Clean`: no empty or `.` elements, `..` resolved where it can be.
fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
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
    fn clean_follows_go() {
        for (input, expected) in [
            ("a/./b", "a/b"),
            ("../x", "../x"),
            ("/..", "/"),
            ("a/..", "."),
            ("/", "/"),
            ("a/b/../../..", ".."),
        ] {
            assert_eq!(clean(input), expected, "{input}");
        }
    }

    #[test]
    fn a_lone_slash_stays() {
        assert_eq!(parse("/\n!\n"), ["/", "!"]);
    }
}
