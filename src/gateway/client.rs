//! The LLBBridge client: the RPCs the frontend makes, with the daemon's capabilities from
//! `Ping` so that nothing the daemon lacks is ever sent.

use std::collections::{BTreeMap, BTreeSet};

use prost::Message;
use tokio::io::{AsyncRead, AsyncWrite};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

use crate::llb;
use crate::pb::google::rpc::Status;
use crate::pb::moby::buildkit::v1::frontend as gw;
use crate::pb::moby::buildkit::v1::frontend::llb_bridge_client::LlbBridgeClient;
use crate::pb::pb;
use crate::platform::Platform;

use super::stdio;

/// BuildKit's limit both ways (containerd's `defaults.DefaultMaxRecvMsgSize`); tonic's own
/// default of 4 MiB would fail on a large Buildfile or Definition.
pub(crate) const MESSAGE_LIMIT: usize = 16 << 20;

/// ReadFile replies above the limit fail on the daemon, so files are read in chunks.
const READ_CHUNK: i64 = 8 << 20;

/// What daemons too old to list their caps support (the Go client's frozen defaults).
const GATEWAY_DEFAULTS: &[&str] = &[
    "solve.base",
    "solve.inlinereturn",
    "resolveimage",
    "readfile",
];
const LLB_DEFAULTS: &[&str] = &[
    "source.image",
    "source.local",
    "source.local.unique",
    "source.local.sessionid",
    "source.local.includepatterns",
    "source.local.followpaths",
    "source.local.excludepatterns",
    "source.local.sharedkeyhint",
    "exec.meta.base",
    "exec.meta.proxyenv",
    "exec.mount.bind",
    "exec.mount.cache",
    "exec.mount.cache.sharing",
    "exec.mount.selector",
    "exec.mount.tmpfs",
    "exec.mount.secret",
    "constraints",
    "platform",
    "meta.ignorecache",
    "meta.description",
    "meta.exportcache",
];

/// The capabilities a daemon reported as present and enabled.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Caps {
    pub(crate) gateway: BTreeSet<String>,
    pub(crate) llb: BTreeSet<String>,
}

impl Caps {
    /// Only enabled caps count: 0.13 lists `mergeop` but disables it without the containerd
    /// image store. An empty list means a daemon from before caps were reported.
    pub(crate) fn from_pong(pong: &gw::PongResponse) -> Self {
        let enabled = |caps: &[crate::pb::moby::buildkit::v1::apicaps::ApiCap],
                       defaults: &[&str]| {
            if caps.is_empty() {
                defaults.iter().map(|s| s.to_string()).collect()
            } else {
                caps.iter()
                    .filter(|c| c.enabled)
                    .map(|c| c.id.clone())
                    .collect()
            }
        };
        Self {
            gateway: enabled(&pong.frontend_api_caps, GATEWAY_DEFAULTS),
            llb: enabled(&pong.llb_caps, LLB_DEFAULTS),
        }
    }

    pub(crate) fn has(&self, gateway_cap: &str) -> bool {
        self.gateway.contains(gateway_cap)
    }
}

/// A failed call, with the daemon's status kept whole: passing it on unchanged in `Return`
/// keeps its details (the source excerpt of a failing step, the vertex).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct BridgeError {
    pub(crate) status: Status,
}

impl BridgeError {
    /// An error of our own making, with status code 2 (Unknown): code 3 would make the
    /// `# syntax` forwarder print "InvalidArgument: " several times.
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            status: Status {
                code: tonic::Code::Unknown as i32,
                message: message.into(),
                details: Vec::new(),
            },
        }
    }

    fn context(mut self, what: &str) -> Self {
        self.status.message = format!("{what}: {}", self.status.message);
        self
    }
}

impl From<tonic::Status> for BridgeError {
    fn from(status: tonic::Status) -> Self {
        Self {
            status: status_from_tonic(&status),
        }
    }
}

impl std::fmt::Display for BridgeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.status.message)
    }
}

/// The `google.rpc.Status` behind a tonic error: the `grpc-status-details-bin` trailer when
/// the daemon sent one (it carries the typed details), else code and message alone.
pub(crate) fn status_from_tonic(status: &tonic::Status) -> Status {
    if let Ok(decoded) = Status::decode(status.details())
        && decoded.code != 0
    {
        return decoded;
    }
    let code = match status.code() {
        tonic::Code::Ok => tonic::Code::Unknown,
        code => code,
    };
    Status {
        code: code as i32,
        message: status.message().to_string(),
        details: Vec::new(),
    }
}

/// The build a client-side frontend answers for: the daemon's forwarder finds the build by
/// this metadata on every LLBBridge call. A frontend the daemon started has none.
#[derive(Clone, Debug, Default)]
pub(crate) struct BuildId(Option<tonic::metadata::MetadataValue<tonic::metadata::Ascii>>);

/// BuildKit's `client/buildid` metadata key.
const BUILD_ID_KEY: &str = "buildkit-controlapi-buildid";

impl tonic::service::Interceptor for BuildId {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(id) = &self.0 {
            request.metadata_mut().insert(BUILD_ID_KEY, id.clone());
        }
        Ok(request)
    }
}

/// A connected LLBBridge with the daemon's caps.
pub(crate) struct Bridge {
    client: LlbBridgeClient<InterceptedService<Channel, BuildId>>,
    pub(crate) caps: Caps,
    pub(crate) workers: Vec<Platform>,
    /// Sees each Definition before it is solved: `rustbuild build` reads the source map
    /// to show each step's line.
    on_solve: Option<SolveObserver>,
}

/// What [`Bridge::observe_solves`] takes.
pub(crate) type SolveObserver = Box<dyn Fn(&pb::Definition) + Send + Sync>;

impl Bridge {
    /// Connects over `stream` and pings, which must come before any other call.
    pub(crate) async fn connect<S>(stream: S) -> Result<Self, BridgeError>
    where
        S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    {
        let channel = stdio::channel(stream)
            .await
            .map_err(|e| BridgeError::new(format!("connecting to BuildKit: {e}")))?;
        Self::ping(channel, BuildId::default()).await
    }

    /// Answers the build `build_id` from the client that started it, over its connection
    /// to the daemon's Control API, which forwards LLBBridge calls to the build (the way
    /// BuildKit's Go `client.Build` works). The daemon waits a little for a build it has
    /// not registered yet, so this may follow the `Solve` that starts the build.
    pub(crate) async fn for_build(channel: Channel, build_id: &str) -> Result<Self, BridgeError> {
        let id = build_id
            .parse()
            .map_err(|_| BridgeError::new(format!("build id `{build_id}` is not ASCII")))?;
        Self::ping(channel, BuildId(Some(id))).await
    }

    async fn ping(channel: Channel, build_id: BuildId) -> Result<Self, BridgeError> {
        let mut client = LlbBridgeClient::with_interceptor(channel, build_id)
            .max_decoding_message_size(MESSAGE_LIMIT)
            .max_encoding_message_size(MESSAGE_LIMIT);
        let pong = client
            .ping(gw::PingRequest {})
            .await
            .map_err(|e| BridgeError::from(e).context("Ping"))?
            .into_inner();
        let workers = pong
            .workers
            .iter()
            .flat_map(|w| w.platforms.iter().map(platform_from_pb))
            .collect();
        Ok(Self {
            client,
            caps: Caps::from_pong(&pong),
            workers,
            on_solve: None,
        })
    }

    /// Solves one definition per target platform, all at once. Where the daemon can
    /// (`gateway.solve.evaluate`), each is built now, so that a failure comes back to the
    /// frontend, which can explain it, rather than after `Return`; the work is the same.
    pub(crate) async fn solve_all(
        &self,
        definitions: Vec<pb::Definition>,
        cache_imports: &[gw::CacheOptionsEntry],
    ) -> Vec<Result<String, BridgeError>> {
        let evaluate = self.caps.has("gateway.solve.evaluate");
        let count = definitions.len();
        let mut tasks = tokio::task::JoinSet::new();
        for (index, definition) in definitions.into_iter().enumerate() {
            let mut request = self.solve_request(definition, cache_imports.to_vec());
            request.evaluate = evaluate;
            let mut client = self.client.clone();
            tasks.spawn(async move { (index, client.solve(request).await) });
        }
        let mut results: Vec<Result<String, BridgeError>> = (0..count)
            .map(|_| Err(BridgeError::new("the solve did not finish")))
            .collect();
        while let Some(joined) = tasks.join_next().await {
            if let Ok((index, outcome)) = joined {
                results[index] = outcome
                    .map(|response| ref_id(response.into_inner()))
                    .map_err(BridgeError::from);
            }
        }
        results
    }

    /// The names in a directory of a solved ref (cap `readdir`).
    pub(crate) async fn read_dir(
        &mut self,
        reference: &str,
        dir: &str,
    ) -> Result<Vec<String>, BridgeError> {
        let request = gw::ReadDirRequest {
            r#ref: reference.to_string(),
            dir_path: dir.to_string(),
            include_pattern: String::new(),
            mount_index: 0,
        };
        let entries = self.client.read_dir(request).await?.into_inner().entries;
        Ok(entries
            .into_iter()
            .map(|e| e.path.rsplit('/').next().unwrap_or_default().to_string())
            .collect())
    }

    /// Solves a definition lazily and returns the result's ref id (`""` for scratch).
    pub(crate) async fn solve(
        &mut self,
        definition: pb::Definition,
        cache_imports: Vec<gw::CacheOptionsEntry>,
    ) -> Result<String, BridgeError> {
        let request = self.solve_request(definition, cache_imports);
        let response = self.client.solve(request).await?.into_inner();
        Ok(ref_id(response))
    }

    pub(crate) fn observe_solves(&mut self, observer: SolveObserver) {
        self.on_solve = Some(observer);
    }

    fn solve_request(
        &self,
        definition: pb::Definition,
        cache_imports: Vec<gw::CacheOptionsEntry>,
    ) -> gw::SolveRequest {
        if let Some(observe) = &self.on_solve {
            observe(&definition);
        }
        let cache_imports = if self.caps.has("importcaches") {
            cache_imports
        } else {
            Vec::new()
        };
        gw::SolveRequest {
            definition: Some(definition),
            allow_result_return: true,
            allow_result_array_ref: true,
            cache_imports,
            ..Default::default()
        }
    }

    /// Reads a whole file from a solved ref, in chunks under the message limit.
    pub(crate) async fn read_file(
        &mut self,
        reference: &str,
        path: &str,
    ) -> Result<Vec<u8>, BridgeError> {
        let mut data = Vec::new();
        loop {
            let offset = i64::try_from(data.len()).unwrap_or(i64::MAX);
            let request = gw::ReadFileRequest {
                r#ref: reference.to_string(),
                file_path: path.to_string(),
                range: Some(gw::FileRange {
                    offset,
                    length: READ_CHUNK,
                }),
                mount_index: 0,
            };
            let chunk = self.client.read_file(request).await?.into_inner().data;
            let done = i64::try_from(chunk.len()).unwrap_or(i64::MAX) < READ_CHUNK;
            data.extend(chunk);
            if done {
                return Ok(data);
            }
        }
    }

    /// Whether a path exists in a solved ref (a file or a directory).
    pub(crate) async fn exists(
        &mut self,
        reference: &str,
        path: &str,
    ) -> Result<bool, BridgeError> {
        let request = gw::StatFileRequest {
            r#ref: reference.to_string(),
            path: path.to_string(),
            mount_index: 0,
        };
        match self.client.stat_file(request).await {
            Ok(_) => Ok(true),
            Err(status) if status.code() == tonic::Code::Unimplemented => {
                Err(BridgeError::new("the daemon cannot stat files (StatFile)"))
            }
            Err(_) => Ok(false),
        }
    }

    /// Resolves an image for a platform: its manifest digest and config JSON.
    pub(crate) async fn resolve_image_config(
        &mut self,
        reference: &str,
        platform: &Platform,
        resolve_mode: &str,
        log_name: String,
    ) -> Result<(String, Vec<u8>), BridgeError> {
        let resolve_mode = if self.caps.has("resolveimage.resolvemode") {
            resolve_mode.to_string()
        } else {
            String::new()
        };
        let request = gw::ResolveImageConfigRequest {
            r#ref: reference.to_string(),
            platform: Some(llb::pb_platform(platform)),
            resolve_mode,
            log_name,
            ..Default::default()
        };
        let response = self
            .client
            .resolve_image_config(request)
            .await?
            .into_inner();
        Ok((response.digest, response.config))
    }

    /// The frontend inputs BuildKit passed (a forwarded `# syntax` build), if it can.
    pub(crate) async fn inputs(&mut self) -> Result<BTreeMap<String, pb::Definition>, BridgeError> {
        if !self.caps.has("frontend.inputs") {
            return Ok(BTreeMap::new());
        }
        let response = self.client.inputs(gw::InputsRequest {}).await?.into_inner();
        Ok(response.definitions)
    }

    /// Sends a warning to the user's progress output; a no-op on daemons without `Warn`.
    pub(crate) async fn warn(&mut self, request: gw::WarnRequest) -> Result<(), BridgeError> {
        if !self.caps.has("gateway.warnings") {
            return Ok(());
        }
        self.client.warn(request).await?;
        Ok(())
    }

    /// The one `Return`: a result or an error, never both.
    pub(crate) async fn return_outcome(
        &mut self,
        outcome: Result<gw::Result, Status>,
    ) -> Result<(), BridgeError> {
        let request = match outcome {
            Ok(result) => gw::ReturnRequest {
                result: Some(self.compatible(result)),
                error: None,
            },
            Err(status) => gw::ReturnRequest {
                result: None,
                error: Some(status),
            },
        };
        self.client.r#return(request).await?;
        Ok(())
    }

    /// Daemons without `proto.refarray` only read the deprecated string refs.
    fn compatible(&self, mut result: gw::Result) -> gw::Result {
        use gw::result::Result as R;
        if self.caps.has("proto.refarray") {
            return result;
        }
        result.result = match result.result {
            Some(R::Ref(r)) => Some(R::RefDeprecated(r.id)),
            Some(R::Refs(map)) => Some(R::RefsDeprecated(gw::RefMapDeprecated {
                refs: map.refs.into_iter().map(|(k, r)| (k, r.id)).collect(),
            })),
            other => other,
        };
        result
    }
}

/// The ref id of a solve response, in whichever field the daemon filled.
fn ref_id(response: gw::SolveResponse) -> String {
    use gw::result::Result as R;
    match response.result.and_then(|r| r.result) {
        Some(R::Ref(r)) => r.id,
        Some(R::RefDeprecated(id)) => id,
        _ => response.r#ref,
    }
}

pub(crate) fn platform_from_pb(platform: &pb::Platform) -> Platform {
    let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
    Platform {
        os: platform.os.clone(),
        architecture: platform.architecture.clone(),
        variant: non_empty(&platform.variant),
        os_version: non_empty(&platform.os_version),
    }
    .normalize()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pb::moby::buildkit::v1::apicaps::ApiCap;

    fn cap(id: &str, enabled: bool) -> ApiCap {
        ApiCap {
            id: id.into(),
            enabled,
            ..Default::default()
        }
    }

    #[test]
    fn caps_keep_only_enabled_ones() {
        let pong = gw::PongResponse {
            frontend_api_caps: vec![cap("solve.base", true), cap("gateway.warnings", true)],
            llb_caps: vec![cap("file.base", true), cap("mergeop", false)],
            workers: vec![],
        };
        let caps = Caps::from_pong(&pong);
        assert!(caps.has("gateway.warnings"));
        assert!(caps.llb.contains("file.base"));
        assert!(!caps.llb.contains("mergeop"));
    }

    #[test]
    fn caps_of_a_silent_daemon_are_the_frozen_defaults() {
        let caps = Caps::from_pong(&gw::PongResponse::default());
        assert!(caps.has("readfile"));
        assert!(!caps.has("gateway.warnings"));
        assert!(caps.llb.contains("source.local.followpaths"));
    }

    #[test]
    fn status_details_pass_through_unchanged() {
        let inner = Status {
            code: 2,
            message: "process \"/bin/sh -c false\" did not complete successfully".into(),
            details: vec![prost_types::Any {
                type_url: "github.com/moby/buildkit/errdefs.Vertex+json".into(),
                value: br#"{"digest":"sha256:00"}"#.to_vec(),
            }],
        };
        let tonic_status = tonic::Status::with_details(
            tonic::Code::Unknown,
            inner.message.clone(),
            inner.encode_to_vec().into(),
        );
        assert_eq!(status_from_tonic(&tonic_status), inner);
    }

    #[test]
    fn status_without_details_keeps_code_and_message() {
        let status = status_from_tonic(&tonic::Status::not_found("no such file"));
        assert_eq!(
            (status.code, status.message.as_str(), status.details.len()),
            (tonic::Code::NotFound as i32, "no such file", 0)
        );
        let ok = status_from_tonic(&tonic::Status::new(tonic::Code::Ok, "odd"));
        assert_eq!(ok.code, 2, "a zero code would read as success");
    }

    #[test]
    fn platforms_round_trip_through_pb() {
        let p = Platform::parse("linux/arm/v7").unwrap();
        assert_eq!(platform_from_pb(&llb::pb_platform(&p)), p);
    }
}
