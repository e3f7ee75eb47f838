//! What hover shows for instructions, their flags and `--mount` options, and what
//! completion offers: one short paragraph each, in the words of grammar/README.md.

/// An instruction or block keyword: its synopsis, what it does, and its flags.
pub(crate) struct Instruction {
    pub(crate) keyword: &'static str,
    pub(crate) synopsis: &'static str,
    pub(crate) text: &'static str,
    pub(crate) flags: &'static [Flag],
}

/// A flag of an instruction (`--from`), or an option inside `--mount=`.
pub(crate) struct Flag {
    /// Without the dashes.
    pub(crate) name: &'static str,
    /// True when it is written `--name=value` (`--link` stands alone).
    pub(crate) takes_value: bool,
    pub(crate) text: &'static str,
}

const fn flag(name: &'static str, takes_value: bool, text: &'static str) -> Flag {
    Flag {
        name,
        takes_value,
        text,
    }
}

const COPY_FLAGS: &[Flag] = &[
    flag(
        "from",
        true,
        "Copy from an earlier stage (by name or index) or an image instead of the build context.",
    ),
    flag(
        "chown",
        true,
        "Owner of the copied files: `USER[:GROUP]`, names or numbers.",
    ),
    flag(
        "chmod",
        true,
        "Mode of the copied files: octal (`0755`) or symbolic (`u+x,go=rX`).",
    ),
    flag(
        "link",
        false,
        "Copy into an independent layer that does not depend on the files below it.",
    ),
    flag(
        "if-exists",
        false,
        "Skip sources that match nothing instead of failing (rustbuild's own).",
    ),
];

const ADD_FLAGS: &[Flag] = &[
    flag(
        "chown",
        true,
        "Owner of the added files: `USER[:GROUP]`, names or numbers.",
    ),
    flag(
        "chmod",
        true,
        "Mode of the added files: octal (`0755`) or symbolic (`u+x,go=rX`).",
    ),
    flag(
        "link",
        false,
        "Add into an independent layer that does not depend on the files below it.",
    ),
    flag(
        "if-exists",
        false,
        "Skip sources that match nothing instead of failing (rustbuild's own).",
    ),
];

const RUN_FLAGS: &[Flag] = &[
    flag(
        "mount",
        true,
        "Mount a directory, cache, tmpfs, secret or ssh socket for this command: comma-separated `key=value` options.",
    ),
    flag(
        "network",
        true,
        "`default`, `none` (no network) or `host` (needs the `network.host` entitlement).",
    ),
    flag(
        "security",
        true,
        "`sandbox` (default) or `insecure` (needs the `security.insecure` entitlement).",
    ),
];

const HEALTHCHECK_FLAGS: &[Flag] = &[
    flag(
        "interval",
        true,
        "Time between checks, a Go duration (`30s`).",
    ),
    flag(
        "timeout",
        true,
        "How long one check may take, a Go duration.",
    ),
    flag(
        "start-period",
        true,
        "Grace period after start during which failures do not count.",
    ),
    flag(
        "start-interval",
        true,
        "Time between checks during the start period.",
    ),
    flag(
        "retries",
        true,
        "Consecutive failures before the container is unhealthy.",
    ),
];

const FROM_FLAGS: &[Flag] = &[flag(
    "platform",
    true,
    "The platform of the base image, such as `linux/arm64` or `$BUILDPLATFORM`.",
)];

const COMPOSE_FLAGS: &[Flag] = &[flag(
    "from",
    true,
    "Read the file from a named build context, or from an image's filesystem.",
)];

/// The options of `RUN --mount=`.
pub(crate) const MOUNT_OPTIONS: &[Flag] = &[
    flag(
        "type",
        true,
        "`bind` (default), `cache`, `tmpfs`, `secret` or `ssh`.",
    ),
    flag(
        "target",
        true,
        "Where it is mounted in the container; required for bind, cache and tmpfs (also `dst`, `destination`).",
    ),
    flag(
        "source",
        true,
        "The path inside `from` (bind, cache) or the secret's source (also `src`).",
    ),
    flag(
        "from",
        true,
        "A stage name or an image the bind or cache mount reads from.",
    ),
    flag(
        "id",
        true,
        "The cache id (default: the target), the secret id, or the ssh agent id.",
    ),
    flag(
        "readonly",
        false,
        "Mount read-only (also `ro`); bind mounts are read-only by default.",
    ),
    flag(
        "rw",
        false,
        "Mount read-write (also `readwrite`); the changes of a bind mount are thrown away.",
    ),
    flag(
        "sharing",
        true,
        "Cache sharing between builds: `shared` (default), `private` or `locked`.",
    ),
    flag(
        "mode",
        true,
        "Octal file mode of the cache directory, secret file or ssh socket.",
    ),
    flag(
        "uid",
        true,
        "Owner user id of the cache directory, secret file or ssh socket.",
    ),
    flag(
        "gid",
        true,
        "Owner group id of the cache directory, secret file or ssh socket.",
    ),
    flag(
        "required",
        false,
        "Fail when the client does not provide the secret or ssh socket.",
    ),
    flag(
        "size",
        true,
        "Size limit of a tmpfs mount: bytes, or `64m`, `1g`.",
    ),
    flag(
        "env",
        true,
        "Expose the secret as this environment variable.",
    ),
];

/// The values `type=` of a mount takes.
pub(crate) const MOUNT_TYPES: &[&str] = &["bind", "cache", "tmpfs", "secret", "ssh"];

const fn instruction(
    keyword: &'static str,
    synopsis: &'static str,
    text: &'static str,
    flags: &'static [Flag],
) -> Instruction {
    Instruction {
        keyword,
        synopsis,
        text,
        flags,
    }
}

/// Every instruction and block keyword, in the order completion offers them.
pub(crate) const INSTRUCTIONS: &[Instruction] = &[
    instruction(
        "FROM",
        "FROM [--platform=PLATFORM] IMAGE [AS NAME]",
        "Starts a stage from `scratch`, an image or an earlier stage. The name after `AS` is lowercased; global ARGs may be used in the image.",
        FROM_FLAGS,
    ),
    instruction(
        "RUN",
        "RUN [--mount=…]… [--network=…] [--security=…] COMMAND",
        "Runs a command in the stage: the shell form with the stage's shell, the exec form (a JSON array) directly.",
        RUN_FLAGS,
    ),
    instruction(
        "COPY",
        "COPY [--from=STAGE] [--chown=…] [--chmod=…] [--link] [--if-exists] SRC… DEST",
        "Copies files from the build context, an earlier stage or an image into the stage. Sources may be globs or heredocs.",
        COPY_FLAGS,
    ),
    instruction(
        "ADD",
        "ADD [--chown=…] [--chmod=…] [--link] [--if-exists] SRC… DEST",
        "Like COPY from the build context, and local tar archives are unpacked into DEST.",
        ADD_FLAGS,
    ),
    instruction(
        "ENV",
        "ENV KEY=VALUE…",
        "Sets environment variables for the following steps and the image.",
        &[],
    ),
    instruction(
        "ARG",
        "ARG NAME[=DEFAULT]…",
        "Declares a build argument. Before the first FROM it is global (visible in FROM lines); in a stage it is visible to the steps after it.",
        &[],
    ),
    instruction(
        "WORKDIR",
        "WORKDIR PATH",
        "Sets the working directory of the following steps and the image, creating it when missing.",
        &[],
    ),
    instruction(
        "USER",
        "USER NAME[:GROUP]",
        "Sets the user the following steps and the image run as.",
        &[],
    ),
    instruction(
        "LABEL",
        "LABEL KEY=VALUE…",
        "Adds metadata labels to the image.",
        &[],
    ),
    instruction(
        "EXPOSE",
        "EXPOSE PORT[/PROTO]…",
        "Records the ports the container listens on in the image config.",
        &[],
    ),
    instruction(
        "ENTRYPOINT",
        "ENTRYPOINT [\"EXECUTABLE\", …] | COMMAND",
        "Sets the command the container runs; CMD supplies its default arguments.",
        &[],
    ),
    instruction(
        "CMD",
        "CMD [\"EXECUTABLE\", …] | COMMAND",
        "Sets the default command, or the default arguments of the ENTRYPOINT.",
        &[],
    ),
    instruction(
        "SHELL",
        "SHELL [\"EXECUTABLE\", \"ARG\", …]",
        "Sets the shell that the shell form of later RUN, CMD and ENTRYPOINT uses.",
        &[],
    ),
    instruction(
        "VOLUME",
        "VOLUME PATH…",
        "Marks paths as volumes in the image config.",
        &[],
    ),
    instruction(
        "STOPSIGNAL",
        "STOPSIGNAL SIGNAL",
        "Sets the signal that stops the container.",
        &[],
    ),
    instruction(
        "HEALTHCHECK",
        "HEALTHCHECK [FLAGS] CMD COMMAND | HEALTHCHECK NONE",
        "Sets how the container's health is checked, or disables an inherited check.",
        HEALTHCHECK_FLAGS,
    ),
    instruction(
        "MAINTAINER",
        "MAINTAINER NAME",
        "Sets the image author (deprecated: use a LABEL).",
        &[],
    ),
    instruction(
        "INCLUDE",
        "INCLUDE [--from=NAME] PATH",
        "Splices another file's instructions in where the INCLUDE stands; the path is relative to this file.",
        COMPOSE_FLAGS,
    ),
    instruction(
        "IMPORT",
        "IMPORT [--from=NAME] PATH AS NS [NAME=VALUE]…",
        "Loads another file's stages and functions under the namespace `NS+`, with values for its global ARGs.",
        COMPOSE_FLAGS,
    ),
    instruction(
        "FUNCTION",
        "FUNCTION NAME [PARAM[=DEFAULT]]… … END",
        "Defines steps that CALL splices into a stage; a parameter without a default is required.",
        &[],
    ),
    instruction(
        "CALL",
        "CALL NAME [PARAM=VALUE]…",
        "Splices a FUNCTION's steps in here, with values for its parameters.",
        &[],
    ),
    instruction(
        "IF",
        "IF CONDITION … [ELSE IF CONDITION …] [ELSE …] END",
        "Keeps the instructions of the first branch whose condition holds, decided while converting.",
        &[],
    ),
    instruction(
        "ELSE",
        "ELSE [IF CONDITION]",
        "Starts the next branch of an IF.",
        &[],
    ),
    instruction(
        "FOR",
        "FOR NAME IN WORD… … END",
        "Repeats its body once per value of the words, split on blanks, with NAME bound to each.",
        &[],
    ),
    instruction("END", "END", "Ends a FUNCTION, IF or FOR block.", &[]),
];

/// The instruction or block keyword `word` names, case-insensitively.
pub(crate) fn instruction_named(word: &str) -> Option<&'static Instruction> {
    INSTRUCTIONS
        .iter()
        .find(|i| i.keyword.eq_ignore_ascii_case(word))
}

/// The flag `name` (without dashes) of `instruction`.
pub(crate) fn flag_of(instruction: &'static Instruction, name: &str) -> Option<&'static Flag> {
    instruction.flags.iter().find(|f| f.name == name)
}

/// The `--mount=` option `key`, aliases included.
pub(crate) fn mount_option(key: &str) -> Option<&'static Flag> {
    let key = match key {
        "dst" | "destination" => "target",
        "src" => "source",
        "ro" => "readonly",
        "readwrite" => "rw",
        other => other,
    };
    MOUNT_OPTIONS.iter().find(|o| o.name == key)
}

/// Hover text of an instruction: the synopsis, the paragraph and the flags.
pub(crate) fn instruction_hover(instruction: &Instruction) -> String {
    let mut text = format!("```\n{}\n```\n{}", instruction.synopsis, instruction.text);
    if !instruction.flags.is_empty() {
        text.push_str("\n\nFlags:");
        for flag in instruction.flags {
            text.push_str(&format!("\n- `--{}`: {}", flag.name, flag.text));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_and_flags_are_found_case_insensitively() {
        let copy = instruction_named("copy").unwrap();
        assert_eq!(copy.keyword, "COPY");
        assert!(flag_of(copy, "from").is_some());
        assert!(flag_of(copy, "mount").is_none());
        assert_eq!(mount_option("dst").unwrap().name, "target");
        assert!(instruction_hover(copy).contains("`--link`"));
    }
}
