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

/// A command line read one argument at a time, `--flag=value` and `--flag value` alike.
pub(crate) struct ArgReader<'a> {
    iter: std::slice::Iter<'a, String>,
}

/// One argument: `flag` is the text before a `=` of a `--flag=value`, else the whole text.
pub(crate) struct Arg<'a> {
    pub(crate) text: &'a str,
    pub(crate) flag: &'a str,
    inline: Option<&'a str>,
}

impl<'a> ArgReader<'a> {
    pub(crate) fn new(args: &'a [String]) -> Self {
        Self { iter: args.iter() }
    }

    pub(crate) fn next(&mut self) -> Option<Arg<'a>> {
        let text = self.iter.next()?.as_str();
        let (flag, inline) = match text.split_once('=') {
            Some((flag, value)) if text.starts_with("--") => (flag, Some(value)),
            _ => (text, None),
        };
        Some(Arg { text, flag, inline })
    }

    /// The value of the flag `arg`: after its `=`, else the next argument.
    pub(crate) fn value(&mut self, arg: &Arg<'_>) -> Result<String, String> {
        match arg.inline {
            Some(inline) => Ok(inline.to_owned()),
            None => self
                .iter
                .next()
                .cloned()
                .ok_or_else(|| format!("{} needs a value", arg.flag)),
        }
    }
}

impl BuildFlags {
    /// Takes `arg` when it is one of these flags, its value from `args`; `Ok(false)` for any
    /// other argument.
    pub(crate) fn take(&mut self, arg: &Arg<'_>, args: &mut ArgReader<'_>) -> Result<bool, String> {
        let mut value = || args.value(arg);
        match arg.flag {
            "--build-arg" => {
                let pair = value()?;
                let (key, val) = pair
                    .split_once('=')
                    .ok_or_else(|| format!("--build-arg `{pair}` is not KEY=VALUE"))?;
                self.build_args.insert(key.to_owned(), val.to_owned());
            }
            "--platform" => {
                self.platform = Platform::parse(&value()?).map_err(|e| e.to_string())?;
            }
            "--target" => self.target = Some(value()?),
            "--build-context" => {
                let pair = value()?;
                match pair.split_once('=') {
                    Some((name, dir)) if !name.is_empty() && !dir.is_empty() => {
                        self.contexts.insert(name.to_owned(), PathBuf::from(dir));
                    }
                    _ => return Err(format!("--build-context `{pair}` is not NAME=DIR")),
                }
            }
            "--context" => self.context = PathBuf::from(value()?),
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
