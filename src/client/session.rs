//! The session: the gRPC server `rustbuild build` runs for the daemon to call back during
//! the build, for the files of the context (FileSync), the secrets, registry credentials,
//! and the exporter's output (FileSend).
//!
//! The daemon is the HTTP/2 client on a connection we opened: a Docker daemon's upgraded
//! `/session`, or a buildkitd's `Control.Session` stream, whose messages carry the HTTP/2
//! bytes (what BuildKit calls grpchijack). Either way the server is the same.
//!
//! Every method is served with a raw codec: `FileSend.DiffCopy` carries fsutil packets for
//! the local exporter and plain bytes for the others although it declares one message
//! type, so messages are decoded by each handler, which knows which it expects.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

use hyper_util::rt::{TokioExecutor, TokioIo};
use prost::Message;
use prost::bytes::{Buf, BufMut};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::codegen::http;
use tonic::codegen::tokio_stream::wrappers::ReceiverStream;
use tonic::transport::Channel;
use tonic::{Request, Response, Status, Streaming};

use crate::pb::fsutil::types::Packet;
use crate::pb::moby::buildkit::v1::BytesMessage;
use crate::pb::moby::buildkit::v1::control_client::ControlClient;

use super::auth::DockerAuth;
use super::export::FileTarget;
use super::fsync::{self, SendOptions};
use super::secrets::Secrets;
use super::transport::{Conn, Daemon};

const HEALTH_CHECK: &str = "/grpc.health.v1.Health/Check";
const FILE_SYNC: &str = "/moby.filesync.v1.FileSync/DiffCopy";
const FILE_SEND: &str = "/moby.filesync.v1.FileSend/DiffCopy";
const GET_SECRET: &str = "/moby.buildkit.secrets.v1.Secrets/GetSecret";
const CREDENTIALS: &str = "/moby.filesync.v1.Auth/Credentials";

/// What the session serves.
pub(crate) struct Services {
    /// The local directories by the name the build's `local` sources give (`context`,
    /// `dockerfile`, named contexts).
    pub(crate) dirs: BTreeMap<String, PathBuf>,
    pub(crate) secrets: Secrets,
    pub(crate) auth: DockerAuth,
    /// Where the exporter's output goes, when it sends it back.
    pub(crate) export: Option<FileTarget>,
}

impl Services {
    /// The method URLs the daemon may call; it calls nothing else.
    fn methods(&self) -> Vec<&'static str> {
        let mut methods = vec![HEALTH_CHECK, FILE_SYNC, GET_SECRET, CREDENTIALS];
        if self.export.is_some() {
            methods.push(FILE_SEND);
        }
        methods
    }
}

/// One session: its id, which the build's `local` sources name, and the key under which the
/// daemon keeps synced directories between builds.
pub(crate) struct Session {
    pub(crate) id: String,
    shared_key: String,
    services: Arc<Services>,
}

impl Session {
    pub(crate) fn new(services: Services) -> Self {
        // The shared key is the same for the same directories, so a rebuild sends only what
        // changed; buildx derives its key from the builder's state directory the same way.
        let mut hasher = Sha256::new();
        for (name, dir) in &services.dirs {
            hasher.update(name.as_bytes());
            hasher.update(dir.to_string_lossy().as_bytes());
            hasher.update([0]);
        }
        Self {
            id: new_id(),
            shared_key: hex(&hasher.finalize()[..16]),
            services: Arc::new(services),
        }
    }

    /// The headers that introduce the session to the daemon.
    fn headers(&self) -> Vec<(&'static str, String)> {
        let mut headers = vec![
            ("X-Docker-Expose-Session-Uuid", self.id.clone()),
            ("X-Docker-Expose-Session-Name", "rustbuild".to_string()),
            ("X-Docker-Expose-Session-Sharedkey", self.shared_key.clone()),
        ];
        for method in self.services.methods() {
            headers.push(("X-Docker-Expose-Session-Grpc-Method", method.to_string()));
        }
        headers
    }

    /// Opens the session's connection and serves it in the background until the daemon
    /// closes it.
    pub(crate) async fn start(
        &self,
        daemon: &Daemon,
        control: &ControlClient<Channel>,
    ) -> Result<(), String> {
        let headers = self.headers();
        let conn = if daemon.is_docker() {
            daemon
                .docker_session(&headers)
                .await
                .map_err(|e| format!("opening the session: {e}"))?
        } else {
            tunnel(control.clone(), &headers).await?
        };
        tokio::spawn(serve(conn, self.services.clone()));
        Ok(())
    }
}

/// A 25-character random id, like BuildKit's own: the clock, the process and a counter,
/// hashed. Only uniqueness matters.
pub(crate) fn new_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let mut hasher = Sha256::new();
    hasher.update(now.as_nanos().to_le_bytes());
    hasher.update(std::process::id().to_le_bytes());
    hasher.update(COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    hex(&hasher.finalize())[..25].to_string()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A buildkitd session: HTTP/2 bytes in `Control.Session` messages, the headers as gRPC
/// metadata. Returns our end of the tunnel.
async fn tunnel(
    mut control: ControlClient<Channel>,
    headers: &[(&str, String)],
) -> Result<Conn, String> {
    let (ours, theirs) = tokio::io::duplex(1 << 16);
    let (mut from_server, mut to_server) = tokio::io::split(theirs);
    let (outgoing, receiver) = mpsc::channel::<BytesMessage>(16);
    let mut request = Request::new(ReceiverStream::new(receiver));
    for (name, value) in headers {
        let bad = |_| format!("session header {name} is not ASCII");
        let key =
            tonic::metadata::AsciiMetadataKey::from_bytes(name.to_ascii_lowercase().as_bytes())
                .map_err(|_| format!("session header {name} is not a metadata key"))?;
        request
            .metadata_mut()
            .append(key, value.parse().map_err(bad)?);
    }
    // The stream starts only once its first message is sent; the daemon sends nothing
    // until it has our HTTP/2 preface, so pump before awaiting the call.
    tokio::spawn(async move {
        let mut buf = vec![0; 32 << 10];
        while let Ok(n) = from_server.read(&mut buf).await {
            let message = BytesMessage {
                data: buf[..n].to_vec(),
            };
            if n == 0 || outgoing.send(message).await.is_err() {
                break;
            }
        }
    });
    let mut incoming = control
        .session(request)
        .await
        .map_err(|e| format!("opening the session: {}", e.message()))?
        .into_inner();
    tokio::spawn(async move {
        while let Ok(Some(message)) = incoming.message().await {
            if to_server.write_all(&message.data).await.is_err() {
                break;
            }
        }
        let _ = to_server.shutdown().await;
    });
    Ok(Box::new(ours))
}

/// Serves HTTP/2 on `conn` until the daemon hangs up.
async fn serve(conn: Conn, services: Arc<Services>) {
    let service = hyper::service::service_fn(move |request| route(request, services.clone()));
    let served = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
        .serve_connection(TokioIo::new(conn), service)
        .await;
    if let Err(e) = served {
        crate::gateway::log!("the session ended: {e}");
    }
}

type Reply = http::Response<tonic::body::Body>;

async fn route(
    request: http::Request<hyper::body::Incoming>,
    services: Arc<Services>,
) -> Result<Reply, Infallible> {
    // The daemon calls the generated method names exactly; only its check that a method is
    // offered ignores case.
    let path = request.uri().path().to_string();
    let mut grpc = tonic::server::Grpc::new(Raw);
    let reply = match path.as_str() {
        HEALTH_CHECK => {
            // HealthCheckResponse { status: SERVING }; a daemon closes a session whose
            // health checks fail.
            let serving = |_| async { Ok(Response::new(vec![0x08, 0x01])) };
            grpc.unary(tower::service_fn(serving), request).await
        }
        GET_SECRET => {
            let secret = move |r| get_secret(r, services.clone());
            grpc.unary(tower::service_fn(secret), request).await
        }
        CREDENTIALS => {
            let credentials = move |r| credentials(r, services.clone());
            grpc.unary(tower::service_fn(credentials), request).await
        }
        FILE_SYNC => {
            let sync = move |r| file_sync(r, services.clone());
            grpc.streaming(tower::service_fn(sync), request).await
        }
        FILE_SEND => {
            let send = move |r| file_send(r, services.clone());
            grpc.streaming(tower::service_fn(send), request).await
        }
        _ => Status::unimplemented(format!("rustbuild serves no {path}")).into_http(),
    };
    Ok(reply)
}

async fn get_secret(
    request: Request<Vec<u8>>,
    services: Arc<Services>,
) -> Result<Response<Vec<u8>>, Status> {
    let asked = crate::pb::moby::buildkit::secrets::v1::GetSecretRequest::decode(
        request.into_inner().as_slice(),
    )
    .map_err(|e| Status::invalid_argument(e.to_string()))?;
    let data = services.secrets.get(&asked.id)?;
    let reply = crate::pb::moby::buildkit::secrets::v1::GetSecretResponse { data };
    Ok(Response::new(reply.encode_to_vec()))
}

async fn credentials(
    request: Request<Vec<u8>>,
    services: Arc<Services>,
) -> Result<Response<Vec<u8>>, Status> {
    use crate::pb::moby::filesync::v1::{CredentialsRequest, CredentialsResponse};
    let asked = CredentialsRequest::decode(request.into_inner().as_slice())
        .map_err(|e| Status::invalid_argument(e.to_string()))?;
    let (username, secret) = services.auth.credentials(&asked.host);
    let reply = CredentialsResponse { username, secret };
    Ok(Response::new(reply.encode_to_vec()))
}

type ReplyStream = ReceiverStream<Result<Vec<u8>, Status>>;

/// `FileSync.DiffCopy`: the daemon reads the directory named by `dir-name`.
async fn file_sync(
    request: Request<Streaming<Vec<u8>>>,
    services: Arc<Services>,
) -> Result<Response<ReplyStream>, Status> {
    let meta = request.metadata();
    // A key's values are URL-encoded when one is not ASCII, and `KEY-encoded` says so.
    let values = |key: &str| -> Vec<String> {
        let encoded = meta
            .get(format!("{key}-encoded").as_str())
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| matches!(v, "1" | "t" | "T" | "true" | "TRUE" | "True"));
        meta.get_all(key)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(|v| {
                if encoded {
                    query_unescape(v)
                } else {
                    v.to_string()
                }
            })
            .collect()
    };
    let name = values("dir-name").into_iter().next().unwrap_or_default();
    let Some(root) = services.dirs.get(&name).cloned() else {
        return Err(Status::not_found(format!(
            "no local directory `{name}` in this session"
        )));
    };
    let options = SendOptions {
        include: values("include-patterns"),
        exclude: values("exclude-patterns"),
        follow_paths: values("followpaths"),
    };
    Ok(packets(
        request.into_inner(),
        move |incoming, outgoing| async move { fsync::send(&root, &options, incoming, outgoing).await },
    ))
}

/// Go's `url.QueryUnescape`: `%XX` escapes and `+` for a space; a bad escape is kept as is.
fn query_unescape(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(high), Some(low)) => {
                    out.push((high * 16 + low) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `FileSend.DiffCopy`: the exporter's output, a tree for `local`, bytes for the rest.
async fn file_send(
    request: Request<Streaming<Vec<u8>>>,
    services: Arc<Services>,
) -> Result<Response<ReplyStream>, Status> {
    match services.export.clone() {
        Some(FileTarget::Dir(dest)) => Ok(packets(
            request.into_inner(),
            move |incoming, outgoing| async move { fsync::receive(&dest, incoming, outgoing).await },
        )),
        Some(FileTarget::File(dest)) => {
            let mut stream = request.into_inner();
            let mut writer = dest.create().map_err(|e| Status::internal(e.to_string()))?;
            while let Some(frame) = stream.message().await? {
                let message = BytesMessage::decode(frame.as_slice())
                    .map_err(|e| Status::invalid_argument(e.to_string()))?;
                writer
                    .write(&message.data)
                    .map_err(|e| Status::internal(e.to_string()))?;
            }
            writer
                .finish()
                .map_err(|e| Status::internal(e.to_string()))?;
            let (_, receiver) = mpsc::channel(1);
            Ok(Response::new(ReceiverStream::new(receiver)))
        }
        None => Err(Status::unimplemented(
            "this build exports nothing to the client",
        )),
    }
}

/// Runs one end of the fsutil protocol over a raw stream: frames in are decoded into
/// packets for `run`, its packets are encoded out, and its error ends the reply.
fn packets<F, Fut>(mut incoming: Streaming<Vec<u8>>, run: F) -> Response<ReplyStream>
where
    F: FnOnce(mpsc::Receiver<Packet>, mpsc::Sender<Packet>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<(), fsync::SyncError>> + Send + 'static,
{
    let (to_run, from_peer) = mpsc::channel(64);
    let (to_peer, mut from_run) = mpsc::channel::<Packet>(64);
    let (replies, reply_stream) = mpsc::channel(64);
    tokio::spawn(async move {
        while let Ok(Some(frame)) = incoming.message().await {
            let Ok(packet) = Packet::decode(frame.as_slice()) else {
                break;
            };
            if to_run.send(packet).await.is_err() {
                break;
            }
        }
    });
    tokio::spawn(async move {
        let forward = {
            let replies = replies.clone();
            async move {
                while let Some(packet) = from_run.recv().await {
                    if replies.send(Ok(packet.encode_to_vec())).await.is_err() {
                        break;
                    }
                }
            }
        };
        let (result, ()) = tokio::join!(run(from_peer, to_peer), forward);
        if let Err(e) = result {
            let _ = replies.send(Err(Status::unknown(e.to_string()))).await;
        }
    });
    Response::new(ReceiverStream::new(reply_stream))
}

/// Messages as their encoded bytes, decoded by whoever knows their type.
#[derive(Clone, Copy, Default)]
struct Raw;

impl Codec for Raw {
    type Encode = Vec<u8>;
    type Decode = Vec<u8>;
    type Encoder = Raw;
    type Decoder = Raw;

    fn encoder(&mut self) -> Raw {
        Raw
    }

    fn decoder(&mut self) -> Raw {
        Raw
    }
}

impl Encoder for Raw {
    type Item = Vec<u8>;
    type Error = Status;

    fn encode(&mut self, item: Vec<u8>, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put_slice(&item);
        Ok(())
    }
}

impl Decoder for Raw {
    type Item = Vec<u8>;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Vec<u8>>, Status> {
        let mut item = vec![0; src.remaining()];
        src.copy_to_slice(&mut item);
        Ok(Some(item))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn services(export: Option<FileTarget>) -> Services {
        Services {
            dirs: BTreeMap::from([("context".to_string(), PathBuf::from("/src"))]),
            secrets: Secrets::default(),
            auth: DockerAuth::default(),
            export,
        }
    }

    #[test]
    fn the_headers_list_what_is_served() {
        let session = Session::new(services(None));
        let headers = session.headers();
        let methods: Vec<&str> = headers
            .iter()
            .filter(|(name, _)| *name == "X-Docker-Expose-Session-Grpc-Method")
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(methods, [HEALTH_CHECK, FILE_SYNC, GET_SECRET, CREDENTIALS]);
        assert!(headers.contains(&("X-Docker-Expose-Session-Uuid", session.id.clone())));
        let exporting = Session::new(services(Some(FileTarget::Dir(PathBuf::from("out")))));
        assert!(exporting.headers().iter().any(|(_, v)| v == FILE_SEND));
    }

    #[test]
    fn encoded_patterns_are_unescaped() {
        assert_eq!(query_unescape("caf%C3%A9/*.txt"), "café/*.txt");
        assert_eq!(query_unescape("a+b%2"), "a b%2");
        assert_eq!(query_unescape("plain"), "plain");
    }

    #[test]
    fn the_shared_key_depends_on_the_directories_only() {
        let one = Session::new(services(None));
        let two = Session::new(services(None));
        assert_ne!(one.id, two.id);
        assert_eq!(one.shared_key, two.shared_key);
        let mut other = services(None);
        other
            .dirs
            .insert("context".to_string(), PathBuf::from("/elsewhere"));
        assert_ne!(Session::new(other).shared_key, one.shared_key);
        assert_eq!(one.id.len(), 25);
    }
}
