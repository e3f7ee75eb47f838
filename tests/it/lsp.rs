//! `rustbuild lsp` spoken to over its stdin and stdout, as an editor does: JSON-RPC with
//! `Content-Length` framing. Every read is bounded, so a server that hangs fails the test.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const TIMEOUT: Duration = Duration::from_secs(20);

/// A client of one server process.
struct Client {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    next_id: i64,
    /// Notifications read while waiting for a response.
    notifications: Vec<Value>,
}

impl Client {
    fn start() -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_rustbuild"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, messages) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if sender.send(message).is_err() {
                    break;
                }
            }
        });
        let mut client = Client {
            child,
            stdin,
            messages,
            next_id: 0,
            notifications: Vec::new(),
        };
        let init = client.request(
            "initialize",
            json!({"processId": null, "rootUri": null, "capabilities": {}}),
        );
        assert_eq!(
            init["result"]["capabilities"]["positionEncoding"], "utf-16",
            "{init}"
        );
        assert_eq!(init["result"]["capabilities"]["textDocumentSync"], 1);
        client.notify("initialized", json!({}));
        client
    }

    fn send(&mut self, message: &Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and waits for its response (the whole message, `result` or `error`).
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let message = self.recv();
            if message["id"] == id && message.get("method").is_none() {
                return message;
            }
            self.notifications.push(message);
        }
    }

    fn recv(&mut self) -> Value {
        match self.messages.recv_timeout(TIMEOUT) {
            Ok(message) => message,
            Err(RecvTimeoutError::Timeout) => panic!("the server sent nothing for {TIMEOUT:?}"),
            Err(RecvTimeoutError::Disconnected) => panic!("the server closed its output"),
        }
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        loop {
            let found = self.notifications.iter().position(|n| {
                n["method"] == "textDocument/publishDiagnostics" && n["params"]["uri"] == uri
            });
            if let Some(n) = found {
                let message = self.notifications.remove(n);
                return message["params"]["diagnostics"].as_array().unwrap().clone();
            }
            let message = self.recv();
            self.notifications.push(message);
        }
    }

    fn open(&mut self, uri: &str, text: &str) {
        let document = json!({"uri": uri, "languageId": "buildfile", "version": 1, "text": text});
        self.notify("textDocument/didOpen", json!({"textDocument": document}));
    }

    /// A request at a position of a document: its `result`.
    fn at(&mut self, method: &str, uri: &str, line: u32, character: u32) -> Value {
        let params = json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}});
        let response = self.request(method, params);
        assert!(response.get("error").is_none(), "{method}: {response}");
        response["result"].clone()
    }

    /// `shutdown` and `exit`; the exit status, waited for within the timeout.
    fn shutdown(mut self) -> std::process::ExitStatus {
        let response = self.request("shutdown", Value::Null);
        assert_eq!(response["result"], Value::Null, "{response}");
        self.notify("exit", Value::Null);
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if start.elapsed() > TIMEOUT {
                let _ = self.child.kill();
                panic!("the server did not exit after `exit`");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // A failed test must not leave the server running.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One framed message; `None` at the end of the stream.
fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 {
            return None;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some(value) = header.strip_prefix("Content-Length: ") {
            length = value.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

const MAIN: &str = "\
ARG BASE=alpine
# compiles the app
FROM ${BASE} AS build
INCLUDE steps.bf
RUN echo é $BASE > /out
FUNCTION greet WHO=world
RUN echo $WHO
END
FROM build AS final
COPY --from=build /out /app
RUN --mount=type=cache,from=build,target=/c true
CALL greet WHOO=x
";

/// A directory with the Buildfile, the file it includes, and the URIs of both.
fn fixture(name: &str) -> (PathBuf, String, String) {
    let dir = std::env::temp_dir().join(format!("rustbuild-lsp-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("Buildfile"), MAIN).unwrap();
    std::fs::write(dir.join("steps.bf"), "RUNN echo hi\n").unwrap();
    (
        dir.clone(),
        uri(&dir.join("Buildfile")),
        uri(&dir.join("steps.bf")),
    )
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn range(line: u32, start: u32, end_line: u32, end: u32) -> Value {
    json!({"start": {"line": line, "character": start}, "end": {"line": end_line, "character": end}})
}

#[test]
fn diagnostics_are_published_for_the_document_and_the_files_it_includes() {
    let (_dir, main, steps) = fixture("diagnostics");
    let mut client = Client::start();
    client.open(&main, MAIN);
    let diagnostics = client.diagnostics(&main);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    let unknown = &diagnostics[0];
    assert_eq!(unknown["range"], range(11, 11, 11, 15));
    assert_eq!(unknown["severity"], 1);
    assert_eq!(unknown["code"], "rustbuild::load::unknown-parameter");
    assert_eq!(unknown["source"], "rustbuild");
    assert_eq!(
        unknown["message"],
        "`greet` has no parameter `WHOO`\nhelp: did you mean `WHO`?"
    );
    assert_eq!(
        unknown["relatedInformation"],
        json!([{"location": {"uri": main, "range": range(5, 0, 5, 24)}, "message": "the function"}])
    );
    // The included file's error is published under its own URI, with the INCLUDE as its origin.
    let included = client.diagnostics(&steps);
    assert_eq!(included.len(), 1, "{included:?}");
    assert_eq!(included[0]["range"], range(0, 0, 0, 4));
    assert_eq!(
        included[0]["code"],
        "rustbuild::syntax::unknown-instruction"
    );
    assert_eq!(
        included[0]["relatedInformation"],
        json!([{"location": {"uri": main, "range": range(3, 0, 3, 16)}, "message": "in steps.bf, included here"}])
    );

    // Fixed: the document's list empties; the include's error stays.
    let fixed = MAIN.replace("WHOO", "WHO");
    let change =
        json!({"textDocument": {"uri": main, "version": 2}, "contentChanges": [{"text": fixed}]});
    client.notify("textDocument/didChange", change);
    assert_eq!(client.diagnostics(&main), Vec::<Value>::new());
    assert_eq!(client.diagnostics(&steps).len(), 1);

    // Closed: both are cleared.
    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": main}}),
    );
    assert_eq!(client.diagnostics(&main), Vec::<Value>::new());
    assert_eq!(client.diagnostics(&steps), Vec::<Value>::new());
    assert!(client.shutdown().success());
}

#[test]
fn a_lint_warning_has_its_rule_name_and_page_and_its_fix_is_a_quick_fix() {
    let (dir, _, _) = fixture("lint");
    let warn = uri(&dir.join("warn.bf"));
    let mut client = Client::start();
    client.open(&warn, "FROM alpine\nENV mode value\n");
    let diagnostics = client.diagnostics(&warn);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    let warning = &diagnostics[0];
    assert_eq!(warning["severity"], 2);
    assert_eq!(warning["code"], "LegacyKeyValueFormat");
    assert_eq!(
        warning["codeDescription"]["href"],
        "https://docs.docker.com/go/dockerfile/rule/legacy-key-value-format/"
    );
    assert_eq!(warning["range"], range(1, 4, 1, 14));

    let params = json!({"textDocument": {"uri": warn}, "range": range(1, 6, 1, 6), "context": {"diagnostics": []}});
    let actions = client.request("textDocument/codeAction", params)["result"].clone();
    assert_eq!(actions.as_array().unwrap().len(), 1, "{actions}");
    assert_eq!(actions[0]["title"], "write `ENV mode=value`");
    assert_eq!(actions[0]["kind"], "quickfix");
    assert_eq!(
        actions[0]["edit"]["changes"][&warn],
        json!([{"range": range(1, 4, 1, 14), "newText": "mode=value"}])
    );
    assert!(client.shutdown().success());
}

#[test]
fn did_you_mean_becomes_a_quick_fix() {
    let (_dir, main, _) = fixture("fix");
    let mut client = Client::start();
    client.open(&main, MAIN);
    let params = json!({"textDocument": {"uri": main}, "range": range(11, 12, 11, 12), "context": {"diagnostics": []}});
    let actions = client.request("textDocument/codeAction", params)["result"].clone();
    assert_eq!(actions[0]["title"], "use `WHO`", "{actions}");
    assert_eq!(
        actions[0]["edit"]["changes"][&main],
        json!([{"range": range(11, 11, 11, 15), "newText": "WHO"}])
    );
    assert!(client.shutdown().success());
}

#[test]
fn hover_explains_instructions_flags_variables_and_stages() {
    let (_dir, main, _) = fixture("hover");
    let mut client = Client::start();
    client.open(&main, MAIN);
    let text = |hover: &Value| hover["contents"]["value"].as_str().unwrap_or("").to_owned();

    let run = client.at("textDocument/hover", &main, 4, 1);
    assert!(text(&run).contains("Runs a command"), "{run}");
    assert_eq!(run["range"], range(4, 0, 4, 3));

    // `RUN echo é $BASE`: `é` is two bytes but one UTF-16 unit, so BASE is at 12..16.
    let base = client.at("textDocument/hover", &main, 4, 13);
    assert_eq!(base["range"], range(4, 12, 4, 16), "{base}");
    assert!(text(&base).contains("ARG BASE=alpine"), "{base}");
    assert!(text(&base).contains("global"), "{base}");

    let who = client.at("textDocument/hover", &main, 6, 11);
    assert!(text(&who).contains("WHO=world"), "{who}");
    assert!(
        text(&who).contains("parameter of FUNCTION `greet`"),
        "{who}"
    );

    let from = client.at("textDocument/hover", &main, 9, 7);
    assert!(text(&from).contains("Copy from an earlier stage"), "{from}");
    assert_eq!(from["range"], range(9, 5, 9, 11));

    let mount = client.at("textDocument/hover", &main, 10, 13);
    assert!(text(&mount).contains("`bind` (default)"), "{mount}");

    let stage = client.at("textDocument/hover", &main, 8, 6);
    assert_eq!(
        text(&stage),
        "stage `build`: `FROM ${BASE}`\n\ncompiles the app"
    );
    assert!(client.shutdown().success());
}

#[test]
fn definition_finds_stages_functions_variables_and_files() {
    let (_dir, main, steps) = fixture("definition");
    let mut client = Client::start();
    client.open(&main, MAIN);
    let build = json!({"uri": main, "range": range(2, 0, 2, 21)});
    // `COPY --from=build`, `--mount=…,from=build`, `FROM build`.
    assert_eq!(client.at("textDocument/definition", &main, 9, 13), build);
    assert_eq!(client.at("textDocument/definition", &main, 10, 30), build);
    assert_eq!(client.at("textDocument/definition", &main, 8, 6), build);
    // `CALL greet`.
    assert_eq!(
        client.at("textDocument/definition", &main, 11, 7),
        json!({"uri": main, "range": range(5, 0, 5, 24)})
    );
    // `$WHO` to the parameter, `$BASE` to the global ARG.
    assert_eq!(
        client.at("textDocument/definition", &main, 6, 10),
        json!({"uri": main, "range": range(5, 15, 5, 24)})
    );
    assert_eq!(
        client.at("textDocument/definition", &main, 4, 14),
        json!({"uri": main, "range": range(0, 4, 0, 15)})
    );
    // `INCLUDE steps.bf`.
    assert_eq!(
        client.at("textDocument/definition", &main, 3, 10),
        json!({"uri": steps, "range": range(0, 0, 0, 0)})
    );
    // A keyword defines nothing.
    assert_eq!(
        client.at("textDocument/definition", &main, 4, 1),
        Value::Null
    );
    assert!(client.shutdown().success());
}

#[test]
fn symbols_are_the_stages_with_their_steps_and_the_functions() {
    let (_dir, main, _) = fixture("symbols");
    let mut client = Client::start();
    client.open(&main, MAIN);
    let symbols = client.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": main}}),
    )["result"]
        .clone();
    let names: Vec<(&str, i64)> = symbols
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap(), s["kind"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        names,
        [
            ("build (FROM ${BASE})", 5),
            ("greet", 12),
            ("final (FROM build)", 5)
        ]
    );
    assert_eq!(symbols[0]["selectionRange"], range(2, 16, 2, 21));
    assert_eq!(symbols[1]["selectionRange"], range(5, 9, 5, 14));
    let steps: Vec<&str> = symbols[2]["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "COPY --from=build /out /app",
            "RUN --mount=type=cache,from=build,target=/c true"
        ]
    );
    assert_eq!(symbols[2]["range"], range(8, 0, 10, 48));
    assert!(client.shutdown().success());
}

#[test]
fn completion_offers_what_fits_where_the_cursor_is() {
    let (dir, _, _) = fixture("completion");
    let doc = uri(&dir.join("complete.bf"));
    let text = "\
FUNCTION greet WHO=world
END
FROM alpine AS base
CO
COPY --from=
RUN --mount=type=cache,ta
CALL gr
CALL greet W
COPY -
RUN --mount=type=
";
    let mut client = Client::start();
    client.open(&doc, text);
    // Each offer's label, and the range its edit replaces.
    let mut offers = |line: u32, character: u32| -> Vec<(String, Value)> {
        let result = client.at("textDocument/completion", &doc, line, character);
        result
            .as_array()
            .unwrap()
            .iter()
            .map(|item| {
                (
                    item["label"].as_str().unwrap().to_owned(),
                    item["textEdit"]["range"].clone(),
                )
            })
            .collect()
    };
    let has = |offers: &[(String, Value)], label: &str, replaced: Value| {
        assert!(
            offers.iter().any(|(l, r)| l == label && *r == replaced),
            "no `{label}` over {replaced} in {offers:?}"
        );
    };
    has(&offers(3, 2), "COPY", range(3, 0, 3, 2));
    has(&offers(3, 2), "FUNCTION", range(3, 0, 3, 2));
    has(&offers(4, 12), "base", range(4, 12, 4, 12));
    let options = offers(5, 25);
    has(&options, "target=", range(5, 23, 5, 25));
    has(&options, "readonly", range(5, 23, 5, 25));
    has(&offers(6, 7), "greet", range(6, 5, 6, 7));
    let params = offers(7, 12);
    assert_eq!(params.len(), 1, "{params:?}");
    has(&params, "WHO=", range(7, 11, 7, 12));
    let flags = offers(8, 6);
    has(&flags, "--from=", range(8, 5, 8, 6));
    has(&flags, "--link", range(8, 5, 8, 6));
    has(&offers(9, 17), "cache", range(9, 17, 9, 17));
    // At the start of an empty line: instructions.
    has(&offers(10, 0), "RUN", range(10, 0, 10, 0));
    assert!(client.shutdown().success());
}

#[test]
fn any_text_and_any_position_get_an_answer() {
    let (dir, _, _) = fixture("garbage");
    let doc = uri(&dir.join("garbage.bf"));
    let garbage = "\u{0}\u{FEFF}FROM --mount=,,,= $ ${ ${X:- \\\n\"unterminated 𝄞\n\
                   COPY --from= --from=\nIF\nELSE\nEND END\nFOR IN\nCALL\nFUNCTION\nRUN <<EOF\n\
                   INCLUDE ../../../../etc/passwd\nIMPORT x AS\n\t\t\u{2028}é";
    let mut client = Client::start();
    client.open(&doc, garbage);
    assert!(!client.diagnostics(&doc).is_empty());
    for method in [
        "textDocument/hover",
        "textDocument/definition",
        "textDocument/completion",
    ] {
        for (line, character) in [
            (0, 0),
            (0, 3),
            (1, 2),
            (2, 9),
            (13, 4),
            (14, 99),
            (1000, 1000),
            (u32::MAX, u32::MAX),
        ] {
            client.at(method, &doc, line, character);
        }
    }
    client.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": doc}}),
    );
    let params = json!({"textDocument": {"uri": doc}, "range": range(0, 0, 9999, 0), "context": {"diagnostics": []}});
    assert!(
        client
            .request("textDocument/codeAction", params)
            .get("error")
            .is_none()
    );
    // Requests about a document that is not open answer null; unknown ones, MethodNotFound.
    let unopened = uri(&dir.join("nothing.bf"));
    assert_eq!(
        client.at("textDocument/hover", &unopened, 0, 0),
        Value::Null
    );
    let unknown = client.request("rustbuild/nonsense", json!({}));
    assert_eq!(unknown["error"]["code"], -32601, "{unknown}");
    let invalid = client.request("textDocument/hover", json!({"nonsense": true}));
    assert_eq!(invalid["error"]["code"], -32602, "{invalid}");
    // A buffer without a file is checked alone.
    client.open("untitled:Untitled-1", "FROM a\nRUNN x\n");
    let unsaved = client.diagnostics("untitled:Untitled-1");
    assert_eq!(unsaved.len(), 1, "{unsaved:?}");
    assert_eq!(unsaved[0]["range"], range(1, 0, 1, 4));
    // An incremental change the server did not ask for is ignored, not a crash.
    let change = json!({"textDocument": {"uri": doc, "version": 2}, "contentChanges": [{"range": range(0, 0, 0, 1), "text": "x"}]});
    client.notify("textDocument/didChange", change);
    assert!(client.shutdown().success());
}

#[test]
fn exit_without_shutdown_fails() {
    let mut client = Client::start();
    client.notify("exit", Value::Null);
    let start = Instant::now();
    let status = loop {
        if let Some(status) = client.child.try_wait().unwrap() {
            break status;
        }
        assert!(start.elapsed() < TIMEOUT, "the server did not exit");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(1));
}

#[test]
fn imported_stages_are_found_under_their_namespace() {
    let (dir, _, _) = fixture("import");
    std::fs::create_dir_all(dir.join("lib")).unwrap();
    std::fs::write(
        dir.join("lib/base.bf"),
        "# the base\nFROM alpine AS base\nRUN echo base\n",
    )
    .unwrap();
    let app = uri(&dir.join("app.bf"));
    let text =
        "IMPORT lib/base.bf AS lib\nFROM lib+base AS app\nCOPY --from=lib+base /etc /etc\nFROM \n";
    let mut client = Client::start();
    client.open(&app, text);
    // Only the FROM being typed is wrong: the import was followed.
    let diagnostics = client.diagnostics(&app);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(
        diagnostics[0]["code"],
        "rustbuild::syntax::missing-argument"
    );
    let base = json!({"uri": uri(&dir.join("lib/base.bf")), "range": range(1, 0, 1, 19)});
    assert_eq!(client.at("textDocument/definition", &app, 1, 8), base);
    assert_eq!(client.at("textDocument/definition", &app, 2, 14), base);
    assert_eq!(
        client.at("textDocument/definition", &app, 0, 10),
        json!({"uri": uri(&dir.join("lib/base.bf")), "range": range(0, 0, 0, 0)})
    );
    let hover = client.at("textDocument/hover", &app, 1, 8);
    assert_eq!(
        hover["contents"]["value"],
        "stage `lib+base`: `FROM alpine`\n\nthe base"
    );
    // After FROM: every stage, this file's first, the imported one by its full name.
    let offers = client.at("textDocument/completion", &app, 3, 5);
    let labels: Vec<&str> = offers
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["app", "lib+base"]);
    assert!(client.shutdown().success());
}

#[test]
fn a_diagnostic_in_a_function_body_points_back_at_its_call() {
    let (dir, _, _) = fixture("call");
    let doc = uri(&dir.join("call.bf"));
    let mut client = Client::start();
    client.open(
        &doc,
        "FUNCTION f\nCOPY --from=final /a /b\nEND\nFROM a AS first\nCALL f\nFROM b AS final\n",
    );
    let diagnostics = client.diagnostics(&doc);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["code"], "rustbuild::check::stage-cycle");
    assert_eq!(diagnostics[0]["range"], range(1, 12, 1, 17));
    assert_eq!(
        diagnostics[0]["relatedInformation"],
        json!([
            {"location": {"uri": doc, "range": range(5, 10, 5, 15)}, "message": "defined here"},
            {"location": {"uri": doc, "range": range(4, 0, 4, 6)}, "message": "in FUNCTION f, called here"},
        ])
    );
    assert!(client.shutdown().success());
}

#[test]
fn formatting_is_one_edit_to_the_canonical_layout_and_none_when_formatted_or_broken() {
    let (dir, _, _) = fixture("formatting");
    let doc = uri(&dir.join("messy.bf"));
    let mut client = Client::start();
    let messy = "from alpine:3.20   as  build\nif $X == \"1\"\nrun echo  é   kept\nend\n";
    client.open(&doc, messy);
    let format = |client: &mut Client| {
        let params =
            json!({"textDocument": {"uri": doc}, "options": {"tabSize": 4, "insertSpaces": true}});
        let response = client.request("textDocument/formatting", params);
        assert!(response.get("error").is_none(), "{response}");
        response["result"].clone()
    };
    let edits = format(&mut client);
    assert_eq!(
        edits,
        json!([{
            "range": range(0, 0, 4, 0),
            "newText": "FROM alpine:3.20 AS build\nIF $X == \"1\"\n    RUN echo  é   kept\nEND\n"
        }])
    );
    let formatted = edits[0]["newText"].as_str().unwrap().to_owned();
    let change = json!({"textDocument": {"uri": doc, "version": 2}, "contentChanges": [{"text": formatted}]});
    client.notify("textDocument/didChange", change);
    assert_eq!(format(&mut client), json!([]));
    let broken = json!({"textDocument": {"uri": doc, "version": 3}, "contentChanges": [{"text": "FROM a\nRUNN x\n"}]});
    client.notify("textDocument/didChange", broken);
    assert_eq!(format(&mut client), json!([]));
    assert!(client.shutdown().success());
}
