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

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;
use std::io::{IsTerminal, Write};
use std::str::FromStr;
use std::time::{Duration, Instant};

use prost_types::Timestamp;

use crate::pb::moby::buildkit::v1::{
    StatusResponse, Vertex, VertexLog, VertexStatus, VertexWarning,
};
use crate::pb::pb::{Definition, Locations, ProgressGroup, Source, SourceInfo};

/// Nanoseconds since the Unix epoch on BuildKit's clock.
type Nanos = i128;

const SECOND: Nanos = 1_000_000_000;
/// How long (build time) a step with output waits while another step holds the plain output.
const SWITCH_AFTER: Nanos = 5 * SECOND;
/// A running status is printed again after this long (buildkit's minTimeDelta) …
const STATUS_INTERVAL: Nanos = 5 * SECOND;
/// … or after this share of its total (minProgressDelta), so a pull is not one line per chunk.
const STATUS_PROGRESS: f64 = 0.05;
/// Plain has printed every line already: keep only enough to recall a failure's context.
const PLAIN_TAIL: usize = 10;
/// The most often the tty view is redrawn.
const REDRAW_EVERY: Duration = Duration::from_millis(100);
/// Lines of output shown under a running step in the tty view.
const TTY_LOG_LINES: usize = 6;
/// Columns kept free beside a step's output in the tty view (buildkit's termPad).
const TTY_LOG_PAD: usize = 10;
/// What a step's error ends with when the build was cancelled rather than failed.
const CANCELED: &str = "context canceled";

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
    places.locations.iter().find_map(|place| {
        let info = usize::try_from(place.source_index)
            .ok()
            .and_then(|index| source.infos.get(index))?;
        let start = place.ranges.first()?.start.as_ref()?;
        Some(format!("{}:{}", info.filename, start.line))
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

// ---------------------------------------------------------------------------------------
// The model: what is known of each step, whichever way it is shown.

/// Every step seen, as buildkit's progressui `trace` keeps them.
struct Trace {
    steps: Vec<Step>,
    /// Vertex digest -> step; a progress group's members all map to the group's step.
    by_digest: HashMap<String, usize>,
    /// Progress group id -> step.
    groups: HashMap<String, usize>,
    /// Steps in the order they started (groups: were revealed).
    order: Vec<usize>,
    /// The first start seen: the tty view's time zero.
    first_start: Option<Nanos>,
    /// The latest time any message mentions: plain's clock.
    now: Option<Nanos>,
    locations: BTreeMap<String, String>,
    /// Whether log lines wait in `Logs::unprinted` for plain to print them.
    keep_unprinted: bool,
    /// How many last lines of each step to keep; `None` keeps all (tty shows them on failure).
    tail_limit: Option<usize>,
}

#[derive(Default)]
struct Step {
    /// The vertex digest, or the progress group id.
    digest: String,
    name: String,
    cached: bool,
    error: String,
    /// Start -> stop of each run (a vertex may run again); keyed by start as buildkit does.
    intervals: BTreeMap<Nanos, Option<Nanos>>,
    /// `intervals` with overlapping runs merged, in order.
    merged: Vec<(Nanos, Option<Nanos>)>,
    /// The last started vertex message, to tell an update from a repeat.
    prev: Option<Vertex>,
    /// Set for a progress group: several vertices shown as one step.
    group: Option<Group>,
    /// A group none of whose strong members has started yet.
    hidden: bool,
    /// Started statuses in the order they started.
    statuses: Vec<Status>,
    warnings: Vec<String>,
    logs: Logs,
    // Plain's marks.
    /// `#N`, given on the first print.
    index: Option<usize>,
    /// Has news plain has not printed, since `pending_since`.
    pending: bool,
    pending_since: Option<Nanos>,
    warnings_shown: usize,
}

#[derive(Default)]
struct Group {
    members: BTreeMap<String, Vertex>,
}

struct Status {
    status: VertexStatus,
    /// Changed since plain last looked.
    updated: bool,
    /// `(current, timestamp)` when plain last printed it.
    last_printed: Option<(i64, Nanos)>,
}

#[derive(Default)]
struct Logs {
    /// Lines plain has not printed, each `"{seconds} {text}"`; the last is incomplete when
    /// `partial` (plain keeps it after printing, to continue it).
    unprinted: Vec<Vec<u8>>,
    /// The last line has no newline yet.
    partial: bool,
    /// The last lines, the last incomplete when `partial`.
    tail: VecDeque<LogLine>,
}

struct LogLine {
    /// Seconds since the step started, as plain prints them.
    stamp: String,
    text: Vec<u8>,
}

impl Trace {
    fn new(keep_unprinted: bool, tail_limit: Option<usize>) -> Self {
        Trace {
            steps: Vec::new(),
            by_digest: HashMap::new(),
            groups: HashMap::new(),
            order: Vec::new(),
            first_start: None,
            now: None,
            locations: BTreeMap::new(),
            keep_unprinted,
            tail_limit,
        }
    }

    fn update(&mut self, message: &StatusResponse) {
        let mut groups = Vec::new();
        for vertex in &message.vertexes {
            self.see(&[&vertex.started, &vertex.completed]);
            if self.first_start.is_none() {
                self.first_start = vertex.started.as_ref().map(nanos);
            }
            match &vertex.progress_group {
                Some(group) => {
                    let id = self.member(vertex, group);
                    if !groups.contains(&id) {
                        groups.push(id);
                    }
                }
                None => self.vertex(vertex),
            }
        }
        for id in groups {
            self.refresh_group(id);
        }
        for status in &message.statuses {
            self.see(&[&status.timestamp, &status.started, &status.completed]);
            self.status(status);
        }
        for warning in &message.warnings {
            self.warning(warning);
        }
        for log in &message.logs {
            self.see(&[&log.timestamp]);
            self.log(log);
        }
    }

    fn see(&mut self, times: &[&Option<Timestamp>]) {
        for time in times.iter().filter_map(|t| t.as_ref()) {
            let time = nanos(time);
            self.now = Some(self.now.map_or(time, |now| now.max(time)));
        }
    }

    fn vertex(&mut self, vertex: &Vertex) {
        let now = self.now;
        let id = self.single(&vertex.digest);
        let step = &mut self.steps[id];
        // Only a started vertex is news; the first listing of the graph is not.
        if vertex.started.is_some() {
            if step.prev.as_ref().is_none_or(|prev| changed(prev, vertex)) {
                step.mark(now);
            }
            step.prev = Some(vertex.clone());
        }
        let was_started = step.is_started();
        // A repeat of the unstarted listing must not undo what a started one said.
        if !was_started || vertex.started.is_some() {
            step.name.clone_from(&vertex.name);
            step.cached = vertex.cached;
            step.error.clone_from(&vertex.error);
        }
        if let Some(start) = &vertex.started {
            step.intervals
                .insert(nanos(start), vertex.completed.as_ref().map(nanos));
            step.merged = merge(&step.intervals);
            if !was_started {
                self.order.push(id);
            }
        }
    }

    fn single(&mut self, digest: &str) -> usize {
        if let Some(&id) = self.by_digest.get(digest) {
            return id;
        }
        let id = self.steps.len();
        self.steps.push(Step {
            digest: digest.to_string(),
            ..Step::default()
        });
        self.by_digest.insert(digest.to_string(), id);
        id
    }

    /// Records a member of a progress group; the group's step is refreshed after the message.
    fn member(&mut self, vertex: &Vertex, group: &ProgressGroup) -> usize {
        let id = match self.groups.get(&group.id) {
            Some(&id) => id,
            None => {
                let id = self.steps.len();
                self.steps.push(Step {
                    digest: group.id.clone(),
                    name: group.name.clone(),
                    hidden: true,
                    group: Some(Group::default()),
                    ..Step::default()
                });
                self.groups.insert(group.id.clone(), id);
                id
            }
        };
        if let Some(members) = &mut self.steps[id].group {
            members
                .members
                .insert(vertex.digest.clone(), vertex.clone());
        }
        self.by_digest.insert(vertex.digest.clone(), id);
        id
    }

    /// A group's state from its members: cached when all are, the first error, their runs;
    /// shown once a strong member starts (a weak one alone, like a `--link` copy's layer, is
    /// not a step of its own) or one fails.
    fn refresh_group(&mut self, id: usize) {
        let now = self.now;
        let step = &mut self.steps[id];
        let Some(group) = &step.group else {
            return;
        };
        let mut intervals = step.intervals.clone();
        let mut cached = true;
        let mut error = String::new();
        let mut shown = !step.hidden;
        for member in group.members.values() {
            if let Some(start) = &member.started {
                intervals.insert(nanos(start), member.completed.as_ref().map(nanos));
                shown |= !is_weak(member);
            }
            cached &= member.cached;
            if error.is_empty() {
                error.clone_from(&member.error);
            }
            shown |= !member.error.is_empty();
        }
        let revealed = shown && step.hidden;
        let changed =
            revealed || intervals != step.intervals || cached != step.cached || error != step.error;
        step.merged = merge(&intervals);
        step.intervals = intervals;
        step.cached = cached;
        step.error = error;
        step.hidden = !shown;
        if step.hidden {
            return;
        }
        if changed {
            step.mark(now);
        }
        if revealed {
            self.order.push(id);
        }
    }

    fn status(&mut self, status: &VertexStatus) {
        let Some(&id) = self.by_digest.get(&status.vertex) else {
            return;
        };
        let now = self.now;
        let step = &mut self.steps[id];
        match step.statuses.iter_mut().find(|s| s.status.id == status.id) {
            Some(known) => {
                known.status = status.clone();
                known.updated = true;
            }
            // A status is listed from its start: one never started is never shown.
            None if status.started.is_some() => step.statuses.push(Status {
                status: status.clone(),
                updated: true,
                last_printed: None,
            }),
            None => {}
        }
        step.mark(now);
    }

    fn warning(&mut self, warning: &VertexWarning) {
        let Some(&id) = self.by_digest.get(&warning.vertex) else {
            return;
        };
        let now = self.now;
        let step = &mut self.steps[id];
        step.warnings
            .push(String::from_utf8_lossy(&warning.short).into_owned());
        step.mark(now);
    }

    fn log(&mut self, log: &VertexLog) {
        let Some(&id) = self.by_digest.get(&log.vertex) else {
            return;
        };
        if log.msg.is_empty() {
            return;
        }
        let (now, keep, limit) = (self.now, self.keep_unprinted, self.tail_limit);
        let step = &mut self.steps[id];
        let since_start = match (&log.timestamp, step.merged.last()) {
            (Some(time), Some(&(start, _))) => nanos(time) - start,
            _ => 0,
        };
        step.logs
            .push(&log.msg, &log_stamp(since_start), keep, limit);
        step.mark(now);
    }

    /// A step's name with its place in the Buildfile, if known.
    fn title(&self, id: usize) -> String {
        let step = &self.steps[id];
        match self.location(step) {
            Some(place) => format!("{}  ({place})", step.name),
            None => step.name.clone(),
        }
    }

    fn location(&self, step: &Step) -> Option<&String> {
        let Some(group) = &step.group else {
            return self.locations.get(&step.digest);
        };
        // The strong member is the instruction itself; a weak one is its inner work.
        let strong = group.members.iter().filter(|(_, m)| !is_weak(m));
        let weak = group.members.iter().filter(|(_, m)| is_weak(m));
        strong
            .chain(weak)
            .find_map(|(digest, _)| self.locations.get(digest))
    }

    /// How long (build time) `id`'s news has waited for plain to print it.
    fn waited(&self, id: usize) -> Nanos {
        match (self.now, self.steps[id].pending_since) {
            (Some(now), Some(since)) => now - since,
            _ => 0,
        }
    }
}

impl Step {
    fn mark(&mut self, now: Option<Nanos>) {
        if !self.pending {
            self.pending = true;
            self.pending_since = now;
        }
    }

    fn is_started(&self) -> bool {
        !self.merged.is_empty()
    }

    fn is_completed(&self) -> bool {
        self.merged.last().is_some_and(|(_, stop)| stop.is_some())
    }

    fn is_running(&self) -> bool {
        self.is_started() && !self.is_completed()
    }

    fn last_stop(&self) -> Option<Nanos> {
        self.merged.last().and_then(|&(_, stop)| stop)
    }

    /// Time spent running, counting overlapping runs once; a run still going ends at `now`.
    fn seconds(&self, now: Option<Nanos>) -> f64 {
        self.merged
            .iter()
            .map(|&(start, stop)| seconds(stop.or(now).unwrap_or(start) - start))
            .sum()
    }
}

impl Logs {
    /// Appends a chunk of output: lines split at newlines, the first continuing an
    /// incomplete last line.
    fn push(&mut self, data: &[u8], stamp: &str, keep_unprinted: bool, limit: Option<usize>) {
        let complete = data.ends_with(b"\n");
        let body = data.strip_suffix(b"\n").unwrap_or(data);
        for (i, piece) in body.split(|&b| b == b'\n').enumerate() {
            let continues = i == 0 && self.partial;
            if keep_unprinted {
                match self.unprinted.last_mut() {
                    Some(last) if continues => last.extend_from_slice(piece),
                    _ => self
                        .unprinted
                        .push([stamp.as_bytes(), b" ", piece].concat()),
                }
            }
            match self.tail.back_mut() {
                Some(last) if continues => last.text.extend_from_slice(piece),
                _ => {
                    self.tail.push_back(LogLine {
                        stamp: stamp.to_string(),
                        text: piece.to_vec(),
                    });
                    if limit.is_some_and(|limit| self.tail.len() > limit) {
                        self.tail.pop_front();
                    }
                }
            }
        }
        self.partial = !complete;
    }
}

fn changed(prev: &Vertex, vertex: &Vertex) -> bool {
    prev.name != vertex.name
        || prev.started != vertex.started
        || (vertex.completed.is_some() && prev.completed != vertex.completed)
        || prev.cached != vertex.cached
        || prev.error != vertex.error
}

fn is_weak(vertex: &Vertex) -> bool {
    vertex.progress_group.as_ref().is_some_and(|g| g.weak)
}

/// Runs sorted by start with overlaps joined; a run with no stop swallows all later ones.
fn merge(intervals: &BTreeMap<Nanos, Option<Nanos>>) -> Vec<(Nanos, Option<Nanos>)> {
    let mut merged: Vec<(Nanos, Option<Nanos>)> = Vec::new();
    for (&start, &stop) in intervals {
        let Some(last) = merged.last_mut() else {
            merged.push((start, stop));
            continue;
        };
        match (last.1, stop) {
            (None, _) => break,
            (Some(end), _) if end < start => merged.push((start, stop)),
            (Some(_), None) => last.1 = None,
            (Some(end), Some(stop)) => last.1 = Some(end.max(stop)),
        }
    }
    merged
}

fn nanos(time: &Timestamp) -> Nanos {
    Nanos::from(time.seconds) * SECOND + Nanos::from(time.nanos)
}

fn seconds(duration: Nanos) -> f64 {
    duration as f64 / SECOND as f64
}

/// Seconds since a step started, as buildkit stamps log lines: more digits while small.
fn log_stamp(since_start: Nanos) -> String {
    let secs = seconds(since_start);
    let digits = if secs < 10.0 {
        3
    } else if secs < 100.0 {
        2
    } else {
        1
    };
    format!("{secs:.digits$}")
}

/// A byte count in decimal units with two decimals, whole bytes below a kilobyte
/// (`123B`, `1.23kB`, `3.40MB`), as buildkit's units.Bytes prints them.
fn byte_size(count: i64) -> String {
    const UNITS: [&str; 7] = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
    let size = u128::from(count.unsigned_abs());
    let mut base: u128 = 1;
    let mut unit = 0;
    while unit + 1 < UNITS.len() && size >= base * 1000 {
        base *= 1000;
        unit += 1;
    }
    if unit == 0 {
        return format!("{count}B");
    }
    format!("{:.2}{}", count as f64 / base as f64, UNITS[unit])
}

/// A status's amount: `current / total`, or `current` when the total is unknown.
fn status_amount(status: &VertexStatus) -> String {
    if status.total != 0 {
        format!(
            "{} / {}",
            byte_size(status.current),
            byte_size(status.total)
        )
    } else if status.current != 0 {
        byte_size(status.current)
    } else {
        String::new()
    }
}

/// A status as plain prints it after `#N `: id, amount, time, `done`.
fn status_line(status: &VertexStatus) -> String {
    let mut line = status.id.clone();
    let amount = status_amount(status);
    if !amount.is_empty() {
        line.push(' ');
        line.push_str(&amount);
    }
    let end = status.completed.as_ref().or(status.timestamp.as_ref());
    if let (Some(start), Some(end)) = (&status.started, end) {
        let secs = seconds(nanos(end) - nanos(start));
        if secs > 0.01 {
            line.push_str(&format!(" {secs:.1}s"));
        }
    }
    if status.completed.is_some() {
        line.push_str(" done");
    }
    line
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

// ---------------------------------------------------------------------------------------
// Plain: a log of `#N` lines.

#[derive(Default)]
struct Plain {
    /// The step whose block is open: its lines need no new header.
    current: Option<usize>,
    /// Bytes of the current step's incomplete last log line already written: the output
    /// stops mid-line, to be continued or ended.
    open: Option<usize>,
    /// Something was printed: later blocks start with a blank line.
    any: bool,
    next_index: usize,
}

impl Plain {
    /// Prints the news: finished steps first (they are done with), then the current step,
    /// then at most one other, if the current one is done or the other has waited long.
    fn print(&mut self, trace: &mut Trace, finishing: bool, buf: &mut Vec<u8>) {
        let pending =
            (0..trace.steps.len()).filter(|&id| trace.steps[id].pending && !trace.steps[id].hidden);
        let (mut done, rest): (Vec<usize>, Vec<usize>) =
            pending.partition(|&id| trace.steps[id].is_completed());
        done.sort_by_key(|&id| trace.steps[id].last_stop());
        let current = self.current;
        if let Some(id) = current.filter(|id| done.contains(id)) {
            self.step(trace, id, finishing, buf);
        }
        for &id in done.iter().filter(|&&id| Some(id) != current) {
            self.step(trace, id, finishing, buf);
        }
        if rest.is_empty() {
            if !finishing {
                self.show_running(trace, buf);
            }
            return;
        }
        if let Some(id) = current.filter(|id| rest.contains(id)) {
            self.step(trace, id, finishing, buf);
        }
        let mut waiting: Vec<usize> = rest
            .into_iter()
            .filter(|&id| Some(id) != self.current)
            .collect();
        if finishing {
            for id in waiting {
                self.step(trace, id, true, buf);
            }
            return;
        }
        waiting.sort_by_key(|&id| trace.steps[id].pending_since);
        let held = self
            .current
            .is_some_and(|id| !trace.steps[id].is_completed());
        if let Some(id) = waiting
            .into_iter()
            .find(|&id| !held || trace.waited(id) >= SWITCH_AFTER)
        {
            self.step(trace, id, false, buf);
        }
    }

    /// With nothing new, names a step still running, so the last block is not a finished
    /// step's while something else is at work.
    fn show_running(&mut self, trace: &mut Trace, buf: &mut Vec<u8>) {
        if self.current.is_some_and(|id| trace.steps[id].is_running()) {
            return;
        }
        let running = trace.order.iter().copied().find(|&id| {
            let step = &trace.steps[id];
            step.is_running() && !step.hidden
        });
        if let Some(id) = running {
            self.step(trace, id, false, buf);
        }
    }

    /// Prints one step's news, opening its block if another's is open, and its outcome if
    /// it finished (unless a status it printed is still running).
    fn step(&mut self, trace: &mut Trace, id: usize, finishing: bool, buf: &mut Vec<u8>) {
        let index = match trace.steps[id].index {
            Some(index) => index,
            None => {
                self.next_index += 1;
                trace.steps[id].index = Some(self.next_index);
                self.next_index
            }
        };
        if self.current != Some(id) {
            self.open_block(trace, id, index, buf);
        }
        let step = &mut trace.steps[id];
        let open_status = self.statuses(step, index, buf);
        for warning in &step.warnings[step.warnings_shown..] {
            self.line(buf, &format!("#{index} WARN: {warning}"));
        }
        step.warnings_shown = step.warnings.len();
        self.logs(&mut step.logs, index, buf);
        step.pending = false;
        step.pending_since = None;
        self.current = Some(id);
        if step.is_completed() && (!open_status || finishing) {
            self.current = None;
            self.close_line(buf);
            let outcome = outcome(step);
            self.line(buf, &format!("#{index} {outcome}"));
        }
    }

    fn open_block(&mut self, trace: &Trace, id: usize, index: usize, buf: &mut Vec<u8>) {
        if let Some(old) = self.current.and_then(|old| trace.steps[old].index) {
            self.line(buf, &format!("#{old} ..."));
        }
        if self.any {
            self.line(buf, "");
        }
        self.any = true;
        self.line(buf, &format!("#{index} {}", trace.title(id)));
    }

    /// Prints the statuses changed since last time, but a running one only after enough
    /// progress or time; says whether one printed is still running.
    fn statuses(&mut self, step: &mut Step, index: usize, buf: &mut Vec<u8>) -> bool {
        let mut running = false;
        for status in &mut step.statuses {
            if !std::mem::take(&mut status.updated) || !status.due() {
                continue;
            }
            let s = &status.status;
            status.last_printed = Some((s.current, s.timestamp.as_ref().map_or(0, nanos)));
            running |= s.completed.is_none();
            self.line(buf, &format!("#{index} {}", status_line(s)));
        }
        running
    }

    /// Prints the log lines not yet printed; an incomplete last line is written as far as
    /// it goes and continued in place if this step is still current when more comes.
    fn logs(&mut self, logs: &mut Logs, index: usize, buf: &mut Vec<u8>) {
        let mut lines = std::mem::take(&mut logs.unprinted);
        let count = lines.len();
        for (i, line) in lines.iter().enumerate() {
            let shown = if i == 0 { self.open.take() } else { None };
            match shown {
                Some(shown) => buf.extend_from_slice(line.get(shown..).unwrap_or_default()),
                None => {
                    self.close_line(buf);
                    buf.extend_from_slice(format!("#{index} ").as_bytes());
                    buf.extend_from_slice(line);
                }
            }
            if i + 1 < count || !logs.partial {
                buf.push(b'\n');
            }
        }
        if logs.partial
            && let Some(last) = lines.pop()
        {
            self.open = Some(last.len());
            logs.unprinted.push(last);
        }
    }

    /// Writes a whole line, first ending a log line left open.
    fn line(&mut self, buf: &mut Vec<u8>, text: &str) {
        self.close_line(buf);
        buf.extend_from_slice(text.as_bytes());
        buf.push(b'\n');
    }

    fn close_line(&mut self, buf: &mut Vec<u8>) {
        if self.open.take().is_some() {
            buf.push(b'\n');
        }
    }
}

impl Status {
    /// Whether plain should print this status again: it finished, or moved on enough.
    fn due(&self) -> bool {
        let Some((current, at)) = self.last_printed else {
            return true;
        };
        let s = &self.status;
        if s.completed.is_some() {
            return true;
        }
        let progress = if s.total > 0 {
            (s.current - current) as f64 / s.total as f64
        } else {
            0.0
        };
        let elapsed = s.timestamp.as_ref().map_or(0, nanos) - at;
        progress >= STATUS_PROGRESS || elapsed >= STATUS_INTERVAL
    }
}

/// How a finished step ended, after `#N `.
fn outcome(step: &Step) -> String {
    if step.error.ends_with(CANCELED) {
        "CANCELED".to_string()
    } else if !step.error.is_empty() {
        format!("ERROR: {}", step.error)
    } else if step.cached {
        "CACHED".to_string()
    } else if step.merged.is_empty() {
        "DONE".to_string()
    } else {
        format!("DONE {:.1}s", step.seconds(None))
    }
}

// ---------------------------------------------------------------------------------------
// Tty: a view redrawn in place.

const BLUE: &str = "34";
const RED: &str = "31";
const YELLOW: &str = "33";
const FAINT: &str = "2";

struct Tty {
    width: usize,
    height: usize,
    color: bool,
    /// Lines of the last drawing, to move back over.
    lines: usize,
    last_draw: Option<Instant>,
    /// When, on this machine's clock, the first start was seen, and that start: maps the
    /// wall clock onto BuildKit's, whatever the skew between the two machines.
    origin: Option<(Instant, Nanos)>,
}

/// One line of the tty view (buildkit's job).
struct Job {
    text: String,
    /// Shown beside the text when there is room (a status's amount).
    amount: String,
    seconds: f64,
    done: bool,
    tone: Tone,
    /// The step whose output may be shown under this line.
    step: Option<usize>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tone {
    Normal,
    Error,
    Warning,
}

impl Tty {
    fn from_env() -> Self {
        let size = |name: &str, default: usize| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.trim().parse::<usize>().ok())
                .filter(|&n| n > 0)
                .unwrap_or(default)
        };
        Tty {
            width: size("COLUMNS", 80),
            height: size("LINES", 24),
            color: std::env::var_os("NO_COLOR").is_none(),
            lines: 0,
            last_draw: None,
            origin: None,
        }
    }

    fn update(&mut self, trace: &Trace, buf: &mut Vec<u8>) {
        if self.origin.is_none() {
            self.origin = trace.first_start.map(|start| (Instant::now(), start));
        }
        if self.due() {
            self.draw(trace, false, buf);
        }
    }

    fn due(&self) -> bool {
        self.last_draw
            .is_none_or(|last| last.elapsed() >= REDRAW_EVERY)
    }

    /// Now on BuildKit's clock.
    fn now(&self, trace: &Trace) -> Option<Nanos> {
        match self.origin {
            Some((seen, start)) => {
                Some(start + Nanos::try_from(seen.elapsed().as_nanos()).unwrap_or(0))
            }
            None => trace.now,
        }
    }

    /// Draws over the last drawing; `last` draws everything, with no output of running
    /// steps and no regard for the terminal's height, to stay on screen.
    fn draw(&mut self, trace: &Trace, last: bool, buf: &mut Vec<u8>) {
        let now = self.now(trace);
        let mut lines = vec![self.header(trace, now, last)];
        lines.extend(self.body(trace, now, last));
        if self.lines > 0 {
            buf.extend_from_slice(format!("\x1b[{}A\r", self.lines).as_bytes());
        }
        buf.extend_from_slice(b"\x1b[?25l");
        for line in &lines {
            buf.extend_from_slice(b"\x1b[2K");
            buf.extend_from_slice(line.as_bytes());
            buf.push(b'\n');
        }
        // Clear what a longer drawing left below, and show the cursor again.
        buf.extend_from_slice(b"\x1b[J\x1b[?25h");
        self.lines = lines.len();
        self.last_draw = Some(Instant::now());
    }

    fn header(&self, trace: &Trace, now: Option<Nanos>, last: bool) -> String {
        let visible = trace.steps.iter().filter(|s| !s.hidden);
        let total = visible.clone().count();
        let completed = visible.filter(|s| s.is_completed()).count();
        let elapsed = match (trace.first_start, now) {
            (Some(start), Some(now)) => seconds(now - start).max(0.0),
            _ => 0.0,
        };
        let finished = if last && completed > 0 && completed == total {
            " FINISHED"
        } else {
            ""
        };
        let header = format!("[+] Building {elapsed:.1}s ({completed}/{total}){finished}");
        truncate(&header, self.width)
    }

    fn body(&self, trace: &Trace, now: Option<Nanos>, last: bool) -> Vec<String> {
        let jobs = jobs(trace, now);
        let outputs = if last {
            HashMap::new()
        } else {
            self.outputs(trace, &jobs)
        };
        let output_lines: usize = outputs.values().map(Vec::len).sum();
        let keep = if last {
            vec![true; jobs.len()]
        } else {
            fit(&jobs, self.height.saturating_sub(2 + output_lines))
        };
        let mut lines = Vec::new();
        for (i, job) in jobs.iter().enumerate().filter(|&(i, _)| keep[i]) {
            let Some(line) = self.job_line(job) else {
                continue;
            };
            lines.push(self.tone(job, line));
            for output in outputs.get(&i).into_iter().flatten() {
                lines.push(self.paint(FAINT, format!(" => => # {output}")));
            }
        }
        lines
    }

    /// The last lines of output of running steps, by job, as many as the height allows.
    fn outputs(&self, trace: &Trace, jobs: &[Job]) -> HashMap<usize, Vec<String>> {
        let running = jobs.iter().filter(|job| !job.done).count();
        let mut free = self.height.saturating_sub(2 + running);
        let width = self.width.saturating_sub(TTY_LOG_PAD);
        let mut outputs = HashMap::new();
        for (i, job) in jobs.iter().enumerate().filter(|(_, job)| !job.done) {
            let Some(step) = job.step else {
                continue;
            };
            let lines: Vec<String> = trace.steps[step]
                .logs
                .tail
                .iter()
                .map(|line| clean(&line.text))
                .filter(|line| !line.trim().is_empty())
                .collect();
            // Keep two lines free for the steps finishing meanwhile.
            let count = lines.len().min(TTY_LOG_LINES).min(free.saturating_sub(2));
            if count == 0 {
                continue;
            }
            free -= count;
            let shown = lines[lines.len() - count..]
                .iter()
                .map(|line| truncate(line, width))
                .collect();
            outputs.insert(i, shown);
        }
        outputs
    }

    /// ` => name [amount]      1.2s`, as wide as the terminal less one column (a full line
    /// would wrap on some terminals); `None` when too narrow to say anything.
    fn job_line(&self, job: &Job) -> Option<String> {
        const PREFIX: &str = " => ";
        let secs = if job.seconds < 0.05 { 0.0 } else { job.seconds };
        let timer = format!(" {secs:.1}s");
        let width = self.width.saturating_sub(1);
        let mut room = width.saturating_sub(PREFIX.len() + timer.len());
        let amount = job.amount.chars().count();
        let show_amount = amount > 0 && room >= amount + 1 + 12;
        if show_amount {
            room -= amount + 1;
        }
        if room < 12 {
            return None;
        }
        let mut text = format!("{PREFIX}{}", truncate(&job.text, room));
        if show_amount {
            text.push(' ');
            text.push_str(&job.amount);
        }
        let pad = width.saturating_sub(timer.len());
        Some(format!("{text:<pad$}{timer}"))
    }

    /// Finished lines in buildkit's colors: blue, red for an error, yellow for a warning or
    /// a cancel.
    fn tone(&self, job: &Job, line: String) -> String {
        if !job.done {
            return line;
        }
        let code = match job.tone {
            Tone::Normal => BLUE,
            Tone::Error => RED,
            Tone::Warning => YELLOW,
        };
        self.paint(code, line)
    }

    fn paint(&self, code: &str, text: String) -> String {
        if self.color { paint(code, &text) } else { text }
    }
}

fn paint(code: &str, text: &str) -> String {
    format!("\x1b[{code}m{text}\x1b[0m")
}

/// The tty view's lines: each started step, its statuses, its warnings.
fn jobs(trace: &Trace, now: Option<Nanos>) -> Vec<Job> {
    let mut jobs = Vec::new();
    for &id in &trace.order {
        let step = &trace.steps[id];
        if step.hidden {
            continue;
        }
        let (prefix, tone) = if step.error.ends_with(CANCELED) {
            ("CANCELED ", Tone::Warning)
        } else if !step.error.is_empty() {
            ("ERROR ", Tone::Error)
        } else {
            ("", Tone::Normal)
        };
        let cached = if step.cached { "CACHED " } else { "" };
        let done = step.is_completed();
        jobs.push(Job {
            text: format!("{cached}{prefix}{}", trace.title(id)).replace('\t', " "),
            amount: String::new(),
            seconds: step.seconds(now),
            done,
            tone,
            step: Some(id),
        });
        for status in &step.statuses {
            let s = &status.status;
            let start = s.started.as_ref().map(nanos);
            let stop = s.completed.as_ref().map(nanos).or(now);
            jobs.push(Job {
                text: format!("=> {}", s.id),
                amount: status_amount(s),
                seconds: start.zip(stop).map_or(0.0, |(a, b)| seconds(b - a)),
                done: s.completed.is_some(),
                tone: Tone::Normal,
                step: None,
            });
        }
        let last_run = step.merged.last().map_or(0.0, |&(start, stop)| {
            seconds(stop.or(now).unwrap_or(start) - start)
        });
        for warning in &step.warnings {
            jobs.push(Job {
                text: format!("WARN: {warning}"),
                amount: String::new(),
                seconds: last_run,
                done,
                tone: Tone::Warning,
                step: None,
            });
        }
    }
    jobs
}

/// Which jobs fit in `limit` lines: every unfinished one (the latest if even they do not
/// fit), then the latest finished ones.
fn fit(jobs: &[Job], limit: usize) -> Vec<bool> {
    if jobs.len() <= limit {
        return vec![true; jobs.len()];
    }
    let unfinished = jobs.iter().filter(|job| !job.done).count();
    let mut room_done = limit.saturating_sub(unfinished);
    let mut room_running = limit;
    let mut keep = vec![false; jobs.len()];
    for (i, job) in jobs.iter().enumerate().rev() {
        let room = if job.done {
            &mut room_done
        } else {
            &mut room_running
        };
        if *room > 0 {
            *room -= 1;
            keep[i] = true;
        }
    }
    keep
}

/// A line of a program's output as a terminal would leave it: what follows the last
/// carriage return, without escape sequences or control characters.
fn clean(text: &[u8]) -> String {
    let text = String::from_utf8_lossy(text);
    let text = text.trim_end_matches('\r');
    let last = text.rsplit('\r').next().unwrap_or_default();
    let mut out = String::with_capacity(last.len());
    let mut chars = last.chars();
    while let Some(c) = chars.next() {
        match c {
            // A CSI sequence runs to its final byte; other escapes are one character long.
            '\u{1b}' => {
                if chars.next() == Some('[') {
                    for c in chars.by_ref() {
                        if ('\u{40}'..='\u{7e}').contains(&c) {
                            break;
                        }
                    }
                }
            }
            '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn truncate(text: &str, width: usize) -> String {
    text.chars().take(width).collect()
}

#[cfg(test)]
#[path = "progress_tests.rs"]
mod tests;
