//! Compiles the BuildKit protobuf definitions under `proto/` into Rust.
//!
//! `protox` parses the `.proto` files in pure Rust (no `protoc` needed) and
//! `tonic-prost-build` turns the descriptor set into prost messages plus the
//! gRPC client. Output goes to `OUT_DIR`; `src/pb/mod.rs` includes it. It also
//! gives `rustbuild --version` the version and the commit.

use std::io;
use std::process::Command;

/// Entry files; their imports are resolved against `proto/`.
const PROTOS: &[&str] = &[
    "proto/github.com/moby/buildkit/frontend/gateway/pb/gateway.proto",
    "proto/github.com/moby/buildkit/solver/errdefs/errdefs.proto",
    "proto/github.com/moby/buildkit/api/services/control/control.proto",
    "proto/github.com/moby/buildkit/session/filesync/filesync.proto",
    "proto/github.com/moby/buildkit/session/secrets/secrets.proto",
    "proto/github.com/moby/buildkit/session/auth/auth.proto",
];

fn main() -> io::Result<()> {
    println!("cargo:rerun-if-changed=proto");
    println!("cargo:rerun-if-changed=build.rs");
    version();

    let fds = protox::compile(PROTOS, ["proto"]).map_err(io::Error::other)?;

    tonic_prost_build::configure()
        .build_server(false)
        .build_client(true)
        // Maps become BTreeMap so encoded bytes (and digests) are deterministic.
        .btree_map(".")
        .compile_fds(fds)
}

/// `RUSTBUILD_VERSION` and `RUSTBUILD_COMMIT` for the binary: what `scripts/release.sh` sets (its
/// build root has no git), else Cargo.toml's version and the commit git's HEAD names.
fn version() {
    for key in ["RUSTBUILD_VERSION", "RUSTBUILD_COMMIT"] {
        println!("cargo:rerun-if-env-changed={key}");
    }
    let version = std::env::var("RUSTBUILD_VERSION")
        .unwrap_or_else(|_| std::env::var("CARGO_PKG_VERSION").unwrap_or_default());
    let commit = std::env::var("RUSTBUILD_COMMIT")
        .ok()
        .or_else(head_commit)
        .unwrap_or_else(|| "unknown commit".to_string());
    println!("cargo:rustc-env=RUSTBUILD_VERSION={version}");
    println!("cargo:rustc-env=RUSTBUILD_COMMIT={commit}");
}

/// HEAD's commit, abbreviated as the release names it; reruns when HEAD or its branch moves.
fn head_commit() -> Option<String> {
    let git = |args: &[&str]| {
        let out = Command::new("git").args(args).output().ok()?;
        let text = String::from_utf8(out.stdout).ok()?;
        out.status.success().then(|| text.trim().to_string())
    };
    for path in ["HEAD", "packed-refs"] {
        println!(
            "cargo:rerun-if-changed={}",
            git(&["rev-parse", "--git-path", path])?
        );
    }
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        println!(
            "cargo:rerun-if-changed={}",
            git(&["rev-parse", "--git-path", branch.as_str()])?
        );
    }
    git(&["rev-parse", "--short=12", "HEAD"])
}
