//! End-to-end tests against real BuildKit daemons (dockerd 20.10 with BuildKit 0.8 as `bk20`,
//! dockerd 26.1 with BuildKit 0.13 and buildx as `bk26`, the same on the containerd image
//! store as `bk26c` for several platforms at once and LLB provenance), started by
//! `scripts/test.sh`. The corpus is tests/parity (see its README).
//! Nothing is mocked: every test runs `docker` against a daemon, and fails (never skips) when
//! a daemon does not answer.
//!
//! Run: `scripts/test.sh`, or with the daemons up and local/rustbuild:dev loaded,
//! `cargo test --test e2e`; the SKIP, CACHE and LLB lines reach stderr even while libtest
//! captures test output. Manual harness check without a working frontend:
//! `RUSTBUILD_E2E_FRONTEND=dockerfile.v0 cargo test --test e2e` builds both sides of every
//! comparison with dockerfile.v0. `RUSTBUILD_E2E_IMAGE=local/rustbuild:TAG` tests another tag
//! of the frontend image (loaded with `scripts/images.sh frontend NAME BINARY TAG`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod by_hand;
mod cache;
mod client;
mod configs;
mod corpus;
mod daemon;
mod failures;
mod image;
mod includes;
mod language;
mod lint;
mod llb;
mod locations;
mod oci;
mod parity;
mod platforms;
mod release;
mod secrets;
mod subrequests;
mod syntax;
mod tar;
mod workspace;
