//! BuildKit's protobuf types, generated at build time from `proto/`.
//!
//! `build.rs` compiles the `.proto` files with `protox` (no `protoc` needed) and
//! `tonic-prost-build`; the output lands in `OUT_DIR` and is included here, one
//! module per protobuf package, nested the way the package names are dotted so
//! the `super::` paths in generated code resolve:
//!
//! | package                          | module                                  |
//! |----------------------------------|-----------------------------------------|
//! | `pb` (LLB ops)                   | [`pb`]                                  |
//! | `moby.buildkit.v1.frontend`      | [`moby::buildkit::v1::frontend`] (LLBBridge client) |
//! | `moby.buildkit.v1.apicaps`       | [`moby::buildkit::v1::apicaps`]         |
//! | `moby.buildkit.v1.types`         | [`moby::buildkit::v1::types`]           |
//! | `moby.buildkit.v1.sourcepolicy`  | [`moby::buildkit::v1::sourcepolicy`]    |
//! | `fsutil.types`                   | [`fsutil::types`]                       |
//! | `google.rpc`                     | [`google::rpc`]                         |
//! | `errdefs`                        | [`errdefs`]                             |
//!
//! All protobuf maps are `BTreeMap`s, so encoding is deterministic. Only the gRPC
//! client is generated. Note that `moby::buildkit::v1::frontend::Result` is the
//! protobuf `Result` message; refer to it by path rather than glob-importing it.
//!
//! Nothing generated is edited by hand: to change a type, edit `proto/`.

use prost::Message;

/// Includes one generated package as a module. Generated code is not ours to lint.
macro_rules! generated {
    ($name:ident, $file:literal, $doc:literal) => {
        #[doc = $doc]
        #[allow(
            clippy::all,
            clippy::pedantic,
            clippy::nursery,
            missing_docs,
            unreachable_pub,
            rustdoc::all
        )]
        pub mod $name {
            include!(concat!(env!("OUT_DIR"), "/", $file));
        }
    };
}

generated!(
    pb,
    "pb.rs",
    "LLB: ops, definitions, source maps (protobuf package `pb`)."
);

generated!(
    errdefs,
    "errdefs.rs",
    "Typed error details attached to `google.rpc.Status` (protobuf package `errdefs`)."
);

/// Packages under `moby.buildkit.v1`.
pub mod moby {
    /// Packages under `moby.buildkit`.
    pub mod buildkit {
        /// Packages under `moby.buildkit.v1`.
        pub mod v1 {
            #![allow(
                clippy::all,
                clippy::pedantic,
                clippy::nursery,
                missing_docs,
                unreachable_pub,
                rustdoc::all
            )]
            //! The Control API (package `moby.buildkit.v1`) and the packages under it.
            include!(concat!(env!("OUT_DIR"), "/moby.buildkit.v1.rs"));

            generated!(
                frontend,
                "moby.buildkit.v1.frontend.rs",
                "The LLBBridge gateway service and its messages."
            );

            generated!(
                apicaps,
                "moby.buildkit.v1.apicaps.rs",
                "Capability records reported by Ping."
            );

            generated!(
                types,
                "moby.buildkit.v1.types.rs",
                "Worker records reported by Ping."
            );

            generated!(
                sourcepolicy,
                "moby.buildkit.v1.sourcepolicy.rs",
                "Source policies."
            );
        }

        /// Packages under `moby.buildkit.secrets`.
        pub mod secrets {
            generated!(
                v1,
                "moby.buildkit.secrets.v1.rs",
                "The session's secrets service."
            );
        }
    }

    /// Packages under `moby.filesync`.
    pub mod filesync {
        generated!(
            v1,
            "moby.filesync.v1.rs",
            "The session's FileSync, FileSend and Auth services."
        );
    }
}

/// Packages under `fsutil`.
pub mod fsutil {
    generated!(
        types,
        "fsutil.types.rs",
        "File metadata (ReadDir, StatFile) and the file sync protocol's packets."
    );
}

/// Packages under `google`.
pub mod google {
    generated!(
        rpc,
        "google.rpc.rs",
        "The gRPC error model (`google.rpc.Status`)."
    );
}

/// Encodes an [`pb::Op`] the way BuildKit's Go code does.
///
/// protobuf-go writes the regular fields first, in tag order (inputs = 1,
/// platform = 10, constraints = 11), and the `op` oneof (tags 2 to 7) after
/// them; prost writes everything in tag order, which puts the oneof between
/// inputs and platform. Both decode to the same message, but an op's digest is
/// sha256 over its bytes, and since v0.18 the daemon re-encodes each op the Go
/// way and re-digests it. Using these bytes for both the digest and
/// `Definition.def` keeps our digests equal to the daemon's, so source-map keys
/// (`Definition.source.locations`) still match and errors keep their Buildfile
/// location (PROTOCOL.md section 0, "pb.Op byte order").
///
/// The result decodes with [`prost::Message::decode`] to an equal `Op`.
pub fn encode_op_go_order(op: &pb::Op) -> Vec<u8> {
    let mut buf = Vec::with_capacity(op.encoded_len());
    encode_op_go_order_into(op, &mut buf);
    buf
}

/// [`encode_op_go_order`] appending to `buf`, so one buffer can serve every op.
pub fn encode_op_go_order_into(op: &pb::Op, buf: &mut Vec<u8>) {
    use prost::encoding::message;
    // Destructured so that a field added to `Op` in the proto is a compile
    // error here rather than silently dropped.
    let pb::Op {
        inputs,
        op: member,
        platform,
        constraints,
    } = op;
    // What prost's derived `encode_raw` writes for the regular fields, in tag order.
    for input in inputs {
        message::encode(1, input, buf);
    }
    if let Some(platform) = platform {
        message::encode(10, platform, buf);
    }
    if let Some(constraints) = constraints {
        message::encode(11, constraints, buf);
    }
    if let Some(member) = member {
        member.encode(buf);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use prost::Message;

    use super::encode_op_go_order;
    use super::pb;

    /// Reads a base-128 varint at `*pos`, advancing it.
    fn read_varint(bytes: &[u8], pos: &mut usize) -> u64 {
        let mut value = 0u64;
        let mut shift = 0;
        loop {
            let byte = bytes[*pos];
            *pos += 1;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return value;
            }
            shift += 7;
        }
    }

    /// The field numbers of the top-level fields of an encoded message, in order.
    fn top_level_tags(bytes: &[u8]) -> Vec<u64> {
        let mut tags = Vec::new();
        let mut pos = 0;
        while pos < bytes.len() {
            let key = read_varint(bytes, &mut pos);
            tags.push(key >> 3);
            match key & 7 {
                0 => {
                    read_varint(bytes, &mut pos);
                }
                2 => {
                    let len = usize::try_from(read_varint(bytes, &mut pos)).unwrap();
                    pos += len;
                }
                other => panic!("unexpected wire type {other}"),
            }
        }
        tags
    }

    fn exec_op() -> pb::Op {
        pb::Op {
            inputs: vec![pb::Input {
                digest: "sha256:0000000000000000000000000000000000000000000000000000000000000000"
                    .to_owned(),
                index: 0,
            }],
            op: Some(pb::op::Op::Exec(pb::ExecOp {
                meta: Some(pb::Meta {
                    args: vec!["/bin/sh".to_owned(), "-c".to_owned(), "true".to_owned()],
                    env: vec!["PATH=/usr/bin:/bin".to_owned()],
                    cwd: "/".to_owned(),
                    remove_mount_stubs_recursive: true,
                    ..Default::default()
                }),
                mounts: vec![pb::Mount {
                    input: 0,
                    dest: "/".to_owned(),
                    output: 0,
                    ..Default::default()
                }],
                ..Default::default()
            })),
            platform: Some(pb::Platform {
                architecture: "amd64".to_owned(),
                os: "linux".to_owned(),
                ..Default::default()
            }),
            constraints: Some(pb::WorkerConstraints {
                filter: vec!["labels.x==y".to_owned()],
            }),
        }
    }

    #[test]
    fn pb_op_go_order_puts_oneof_last() {
        let op = exec_op();
        // prost alone writes tag order...
        assert_eq!(top_level_tags(&op.encode_to_vec()), [1, 2, 10, 11]);
        // ...the Go layout puts the oneof member after the regular fields.
        let bytes = encode_op_go_order(&op);
        assert_eq!(top_level_tags(&bytes), [1, 10, 11, 2]);
        assert_eq!(bytes.len(), op.encoded_len());
    }

    #[test]
    fn pb_op_go_order_round_trips() {
        let op = exec_op();
        let decoded = pb::Op::decode(encode_op_go_order(&op).as_slice()).unwrap();
        assert_eq!(decoded, op);

        let empty = pb::Op::default();
        assert!(encode_op_go_order(&empty).is_empty());
        let only_member = pb::Op {
            op: Some(pb::op::Op::Merge(pb::MergeOp::default())),
            ..Default::default()
        };
        let bytes = encode_op_go_order(&only_member);
        assert_eq!(bytes, only_member.encode_to_vec());
        assert_eq!(pb::Op::decode(bytes.as_slice()).unwrap(), only_member);
    }

    #[test]
    fn pb_source_attrs_encode_sorted() {
        let mut attrs = BTreeMap::new();
        attrs.insert("b".to_owned(), "2".to_owned());
        attrs.insert("a".to_owned(), "1".to_owned());
        let source = pb::SourceOp {
            identifier: "local://context".to_owned(),
            attrs,
        };
        let bytes = source.encode_to_vec();
        // A map entry is a nested message: key (field 1) then value (field 2).
        let find = |needle: &[u8]| {
            bytes
                .windows(needle.len())
                .position(|w| w == needle)
                .unwrap()
        };
        let a = find(&[0x0a, 0x01, b'a', 0x12, 0x01, b'1']);
        let b = find(&[0x0a, 0x01, b'b', 0x12, 0x01, b'2']);
        assert!(a < b, "attrs must be encoded in key order");

        let op = pb::Op {
            op: Some(pb::op::Op::Source(source)),
            ..Default::default()
        };
        assert_eq!(encode_op_go_order(&op), op.encode_to_vec());
    }

    #[test]
    fn pb_generated_paths_resolve() {
        // Cross-package references compile and nest as documented.
        let status = super::google::rpc::Status {
            code: 2,
            message: "boom".to_owned(),
            details: vec![],
        };
        let ret = super::moby::buildkit::v1::frontend::ReturnRequest {
            result: None,
            error: Some(status),
        };
        let decoded = super::moby::buildkit::v1::frontend::ReturnRequest::decode(
            ret.encode_to_vec().as_slice(),
        )
        .unwrap();
        assert_eq!(decoded, ret);
        let _: Option<super::fsutil::types::Stat> =
            super::moby::buildkit::v1::frontend::StatFileResponse::default().stat;
    }
}
