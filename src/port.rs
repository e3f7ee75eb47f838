//! Container ports as EXPOSE names them: `80`, `80/tcp`, `53/udp`, `8000-8010/sctp`.
//!
//! One parser for both places a port is read: `syntax` checks the words written
//! literally, `lower` the ones that variables expand to, so `EXPOSE 8080:80` and
//! `EXPOSE $P` with `P=8080:80` are refused alike.

/// The ports a spec names, each as the image config keys it (`80/tcp`), a range giving
/// every port in it; or why the spec is not a port.
pub fn parse(spec: &str) -> Result<Vec<String>, &'static str> {
    if spec.contains(':') {
        return Err("EXPOSE takes a container port, not a host:container mapping");
    }
    let (ports, protocol) = match spec.split_once('/') {
        Some((ports, protocol)) => (ports, protocol.to_ascii_lowercase()),
        None => (spec, "tcp".to_string()),
    };
    let shape = "expected PORT[-PORT][/tcp|udp|sctp]";
    if !matches!(protocol.as_str(), "tcp" | "udp" | "sctp") {
        return Err(shape);
    }
    let (low, high) = ports.split_once('-').unwrap_or((ports, ports));
    let (low, high) = (number(low).ok_or(shape)?, number(high).ok_or(shape)?);
    let range = 1..=65535;
    if !range.contains(&low) || !range.contains(&high) {
        return Err("ports are 1 to 65535");
    }
    if low > high {
        return Err("the range ends before it starts");
    }
    Ok((low..=high).map(|p| format!("{p}/{protocol}")).collect())
}

/// Digits only: no sign, no blanks (which `str::parse` would accept or report alike).
fn number(text: &str) -> Option<u32> {
    if text.is_empty() || text.len() > 5 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_ranges_and_protocols() {
        assert_eq!(parse("80"), Ok(vec!["80/tcp".to_string()]));
        assert_eq!(parse("53/UDP"), Ok(vec!["53/udp".to_string()]));
        assert_eq!(
            parse("8000-8002/sctp"),
            Ok(vec![
                "8000/sctp".into(),
                "8001/sctp".into(),
                "8002/sctp".into()
            ])
        );
        assert_eq!(parse("65535").map(|p| p.len()), Ok(1));
    }

    #[test]
    fn what_is_not_a_port_says_why() {
        let mapping = Err("EXPOSE takes a container port, not a host:container mapping");
        assert_eq!(parse("8080:80"), mapping);
        assert_eq!(parse("127.0.0.1:8080:80/tcp"), mapping);
        assert_eq!(parse("0"), Err("ports are 1 to 65535"));
        assert_eq!(parse("65536"), Err("ports are 1 to 65535"));
        assert_eq!(parse("90-80"), Err("the range ends before it starts"));
        for bad in [
            "http",
            "80/tcpx",
            "80/",
            "",
            "-80",
            "80-",
            "1-2-3",
            "80/tcp/udp",
            "+80",
            " 80",
            "123456",
        ] {
            assert_eq!(
                parse(bad),
                Err("expected PORT[-PORT][/tcp|udp|sctp]"),
                "{bad}"
            );
        }
    }
}
