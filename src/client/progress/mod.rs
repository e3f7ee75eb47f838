//! A build's progress, from BuildKit's `Control.Status` stream, shown the way `docker buildx`
//! shows it.
//!
//! ```text
//! let mut display = Display::new(Mode::Auto, Box::new(std::io::stderr()));
//! display.add_locations(locations(&definition));   // once per Definition solved
//! for each StatusResponse: display.update(&status);
//! every ~100 ms while no message comes: display.tick();   // tty timers advance
//! display.finish();                                      // final state, error logs, warnings
//! ```
//!
//! Two views over one model of the build (the `Trace`):
//!
//! - **plain**, buildx's `--progress=plain`, written from buildkit's
//!   `util/progress/progressui/printer.go`: steps numbered `#N` in the order they first
//!   appear in the output (a step never started gets none), a header line when a step's block
//!   starts, its statuses (`#3 sha256:… 1.20MB / 3.40MB 0.5s`, `… done`), warnings
//!   (`#1 WARN: …`), log lines stamped with seconds since the step started (`#5 0.512 …`), and
//!   its outcome (`DONE 1.2s`, `CACHED`, `ERROR: …`, `CANCELED`). When another step has output
//!   while one holds the screen, `#N ...` closes the block and a new one opens.
//! - **tty**: a live view redrawn in place (cursor up, lines cleared) at most every 100 ms:
//!   `[+] Building 3.4s (5/8)`, one line per step with its time, its statuses, and the last
//!   lines of output of running steps; at the end the whole final state once.
//!
//! Both end with the last lines of each failed step (`------ > name: … ------`) and buildx's
//! summary of warnings (`N warnings found:`), deduplicated as buildx does.
//!
//! Extra over buildx: a step's place in the Buildfile after its name,
//! `#5 [build 2/3] RUN make  (Buildfile:12)`, from [`locations`] of the solved definitions.
//!
//! Where buildkit decides by wall clock, plain decides by the messages' own timestamps, so the
//! same stream always prints the same text: every message is printed as it comes (buildkit
//! batches per 100 ms); a step with output waits at most 5 s of build time while another
//! holds the output (buildkit's anti-flicker split by update rate); warnings print when they
//! arrive, not only with the step's next update. Only tty reads the wall clock, for the
//! times of running steps.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{IsTerminal, Write};
use std::str::FromStr;

use crate::pb::moby::buildkit::v1::{StatusResponse, VertexWarning};
use crate::pb::pb::{Definition, Locations, Source, SourceInfo};

use plain::Plain;
use trace::{CANCELED, Trace};
use tty::{Tty, YELLOW, paint};

mod plain;
mod trace;
mod tty;

/// Plain has printed every line already: keep only enough to recall a failure's context.
const PLAIN_TAIL: usize = 10;

/// How progress is shown: `--progress=auto|plain|tty`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// Tty when stderr is a terminal, else plain.
    #[default]
    Auto,
    Plain,
    Tty,
}

impl FromStr for Mode {
    type Err = ModeError;

    fn from_str(s: &str) -> Result<Self, ModeError> {
        match s {
            "auto" => Ok(Mode::Auto),
            "plain" => Ok(Mode::Plain),
            "tty" => Ok(Mode::Tty),
            _ => Err(ModeError(s.to_string())),
        }
    }
}

/// A `--progress` value that is not a [`Mode`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModeError(String);

impl fmt::Display for ModeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown progress mode `{}`: expected auto, plain or tty",
            self.0
        )
    }
}

impl std::error::Error for ModeError {}

/// Each vertex of `definition` that its source map places, as `FILENAME:LINE` of its first
/// range, keyed by vertex digest: what [`Display::add_locations`] takes.
pub(crate) fn locations(definition: &Definition) -> BTreeMap<String, String> {
    let Some(source) = &definition.source else {
        return BTreeMap::new();
    };
    source
        .locations
        .iter()
        .filter_map(|(digest, places)| Some((digest.clone(), label(source, places)?)))
        .collect()
}

/// The first of `places` that names a known file and a line.
fn label(source: &Source, places: &Locations) -> Option<String> {
    let (index, range) = first_place(source, places)?;
    let start = range.start.as_ref()?;
    Some(format!("{}:{}", source.infos[index].filename, start.line))
}

/// Where a vertex is written: the first of its places in a known file that has a range, as
/// the index of that file in `source.infos` and the range. Shared with the error report's
/// source map, so that the line shown in progress is the line an error shows.
pub(crate) fn first_place<'a>(
    source: &Source,
    places: &'a Locations,
) -> Option<(usize, &'a crate::pb::pb::Range)> {
    places.locations.iter().find_map(|place| {
        let index = usize::try_from(place.source_index).ok()?;
        source.infos.get(index)?;
        Some((index, place.ranges.first()?))
    })
}

/// The progress display: fed every [`StatusResponse`] of a build, writes to `out`.
pub(crate) struct Display {
    out: Box<dyn Write + Send>,
    trace: Trace,
    view: View,
    /// Every warning received, for the summary (a warning on an unknown vertex included).
    warnings: Vec<VertexWarning>,
    finished: bool,
}

enum View {
    Plain(Plain),
    Tty(Tty),
}

impl Display {
    /// A display writing to `out`. [`Mode::Auto`] asks whether stderr is a terminal, since
    /// that is where `out` goes in real use.
    pub(crate) fn new(mode: Mode, out: Box<dyn Write + Send>) -> Self {
        let tty = match mode {
            Mode::Auto => std::io::stderr().is_terminal(),
            Mode::Plain => false,
            Mode::Tty => true,
        };
        let (view, trace) = if tty {
            (View::Tty(Tty::from_env()), Trace::new(false, None))
        } else {
            (
                View::Plain(Plain::default()),
                Trace::new(true, Some(PLAIN_TAIL)),
            )
        };
        Display {
            out,
            trace,
            view,
            warnings: Vec::new(),
            finished: false,
        }
    }

    /// Sets the terminal's size for the tty view (else `COLUMNS` and `LINES`, or 80×24).
    #[cfg(test)]
    pub(crate) fn with_size(mut self, width: usize, height: usize) -> Self {
        if let View::Tty(tty) = &mut self.view {
            tty.width = width;
            tty.height = height;
        }
        self
    }

    /// Adds `vertex digest -> label` entries, shown after the steps' names; see [`locations`].
    pub(crate) fn add_locations(&mut self, locations: BTreeMap<String, String>) {
        self.trace.locations.extend(locations);
    }

    /// Takes one message of the stream: plain prints what it brings, tty redraws if due.
    pub(crate) fn update(&mut self, status: &StatusResponse) {
        if self.finished {
            return;
        }
        self.trace.update(status);
        self.warnings.extend(status.warnings.iter().cloned());
        let mut buf = Vec::new();
        match &mut self.view {
            View::Plain(plain) => plain.print(&mut self.trace, false, &mut buf),
            View::Tty(tty) => tty.update(&self.trace, &mut buf),
        }
        self.emit(&buf);
    }

    /// Redraws the tty view if due, so running steps' times advance between messages; to be
    /// called every ~100 ms while waiting. Plain has nothing to do.
    pub(crate) fn tick(&mut self) {
        if self.finished {
            return;
        }
        let mut buf = Vec::new();
        if let View::Tty(tty) = &mut self.view
            && tty.due()
        {
            tty.draw(&self.trace, false, &mut buf);
        }
        self.emit(&buf);
    }

    /// Prints what is pending (plain) or the final state (tty), then the output of failed
    /// steps and the warnings. Later calls, and updates after it, do nothing.
    pub(crate) fn finish(&mut self) {
        if self.finished {
            return;
        }
        self.finished = true;
        let mut buf = Vec::new();
        let color = match &mut self.view {
            View::Plain(plain) => {
                plain.print(&mut self.trace, true, &mut buf);
                plain.close_line(&mut buf);
                false
            }
            View::Tty(tty) => {
                tty.draw(&self.trace, true, &mut buf);
                tty.color
            }
        };
        error_logs(&self.trace, &mut buf);
        warnings_summary(&dedup(&self.warnings), color, &mut buf);
        self.emit(&buf);
    }

    /// The warnings received so far, each once (as buildx deduplicates them).
    #[cfg(test)]
    pub(crate) fn warnings(&self) -> Vec<VertexWarning> {
        dedup(&self.warnings)
    }

    fn emit(&mut self, buf: &[u8]) {
        if buf.is_empty() {
            return;
        }
        // Progress is best effort: a closed or broken stderr must not fail the build it shows.
        let _ = self.out.write_all(buf).and_then(|()| self.out.flush());
    }
}

/// The same warning sent for several vertices (or by several solves) is one warning.
fn dedup(warnings: &[VertexWarning]) -> Vec<VertexWarning> {
    let mut seen: Vec<VertexWarning> = Vec::new();
    let mut unique = Vec::new();
    for warning in warnings {
        let key = VertexWarning {
            vertex: String::new(),
            info: warning.info.clone().map(|info| SourceInfo {
                definition: None,
                ..info
            }),
            ..warning.clone()
        };
        if !seen.contains(&key) {
            seen.push(key);
            unique.push(warning.clone());
        }
    }
    unique
}

/// The last lines of each failed step, which plain printed long ago and tty never showed
/// whole.
fn error_logs(trace: &Trace, buf: &mut Vec<u8>) {
    for &id in &trace.order {
        let step = &trace.steps[id];
        if step.error.is_empty() || step.error.ends_with(CANCELED) {
            continue;
        }
        buf.extend_from_slice(format!("------\n > {}:\n", step.name).as_bytes());
        for line in &step.logs.tail {
            buf.extend_from_slice(line.stamp.as_bytes());
            buf.push(b' ');
            buf.extend_from_slice(&line.text);
            buf.push(b'\n');
        }
        buf.extend_from_slice(b"------\n");
    }
}

/// buildx's summary: `N warnings found:` and one line each.
fn warnings_summary(warnings: &[VertexWarning], color: bool, buf: &mut Vec<u8>) {
    let heading = match warnings.len() {
        0 => return,
        1 => "1 warning found:".to_string(),
        n => format!("{n} warnings found:"),
    };
    let heading = if color {
        paint(YELLOW, &heading)
    } else {
        heading
    };
    buf.extend_from_slice(format!("\n {heading}\n").as_bytes());
    for warning in warnings {
        buf.extend_from_slice(b" - ");
        buf.extend_from_slice(&warning.short);
        buf.push(b'\n');
    }
}

#[cfg(test)]
mod tests;
