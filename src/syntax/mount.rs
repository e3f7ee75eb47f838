//! `RUN --mount=type=…,key=value,…`: the five mount types and their options.
//!
//! Options are read in any order (Dockerfile reads them left to right, so `required` before
//! `type=secret` is an error there). Values are words (variables kept for lowering) except
//! `type`, `env`, `readonly` and `required`, which must be literal, and `from`, `sharing`,
//! `mode`, `uid`, `gid` and `size`, which `load` decides when they have variables
//! ([`decide_mount_option`]).

use crate::diagnostic::{Code, Diagnostic};
use crate::ir::{
    BindMount, CacheMount, Mount, MountKind, Permissions, SecretMount, Sharing, SshMount,
    TmpfsMount, Word,
};
use crate::source::Spanned;

use super::cx::{Cx, matches};
use super::grammar::Rule;
use super::run::choice;
use super::text::Text;
use crate::suggest::did_you_mean;

const KEYS: &[&str] = &[
    "type",
    "from",
    "source",
    "src",
    "target",
    "dst",
    "destination",
    "readonly",
    "ro",
    "readwrite",
    "rw",
    "id",
    "sharing",
    "required",
    "size",
    "mode",
    "uid",
    "gid",
    "env",
];

/// The five mount types, before their options are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Type {
    Bind,
    Cache,
    Tmpfs,
    Secret,
    Ssh,
}

/// Every option as written, whatever the type; [`Options::into_kind`] keeps the type's own.
#[derive(Default)]
struct Options {
    target: Option<Word>,
    source: Option<Word>,
    from: Option<Spanned<String>>,
    id: Option<Word>,
    sharing: Option<Sharing>,
    readonly: Option<bool>,
    required: bool,
    permissions: Permissions,
    size: Option<u64>,
    env: Option<String>,
    unexpanded: Vec<(String, Spanned<String>)>,
}

/// One `key[=value]` field.
struct Field<'a> {
    key: String,
    key_text: Text<'a>,
    value: Option<Text<'a>>,
    whole: Text<'a>,
}

pub(super) fn mount(cx: &mut Cx, value: &Text<'_>, whole: &Text<'_>) -> Option<Mount> {
    let fields = fields(cx, value)?;
    let kind = match fields.iter().find(|f| f.key == "type") {
        Some(Field { value: Some(v), .. }) => choice(
            cx,
            v,
            "mount type",
            &[
                ("bind", Type::Bind),
                ("cache", Type::Cache),
                ("tmpfs", Type::Tmpfs),
                ("secret", Type::Secret),
                ("ssh", Type::Ssh),
            ],
        )?,
        _ => Type::Bind,
    };
    let mut options = Options::default();
    let errors_before = cx.diagnostics.0.len();
    for field in &fields {
        option(cx, kind, &mut options, field);
    }
    if cx.diagnostics.0.len() != errors_before {
        return None;
    }
    if kind == Type::Secret {
        secret_rules(cx, &options, &fields, whole)?;
    }
    let unexpanded = std::mem::take(&mut options.unexpanded);
    Some(Mount {
        kind: options.into_kind(kind),
        unexpanded,
        span: whole.span(),
    })
}

impl Options {
    /// The options `kind` uses. [`option`] rejected those it cannot have (and
    /// [`secret_rules`] a secret's `from`); the ones Dockerfile accepts and ignores are
    /// dropped here.
    fn into_kind(self, kind: Type) -> MountKind {
        match kind {
            Type::Bind => MountKind::Bind(BindMount {
                target: self.target,
                source: self.source,
                from: self.from,
                readonly: self.readonly.unwrap_or(true),
            }),
            Type::Cache => MountKind::Cache(CacheMount {
                target: self.target,
                source: self.source,
                from: self.from,
                id: self.id,
                sharing: self.sharing,
                readonly: self.readonly.unwrap_or(false),
                permissions: self.permissions,
            }),
            Type::Tmpfs => MountKind::Tmpfs(TmpfsMount {
                target: self.target,
                source: self.source,
                from: self.from,
                readonly: self.readonly.unwrap_or(false),
                size: self.size,
            }),
            Type::Secret => MountKind::Secret(SecretMount {
                target: self.target,
                source: self.source,
                id: self.id,
                required: self.required,
                permissions: self.permissions,
                env: self.env,
            }),
            Type::Ssh => MountKind::Ssh(SshMount {
                target: self.target,
                from: self.from,
                id: self.id,
                required: self.required,
                permissions: self.permissions,
            }),
        }
    }
}

/// Splits at commas outside quotes, and each field at its first `=`.
fn fields<'a>(cx: &mut Cx, value: &Text<'a>) -> Option<Vec<Field<'a>>> {
    let text = value.as_str();
    let mut out = Vec::new();
    let mut quote = None;
    let mut start = 0;
    let mut ends: Vec<usize> = Vec::new();
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, '"' | '\'') => quote = Some(c),
            (None, ',') => ends.push(i),
            _ => {}
        }
    }
    ends.push(text.len());
    for end in ends {
        let whole = value.slice(start..end);
        start = end + 1;
        if whole.is_empty() {
            cx.error(
                Diagnostic::error(Code::InvalidFlagValue, "empty mount option")
                    .with_label(value.span(), "two commas in a row, or a trailing comma")
                    .with_help("remove the extra comma"),
            );
            return None;
        }
        let (key_text, value) = match whole.as_str().find('=') {
            Some(eq) => (whole.slice(0..eq), Some(whole.slice(eq + 1..whole.len()))),
            None => (whole.clone(), None),
        };
        out.push(Field {
            key: key_text.as_str().to_ascii_lowercase(),
            key_text,
            value,
            whole,
        });
    }
    Some(out)
}

fn option(cx: &mut Cx, kind: Type, m: &mut Options, field: &Field<'_>) {
    let only = |cx: &mut Cx, allowed: &[Type], types: &str| {
        if allowed.contains(&kind) {
            return true;
        }
        cx.error(
            Diagnostic::error(
                Code::InvalidFlagValue,
                format!(
                    "`{}` is not an option of {} mounts",
                    field.key,
                    kind_name(kind)
                ),
            )
            .with_label(field.whole.span(), "not allowed here")
            .with_help(format!("`{}` is only for {types} mounts", field.key)),
        );
        false
    };
    match field.key.as_str() {
        "type" => {}
        "readonly" | "ro" => m.readonly = flag_bool(cx, field).or(m.readonly),
        "readwrite" | "rw" => m.readonly = flag_bool(cx, field).map(|rw| !rw).or(m.readonly),
        "required" => {
            if only(cx, &[Type::Secret, Type::Ssh], "secret and ssh") {
                m.required = flag_bool(cx, field).unwrap_or(false);
            }
        }
        key => {
            let Some(value) = &field.value else {
                cx.error(
                    Diagnostic::error(
                        Code::InvalidFlagValue,
                        format!("mount option `{key}` needs a value"),
                    )
                    .with_label(field.whole.span(), "no value")
                    .with_help(format!("write `{key}=VALUE`")),
                );
                return;
            };
            match key {
                "target" | "dst" | "destination" => m.target = cx.word(value),
                "source" | "src" => m.source = cx.word(value),
                "id" => m.id = cx.word(value),
                "from" => m.from = mount_from(cx, value),
                "env" => {
                    if only(cx, &[Type::Secret], "secret") {
                        m.env = cx.literal(value, "a secret's env name");
                    }
                }
                "sharing" | "mode" | "uid" | "gid" | "size" if value.as_str().contains('$') => {
                    let types: (&[Type], &str) = match key {
                        "sharing" => (&[Type::Cache], "cache"),
                        "size" => (&[Type::Tmpfs], "tmpfs"),
                        _ => (
                            &[Type::Cache, Type::Secret, Type::Ssh],
                            "cache, secret and ssh",
                        ),
                    };
                    if only(cx, types.0, types.1) {
                        let written = Spanned::new(value.as_str().to_owned(), value.span());
                        m.unexpanded.push((key.to_owned(), written));
                    }
                }
                "sharing" => {
                    if only(cx, &[Type::Cache], "cache") {
                        m.sharing = choice(
                            cx,
                            value,
                            "sharing",
                            &[
                                ("shared", Sharing::Shared),
                                ("private", Sharing::Private),
                                ("locked", Sharing::Locked),
                            ],
                        );
                    }
                }
                "mode" | "uid" | "gid" => {
                    let file_info = [Type::Cache, Type::Secret, Type::Ssh];
                    if only(cx, &file_info, "cache, secret and ssh") {
                        let number = number(cx, value, key);
                        match key {
                            "mode" => m.permissions.mode = number,
                            "uid" => m.permissions.uid = number,
                            _ => m.permissions.gid = number,
                        }
                    }
                }
                "size" => {
                    if only(cx, &[Type::Tmpfs], "tmpfs") {
                        m.size = size(cx, value);
                    }
                }
                _ => unknown_key(cx, field),
            }
        }
    }
}

/// Sets the option `key` of a mount to `value`, the expansion of what was written at `span`
/// with variables; the error, at `span`, when the value is not one the option takes.
pub fn decide_mount_option(
    kind: &mut MountKind,
    key: &str,
    value: &str,
    span: crate::source::Span,
) -> Result<(), Diagnostic> {
    let mut mapped = super::text::Mapped::default();
    mapped.push(value, span.start as usize);
    let text = mapped.view();
    let mut cx = Cx {
        escape: '\\',
        diagnostics: crate::diagnostic::Diagnostics::new(),
    };
    match (key, kind) {
        ("sharing", MountKind::Cache(cache)) => {
            let choices = [
                ("shared", Sharing::Shared),
                ("private", Sharing::Private),
                ("locked", Sharing::Locked),
            ];
            cache.sharing = choice(&mut cx, &text, "sharing", &choices);
        }
        ("size", MountKind::Tmpfs(tmpfs)) => tmpfs.size = size(&mut cx, &text),
        ("mode" | "uid" | "gid", kind) => {
            let number = number(&mut cx, &text, key);
            if let Some(permissions) = permissions(kind) {
                match key {
                    "mode" => permissions.mode = number,
                    "uid" => permissions.uid = number,
                    _ => permissions.gid = number,
                }
            }
        }
        _ => {}
    }
    match cx.diagnostics.into_iter().next() {
        None => Ok(()),
        Some(mut diagnostic) => {
            // The value's text is the expansion, not the source: point at what was written.
            for label in &mut diagnostic.labels {
                label.span = span;
            }
            Err(diagnostic)
        }
    }
}

fn permissions(kind: &mut MountKind) -> Option<&mut Permissions> {
    match kind {
        MountKind::Cache(cache) => Some(&mut cache.permissions),
        MountKind::Secret(secret) => Some(&mut secret.permissions),
        MountKind::Ssh(ssh) => Some(&mut ssh.permissions),
        MountKind::Bind(_) | MountKind::Tmpfs(_) => None,
    }
}

fn kind_name(kind: Type) -> &'static str {
    match kind {
        Type::Bind => "bind",
        Type::Cache => "cache",
        Type::Tmpfs => "tmpfs",
        Type::Secret => "secret",
        Type::Ssh => "ssh",
    }
}

/// `ro` alone is true; `ro=false` is false; anything else is an error.
fn flag_bool(cx: &mut Cx, field: &Field<'_>) -> Option<bool> {
    let Some(value) = &field.value else {
        return Some(true);
    };
    match value.as_str() {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        other => {
            cx.error(
                Diagnostic::error(
                    Code::InvalidFlagValue,
                    format!("invalid value `{other}` for mount option `{}`", field.key),
                )
                .with_label(value.span(), "expected true or false")
                .with_help(format!(
                    "write `{}` alone, or `{}=false`",
                    field.key, field.key
                )),
            );
            None
        }
    }
}

/// `from=` names a stage or an image and is never expanded.
fn mount_from(cx: &mut Cx, value: &Text<'_>) -> Option<Spanned<String>> {
    let word: Word = cx.word(value)?;
    match word.as_literal() {
        Some(text) if !text.is_empty() => Some(Spanned::new(text, value.span())),
        Some(_) => {
            cx.error(
                Diagnostic::error(Code::InvalidFlagValue, "mount `from` is empty")
                    .with_label(value.span(), "empty")
                    .with_help("name a stage or an image, like `from=build`"),
            );
            None
        }
        // Decided while expanding, with the variables in scope: kept as written until then.
        None => Some(Spanned::new(value.as_str().to_owned(), value.span())),
    }
}

/// `mode` is octal, `uid` and `gid` decimal; all literal.
fn number(cx: &mut Cx, value: &Text<'_>, key: &str) -> Option<u32> {
    let text = cx.literal(value, &format!("mount `{key}`"))?;
    let (radix, expected, example) = if key == "mode" {
        (8, "an octal number", "mode=0755")
    } else {
        (
            10,
            "a number",
            if key == "uid" { "uid=1000" } else { "gid=1000" },
        )
    };
    match u32::from_str_radix(&text, radix) {
        Ok(n) => Some(n),
        Err(_) => {
            cx.error(
                Diagnostic::error(
                    Code::InvalidFlagValue,
                    format!("invalid mount `{key}` `{text}`"),
                )
                .with_label(value.span(), format!("expected {expected}"))
                .with_help(format!("write it as {expected}, like `{example}`")),
            );
            None
        }
    }
}

/// A tmpfs size: bytes, or a number with a binary unit (`64m`, `1GiB`).
fn size(cx: &mut Cx, value: &Text<'_>) -> Option<u64> {
    let text = cx.literal(value, "mount `size`")?;
    let bytes = matches(Rule::byte_size, &text)
        .then(|| parse_size(&text))
        .flatten();
    if bytes.is_none() {
        cx.error(
            Diagnostic::error(
                Code::InvalidFlagValue,
                format!("invalid tmpfs size `{text}`"),
            )
            .with_label(value.span(), "expected a size like 64m or 1g")
            .with_help("write a number of bytes, optionally with k, m, g, t or p (powers of 1024)"),
        );
    }
    bytes
}

fn parse_size(text: &str) -> Option<u64> {
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let number: f64 = text[..split].parse().ok()?;
    let unit = text[split..]
        .trim_start()
        .chars()
        .next()
        .map(|c| c.to_ascii_lowercase());
    let power = match unit {
        Some('k') => 1,
        Some('m') => 2,
        Some('g') => 3,
        Some('t') => 4,
        Some('p') => 5,
        _ => 0,
    };
    let bytes = number * 1024f64.powi(power);
    // Saturating: sizes beyond u64 are not sizes anyone means.
    (bytes.is_finite() && bytes < 1.8e19).then_some(bytes as u64)
}

fn unknown_key(cx: &mut Cx, field: &Field<'_>) {
    let near = did_you_mean(&field.key, KEYS);
    let help = match near {
        Some(near) => format!("did you mean `{near}`?"),
        None => format!("mount options are {}", KEYS.join(", ")),
    };
    let mut diagnostic = Diagnostic::error(
        Code::InvalidFlagValue,
        format!("unknown mount option `{}`", field.key_text.as_str()),
    )
    .with_label(field.key_text.span(), "unknown option")
    .with_help(help);
    if let Some(near) = near {
        diagnostic = diagnostic.with_fix(format!("write `{near}`"), field.key_text.span(), near);
    }
    cx.error(diagnostic);
}

/// Secrets name what they expose and cannot come from a stage or be shared.
fn secret_rules(cx: &mut Cx, m: &Options, fields: &[Field<'_>], whole: &Text<'_>) -> Option<()> {
    let field_span = |key: &str| {
        fields
            .iter()
            .find(|f| f.key == key)
            .map_or(whole.span(), |f| f.whole.span())
    };
    let problem = if m.from.is_some() {
        Some((
            "a secret mount cannot have `from`",
            field_span("from"),
            "remove `from`",
        ))
    } else if m.source.is_none() && m.target.is_none() && m.id.is_none() {
        Some((
            "a secret mount needs an `id` or a `target`",
            whole.span(),
            "add `id=NAME` (the secret's id given to the build)",
        ))
    } else if m.source.is_some() && m.id.is_some() {
        Some((
            "a secret mount takes `source` or `id`, not both",
            field_span("source"),
            "keep `id` and remove `source`",
        ))
    } else {
        None
    };
    match problem {
        Some((message, span, help)) => {
            cx.error(
                Diagnostic::error(Code::InvalidFlagValue, message)
                    .with_label(span, "here")
                    .with_help(help),
            );
            None
        }
        None => Some(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_use_binary_units() {
        assert_eq!(parse_size("100"), Some(100));
        assert_eq!(parse_size("64m"), Some(64 << 20));
        assert_eq!(parse_size("1GiB"), Some(1 << 30));
        assert_eq!(parse_size("1.5k"), Some(1536));
    }
}
