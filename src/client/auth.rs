//! Registry credentials for the daemon's pulls and pushes, from the Docker config's `auths`
//! (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`), as `docker login` writes
//! them. Credential helpers (`credsStore`, `credHelpers`) are not run: their registries are
//! pulled anonymously. No config, no credentials: every pull is anonymous.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// Username and secret by registry host.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct DockerAuth {
    by_host: BTreeMap<String, (String, String)>,
}

/// The host Docker Hub's credentials are stored under.
const DOCKER_HUB_KEY: &str = "index.docker.io";

impl DockerAuth {
    /// Reads the config the environment names; a missing or unreadable one is no credentials.
    pub(crate) fn load(env: impl Fn(&str) -> Option<String>) -> Self {
        let dir = env("DOCKER_CONFIG")
            .map(PathBuf::from)
            .or_else(|| env("HOME").map(|home| PathBuf::from(home).join(".docker")));
        dir.and_then(|dir| std::fs::read_to_string(dir.join("config.json")).ok())
            .map(|text| Self::parse(&text))
            .unwrap_or_default()
    }

    fn parse(text: &str) -> Self {
        let Ok(config) = serde_json::from_str::<serde_json::Value>(text) else {
            return Self::default();
        };
        let mut by_host = BTreeMap::new();
        let entries = config.get("auths").and_then(|a| a.as_object());
        for (key, entry) in entries.into_iter().flatten() {
            let text = |name: &str| entry.get(name).and_then(|v| v.as_str()).unwrap_or("");
            let pair = if !text("identitytoken").is_empty() {
                (String::new(), text("identitytoken").to_string())
            } else if !text("username").is_empty() {
                (text("username").to_string(), text("password").to_string())
            } else {
                let Some(decoded) = crate::gateway::base64_decode(text("auth")) else {
                    continue;
                };
                let decoded = String::from_utf8_lossy(&decoded).into_owned();
                let Some((user, secret)) = decoded.split_once(':') else {
                    continue;
                };
                (user.to_string(), secret.to_string())
            };
            by_host.insert(hostname(key), pair);
        }
        Self { by_host }
    }

    /// The credentials for `host`, or empty ones (anonymous).
    pub(crate) fn credentials(&self, host: &str) -> (String, String) {
        let host = match host {
            "registry-1.docker.io" | "docker.io" => DOCKER_HUB_KEY,
            other => other,
        };
        self.by_host.get(host).cloned().unwrap_or_default()
    }
}

/// `https://index.docker.io/v1/` and `index.docker.io` are the same registry.
fn hostname(key: &str) -> String {
    let rest = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    rest.split('/').next().unwrap_or(rest).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auths_are_read_by_host() {
        // "alice:pa:ss" and "bob:x", base64.
        let auth = DockerAuth::parse(
            r#"{"auths": {
                "https://index.docker.io/v1/": {"auth": "YWxpY2U6cGE6c3M="},
                "127.0.0.1:5000": {"auth": "Ym9iOng="},
                "ghcr.io": {"identitytoken": "tok"},
                "broken.example": {"auth": "!!"}
            }, "credsStore": "desktop"}"#,
        );
        let pair = |u: &str, s: &str| (u.to_string(), s.to_string());
        assert_eq!(
            auth.credentials("registry-1.docker.io"),
            pair("alice", "pa:ss")
        );
        assert_eq!(auth.credentials("127.0.0.1:5000"), pair("bob", "x"));
        assert_eq!(auth.credentials("ghcr.io"), pair("", "tok"));
        assert_eq!(auth.credentials("broken.example"), pair("", ""));
        assert_eq!(auth.credentials("quay.io"), pair("", ""));
    }

    #[test]
    fn no_config_is_anonymous() {
        let auth = DockerAuth::load(|_| Some("/nonexistent".to_string()));
        assert_eq!(auth, DockerAuth::default());
        assert_eq!(DockerAuth::parse("not json"), DockerAuth::default());
    }
}
