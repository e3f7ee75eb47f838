//! The plain view compared byte for byte, the tty view by its parts, locations, modes.

use std::io;
use std::sync::{Arc, Mutex};

use prost_types::Timestamp;

use super::trace::{byte_size, merge};
use super::*;
use crate::pb::moby::buildkit::v1::{Vertex, VertexLog, VertexStatus};
use crate::pb::pb::{Location, Position, ProgressGroup, Range};

/// Seconds of the first timestamp; every time below is in milliseconds after it.
const T0: i64 = 1_700_000_000;

/// A writer the test reads back.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Capture {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }

    /// What was written since the last call.
    fn take(&self) -> String {
        String::from_utf8(std::mem::take(&mut *self.0.lock().unwrap())).unwrap()
    }
}

fn display(mode: Mode) -> (Display, Capture) {
    let capture = Capture::default();
    (Display::new(mode, Box::new(capture.clone())), capture)
}

fn at(ms: i64) -> Option<Timestamp> {
    Some(Timestamp {
        seconds: T0 + ms / 1000,
        nanos: i32::try_from(ms % 1000).unwrap() * 1_000_000,
    })
}

fn listed(digest: &str, name: &str) -> Vertex {
    Vertex {
        digest: digest.into(),
        name: name.into(),
        ..Vertex::default()
    }
}

fn started(digest: &str, name: &str, start: i64) -> Vertex {
    Vertex {
        started: at(start),
        ..listed(digest, name)
    }
}

fn completed(digest: &str, name: &str, start: i64, stop: i64) -> Vertex {
    Vertex {
        completed: at(stop),
        ..started(digest, name, start)
    }
}

fn vertexes(list: Vec<Vertex>) -> StatusResponse {
    StatusResponse {
        vertexes: list,
        ..StatusResponse::default()
    }
}

fn log(digest: &str, time: i64, text: &str) -> VertexLog {
    VertexLog {
        vertex: digest.into(),
        timestamp: at(time),
        stream: 1,
        msg: text.as_bytes().to_vec(),
    }
}

fn logs(list: Vec<VertexLog>) -> StatusResponse {
    StatusResponse {
        logs: list,
        ..StatusResponse::default()
    }
}

/// A status at `time`, started at `start`, done if `done`.
fn status(
    digest: &str,
    id: &str,
    amount: (i64, i64),
    start: i64,
    time: i64,
    done: bool,
) -> VertexStatus {
    VertexStatus {
        id: id.into(),
        vertex: digest.into(),
        current: amount.0,
        total: amount.1,
        timestamp: at(time),
        started: at(start),
        completed: if done { at(time) } else { None },
        ..VertexStatus::default()
    }
}

fn statuses(list: Vec<VertexStatus>) -> StatusResponse {
    StatusResponse {
        statuses: list,
        ..StatusResponse::default()
    }
}

fn warning(digest: &str, short: &str) -> VertexWarning {
    VertexWarning {
        vertex: digest.into(),
        level: 1,
        short: short.as_bytes().to_vec(),
        ..VertexWarning::default()
    }
}

const LOAD: &str = "[internal] load build definition from Buildfile";
const FROM: &str = "[build 1/3] FROM docker.io/library/alpine:3.20";
const MAKE: &str = "[build 2/3] RUN make";
const COPY: &str = "[test 1/2] COPY tests /tests";
const FALSE: &str = "[test 2/2] RUN false";
const EXIT: &str = "process \"/bin/sh -c false\" did not complete successfully: exit code: 1";
const JSON_ARGS: &str = "JSONArgsRecommended: JSON arguments recommended for CMD (line 3)";

#[test]
fn plain_prints_each_step_as_buildx_does() {
    let (mut display, out) = display(Mode::Plain);
    display.add_locations(BTreeMap::from([(
        "d3".to_string(),
        "Buildfile:12".to_string(),
    )]));
    // The graph as first listed: nothing has started, nothing to say.
    display.update(&vertexes(vec![
        listed("d1", LOAD),
        listed("d2", FROM),
        listed("d3", MAKE),
        listed("d4", COPY),
        listed("d5", FALSE),
    ]));
    assert_eq!(out.take(), "");

    let mut message = vertexes(vec![started("d1", LOAD, 0)]);
    message.statuses = vec![status(
        "d1",
        "transferring buildfile:",
        (123, 0),
        0,
        10,
        true,
    )];
    display.update(&message);
    let mut message = vertexes(vec![completed("d1", LOAD, 0, 20)]);
    message.warnings = vec![warning("d1", JSON_ARGS)];
    display.update(&message);

    // A pull: a running status is printed again only after 5% more or 5 s.
    let mut message = vertexes(vec![started("d2", FROM, 30)]);
    message.statuses = vec![status(
        "d2",
        "resolve docker.io/library/alpine:3.20",
        (0, 0),
        30,
        130,
        true,
    )];
    display.update(&message);
    display.update(&statuses(vec![status(
        "d2",
        "sha256:4abc",
        (1_200_000, 3_400_000),
        130,
        630,
        false,
    )]));
    let before = out.text();
    display.update(&statuses(vec![status(
        "d2",
        "sha256:4abc",
        (1_300_000, 3_400_000),
        130,
        730,
        false,
    )]));
    assert_eq!(out.text(), before, "2.9% more after 0.1 s is not news");
    display.update(&statuses(vec![
        status("d2", "sha256:4abc", (3_400_000, 3_400_000), 130, 1030, true),
        status("d2", "extracting sha256:4abc", (0, 0), 1030, 1230, true),
    ]));
    display.update(&vertexes(vec![completed("d2", FROM, 30, 1240)]));

    // A running step's output; a line is continued in place.
    let mut message = vertexes(vec![started("d3", MAKE, 1250)]);
    message.logs = vec![log("d3", 1762, "compiling\nlinking")];
    display.update(&message);
    display.update(&logs(vec![log("d3", 1800, " ok\n")]));
    // A cached step interrupts it; the running one is named again after.
    display.update(&vertexes(vec![Vertex {
        cached: true,
        ..completed("d4", COPY, 1300, 1300)
    }]));
    assert!(
        out.text()
            .ends_with("#4 CACHED\n\n#3 [build 2/3] RUN make  (Buildfile:12)\n"),
        "the step still running is named again at once"
    );
    let mut message = vertexes(vec![completed("d3", MAKE, 1250, 2450)]);
    message.logs = vec![log("d3", 2300, "done\n")];
    display.update(&message);

    let mut message = vertexes(vec![started("d5", FALSE, 2500)]);
    message.logs = vec![log("d5", 2600, "oops\n")];
    display.update(&message);
    display.update(&vertexes(vec![Vertex {
        error: EXIT.into(),
        ..completed("d5", FALSE, 2500, 2700)
    }]));
    display.finish();

    let expected = "\
#1 [internal] load build definition from Buildfile
#1 transferring buildfile: 123B done
#1 WARN: JSONArgsRecommended: JSON arguments recommended for CMD (line 3)
#1 DONE 0.0s

#2 [build 1/3] FROM docker.io/library/alpine:3.20
#2 resolve docker.io/library/alpine:3.20 0.1s done
#2 sha256:4abc 1.20MB / 3.40MB 0.5s
#2 sha256:4abc 3.40MB / 3.40MB 0.9s done
#2 extracting sha256:4abc 0.2s done
#2 DONE 1.2s

#3 [build 2/3] RUN make  (Buildfile:12)
#3 0.512 compiling
#3 0.512 linking ok
#3 ...

#4 [test 1/2] COPY tests /tests
#4 CACHED

#3 [build 2/3] RUN make  (Buildfile:12)
#3 1.050 done
#3 DONE 1.2s

#5 [test 2/2] RUN false
#5 0.100 oops
#5 ERROR: process \"/bin/sh -c false\" did not complete successfully: exit code: 1
------
 > [test 2/2] RUN false:
0.100 oops
------

 1 warning found:
 - JSONArgsRecommended: JSON arguments recommended for CMD (line 3)
";
    assert_eq!(out.text(), expected);
}

#[test]
fn plain_writes_an_open_line_as_far_as_it_goes() {
    let (mut display, out) = display(Mode::Plain);
    let mut message = vertexes(vec![started("a", "A", 0)]);
    message.logs = vec![log("a", 100, "Downloading")];
    display.update(&message);
    assert_eq!(out.text(), "#1 A\n#1 0.100 Downloading");
    display.update(&logs(vec![log("a", 200, "...")]));
    assert_eq!(out.text(), "#1 A\n#1 0.100 Downloading...");
    display.update(&vertexes(vec![completed("a", "A", 0, 300)]));
    display.finish();
    assert_eq!(out.text(), "#1 A\n#1 0.100 Downloading...\n#1 DONE 0.3s\n");
}

#[test]
fn plain_ignores_repeats_and_the_unstarted_listing() {
    let (mut display, out) = display(Mode::Plain);
    let cached = Vertex {
        cached: true,
        ..completed("a", "A", 0, 0)
    };
    display.update(&vertexes(vec![cached.clone()]));
    assert_eq!(out.text(), "#1 A\n#1 CACHED\n");
    display.update(&vertexes(vec![cached]));
    assert_eq!(out.text(), "#1 A\n#1 CACHED\n", "a repeat is not news");
    // The unstarted listing again must not make the step uncached.
    display.update(&vertexes(vec![listed("a", "A")]));
    display.update(&StatusResponse {
        warnings: vec![warning("a", JSON_ARGS)],
        ..StatusResponse::default()
    });
    display.finish();
    let expected = "\
#1 A
#1 CACHED

#1 A
#1 WARN: JSONArgsRecommended: JSON arguments recommended for CMD (line 3)
#1 CACHED

 1 warning found:
 - JSONArgsRecommended: JSON arguments recommended for CMD (line 3)
";
    assert_eq!(out.text(), expected);
}

#[test]
fn plain_holds_a_step_back_while_another_has_the_output() {
    let (mut display, out) = display(Mode::Plain);
    let mut message = vertexes(vec![started("a", "A", 0)]);
    message.logs = vec![log("a", 100, "a1\n")];
    display.update(&message);
    let mut message = vertexes(vec![started("b", "B", 200)]);
    message.logs = vec![log("b", 300, "b1\n")];
    display.update(&message);
    assert_eq!(
        out.text(),
        "#1 A\n#1 0.100 a1\n",
        "B waits while A has the output"
    );
    display.update(&logs(vec![log("a", 400, "a2\n")]));
    // Five seconds later B has waited long enough.
    display.update(&logs(vec![log("a", 5300, "a3\n")]));
    display.update(&vertexes(vec![completed("a", "A", 0, 5400)]));
    display.update(&vertexes(vec![completed("b", "B", 200, 5500)]));
    display.finish();
    let expected = "\
#1 A
#1 0.100 a1
#1 0.400 a2
#1 5.300 a3
#1 ...

#2 B
#2 0.100 b1
#2 ...

#1 A
#1 DONE 5.4s

#2 B
#2 DONE 5.3s
";
    assert_eq!(out.text(), expected);
}

#[test]
fn plain_shows_a_progress_group_as_one_step_once_its_strong_member_starts() {
    let (mut display, out) = display(Mode::Plain);
    display.add_locations(BTreeMap::from([(
        "merge".to_string(),
        "Buildfile:4".to_string(),
    )]));
    let group = |weak| {
        Some(ProgressGroup {
            id: "link-0-2".into(),
            name: "[build 2/2] LINK COPY . /".into(),
            weak,
        })
    };
    let member = |weak, vertex: Vertex| Vertex {
        progress_group: group(weak),
        ..vertex
    };
    display.update(&vertexes(vec![member(true, started("copy", "copy", 0))]));
    display.update(&logs(vec![log("copy", 50, "inner\n")]));
    assert_eq!(out.text(), "", "a weak member alone is hidden");
    display.update(&vertexes(vec![
        member(true, completed("copy", "copy", 0, 200)),
        member(false, started("merge", "merge", 100)),
    ]));
    display.update(&vertexes(vec![member(
        false,
        completed("merge", "merge", 100, 300),
    )]));
    display.finish();
    let expected = "\
#1 [build 2/2] LINK COPY . /  (Buildfile:4)
#1 0.050 inner
#1 DONE 0.3s
";
    assert_eq!(out.text(), expected);
}

#[test]
fn plain_cancelled_steps_are_not_failures_and_warnings_are_counted_once() {
    let (mut display, out) = display(Mode::Plain);
    display.update(&vertexes(vec![started("a", "A", 0)]));
    let mut message = vertexes(vec![Vertex {
        error: "rpc error: code = Canceled desc = context canceled".into(),
        ..completed("a", "A", 0, 100)
    }]);
    // The same warning again for another vertex, and one for a vertex never seen.
    message.warnings = vec![
        warning("a", JSON_ARGS),
        warning("b", JSON_ARGS),
        warning(
            "c",
            "UndefinedVar: Usage of undefined variable '$X' (line 5)",
        ),
    ];
    display.update(&message);
    display.finish();
    let expected = "\
#1 A
#1 WARN: JSONArgsRecommended: JSON arguments recommended for CMD (line 3)
#1 CANCELED

 2 warnings found:
 - JSONArgsRecommended: JSON arguments recommended for CMD (line 3)
 - UndefinedVar: Usage of undefined variable '$X' (line 5)
";
    assert_eq!(out.text(), expected);
    assert_eq!(display.warnings().len(), 2);
}

#[test]
fn tty_redraws_in_place_and_ends_with_the_final_state() {
    let (display, out) = display(Mode::Tty);
    let mut display = display.with_size(60, 24);
    display.add_locations(BTreeMap::from([(
        "a".to_string(),
        "Buildfile:3".to_string(),
    )]));
    let mut message = vertexes(vec![started("a", "RUN make", 0), listed("b", "COPY . /")]);
    message.logs = vec![log("a", 100, "\x1b[1mhello\x1b[0m\n\n50%\r100%\n")];
    display.update(&message);
    let first = out.text();
    assert!(first.contains("[+] Building "), "{first:?}");
    assert!(first.contains("(0/2)"), "{first:?}");
    assert!(first.contains(" => RUN make  (Buildfile:3)"), "{first:?}");
    assert!(
        first.contains(" => => # hello\x1b[0m") || first.contains(" => => # hello\n"),
        "{first:?}"
    );
    assert!(first.contains(" => => # 100%"), "{first:?}");
    assert_eq!(
        first.matches(" => => # ").count(),
        2,
        "no empty lines: {first:?}"
    );
    assert!(
        !first.contains("\x1b[1m"),
        "output is cleaned of escapes: {first:?}"
    );

    display.update(&vertexes(vec![
        Vertex {
            cached: true,
            ..completed("b", "COPY . /", 150, 150)
        },
        completed("a", "RUN make", 0, 500),
    ]));
    display.finish();
    let all = out.text();
    let last = &all[first.len()..];
    // Back up over the last drawing (header, two steps' lines and two of output, at least).
    let up = last.find("\x1b[").map(|at| &last[at..]).unwrap_or_default();
    let lines: usize = up[2..up.find('A').unwrap()].parse().unwrap();
    assert!(lines >= 3, "{last:?}");
    assert!(last.contains("\x1b[2K"), "lines are cleared: {last:?}");
    assert!(last.contains("(2/2) FINISHED"), "{last:?}");
    let step = format!("{:<54} 0.5s", " => RUN make  (Buildfile:3)");
    assert!(last.contains(&step), "{last:?}");
    assert!(last.contains(" => CACHED COPY . /"), "{last:?}");
    assert!(
        !last.contains(" => => # "),
        "finished steps' output is collapsed: {last:?}"
    );
    // Nothing more after the end.
    display.update(&vertexes(vec![started("c", "RUN more", 600)]));
    assert_eq!(out.text(), all);
}

#[test]
fn tty_keeps_running_steps_when_the_screen_is_full() {
    let (display, out) = display(Mode::Tty);
    let mut display = display.with_size(60, 6);
    let mut list: Vec<Vertex> = (0..6)
        .map(|i| completed(&format!("d{i}"), &format!("done {i}"), i * 10, i * 10 + 5))
        .collect();
    list.push(started("r", "still running", 100));
    display.update(&vertexes(list));
    let text = out.text();
    assert!(text.contains(" => still running"), "{text:?}");
    assert!(text.contains(" => done 5"), "{text:?}");
    assert!(text.contains(" => done 3"), "{text:?}");
    assert!(
        !text.contains(" => done 2"),
        "four lines under the header: {text:?}"
    );
}

#[test]
fn locations_label_each_vertex_with_its_first_range() {
    let range = |line| Range {
        start: Some(Position { line, character: 0 }),
        end: Some(Position { line, character: 9 }),
    };
    let place = |source_index, ranges| Location {
        source_index,
        ranges,
    };
    let definition = Definition {
        source: Some(Source {
            locations: BTreeMap::from([
                (
                    "sha256:a".to_string(),
                    Locations {
                        locations: vec![place(0, vec![range(12), range(14)])],
                    },
                ),
                (
                    // An unknown file, then a known one.
                    "sha256:b".to_string(),
                    Locations {
                        locations: vec![place(7, vec![range(1)]), place(1, vec![range(3)])],
                    },
                ),
                (
                    "sha256:c".to_string(),
                    Locations {
                        locations: vec![place(0, vec![])],
                    },
                ),
            ]),
            infos: vec![
                SourceInfo {
                    filename: "Buildfile".into(),
                    ..SourceInfo::default()
                },
                SourceInfo {
                    filename: "lib/common.bf".into(),
                    ..SourceInfo::default()
                },
            ],
        }),
        ..Definition::default()
    };
    assert_eq!(
        locations(&definition),
        BTreeMap::from([
            ("sha256:a".to_string(), "Buildfile:12".to_string()),
            ("sha256:b".to_string(), "lib/common.bf:3".to_string()),
        ])
    );
    assert_eq!(locations(&Definition::default()), BTreeMap::new());
}

#[test]
fn modes_parse_and_name_the_valid_ones() {
    assert_eq!("auto".parse::<Mode>(), Ok(Mode::Auto));
    assert_eq!("plain".parse::<Mode>(), Ok(Mode::Plain));
    assert_eq!("tty".parse::<Mode>(), Ok(Mode::Tty));
    let error = "fancy".parse::<Mode>().unwrap_err();
    assert_eq!(
        error.to_string(),
        "unknown progress mode `fancy`: expected auto, plain or tty"
    );
    assert!("Plain".parse::<Mode>().is_err());
}

#[test]
fn sizes_in_decimal_units() {
    assert_eq!(byte_size(0), "0B");
    assert_eq!(byte_size(999), "999B");
    assert_eq!(byte_size(1234), "1.23kB");
    assert_eq!(byte_size(3_400_000), "3.40MB");
    assert_eq!(byte_size(28_230_000_000), "28.23GB");
}

#[test]
fn overlapping_runs_count_once() {
    let runs = BTreeMap::from([(0, Some(10)), (5, Some(20)), (20, Some(25)), (30, Some(40))]);
    assert_eq!(merge(&runs), vec![(0, Some(25)), (30, Some(40))]);
    let open = BTreeMap::from([(0, Some(10)), (5, None), (30, Some(40))]);
    assert_eq!(merge(&open), vec![(0, None)]);
}
