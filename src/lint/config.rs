//! Which rules run and what they make of the build: the `# check=` directive's value, in
//! dockerfile.v0's form (`skip=A,B;error=true;experimental=all`), from the file, from the
//! `BUILDKIT_DOCKERFILE_CHECK` build argument (which replaces the file's), and from a
//! `# check=` comment directly above an instruction (which adds to both for that one).

use std::collections::BTreeSet;

use super::Rule;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    pub skip_all: bool,
    pub skip: BTreeSet<String>,
    /// `error=true`: any warning fails the build (and `rustbuild check`).
    pub error: bool,
    pub experimental_all: bool,
    pub experimental: BTreeSet<String>,
}

/// What is wrong with a `check=` value, in dockerfile.v0's words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invalid {
    pub message: String,
    /// The byte range of the bad option within the value.
    pub at: std::ops::Range<usize>,
}

impl Config {
    /// Parses a `check=` value. Unknown rule names are accepted, as dockerfile.v0 does, so a
    /// file written for a newer Docker still builds; [`Config::unknown_rules`] lists them.
    pub fn parse(value: &str) -> Result<Config, Invalid> {
        let mut config = Config::default();
        let mut offset = 0;
        // dockerfile.v0 splits into at most three options; a fourth stays in the third's
        // value and fails there.
        for part in value.splitn(3, ';') {
            let at = offset..offset + part.len();
            offset += part.len() + 1;
            if part.trim().is_empty() && value.trim().is_empty() {
                continue;
            }
            let Some((key, val)) = part.split_once('=') else {
                return Err(Invalid {
                    message: format!("invalid check option {part:?}"),
                    at,
                });
            };
            let val = val.trim();
            match key.trim() {
                "skip" if val == "all" => config.skip_all = true,
                "skip" => config.skip.extend(names(val)),
                "experimental" if val == "all" => config.experimental_all = true,
                "experimental" => config.experimental.extend(names(val)),
                "error" => {
                    config.error = parse_bool(val).ok_or_else(|| Invalid {
                        message: format!("invalid boolean {val:?} for error"),
                        at: at.clone(),
                    })?;
                }
                key => {
                    return Err(Invalid {
                        message: format!("invalid check option {key:?}"),
                        at,
                    });
                }
            }
        }
        Ok(config)
    }

    /// `self` with `other`'s options added (a comment above an instruction).
    #[must_use]
    pub fn merged(&self, other: &Config) -> Config {
        let mut merged = self.clone();
        merged.skip_all |= other.skip_all;
        merged.skip.extend(other.skip.iter().cloned());
        merged.error |= other.error;
        merged.experimental_all |= other.experimental_all;
        merged
            .experimental
            .extend(other.experimental.iter().cloned());
        merged
    }

    /// Whether `rule`'s findings are reported. An experimental rule runs only when named,
    /// and then even under `skip=all`, as in dockerfile.v0.
    pub fn runs(&self, rule: Rule) -> bool {
        if rule.is_experimental() {
            return self.experimental_all || self.experimental.contains(rule.name());
        }
        !self.skip_all && !self.skip.contains(rule.name())
    }

    /// The names in `skip=` and `experimental=` that are no rule of ours.
    pub fn unknown_rules(&self) -> impl Iterator<Item = &str> {
        self.skip
            .iter()
            .chain(&self.experimental)
            .map(String::as_str)
            .filter(|name| Rule::named(name).is_none())
    }
}

fn names(list: &str) -> impl Iterator<Item = String> + '_ {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
}

/// Go's `strconv.ParseBool`, which dockerfile.v0 uses for `error=`.
fn parse_bool(value: &str) -> Option<bool> {
    match value {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_dockers_form() {
        let config = Config::parse("skip=JSONArgsRecommended, StageNameCasing;error=true")
            .unwrap_or_default();
        assert!(config.error);
        assert!(!config.runs(Rule::JSONArgsRecommended));
        assert!(!config.runs(Rule::StageNameCasing));
        assert!(config.runs(Rule::UndefinedVar));
        assert!(!config.runs(Rule::InvalidDefinitionDescription));
    }

    #[test]
    fn experimental_rules_run_when_named_even_with_skip_all() {
        let config =
            Config::parse("skip=all;experimental=InvalidDefinitionDescription").unwrap_or_default();
        assert!(config.runs(Rule::InvalidDefinitionDescription));
        assert!(!config.runs(Rule::UndefinedVar));
    }

    #[test]
    fn rejects_what_docker_rejects() {
        let bad = Config::parse("skip=A;colour=red").err();
        assert_eq!(
            bad,
            Some(Invalid {
                message: "invalid check option \"colour\"".into(),
                at: 7..17
            })
        );
        assert!(Config::parse("error=maybe").is_err());
        assert!(Config::parse("skip").is_err());
        assert_eq!(Config::parse(""), Ok(Config::default()));
    }

    #[test]
    fn merged_adds_and_unknown_names_are_listed() {
        let file = Config::parse("skip=UndefinedVar").unwrap_or_default();
        let comment = Config::parse("skip=Nope,StageNameCasing").unwrap_or_default();
        let merged = file.merged(&comment);
        assert!(!merged.runs(Rule::UndefinedVar) && !merged.runs(Rule::StageNameCasing));
        assert_eq!(merged.unknown_rules().collect::<Vec<_>>(), ["Nope"]);
    }
}
