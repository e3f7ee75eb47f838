//! The transport: BuildKit serves LLBBridge as cleartext HTTP/2 over the frontend's own
//! stdin (daemon -> frontend) and stdout (frontend -> daemon).
//!
//! Both ends are anonymous pipes. They are opened as tokio's non-blocking pipe halves rather
//! than `tokio::io::stdin()`, whose uncancellable blocking read keeps the runtime from shutting
//! down: BuildKit keeps the pipe open until the process exits, so that would hang the build
//! (PROTOCOL.md section 0, "Shutdown hang").

use std::io;
use std::os::fd::AsFd;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::unix::pipe;
use tonic::transport::{Channel, Endpoint, Uri};

/// The read and write pipes joined into one bidirectional stream.
pub(crate) struct Stdio {
    rx: pipe::Receiver,
    tx: pipe::Sender,
}

impl Stdio {
    /// Duplicates fds 0 and 1 and puts them in non-blocking mode. Fails when either is not
    /// a pipe, which means we were not started by BuildKit.
    pub(crate) fn open() -> io::Result<Self> {
        let stdin = io::stdin().as_fd().try_clone_to_owned()?;
        let stdout = io::stdout().as_fd().try_clone_to_owned()?;
        let rx = pipe::Receiver::from_owned_fd(stdin).map_err(|e| not_a_pipe("stdin", e))?;
        let tx = pipe::Sender::from_owned_fd(stdout).map_err(|e| not_a_pipe("stdout", e))?;
        Ok(Self { rx, tx })
    }
}

fn not_a_pipe(which: &str, err: io::Error) -> io::Error {
    io::Error::new(
        err.kind(),
        format!(
            "{which} is not a pipe ({err}); `rustbuild frontend` is meant to be started by BuildKit"
        ),
    )
}

impl AsyncRead for Stdio {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.rx).poll_read(cx, buf)
    }
}

impl AsyncWrite for Stdio {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.tx).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tx).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tx).poll_shutdown(cx)
    }
}

/// A gRPC channel over one already-open stream. tonic may call a connector again to
/// reconnect; a pipe cannot be reopened, so the stream is handed out once and a second
/// call fails instead of hanging.
pub(crate) async fn channel<S>(stream: S) -> Result<Channel, tonic::transport::Error>
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let slot = Arc::new(Mutex::new(Some(stream)));
    let connector = tower::service_fn(move |_: Uri| {
        let taken = slot.lock().ok().and_then(|mut s| s.take());
        async move {
            taken.map(TokioIo::new).ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::NotConnected,
                    "the connection to BuildKit over stdin/stdout was lost",
                )
            })
        }
    });
    Endpoint::from_static("http://localhost")
        .connect_with_connector(connector)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regular_file_is_not_a_pipe() {
        let file = std::fs::File::open("Cargo.toml").unwrap();
        let err = pipe::Receiver::from_owned_fd(file.into())
            .map_err(|e| not_a_pipe("stdin", e))
            .err()
            .unwrap();
        assert!(err.to_string().contains("stdin is not a pipe"), "{err}");
    }
}
