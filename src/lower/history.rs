//! The text of history entries, written the way dockerfile.v0 formats them with Go's
//! `fmt`, and `SOURCE_DATE_EPOCH` as their timestamp.

/// Go's `strconv.Quote` for the strings people put in Buildfiles.
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if u32::from(c) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `%q` of a `[]string`: `["a" "b"]`.
pub(crate) fn quoted_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| go_quote(s)).collect();
    format!("[{}]", quoted.join(" "))
}

/// `%v` of a `[]string`: `[a b]`.
pub(crate) fn plain_list(items: &[String]) -> String {
    format!("[{}]", items.join(" "))
}

/// `%v` of a `map[string]struct{}`: `map[a:{} b:{}]`, keys sorted and once each.
pub(crate) fn go_set(items: &[String]) -> String {
    let keys: std::collections::BTreeSet<&str> = items.iter().map(String::as_str).collect();
    let entries: Vec<String> = keys.iter().map(|k| format!("{k}:{{}}")).collect();
    format!("map[{}]", entries.join(" "))
}

/// Unix seconds as RFC 3339 in UTC (`2024-01-02T03:04:05Z`), how Go writes `created`.
pub(crate) fn rfc3339(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Howard Hinnant's days-to-civil algorithm.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_like_go() {
        assert_eq!(
            quoted_list(&["sh".into(), "-c".into(), "echo \"hi\"\n".into()]),
            r#"["sh" "-c" "echo \"hi\"\n"]"#
        );
        assert_eq!(
            plain_list(&["8080/tcp".into(), "53/udp".into()]),
            "[8080/tcp 53/udp]"
        );
        assert_eq!(
            go_set(&["8080/tcp".into(), "53/udp".into(), "8080/tcp".into()]),
            "map[53/udp:{} 8080/tcp:{}]"
        );
    }

    #[test]
    fn epoch_formats_as_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }
}
