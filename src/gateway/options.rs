//! The frontend's inputs from its environment: the `BUILDKIT_FRONTEND_OPT_<n>` options, the
//! session id and the workers, parsed into typed options once, up front.

use std::collections::BTreeMap;
use std::fmt;

use crate::lower::{NamedContext, NoCache, ResolveMode};
use crate::pb::moby::buildkit::v1::frontend::CacheOptionsEntry;
use crate::platform::Platform;

const OPT_PREFIX: &str = "BUILDKIT_FRONTEND_OPT_";

/// What BuildKit put in the frontend's environment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Environment {
    pub(crate) opts: BTreeMap<String, String>,
    pub(crate) session_id: String,
    /// The first worker's platforms; the first is the default build platform.
    pub(crate) worker_platforms: Vec<Platform>,
}

impl Environment {
    pub(crate) fn from_vars(vars: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut env = Self::default();
        for (name, value) in vars {
            if name.starts_with(OPT_PREFIX) {
                // Split at the first `=`: keys never contain one, values may.
                if let Some((key, value)) = value.split_once('=') {
                    env.opts.insert(key.to_string(), value.to_string());
                }
            } else if name == "BUILDKIT_SESSION_ID" {
                env.session_id = value;
            } else if name == "BUILDKIT_WORKERS" {
                env.worker_platforms = worker_platforms(&value);
            }
        }
        env
    }
}

/// The platforms of the first worker in `BUILDKIT_WORKERS`. BuildKit 0.8 writes the keys
/// capitalised (`Platforms`), later versions lowercase.
fn worker_platforms(json: &str) -> Vec<Platform> {
    let Ok(serde_json::Value::Array(workers)) = serde_json::from_str(json) else {
        return Vec::new();
    };
    let field = |value: &serde_json::Value, key: &str| -> Option<serde_json::Value> {
        let object = value.as_object()?;
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.clone())
    };
    let Some(platforms) = workers.first().and_then(|w| field(w, "platforms")) else {
        return Vec::new();
    };
    let text = |p: &serde_json::Value, key: &str| {
        field(p, key).and_then(|v| v.as_str().map(str::to_string))
    };
    platforms
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| {
            let mut platform = Platform::new(&text(p, "os")?, &text(p, "architecture")?);
            platform.variant = text(p, "variant").filter(|v| !v.is_empty());
            Some(platform.normalize())
        })
        .collect()
}

/// The frontend options BuildKit passed, typed.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct FrontendOptions {
    /// `filename`; `None` when the client sent none (docker 20.10 forwarding `# syntax`).
    pub(crate) filename: Option<String>,
    /// `dockerfilekey`: the local or input holding the build file.
    pub(crate) dockerfile_key: String,
    pub(crate) target: Option<String>,
    /// `platform`; empty means the build platform.
    pub(crate) platforms: Vec<Platform>,
    /// `multi-platform` or `build-arg:BUILDKIT_MULTI_PLATFORM`, when given.
    pub(crate) multi_platform: Option<bool>,
    pub(crate) build_args: BTreeMap<String, String>,
    pub(crate) labels: BTreeMap<String, String>,
    pub(crate) no_cache: NoCache,
    pub(crate) resolve_mode: ResolveMode,
    pub(crate) named_contexts: BTreeMap<String, NamedContext>,
    pub(crate) cache_imports: Vec<CacheOptionsEntry>,
    /// `requestid`: a subrequest (`frontend.outline`, …) instead of a build.
    pub(crate) request_id: Option<String>,
    /// `build-arg:SOURCE_DATE_EPOCH`, checked to be a number of seconds.
    pub(crate) source_date_epoch: Option<i64>,
}

/// An option BuildKit passed that cannot be used, named so the user can fix the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OptionError {
    pub(crate) key: String,
    pub(crate) message: String,
}

impl fmt::Display for OptionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid frontend option `{}`: {}",
            self.key, self.message
        )
    }
}

fn error(key: &str, message: impl Into<String>) -> OptionError {
    OptionError {
        key: key.to_string(),
        message: message.into(),
    }
}

impl FrontendOptions {
    pub(crate) fn parse(opts: &BTreeMap<String, String>) -> Result<Self, OptionError> {
        let get = |key: &str| opts.get(key).map(String::as_str);
        let non_empty = |key: &str| get(key).filter(|v| !v.is_empty()).map(str::to_string);
        let build_args = prefixed(opts, "build-arg:");
        let multi_platform = match get("multi-platform").filter(|v| !v.is_empty()) {
            Some(value) => Some(parse_bool("multi-platform", value)?),
            None => match build_args.get("BUILDKIT_MULTI_PLATFORM") {
                Some(value) => Some(parse_bool("build-arg:BUILDKIT_MULTI_PLATFORM", value)?),
                None => None,
            },
        };
        let platforms = parse_platforms(get("platform").unwrap_or_default())?;
        if multi_platform == Some(false) && platforms.len() > 1 {
            return Err(error(
                "platform",
                "several platforms were asked for but multi-platform is false",
            ));
        }
        let source_date_epoch = crate::lower::source_date_epoch(&build_args)
            .map_err(|why| error("build-arg:SOURCE_DATE_EPOCH", why))?;
        Ok(Self {
            filename: non_empty("filename"),
            dockerfile_key: non_empty("dockerfilekey").unwrap_or_else(|| "dockerfile".into()),
            target: non_empty("target"),
            platforms,
            multi_platform,
            labels: prefixed(opts, "label:"),
            no_cache: parse_no_cache(get("no-cache")),
            resolve_mode: parse_resolve_mode(get("image-resolve-mode").unwrap_or_default())?,
            named_contexts: parse_named_contexts(opts)?,
            cache_imports: parse_cache_imports(get("cache-imports"), get("cache-from"))?,
            request_id: non_empty("requestid"),
            source_date_epoch,
            build_args,
        })
    }

    /// The result has the multi-platform shape (`refs`) when asked for or when there are
    /// several platforms.
    pub(crate) fn is_multi_platform(&self) -> bool {
        self.multi_platform.unwrap_or(self.platforms.len() > 1)
    }
}

fn prefixed(opts: &BTreeMap<String, String>, prefix: &str) -> BTreeMap<String, String> {
    opts.iter()
        .filter_map(|(k, v)| Some((k.strip_prefix(prefix)?.to_string(), v.clone())))
        .collect()
}

/// Go's `strconv.ParseBool`, which is what BuildKit uses for these options.
fn parse_bool(key: &str, value: &str) -> Result<bool, OptionError> {
    match value {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
        _ => Err(error(key, format!("`{value}` is not true or false"))),
    }
}

fn parse_platforms(value: &str) -> Result<Vec<Platform>, OptionError> {
    let mut platforms: Vec<Platform> = Vec::new();
    for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let platform = Platform::parse(part).map_err(|e| error("platform", e.to_string()))?;
        if !platforms.contains(&platform) {
            platforms.push(platform);
        }
    }
    Ok(platforms)
}

fn parse_no_cache(value: Option<&str>) -> NoCache {
    match value {
        None => NoCache::None,
        Some(v) if v.trim().is_empty() => NoCache::All,
        Some(v) => NoCache::Stages(
            v.split(',')
                .map(|s| s.trim().to_ascii_lowercase())
                .filter(|s| !s.is_empty())
                .collect(),
        ),
    }
}

fn parse_resolve_mode(value: &str) -> Result<ResolveMode, OptionError> {
    match value {
        "" | "default" => Ok(ResolveMode::Default),
        "pull" => Ok(ResolveMode::Pull),
        "local" => Ok(ResolveMode::Local),
        other => Err(error(
            "image-resolve-mode",
            format!("`{other}` is not one of default, pull, local"),
        )),
    }
}

fn parse_named_contexts(
    opts: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, NamedContext>, OptionError> {
    let mut contexts = BTreeMap::new();
    for (key, value) in opts {
        let Some(name) = key.strip_prefix("context:") else {
            continue;
        };
        if name.is_empty() || name.contains("::") {
            return Err(error(
                key,
                "expected `context:NAME` (platform-specific contexts are not supported)",
            ));
        }
        let context = if let Some(reference) = value.strip_prefix("docker-image://") {
            NamedContext::Image(reference.to_string())
        } else if let Some(local) = value.strip_prefix("local:") {
            NamedContext::Local(local.to_string())
        } else if let Some(input) = value.strip_prefix("input:") {
            NamedContext::Input(input.to_string())
        } else {
            return Err(error(
                key,
                format!(
                    "`{value}` is not supported; use `docker-image://REF`, a local directory or `input:NAME`"
                ),
            ));
        };
        if matches!(&context, NamedContext::Image(r) | NamedContext::Local(r) | NamedContext::Input(r) if r.is_empty())
        {
            return Err(error(key, "the context names nothing"));
        }
        contexts.insert(name.to_ascii_lowercase(), context);
    }
    Ok(contexts)
}

/// `cache-imports` (JSON) or, when absent, the legacy `cache-from` list of registry refs.
fn parse_cache_imports(
    imports: Option<&str>,
    legacy: Option<&str>,
) -> Result<Vec<CacheOptionsEntry>, OptionError> {
    #[derive(serde::Deserialize)]
    struct Entry {
        #[serde(rename = "Type")]
        kind: String,
        #[serde(rename = "Attrs", default)]
        attrs: BTreeMap<String, String>,
    }
    if let Some(json) = imports.filter(|s| !s.is_empty()) {
        let entries: Vec<Entry> = serde_json::from_str(json)
            .map_err(|e| error("cache-imports", format!("not a JSON list of caches: {e}")))?;
        return Ok(entries
            .into_iter()
            .map(|e| CacheOptionsEntry {
                r#type: e.kind,
                attrs: e.attrs,
            })
            .collect());
    }
    Ok(legacy
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|reference| CacheOptionsEntry {
            r#type: "registry".into(),
            attrs: BTreeMap::from([("ref".to_string(), reference.to_string())]),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn environment_splits_options_at_the_first_equals() {
        let env = Environment::from_vars([
            ("BUILDKIT_FRONTEND_OPT_0".into(), "build-arg:A=x=y".into()),
            ("BUILDKIT_FRONTEND_OPT_1".into(), "no-cache=".into()),
            ("BUILDKIT_SESSION_ID".into(), "sid".into()),
            ("HOME".into(), "/".into()),
        ]);
        assert_eq!(env.opts, opts(&[("build-arg:A", "x=y"), ("no-cache", "")]));
        assert_eq!(env.session_id, "sid");
    }

    #[test]
    fn workers_in_both_spellings() {
        let new = r#"[{"id":"w","platforms":[{"architecture":"amd64","os":"linux"},{"architecture":"arm","os":"linux","variant":"v7"}]}]"#;
        let old = r#"[{"ID":"w","Platforms":[{"Architecture":"arm64","OS":"linux"}]}]"#;
        let ids = |json| {
            worker_platforms(json)
                .iter()
                .map(Platform::id)
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(new), ["linux/amd64", "linux/arm/v7"]);
        assert_eq!(ids(old), ["linux/arm64"]);
        assert!(ids("not json").is_empty());
    }

    #[test]
    fn typed_options() {
        let parsed = FrontendOptions::parse(&opts(&[
            ("filename", "Buildfile"),
            ("target", "build"),
            ("platform", "linux/amd64, linux/arm64,linux/amd64"),
            ("build-arg:FOO", "bar"),
            ("label:org.x", "y"),
            ("no-cache", "Build,test"),
            ("image-resolve-mode", "pull"),
            ("context:Base", "docker-image://local/busybox:latest"),
            ("context:src", "local:src"),
            ("context:lib", "input:lib-target"),
            ("cache-from", "a/b:c"),
            ("requestid", "frontend.outline"),
        ]))
        .unwrap();
        assert_eq!(parsed.filename.as_deref(), Some("Buildfile"));
        assert_eq!(parsed.dockerfile_key, "dockerfile");
        assert_eq!(parsed.platforms.len(), 2, "duplicates dropped");
        assert!(parsed.is_multi_platform());
        assert_eq!(parsed.build_args["FOO"], "bar");
        assert_eq!(parsed.labels["org.x"], "y");
        assert_eq!(
            parsed.no_cache,
            NoCache::Stages(["build".to_string(), "test".to_string()].into())
        );
        assert_eq!(parsed.resolve_mode, ResolveMode::Pull);
        assert_eq!(
            parsed.named_contexts["base"],
            NamedContext::Image("local/busybox:latest".into())
        );
        assert_eq!(
            parsed.named_contexts["src"],
            NamedContext::Local("src".into())
        );
        assert_eq!(
            parsed.named_contexts["lib"],
            NamedContext::Input("lib-target".into())
        );
        assert_eq!(parsed.cache_imports[0].attrs["ref"], "a/b:c");
        assert_eq!(parsed.request_id.as_deref(), Some("frontend.outline"));
    }

    #[test]
    fn defaults_when_nothing_is_passed() {
        let parsed = FrontendOptions::parse(&BTreeMap::new()).unwrap();
        assert_eq!(parsed.filename, None);
        assert!(parsed.platforms.is_empty());
        assert!(!parsed.is_multi_platform());
        assert_eq!(parsed.no_cache, NoCache::None);
        assert_eq!(
            FrontendOptions::parse(&opts(&[("no-cache", "")]))
                .unwrap()
                .no_cache,
            NoCache::All
        );
    }

    #[test]
    fn multi_platform_forced_for_one_platform() {
        let parsed =
            FrontendOptions::parse(&opts(&[("build-arg:BUILDKIT_MULTI_PLATFORM", "1")])).unwrap();
        assert!(parsed.is_multi_platform());
    }

    #[test]
    fn cache_imports_json() {
        let parsed = FrontendOptions::parse(&opts(&[(
            "cache-imports",
            r#"[{"Type":"local","Attrs":{"src":"/c"}}]"#,
        )]))
        .unwrap();
        assert_eq!(parsed.cache_imports[0].r#type, "local");
        assert_eq!(parsed.cache_imports[0].attrs["src"], "/c");
    }

    #[test]
    fn bad_options_name_the_key() {
        for (pairs, key) in [
            (&[("platform", "linux")][..], "platform"),
            (&[("image-resolve-mode", "sometimes")], "image-resolve-mode"),
            (&[("multi-platform", "maybe")], "multi-platform"),
            (
                &[
                    ("multi-platform", "false"),
                    ("platform", "linux/amd64,linux/arm64"),
                ],
                "platform",
            ),
            (&[("context:x", "git://example.com/r")], "context:x"),
            (
                &[("context:x::linux/amd64", "local:x")],
                "context:x::linux/amd64",
            ),
            (&[("context:x", "docker-image://")], "context:x"),
            (&[("cache-imports", "{")], "cache-imports"),
            (
                &[("build-arg:SOURCE_DATE_EPOCH", "yesterday")],
                "build-arg:SOURCE_DATE_EPOCH",
            ),
        ] {
            let err = FrontendOptions::parse(&opts(pairs)).unwrap_err();
            assert_eq!(err.key, key, "{err}");
            assert!(
                err.to_string().starts_with("invalid frontend option"),
                "{err}"
            );
        }
    }

    #[test]
    fn source_date_epoch_is_read() {
        let parsed =
            FrontendOptions::parse(&opts(&[("build-arg:SOURCE_DATE_EPOCH", "1700000000")]))
                .unwrap();
        assert_eq!(parsed.source_date_epoch, Some(1_700_000_000));
    }
}
