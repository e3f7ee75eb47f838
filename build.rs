//! Compiles the BuildKit protobuf definitions under `proto/` into Rust.
//!
//! `protox` parses the `.proto` files in pure Rust (no `protoc` needed) and
//! `tonic-prost-build` turns the descriptor set into prost messages plus the
//! gRPC client. Output goes to `OUT_DIR`; `src/pb/mod.rs` includes it.

use std::io;

/// Entry files; their imports are resolved against `proto/`.
const PROTOS: &[&str] = &[
    "proto/github.com/moby/buildkit/frontend/gateway/pb/gateway.proto",
    "proto/github.com/moby/buildkit/solver/errdefs/errdefs.proto",
];

fn main() -> io::Result<()> {
    println!("cargo:rerun-if-changed=proto");
    println!("cargo:rerun-if-changed=build.rs");

    let fds = protox::compile(PROTOS, ["proto"]).map_err(io::Error::other)?;

    tonic_prost_build::configure()
        .build_server(false)
        .build_client(true)
        // Maps become BTreeMap so encoded bytes (and digests) are deterministic.
        .btree_map(".")
        .compile_fds(fds)
}
