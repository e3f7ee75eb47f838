//! Slash-separated paths as Go's `path` package handles them. LLB paths, context paths and
//! ignore-file patterns are POSIX on every platform, and BuildKit cleans them with
//! `path.Clean` and `path.Join`; rustbuild must clean them the same way to send the same
//! bytes.

/// Go's `path.Clean`: the shortest equivalent path (no empty or `.` elements, `..`
/// resolved where it can be, `.` for nothing at all).
pub fn clean(path: &str) -> String {
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
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// Go's `path.Base` of a cleaned path: the last element (`.` for an empty path, `/` for
/// the root).
pub fn base(path: &str) -> String {
    let cleaned = clean(path);
    match cleaned.rsplit('/').next() {
        Some("") => "/".to_string(),
        Some(last) => last.to_string(),
        None => cleaned,
    }
}

/// Go's `path.Join`: the non-empty elements joined with `/`, cleaned; empty when every
/// element is.
pub fn join(parts: &[&str]) -> String {
    let joined = parts
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("/");
    if joined.is_empty() {
        String::new()
    } else {
        clean(&joined)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_matches_go() {
        for (input, want) in [
            ("", "."),
            ("/", "/"),
            ("a/b/../c/.", "a/c"),
            ("/../a//b/", "/a/b"),
            ("../x", "../x"),
            ("./", "."),
            ("a/./b", "a/b"),
            ("/..", "/"),
            ("a/..", "."),
            ("a/b/../../..", ".."),
            ("/shared/", "/shared"),
        ] {
            assert_eq!(clean(input), want, "{input}");
        }
    }

    #[test]
    fn join_matches_go() {
        assert_eq!(join(&["/", "app", "x"]), "/app/x");
        assert_eq!(join(&["/", "", "EOT"]), "/EOT");
        assert_eq!(join(&["/src", "./"]), "/src");
        assert_eq!(join(&["", ""]), "");
    }
}
