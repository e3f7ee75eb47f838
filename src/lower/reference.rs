//! Image references normalised as docker's `reference.ParseNormalizedNamed` and
//! `TagNameOnly` do: `alpine` is `docker.io/library/alpine:latest`.

/// A normalised reference, or why the text is not one.
pub(crate) fn normalize(input: &str) -> Result<String, String> {
    let (name_and_tag, digest) = match input.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (input, None),
    };
    // A tag is after the last `:` that comes after the last `/` (a port is before it).
    let last_slash = name_and_tag.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match name_and_tag[last_slash..].rfind(':') {
        Some(i) => (
            &name_and_tag[..last_slash + i],
            Some(&name_and_tag[last_slash + i + 1..]),
        ),
        None => (name_and_tag, None),
    };
    if name.is_empty() {
        return Err("the image name is empty".into());
    }
    let (domain, path) = match name.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            (first.to_string(), rest.to_string())
        }
        _ => ("docker.io".to_string(), name.to_string()),
    };
    let path = if domain == "docker.io" && !path.contains('/') {
        format!("library/{path}")
    } else {
        path
    };
    for component in path.split('/') {
        if !valid_component(component) {
            return Err(format!(
                "`{component}` is not a valid repository name component (lowercase letters, digits and `._-` separators)"
            ));
        }
    }
    let mut out = format!("{domain}/{path}");
    if let Some(tag) = tag {
        if !valid_tag(tag) {
            return Err(format!("`{tag}` is not a valid tag"));
        }
        out = format!("{out}:{tag}");
    }
    match digest {
        Some(digest) => {
            if !valid_digest(digest) {
                return Err(format!("`{digest}` is not a valid digest"));
            }
            out = format!("{out}@{digest}");
        }
        None if tag.is_none() => out.push_str(":latest"),
        None => {}
    }
    Ok(out)
}

fn valid_component(s: &str) -> bool {
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    !s.is_empty()
        && s.starts_with(alnum)
        && s.ends_with(alnum)
        && s.chars().all(|c| alnum(c) || matches!(c, '.' | '_' | '-'))
}

fn valid_tag(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && !s.starts_with(['.', '-'])
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

fn valid_digest(s: &str) -> bool {
    s.split_once(':').is_some_and(|(alg, hex)| {
        !alg.is_empty()
            && alg
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            && hex.len() >= 32
            && hex.chars().all(|c| c.is_ascii_hexdigit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_like_docker() {
        for (input, want) in [
            ("alpine", "docker.io/library/alpine:latest"),
            ("alpine:3.19", "docker.io/library/alpine:3.19"),
            ("local/busybox:latest", "docker.io/local/busybox:latest"),
            ("localhost/x", "localhost/x:latest"),
            (
                "127.0.0.1:5000/rustbuild/nanoserver:ltsc2022",
                "127.0.0.1:5000/rustbuild/nanoserver:ltsc2022",
            ),
            ("ghcr.io/a/b", "ghcr.io/a/b:latest"),
        ] {
            assert_eq!(normalize(input).unwrap(), want, "{input}");
        }
        let pinned = format!("alpine@sha256:{}", "a".repeat(64));
        assert_eq!(
            normalize(&pinned).unwrap(),
            format!("docker.io/library/alpine@sha256:{}", "a".repeat(64))
        );
    }

    #[test]
    fn rejects_bad_references() {
        for bad in ["", "Alpine", "alpine:", "a@sha256:xyz", "-a"] {
            assert!(normalize(bad).is_err(), "{bad}");
        }
    }
}
