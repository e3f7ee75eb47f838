//! The instructions a Buildfile knows, as one enum with their written names: the reader
//! dispatches on it instead of comparing strings.

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
}

/// Every keyword with its name, in the order "did you mean" prefers.
const ALL: &[(Keyword, &str)] = &[
    (Keyword::From, "FROM"),
    (Keyword::Run, "RUN"),
    (Keyword::Copy, "COPY"),
    (Keyword::Add, "ADD"),
    (Keyword::Env, "ENV"),
    (Keyword::Arg, "ARG"),
    (Keyword::Workdir, "WORKDIR"),
    (Keyword::User, "USER"),
    (Keyword::Label, "LABEL"),
    (Keyword::Expose, "EXPOSE"),
    (Keyword::Entrypoint, "ENTRYPOINT"),
    (Keyword::Cmd, "CMD"),
    (Keyword::Shell, "SHELL"),
    (Keyword::Volume, "VOLUME"),
    (Keyword::Stopsignal, "STOPSIGNAL"),
    (Keyword::Healthcheck, "HEALTHCHECK"),
    (Keyword::Maintainer, "MAINTAINER"),
    (Keyword::Onbuild, "ONBUILD"),
];

impl Keyword {
    /// The keyword `written` names, in any case. Compared without a lowercase copy: this
    /// runs once per instruction.
    pub(super) fn parse(written: &str) -> Option<Keyword> {
        ALL.iter()
            .find(|(_, name)| name.eq_ignore_ascii_case(written))
            .map(|&(keyword, _)| keyword)
    }

    /// Every keyword's name, for "did you mean".
    pub(super) fn names() -> impl Iterator<Item = &'static str> {
        ALL.iter().map(|&(_, name)| name)
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
    }
}
