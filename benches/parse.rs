//! `cargo bench --bench parse`: parses and checks a generated 10,000-instruction Buildfile,
//! then one of 60 lines that FOR and CALL expand to 10,000 steps.
//!
//! Timed with `std::time::Instant`: a warm-up run, then the median of several runs.
#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::fmt::Write;
use std::time::{Duration, Instant};

use rustbuild::source::SourceFile;

const INSTRUCTIONS: usize = 10_000;
/// Timed runs; `RUSTBUILD_BENCH_RUNS` overrides (for profilers).
const RUNS: usize = 25;

/// A Buildfile of `count` instructions: stages of 100, each a mix of what real files use.
fn buildfile(count: usize) -> String {
    let mut out =
        String::from("# syntax=docker/dockerfile:1\nARG BASE=alpine:3.20\nARG VERSION=1.0\n");
    let mut written = 2;
    let mut stage = 0;
    while written < count {
        if written % 100 == 2 {
            let _ = writeln!(
                out,
                "\n# stage{stage}: generated\nFROM ${{BASE}} AS stage{stage}"
            );
            stage += 1;
            written += 1;
            continue;
        }
        let i = written;
        let _ = match i % 12 {
            0 => writeln!(
                out,
                "RUN --mount=type=cache,target=/var/cache/apk,sharing=locked \\\n    \
                 apk add --no-cache curl git && \\\n    echo step {i} > /tmp/{i}"
            ),
            1 => writeln!(
                out,
                "COPY --chown=1000:1000 --chmod=0644 src/{i}/*.txt /app/{i}/"
            ),
            2 => writeln!(out, "ENV PATH=/opt/{i}/bin:$PATH STEP_{i}=\"value {i}\""),
            3 => writeln!(out, "ARG OPT_{i}=${{VERSION:-0}}"),
            4 => writeln!(out, "WORKDIR /app/${{VERSION}}/{i}"),
            5 => writeln!(
                out,
                "LABEL org.example.step{i}=\"step {i}\" version=${{VERSION}}"
            ),
            6 => writeln!(out, "RUN [\"sh\", \"-c\", \"echo exec {i}\"]"),
            7 => writeln!(out, "RUN <<EOT\nset -e\necho heredoc {i}\nEOT"),
            8 => writeln!(
                out,
                "EXPOSE {}/tcp {}/udp",
                1000 + i % 60000,
                2000 + i % 60000
            ),
            9 if stage > 1 => writeln!(out, "COPY --from=stage{} /app /from-{i}", stage - 2),
            10 => writeln!(out, "USER ${{UID:-1000}}:${{GID:-1000}}"),
            _ => writeln!(out, "RUN echo \"plain step {i}\" && ls -la /app | wc -l"),
        };
        written += 1;
    }
    out.push_str("CMD [\"/bin/sh\"]\n");
    out
}

/// 100 stages stamped out by FOR, each with 10 CALLs of a 10-step FUNCTION whose IF takes
/// one of two branches: 10,000 steps from 30 lines, besides the bindings.
fn expanding() -> String {
    let mut out = String::from("ARG N=\"");
    for i in 0..100 {
        let _ = write!(out, "{}s{i}", if i == 0 { "" } else { " " });
    }
    out.push_str("\"\nFUNCTION steps STEP MODE=fast\n");
    for i in 0..8 {
        let _ = writeln!(out, "    RUN echo $STEP {i} && ls /app | wc -l");
    }
    out.push_str("    ENV LAST=$STEP\n    IF $MODE == fast\n        RUN echo fast\n    ELSE\n");
    out.push_str("        RUN echo slow\n    END\nEND\nFOR S IN ${N}\nFROM alpine:3.20 AS ${S}\n");
    out.push_str("FOR C IN 0 1 2 3 4 5 6 7 8 9\n    CALL steps STEP=${S}-${C}\nEND\nEND\n");
    out
}

fn main() {
    let text = buildfile(INSTRUCTIONS);
    measure("parse+check", &text);
    measure("parse+expand+check", &expanding());
}

fn measure(what: &str, text: &str) {
    let file = SourceFile::new("Buildfile", text);
    let analysis = rustbuild::analyze(&file);
    // Lint warnings are part of the work measured (the generated files have some).
    assert!(
        !analysis.diagnostics.has_errors(),
        "{:?}",
        analysis.diagnostics
    );
    let steps: usize = analysis
        .buildfile
        .as_ref()
        .map(|b| b.global_args.len() + b.stages.iter().map(|s| s.steps.len() + 1).sum::<usize>())
        .unwrap_or(0);
    assert!(steps >= INSTRUCTIONS, "only {steps} instructions");

    let runs = std::env::var("RUSTBUILD_BENCH_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|&n: &usize| n > 0)
        .unwrap_or(RUNS);
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            let analysis = std::hint::black_box(rustbuild::analyze(std::hint::black_box(&file)));
            let elapsed = started.elapsed();
            // Freeing the IR is the caller's business, not parsing: keep it out of the time.
            drop(analysis);
            elapsed
        })
        .collect();
    times.sort();
    let median = times[runs / 2];
    let mib = text.len() as f64 / (1024.0 * 1024.0);
    println!(
        "{what}: {steps} instructions, {} lines, {:.2} MiB: median {:.2} ms \
         (min {:.2} ms, max {:.2} ms over {runs} runs), {:.0} MiB/s, {:.0} instructions/ms",
        text.lines().count(),
        mib,
        median.as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[runs - 1].as_secs_f64() * 1e3,
        mib / median.as_secs_f64(),
        steps as f64 / (median.as_secs_f64() * 1e3),
    );
}
