//! `rustbuild fmt`'s promises over every Buildfile in the repository (corpus, parity
//! builds, examples, the files they include): the formatter reads every file the parser
//! reads, its output is formatted already, reads as the same instructions, and builds the
//! same ops and image config, on Linux and Windows. Plus snapshots of messy inputs (`tests/corpus/format`) and the
//! command line.

use std::path::{Path, PathBuf};

use crate::cli::{rustbuild, text};
use rustbuild::diagnostic::{Style, render};
use rustbuild::format::format;
use rustbuild::ir::{Item, Module, Spans};
use rustbuild::load::{Answer, Root};
use rustbuild::lower::{self, LowerOptions, ResolvedImages};
use rustbuild::platform::Platform;
use rustbuild::source::{SourceFile, Span};

fn here() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every Buildfile, Dockerfile and included `.bf` file under `tests/corpus`,
/// `tests/parity` and `examples`.
fn buildfiles() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs: Vec<PathBuf> = ["tests/corpus", "tests/parity", "examples"]
        .iter()
        .map(|d| here().join(d))
        .collect();
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                dirs.push(path);
            } else if name == "Buildfile"
                || name.ends_with(".Buildfile")
                || name.ends_with(".bf")
                || name.contains("Dockerfile")
            {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn options(platform: &str) -> LowerOptions {
    LowerOptions {
        target_platform: Platform::parse(platform).unwrap(),
        ..LowerOptions::default()
    }
}

/// `text` read as the main file in `dir`, with the files it includes from there (and
/// named contexts from `dir/contexts/NAME`), lowered: the ops and the image config.
fn lowered(dir: &Path, text: &str, opts: &LowerOptions) -> Result<(Vec<Vec<u8>>, String), String> {
    let file = SourceFile::new("Buildfile", text);
    let loaded = rustbuild::load::load(file, opts.scope(), |request| {
        let found = match &request.root {
            Root::Main => dir.join(&request.path),
            Root::Named(name) => dir.join("contexts").join(name).join(&request.path),
            Root::Context => {
                let exists = dir.join(&request.path).exists()
                    || dir.join("context").join(&request.path).exists();
                return match exists {
                    true => Answer::Found(Vec::new()),
                    false => Answer::NotFound("the folder".into()),
                };
            }
        };
        match std::fs::read(&found) {
            Ok(bytes) => Answer::Found(bytes),
            Err(_) => Answer::NotFound(dir.display().to_string()),
        }
    });
    let analysis = rustbuild::analyze_loaded(loaded, rustbuild::lint::Inputs::default());
    let Some(buildfile) = analysis.buildfile.filter(|_| analysis.complete) else {
        return Err(render(&analysis.diagnostics, &analysis.files, Style::Plain));
    };
    let lowered = lower::lower(&analysis.files, &buildfile, &ResolvedImages::new(), opts)
        .map_err(|d| render(&d, &analysis.files, Style::Plain))?;
    Ok((
        lowered.definition.def.clone(),
        String::from_utf8_lossy(&lowered.image_config.to_json()).into_owned(),
    ))
}

/// What `text` means as one file on its own: its module, without the places things are
/// written at and the instructions' texts as written (which progress names show); every
/// word, command, heredoc body, flag and block is compared.
fn meaning(text: &str) -> Module {
    let (mut module, _) = rustbuild::syntax::parse_module(&SourceFile::new("Buildfile", text));
    module.each_span(&mut |span| *span = Span::default());
    forget_texts(&mut module.items);
    module
}

fn forget_texts(items: &mut [Item]) {
    for item in items {
        match item {
            Item::From(stage) => {
                stage.text.clear();
                stage.steps.iter_mut().for_each(|step| step.text.clear());
            }
            Item::Step(step) => step.text.clear(),
            Item::Function(function) => forget_texts(&mut function.body),
            Item::For(block) => forget_texts(&mut block.body),
            Item::If(block) => {
                for branch in &mut block.branches {
                    forget_texts(&mut branch.body);
                }
                if let Some(otherwise) = &mut block.otherwise {
                    forget_texts(otherwise);
                }
            }
            Item::Include(_) | Item::Import(_) | Item::Call(_) => {}
        }
    }
}

fn parses(text: &str) -> bool {
    let (_, diagnostics) = rustbuild::syntax::parse_module(&SourceFile::new("Buildfile", text));
    !diagnostics.has_errors()
}

/// Formats `text`, holding the formatter to its promises for any input: no panic, an error
/// exactly when the parser finds one, and output that reads and is formatted already.
fn formatted(name: &str, text: &str) -> Option<String> {
    match format(text) {
        Ok(out) => {
            assert!(parses(text), "{name}: formatted a file with syntax errors");
            assert!(parses(&out), "{name}: the output has syntax errors:\n{out}");
            assert!(
                meaning(&out) == meaning(text),
                "{name}: the formatted file means something else:\n{out}"
            );
            let again = format(&out).unwrap_or_else(|d| panic!("{name}: {d:?}"));
            assert_eq!(again, out, "{name}: formatting twice changes the file");
            Some(out)
        }
        Err(diagnostics) => {
            assert!(
                !parses(text),
                "{name}: the parser reads it, the formatter does not"
            );
            assert!(
                diagnostics.has_errors(),
                "{name}: an error without diagnostics"
            );
            None
        }
    }
}

#[test]
fn every_buildfile_formats_to_the_same_build() {
    let (mut formatted_files, mut errors, mut lowered_builds) = (0, 0, 0);
    for path in buildfiles() {
        let name = path.strip_prefix(here()).unwrap().display().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let Some(out) = formatted(&name, &text) else {
            errors += 1;
            continue;
        };
        formatted_files += 1;
        let dir = path.parent().unwrap();
        for platform in ["linux/amd64", "windows/amd64"] {
            let opts = options(platform);
            let Ok(expected) = lowered(dir, &text, &opts) else {
                continue;
            };
            let got = lowered(dir, &out, &opts).unwrap_or_else(|e| panic!("{name}: {e}\n{out}"));
            assert!(
                got.0 == expected.0,
                "{name} on {platform}: other ops\n{out}"
            );
            assert_eq!(
                got.1, expected.1,
                "{name} on {platform}: another image config"
            );
            lowered_builds += 1;
        }
    }
    // Each count is a promise about the corpus: a walk that finds nothing proves nothing.
    assert!(
        formatted_files > 80,
        "only {formatted_files} files formatted"
    );
    assert!(errors > 10, "only {errors} files with syntax errors");
    assert!(lowered_builds > 60, "only {lowered_builds} builds compared");
}

/// Every file cut after each of its lines, and after each of its characters for the small
/// ones: half an instruction, an open block or heredoc. None makes the formatter panic.
#[test]
fn cut_files_give_diagnostics_or_formatted_text() {
    let mut cuts = 0;
    for path in buildfiles() {
        let name = path.strip_prefix(here()).unwrap().display().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let every_char = text.len() < 1500;
        for (at, c) in text.char_indices() {
            if every_char || c == '\n' {
                formatted(&format!("{name} cut at {at}"), &text[..at]);
                cuts += 1;
            }
        }
    }
    assert!(cuts > 1000, "{cuts}");
}

/// Small files put together from instructions in any case, with blanks of every kind,
/// continuations and comments between their words, heredocs and blocks, in a fixed
/// pseudo-random order: each formats or gives diagnostics, and each one that formats
/// means the same and formats to itself.
#[test]
fn generated_files_keep_their_meaning() {
    // `_` is where blanks go.
    const LINES: &[&str] = &[
        "run_echo_a",
        "run_--network=none_echo_\"q  q\"",
        "run_--mount=type=cache,target=/x_echo",
        "run_--_--x",
        "copy_a_b",
        "copy_--chmod=644_--from=a_a_/b/",
        "add_--link_a_/b",
        "env_A=1_B=\"x  y\"",
        "env_A_b  c",
        "arg_X=1_Y",
        "expose_80_443/tcp",
        "label_a=b_c=\"d  e\"",
        "cmd_[\"x\",  \"y\"]",
        "cmd_echo_a",
        "entrypoint_echo",
        "healthcheck_--interval=5s_cmd_true",
        "healthcheck_none",
        "volume_/a_/b",
        "workdir_/a b",
        "user_me",
        "from_a_as_b",
        "from_a",
        "run_<<EOF",
        "copy_<<EOF_/x",
        "run_cat_<<-T",
        "if_$X_==_1",
        "else",
        "else_if_$Y",
        "end",
        "for_i_in_a_b",
        "function_f_p=1",
        "call_f_p=2",
        "shell_[\"sh\",_\"-c\"]",
        "run_echo_\\\\",
        "run_dir_C:\\",
        "run_echo_x\\",
        "copy_C:\\a_C:\\b\\",
    ];
    const BLANKS: &[&str] = &[
        " ",
        " ",
        "  ",
        "\t",
        " \\\n  ",
        "\\\n",
        " `\n ",
        " \\\n# c\n\n   ",
        " \u{A0}",
        "\u{0B}",
    ];
    const ENDS: &[&str] = &[
        "\n",
        "\n",
        "\r\n",
        "\n\n\n",
        "   \n",
        "\n  # c  \n",
        " \\\n",
        "\n\t",
        " \u{A0}\n",
    ];
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |below: usize| {
        // xorshift: the same files on every run.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        usize::try_from(state % below as u64).unwrap()
    };
    let (mut read, mut total) = (0, 0);
    for _ in 0..6_000 {
        let mut text = String::from(["", "FROM a\n", "# escape=`\nFROM a\n"][next(3)]);
        for _ in 0..next(6) + 1 {
            text.push_str(["", "  ", "\t"][next(3)]);
            let line = LINES[next(LINES.len())];
            for (i, word) in line.split('_').enumerate() {
                if i > 0 {
                    text.push_str(BLANKS[next(BLANKS.len())]);
                }
                match next(3) {
                    0 => text.push_str(&word.to_uppercase()),
                    _ => text.push_str(word),
                }
            }
            text.push_str(ENDS[next(ENDS.len())]);
            if line.contains("<<EOF") {
                text.push_str(["body \\\n\nEOF\n", "EOF\r\n", ""][next(3)]);
            } else if line.contains("<<-T") {
                text.push_str("\tx \n\tT\n");
            }
        }
        total += 1;
        read += usize::from(formatted(&format!("{text:?}"), &text).is_some());
    }
    // About one in six reads (random blocks seldom balance): a change that makes most
    // generated files fail to read must not pass for a success.
    assert!(
        read > total / 10,
        "only {read} of {total} generated files read"
    );
}

/// The messy inputs of `tests/corpus/format`, formatted.
#[test]
fn format_corpus() {
    insta::glob!("../corpus/format", "*.Buildfile", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let out = match format(&text) {
            Ok(out) => out,
            Err(d) => render(
                &d,
                &SourceFile::new("Buildfile", text.as_str()),
                Style::Plain,
            ),
        };
        insta::assert_snapshot!(out);
    });
}

const MESSY: &str = "from alpine  as   app\nif $X == 1\nrun   echo  hi  \nend\n\n\n";
const TIDY: &str = "FROM alpine AS app\nIF $X == 1\n    RUN echo  hi\nEND\n";
const BROKEN: &str = "FROM alpine\nRUN ok\nRUN --nope echo\n";

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rustbuild-fmt-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The files in `dir`, to see that no temporary file is left behind.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn fmt_rewrites_files_in_place() {
    let dir = temp_dir("in-place");
    std::fs::write(dir.join("Buildfile"), MESSY).unwrap();
    std::fs::write(dir.join("tidy.bf"), TIDY).unwrap();
    let out = rustbuild(&["fmt", "Buildfile", "tidy.bf"], "", &dir);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        std::fs::read_to_string(dir.join("Buildfile")).unwrap(),
        TIDY
    );
    assert_eq!(std::fs::read_to_string(dir.join("tidy.bf")).unwrap(), TIDY);
    assert_eq!(names(&dir), ["Buildfile", "tidy.bf"]);
    assert_eq!(text(&out.stdout), "");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn fmt_check_lists_what_would_change_and_changes_nothing() {
    let dir = temp_dir("check");
    std::fs::write(dir.join("Buildfile"), MESSY).unwrap();
    std::fs::write(dir.join("tidy.bf"), TIDY).unwrap();
    let out = rustbuild(&["fmt", "--check", "Buildfile", "tidy.bf"], "", &dir);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(text(&out.stdout), "Buildfile\n");
    assert_eq!(
        std::fs::read_to_string(dir.join("Buildfile")).unwrap(),
        MESSY
    );
    let tidy = rustbuild(&["fmt", "--check", "tidy.bf"], "", &dir);
    assert_eq!(tidy.status.code(), Some(0), "{tidy:?}");
    assert_eq!(text(&tidy.stdout), "");
    assert_eq!(names(&dir), ["Buildfile", "tidy.bf"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn fmt_dash_reads_stdin_and_writes_stdout() {
    let dir = temp_dir("stdin");
    let out = rustbuild(&["fmt", "-"], MESSY, &dir);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(text(&out.stdout), TIDY);
    let check = rustbuild(&["fmt", "--check", "-"], MESSY, &dir);
    assert_eq!(check.status.code(), Some(1), "{check:?}");
    assert_eq!(text(&check.stdout), "<stdin>\n");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn fmt_leaves_a_file_with_syntax_errors_as_it_is() {
    let dir = temp_dir("errors");
    std::fs::write(dir.join("Buildfile"), BROKEN).unwrap();
    let out = rustbuild(&["fmt", "Buildfile"], "", &dir);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(
        std::fs::read_to_string(dir.join("Buildfile")).unwrap(),
        BROKEN
    );
    let errors = text(&out.stderr);
    assert!(
        errors.contains("unknown-flag") || errors.contains("--nope"),
        "{errors}"
    );
    assert!(errors.contains("Buildfile:3:"), "{errors}");
    assert_eq!(names(&dir), ["Buildfile"]);
    let stdin = rustbuild(&["fmt", "-"], BROKEN, &dir);
    assert_eq!(stdin.status.code(), Some(1), "{stdin:?}");
    assert_eq!(text(&stdin.stdout), "");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn fmt_usage_errors_exit_2() {
    let dir = temp_dir("usage");
    assert_eq!(rustbuild(&["fmt"], "", &dir).status.code(), Some(2));
    assert_eq!(
        rustbuild(&["fmt", "--nope", "x"], "", &dir).status.code(),
        Some(2)
    );
    assert_eq!(
        rustbuild(&["fmt", "missing"], "", &dir).status.code(),
        Some(2)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
