//! FUNCTION/CALL, IF, FOR and variables in `--from` through real clients: each build is held
//! to the same build written out by hand as a plain Dockerfile and built by dockerfile.v0 (the
//! same files, the same config, the same image ID where the daemon is reproducible), and its
//! failures to the Buildfile lines that made them.

use crate::by_hand::{buildfile_same_as_by_hand, failing_buildx};
use crate::corpus::with_syntax_line;
use crate::daemon::daemon;
use crate::workspace::Workspace;

/// Two CALLs of one FUNCTION with a default and an IF on a parameter. The by-hand file
/// declares the parameters as ARGs: the same RUN environments and history, since each CALL
/// is its stage's last RUN (after a body its parameters are gone, which a Dockerfile cannot
/// say: it has no way to forget an ARG).
fn functions(work: &Workspace) {
    work.write(
        "Buildfile",
        with_syntax_line(
            "FUNCTION greet NAME GREETING=hello\n\
             \x20   RUN echo \"$GREETING $NAME\" > /greet-$NAME.txt\n\
             \x20   IF $NAME == world\n\
             \x20       RUN echo special > /special.txt\n\
             \x20   END\n\
             END\n\
             FROM local/busybox:latest AS moon\n\
             CALL greet NAME=moon GREETING=bye\n\
             FROM local/busybox:latest\n\
             ENV KEEP=yes\n\
             CALL greet NAME=world\n\
             COPY --from=moon /greet-moon.txt /\n\
             LABEL after=call\n",
        ),
    );
    work.write(
        "Dockerfile.by-hand",
        "FROM local/busybox:latest AS moon\n\
         ARG NAME=moon GREETING=bye\nRUN echo \"$GREETING $NAME\" > /greet-$NAME.txt\n\
         FROM local/busybox:latest\nENV KEEP=yes\n\
         ARG NAME=world GREETING=hello\nRUN echo \"$GREETING $NAME\" > /greet-$NAME.txt\n\
         RUN echo special > /special.txt\n\
         COPY --from=moon /greet-moon.txt /\nLABEL after=call\n",
    );
}

#[test]
fn bk26_calls_of_a_function_build_what_the_steps_written_out_build() {
    buildfile_same_as_by_hand("bk26", "lang-function", functions);
}

#[test]
fn bk20_calls_of_a_function_build_what_the_steps_written_out_build() {
    buildfile_same_as_by_hand("bk20", "lang-function", functions);
}

/// A FOR that stamps out stages, and one that copies from each: `--from=make-${N}`.
fn loops(work: &Workspace) {
    work.write(
        "Buildfile",
        with_syntax_line(
            "ARG NAMES=\"one two\"\n\
             FOR N IN ${NAMES}\n\
             FROM local/busybox:latest AS make-${N}\n\
             RUN echo ${N} > /${N}.txt\n\
             END\n\
             FROM local/busybox:latest\n\
             FOR N IN ${NAMES}\n\
             \x20   COPY --from=make-${N} /${N}.txt /out/${N}.txt\n\
             END\n",
        ),
    );
    work.write(
        "Dockerfile.by-hand",
        "FROM local/busybox:latest AS make-one\nARG N=one\nRUN echo ${N} > /${N}.txt\n\
         FROM local/busybox:latest AS make-two\nARG N=two\nRUN echo ${N} > /${N}.txt\n\
         FROM local/busybox:latest\n\
         ARG N=one\nCOPY --from=make-one /${N}.txt /out/${N}.txt\n\
         ARG N=two\nCOPY --from=make-two /${N}.txt /out/${N}.txt\n",
    );
}

#[test]
fn bk26_for_stamps_out_stages_and_copies_from_each() {
    buildfile_same_as_by_hand("bk26", "lang-for", loops);
}

#[test]
fn bk20_for_stamps_out_stages_and_copies_from_each() {
    buildfile_same_as_by_hand("bk20", "lang-for", loops);
}

/// IF on a build argument, the platform and the build context (less what .dockerignore
/// leaves out); a branch that picks the stage's FROM; `--mount from=${X}` with a stage ARG.
fn conditions(work: &Workspace) {
    work.write("debug.conf", "debug\n");
    work.write("ignored.conf", "left out\n");
    work.write(".dockerignore", "ignored.conf\n");
    work.write(
        "Buildfile",
        with_syntax_line(
            "ARG MODE=debug\n\
             IF $TARGETOS == windows\n\
             FROM 127.0.0.1:5000/rustbuild/nanoserver:ltsc2022 AS base\n\
             ELSE\n\
             FROM local/busybox:latest AS base\n\
             END\n\
             RUN echo base > /base.txt\n\
             FROM local/busybox:latest\n\
             ARG SRC=base\n\
             IF $MODE == release && exists(\"release.conf\")\n\
             \x20   COPY release.conf /etc/app.conf\n\
             ELSE IF exists(\"debug.conf\") && $TARGETARCH == amd64\n\
             \x20   COPY debug.conf /etc/app.conf\n\
             ELSE\n\
             \x20   RUN false\n\
             END\n\
             IF exists(\"ignored.conf\")\n\
             \x20   RUN false\n\
             END\n\
             RUN --mount=from=${SRC},target=/b cp /b/base.txt /copied.txt\n",
        ),
    );
    work.write(
        "Dockerfile.by-hand",
        "FROM local/busybox:latest AS base\nRUN echo base > /base.txt\n\
         FROM local/busybox:latest\nARG SRC=base\nCOPY debug.conf /etc/app.conf\n\
         RUN --mount=from=base,target=/b cp /b/base.txt /copied.txt\n",
    );
}

#[test]
fn bk26_if_takes_the_branch_the_build_arguments_platform_and_context_choose() {
    buildfile_same_as_by_hand("bk26", "lang-if", conditions);
}

#[test]
fn bk20_if_takes_the_branch_the_build_arguments_platform_and_context_choose() {
    buildfile_same_as_by_hand("bk20", "lang-if", conditions);
}

#[test]
fn bk26_a_failing_run_in_a_function_names_the_body_line_and_the_call() {
    let daemon = daemon("bk26");
    let work = Workspace::new("lang-failure");
    work.write(
        "Buildfile",
        with_syntax_line(
            "FUNCTION check CODE\n    RUN true\n    RUN echo checking && exit $CODE\nEND\n\
             FROM local/busybox:latest\nCALL check CODE=4\n",
        ),
    );
    let out = failing_buildx(daemon, &work);
    // The body line first (line 4 with the syntax line), then the CALL (line 7).
    out.assert_shows(&[
        "Buildfile:4",
        ">>>     RUN echo checking && exit $CODE",
        "Buildfile:7",
        ">>> CALL check CODE=4",
        "exit code: 4",
    ]);
}

#[test]
fn bk26_a_call_of_an_unknown_function_fails_with_the_hint() {
    let daemon = daemon("bk26");
    let work = Workspace::new("lang-unknown-function");
    work.write(
        "Buildfile",
        with_syntax_line(
            "FUNCTION greet\n    RUN true\nEND\nFROM local/busybox:latest\nCALL greeet\n",
        ),
    );
    let out = failing_buildx(daemon, &work);
    out.assert_shows(&[
        "rustbuild::load::unknown-function",
        "no FUNCTION `greeet`",
        "did you mean `greet`?",
    ]);
}

/// examples/cross-os as its comment says, for linux/amd64 and windows/amd64 at once, held
/// per platform to the branch written out as a plain Dockerfile and built by dockerfile.v0.
#[test]
fn bk26c_the_cross_os_example_builds_its_linux_and_its_windows_image() {
    let daemon = daemon("bk26c");
    let example = crate::daemon::repo_root().join("examples/cross-os");
    let work = Workspace::new("lang-cross-os");
    let ours = work.path().join("rustbuild");
    let dest = format!("type=local,dest={}", ours.display());
    let platforms = "linux/amd64,windows/amd64";
    let args = [
        "buildx",
        "build",
        "--progress=plain",
        "-f",
        "Buildfile",
        "--platform",
        platforms,
        "-o",
        &dest,
        ".",
    ];
    let built = daemon.build(&args, &example).ok("the cross-os example");
    crate::corpus::assert_ran_rustbuild(&built);
    let by_hand = [
        (
            "linux/amd64",
            "FROM local/busybox:latest AS app\nCOPY --chmod=0755 linux/app.sh /app/app.sh\n\
             ENTRYPOINT [\"/app/app.sh\"]\nCOPY greeting.txt /app/greeting.txt\n\
             LABEL org.opencontainers.image.title=cross-os\n",
        ),
        (
            "windows/amd64",
            "FROM 127.0.0.1:5000/rustbuild/nanoserver:ltsc2022 AS app\n\
             USER ContainerAdministrator\nCOPY windows/app.cmd /app/app.cmd\n\
             ENTRYPOINT [\"cmd\", \"/S\", \"/C\", \"C:\\\\app\\\\app.cmd\"]\n\
             COPY greeting.txt /app/greeting.txt\n\
             LABEL org.opencontainers.image.title=cross-os\n",
        ),
    ];
    for (platform, text) in by_hand {
        let file = work.write(&format!("Dockerfile.{}", platform.replace('/', "-")), text);
        let theirs = work.path().join(platform.replace('/', "-"));
        let dest = format!("type=local,dest={}", theirs.display());
        let file = file.to_string_lossy().into_owned();
        let args = [
            "buildx",
            "build",
            "--progress=plain",
            "-f",
            &file,
            "--platform",
            platform,
            "-o",
            &dest,
            ".",
        ];
        daemon
            .build(&args, &example)
            .ok("the branch written out by hand");
        let dir = platform.replace('/', "_");
        let a = crate::platforms::walk(&theirs);
        let mut b = crate::platforms::walk(&ours.join(&dir));
        // BuildKit's local exporter of several platforms roots absolute symlinks in each
        // platform's folder; the single-platform reference's are not.
        for entry in b.values_mut() {
            if let crate::tar::Kind::Symlink(target) = &mut entry.kind
                && let Some(rest) = target.strip_prefix(&format!("/{dir}/"))
            {
                *target = format!("/{rest}");
            }
        }
        assert!(
            b.contains_key("/app/greeting.txt"),
            "{platform}: {:?}",
            b.keys()
        );
        let diffs = crate::image::diff_trees(&a, &b, ("dockerfile.v0", "rustbuild"));
        assert!(
            diffs.is_empty(),
            "{platform} differs:\n  {}",
            diffs.join("\n  ")
        );
    }
}

/// examples/functions, and the flat file `rustbuild expand` prints for it built through
/// rustbuild: the same image, by ID.
#[test]
fn bk26_the_functions_example_and_its_expansion_build_the_same_image() {
    let daemon = daemon("bk26");
    let example = crate::daemon::repo_root().join("examples/functions");
    let expanded = std::process::Command::new(env!("CARGO_BIN_EXE_rustbuild"))
        .args(["expand", "Buildfile"])
        .current_dir(&example)
        .output()
        .unwrap();
    assert!(
        expanded.status.success(),
        "{}",
        String::from_utf8_lossy(&expanded.stderr)
    );
    let flat = String::from_utf8(expanded.stdout).unwrap();
    assert!(
        !flat.contains("CALL") && !flat.contains("FOR ") && flat.contains("ARG --bind"),
        "{flat}"
    );
    let work = Workspace::new("lang-functions");
    let flat_file = work.write("Buildfile.flat", &flat);
    let mut ids = Vec::new();
    for (file, tag) in [
        (example.join("Buildfile"), "rustbuild-e2e/functions:example"),
        (flat_file, "rustbuild-e2e/functions:expanded"),
    ] {
        let file = file.to_string_lossy().into_owned();
        let args = [
            "buildx",
            "build",
            "--progress=plain",
            "-f",
            &file,
            "-t",
            tag,
            "--build-arg",
            "SOURCE_DATE_EPOCH=0",
            ".",
        ];
        let built = daemon.build(&args, &example).ok(tag);
        crate::corpus::assert_ran_rustbuild(&built);
        ids.push(crate::image::id(daemon, tag));
    }
    assert_eq!(
        ids[0], ids[1],
        "the example and its expansion give other images"
    );
    let files = crate::image::filesystem(daemon, "rustbuild-e2e/functions:example");
    for arch in ["amd64", "arm64", "riscv64"] {
        let entry = files
            .get(&format!("/bin/app-{arch}"))
            .map(|e| e.kind.clone());
        assert_eq!(
            entry,
            Some(crate::tar::Kind::File(
                format!("app for {arch}\n").into_bytes()
            ))
        );
    }
    let config = crate::image::config(daemon, "rustbuild-e2e/functions:example");
    let labels = format!("{:?}", config.get("Labels"));
    assert!(labels.contains("built for amd64 arm64 riscv64"), "{labels}");
}
