//! Stage 4: the gateway frontend. BuildKit starts the frontend image with its options in the
//! environment and serves its LLBBridge API over the process's stdin and stdout; the
//! frontend reads the Buildfile through it, resolves base images, lowers, solves and returns
//! the result with the image config. It and [`crate::client`] are the only modules that name
//! `tonic`.
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
/// that is the gRPC stream, and one stray byte breaks it. In `rustbuild build` stderr is
/// the user's terminal, where the progress display speaks instead: see [`set_logging`].
macro_rules! log {
    ($($arg:tt)*) => {
        if $crate::gateway::logging() {
            eprintln!("rustbuild: {}", format_args!($($arg)*))
        }
    };
}
pub(crate) use log;

static LOGGING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

/// Whether [`log!`] writes.
pub(crate) fn logging() -> bool {
    LOGGING.load(std::sync::atomic::Ordering::Relaxed)
}

/// Turns the frontend's log lines on or off for the whole process.
pub(crate) fn set_logging(on: bool) {
    LOGGING.store(on, std::sync::atomic::Ordering::Relaxed);
}

pub(crate) use client::{Bridge, MESSAGE_LIMIT, status_from_tonic};
pub(crate) use options::Environment;
pub(crate) use report::{base64_decode, plain_error};
pub(crate) use session::answer;
pub use session::run;
