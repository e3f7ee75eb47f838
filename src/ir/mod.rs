//! The typed IR of a Buildfile: what `syntax::parse` produces and `lower::lower` consumes.
//!
//! Plain data. Every node keeps the [`Span`] of the text it came from; a node that was
//! implied rather than written points at the construct that implied it. Words that
//! Dockerfile expands at build time (`$VAR`, `${VAR:-default}`) are kept as [`Word`]s:
//! quotes and escapes are already resolved, variables are not, because their values
//! depend on build arguments known only when lowering.

mod condition;
mod spans;
mod walk;
mod word;

pub use condition::Condition;
pub use spans::Spans;
pub use walk::Reference;
pub use word::{Modifier, VarRef, Word, WordPart, name_len};

use crate::source::{Span, Spanned};

/// A whole Buildfile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Buildfile {
    pub directives: Directives,
    /// `ARG`s before the first `FROM`: visible in `FROM` lines, and in stages that redeclare them.
    pub global_args: Vec<ArgDecl>,
    /// The stages of every imported file first (each before the stages that import it), then
    /// this file's.
    pub stages: Vec<Stage>,
    /// The files IMPORT loaded: [`Stage::namespace`] indexes this.
    pub imports: Vec<Namespace>,
}

/// A file IMPORT loaded as `NS`: its stages are named `NS+name` and resolve the names they
/// use among each other; they see its global ARGs, with the IMPORT line's values, and not
/// the build's arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Namespace {
    /// `NS+` (nested: `outer+inner+`), what its stages' names start with.
    pub prefix: String,
    pub global_args: Vec<ArgDecl>,
    /// `NAME=value` of the IMPORT line, expanded in the importing file's global ARGs.
    pub values: Vec<KeyValue>,
    /// The namespace that imports this one (`None`: the main file), where `values` expand.
    pub importer: Option<usize>,
}

/// One file as read on its own, before the files it brings in are followed: its
/// instructions in order. `load` splices INCLUDEs and then gathers the result into a
/// [`Buildfile`]'s stages, so an included file's instructions land where the INCLUDE stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Module {
    pub directives: Directives,
    pub items: Vec<Item>,
    /// No instruction at all, not even one with errors.
    pub is_empty: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    /// A FROM line, with the steps written after it in the same file up to the next FROM,
    /// INCLUDE or IMPORT.
    From(Stage),
    /// A step that follows no FROM of its own file (before the first, or after an INCLUDE):
    /// it joins whichever stage is open once the files are spliced. An ARG before the
    /// first FROM is a global ARG.
    Step(Step),
    Include(Include),
    Import(Import),
    Function(Function),
    Call(Call),
    If(If),
    For(For),
}

impl Item {
    /// The instruction that starts the item (a block's first line).
    pub fn span(&self) -> Span {
        match self {
            Item::From(stage) => stage.span,
            Item::Step(step) => step.span,
            Item::Include(include) => include.span,
            Item::Import(import) => import.span,
            Item::Function(function) => function.span,
            Item::Call(call) => call.span,
            Item::If(block) => block.branches.first().map_or(Span::default(), |b| b.span),
            Item::For(block) => block.span,
        }
    }
}

/// `FUNCTION NAME [PARAM[=default]]…` … `END`: steps that CALL splices into a stage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Function {
    /// Lowercased, as stage names are.
    pub name: Spanned<String>,
    /// A parameter without a default is required.
    pub params: Vec<ArgDecl>,
    pub body: Vec<Item>,
    /// The FUNCTION line.
    pub span: Span,
}

/// `CALL NAME [PARAM=value]…` (`NS+NAME` for a function IMPORT brought).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    /// Lowercased.
    pub function: Spanned<String>,
    pub args: Vec<KeyValue>,
    pub span: Span,
}

/// `IF c` … [`ELSE IF c` …]… [`ELSE` …] `END`: the first branch whose condition holds is
/// spliced in, else `otherwise`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct If {
    pub branches: Vec<Branch>,
    pub otherwise: Option<Vec<Item>>,
}

/// `IF c` or `ELSE IF c` and the instructions up to the next ELSE or END.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Branch {
    pub condition: Condition,
    pub body: Vec<Item>,
    /// The IF or ELSE IF line.
    pub span: Span,
}

/// `FOR NAME IN WORD…` … `END`: the body once per value of the words, split on blanks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct For {
    pub name: Spanned<String>,
    pub words: Vec<Word>,
    pub body: Vec<Item>,
    /// The FOR line.
    pub span: Span,
}

/// `IMPORT [--from=NAME] PATH AS NS [NAME=value]…`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Import {
    pub from: Option<Word>,
    pub path: Word,
    /// Lowercased, as stage names are.
    pub namespace: Spanned<String>,
    /// Values for the imported file's global ARGs.
    pub values: Vec<KeyValue>,
    pub span: Span,
}

/// `INCLUDE [--from=NAME] PATH`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Include {
    /// A named build context, or an image whose filesystem holds the file.
    pub from: Option<Word>,
    /// Relative to the including file (to the root of `from` with it).
    pub path: Word,
    pub span: Span,
}

/// Parser directives from the leading comment lines (`# syntax=…`, `# escape=…`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directives {
    pub syntax: Option<Spanned<String>>,
    /// `\` unless `# escape=` says `` ` ``.
    pub escape: char,
    /// `# check=…`, kept for the lint subrequest.
    pub check: Option<Spanned<String>>,
}

impl Default for Directives {
    fn default() -> Self {
        Self {
            syntax: None,
            escape: '\\',
            check: None,
        }
    }
}

/// `FROM [--platform=P] IMAGE [AS NAME]` and the instructions up to the next `FROM`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stage {
    /// `scratch`, an image reference or an earlier stage's name; expanded with global ARGs.
    pub base: Word,
    pub platform: Option<Word>,
    /// The stage name, lowercased as Dockerfile does (`AS Build` names the stage `build`).
    pub name: Option<Spanned<String>>,
    /// The comment lines directly above `FROM`, for `--call=targets`/`outline`.
    pub description: Option<String>,
    pub steps: Vec<Step>,
    /// The file IMPORT brought the stage from: an index into [`Buildfile::imports`]; `None`
    /// for the main file's stages (and those it includes).
    pub namespace: Option<usize>,
    /// The `FROM` instruction as written: see [`Step::text`].
    pub text: String,
    /// The `FROM` instruction.
    pub span: Span,
}

/// One instruction after `FROM`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub kind: StepKind,
    /// The instruction as dockerfile.v0's `Original` holds it, which progress names and
    /// descriptions show: continuation lines joined as the parser joins them (comment and
    /// empty lines left out), trailing blanks trimmed, heredoc bodies left out.
    pub text: String,
    /// The whole instruction, continuation lines and heredoc bodies included.
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepKind {
    Run(Run),
    /// `COPY` and, with `add: true`, `ADD`.
    Copy(Copy),
    Env(Vec<KeyValue>),
    Arg(Vec<ArgDecl>),
    /// The parameters of a CALL or the variable of a FOR iteration, bound for the body: an
    /// ARG whose value (the default, always literal) no build argument overrides. Written
    /// `ARG --bind NAME=value` in a flat Buildfile.
    Bind(Vec<ArgDecl>),
    /// The end of a body: its ARGs and bindings are forgotten, as if never declared.
    /// Written `ARG --unset NAME…` in a flat Buildfile.
    Unset(Vec<Spanned<String>>),
    Workdir(Word),
    User(Word),
    Label(Vec<KeyValue>),
    Expose(Vec<Word>),
    Entrypoint(Command),
    Cmd(Command),
    /// `SHELL ["a", "b"]`: exec form only.
    Shell(Vec<Spanned<String>>),
    Volume(Vec<Word>),
    StopSignal(Word),
    Healthcheck(Healthcheck),
    /// `MAINTAINER name`: sets the image author, as Dockerfile does.
    Maintainer(Word),
}

/// `KEY=VALUE` (or the legacy `KEY VALUE` of ENV/LABEL).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyValue {
    pub key: Word,
    pub value: Word,
    /// Written `KEY value`, without `=`: the legacy form, which check warns about.
    pub legacy: bool,
    pub span: Span,
}

/// `ARG NAME[=default]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArgDecl {
    pub name: Spanned<String>,
    pub default: Option<Word>,
    pub span: Span,
}

/// The argument of RUN, CMD and ENTRYPOINT.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// Shell form: the text as dockerfile.v0 passes it to the shell (continuations joined,
    /// comment lines inside them dropped, no variable expansion, quotes kept).
    Shell(Spanned<String>),
    /// Exec form: a JSON array of strings.
    Exec(Vec<Spanned<String>>),
}

/// `<<EOT` … `EOT`, attached to the RUN or COPY whose line names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Heredoc {
    /// The delimiter word (`EOT`); for COPY, the name of the file written.
    pub name: String,
    /// The body, tabs already stripped for `<<-`, ending in a newline unless empty.
    pub content: String,
    /// False when the delimiter was quoted (`<<"EOT"`): no variable expansion.
    pub expand: bool,
    pub strip_tabs: bool,
    pub span: Span,
}

/// `RUN [--mount=…]… [--network=…] [--security=…] COMMAND`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Run {
    pub mounts: Vec<Mount>,
    pub network: Option<Spanned<Network>>,
    pub security: Option<Spanned<Security>>,
    pub command: Command,
    pub heredocs: Vec<Heredoc>,
    /// The shell form is nothing but one heredoc's marker (`RUN <<EOT`): the body is the
    /// command, as Dockerfile runs it.
    pub bare_heredoc: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Network {
    Default,
    None,
    Host,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Security {
    Sandbox,
    Insecure,
}

/// `--mount=type=…,key=value,…`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mount {
    pub kind: MountKind,
    /// `sharing`, `mode`, `uid`, `gid` and `size` written with variables, as written:
    /// `load` decides them into `kind` (with `syntax::decide_mount_option`), so none is left
    /// when lowering.
    pub unexpanded: Vec<(String, Spanned<String>)>,
    pub span: Span,
}

/// One variant per mount type, each with the options that type uses. `syntax` also
/// accepts, checks and drops the options Dockerfile accepts but ignores: `id` of bind and
/// tmpfs mounts, `source` of ssh sockets, and `readonly` of secrets and ssh sockets.
///
/// `target` (`dst`, `destination`) stays optional even for bind, cache and tmpfs mounts,
/// which need one: `check` reports it missing (missing-mount-target), not `syntax`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MountKind {
    Bind(BindMount),
    Cache(CacheMount),
    Tmpfs(TmpfsMount),
    Secret(SecretMount),
    Ssh(SshMount),
}

/// A path of the build context, a stage or an image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindMount {
    pub target: Option<Word>,
    /// The path mounted; the root without it.
    pub source: Option<Word>,
    /// A stage name or image; the build context without it. Not expanded, as in Dockerfile.
    pub from: Option<Spanned<String>>,
    /// True unless `rw`; even then, the bind's changes are thrown away.
    pub readonly: bool,
}

/// A directory kept between builds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CacheMount {
    pub target: Option<Word>,
    /// The path of `from` the cache starts as.
    pub source: Option<Word>,
    /// A stage name or image the cache starts from; empty without it. Not expanded.
    pub from: Option<Spanned<String>>,
    /// The cache's name; the target path without it.
    pub id: Option<Word>,
    pub sharing: Option<Sharing>,
    /// Only with `ro`.
    pub readonly: bool,
    /// Of the cache directory, made with them when any is set.
    pub permissions: Permissions,
}

/// An empty in-memory filesystem.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TmpfsMount {
    pub target: Option<Word>,
    /// Nothing is mounted from it, but it becomes the mount's selector, as in dockerfile.v0.
    pub source: Option<Word>,
    /// Nothing is mounted from it either, but it is resolved and checked like any stage
    /// reference, as in Dockerfile.
    pub from: Option<Spanned<String>>,
    /// Only with `ro`.
    pub readonly: bool,
    /// In bytes; unlimited without it.
    pub size: Option<u64>,
}

/// A secret the client provides, as a file or an environment variable.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SecretMount {
    /// The file; `/run/secrets/NAME` without it, and no file with `env` alone.
    pub target: Option<Word>,
    pub source: Option<Word>,
    pub id: Option<Word>,
    /// Fail when the client did not provide it.
    pub required: bool,
    pub permissions: Permissions,
    /// Exposed as this environment variable (too, with a `target`).
    pub env: Option<String>,
}

impl SecretMount {
    /// The secret it reads, as dockerfile.v0 names it: `source`, else `id`, else the file
    /// name of `target`. `text` gives a word's value (expanded when lowering, as written
    /// for the outline).
    pub fn name(&self, text: impl Fn(&Word) -> String) -> String {
        let non_empty = |word: &Option<Word>| word.as_ref().map(&text).filter(|t| !t.is_empty());
        non_empty(&self.source)
            .or_else(|| non_empty(&self.id))
            .or_else(|| non_empty(&self.target).map(|t| crate::posix_path::base(&t)))
            .unwrap_or_default()
    }
}

/// An ssh agent socket the client forwards.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SshMount {
    /// The socket; `/run/buildkit/ssh_agent.N` without it.
    pub target: Option<Word>,
    /// Nothing is mounted from it, but it is resolved and checked like any stage
    /// reference, as in Dockerfile.
    pub from: Option<Spanned<String>>,
    /// The agent or key of the client's `--ssh`; `default` without it.
    pub id: Option<Word>,
    /// Fail when the client did not provide it.
    pub required: bool,
    pub permissions: Permissions,
}

/// `mode`, `uid` and `gid` of a cache directory, a secret file or an ssh socket; each
/// type has its own defaults.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Permissions {
    pub mode: Option<u32>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
}

impl Mount {
    /// The stage or image `from=` names; secrets have none.
    pub fn from(&self) -> Option<&Spanned<String>> {
        match &self.kind {
            MountKind::Bind(bind) => bind.from.as_ref(),
            MountKind::Cache(cache) => cache.from.as_ref(),
            MountKind::Tmpfs(tmpfs) => tmpfs.from.as_ref(),
            MountKind::Ssh(ssh) => ssh.from.as_ref(),
            MountKind::Secret(_) => None,
        }
    }

    /// [`Mount::from`], to be decided while expanding.
    pub fn from_mut(&mut self) -> Option<&mut Spanned<String>> {
        match &mut self.kind {
            MountKind::Bind(bind) => bind.from.as_mut(),
            MountKind::Cache(cache) => cache.from.as_mut(),
            MountKind::Tmpfs(tmpfs) => tmpfs.from.as_mut(),
            MountKind::Ssh(ssh) => ssh.from.as_mut(),
            MountKind::Secret(_) => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sharing {
    Shared,
    Private,
    Locked,
}

/// `COPY`/`ADD [--from=…] [--chown=…] [--chmod=…] [--link] [--if-exists] SRC… DEST`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Copy {
    /// `ADD`: local archives are unpacked. (URL and git sources are rejected by `syntax`.)
    pub add: bool,
    pub sources: Vec<Word>,
    pub dest: Word,
    /// A stage name or an image; expanded with global ARGs only.
    pub from: Option<Word>,
    pub chown: Option<Word>,
    pub chmod: Option<Spanned<ChmodFlag>>,
    pub link: bool,
    /// `--if-exists`: sources that match nothing are skipped instead of failing the build.
    pub if_exists: bool,
    /// Heredoc sources (`COPY <<EOT /dest`), in the order named.
    pub heredocs: Vec<Heredoc>,
}

/// `--chmod=…`: the mode, and the value as written, which the history shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChmodFlag {
    pub mode: Chmod,
    pub written: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Chmod {
    /// Octal, at most `0o7777`.
    Octal(u32),
    /// Symbolic, like `u+x,go=rX`.
    Symbolic(String),
    /// Written with variables (`--chmod=${MODE}`): decided while expanding, from
    /// [`ChmodFlag::written`].
    Unexpanded,
}

/// `HEALTHCHECK NONE` or `HEALTHCHECK [--interval=…]… CMD command`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Healthcheck {
    None,
    Check {
        command: Command,
        /// Durations in nanoseconds, as the image config stores them.
        interval: Option<i64>,
        timeout: Option<i64>,
        start_period: Option<i64>,
        start_interval: Option<i64>,
        retries: Option<i64>,
    },
}

/// What a stage reference (`COPY --from`, `--mount from=`, a FROM base) names, seen from
/// the stage that makes it: the one answer check, lower and the gateway all use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StageRef {
    /// An earlier stage, by index: the only kind a reference may name.
    Earlier(usize),
    /// The referring stage itself, or a later one.
    NotYet(usize),
    /// `--from=N` with no stage N.
    NoSuchIndex(usize),
    /// Not a stage: an image or a named context.
    NotAStage,
}

impl Buildfile {
    /// What `name` names from stage `current`. With `numeric` (COPY and mounts, not FROM),
    /// a number is a stage index, as in Dockerfile. Both count within the stage's own file:
    /// an imported stage's `builder` is its namespace's `NS+builder`, and `--from=0` is the
    /// first stage of its file.
    pub fn stage_ref(&self, current: usize, name: &str, numeric: bool) -> StageRef {
        let namespace = self.stages.get(current).and_then(|s| s.namespace);
        let index = if numeric && !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit()) {
            let nth = name.parse::<usize>().ok().and_then(|n| {
                let own = self.stages.iter().enumerate();
                own.filter(|(_, s)| s.namespace == namespace).nth(n)
            });
            match nth {
                Some((index, _)) => index,
                None => return StageRef::NoSuchIndex(name.parse().unwrap_or(usize::MAX)),
            }
        } else {
            let found = match namespace.and_then(|n| self.imports.get(n)) {
                Some(ns) => self.stage_index(&format!("{}{name}", ns.prefix)),
                None => self.stage_index(name),
            };
            match found {
                Some(index) => index,
                None => return StageRef::NotAStage,
            }
        };
        if index < current {
            StageRef::Earlier(index)
        } else {
            StageRef::NotYet(index)
        }
    }

    /// The stage a name refers to (names are compared lowercased, as Dockerfile does).
    pub fn stage_index(&self, name: &str) -> Option<usize> {
        let name = name.to_ascii_lowercase();
        self.stages
            .iter()
            .position(|s| s.name.as_ref().is_some_and(|n| n.node == name))
    }
}
