//! Every lint rule's identity: its name (Docker's for Docker's rules, so `# check=skip=NAME`
//! and `--call=check` read the same as with dockerfile.v0), what it means and where its page
//! is.

use crate::diagnostic::Code;

/// Who defined a rule: its page is in Docker's documentation or in ours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Docker,
    Rustbuild,
}

/// Where rustbuild's own rule pages are: `grammar/RULES.md` in the repository.
const REFERENCE: &str = "https://github.com/username/rustbuild/blob/main/grammar/RULES.md";

macro_rules! rules {
    ($($name:ident: $origin:ident, $experimental:literal, $description:literal;)*) => {
        /// A lint rule. The names are public interface (`# check=skip=`): never rename one.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Rule {
            $($name,)*
        }

        impl Rule {
            pub const ALL: &'static [Rule] = &[$(Rule::$name,)*];

            /// The name `# check=skip=` and the lint subrequest use, e.g. `StageNameCasing`.
            pub fn name(self) -> &'static str {
                match self {
                    $(Rule::$name => stringify!($name),)*
                }
            }

            /// The diagnostic code, e.g. `rustbuild::lint::StageNameCasing`.
            pub fn code(self) -> &'static str {
                match self {
                    $(Rule::$name => concat!("rustbuild::lint::", stringify!($name)),)*
                }
            }

            /// One sentence on what the rule asks for.
            pub fn description(self) -> &'static str {
                match self {
                    $(Rule::$name => $description,)*
                }
            }

            pub fn origin(self) -> Origin {
                match self {
                    $(Rule::$name => Origin::$origin,)*
                }
            }

            /// Experimental rules run only when `# check=experimental=` names them (or
            /// `all`), as in dockerfile.v0.
            pub fn is_experimental(self) -> bool {
                match self {
                    $(Rule::$name => $experimental,)*
                }
            }
        }
    };
}

rules! {
    StageNameCasing: Docker, false, "Stage names should be lowercase";
    FromAsCasing: Docker, false, "The 'as' keyword should match the case of the 'from' keyword";
    NoEmptyContinuation: Docker, false,
        "Empty continuation lines will become errors in a future release";
    ConsistentInstructionCasing: Docker, false,
        "All commands within the Dockerfile should use the same casing (either upper or lower)";
    DuplicateStageName: Docker, false, "Stage names should be unique";
    ReservedStageName: Docker, false, "Reserved words should not be used as stage names";
    JSONArgsRecommended: Docker, false,
        "JSON arguments recommended for ENTRYPOINT/CMD to prevent unintended behavior related to OS signals";
    MaintainerDeprecated: Docker, false,
        "The MAINTAINER instruction is deprecated, use a label instead to define an image author";
    UndefinedArgInFrom: Docker, false, "FROM command must use declared ARGs";
    WorkdirRelativePath: Docker, false,
        "Relative workdir without an absolute workdir declared within the build can have unexpected results if the base image changes";
    UndefinedVar: Docker, false, "Variables should be defined before their use";
    MultipleInstructionsDisallowed: Docker, false,
        "Multiple instructions of the same type should not be used in the same stage";
    LegacyKeyValueFormat: Docker, false,
        "Legacy key/value format with whitespace separator should not be used";
    InvalidBaseImagePlatform: Docker, false,
        "Base image platform does not match expected target platform";
    RedundantTargetPlatform: Docker, false,
        "Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is the default behavior";
    SecretsUsedInArgOrEnv: Docker, false,
        "Sensitive data should not be used in the ARG or ENV commands";
    InvalidDefaultArgInFrom: Docker, false,
        "Default value for global ARG results in an empty or invalid base image name";
    FromPlatformFlagConstDisallowed: Docker, false,
        "FROM --platform flag should not use a constant value";
    CopyIgnoredFile: Docker, false,
        "Attempting to Copy file that is excluded by .dockerignore";
    InvalidDefinitionDescription: Docker, true,
        "Comment for build stage or argument should follow the format: `# <arg/stage name> <description>`. If this is not intended to be a description comment, add an empty line or comment between the instruction and the comment.";
    ExposeProtoCasing: Docker, false, "Protocol in EXPOSE instruction should be lowercase";
    ExposeInvalidFormat: Docker, false,
        "IP address and host-port mapping should not be used in EXPOSE instruction. This will become an error in a future release";
    UnusedArg: Rustbuild, false,
        "An ARG that no instruction of its stage (or, global, no FROM or stage) uses";
    UnusedParameter: Rustbuild, false,
        "A FUNCTION parameter that its body never uses";
    ConstantCondition: Rustbuild, false,
        "An IF whose condition reads no variable and no file, so it always takes the same branch";
    UnpinnedBaseImage: Rustbuild, true,
        "A base image named by a moving tag (none or latest) rather than a version or a digest";
}

impl Rule {
    /// The rule's page: Docker's documentation for Docker's rules (dockerfile.v0 links
    /// InvalidBaseImagePlatform nowhere), our reference for ours.
    pub fn url(self) -> Option<String> {
        let kebab = kebab(self.name());
        match self.origin() {
            Origin::Docker if self == Rule::InvalidBaseImagePlatform => None,
            Origin::Docker => Some(format!(
                "https://docs.docker.com/go/dockerfile/rule/{kebab}/"
            )),
            Origin::Rustbuild => Some(format!("{REFERENCE}#{kebab}")),
        }
    }

    /// The error a Buildfile gives where dockerfile.v0 only warns: the rule never fires,
    /// its case does not build.
    pub fn error_instead(self) -> Option<Code> {
        match self {
            Rule::DuplicateStageName => Some(Code::DuplicateStage),
            // `EXPOSE 80:80`: a port is read as PORT[/PROTOCOL] only.
            Rule::ExposeInvalidFormat => Some(Code::InvalidPort),
            _ => None,
        }
    }

    /// The rule named `name` (exactly, as dockerfile.v0 matches them).
    pub fn named(name: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|rule| rule.name() == name)
    }
}

/// `JSONArgsRecommended` -> `json-args-recommended`: Docker's URLs and our anchors.
fn kebab(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        let starts_word = c.is_ascii_uppercase()
            && i > 0
            && (chars[i - 1].is_ascii_lowercase()
                || chars.get(i + 1).is_some_and(char::is_ascii_lowercase));
        if starts_word {
            out.push('-');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_dockers_for_dockers_rules() {
        assert_eq!(
            Rule::JSONArgsRecommended.url().as_deref(),
            Some("https://docs.docker.com/go/dockerfile/rule/json-args-recommended/")
        );
        assert_eq!(
            Rule::FromPlatformFlagConstDisallowed.url().as_deref(),
            Some("https://docs.docker.com/go/dockerfile/rule/from-platform-flag-const-disallowed/")
        );
        assert_eq!(Rule::InvalidBaseImagePlatform.url(), None);
        assert!(
            Rule::UnusedArg
                .url()
                .is_some_and(|u| u.ends_with("#unused-arg"))
        );
    }

    #[test]
    fn twenty_two_rules_are_dockers() {
        let docker = Rule::ALL.iter().filter(|r| r.origin() == Origin::Docker);
        assert_eq!(docker.count(), 22);
        assert_eq!(Rule::named("UndefinedVar"), Some(Rule::UndefinedVar));
        assert_eq!(Rule::named("undefinedvar"), None);
    }
}
