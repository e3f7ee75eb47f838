//! Build arguments: the automatic platform ARGs, the global ARGs before the first FROM,
//! and `--build-arg` overrides.

use super::Scope;
use super::env::Env;
use super::expand::expand;
use crate::ir::ArgDecl;
use crate::platform::Platform;

/// `os(version)/arch[/variant]`, containerd's `FormatAll`: the form of `TARGETPLATFORM`.
pub(crate) fn format_all(platform: &Platform) -> String {
    let os = match &platform.os_version {
        Some(v) if !v.is_empty() => format!("{}({v})", platform.os),
        _ => platform.os.clone(),
    };
    match &platform.variant {
        Some(variant) => format!("{os}/{}/{variant}", platform.architecture),
        None => format!("{os}/{}", platform.architecture),
    }
}

/// The names of [`automatic`]'s ARGs: FROM lines see them; a stage sees one only after
/// `ARG NAME` declares it there.
pub(crate) const AUTOMATIC: [&str; 11] = [
    "BUILDPLATFORM",
    "BUILDOS",
    "BUILDOSVERSION",
    "BUILDARCH",
    "BUILDVARIANT",
    "TARGETPLATFORM",
    "TARGETOS",
    "TARGETOSVERSION",
    "TARGETARCH",
    "TARGETVARIANT",
    "TARGETSTAGE",
];

/// The ARGs every Buildfile has: BUILDPLATFORM…, TARGETPLATFORM…, TARGETSTAGE. A build
/// argument of the same name replaces the value.
fn automatic(opts: &Scope<'_>, target_stage: &str) -> Env {
    let build = &opts.build_platform;
    let target = &opts.target_platform;
    let none = String::new();
    let pairs = [
        ("BUILDPLATFORM", build.id()),
        ("BUILDOS", build.os.clone()),
        (
            "BUILDOSVERSION",
            build.os_version.clone().unwrap_or_default(),
        ),
        ("BUILDARCH", build.architecture.clone()),
        ("BUILDVARIANT", build.variant.clone().unwrap_or_default()),
        ("TARGETPLATFORM", format_all(target)),
        ("TARGETOS", target.os.clone()),
        (
            "TARGETOSVERSION",
            target.os_version.clone().unwrap_or_default(),
        ),
        ("TARGETARCH", target.architecture.clone()),
        ("TARGETVARIANT", target.variant.clone().unwrap_or(none)),
        ("TARGETSTAGE", target_stage.to_string()),
    ];
    debug_assert!(pairs.iter().map(|(k, _)| *k).eq(AUTOMATIC));
    let mut env = Env::new();
    for (key, value) in pairs {
        let value = opts.build_args.get(key).cloned().unwrap_or(value);
        env.set(key, &value);
    }
    env
}

/// The variables FROM lines see: the automatic ARGs, then each global ARG with its build
/// argument or its default expanded with the ARGs before it. An ARG without either is
/// declared but unset.
pub(crate) fn globals(decls: &[ArgDecl], opts: &Scope<'_>) -> Env {
    let target_stage = opts.target.unwrap_or("default");
    let mut env = automatic(opts, target_stage);
    for decl in decls {
        let name = &decl.name.node;
        let value = match (opts.build_args.get(name), &decl.default) {
            (Some(value), _) => Some(value.clone()),
            (None, Some(default)) => Some(expand(default, &env)),
            (None, None) => None,
        };
        if let Some(value) = value {
            env.set(name, &value);
        }
    }
    env
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::ir::{VarRef, Word, WordPart};
    use crate::source::{Span, Spanned};

    fn decl(name: &str, default: Option<Word>) -> ArgDecl {
        ArgDecl {
            name: Spanned::new(name.to_string(), Span::default()),
            default,
            span: Span::default(),
        }
    }

    #[test]
    fn globals_expand_in_order_and_build_args_win() {
        let uses_a = Word {
            parts: vec![
                WordPart::Var(VarRef {
                    name: "A".into(),
                    modifier: None,
                    span: Span::default(),
                }),
                WordPart::Literal("-x".into()),
            ],
            span: Span::default(),
        };
        let decls = [
            decl("A", Some(Word::literal("a", Span::default()))),
            decl("B", Some(uses_a)),
            decl("C", None),
            decl("D", Some(Word::literal("d", Span::default()))),
        ];
        let build_args = BTreeMap::from([("D".to_string(), "override".to_string())]);
        let opts = Scope {
            build_args: &build_args,
            target_platform: &Platform::parse("linux/arm/v7").unwrap(),
            build_platform: &Platform::linux_amd64(),
            target: None,
        };
        let env = globals(&decls, &opts);
        assert_eq!(env.get("B"), Some("a-x"));
        assert_eq!(env.get("C"), None);
        assert_eq!(env.get("D"), Some("override"));
        assert_eq!(env.get("TARGETPLATFORM"), Some("linux/arm/v7"));
        assert_eq!(env.get("TARGETVARIANT"), Some("v7"));
        assert_eq!(env.get("BUILDPLATFORM"), Some("linux/amd64"));
        assert_eq!(env.get("TARGETSTAGE"), Some("default"));
    }

    #[test]
    fn target_platform_names_the_windows_version() {
        let p = Platform::parse("windows(10.0.20348)/amd64").unwrap();
        assert_eq!(format_all(&p), "windows(10.0.20348)/amd64");
    }
}
