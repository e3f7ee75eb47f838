//! The instructions a Buildfile knows, as one enum with their written names: the reader
//! dispatches on it instead of comparing strings, and each keyword's flags are listed here,
//! in one table.

use crate::diagnostic::Diagnostics;

use super::flags::{self, Flags, Kind, Spec, Unsupported, spec};
use super::instruction::FlagToken;

/// An instruction keyword. Written in any case; shown in capitals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Keyword {
    From,
    Run,
    Copy,
    Add,
    Env,
    Arg,
    Workdir,
    User,
    Label,
    Expose,
    Entrypoint,
    Cmd,
    Shell,
    Volume,
    Stopsignal,
    Healthcheck,
    Maintainer,
    Onbuild,
    Include,
    Import,
    Function,
    Call,
    If,
    Else,
    End,
    For,
}

/// What the reader knows of one keyword: its name and the flags it takes.
struct Entry {
    keyword: Keyword,
    name: &'static str,
    flags: &'static [Spec],
    /// Dockerfile flags of this instruction that rustbuild does not implement yet.
    unsupported: &'static [Unsupported],
}

const fn entry(keyword: Keyword, name: &'static str) -> Entry {
    Entry {
        keyword,
        name,
        flags: &[],
        unsupported: &[],
    }
}

const ADD_REMOTE: &str = "ADD from a URL or git repository is not supported yet; \
                          download it in a RUN step, or use COPY";

/// Every keyword, in the enum's order, which is also the order "did you mean" prefers.
const ALL: &[Entry] = &[
    Entry {
        flags: &[spec("platform", Kind::Value)],
        ..entry(Keyword::From, "FROM")
    },
    Entry {
        flags: &[
            spec("mount", Kind::Repeated),
            spec("network", Kind::Value),
            spec("security", Kind::Value),
        ],
        unsupported: &[Unsupported {
            name: "device",
            help: "CDI devices are a Dockerfile labs feature; build this step with \
                   docker/dockerfile:1-labs for now",
        }],
        ..entry(Keyword::Run, "RUN")
    },
    Entry {
        flags: &[
            spec("from", Kind::Value),
            spec("chown", Kind::Value),
            spec("chmod", Kind::Value),
            spec("link", Kind::Switch),
            spec("if-exists", Kind::Switch),
        ],
        unsupported: &[
            Unsupported {
                name: "parents",
                help: "copy each directory with its own COPY for now",
            },
            Unsupported {
                name: "exclude",
                help: "list the files to copy, or exclude them in the .dockerignore file, for now",
            },
        ],
        ..entry(Keyword::Copy, "COPY")
    },
    Entry {
        flags: &[
            spec("chown", Kind::Value),
            spec("chmod", Kind::Value),
            spec("link", Kind::Switch),
            spec("if-exists", Kind::Switch),
        ],
        unsupported: &[
            Unsupported {
                name: "checksum",
                help: ADD_REMOTE,
            },
            Unsupported {
                name: "keep-git-dir",
                help: ADD_REMOTE,
            },
            Unsupported {
                name: "unpack",
                help: "local archives are always unpacked; use COPY to copy one as it is",
            },
            Unsupported {
                name: "exclude",
                help: "list the files to add, or exclude them in the .dockerignore file, for now",
            },
        ],
        ..entry(Keyword::Add, "ADD")
    },
    entry(Keyword::Env, "ENV"),
    Entry {
        // What `rustbuild expand` prints for a body's bindings and their end.
        flags: &[spec("bind", Kind::Switch), spec("unset", Kind::Switch)],
        ..entry(Keyword::Arg, "ARG")
    },
    entry(Keyword::Workdir, "WORKDIR"),
    entry(Keyword::User, "USER"),
    entry(Keyword::Label, "LABEL"),
    entry(Keyword::Expose, "EXPOSE"),
    entry(Keyword::Entrypoint, "ENTRYPOINT"),
    entry(Keyword::Cmd, "CMD"),
    entry(Keyword::Shell, "SHELL"),
    entry(Keyword::Volume, "VOLUME"),
    entry(Keyword::Stopsignal, "STOPSIGNAL"),
    Entry {
        // The flags of `HEALTHCHECK CMD`; `HEALTHCHECK NONE` takes none.
        flags: &[
            spec("interval", Kind::Value),
            spec("timeout", Kind::Value),
            spec("start-period", Kind::Value),
            spec("start-interval", Kind::Value),
            spec("retries", Kind::Value),
        ],
        ..entry(Keyword::Healthcheck, "HEALTHCHECK")
    },
    entry(Keyword::Maintainer, "MAINTAINER"),
    entry(Keyword::Onbuild, "ONBUILD"),
    Entry {
        flags: &[spec("from", Kind::Value)],
        ..entry(Keyword::Include, "INCLUDE")
    },
    Entry {
        flags: &[spec("from", Kind::Value)],
        ..entry(Keyword::Import, "IMPORT")
    },
    entry(Keyword::Function, "FUNCTION"),
    entry(Keyword::Call, "CALL"),
    entry(Keyword::If, "IF"),
    entry(Keyword::Else, "ELSE"),
    entry(Keyword::End, "END"),
    entry(Keyword::For, "FOR"),
];

impl Keyword {
    /// The keyword `written` names, in any case. Compared without a lowercase copy: this
    /// runs once per instruction.
    pub(super) fn parse(written: &str) -> Option<Keyword> {
        ALL.iter()
            .find(|entry| entry.name.eq_ignore_ascii_case(written))
            .map(|entry| entry.keyword)
    }

    /// Every keyword's name, for "did you mean".
    pub(super) fn names() -> impl Iterator<Item = &'static str> {
        ALL.iter().map(|entry| entry.name)
    }

    /// The keyword as it is shown: in capitals.
    pub(super) fn name(self) -> &'static str {
        self.entry().name
    }

    fn entry(self) -> &'static Entry {
        // The table is in the enum's order (the test below holds it to that).
        &ALL[self as usize]
    }

    /// Checks an instruction's flags against the ones this keyword takes.
    pub(super) fn flags<'a>(
        self,
        tokens: &[FlagToken<'a>],
        diagnostics: &mut Diagnostics,
    ) -> Flags<'a> {
        let entry = self.entry();
        flags::check(
            entry.name,
            tokens,
            entry.flags,
            entry.unsupported,
            diagnostics,
        )
    }

    /// Instructions whose shell-form line may name heredocs (`<<EOT`).
    pub(super) fn takes_heredocs(self) -> bool {
        matches!(self, Keyword::Run | Keyword::Copy | Keyword::Add)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_parse_in_any_case_and_names_are_capitals() {
        assert_eq!(Keyword::parse("run"), Some(Keyword::Run));
        assert_eq!(Keyword::parse("HealthCheck"), Some(Keyword::Healthcheck));
        assert_eq!(Keyword::parse("RUNN"), None);
        for name in Keyword::names() {
            assert_eq!(Keyword::parse(name).map(|_| ()), Some(()), "{name}");
            assert_eq!(name, name.to_ascii_uppercase());
        }
        assert_eq!(Keyword::names().count(), ALL.len());
        for (index, entry) in ALL.iter().enumerate() {
            assert_eq!(
                entry.keyword as usize, index,
                "{} is out of order",
                entry.name
            );
        }
    }
}
