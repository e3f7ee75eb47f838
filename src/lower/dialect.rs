//! The dockerfile.v0 releases a daemon may embed write some things differently. Where the
//! difference reaches the image ID (history texts) or the cache key (op fields), rustbuild
//! writes what the daemon's own dockerfile.v0 would, so that switching frontends keeps
//! both. The release is told by the LLB caps it was the first to report.

use std::collections::BTreeSet;

/// First reported by BuildKit 0.14.
pub(super) const CAP_SINCE_0_14: &str = "file.copy.alwaysreplaceexistingdestpaths";
/// First reported by BuildKit 0.22.
pub(super) const CAP_SINCE_0_22: &str = "source.git.checksum";
/// First reported by BuildKit 0.24.
pub(super) const CAP_SINCE_0_24: &str = "source.git.skipsubmodules";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Dialect {
    /// 0.14+: an ARG's history shows the value in effect (`ARG V=from-cli`); before, the
    /// declaration with its expanded default (`ARG V`).
    pub(super) arg_history_has_value: bool,
    /// 0.22+: the directory WORKDIR makes gets `SOURCE_DATE_EPOCH` as its time.
    pub(super) workdir_uses_epoch: bool,
    /// 0.24+: EXPOSE's history lists the ports (`[80/tcp]`); before, it shows Go's map
    /// (`map[80/tcp:{}]`).
    pub(super) expose_history_is_list: bool,
}

impl Dialect {
    pub(super) fn from_caps(caps: &BTreeSet<String>) -> Self {
        Self {
            arg_history_has_value: caps.contains(CAP_SINCE_0_14),
            workdir_uses_epoch: caps.contains(CAP_SINCE_0_22),
            expose_history_is_list: caps.contains(CAP_SINCE_0_24),
        }
    }
}
