//! Where `rustbuild build` connects and how: a BuildKit daemon's gRPC socket, or a Docker
//! daemon, whose embedded BuildKit answers the same API once a connection is upgraded from
//! HTTP/1.1 (`POST /grpc` for the Control API, `POST /session` for the session it calls
//! back), the way buildx's docker driver talks to it.
//!
//! Every kind of socket is a [`Conn`]: anything that reads and writes bytes. Unix sockets,
//! TCP and Windows named pipes differ only in [`dial`], so nothing above this module knows
//! which one it has.

use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tonic::transport::{Channel, Endpoint, Uri};

/// A bidirectional byte stream to a daemon.
pub(crate) trait Io: AsyncRead + AsyncWrite + Send + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Io for T {}

/// One open connection, whatever its kind of socket.
pub(crate) type Conn = Box<dyn Io>;

/// A socket address, as `unix://`, `tcp://` or `npipe://` URLs name them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Address {
    Unix(PathBuf),
    /// `host:port`.
    Tcp(String),
    /// A pipe name such as `\\.\pipe\docker_engine`.
    NamedPipe(String),
}

/// The daemon to build on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Daemon {
    /// buildkitd: gRPC on the socket itself; the session is tunnelled in `Control.Session`.
    BuildKit(Address),
    /// dockerd: gRPC and the session each behind an HTTP/1.1 upgrade.
    Docker(Address),
}

impl Address {
    /// Parses `unix:///path`, `tcp://host:port` or `npipe:////./pipe/name`.
    pub(crate) fn parse(url: &str) -> Result<Self, String> {
        let (scheme, rest) = url.split_once("://").ok_or_else(|| {
            format!("`{url}` is not an address like unix:///path or tcp://host:port")
        })?;
        match scheme {
            "unix" if !rest.is_empty() => Ok(Self::Unix(PathBuf::from(rest))),
            "tcp" if !rest.is_empty() => {
                let host = rest.trim_end_matches('/');
                if host.contains(':') {
                    Ok(Self::Tcp(host.to_string()))
                } else {
                    Err(format!("`{url}` names no port"))
                }
            }
            // `npipe:////./pipe/name` is Windows' `\\.\pipe\name` written with slashes.
            "npipe" if !rest.is_empty() => Ok(Self::NamedPipe(rest.replace('/', "\\"))),
            "docker-container" | "kube-pod" | "podman-container" | "ssh" => Err(format!(
                "`{scheme}://` addresses are not supported; give the daemon's socket (unix://, tcp:// or npipe://)"
            )),
            _ => Err(format!(
                "`{url}`: unknown scheme `{scheme}` (expected unix, tcp or npipe)"
            )),
        }
    }

    fn describe(&self) -> String {
        match self {
            Self::Unix(path) => format!("unix://{}", path.display()),
            Self::Tcp(host) => format!("tcp://{host}"),
            Self::NamedPipe(name) => format!("npipe://{}", name.replace('\\', "/")),
        }
    }
}

impl Daemon {
    /// `--addr`, else `BUILDKIT_HOST`, else the Docker daemon of `DOCKER_HOST` or the
    /// platform's default socket.
    pub(crate) fn choose(
        addr: Option<&str>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, String> {
        let set = |name: &str| env(name).filter(|v| !v.is_empty());
        if let Some(url) = addr.map(str::to_string).or_else(|| set("BUILDKIT_HOST")) {
            return Address::parse(&url).map(Self::BuildKit);
        }
        if set("DOCKER_TLS_VERIFY").is_some() {
            return Err(
                "DOCKER_TLS_VERIFY is set, and TLS to the Docker daemon is not supported; use its unix socket or named pipe"
                    .to_string(),
            );
        }
        let url = set("DOCKER_HOST").unwrap_or_else(|| DEFAULT_DOCKER_HOST.to_string());
        Address::parse(&url).map(Self::Docker)
    }

    pub(crate) fn address(&self) -> &Address {
        match self {
            Self::BuildKit(address) | Self::Docker(address) => address,
        }
    }

    pub(crate) fn is_docker(&self) -> bool {
        matches!(self, Self::Docker(_))
    }

    /// A gRPC channel to the Control and LLBBridge APIs. tonic may reconnect; each
    /// connection is dialled (and upgraded) afresh.
    pub(crate) async fn channel(&self) -> Result<Channel, String> {
        let daemon = Arc::new(self.clone());
        let connector = tower::service_fn(move |_: Uri| {
            let daemon = daemon.clone();
            async move { daemon.control_conn().await.map(TokioIo::new) }
        });
        Endpoint::from_static("http://buildkit")
            .connect_with_connector(connector)
            .await
            .map_err(|e| self.unreachable(&e))
    }

    async fn control_conn(&self) -> io::Result<Conn> {
        let mut conn = dial(self.address()).await?;
        if self.is_docker() {
            upgrade(&mut conn, "/grpc", &[]).await?;
        }
        Ok(conn)
    }

    /// A Docker daemon's session connection: after the upgrade, the daemon is the gRPC
    /// client and we serve.
    pub(crate) async fn docker_session(&self, headers: &[(&str, String)]) -> io::Result<Conn> {
        let mut conn = dial(self.address()).await?;
        upgrade(&mut conn, "/session", headers).await?;
        Ok(conn)
    }

    fn unreachable(&self, error: &dyn std::error::Error) -> String {
        let mut why = error.to_string();
        let mut source = error.source();
        while let Some(inner) = source {
            let text = inner.to_string();
            if !why.contains(&text) {
                why = format!("{why}: {text}");
            }
            source = inner.source();
        }
        let kind = if self.is_docker() {
            "Docker"
        } else {
            "BuildKit"
        };
        format!(
            "cannot reach the {kind} daemon at {}: {why}",
            self.address().describe()
        )
    }
}

#[cfg(windows)]
const DEFAULT_DOCKER_HOST: &str = "npipe:////./pipe/docker_engine";
#[cfg(not(windows))]
const DEFAULT_DOCKER_HOST: &str = "unix:///var/run/docker.sock";

/// Opens a connection to `address`.
pub(crate) async fn dial(address: &Address) -> io::Result<Conn> {
    match address {
        #[cfg(unix)]
        Address::Unix(path) => Ok(Box::new(tokio::net::UnixStream::connect(path).await?)),
        #[cfg(not(unix))]
        Address::Unix(_) => Err(io::Error::other("unix sockets need a Unix system")),
        Address::Tcp(host) => {
            let stream = tokio::net::TcpStream::connect(host).await?;
            stream.set_nodelay(true)?;
            Ok(Box::new(stream))
        }
        #[cfg(windows)]
        Address::NamedPipe(name) => Ok(Box::new(
            tokio::net::windows::named_pipe::ClientOptions::new().open(name)?,
        )),
        #[cfg(not(windows))]
        Address::NamedPipe(_) => Err(io::Error::other("named pipes exist on Windows only")),
    }
}

/// The longest upgrade response we read; Docker's is under 200 bytes.
const RESPONSE_LIMIT: usize = 16 << 10;

/// Asks the Docker daemon to switch `conn` to HTTP/2 (`h2c`) for `path`, and reads its
/// `101 Switching Protocols`. The response is read a byte at a time so that nothing after
/// it, which belongs to HTTP/2, is consumed.
pub(crate) async fn upgrade(
    conn: &mut Conn,
    path: &str,
    headers: &[(&str, String)],
) -> io::Result<()> {
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: docker\r\nUser-Agent: rustbuild/{}\r\nContent-Length: 0\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n",
        env!("RUSTBUILD_VERSION")
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    conn.write_all(request.as_bytes()).await?;
    conn.flush().await?;

    let mut response = Vec::new();
    while !response.ends_with(b"\r\n\r\n") {
        if response.len() > RESPONSE_LIMIT {
            return Err(io::Error::other(
                "the daemon's upgrade response is too long",
            ));
        }
        let byte = conn.read_u8().await.map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("the daemon closed the connection to {path}: {e}"),
            )
        })?;
        response.push(byte);
    }
    let text = String::from_utf8_lossy(&response);
    let status = text.lines().next().unwrap_or_default();
    if status.split_whitespace().nth(1) == Some("101") {
        return Ok(());
    }
    Err(io::Error::other(format!(
        "the daemon refused to upgrade {path}: {status}"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    #[test]
    fn addresses_parse_as_urls() {
        assert_eq!(
            Address::parse("unix:///run/buildkit/buildkitd.sock"),
            Ok(Address::Unix(PathBuf::from("/run/buildkit/buildkitd.sock")))
        );
        assert_eq!(
            Address::parse("tcp://127.0.0.1:1234/"),
            Ok(Address::Tcp("127.0.0.1:1234".to_string()))
        );
        assert_eq!(
            Address::parse("npipe:////./pipe/docker_engine"),
            Ok(Address::NamedPipe(r"\\.\pipe\docker_engine".to_string()))
        );
        for bad in [
            "/var/run/docker.sock",
            "tcp://host",
            "http://x:1",
            "unix://",
        ] {
            assert!(Address::parse(bad).is_err(), "{bad}");
        }
        let err = Address::parse("docker-container://buildx_buildkit_0").unwrap_err();
        assert!(err.contains("not supported"), "{err}");
    }

    #[test]
    fn the_flag_wins_then_buildkit_host_then_docker() {
        let both = env(&[
            ("BUILDKIT_HOST", "tcp://b:1"),
            ("DOCKER_HOST", "unix:///d.sock"),
        ]);
        assert_eq!(
            Daemon::choose(Some("unix:///a.sock"), &both),
            Ok(Daemon::BuildKit(Address::Unix(PathBuf::from("/a.sock"))))
        );
        assert_eq!(
            Daemon::choose(None, &both),
            Ok(Daemon::BuildKit(Address::Tcp("b:1".to_string())))
        );
        assert_eq!(
            Daemon::choose(None, env(&[("DOCKER_HOST", "unix:///d.sock")])),
            Ok(Daemon::Docker(Address::Unix(PathBuf::from("/d.sock"))))
        );
        assert_eq!(
            Daemon::choose(None, env(&[])),
            Address::parse(DEFAULT_DOCKER_HOST).map(Daemon::Docker)
        );
        let tls = Daemon::choose(None, env(&[("DOCKER_TLS_VERIFY", "1")])).unwrap_err();
        assert!(tls.contains("TLS"), "{tls}");
    }

    /// A Docker daemon's answer, played by a socket pair: the request is what dockerd
    /// expects, and the bytes after the 101 are left for HTTP/2.
    #[tokio::test]
    async fn upgrade_reads_the_101_and_nothing_after_it() {
        let (ours, mut theirs) = tokio::io::duplex(4096);
        let daemon = tokio::spawn(async move {
            let mut request = vec![0; 4096];
            let n = theirs.read(&mut request).await.unwrap();
            theirs
                .write_all(b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\nPRI")
                .await
                .unwrap();
            String::from_utf8(request[..n].to_vec()).unwrap()
        });
        let mut conn: Conn = Box::new(ours);
        let headers = [("X-Docker-Expose-Session-Uuid", "abc".to_string())];
        upgrade(&mut conn, "/session", &headers).await.unwrap();
        let request = daemon.await.unwrap();
        assert!(
            request.starts_with("POST /session HTTP/1.1\r\n"),
            "{request}"
        );
        assert!(request.contains("\r\nUpgrade: h2c\r\n"), "{request}");
        assert!(
            request.contains("\r\nX-Docker-Expose-Session-Uuid: abc\r\n"),
            "{request}"
        );
        let mut rest = [0; 3];
        conn.read_exact(&mut rest).await.unwrap();
        assert_eq!(&rest, b"PRI");
    }

    #[tokio::test]
    async fn a_refused_upgrade_names_the_status() {
        let (ours, mut theirs) = tokio::io::duplex(4096);
        tokio::spawn(async move {
            let mut request = vec![0; 4096];
            let _ = theirs.read(&mut request).await.unwrap();
            theirs
                .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                .await
                .unwrap();
        });
        let mut conn: Conn = Box::new(ours);
        let err = upgrade(&mut conn, "/grpc", &[]).await.unwrap_err();
        assert!(err.to_string().contains("404 Not Found"), "{err}");
    }
}
