//! mock_bridge: a fake LLBBridge served over an in-memory pipe, for unit tests of protocol
//! edge cases (file-name fallbacks, caps gating, the shapes of `Return`). It is a test
//! double only: what BuildKit really does is checked against real daemons (see the report
//! in the gateway's commit history and `tests/e2e`).

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard};

use prost::Message;
use tonic::codegen::{BoxFuture, Context, Poll, Service, http};
use tonic::server::Grpc;
use tonic::{Request, Response, Status};
use tonic_prost::ProstCodec;

use crate::pb::moby::buildkit::v1::apicaps::ApiCap;
use crate::pb::moby::buildkit::v1::frontend as gw;
use crate::pb::pb;

use super::client::Bridge;

/// What the fake daemon knows and what it was asked.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub(crate) gateway_caps: Vec<String>,
    pub(crate) llb_caps: Vec<String>,
    /// Files per local name (`dockerfile`, `context`), by path.
    pub(crate) locals: BTreeMap<String, BTreeMap<String, Vec<u8>>>,
    /// What `Inputs` answers (definitions a forwarding frontend passed).
    pub(crate) inputs: BTreeMap<String, pb::Definition>,
    /// Image configs by reference.
    pub(crate) images: BTreeMap<String, serde_json::Value>,
    /// Every RPC by name, in order.
    pub(crate) calls: Vec<String>,
    pub(crate) solves: Vec<gw::SolveRequest>,
    pub(crate) resolves: Vec<gw::ResolveImageConfigRequest>,
    pub(crate) warnings: Vec<gw::WarnRequest>,
    pub(crate) returned: Option<gw::ReturnRequest>,
    /// The local each solved ref reads from.
    pub(crate) refs: BTreeMap<String, String>,
}

/// A modern daemon's caps, enough for everything the frontend does.
pub(crate) const MODERN_GATEWAY: &[&str] = &[
    "solve.base",
    "resolveimage",
    "resolveimage.resolvemode",
    "readfile",
    "return",
    "returnmap",
    "proto.refarray",
    "frontend.inputs",
    "importcaches",
    "gateway.warnings",
];

#[derive(Clone, Default)]
pub(crate) struct MockBridge {
    state: Arc<Mutex<State>>,
}

impl MockBridge {
    pub(crate) fn new(state: State) -> Self {
        Self {
            state: Arc::new(Mutex::new(state)),
        }
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        match self.state.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Serves this mock on one end of an in-memory pipe and connects a [`Bridge`] to the
    /// other, as `rustbuild frontend` connects over stdin/stdout.
    pub(crate) async fn connect(&self) -> Bridge {
        let (client, server) = tokio::io::duplex(1 << 20);
        let service = self.clone();
        tokio::spawn(async move {
            let incoming = tonic::codegen::tokio_stream::once(Ok::<_, std::io::Error>(server));
            let _ = tonic::transport::Server::builder()
                .serve_with_incoming(service, incoming)
                .await;
        });
        match Bridge::connect(client).await {
            Ok(bridge) => bridge,
            Err(e) => panic!("mock bridge: {e}"),
        }
    }

    fn record(&self, call: &str) {
        self.state().calls.push(call.to_string());
    }

    fn pong(&self) -> gw::PongResponse {
        let state = self.state();
        let caps = |ids: &[String]| {
            ids.iter()
                .map(|id| ApiCap {
                    id: id.clone(),
                    enabled: true,
                    ..Default::default()
                })
                .collect()
        };
        gw::PongResponse {
            frontend_api_caps: caps(&state.gateway_caps),
            llb_caps: caps(&state.llb_caps),
            workers: Vec::new(),
        }
    }

    fn solve(&self, request: gw::SolveRequest) -> gw::SolveResponse {
        let mut state = self.state();
        let id = format!("ref-{}", state.solves.len());
        if let Some(local) = request.definition.as_ref().and_then(local_name) {
            state.refs.insert(id.clone(), local);
        }
        state.solves.push(request);
        gw::SolveResponse {
            r#ref: String::new(),
            result: Some(gw::Result {
                result: Some(gw::result::Result::Ref(gw::Ref { id, def: None })),
                ..Default::default()
            }),
        }
    }

    fn read_file(&self, request: gw::ReadFileRequest) -> Result<gw::ReadFileResponse, Status> {
        let state = self.state();
        let data = state
            .refs
            .get(&request.r#ref)
            .and_then(|local| state.locals.get(local))
            .and_then(|files| files.get(&request.file_path))
            .ok_or_else(|| Status::not_found(format!("{}: no such file", request.file_path)))?;
        let (start, len) = request.range.map_or((0, data.len()), |r| {
            (
                usize::try_from(r.offset).unwrap_or(0),
                usize::try_from(r.length).unwrap_or(0),
            )
        });
        let start = start.min(data.len());
        let end = start.saturating_add(len).min(data.len());
        Ok(gw::ReadFileResponse {
            data: data[start..end].to_vec(),
        })
    }

    fn resolve(
        &self,
        request: gw::ResolveImageConfigRequest,
    ) -> Result<gw::ResolveImageConfigResponse, Status> {
        let mut state = self.state();
        let config = state
            .images
            .get(&request.r#ref)
            .cloned()
            .ok_or_else(|| Status::not_found(format!("{}: not found", request.r#ref)))?;
        let response = gw::ResolveImageConfigResponse {
            digest: format!("sha256:{:064x}", state.resolves.len() + 1),
            config: config.to_string().into_bytes(),
            r#ref: request.r#ref.clone(),
        };
        state.resolves.push(request);
        Ok(response)
    }
}

/// The local a definition reads, from its first op when that is a `local://` source.
fn local_name(definition: &pb::Definition) -> Option<String> {
    let op = pb::Op::decode(definition.def.first()?.as_slice()).ok()?;
    match op.op? {
        pb::op::Op::Source(source) => source
            .identifier
            .strip_prefix("local://")
            .map(str::to_string),
        _ => None,
    }
}

/// One unary RPC answered by `answer`.
async fn unary<Req, Resp, F>(
    request: http::Request<tonic::body::Body>,
    answer: F,
) -> http::Response<tonic::body::Body>
where
    Req: Message + Default + Send + 'static,
    Resp: Message + Send + 'static,
    F: Fn(Req) -> Result<Resp, Status> + Send + Clone + 'static,
{
    let service = tower::service_fn(move |r: Request<Req>| {
        let answer = answer.clone();
        async move { answer(r.into_inner()).map(Response::new) }
    });
    Grpc::new(ProstCodec::<Resp, Req>::default())
        .unary(service, request)
        .await
}

impl Service<http::Request<tonic::body::Body>> for MockBridge {
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<tonic::body::Body>) -> Self::Future {
        let method = request
            .uri()
            .path()
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        self.record(&method);
        let mock = self.clone();
        Box::pin(async move {
            let response = match method.as_str() {
                "Ping" => unary(request, move |_: gw::PingRequest| Ok(mock.pong())).await,
                "Solve" => unary(request, move |r| Ok(mock.solve(r))).await,
                "ReadFile" => unary(request, move |r| mock.read_file(r)).await,
                "ResolveImageConfig" => unary(request, move |r| mock.resolve(r)).await,
                "Inputs" => {
                    unary(request, move |_: gw::InputsRequest| {
                        let definitions = mock.state().inputs.clone();
                        Ok(gw::InputsResponse { definitions })
                    })
                    .await
                }
                "Warn" => {
                    unary(request, move |r: gw::WarnRequest| {
                        mock.state().warnings.push(r);
                        Ok(gw::WarnResponse {})
                    })
                    .await
                }
                "Return" => {
                    unary(request, move |r: gw::ReturnRequest| {
                        mock.state().returned = Some(r);
                        Ok(gw::ReturnResponse {})
                    })
                    .await
                }
                _ => Status::unimplemented(method).into_http(),
            };
            Ok(response)
        })
    }
}
