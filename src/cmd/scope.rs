//! The flags that say what is built, shared by `check`, `llb` and `expand`: they decide
//! INCLUDE paths, IF conditions, FOR lists and `--from` values while converting.

use std::collections::BTreeMap;
use std::path::PathBuf;

use rustbuild::platform::Platform;
use rustbuild::vars::Scope;

/// `--build-arg`, `--platform`, `--target`, `--build-context` and `--context`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct BuildFlags {
    pub(crate) build_args: BTreeMap<String, String>,
    pub(crate) platform: Platform,
    pub(crate) target: Option<String>,
    pub(crate) contexts: BTreeMap<String, PathBuf>,
    /// The build context `exists()` looks in: the current directory, as for `docker build .`.
    pub(crate) context: PathBuf,
    /// The platform rustbuild runs on, as far as the build can tell: linux/amd64 offline.
    build_platform: Platform,
}

/// The help lines of the shared flags, for `concat!` into each command's usage.
macro_rules! build_flags_help {
    () => {
        "  --build-arg K=V            a build argument (repeatable)
  --platform P               the target platform (default linux/amd64), e.g. windows/amd64
  --target T                 the stage to build instead of the last one
  --build-context NAME=DIR   where `INCLUDE --from=NAME` reads (repeatable)
  --context DIR              the build context `exists()` looks in (default: the current directory)"
    };
}
pub(crate) use build_flags_help;

impl Default for BuildFlags {
    fn default() -> Self {
        Self {
            build_args: BTreeMap::new(),
            platform: Platform::linux_amd64(),
            target: None,
            contexts: BTreeMap::new(),
            context: PathBuf::from("."),
            build_platform: Platform::linux_amd64(),
        }
    }
}

impl BuildFlags {
    /// Takes `flag` when it is one of these, with its value from `value`; `Ok(false)` for
    /// any other flag.
    pub(crate) fn take(
        &mut self,
        flag: &str,
        mut value: impl FnMut(&str) -> Result<String, String>,
    ) -> Result<bool, String> {
        match flag {
            "--build-arg" => {
                let pair = value(flag)?;
                let (key, val) = pair
                    .split_once('=')
                    .ok_or_else(|| format!("--build-arg `{pair}` is not KEY=VALUE"))?;
                self.build_args.insert(key.to_owned(), val.to_owned());
            }
            "--platform" => {
                self.platform = Platform::parse(&value(flag)?).map_err(|e| e.to_string())?;
            }
            "--target" => self.target = Some(value(flag)?),
            "--build-context" => {
                let pair = value(flag)?;
                match pair.split_once('=') {
                    Some((name, dir)) if !name.is_empty() && !dir.is_empty() => {
                        self.contexts.insert(name.to_owned(), PathBuf::from(dir));
                    }
                    _ => return Err(format!("--build-context `{pair}` is not NAME=DIR")),
                }
            }
            "--context" => self.context = PathBuf::from(value(flag)?),
            _ => return Ok(false),
        }
        Ok(true)
    }

    pub(crate) fn scope(&self) -> Scope<'_> {
        Scope {
            build_args: &self.build_args,
            target_platform: &self.platform,
            build_platform: &self.build_platform,
            target: self.target.as_deref(),
        }
    }
}
