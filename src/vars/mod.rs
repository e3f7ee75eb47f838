//! Build-time variables: the values ARGs take and the expansion of words against them.
//!
//! Shared by the stages that decide things while converting (`load` expands INCLUDE paths)
//! and by `lower`, which expands every word the way dockerfile.v0 does.

mod args;
mod env;
mod expand;

use std::collections::BTreeMap;

use crate::platform::Platform;

pub(crate) use args::{AUTOMATIC, format_all, globals};
pub(crate) use env::{Env, split_key_value};
pub(crate) use expand::{TextMode, expand, expand_text};

/// What a build's variables come from: its arguments, its platforms and its target.
#[derive(Clone, Copy, Debug)]
pub struct Scope<'a> {
    /// `--build-arg`s.
    pub build_args: &'a BTreeMap<String, String>,
    pub target_platform: &'a Platform,
    pub build_platform: &'a Platform,
    /// The stage asked for, for TARGETSTAGE; `None` builds the last.
    pub target: Option<&'a str>,
}

impl<'a> Scope<'a> {
    /// A build on and for `platform`, with no build argument and the last stage as target:
    /// what a file means on its own.
    pub fn alone(platform: &'a Platform) -> Self {
        static NO_ARGS: BTreeMap<String, String> = BTreeMap::new();
        Scope {
            build_args: &NO_ARGS,
            target_platform: platform,
            build_platform: platform,
            target: None,
        }
    }
}
