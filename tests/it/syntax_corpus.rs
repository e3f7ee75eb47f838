//! Corpus snapshots for `syntax` and `check`: the IR of every valid file (the examples
//! included), and the rendered diagnostics of every invalid one. Every corpus file is also
//! checked for the parser's invariants.

use std::collections::BTreeSet;
use std::path::Path;

use rustbuild::diagnostic::{self, Code, Diagnostics, Style};
use rustbuild::source::SourceFile;

fn load(path: &Path) -> SourceFile {
    let bytes = std::fs::read(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    rustbuild::syntax::decode(&name, &bytes).unwrap()
}

/// Spans inside the file and on character boundaries; no internal errors.
fn assert_invariants(file: &SourceFile, diagnostics: &Diagnostics) {
    for d in diagnostics.iter() {
        assert_ne!(d.code, Code::Internal, "{}: {}", file.name, d.message);
        assert!(
            !d.labels.is_empty(),
            "{}: `{}` has no label",
            file.name,
            d.message
        );
        for label in &d.labels {
            let range = label.span.range();
            assert!(
                file.text.get(range.clone()).is_some(),
                "{}: span {range:?} of `{}` is out of bounds or splits a character",
                file.name,
                d.message
            );
        }
    }
}

/// The diagnostics as a person sees them, then as JSON.
fn rendered(file: &SourceFile, diagnostics: &Diagnostics) -> String {
    let json = serde_json::to_string_pretty(&diagnostic::to_json(diagnostics, file)).unwrap();
    format!(
        "{}\n{json}\n",
        diagnostic::render(diagnostics, file, Style::Plain)
    )
}

#[test]
fn examples_parse_to_ir() {
    insta::glob!("../../examples", "*/Buildfile", |path| {
        let file = load(path);
        let scope = rustbuild::lower::LowerOptions::default();
        let analysis = super::disk::analyze(path, scope.scope());
        assert_invariants(&file, &analysis.diagnostics);
        assert!(
            analysis.diagnostics.is_empty(),
            "{}",
            rendered(&file, &analysis.diagnostics)
        );
        insta::assert_snapshot!(format!("{:#?}", analysis.buildfile.unwrap()));
    });
}

#[test]
fn ok_corpus_parses_to_ir() {
    insta::glob!("../corpus/syntax/ok", "*.Buildfile", |path| {
        let file = load(path);
        let analysis = rustbuild::analyze(&file);
        assert_invariants(&file, &analysis.diagnostics);
        assert!(
            !analysis.diagnostics.has_errors(),
            "{}",
            rendered(&file, &analysis.diagnostics)
        );
        let warnings = rendered(&file, &analysis.diagnostics);
        insta::assert_snapshot!(format!("{warnings}\n{:#?}", analysis.buildfile.unwrap()));
    });
}

/// Snapshots the diagnostics of an invalid file, and returns their codes.
fn check_err(path: &Path) -> BTreeSet<Code> {
    let file = load(path);
    let analysis = rustbuild::analyze(&file);
    assert_invariants(&file, &analysis.diagnostics);
    assert!(
        analysis.diagnostics.has_errors(),
        "{} has no errors",
        file.name
    );
    assert!(analysis.buildfile.is_none());
    analysis.diagnostics.iter().map(|d| d.code).collect()
}

#[test]
fn syntax_err_corpus_renders_diagnostics() {
    insta::glob!("../corpus/syntax/err", "*.Buildfile", |path| {
        check_err(path);
        let file = load(path);
        insta::assert_snapshot!(rendered(&file, &rustbuild::analyze(&file).diagnostics));
    });
}

#[test]
fn check_err_corpus_renders_diagnostics() {
    insta::glob!("../corpus/check/err", "*.Buildfile", |path| {
        check_err(path);
        let file = load(path);
        insta::assert_snapshot!(rendered(&file, &rustbuild::analyze(&file).diagnostics));
    });
}

#[test]
fn every_code_has_an_err_corpus_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut seen = BTreeSet::new();
    for dir in ["syntax/err", "check/err"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            seen.extend(check_err(&entry.unwrap().path()));
        }
    }
    // invalid-utf8 has its own test (a corpus file must be readable text); lint rules have
    // the lint corpus.
    let expected = Code::ALL.iter().filter(|code| {
        let name = code.as_str();
        (name.contains("::syntax::") || name.contains("::check::"))
            && !matches!(code, Code::InvalidUtf8)
    });
    for code in expected {
        assert!(seen.contains(code), "no err corpus file produces {code}");
    }
}

#[test]
fn invalid_utf8_points_at_the_byte() {
    let error = rustbuild::syntax::decode("Buildfile", b"FROM a\nRUN \xff\n").unwrap_err();
    assert_eq!(error.code, Code::InvalidUtf8);
    assert_eq!(error.span().unwrap().start, 11);
    assert!(error.message.contains("line 2"), "{}", error.message);
}

#[test]
fn byte_order_mark_is_dropped() {
    let file = rustbuild::syntax::decode("Buildfile", b"\xef\xbb\xbfFROM a\n").unwrap();
    assert_eq!(&*file.text, "FROM a\n");
    assert!(rustbuild::analyze(&file).buildfile.is_some());
}

/// xorshift64*: a small deterministic generator, so a failure reproduces from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Fragments that exercise the parser's special cases.
const FRAGMENTS: &[&str] = &[
    "FROM ",
    "RUN ",
    "COPY ",
    "ADD ",
    "ENV ",
    "ARG ",
    "LABEL ",
    "EXPOSE ",
    "CMD ",
    "SHELL ",
    "HEALTHCHECK ",
    "ONBUILD ",
    "WORKDIR ",
    "USER ",
    "VOLUME ",
    " AS ",
    "${",
    "}",
    "$",
    ":-",
    "#",
    "##",
    "%",
    "/",
    "\"",
    "'",
    "`",
    "\\",
    "\\\n",
    "<<EOT",
    "<<-EOT",
    "\nEOT\n",
    "<<'EOT'",
    "[",
    "]",
    "[\"",
    "\", \"",
    "--mount=",
    "type=cache,",
    "target=",
    "--from=",
    "--chmod=",
    "--",
    "=",
    ",",
    "\n",
    "\r\n",
    " ",
    "\t",
    "# escape=`\n",
    "# syntax=x\n",
    "\u{feff}",
    "é",
    "\u{0}",
    "\u{85}",
    "\u{a0}",
    "😀",
    "\\u00e9",
    "{",
    ":",
    "?",
    "0",
    "70000/tcp",
    // Blocks and conditions.
    "FUNCTION ",
    "CALL ",
    "IF ",
    "ELSE\n",
    "ELSE IF ",
    "END\n",
    "FOR ",
    " IN ",
    "==",
    "!=",
    "!",
    "&&",
    "||",
    "(",
    ")",
    "exists(",
    "exists(\"a\")",
    "$TARGETOS",
];

/// Seeds written with blocks, for the mutations to break.
const BLOCK_SEEDS: &[&str] = &[
    "ARG MODE=debug\nFUNCTION apt PKGS CLEAN=true\nRUN apt-get install $PKGS\nIF $CLEAN\nRUN rm -rf /x\nEND\nEND\nFROM debian\nCALL apt PKGS=\"a b\"\nCALL apt PKGS=c CLEAN=false\n",
    "IF $TARGETOS == \"windows\" && !($TARGETARCH != amd64 || exists(\"w.conf\"))\nFROM win AS base\nELSE IF exists(\"a\")\nFROM alpine AS base\nELSE\nFROM scratch AS base\nEND\nRUN x\n",
    "ARG ARCHS=\"amd64 arm64\"\nFOR ARCH IN ${ARCHS}\nFROM --platform=linux/${ARCH} golang AS build-${ARCH}\nRUN go build\nEND\nFROM scratch\nFOR ARCH IN ${ARCHS}\nCOPY --from=build-${ARCH} /a /b-${ARCH}\nEND\n",
    "FUNCTION f P\nCALL g Q=$P\nEND\nFUNCTION g Q\nFOR X IN 1 2\nRUN echo $Q$X\nEND\nEND\nFROM a\nARG P=outer\nCALL f P=1\nRUN --mount=from=${P} true\n",
];

fn mutate(rng: &mut Rng, base: &str) -> Vec<u8> {
    let mut bytes = base.as_bytes().to_vec();
    for _ in 0..=rng.below(8) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(10) {
            0 => {
                let end = (at + rng.below(40)).min(bytes.len());
                bytes.drain(at..end);
            }
            1 => {
                let end = (at + rng.below(60)).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                let to = rng.below(bytes.len() + 1);
                bytes.splice(to..to, copy);
            }
            2 => {
                let byte = rng.next() as u8;
                bytes.insert(at, byte);
            }
            _ => {
                let fragment = rng.pick(FRAGMENTS).as_bytes().to_vec();
                bytes.splice(at..at, fragment);
            }
        }
    }
    bytes
}

fn random_bytes(rng: &mut Rng) -> Vec<u8> {
    let len = rng.below(600);
    let mut bytes = Vec::with_capacity(len);
    while bytes.len() < len {
        if rng.below(3) == 0 {
            bytes.push(rng.next() as u8);
        } else {
            bytes.extend_from_slice(rng.pick(FRAGMENTS).as_bytes());
        }
    }
    bytes
}

/// decode + analyze never panic, and every span they report is inside the text.
fn exercise(bytes: &[u8], render: bool) {
    let file = match rustbuild::syntax::decode("Buildfile", bytes) {
        Ok(file) => file,
        Err(error) => {
            assert_eq!(error.code, Code::InvalidUtf8);
            assert!(error.span().unwrap().end as usize <= bytes.len());
            return;
        }
    };
    let analysis = rustbuild::analyze(&file);
    assert_invariants(&file, &analysis.diagnostics);
    if render {
        diagnostic::render(&analysis.diagnostics, &file, Style::Plain);
        diagnostic::to_json(&analysis.diagnostics, &file);
    }
}

fn seeds() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut seeds = Vec::new();
    for dir in [
        "tests/corpus/syntax/ok",
        "tests/corpus/syntax/err",
        "tests/corpus/check/err",
    ] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            seeds.push(std::fs::read_to_string(entry.unwrap().path()).unwrap());
        }
    }
    seeds.extend(BLOCK_SEEDS.iter().map(|&text| text.to_owned()));
    for entry in std::fs::read_dir(root.join("examples")).unwrap() {
        let path = entry.unwrap().path().join("Buildfile");
        if let Ok(text) = std::fs::read_to_string(path) {
            seeds.push(text);
        }
    }
    seeds
}

/// A seed mixed with `RUSTBUILD_FUZZ_SEED`, to explore other inputs in a longer run.
fn seed(base: u64) -> Rng {
    let extra = std::env::var("RUSTBUILD_FUZZ_SEED")
        .ok()
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap_or(0);
    Rng((base ^ extra.wrapping_mul(0x9E37_79B9_7F4A_7C15)) | 1)
}

/// How many cases each fuzz-style test runs: 3000, or `RUSTBUILD_FUZZ_CASES` for a longer run.
fn cases() -> usize {
    std::env::var("RUSTBUILD_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(3000)
}

#[test]
fn arbitrary_bytes_never_panic() {
    let mut rng = seed(0x9E37_79B9_7F4A_7C15);
    for case in 0..cases() {
        let bytes = random_bytes(&mut rng);
        exercise(&bytes, case % 10 == 0);
    }
}

#[test]
fn mutated_buildfiles_never_panic() {
    let seeds = seeds();
    let mut rng = seed(0xD1B5_4A32_D192_ED03);
    for case in 0..cases() {
        let base = rng.pick(&seeds).clone();
        let bytes = mutate(&mut rng, &base);
        exercise(&bytes, case % 10 == 0);
    }
}

#[test]
fn huge_and_deep_inputs_finish() {
    let long_line = format!("FROM a\nRUN echo {}\n", "x".repeat(200_000));
    let spaces = format!("FROM a\nENV A=1{}B=2\n", " ".repeat(200_000));
    let nested = format!(
        "FROM a\nENV A={}{}\n",
        "${X:-".repeat(10_000),
        "}".repeat(10_000)
    );
    let braces = format!("FROM a\nRUN {}\n", "{".repeat(100_000));
    let continuations = format!("FROM a\nRUN a{}\n", " \\\n".repeat(50_000));
    let heredocs = format!("FROM a\nRUN {}\n", "<<EOT ".repeat(10_000));
    let flags = format!(
        "FROM a\nRUN {} true\n",
        "--mount=type=tmpfs,target=/t ".repeat(5_000)
    );
    let json = format!("FROM a\nCMD [{}\"x\"]\n", "\"a\", ".repeat(50_000));
    // Each of these took quadratic time or deep recursion in a naive parser.
    for text in [
        long_line,
        spaces,
        nested,
        braces,
        continuations,
        heredocs,
        flags,
        json,
    ] {
        exercise(text.as_bytes(), false);
    }
}

/// A condition of random shape: variables, strings, comparisons, `exists` and operators.
fn random_condition(rng: &mut Rng, depth: usize) -> String {
    const VALUES: &[&str] = &[
        "$TARGETOS",
        "$X",
        "${P}",
        "$UNDECLARED",
        "\"windows\"",
        "linux",
        "0",
    ];
    const PATHS: &[&str] = &["\"a\"", "\"$X\"", "\"../out\"", "\"\"", "'/abs'"];
    // Now and then a condition that does not parse (only at the top: most stay valid).
    if depth == 0 && rng.below(20) == 0 {
        return (*rng.pick(&["exists(", "(", ")", "&&", "==", "$X == $X == $X"])).to_owned();
    }
    if depth > 3 || rng.below(3) == 0 {
        let (left, right) = (rng.pick(VALUES), rng.pick(VALUES));
        return match rng.below(4) {
            0 => format!("{left} == {right}"),
            1 => format!("{left} != {right}"),
            2 => format!("exists({})", rng.pick(PATHS)),
            _ => (*left).to_owned(),
        };
    }
    let (left, right) = (
        random_condition(rng, depth + 1),
        random_condition(rng, depth + 1),
    );
    match rng.below(4) {
        0 => format!("!{left}"),
        1 => format!("{left} && {right}"),
        2 => format!("{left} || {right}"),
        _ => format!("({left})"),
    }
}

/// A line that is not a block: a CALL of one of a few names (so some recurse) or an
/// ordinary instruction.
fn random_plain_line(rng: &mut Rng, out: &mut String) {
    let line = match rng.below(8) {
        0 | 1 => format!("CALL f{} P=$X", rng.below(4)),
        2 => "ARG X=1".to_owned(),
        3 => "COPY --from=${X} /a /b".to_owned(),
        4 => "FROM alpine AS s-${X}".to_owned(),
        _ => "RUN echo $X $P".to_owned(),
    };
    out.push_str(&line);
    out.push('\n');
}

/// A FOR's first line: mostly one value, as many nested FORs of several values only test
/// the limit on expansion, slowly.
fn random_for(rng: &mut Rng) -> String {
    match rng.below(5) {
        0 => "FOR X IN a b c\n".to_owned(),
        1 => "FOR X IN\n".to_owned(),
        _ => format!("FOR V{} IN ${{X}}\n", rng.below(3)),
    }
}

const STRAY_ELSES: &[&str] = &["ELSE\n", "ELSE IF 1\n"];

/// A mistake in the block structure, once in a while: an END or ELSE with nothing to close,
/// or a deep run of openers, closed or not.
fn random_mistake(rng: &mut Rng, out: &mut String) {
    match rng.below(3) {
        0 => out.push_str("END\n"),
        1 => {
            let stray = rng.pick(STRAY_ELSES);
            out.push_str(stray);
        }
        _ => {
            let depth = rng.below(200);
            let opener = *rng.pick(&["IF 1\n", "FOR X IN a\n", "FUNCTION deep\n"]);
            out.push_str(&opener.repeat(depth));
            out.push_str("RUN deep\n");
            out.push_str(&"END\n".repeat(rng.below(depth + 2)));
        }
    }
}

/// A body of `budget` lines at most, its blocks mostly balanced.
fn random_body(rng: &mut Rng, out: &mut String, depth: usize, budget: &mut usize) {
    while *budget > 0 {
        *budget -= 1;
        match rng.below(12) {
            0 if depth > 0 => return,
            0 | 1 => random_plain_line(rng, out),
            2 | 3 => {
                out.push_str(&format!("IF {}\n", random_condition(rng, 0)));
                random_body(rng, out, depth + 1, budget);
                if rng.below(3) == 0 {
                    out.push_str(&format!("ELSE IF {}\n", random_condition(rng, 0)));
                    random_body(rng, out, depth + 1, budget);
                }
                if rng.below(2) == 0 {
                    out.push_str("ELSE\n");
                    random_body(rng, out, depth + 1, budget);
                }
                close(rng, out);
            }
            4 => {
                out.push_str(&random_for(rng));
                random_body(rng, out, depth + 1, budget);
                close(rng, out);
            }
            5 if rng.below(30) == 0 => random_mistake(rng, out),
            _ => random_plain_line(rng, out),
        }
    }
}

/// An END, forgotten once in a while.
fn close(rng: &mut Rng, out: &mut String) {
    if rng.below(100) != 0 {
        out.push_str("END\n");
    }
}

/// A random Buildfile of blocks: FUNCTIONs calling each other (or themselves) at the top,
/// then stages of IFs, FORs and CALLs.
fn random_blocks(rng: &mut Rng) -> String {
    let mut text = String::new();
    if rng.below(4) != 0 {
        text.push_str("ARG X=1\n");
    }
    for _ in 0..rng.below(4) {
        text.push_str(&format!("FUNCTION f{} P=1\n", rng.below(4)));
        let mut budget = rng.below(6);
        random_body(rng, &mut text, 1, &mut budget);
        close(rng, &mut text);
    }
    if rng.below(8) != 0 {
        text.push_str("FROM a\n");
    }
    let mut budget = rng.below(40);
    random_body(rng, &mut text, 0, &mut budget);
    text
}

#[test]
fn random_block_structures_load_and_expand_without_panicking() {
    let mut rng = seed(0xA076_1D64_78BD_642F);
    let started = std::time::Instant::now();
    for case in 0..cases() / 5 {
        let text = random_blocks(&mut rng);
        exercise(text.as_bytes(), case % 10 == 0);
    }
    // Each case must finish: the limits on nesting and expansion bound the work.
    assert!(started.elapsed().as_secs() < 60, "{:?}", started.elapsed());
}
