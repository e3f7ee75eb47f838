//! One frontend run: connect, answer what BuildKit asked (a build or a subrequest), `Return`
//! exactly once, exit.

use std::collections::BTreeMap;

use crate::pb::google::rpc::Status;
use crate::pb::moby::buildkit::v1::frontend as gw;
use crate::platform::Platform;
use crate::vars::Scope;

use super::client::Bridge;
use super::files::{self, BuildSource};
use super::options::{Environment, FrontendOptions};
use super::{build, includes, log, report, stdio, subrequests};

/// Runs the frontend on this process's stdin/stdout. Exits the process with 0 once `Return`
/// went through, whatever it carried: BuildKit waits for the exit, a non-zero code would fail
/// a successful build, and waiting for the runtime to wind down could hang it. Returns only
/// when no `Return` could be made, with the exit code for that.
pub fn run() -> u8 {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            log!("cannot start the async runtime: {e}");
            return 2;
        }
    };
    match runtime.block_on(serve()) {
        Ok(()) => std::process::exit(0),
        Err(message) => {
            log!("{message}");
            2
        }
    }
}

async fn serve() -> Result<(), String> {
    let env = Environment::from_vars(std::env::vars());
    let stdio = stdio::Stdio::open().map_err(|e| e.to_string())?;
    let mut bridge = Bridge::connect(stdio).await.map_err(|e| e.to_string())?;
    let caps = &bridge.caps;
    let lacking: Vec<&str> = [
        "proto.refarray",
        "returnmap",
        "frontend.inputs",
        "gateway.warnings",
    ]
    .into_iter()
    .filter(|cap| !caps.has(cap))
    .collect();
    log!(
        "connected: {} gateway and {} LLB caps enabled; lacking {lacking:?}",
        caps.gateway.len(),
        caps.llb.len()
    );
    answer(&mut bridge, &env).await
}

/// Responds to what BuildKit asked and makes the one `Return`.
pub(crate) async fn answer(bridge: &mut Bridge, env: &Environment) -> Result<(), String> {
    let started = std::time::Instant::now();
    let outcome = respond(bridge, env).await;
    if let Err(status) = &outcome {
        let first = status.message.lines().next().unwrap_or_default();
        log!("returning an error: {first}");
    }
    bridge
        .return_outcome(outcome)
        .await
        .map_err(|e| format!("Return failed: {e}"))?;
    log!("returned after {} ms", started.elapsed().as_millis());
    Ok(())
}

/// Everything between `Ping` and `Return`.
async fn respond(bridge: &mut Bridge, env: &Environment) -> Result<gw::Result, Status> {
    let opts = FrontendOptions::parse(&env.opts).map_err(|e| report::plain_error(e.to_string()))?;
    if let Some(request) = &opts.request_id {
        if request == subrequests::DESCRIBE {
            return Ok(metadata_only(subrequests::describe()));
        }
        if !subrequests::is_known(request) {
            return Err(report::unsupported_subrequest(request));
        }
    }
    let source = files::read(bridge, &opts, &env.session_id).await?;
    let build_platform = env
        .worker_platforms
        .first()
        .or(bridge.workers.first())
        .cloned()
        .unwrap_or_else(Platform::linux_amd64);
    let targets = match opts.platforms.as_slice() {
        [] => std::slice::from_ref(&build_platform),
        several => several,
    };
    let scope = |target_platform| Scope {
        build_args: &opts.build_args,
        target_platform,
        build_platform: &build_platform,
        target: opts.target.as_deref(),
    };
    // One load per target platform: INCLUDE paths and IF conditions may name the platform.
    // Files are read once; a build that includes nothing and decides nothing is loaded once.
    let mut read = includes::Read::new();
    let mut analyses = Vec::new();
    for target in targets {
        if analyses
            .first()
            .is_some_and(|a: &crate::Analysis| !a.decided)
            && read.is_empty()
        {
            break;
        }
        let loaded = includes::load(
            bridge,
            &source,
            &opts,
            &env.session_id,
            scope(target),
            &mut read,
        )
        .await;
        let lint = crate::lint::Inputs {
            ignore: Some(&source.ignore.patterns),
            check: opts
                .build_args
                .get(crate::lint::BUILD_ARG)
                .map(String::as_str),
        };
        analyses.push(crate::analyze_loaded(loaded, lint));
    }
    let first = &analyses[0];
    if let Some(request) = &opts.request_id {
        return subrequest(request, first, &opts);
    }
    warn(bridge, &source, first).await;
    if let Some(failed) = analyses.iter().find(|a| a.buildfile.is_none()) {
        return Err(report::diagnostics_error(
            &failed.diagnostics,
            &failed.files,
        ));
    }
    let built: Vec<build::Target> = targets
        .iter()
        .enumerate()
        .filter_map(|(i, platform)| {
            let analysis = analyses.get(i).unwrap_or(first);
            Some(build::Target {
                platform,
                buildfile: analysis.buildfile.as_ref()?,
                files: &analysis.files,
            })
        })
        .collect();
    build::build(
        bridge,
        &source,
        &built,
        &opts,
        &env.session_id,
        &build_platform,
    )
    .await
}

/// Answers a known subrequest from the Buildfile alone.
fn subrequest(
    request: &str,
    analysis: &crate::Analysis,
    opts: &FrontendOptions,
) -> Result<gw::Result, Status> {
    let file = &analysis.files;
    if request == subrequests::LINT {
        return Ok(metadata_only(subrequests::lint(
            file,
            &analysis.diagnostics,
        )));
    }
    let Some(buildfile) = &analysis.buildfile else {
        return Err(report::diagnostics_error(&analysis.diagnostics, file));
    };
    let answer = if request == subrequests::TARGETS {
        subrequests::targets(file, buildfile)
    } else {
        let lower_opts = crate::lower::LowerOptions {
            target: opts.target.clone(),
            build_args: opts.build_args.clone(),
            named_contexts: opts.named_contexts.clone(),
            ..Default::default()
        };
        subrequests::outline(file, buildfile, &lower_opts)
            .map_err(|d| report::diagnostics_error(&d, file))?
    };
    Ok(metadata_only(answer))
}

/// A result with no filesystem, only metadata. The ref is present but empty, as the Go
/// client sends it.
fn metadata_only(metadata: BTreeMap<String, Vec<u8>>) -> gw::Result {
    gw::Result {
        result: Some(gw::result::Result::Ref(gw::Ref::default())),
        metadata,
        attestations: BTreeMap::new(),
    }
}

/// Sends the Buildfile's warnings to the user's progress output, attached to the vertex that
/// loaded the file. A failed `Warn` is logged, not fatal.
async fn warn(bridge: &mut Bridge, source: &BuildSource, analysis: &crate::Analysis) {
    for diagnostic in analysis.diagnostics.iter().filter(|d| !d.is_error()) {
        let request = report::warn_request(diagnostic, &analysis.files, &source.vertex);
        if let Err(e) = bridge.warn(request).await {
            log!("Warn failed: {e}");
        }
    }
}

#[cfg(test)]
#[path = "session_tests.rs"]
mod tests;
