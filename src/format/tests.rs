use super::format;

fn ok(text: &str) -> String {
    match format(text) {
        Ok(out) => out,
        Err(d) => panic!("{text:?}: {d:?}"),
    }
}

#[test]
fn keywords_flags_and_words_get_one_space() {
    assert_eq!(
        ok("from   alpine   as   build\nrun   --network=none    echo  a   b  \n"),
        "FROM alpine AS build\nRUN --network=none echo  a   b\n"
    );
}

#[test]
fn blocks_are_indented_and_blank_lines_collapse() {
    let text = "\n\nFROM a\nif $X == 1\n      # why\nrun a\n\n\n  else if $X == 2\nfor i in a b\nrun $i\n  # last\nend\nelse\nrun c\nend\n\n\n";
    assert_eq!(
        ok(text),
        "FROM a\nIF $X == 1\n    # why\n    RUN a\n\nELSE IF $X == 2\n    FOR i IN a b\n        RUN $i\n        # last\n    END\nELSE\n    RUN c\nEND\n"
    );
}

#[test]
fn shell_continuations_are_kept_and_flag_continuations_indented() {
    let text = "FROM a\nrun --mount=type=cache,target=/c \\\n  --network=none \\\n        echo a \\\n   && b   \n";
    assert_eq!(
        ok(text),
        "FROM a\nRUN --mount=type=cache,target=/c \\\n    --network=none \\\n    echo a \\\n   && b\n"
    );
}

#[test]
fn heredocs_and_json_are_kept() {
    let text = "FROM a\nrun  <<EOT   \n  body  \n\n\nEOT\ncmd   [\"a\",   \"b\"]\n";
    assert_eq!(
        ok(text),
        "FROM a\nRUN <<EOT\n  body  \n\n\nEOT\nCMD [\"a\",   \"b\"]\n"
    );
}

#[test]
fn the_escape_directive_is_respected() {
    let text = "# escape=`\nFROM a\ncopy --from=b `\n   C:\\x   C:\\y\n";
    assert_eq!(
        ok(text),
        "# escape=`\nFROM a\nCOPY --from=b `\n    C:\\x C:\\y\n"
    );
}

#[test]
fn a_blank_line_that_keeps_a_comment_from_being_a_directive_stays() {
    let text = "\n\n# escape=`\nFROM a\n";
    assert_eq!(ok(text), "\n# escape=`\nFROM a\n");
}

#[test]
fn crlf_becomes_lf_outside_heredocs() {
    let text = "FROM a\r\nRUN <<EOT\r\necho\r\nEOT\r\nRUN a \\\r\n  b\r\n";
    assert_eq!(ok(text), "FROM a\nRUN <<EOT\necho\r\nEOT\nRUN a \\\n  b\n");
}

#[test]
fn syntax_errors_are_diagnostics() {
    for text in [
        "FROM a\nRUN --nope x\n",
        "FROM a\nIF $X\n",
        "FROM a\nRUN <<EOT\nx\n",
        "FRM a\n",
    ] {
        assert!(format(text).is_err(), "{text:?}");
    }
}

#[test]
fn empty_input_stays_empty() {
    assert_eq!(ok(""), "");
    assert_eq!(ok("\n  \n"), "");
    assert_eq!(ok("# only\n\n"), "# only\n");
}

/// Blanks the reader does not split on everywhere (a no-break space) are kept: after one,
/// `--x` is an argument, and one space instead would make it a flag.
#[test]
fn other_whitespace_between_parts_is_kept() {
    let text = "FROM a\nRUN --network=none \u{A0}--x\nCOPY a\u{A0}b  /c/\n";
    assert_eq!(
        ok(text),
        "FROM a\nRUN --network=none \u{A0}--x\nCOPY a\u{A0}b /c/\n"
    );
}

#[test]
fn a_byte_order_mark_stays() {
    assert_eq!(ok("\u{FEFF}from a\n"), "\u{FEFF}FROM a\n");
}
