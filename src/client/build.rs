//! One `rustbuild build`: connect, open the session, start the build with no frontend, and
//! be its frontend over the same connection while the daemon reports progress.
//!
//! The order matters. The session comes first: the build's `local` sources name it. Then
//! `Control.Solve` registers the build under its ref and waits for a frontend; our LLBBridge
//! calls carry that ref, and the daemon forwards them to the build (it waits a few seconds
//! for the registration, so the first call may race the Solve). `Return` ends the frontend's
//! part; `Solve` then runs the exporter and answers with what it exported.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;
use tonic::transport::Channel;

use crate::gateway::{self, Bridge, Environment, MESSAGE_LIMIT};
use crate::pb::google::rpc::Status;
use crate::pb::moby::buildkit::v1::control_client::ControlClient;
use crate::pb::moby::buildkit::v1::{SolveRequest, StatusRequest};
use crate::pb::pb;

use super::auth::DockerAuth;
use super::error::SourceMap;
use super::export::Export;
use super::progress::{self, Display};
use super::secrets::Secrets;
use super::session::{self, Services, Session};
use super::transport::Daemon;

/// How long the progress stream may run on after the build ended, before it is cut.
const STATUS_GRACE: Duration = Duration::from_secs(5);

/// Everything one build needs, decided from the command line.
pub(crate) struct Request {
    pub(crate) daemon: Daemon,
    /// The frontend options, as buildx would send them to dockerfile.v0.
    pub(crate) frontend_opts: BTreeMap<String, String>,
    /// The local directories the build may read, by name (`context`, `dockerfile`, …).
    pub(crate) dirs: BTreeMap<String, PathBuf>,
    pub(crate) secrets: Secrets,
    pub(crate) export: Option<Export>,
    pub(crate) display: Display,
}

/// Why a build did not finish.
#[derive(Debug)]
pub(crate) enum Failure {
    /// No daemon to talk to, or it refused us: nothing was built.
    Connect(String),
    /// The build ran and failed; the status has the daemon's details.
    Build(Status),
}

/// Runs the build; on success, what the exporter reported (`containerimage.digest`, …).
pub(crate) async fn build(request: Request) -> Result<BTreeMap<String, String>, Failure> {
    let Request {
        daemon,
        frontend_opts,
        dirs,
        secrets,
        export,
        display,
    } = request;
    let display = Arc::new(Mutex::new(display));
    let channel = daemon.channel().await.map_err(Failure::Connect)?;
    let control = ControlClient::new(channel.clone())
        .max_decoding_message_size(MESSAGE_LIMIT)
        .max_encoding_message_size(MESSAGE_LIMIT);
    let session = Session::new(Services {
        dirs,
        secrets,
        auth: DockerAuth::load(|name| std::env::var(name).ok()),
        export: export.as_ref().and_then(|e| e.target.clone()),
    });
    session
        .start(&daemon, &control)
        .await
        .map_err(Failure::Connect)?;
    let build_ref = session::new_id();

    // The Definitions the frontend solves, for the steps' lines in the progress display.
    let (definitions, solving) = mpsc::unbounded_channel();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let status = tokio::spawn(follow(
        control.clone(),
        build_ref.clone(),
        display.clone(),
        seen.clone(),
        solving,
    ));
    let solve = tokio::spawn(solve(
        control,
        solve_request(&build_ref, &session.id, export.as_ref()),
    ));

    let env = Environment {
        opts: frontend_opts,
        session_id: session.id.clone(),
        worker_platforms: Vec::new(),
    };
    let frontend = frontend(channel, &build_ref, &env, definitions).await;

    let outcome = settle(frontend, solve).await;
    // The daemon ends the stream with the build; a stream that lingers is cut.
    let _ = tokio::time::timeout(STATUS_GRACE, status).await;
    if let Ok(mut display) = display.lock() {
        display.finish();
    }
    outcome.map_err(|status| match seen.lock() {
        Ok(seen) => Failure::Build(seen.sources.explain(status, &seen.failed)),
        Err(_) => Failure::Build(status),
    })
}

/// The build's outcome once the frontend is done.
async fn settle(
    frontend: Result<(), String>,
    mut solve: SolveTask,
) -> Result<BTreeMap<String, String>, Status> {
    match frontend {
        Ok(()) => solve
            .await
            .unwrap_or_else(|e| Err(gateway::plain_error(format!("the build task failed: {e}")))),
        // The frontend could not answer. Most often the build failed first (an exporter the
        // daemon lacks), and its error says why; else the build would wait for the frontend
        // forever, so it is stopped (as Go's client does after the same grace).
        Err(message) => match tokio::time::timeout(STATUS_GRACE, &mut solve).await {
            Ok(Ok(Err(status))) => Err(status),
            _ => {
                solve.abort();
                Err(gateway::plain_error(message))
            }
        },
    }
}

type SolveTask = tokio::task::JoinHandle<Result<BTreeMap<String, String>, Status>>;

/// What the progress stream told of the build, for explaining its failure.
#[derive(Default)]
struct Seen {
    sources: SourceMap,
    /// The vertices that failed, in the order they did.
    failed: Vec<String>,
}

fn solve_request(build_ref: &str, session_id: &str, export: Option<&Export>) -> SolveRequest {
    let (exporter, attrs) = export
        .map(|e| (e.exporter.clone(), e.attrs.clone()))
        .unwrap_or_default();
    SolveRequest {
        r#ref: build_ref.to_string(),
        session: session_id.to_string(),
        // No frontend and no definition: the client answers the build over LLBBridge.
        frontend: String::new(),
        exporter_deprecated: exporter,
        exporter_attrs_deprecated: attrs,
        ..Default::default()
    }
}

async fn solve(
    mut control: ControlClient<Channel>,
    request: SolveRequest,
) -> Result<BTreeMap<String, String>, Status> {
    control
        .solve(request)
        .await
        .map(|response| response.into_inner().exporter_response)
        .map_err(|e| gateway::status_from_tonic(&e))
}

/// The frontend's part: the same code as in the frontend image, its Definitions shown to
/// the progress display for their source maps.
async fn frontend(
    channel: Channel,
    build_ref: &str,
    env: &Environment,
    definitions: mpsc::UnboundedSender<pb::Definition>,
) -> Result<(), String> {
    let mut bridge = Bridge::for_build(channel, build_ref)
        .await
        .map_err(|e| format!("the daemon did not accept the build's frontend: {e}"))?;
    bridge.observe_solves(Box::new(move |definition| {
        let _ = definitions.send(definition.clone());
    }));
    gateway::answer(&mut bridge, env).await
}

/// Feeds the display until the daemon ends the status stream.
async fn follow(
    mut control: ControlClient<Channel>,
    build_ref: String,
    display: Arc<Mutex<Display>>,
    seen: Arc<Mutex<Seen>>,
    mut definitions: mpsc::UnboundedReceiver<pb::Definition>,
) {
    let request = StatusRequest { r#ref: build_ref };
    let Ok(response) = control.status(request).await else {
        return;
    };
    let mut stream = response.into_inner();
    // Running steps' times move on between messages in the tty view.
    let mut ticks = tokio::time::interval(Duration::from_millis(100));
    loop {
        tokio::select! {
            _ = ticks.tick() => {
                if let Ok(mut display) = display.lock() {
                    display.tick();
                }
            }
            Some(definition) = definitions.recv() => {
                if let Ok(mut display) = display.lock() {
                    display.add_locations(progress::locations(&definition));
                }
                if let Ok(mut seen) = seen.lock() {
                    seen.sources.add(&definition);
                }
            }
            message = stream.message() => {
                let Ok(Some(status)) = message else { return };
                if let Ok(mut display) = display.lock() {
                    display.update(&status);
                }
                if let Ok(mut seen) = seen.lock() {
                    let failed = status.vertexes.iter().filter(|v| !v.error.is_empty() && !v.error.ends_with("context canceled"));
                    seen.failed.extend(failed.map(|v| v.digest.clone()));
                }
            }
        }
    }
}
