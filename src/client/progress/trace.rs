// ---------------------------------------------------------------------------------------
// The model: what is known of each step, whichever way it is shown.

use std::collections::{BTreeMap, HashMap, VecDeque};

use prost_types::Timestamp;

use crate::pb::moby::buildkit::v1::{
    StatusResponse, Vertex, VertexLog, VertexStatus, VertexWarning,
};
use crate::pb::pb::ProgressGroup;

/// Nanoseconds since the Unix epoch on BuildKit's clock.
pub(super) type Nanos = i128;

pub(super) const SECOND: Nanos = 1_000_000_000;
/// What a step's error ends with when the build was cancelled rather than failed.
pub(super) const CANCELED: &str = "context canceled";

/// Every step seen, as buildkit's progressui `trace` keeps them.
pub(super) struct Trace {
    pub(super) steps: Vec<Step>,
    /// Vertex digest -> step; a progress group's members all map to the group's step.
    by_digest: HashMap<String, usize>,
    /// Progress group id -> step.
    groups: HashMap<String, usize>,
    /// Steps in the order they started (groups: were revealed).
    pub(super) order: Vec<usize>,
    /// The first start seen: the tty view's time zero.
    pub(super) first_start: Option<Nanos>,
    /// The latest time any message mentions: plain's clock.
    pub(super) now: Option<Nanos>,
    pub(super) locations: BTreeMap<String, String>,
    /// Whether log lines wait in `Logs::unprinted` for plain to print them.
    keep_unprinted: bool,
    /// How many last lines of each step to keep; `None` keeps all (tty shows them on failure).
    tail_limit: Option<usize>,
}

#[derive(Default)]
pub(super) struct Step {
    /// The vertex digest, or the progress group id.
    digest: String,
    pub(super) name: String,
    pub(super) cached: bool,
    pub(super) error: String,
    /// Start -> stop of each run (a vertex may run again); keyed by start as buildkit does.
    intervals: BTreeMap<Nanos, Option<Nanos>>,
    /// `intervals` with overlapping runs merged, in order.
    pub(super) merged: Vec<(Nanos, Option<Nanos>)>,
    /// The last started vertex message, to tell an update from a repeat.
    prev: Option<Vertex>,
    /// Set for a progress group: several vertices shown as one step.
    group: Option<Group>,
    /// A group none of whose strong members has started yet.
    pub(super) hidden: bool,
    /// Started statuses in the order they started.
    pub(super) statuses: Vec<Status>,
    pub(super) warnings: Vec<String>,
    pub(super) logs: Logs,
    // Plain's marks.
    /// `#N`, given on the first print.
    pub(super) index: Option<usize>,
    /// Has news plain has not printed, since `pending_since`.
    pub(super) pending: bool,
    pub(super) pending_since: Option<Nanos>,
    pub(super) warnings_shown: usize,
}

#[derive(Default)]
struct Group {
    members: BTreeMap<String, Vertex>,
}

pub(super) struct Status {
    pub(super) status: VertexStatus,
    /// Changed since plain last looked.
    pub(super) updated: bool,
    /// `(current, timestamp)` when plain last printed it.
    pub(super) last_printed: Option<(i64, Nanos)>,
}

#[derive(Default)]
pub(super) struct Logs {
    /// Lines plain has not printed, each `"{seconds} {text}"`; the last is incomplete when
    /// `partial` (plain keeps it after printing, to continue it).
    pub(super) unprinted: Vec<Vec<u8>>,
    /// The last line has no newline yet.
    pub(super) partial: bool,
    /// The last lines, the last incomplete when `partial`.
    pub(super) tail: VecDeque<LogLine>,
}

pub(super) struct LogLine {
    /// Seconds since the step started, as plain prints them.
    pub(super) stamp: String,
    pub(super) text: Vec<u8>,
}

impl Trace {
    pub(super) fn new(keep_unprinted: bool, tail_limit: Option<usize>) -> Self {
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

    pub(super) fn update(&mut self, message: &StatusResponse) {
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
    pub(super) fn title(&self, id: usize) -> String {
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
    pub(super) fn waited(&self, id: usize) -> Nanos {
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

    pub(super) fn is_completed(&self) -> bool {
        self.merged.last().is_some_and(|(_, stop)| stop.is_some())
    }

    pub(super) fn is_running(&self) -> bool {
        self.is_started() && !self.is_completed()
    }

    pub(super) fn last_stop(&self) -> Option<Nanos> {
        self.merged.last().and_then(|&(_, stop)| stop)
    }

    /// Time spent running, counting overlapping runs once; a run still going ends at `now`.
    pub(super) fn seconds(&self, now: Option<Nanos>) -> f64 {
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
pub(super) fn merge(intervals: &BTreeMap<Nanos, Option<Nanos>>) -> Vec<(Nanos, Option<Nanos>)> {
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

pub(super) fn nanos(time: &Timestamp) -> Nanos {
    Nanos::from(time.seconds) * SECOND + Nanos::from(time.nanos)
}

pub(super) fn seconds(duration: Nanos) -> f64 {
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
pub(super) fn byte_size(count: i64) -> String {
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
pub(super) fn status_amount(status: &VertexStatus) -> String {
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
