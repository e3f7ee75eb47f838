// ---------------------------------------------------------------------------------------
// Tty: a view redrawn in place.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::trace::{CANCELED, Nanos, Trace, nanos, seconds, status_amount};

/// The most often the tty view is redrawn.
const REDRAW_EVERY: Duration = Duration::from_millis(100);
/// Lines of output shown under a running step in the tty view.
const TTY_LOG_LINES: usize = 6;
/// Columns kept free beside a step's output in the tty view (buildkit's termPad).
const TTY_LOG_PAD: usize = 10;

const BLUE: &str = "34";
const RED: &str = "31";
pub(super) const YELLOW: &str = "33";
const FAINT: &str = "2";

pub(super) struct Tty {
    pub(super) width: usize,
    pub(super) height: usize,
    pub(super) color: bool,
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
    pub(super) fn from_env() -> Self {
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

    pub(super) fn update(&mut self, trace: &Trace, buf: &mut Vec<u8>) {
        if self.origin.is_none() {
            self.origin = trace.first_start.map(|start| (Instant::now(), start));
        }
        if self.due() {
            self.draw(trace, false, buf);
        }
    }

    pub(super) fn due(&self) -> bool {
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
    pub(super) fn draw(&mut self, trace: &Trace, last: bool, buf: &mut Vec<u8>) {
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

pub(super) fn paint(code: &str, text: &str) -> String {
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
