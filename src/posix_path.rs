//! Slash-separated paths as Go's `path` package handles them. LLB paths, context paths and
//! ignore-file patterns are POSIX on every platform, and BuildKit cleans them with
//! `path.Clean` and `path.Join`; rustbuild must clean them the same way to send the same
//! bytes.

/// Go's `path.Clean`: the shortest equivalent path (no empty or `.` elements, `..`
/// resolved where it can be, `.` for nothing at all).
pub fn clean(path: &str) -> String {
    // Lowering cleans paths it built itself, which are nearly always clean already:
    // checking is one pass without allocating; rebuilding splits and joins.
    if is_clean(path) {
        return path.to_string();
    }
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
    let mut out = String::with_capacity(path.len());
    if rooted {
        out.push('/');
    }
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push('/');
        }
        out.push_str(part);
    }
    if out.is_empty() {
        out.push('.');
    }
    out
}

/// True when [`clean`] would return `path` unchanged: `/` alone, or elements that are
/// neither empty (no `//`, no trailing `/`), `.` nor `..`. (Leading `..` elements of a
/// relative path are clean too, but rare enough that this says no.)
pub fn is_clean(path: &str) -> bool {
    if path == "/" {
        return true;
    }
    let relative = path.strip_prefix('/').unwrap_or(path).as_bytes();
    // One pass over the bytes: the length of the current element, and how many of its
    // bytes are dots (an element of one or two bytes, all dots, is `.` or `..`).
    let bad = |len: usize, dots: usize| len == 0 || (len == dots && len <= 2);
    let (mut len, mut dots) = (0, 0);
    for &byte in relative {
        if byte == b'/' {
            if bad(len, dots) {
                return false;
            }
            (len, dots) = (0, 0);
        } else {
            len += 1;
            dots += usize::from(byte == b'.');
        }
    }
    !bad(len, dots)
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
    let mut joined = String::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
    for part in parts.iter().filter(|p| !p.is_empty()) {
        // Cleaning removes empty elements, so a separator after a `/` changes nothing
        // and only sends `join(&["/", p])` down the slow path.
        if !joined.is_empty() && !joined.ends_with('/') {
            joined.push('/');
        }
        joined.push_str(part);
    }
    if joined.is_empty() || is_clean(&joined) {
        joined
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
            ("a", "a"),
            ("/a/b", "/a/b"),
            (".", "."),
            ("..", ".."),
            ("a/.b/..c", "a/.b/..c"),
            ("//", "/"),
            ("/a/b/", "/a/b"),
            ("a/b/.", "a/b"),
            ("/a/.../b", "/a/.../b"),
            ("/a/b/..", "/a"),
            ("./a", "a"),
            ("a/", "a"),
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
        assert_eq!(join(&["/app", "../x"]), "/x");
        assert_eq!(join(&["a", "", "b"]), "a/b");
        assert_eq!(join(&["/", "/"]), "/");
    }
}
