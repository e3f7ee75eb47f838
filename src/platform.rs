//! Target and build platforms (`linux/amd64`, `linux/arm/v7`, `windows/amd64`).
//!
//! Parsing and normalisation follow containerd's `platforms` package, which is what
//! BuildKit and docker use: `x86_64` is `amd64`, `aarch64` is `arm64`, `arm` defaults to `v7`,
//! `arm64` drops a `v8` variant.

use std::fmt;

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
    /// Windows build number, e.g. `10.0.20348.2227`, when known.
    pub os_version: Option<String>,
}

/// Why a platform string was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlatformError {
    pub input: String,
    pub reason: &'static str,
}

impl fmt::Display for PlatformError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid platform `{}`: {}", self.input, self.reason)
    }
}

impl Platform {
    pub fn new(os: &str, architecture: &str) -> Self {
        Self {
            os: os.into(),
            architecture: architecture.into(),
            variant: None,
            os_version: None,
        }
    }

    pub fn linux_amd64() -> Self {
        Self::new("linux", "amd64")
    }

    pub fn is_windows(&self) -> bool {
        self.os == "windows"
    }

    /// Parses `os/arch[/variant]`, also `os(version)/arch` for Windows, and normalises it.
    pub fn parse(input: &str) -> Result<Self, PlatformError> {
        let err = |reason| PlatformError {
            input: input.to_string(),
            reason,
        };
        let lowered = input.trim().to_ascii_lowercase();
        let mut parts = lowered.split('/');
        let os_part = parts.next().unwrap_or_default();
        let (os, os_version) = match os_part.split_once('(') {
            Some((os, rest)) => {
                let version = rest
                    .strip_suffix(')')
                    .ok_or_else(|| err("unclosed `(` after the OS"))?;
                (os.to_string(), Some(version.to_string()))
            }
            None => (os_part.to_string(), None),
        };
        let arch = parts
            .next()
            .ok_or_else(|| err("expected `os/architecture`"))?;
        let variant = parts.next().map(str::to_string);
        if parts.next().is_some() {
            return Err(err("expected at most `os/architecture/variant`"));
        }
        let is_name = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        };
        if !is_name(&os) || !is_name(arch) || variant.as_deref().is_some_and(|v| !is_name(v)) {
            return Err(err(
                "each part must be a non-empty name like `linux`, `amd64` or `v7`",
            ));
        }
        if !matches!(os.as_str(), "linux" | "windows" | "darwin" | "freebsd") {
            return Err(err("the OS must be `linux` or `windows`"));
        }
        Ok(Self {
            os,
            architecture: arch.to_string(),
            variant,
            os_version,
        }
        .normalize())
    }

    /// containerd's normalisation of architecture names and default variants.
    #[must_use]
    pub fn normalize(mut self) -> Self {
        let (arch, variant) = match (self.architecture.as_str(), self.variant.as_deref()) {
            ("x86_64" | "x86-64" | "amd64", v) => ("amd64", v.filter(|v| *v != "v1")),
            ("i386" | "386", v) => ("386", v),
            ("aarch64" | "arm64", Some("v8" | "8")) | ("aarch64" | "arm64", None) => {
                ("arm64", None)
            }
            ("aarch64" | "arm64", v) => ("arm64", v),
            ("armhf", _) => ("arm", Some("v7")),
            ("armel", _) => ("arm", Some("v6")),
            ("arm", None | Some("7")) => ("arm", Some("v7")),
            ("arm", Some("5")) => ("arm", Some("v5")),
            ("arm", Some("6")) => ("arm", Some("v6")),
            ("arm", Some("8")) => ("arm", Some("v8")),
            (a, v) => (a, v),
        };
        let variant = variant.map(str::to_string);
        self.architecture = arch.to_string();
        self.variant = variant;
        self
    }

    /// `os/arch[/variant]`, the form of `TARGETPLATFORM` and of result keys.
    pub fn id(&self) -> String {
        match &self.variant {
            Some(v) => format!("{}/{}/{}", self.os, self.architecture, v),
            None => format!("{}/{}", self.os, self.architecture),
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_normalises() {
        assert_eq!(Platform::parse("linux/amd64").unwrap().id(), "linux/amd64");
        assert_eq!(Platform::parse("linux/x86_64").unwrap().id(), "linux/amd64");
        assert_eq!(
            Platform::parse("linux/aarch64").unwrap().id(),
            "linux/arm64"
        );
        assert_eq!(
            Platform::parse("linux/arm64/v8").unwrap().id(),
            "linux/arm64"
        );
        assert_eq!(Platform::parse("linux/arm").unwrap().id(), "linux/arm/v7");
        let win = Platform::parse("windows(10.0.20348)/amd64").unwrap();
        assert_eq!(
            (win.id().as_str(), win.os_version.as_deref()),
            ("windows/amd64", Some("10.0.20348"))
        );
    }

    #[test]
    fn rejects_nonsense_with_a_reason() {
        for bad in [
            "",
            "linux",
            "linux/",
            "linux/amd64/v1/x",
            "plan9/amd64",
            "linux/am d64",
        ] {
            assert!(Platform::parse(bad).is_err(), "{bad}");
        }
    }
}
