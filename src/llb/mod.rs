//! A deterministic LLB builder over the protobuf types in [`crate::pb::pb`].
//!
//! A [`Graph`] collects ops as they are created, inputs before the ops that use them,
//! each encoded once the way BuildKit's Go client encodes it
//! ([`crate::pb::encode_op_go_order`]) and named by the sha256 of those bytes. The same
//! op added twice is stored once. [`Graph::into_definition`] appends the terminal op and
//! the source map, giving the `Definition` that `Solve` and `buildctl build` take.
//!
//! The helpers ([`Graph::source`], [`Graph::exec`], [`Graph::file`], [`Graph::merge`])
//! apply the marshalling rules of `client/llb` that the daemon relies on: which ops carry
//! a platform, input deduplication and indexing, mount order and output numbering,
//! file-action chaining, and the capabilities each op needs.

mod describe;
mod exec;
mod file;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{self, Write};

use sha2::{Digest as _, Sha256};

pub use describe::{definition_json, definition_text};
pub use exec::{Exec, ExecMount, ExecOutputs, MountKind};
pub use file::FileAction;

use crate::pb::pb;
use crate::platform::Platform;

/// One output of an op: what another op's `Input` points at.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Output {
    /// `sha256:<hex>` of the op's bytes.
    pub digest: String,
    pub index: i64,
}

impl Output {
    fn to_input(&self) -> pb::Input {
        pb::Input {
            digest: self.digest.clone(),
            index: self.index,
        }
    }
}

/// What goes into an op's `OpMetadata` and the source map besides the op itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpMeta {
    /// Shown in progress output (`llb.customname`).
    pub custom_name: Option<String>,
    /// Extra description entries, e.g. `com.docker.dockerfile.v1.command`.
    pub description: BTreeMap<String, String>,
    /// Capabilities the op needs beyond those the helpers add themselves.
    pub caps: BTreeSet<&'static str>,
    pub ignore_cache: bool,
    pub progress_group: Option<pb::ProgressGroup>,
    /// Where the instruction is, for the source map: its own lines first, then the
    /// instructions that expanded it (an INCLUDE, a CALL), innermost first.
    pub locations: Vec<SourceRange>,
}

/// Lines of one build file: `source` indexes the Definition's source infos (the build's
/// files in order, the main one first); `first` and `last` are 1-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SourceRange {
    pub source: u32,
    pub first: u32,
    pub last: u32,
}

impl OpMeta {
    /// Metadata with only a progress name.
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            custom_name: Some(name.into()),
            ..Self::default()
        }
    }

    #[must_use]
    pub fn with_locations(mut self, locations: Vec<SourceRange>) -> Self {
        self.locations = locations;
        self
    }

    #[must_use]
    pub fn with_description(mut self, key: &str, value: impl Into<String>) -> Self {
        self.description.insert(key.to_string(), value.into());
        self
    }
}

/// The ops of one build, in creation order, deduplicated by digest.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    ops: Vec<Vertex>,
    /// Index into `ops` by the raw sha256, which hashes and compares faster than the text.
    seen: HashMap<[u8; 32], usize>,
    /// When set, only these capabilities are listed in metadata (the daemon's enabled set).
    cap_filter: Option<BTreeSet<String>>,
    /// Where each op is encoded before it is hashed: an op already in the graph is then
    /// hashed without allocating, a new one copied out at its exact size.
    scratch: Vec<u8>,
}

/// `sha256:<hex>` of some bytes, the digest BuildKit gives an op.
pub fn digest_of(bytes: &[u8]) -> String {
    hex_digest(&Sha256::digest(bytes).into())
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// One op as stored: its sha256, bytes, metadata and build-file locations.
#[derive(Clone, Debug)]
struct Vertex {
    /// The raw digest; the `sha256:<hex>` text is made when it is needed, and sorts the
    /// same way.
    hash: [u8; 32],
    bytes: Vec<u8>,
    metadata: StoredMeta,
    locations: Vec<SourceRange>,
}

/// What an op's `pb::OpMetadata` says, kept in vectors until the definition is made: the
/// maps of one or two entries it has would cost a half-kilobyte tree node each, per op.
#[derive(Clone, Debug, Default)]
struct StoredMeta {
    /// By key, `llb.customname` included.
    description: Vec<(String, String)>,
    /// In order, only those the daemon enables.
    caps: Vec<&'static str>,
    ignore_cache: bool,
    /// Boxed: only `COPY --link` ops have one.
    progress_group: Option<Box<pb::ProgressGroup>>,
}

impl StoredMeta {
    /// The protobuf encoding of the `pb::OpMetadata` that [`StoredMeta::into_pb`] gives,
    /// written from the vectors: fields in tag order, map entries in key order, each
    /// leaving out a key or value that is its default (as prost's derived code does).
    fn encode(&self, buf: &mut Vec<u8>) {
        use prost::encoding::{WireType, encode_key, encode_varint, encoded_len_varint, message};
        let field = |len: usize| 1 + encoded_len_varint(len as u64) + len;
        let str_len = |text: &str| {
            if text.is_empty() {
                0
            } else {
                field(text.len())
            }
        };
        if self.ignore_cache {
            encode_key(1, WireType::Varint, buf);
            encode_varint(1, buf);
        }
        for (key, value) in &self.description {
            encode_key(2, WireType::LengthDelimited, buf);
            encode_varint((str_len(key) + str_len(value)) as u64, buf);
            if !key.is_empty() {
                put_str(1, key, buf);
            }
            if !value.is_empty() {
                put_str(2, value, buf);
            }
        }
        for cap in &self.caps {
            // `true` is not the default, so the value is always there: 2 bytes.
            encode_key(5, WireType::LengthDelimited, buf);
            encode_varint((str_len(cap) + 2) as u64, buf);
            if !cap.is_empty() {
                put_str(1, cap, buf);
            }
            encode_key(2, WireType::Varint, buf);
            encode_varint(1, buf);
        }
        if let Some(group) = &self.progress_group {
            message::encode(6, group, buf);
        }
    }

    fn into_pb(self) -> pb::OpMetadata {
        pb::OpMetadata {
            ignore_cache: self.ignore_cache,
            description: self.description.into_iter().collect(),
            caps: self
                .caps
                .into_iter()
                .map(|cap| (cap.to_string(), true))
                .collect(),
            progress_group: self.progress_group.map(|group| *group),
            ..pb::OpMetadata::default()
        }
    }
}

fn hex_digest(hash: &[u8; 32]) -> String {
    hex_digest_in(hash, &mut [0; DIGEST_LEN]).to_string()
}

/// `sha256:` and 64 hex digits.
const DIGEST_LEN: usize = 7 + 64;

/// [`hex_digest`] written into `buf`, for a digest needed only for a moment.
fn hex_digest_in<'a>(hash: &[u8; 32], buf: &'a mut [u8; DIGEST_LEN]) -> &'a str {
    buf[..7].copy_from_slice(b"sha256:");
    for (i, &byte) in hash.iter().enumerate() {
        buf[7 + 2 * i] = HEX[usize::from(byte >> 4)];
        buf[8 + 2 * i] = HEX[usize::from(byte & 0xf)];
    }
    // Only ASCII was written.
    std::str::from_utf8(buf).unwrap_or_default()
}

/// The protobuf form of a platform.
pub fn pb_platform(platform: &Platform) -> pb::Platform {
    into_pb_platform(platform.clone())
}

/// [`pb_platform`] of a platform that is not needed any more.
fn into_pb_platform(platform: Platform) -> pb::Platform {
    pb::Platform {
        architecture: platform.architecture,
        os: platform.os,
        variant: platform.variant.unwrap_or_default(),
        os_version: platform.os_version.unwrap_or_default(),
        os_features: Vec::new(),
    }
}

impl Graph {
    pub fn new() -> Self {
        Self::default()
    }

    /// A graph that lists in `OpMetadata.caps` only the capabilities in `enabled`, so a
    /// definition never names a cap the daemon does not report (BuildKit rejects those).
    pub fn with_caps(enabled: BTreeSet<String>) -> Self {
        Self {
            cap_filter: Some(enabled),
            ..Self::default()
        }
    }

    /// Number of distinct ops so far (the terminal op excluded).
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// Adds an op as it is and returns its digest. Every op gets `constraints: {}` as the
    /// Go client writes it. Adding an op that exists keeps the first metadata and adds the
    /// location.
    pub fn add(&mut self, mut op: pb::Op, mut meta: OpMeta) -> String {
        op.constraints = Some(pb::WorkerConstraints::default());
        self.scratch.clear();
        crate::pb::encode_op_go_order_into(&op, &mut self.scratch);
        let hash: [u8; 32] = Sha256::digest(&self.scratch).into();
        if let Some(&index) = self.seen.get(&hash) {
            self.ops[index].locations.extend(meta.locations);
            return hex_digest(&hash);
        }
        let digest = hex_digest(&hash);
        let bytes = self.scratch.clone();
        self.seen.insert(hash, self.ops.len());
        let locations = std::mem::take(&mut meta.locations);
        let metadata = self.op_metadata(meta);
        self.ops.push(Vertex {
            hash,
            bytes,
            metadata,
            locations,
        });
        digest
    }

    fn op_metadata(&self, meta: OpMeta) -> StoredMeta {
        let mut description = meta.description;
        if let Some(name) = meta.custom_name {
            description.insert("llb.customname".to_string(), name);
        }
        let caps = meta
            .caps
            .into_iter()
            .filter(|cap| {
                self.cap_filter
                    .as_ref()
                    .is_none_or(|set| set.contains(*cap))
            })
            .collect();
        StoredMeta {
            description: description.into_iter().collect(),
            caps,
            ignore_cache: meta.ignore_cache,
            progress_group: meta.progress_group.map(Box::new),
        }
    }

    /// A source op (`local://context`, `docker-image://…`). Only image sources carry a
    /// platform, as in the Go client; pass `None` for the others.
    pub fn source(
        &mut self,
        identifier: &str,
        attrs: BTreeMap<String, String>,
        platform: Option<&Platform>,
        mut meta: OpMeta,
    ) -> Output {
        meta.caps.extend(source_caps(identifier, &attrs));
        let op = pb::Op {
            inputs: Vec::new(),
            op: Some(pb::op::Op::Source(pb::SourceOp {
                identifier: identifier.to_string(),
                attrs,
            })),
            platform: platform.map(pb_platform),
            constraints: None,
        };
        Output {
            digest: self.add(op, meta),
            index: 0,
        }
    }

    /// The Definition: every op, then the terminal op pointing at `head`; `None` (scratch)
    /// gives an empty definition. With `sources` (the build's files, in the order the
    /// locations' `source` indexes them), the source map is attached.
    pub fn into_definition(
        self,
        head: Option<Output>,
        sources: Vec<pb::SourceInfo>,
    ) -> pb::Definition {
        let Some(head) = head else {
            return pb::Definition::default();
        };
        let terminal = self.terminal(&head);
        let mut def = Vec::with_capacity(self.ops.len() + 1);
        let mut metadata = BTreeMap::new();
        let mut locations = BTreeMap::new();
        for vertex in self.ops {
            let digest = hex_digest(&vertex.hash);
            def.push(vertex.bytes);
            if !vertex.locations.is_empty() {
                locations.insert(digest.clone(), source_locations(&vertex.locations));
            }
            metadata.insert(digest, vertex.metadata.into_pb());
        }
        def.push(terminal.bytes);
        metadata.insert(terminal.digest, terminal.metadata);
        let source = (!sources.is_empty()).then_some(pb::Source {
            locations,
            infos: sources,
        });
        pb::Definition {
            def,
            metadata,
            source,
        }
    }

    /// Writes the protobuf encoding of [`Graph::into_definition`], byte for byte, without
    /// building its maps or copying the graph: each op's metadata and source-map entry is
    /// encoded straight from what is stored (what `rustbuild llb` prints).
    pub fn write_definition(
        &self,
        head: Option<&Output>,
        sources: &[pb::SourceInfo],
        out: &mut impl Write,
    ) -> io::Result<()> {
        use prost::encoding::message;

        let Some(head) = head else {
            return Ok(()); // an empty Definition encodes to nothing
        };
        let terminal = self.terminal(head);
        let mut buf = Vec::new();
        // Field 1, `def`: the ops in creation order, then the terminal op.
        for vertex in &self.ops {
            write_bytes_field(1, &vertex.bytes, &mut buf, out)?;
        }
        write_bytes_field(1, &terminal.bytes, &mut buf, out)?;

        // Both maps are written in digest order, as the `BTreeMap`s would be.
        let mut order: Vec<&Vertex> = self.ops.iter().collect();
        order.sort_unstable_by_key(|v| v.hash);
        let mut hex = [0; DIGEST_LEN];
        // Field 2, `metadata`, with the terminal op's entry in its place.
        let terminal_meta = prost::Message::encode_to_vec(&terminal.metadata);
        let mut terminal_entry = Some(&terminal.digest);
        let mut value = Vec::new();
        for vertex in &order {
            let digest = hex_digest_in(&vertex.hash, &mut hex);
            if let Some(terminal) = terminal_entry.take_if(|d| d.as_str() < digest) {
                write_entry(2, terminal, &terminal_meta, &mut buf, out)?;
            }
            value.clear();
            vertex.metadata.encode(&mut value);
            write_entry(2, digest, &value, &mut buf, out)?;
        }
        if let Some(terminal) = terminal_entry {
            write_entry(2, terminal, &terminal_meta, &mut buf, out)?;
        }
        // Field 3, `source`: the locations by digest, then the source files.
        if !sources.is_empty() {
            let mut inner = Vec::new();
            for vertex in order.iter().filter(|v| !v.locations.is_empty()) {
                let locations = source_locations(&vertex.locations);
                value.clear();
                prost::Message::encode(&locations, &mut value).map_err(io::Error::other)?;
                let digest = hex_digest_in(&vertex.hash, &mut hex);
                write_entry(1, digest, &value, &mut buf, &mut inner)?;
            }
            for info in sources {
                message::encode(2, info, &mut inner);
            }
            write_bytes_field(3, &inner, &mut buf, out)?;
        }
        Ok(())
    }

    /// The terminal op pointing at `head`, with the caps the whole definition needs.
    fn terminal(&self, head: &Output) -> Terminal {
        let op = pb::Op {
            inputs: vec![head.to_input()],
            ..pb::Op::default()
        };
        let bytes = crate::pb::encode_op_go_order(&op);
        let digest = digest_of(&bytes);
        let mut caps: BTreeMap<String, bool> = [("constraints", true), ("platform", true)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        if self.ops.iter().any(|v| v.metadata.ignore_cache) {
            caps.insert("meta.ignorecache".into(), true);
        }
        if self.ops.iter().any(|v| !v.metadata.description.is_empty()) {
            caps.insert("meta.description".into(), true);
        }
        Terminal {
            bytes,
            digest,
            metadata: pb::OpMetadata {
                caps,
                ..pb::OpMetadata::default()
            },
        }
    }
}

/// The terminal op of a definition.
struct Terminal {
    bytes: Vec<u8>,
    digest: String,
    metadata: pb::OpMetadata,
}

/// One `bytes` field, as prost writes each element of a repeated one (`buf` is scratch).
fn write_bytes_field(
    tag: u32,
    bytes: &[u8],
    buf: &mut Vec<u8>,
    out: &mut impl Write,
) -> io::Result<()> {
    use prost::encoding::{WireType, encode_key, encode_varint};
    buf.clear();
    encode_key(tag, WireType::LengthDelimited, buf);
    encode_varint(bytes.len() as u64, buf);
    out.write_all(buf)?;
    out.write_all(bytes)
}

/// One entry of a `map<string, Message>` field whose value is already encoded (empty when
/// it is the default, which the entry then leaves out). `buf` is scratch.
fn write_entry(
    tag: u32,
    key: &str,
    value: &[u8],
    buf: &mut Vec<u8>,
    out: &mut impl Write,
) -> io::Result<()> {
    use prost::encoding::{WireType, encode_key, encode_varint, encoded_len_varint};
    buf.clear();
    let field = |len: usize| 1 + encoded_len_varint(len as u64) + len;
    let key_len = if key.is_empty() { 0 } else { field(key.len()) };
    let value_len = if value.is_empty() {
        0
    } else {
        field(value.len())
    };
    encode_key(tag, WireType::LengthDelimited, buf);
    encode_varint((key_len + value_len) as u64, buf);
    if !key.is_empty() {
        put_str(1, key, buf);
    }
    if !value.is_empty() {
        encode_key(2, WireType::LengthDelimited, buf);
        encode_varint(value.len() as u64, buf);
    }
    out.write_all(buf)?;
    out.write_all(value)
}

/// A string field as prost writes it.
fn put_str(tag: u32, text: &str, buf: &mut Vec<u8>) {
    use prost::encoding::{WireType, encode_key, encode_varint};
    encode_key(tag, WireType::LengthDelimited, buf);
    encode_varint(text.len() as u64, buf);
    buf.extend_from_slice(text.as_bytes());
}

/// The source map entry of one op: one location per time it was created.
fn source_locations(ranges: &[SourceRange]) -> pb::Locations {
    let position = |line: u32| pb::Position {
        line: i32::try_from(line).unwrap_or(i32::MAX),
        character: 0,
    };
    pb::Locations {
        locations: ranges
            .iter()
            .map(|range| pb::Location {
                source_index: i32::try_from(range.source).unwrap_or(i32::MAX),
                ranges: vec![pb::Range {
                    start: Some(position(range.first)),
                    end: Some(position(range.last)),
                }],
            })
            .collect(),
    }
}

/// The capabilities a source op needs, from its scheme and attributes.
fn source_caps(identifier: &str, attrs: &BTreeMap<String, String>) -> Vec<&'static str> {
    let mut caps = Vec::new();
    if identifier.starts_with("docker-image://") {
        caps.push("source.image");
        if attrs.get("image.resolvemode").is_some_and(|m| m == "pull") {
            caps.push("source.image.resolvemode");
        }
    } else if identifier.starts_with("local://") {
        caps.push("source.local");
        for (attr, cap) in [
            ("local.session", "source.local.sessionid"),
            ("local.includepattern", "source.local.includepatterns"),
            ("local.excludepatterns", "source.local.excludepatterns"),
            ("local.followpaths", "source.local.followpaths"),
            ("local.sharedkeyhint", "source.local.sharedkeyhint"),
            ("local.differ", "source.local.differ"),
        ] {
            if attrs.contains_key(attr) {
                caps.push(cap);
            }
        }
    }
    caps
}

#[cfg(test)]
mod tests {
    use prost::Message;

    use super::*;

    fn local(graph: &mut Graph, name: &str) -> Output {
        let attrs = BTreeMap::from([("local.session".to_string(), "s".to_string())]);
        graph.source(
            &format!("local://{name}"),
            attrs,
            None,
            OpMeta::named("load").with_locations(vec![SourceRange {
                source: 0,
                first: 2,
                last: 3,
            }]),
        )
    }

    #[test]
    fn digests_are_sha256_of_the_go_ordered_bytes() {
        let mut graph = Graph::new();
        let out = local(&mut graph, "context");
        let def = graph.into_definition(Some(out.clone()), Vec::new());
        assert_eq!(def.def.len(), 2);
        assert_eq!(digest_of(&def.def[0]), out.digest);
        let op = pb::Op::decode(def.def[0].as_slice()).unwrap();
        assert_eq!(crate::pb::encode_op_go_order(&op), def.def[0]);
        assert_eq!(op.constraints, Some(pb::WorkerConstraints::default()));
        assert_eq!(op.platform, None, "local sources carry no platform");
    }

    #[test]
    fn the_same_op_is_stored_once() {
        let mut graph = Graph::new();
        let a = local(&mut graph, "context");
        let b = local(&mut graph, "context");
        let c = local(&mut graph, "other");
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(graph.len(), 2);
    }

    #[test]
    fn terminal_op_points_at_the_head_and_lists_caps() {
        let mut graph = Graph::new();
        let out = local(&mut graph, "context");
        let def = graph.into_definition(Some(out.clone()), Vec::new());
        let terminal = pb::Op::decode(def.def[1].as_slice()).unwrap();
        assert_eq!(terminal.inputs, vec![out.to_input()]);
        assert_eq!(
            (terminal.op, terminal.platform, terminal.constraints),
            (None, None, None)
        );
        let meta = &def.metadata[&digest_of(&def.def[1])];
        let caps: Vec<&str> = meta.caps.keys().map(String::as_str).collect();
        assert_eq!(caps, ["constraints", "meta.description", "platform"]);
        let source_meta = &def.metadata[&out.digest];
        assert_eq!(source_meta.description["llb.customname"], "load");
        assert!(source_meta.caps.contains_key("source.local.sessionid"));
    }

    #[test]
    fn scratch_is_an_empty_definition() {
        let mut graph = Graph::new();
        local(&mut graph, "context");
        assert_eq!(
            graph.into_definition(None, Vec::new()),
            pb::Definition::default()
        );
    }

    #[test]
    fn source_map_has_one_based_lines_keyed_by_digest() {
        let mut graph = Graph::new();
        let out = local(&mut graph, "context");
        let info = pb::SourceInfo {
            filename: "Buildfile".into(),
            data: b"FROM a\n".to_vec(),
            definition: None,
            language: "Buildfile".into(),
        };
        let def = graph.into_definition(Some(out.clone()), vec![info]);
        let source = def.source.unwrap();
        let range = &source.locations[&out.digest].locations[0].ranges[0];
        assert_eq!(range.start.unwrap().line, 2);
        assert_eq!(range.end.unwrap().line, 3);
        assert_eq!(source.infos[0].language, "Buildfile");
    }

    #[test]
    fn image_sources_carry_the_platform_and_caps_are_filtered() {
        let enabled = BTreeSet::from(["source.image".to_string()]);
        let mut graph = Graph::with_caps(enabled);
        let attrs = BTreeMap::from([("image.resolvemode".to_string(), "pull".to_string())]);
        let platform = Platform::linux_amd64();
        let out = graph.source(
            "docker-image://docker.io/library/alpine:3.19",
            attrs,
            Some(&platform),
            OpMeta::default(),
        );
        let def = graph.into_definition(Some(out.clone()), Vec::new());
        let op = pb::Op::decode(def.def[0].as_slice()).unwrap();
        assert_eq!(op.platform.unwrap().os, "linux");
        let caps: Vec<&str> = def.metadata[&out.digest]
            .caps
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(caps, ["source.image"], "resolvemode is not enabled");
    }
}
