//! A real editor: Neovim's built-in LSP client (headless) runs tests/editor/lsp.lua
//! against `rustbuild lsp`, and the script writes what it saw as JSON. Neovim comes from
//! Debian's `neovim` package, which scripts/setup.sh installs; without it this fails.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const BUILDFILE: &str = "\
ARG BASE=alpine
FROM ${BASE} AS build
RUN echo é > /out
FUNCTION greet WHO=world
RUN echo $WHO
END
FROM build AS final
COPY --from=build /out /app
CALL greet WHOO=x
";

#[test]
fn neovim_shows_diagnostics_goes_to_the_stage_of_a_from_and_formats() {
    let version = Command::new("nvim").arg("--version").output();
    assert!(
        version.is_ok_and(|o| o.status.success()),
        "nvim is missing: run scripts/setup.sh, which installs Debian's neovim package"
    );
    let dir = std::env::temp_dir().join(format!("rustbuild-neovim-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let buildfile = dir.join("Buildfile");
    std::fs::write(&buildfile, BUILDFILE).unwrap();
    let result = dir.join("result.json");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/editor/lsp.lua");
    let mut nvim = Command::new("nvim")
        .args(["--headless", "--clean", "-c"])
        .arg(format!("luafile {script}"))
        .env("RUSTBUILD", env!("CARGO_BIN_EXE_rustbuild"))
        .env("BUILDFILE", &buildfile)
        // `COPY --from=build`: on `build`.
        .env("DEFINITION", "7:13")
        .env("RESULT", &result)
        // Neovim's state, cache and logs stay in the test's directory.
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while nvim.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(90) {
            let _ = nvim.kill();
            panic!("nvim did not finish in 90 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let text = std::fs::read_to_string(&result).expect("the script wrote no result");
    let result: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(result.get("error"), None, "{result}");
    assert_eq!(
        result["steps"],
        serde_json::json!([
            "attached",
            "diagnostics",
            "definition",
            "edited",
            "formatted",
            "stopped"
        ])
    );

    let diagnostics = result["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "{result}");
    assert_eq!(diagnostics[0]["lnum"], 8);
    assert_eq!(diagnostics[0]["col"], 11);
    assert_eq!(diagnostics[0]["severity"], 1);
    assert_eq!(diagnostics[0]["source"], "rustbuild");
    assert!(
        diagnostics[0]["message"]
            .as_str()
            .unwrap()
            .contains("no parameter `WHOO`")
    );

    // The definition lands on the stage's FROM line.
    let definition = &result["definition"];
    let uri = definition["uri"].as_str().unwrap();
    assert!(
        uri.starts_with("file://") && uri.ends_with("/Buildfile"),
        "{definition}"
    );
    assert_eq!(definition["range"]["start"]["line"], 1, "{definition}");
    assert_eq!(definition["range"]["start"]["character"], 0);
    assert_eq!(result["after_edit"], serde_json::json!([]));
    // Formatting indented the FUNCTION's body and kept everything else.
    let formatted: Vec<&str> = result["formatted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| line.as_str().unwrap())
        .collect();
    let expected = BUILDFILE
        .replace("WHOO=", "WHO=")
        .replace("\nRUN echo $WHO", "\n    RUN echo $WHO");
    assert_eq!(formatted, expected.lines().collect::<Vec<_>>(), "{result}");
    let _ = std::fs::remove_dir_all(&dir);
}
