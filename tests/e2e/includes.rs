//! INCLUDE through real clients: each build is compared with the same build written out by
//! hand as a plain Dockerfile and built by the daemon's dockerfile.v0: the same files, the
//! same config, and where the daemon is reproducible the same image ID.

use crate::by_hand::{build, failing_buildx, same_as_by_hand};
use crate::corpus::{assert_ran_rustbuild, with_syntax_line};
use crate::daemon::{daemon, tail};
use crate::image;

const NAMES: (&str, &str) = ("dockerfile.v0", "rustbuild");
use crate::workspace::Workspace;

/// A service of a monorepo: its Buildfile, the files next to it that it includes, and
/// `Dockerfile.by-hand`, what they add up to.
fn monorepo(work: &Workspace) {
    work.write("hello.txt", "hello\n");
    work.write(
        "services/a/Buildfile",
        with_syntax_line(
            "ARG BASE=local/busybox:latest\nINCLUDE stages.bf\nFROM base\n\
             INCLUDE steps/copy.bf\nRUN echo a > /a.txt\n",
        ),
    );
    work.write(
        "services/a/stages.bf",
        "# the base every service starts from\nFROM ${BASE} AS base\nRUN echo base > /base.txt\n",
    );
    work.write(
        "services/a/steps/copy.bf",
        "COPY hello.txt /hello.txt\nINCLUDE more.bf\n",
    );
    work.write("services/a/steps/more.bf", "ENV FROM_MORE=yes\n");
    work.write(
        "Dockerfile.by-hand",
        "ARG BASE=local/busybox:latest\nFROM ${BASE} AS base\nRUN echo base > /base.txt\n\
         FROM base\nCOPY hello.txt /hello.txt\nENV FROM_MORE=yes\nRUN echo a > /a.txt\n",
    );
}

#[test]
fn bk26_buildx_includes_the_files_next_to_the_buildfile() {
    let work = Workspace::new("include-monorepo");
    monorepo(&work);
    same_as_by_hand(
        "bk26",
        &work,
        &["buildx", "build"],
        "services/a/Buildfile",
        &[],
    );
}

#[test]
fn bk20_docker_build_includes_the_files_next_to_the_buildfile() {
    let work = Workspace::new("include-monorepo-bk20");
    monorepo(&work);
    same_as_by_hand("bk20", &work, &["build"], "services/a/Buildfile", &[]);
}

#[test]
fn bk26_include_from_a_named_context_reads_that_directory() {
    let work = Workspace::new("include-context");
    work.write("app.txt", "app\n");
    work.write(
        "lib/go/steps.bf",
        "INCLUDE env.bf\nCOPY app.txt /srv/app.txt\n",
    );
    work.write("lib/go/env.bf", "ENV LIB=go\n");
    work.write(
        "Buildfile",
        with_syntax_line(
            "FROM local/busybox:latest\nINCLUDE --from=lib go/steps.bf\nRUN cat /srv/app.txt\n",
        ),
    );
    work.write(
        "Dockerfile.by-hand",
        "FROM local/busybox:latest\nENV LIB=go\nCOPY app.txt /srv/app.txt\nRUN cat /srv/app.txt\n",
    );
    let lib = work.path().join("lib");
    let context = format!("lib={}", lib.display());
    same_as_by_hand(
        "bk26",
        &work,
        &["buildx", "build"],
        "Buildfile",
        &["--build-context", &context],
    );
}

#[test]
fn bk26_include_from_an_image_reads_its_filesystem() {
    let daemon = daemon("bk26");
    let work = Workspace::new("include-image");
    work.write("steps.bf", "RUN echo from-image > /from-image.txt\n");
    work.write(
        "Dockerfile.lib",
        "FROM scratch\nCOPY steps.bf /bflib/steps.bf\n",
    );
    let lib = "local/rustbuild-e2e-bflib:1";
    let made = daemon.build(
        &[
            "build",
            "--progress=plain",
            "-f",
            "Dockerfile.lib",
            "-t",
            lib,
            ".",
        ],
        work.path(),
    );
    assert!(
        made.success,
        "{}:\n{}",
        made.command,
        tail(&made.text(), 30)
    );
    work.write(
        "Buildfile",
        with_syntax_line(&format!(
            "FROM local/busybox:latest\nINCLUDE --from={lib} bflib/steps.bf\n"
        )),
    );
    work.write(
        "Dockerfile.by-hand",
        "FROM local/busybox:latest\nRUN echo from-image > /from-image.txt\n",
    );
    same_as_by_hand("bk26", &work, &["buildx", "build"], "Buildfile", &[]);
}

#[test]
fn bk26_a_failing_run_in_an_included_file_names_that_file_and_line_and_the_include() {
    let daemon = daemon("bk26");
    let work = Workspace::new("include-failure");
    work.write(
        "Buildfile",
        with_syntax_line("FROM local/busybox:latest\nINCLUDE steps.bf\n"),
    );
    work.write("steps.bf", "RUN true\nRUN echo inside && exit 3\n");
    let out = failing_buildx(daemon, &work);
    // The op's own line first, then the INCLUDE that brought it (line 3 with the syntax line).
    out.assert_shows(&[
        "steps.bf:2",
        ">>> RUN echo inside && exit 3",
        "Buildfile:3",
        ">>> INCLUDE steps.bf",
        "exit code: 3",
    ]);
}

#[test]
fn bk26_a_missing_include_is_located_with_the_root_searched() {
    let daemon = daemon("bk26");
    let work = Workspace::new("include-missing");
    work.write(
        "Buildfile",
        with_syntax_line("FROM local/busybox:latest\nRUN true\nINCLUDE nothere.bf\n"),
    );
    let out = failing_buildx(daemon, &work);
    out.assert_shows(&[
        "rustbuild::load::include-not-found",
        "`nothere.bf` is not in the Buildfile's directory",
        "[Buildfile:4:1]",
    ]);
}

/// examples/monorepo as its README line says: each service built from the repository's
/// root with the `shared` context, then run.
#[test]
fn bk26_the_monorepo_example_builds_both_services_from_one_shared_base() {
    let daemon = daemon("bk26");
    let root = crate::daemon::repo_root().join("examples/monorepo");
    for (service, says) in [
        (
            "api",
            "api: port 8080, on the shared base; healthy (tools 2)",
        ),
        (
            "worker",
            "worker: queue jobs, on the shared base; healthy (tools 3)",
        ),
    ] {
        let file = format!("services/{service}/Buildfile");
        let tag = format!("rustbuild-e2e/monorepo-{service}");
        let args = ["buildx", "build", "--progress=plain", "-f", &file];
        let args = [
            &args[..],
            &["--build-context", "shared=shared", "-t", &tag, "."],
        ]
        .concat();
        let built = daemon.build(&args, &root).ok("the example builds");
        assert_ran_rustbuild(&built);
        let ran = daemon
            .run(&["run", "--rm", &tag], None)
            .ok("the image runs");
        assert_eq!(String::from_utf8_lossy(&ran.stdout).trim(), says);
    }
}

/// One library imported twice with different ARGs: two namespaces, two stages.
fn import_twice(work: &Workspace) {
    work.write(
        "lib/tool.bf",
        "ARG MSG=default\nARG BASE=local/busybox:latest\nFROM ${BASE} AS tool\nARG MSG\n\
         RUN mkdir /out && echo \"$MSG\" > /out/msg\n",
    );
    work.write(
        "Buildfile",
        with_syntax_line(
            "IMPORT lib/tool.bf AS old MSG=old\nIMPORT lib/tool.bf AS new MSG=new\n\
             FROM local/busybox:latest\nCOPY --from=old+tool /out/msg /old.txt\n\
             COPY --from=new+tool /out/msg /new.txt\n",
        ),
    );
    work.write(
        "Dockerfile.by-hand",
        "FROM local/busybox:latest AS old-tool\nARG MSG=old\nRUN mkdir /out && echo \"$MSG\" > /out/msg\n\
         FROM local/busybox:latest AS new-tool\nARG MSG=new\nRUN mkdir /out && echo \"$MSG\" > /out/msg\n\
         FROM local/busybox:latest\nCOPY --from=old-tool /out/msg /old.txt\n\
         COPY --from=new-tool /out/msg /new.txt\n",
    );
}

#[test]
fn bk26_one_file_imported_twice_with_different_args_gives_two_namespaces() {
    let work = Workspace::new("import-twice");
    import_twice(&work);
    // The build's own MSG does not reach into the imports.
    same_as_by_hand(
        "bk26",
        &work,
        &["buildx", "build"],
        "Buildfile",
        &["--build-arg", "MSG=build"],
    );
}

#[test]
fn bk20_one_file_imported_twice_with_different_args_gives_two_namespaces() {
    let work = Workspace::new("import-twice-bk20");
    import_twice(&work);
    same_as_by_hand("bk20", &work, &["build"], "Buildfile", &[]);
}

#[test]
fn bk26_an_imported_stage_is_a_target_by_its_full_name() {
    let daemon = daemon("bk26");
    let work = Workspace::new("import-target");
    import_twice(&work);
    let tag = "rustbuild-e2e/import-target";
    let args = [
        "buildx",
        "build",
        "--progress=plain",
        "-f",
        "Buildfile",
        "--target",
        "new+tool",
        "-t",
        tag,
        ".",
    ];
    let built = daemon
        .build(&args, work.path())
        .ok("building the target new+tool");
    assert_ran_rustbuild(&built);
    let ran = daemon
        .run(&["run", "--rm", tag, "cat", "/out/msg"], None)
        .ok("the image runs");
    assert_eq!(String::from_utf8_lossy(&ran.stdout).trim(), "new");
}

/// The other forms of LANGUAGE.md at once: a path chosen by a build argument, IMPORT from a
/// named context, and a mount from an imported stage.
#[test]
fn bk26_a_path_from_a_build_arg_an_import_from_a_context_and_a_mount_from_an_import() {
    let work = Workspace::new("include-forms");
    work.write("ci/dev.bf", "ENV PROFILE=dev\n");
    work.write("ci/release.bf", "ENV PROFILE=release\n");
    work.write(
        "lib/cache.bf",
        "ARG WHAT=nothing\nFROM local/busybox:latest AS cache\nARG WHAT\n\
         RUN mkdir /c && echo \"$WHAT\" > /c/what\n",
    );
    work.write(
        "Buildfile",
        with_syntax_line(
            "ARG PROFILE=dev\nIMPORT --from=lib cache.bf AS lib WHAT=cached\n\
             FROM local/busybox:latest\nINCLUDE ci/${PROFILE}.bf\n\
             RUN --mount=from=lib+cache,source=/c,target=/c cp /c/what /what\n",
        ),
    );
    work.write(
        "Dockerfile.by-hand",
        "FROM local/busybox:latest AS lib-cache\nARG WHAT=cached\n\
         RUN mkdir /c && echo \"$WHAT\" > /c/what\n\
         FROM local/busybox:latest\nENV PROFILE=release\n\
         RUN --mount=from=lib-cache,source=/c,target=/c cp /c/what /what\n",
    );
    let lib = format!("lib={}", work.path().join("lib").display());
    let args = ["--build-arg", "PROFILE=release", "--build-context", &lib];
    same_as_by_hand("bk26", &work, &["buildx", "build"], "Buildfile", &args);
}

/// `buildx bake` with a `target:` context sends it as a frontend input (`input:NAME`):
/// INCLUDE reads from that target's result.
#[test]
fn bk26_bake_includes_from_another_targets_result() {
    let daemon = daemon("bk26");
    let work = Workspace::new("include-bake");
    work.write(
        "Dockerfile.lib",
        "FROM scratch\nCOPY steps.bf /bflib/steps.bf\n",
    );
    work.write("steps.bf", "RUN echo from-input > /from-input.txt\n");
    work.write(
        "Buildfile",
        with_syntax_line("FROM local/busybox:latest\nINCLUDE --from=lib bflib/steps.bf\n"),
    );
    let tag = "rustbuild-e2e/bake-input";
    work.write(
        "docker-bake.hcl",
        format!(
            "target \"lib\" {{\n  dockerfile = \"Dockerfile.lib\"\n}}\n\
             target \"app\" {{\n  dockerfile = \"Buildfile\"\n  contexts = {{ lib = \"target:lib\" }}\n  tags = [\"{tag}\"]\n}}\n"
        ),
    );
    let built = daemon
        .build(&["buildx", "bake", "--progress=plain", "app"], work.path())
        .ok("buildx bake app");
    assert_ran_rustbuild(&built);
    let ran = daemon
        .run(&["run", "--rm", tag, "cat", "/from-input.txt"], None)
        .ok("the image runs");
    assert_eq!(String::from_utf8_lossy(&ran.stdout).trim(), "from-input");
}

/// Several platforms at once (buildx on the containerd store): the file is loaded for each
/// platform, so an INCLUDE path may name it.
#[test]
fn bk26c_a_multi_platform_build_includes_for_every_platform() {
    let daemon = daemon("bk26c");
    let work = Workspace::new("include-platforms");
    work.write("files/amd64.txt", "amd64\n");
    work.write("files/arm64.txt", "arm64\n");
    work.write(
        "arch.bf",
        "ARG TARGETARCH\nCOPY files/${TARGETARCH}.txt /arch.txt\n",
    );
    work.write("amd64.bf", "COPY files/amd64.txt /arch.txt\n");
    work.write("arm64.bf", "COPY files/arm64.txt /arch.txt\n");
    work.write(
        "Buildfile",
        with_syntax_line("FROM scratch\nINCLUDE arch.bf\n"),
    );
    work.write(
        "Perarch",
        with_syntax_line("ARG P=${TARGETARCH}\nFROM scratch\nINCLUDE ${P}.bf\n"),
    );
    // Each platform's output holds its own file, whichever way the Buildfile picks it.
    for (file, why) in [
        ("Buildfile", "the multi-platform build"),
        ("Perarch", "includes named by the platform"),
    ] {
        let out = work.path().join(format!("out-{file}"));
        let dest = format!("type=local,dest={}", out.display());
        let args = [
            "buildx",
            "build",
            "--progress=plain",
            "-f",
            file,
            "--platform",
            "linux/amd64,linux/arm64",
            "-o",
            &dest,
            ".",
        ];
        let built = daemon.build(&args, work.path()).ok(why);
        assert_ran_rustbuild(&built);
        for arch in ["amd64", "arm64"] {
            let file = out.join(format!("linux_{arch}/arch.txt"));
            assert_eq!(std::fs::read_to_string(&file).unwrap(), format!("{arch}\n"));
        }
    }
}

/// `COPY --if-exists`: sources that match nothing are skipped, the others copied as by a
/// COPY of them alone; a COPY whose sources all miss does nothing.
fn if_exists(daemon_name: &'static str, client: &[&str]) {
    let work = Workspace::new(&format!("if-exists-{daemon_name}"));
    work.write("present.txt", "here\n");
    work.write("plugins/a.so", "a\n");
    work.write(
        "Buildfile",
        with_syntax_line(
            "FROM local/busybox:latest\n\
             COPY --if-exists present.txt missing.txt plugins/ gone/ /dst/\n\
             ADD --if-exists nothing.tar /dst/\nCOPY --if-exists none.conf /etc/none.conf\n",
        ),
    );
    work.write(
        "Dockerfile.by-hand",
        "FROM local/busybox:latest\nCOPY present.txt plugins/ /dst/\n",
    );
    let daemon = daemon(daemon_name);
    let (ours, theirs) = (
        format!("rustbuild-e2e/if-exists-{daemon_name}:rustbuild"),
        format!("rustbuild-e2e/if-exists-{daemon_name}:dockerfile-v0"),
    );
    let built = build(daemon, &work, client, "Buildfile", &ours, &[]);
    assert!(
        built.success,
        "{}:\n{}",
        built.command,
        tail(&built.text(), 40)
    );
    assert_ran_rustbuild(&built);
    let reference = build(
        daemon,
        &work,
        &["build"],
        "Dockerfile.by-hand",
        &theirs,
        &[],
    );
    assert!(reference.success, "{}", tail(&reference.text(), 30));
    let diffs = image::diff_trees(
        &image::filesystem(daemon, &theirs),
        &image::filesystem(daemon, &ours),
        NAMES,
    );
    assert!(diffs.is_empty(), "{daemon_name}:\n  {}", diffs.join("\n  "));
}

#[test]
fn bk26_copy_if_exists_skips_what_is_missing() {
    if_exists("bk26", &["buildx", "build"]);
}

#[test]
fn bk20_copy_if_exists_skips_what_is_missing() {
    if_exists("bk20", &["build"]);
}
