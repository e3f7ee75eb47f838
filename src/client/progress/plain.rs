// ---------------------------------------------------------------------------------------
// Plain: a log of `#N` lines.

use crate::pb::moby::buildkit::v1::VertexStatus;

use super::trace::{
    CANCELED, Logs, Nanos, SECOND, Status, Step, Trace, nanos, seconds, status_amount,
};

/// How long (build time) a step with output waits while another step holds the plain output.
const SWITCH_AFTER: Nanos = 5 * SECOND;
/// A running status is printed again after this long (buildkit's minTimeDelta) …
const STATUS_INTERVAL: Nanos = 5 * SECOND;
/// … or after this share of its total (minProgressDelta), so a pull is not one line per chunk.
const STATUS_PROGRESS: f64 = 0.05;

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

#[derive(Default)]
pub(super) struct Plain {
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
    pub(super) fn print(&mut self, trace: &mut Trace, finishing: bool, buf: &mut Vec<u8>) {
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

    pub(super) fn close_line(&mut self, buf: &mut Vec<u8>) {
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
