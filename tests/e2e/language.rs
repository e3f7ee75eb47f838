//! FUNCTION/CALL, IF, FOR and variables in `--from` through real clients: each build is held
//! to the same build written out by hand as a plain Dockerfile and built by dockerfile.v0 (the
//! same files, the same config, the same image ID where the daemon is reproducible), and its
//! failures to the Buildfile lines that made them.

use crate::by_hand::same_as_by_hand;
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
    let work = Workspace::new("lang-function");
    functions(&work);
    same_as_by_hand("bk26", &work, &["buildx", "build"], "Buildfile", &[]);
}

#[test]
fn bk20_calls_of_a_function_build_what_the_steps_written_out_build() {
    let work = Workspace::new("lang-function-bk20");
    functions(&work);
    same_as_by_hand("bk20", &work, &["build"], "Buildfile", &[]);
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
    let work = Workspace::new("lang-for");
    loops(&work);
    same_as_by_hand("bk26", &work, &["buildx", "build"], "Buildfile", &[]);
}

#[test]
fn bk20_for_stamps_out_stages_and_copies_from_each() {
    let work = Workspace::new("lang-for-bk20");
    loops(&work);
    same_as_by_hand("bk20", &work, &["build"], "Buildfile", &[]);
}

/// IF on a build argument, the platform and the build context; a branch that picks the
/// stage's FROM; `--mount from=${X}` with a stage ARG.
fn conditions(work: &Workspace) {
    work.write("debug.conf", "debug\n");
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
    let work = Workspace::new("lang-if");
    conditions(&work);
    same_as_by_hand("bk26", &work, &["buildx", "build"], "Buildfile", &[]);
}

#[test]
fn bk20_if_takes_the_branch_the_build_arguments_platform_and_context_choose() {
    let work = Workspace::new("lang-if-bk20");
    conditions(&work);
    same_as_by_hand("bk20", &work, &["build"], "Buildfile", &[]);
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
    let args = [
        "buildx",
        "build",
        "--progress=plain",
        "-f",
        "Buildfile",
        ".",
    ];
    let out = daemon.build(&args, work.path()).failed();
    crate::corpus::assert_ran_rustbuild(&out);
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
    let args = [
        "buildx",
        "build",
        "--progress=plain",
        "-f",
        "Buildfile",
        ".",
    ];
    let out = daemon.build(&args, work.path()).failed();
    crate::corpus::assert_ran_rustbuild(&out);
    out.assert_shows(&[
        "rustbuild::load::unknown-function",
        "no FUNCTION `greeet`",
        "did you mean `greet`?",
    ]);
}
