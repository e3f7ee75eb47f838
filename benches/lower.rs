//! Lowering speed and peak memory: two generated 100-stage, 10,000-instruction Buildfiles
//! and the 11-instruction hello-sized one. Run with `cargo bench --bench lower`;
//! `cargo bench --bench lower -- --emit wide-env > wide.Buildfile` writes the wide-env
//! file instead, to time `rustbuild llb` on it as a whole process.
//!
//! Peak memory is counted by a global allocator that tracks live bytes, measured from a
//! reset just before lowering (the parsed IR already exists), and separately for parsing.
#![allow(clippy::print_stdout)] // a benchmark reports on stdout

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rustbuild::lower::{self, LowerOptions, ResolvedImages};
use rustbuild::source::SourceFile;

struct Counting;

/// Counting is switched on only while measuring memory, so timings are not slowed.
static COUNTING: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator; only adds bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() && COUNTING.load(Ordering::Relaxed) {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
        if COUNTING.load(Ordering::Relaxed) {
            // Saturating: blocks allocated before counting began may be freed now.
            let _ = LIVE.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |live| {
                Some(live.saturating_sub(layout.size()))
            });
        }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Peak bytes allocated while `f` runs (what it frees before returning included).
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    LIVE.store(0, Ordering::Relaxed);
    PEAK.store(0, Ordering::Relaxed);
    COUNTING.store(true, Ordering::Relaxed);
    let out = f();
    COUNTING.store(false, Ordering::Relaxed);
    (out, PEAK.load(Ordering::Relaxed))
}

/// 100 stages of 100 instructions (FROM included): each stage copies from the one
/// before it, so the last stage needs them all.
fn large() -> String {
    let mut out = String::from("# syntax=local/rustbuild:dev\nARG BASE=alpine:3.19\n");
    for stage in 0..100 {
        out.push_str(&format!("FROM ${{BASE}} AS s{stage}\n"));
        out.push_str("ARG VERSION=1.0\n");
        out.push_str(&format!("WORKDIR /src/{stage}\n"));
        for i in 0..97 {
            let line = match i % 8 {
                0 => format!("RUN --mount=type=cache,target=/root/.cache echo step {i} $VERSION\n"),
                1 => format!("COPY src/{stage}/{i}.txt ./\n"),
                2 => format!("ENV STEP_{i}=value-{i}\n"),
                3 if stage > 0 => format!(
                    "COPY --from=s{} /src/{}/ /prev/{i}/\n",
                    stage - 1,
                    stage - 1
                ),
                3 => format!("COPY --chmod=0644 file{i} /etc/\n"),
                4 => format!("LABEL step{i}=\"{stage}-{i}\"\n"),
                5 => format!("RUN [\"sh\", \"-c\", \"echo {i} > /out{i}\"]\n"),
                6 => format!("EXPOSE {}\n", 8000 + i),
                _ => format!("USER {i}:{i}\n"),
            };
            out.push_str(&line);
        }
    }
    out
}

/// 100 stages of 100 instructions, each `FROM scratch`, cycling ENV, WORKDIR, COPY, RUN
/// and LABEL: the env and the (relative) working directory grow through each stage, so
/// every RUN carries a longer env and every op a longer path. The first COPY of each stage
/// after the first is from the stage before, so the last stage needs them all. 10,200 lines.
fn wide_env() -> String {
    let mut out = String::from("# syntax=local/rustbuild:dev\n");
    for stage in 0..100 {
        out.push_str(&format!("FROM scratch AS s{stage}\n"));
        for i in 0..100 {
            let line = match i % 5 {
                0 => format!("ENV VAR_{i}=value-{stage}-{i}\n"),
                1 => format!("WORKDIR dir{i}\n"),
                2 if i == 2 && stage > 0 => format!("COPY --from=s{} / /prev/\n", stage - 1),
                2 => format!("COPY file{i}.txt ./\n"),
                3 => format!("RUN echo step {i} $VAR_{} > out{i}.txt\n", i - 3),
                _ => format!("LABEL label{i}=\"{stage}-{i}\"\n"),
            };
            out.push_str(&line);
        }
        out.push('\n');
    }
    out
}

const SMALL: &str = "\
# syntax=local/rustbuild:dev
FROM alpine:3.19 AS build
WORKDIR /src
COPY . .
RUN make
FROM alpine:3.19
ENV APP=/app
WORKDIR /app
COPY --from=build /src/out ./
RUN chmod +x /app/run
USER 1000
CMD [\"/app/run\"]
";

fn count_instructions(text: &str) -> usize {
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with("ARG BASE"))
        .count()
}

fn bench(name: &str, text: &str, rounds: u32) {
    let file = SourceFile::new("Buildfile", text);
    let (analysis, parse_peak) = peak_of(|| rustbuild::analyze(&file));
    let Some(buildfile) = analysis.buildfile else {
        eprintln!(
            "{name}: the generated Buildfile does not parse: {:?}",
            analysis.diagnostics
        );
        std::process::exit(1);
    };
    let opts = LowerOptions::default();
    let images = ResolvedImages::new();
    let (ops, lower_peak) = peak_of(|| {
        let lowered = lower::lower(&file, &buildfile, &images, &opts);
        lowered.map(|l| l.definition.def.len()).unwrap_or(0)
    });
    let mut best_lower = Duration::MAX;
    let mut best_parse = Duration::MAX;
    for _ in 0..rounds {
        let start = Instant::now();
        let analysis = rustbuild::analyze(&file);
        best_parse = best_parse.min(start.elapsed());
        std::hint::black_box(analysis);
        let start = Instant::now();
        let lowered = lower::lower(&file, &buildfile, &images, &opts);
        best_lower = best_lower.min(start.elapsed());
        std::hint::black_box(lowered.is_ok());
    }
    let mib = |bytes: usize| bytes as f64 / (1024.0 * 1024.0);
    println!(
        "{name}: {} instructions, {} stages, {ops} ops | lower {:.2} ms, peak {:.2} MiB | parse+check {:.2} ms, peak {:.2} MiB (best of {rounds})",
        count_instructions(text),
        buildfile.stages.len(),
        best_lower.as_secs_f64() * 1000.0,
        mib(lower_peak),
        best_parse.as_secs_f64() * 1000.0,
        mib(parse_peak),
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--emit") {
        match args.get(i + 1).map(String::as_str) {
            Some("wide-env") => print!("{}", wide_env()),
            Some("large") => print!("{}", large()),
            _ => {
                eprintln!("--emit takes `wide-env` or `large`");
                std::process::exit(2);
            }
        }
        return;
    }
    // `cargo test` runs benches with `--bench` absent: keep that quick.
    let quick = !args.iter().any(|a| a == "--bench");
    let rounds = if quick { 1 } else { 20 };
    bench("large", &large(), rounds);
    bench("wide-env", &wide_env(), rounds);
    bench("small", SMALL, rounds * 10);
    // The whole process, text, IR and all rounds included (Linux only).
    if let Ok(status) = std::fs::read_to_string("/proc/self/status")
        && let Some(line) = status.lines().find(|l| l.starts_with("VmHWM"))
    {
        println!(
            "process peak resident memory ({})",
            line.split_whitespace()
                .skip(1)
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
}
