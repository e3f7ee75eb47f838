//! `--secret id=NAME[,src=FILE|,env=VAR]`: what `RUN --mount=type=secret` reads, given to
//! the daemon only when a step asks for it, read then (never kept in the build's state).

use std::collections::BTreeMap;
use std::path::PathBuf;

use tonic::Status;

/// Where one secret's value is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SecretSource {
    File(PathBuf),
    Env(String),
}

/// The secrets of a build, by id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Secrets {
    by_id: BTreeMap<String, SecretSource>,
}

impl Secrets {
    /// Adds one `--secret` value, in buildx's syntax: `id=`, `type=file|env`, `src=` or
    /// `source=`, `env=`. With neither a file nor a variable, the variable named like the
    /// id is read if it is set, else the file named like it.
    pub(crate) fn add(&mut self, spec: &str) -> Result<(), String> {
        let (mut id, mut kind, mut src, mut env) = (None, None, None, None);
        for field in spec.split(',') {
            let (key, value) = field
                .split_once('=')
                .ok_or_else(|| format!("--secret `{spec}`: `{field}` is not KEY=VALUE"))?;
            match key.trim().to_ascii_lowercase().as_str() {
                "id" => id = Some(value.to_string()),
                "type" => kind = Some(value.to_string()),
                "src" | "source" => src = Some(value.to_string()),
                "env" => env = Some(value.to_string()),
                other => {
                    return Err(format!(
                        "--secret `{spec}`: unknown key `{other}` (expected id, type, src or env)"
                    ));
                }
            }
        }
        let source = match (kind.as_deref(), src, env) {
            (_, Some(_), Some(_)) => {
                return Err(format!("--secret `{spec}`: give src or env, not both"));
            }
            (Some("env"), Some(name), None) | (_, None, Some(name)) => SecretSource::Env(name),
            (None | Some("file"), Some(path), None) => SecretSource::File(PathBuf::from(path)),
            (Some("env"), None, None) => SecretSource::Env(id.clone().unwrap_or_default()),
            (Some("file"), None, None) => {
                SecretSource::File(PathBuf::from(id.clone().unwrap_or_default()))
            }
            (None, None, None) => {
                let name = id.clone().unwrap_or_default();
                if std::env::var_os(&name).is_some() {
                    SecretSource::Env(name)
                } else {
                    SecretSource::File(PathBuf::from(name))
                }
            }
            (Some(other), _, _) => {
                return Err(format!(
                    "--secret `{spec}`: unknown type `{other}` (expected file or env)"
                ));
            }
        };
        let id = id
            .filter(|id| !id.is_empty())
            .or_else(|| match &source {
                SecretSource::File(path) => path
                    .file_name()
                    .map(|name| name.to_string_lossy().into_owned()),
                SecretSource::Env(name) => Some(name.clone()),
            })
            .ok_or_else(|| format!("--secret `{spec}` has no id"))?;
        self.by_id.insert(id, source);
        Ok(())
    }

    /// The value of a secret. An unknown id is `NotFound`, which a `required=false` mount
    /// takes as absent.
    pub(crate) fn get(&self, id: &str) -> Result<Vec<u8>, Status> {
        match self.by_id.get(id) {
            None => Err(Status::not_found(format!("secret {id} not found"))),
            Some(SecretSource::File(path)) => std::fs::read(path).map_err(|e| {
                Status::not_found(format!("secret {id}: cannot read {}: {e}", path.display()))
            }),
            Some(SecretSource::Env(name)) => std::env::var_os(name)
                .map(|v| v.into_encoded_bytes())
                .ok_or_else(|| {
                    Status::not_found(format!("secret {id}: the variable {name} is not set"))
                }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(spec: &str) -> Result<Secrets, String> {
        let mut secrets = Secrets::default();
        secrets.add(spec).map(|()| secrets)
    }

    fn one(id: &str, source: SecretSource) -> Secrets {
        Secrets {
            by_id: BTreeMap::from([(id.to_string(), source)]),
        }
    }

    #[test]
    fn secrets_parse_like_buildx() {
        assert_eq!(
            parsed("id=token,src=/run/token"),
            Ok(one("token", SecretSource::File("/run/token".into())))
        );
        assert_eq!(
            parsed("id=token,type=env,source=TOKEN"),
            Ok(one("token", SecretSource::Env("TOKEN".into())))
        );
        assert_eq!(
            parsed("id=token,env=TOKEN"),
            Ok(one("token", SecretSource::Env("TOKEN".into())))
        );
        assert_eq!(
            parsed("src=/run/key.pem"),
            Ok(one("key.pem", SecretSource::File("/run/key.pem".into())))
        );
    }

    #[test]
    fn bad_secrets_say_what_is_wrong() {
        for (spec, needle) in [
            ("id=a,src=x,env=Y", "not both"),
            ("id=a,flavour=x", "unknown key `flavour`"),
            ("id=a,type=vault", "unknown type `vault`"),
            ("ida", "not KEY=VALUE"),
        ] {
            let err = parsed(spec).unwrap_err();
            assert!(err.contains(needle), "{spec}: {err}");
        }
    }

    #[test]
    fn values_are_read_when_asked_for() {
        let path = std::env::temp_dir().join(format!("rustbuild-secret-{}", std::process::id()));
        std::fs::write(&path, b"s3cret").unwrap();
        let secrets = one("a", SecretSource::File(path.clone()));
        assert_eq!(secrets.get("a").unwrap(), b"s3cret");
        std::fs::remove_file(&path).unwrap();
        assert_eq!(secrets.get("a").unwrap_err().code(), tonic::Code::NotFound);
        assert_eq!(secrets.get("b").unwrap_err().code(), tonic::Code::NotFound);
    }
}
