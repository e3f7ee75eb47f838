//! Stage 4: the gateway frontend. BuildKit starts the frontend image with its options in the
//! environment and serves its LLBBridge API over the process's stdin and stdout; the
//! frontend reads the Buildfile through it, resolves base images, lowers, solves and returns
//! the result with the image config. This is the only module that names `tonic`.
//!
//! | module          | what it does                                                        |
//! |-----------------|---------------------------------------------------------------------|
//! | [`session`]     | one run: connect, build or answer a subrequest, `Return`, exit      |
//! | [`stdio`]       | HTTP/2 over stdin/stdout with non-blocking pipes                    |
//! | [`client`]      | the LLBBridge RPCs, gated by the daemon's capabilities              |
//! | [`options`]     | `BUILDKIT_FRONTEND_OPT_*` and friends, typed                        |
//! | [`files`]       | reading the Buildfile and its ignore file                           |
//! | [`build`]       | resolve, lower, solve per platform, assemble the result             |
//! | [`subrequests`] | `--call=outline/targets/check` answered from the Buildfile          |
//! | [`report`]      | diagnostics as `google.rpc.Status` with source details, and `Warn`  |

mod base_platform;
mod build;
mod client;
mod files;
mod includes;
mod missing;
#[cfg(test)]
mod mock_bridge;
mod options;
mod report;
mod session;
mod stdio;
mod subrequests;

/// Writes one log line to stderr, which BuildKit sends to the daemon's log. Never stdout:
/// that is the gRPC stream, and one stray byte breaks it.
macro_rules! log {
    ($($arg:tt)*) => { eprintln!("rustbuild: {}", format_args!($($arg)*)) };
}
pub(crate) use log;

pub use session::run;
