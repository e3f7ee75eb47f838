//! `rustbuild build`, the frontend in the client, against the real daemons: exports equal to
//! dockerfile.v0's (a local tree, an OCI layout, a Windows image), named contexts, errors
//! shown at their lines, and a BuildKit socket reached with `--addr`. The parity corpus
//! built this way is in `parity` (`client_bk20`, `client_bk26`).

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};

use crate::daemon::{Daemon, Outcome, daemon};
use crate::image;
use crate::oci::Layout;
use crate::platforms::walk;
use crate::workspace::Workspace;

/// `rustbuild build --progress=plain ARGS` in `work`.
fn client(daemon: &Daemon, work: &Workspace, args: &[&str]) -> Outcome {
    let mut full = vec!["build", "--progress=plain"];
    full.extend(args);
    daemon.rustbuild(&[], &full, work.path())
}

fn dest(kind: &str, path: &Path) -> String {
    format!("type={kind},dest={}", path.display())
}

/// A context with an ignored file, and a build whose result has modes and owners of its own.
fn tree_build(work: &Workspace) {
    work.write(
        "Buildfile",
        "FROM local/busybox:latest AS build
WORKDIR /src
COPY . .
RUN mkdir /out && cp -r /src/. /out/ && echo built > /out/built.txt && chmod 600 /out/built.txt \\
    && ln -s built.txt /out/link && chown 12:34 /out/a.txt
FROM scratch
COPY --from=build /out/ /
",
    );
    work.write("context/a.txt", "a\n");
    work.write("context/dir/b.txt", "b\n");
    work.write("context/ignored.txt", "not sent\n");
    work.write("context/.dockerignore", "ignored.txt\n");
}

fn local_output_is_dockerfile_v0s(name: &'static str) {
    let daemon = daemon(name);
    let work = Workspace::new("client-local");
    tree_build(&work);
    let (theirs, ours) = (work.path().join("theirs"), work.path().join("ours"));
    let reference = [
        "build",
        "--progress=plain",
        "-f",
        "Buildfile",
        "-o",
        &dest("local", &theirs),
        "context",
    ];
    daemon.build(&reference, work.path()).ok("dockerfile.v0");
    client(
        daemon,
        &work,
        &["-f", "Buildfile", "-o", &dest("local", &ours), "context"],
    )
    .ok("rustbuild build");
    let (theirs, ours) = (walk(&theirs), walk(&ours));
    assert!(
        ours.contains_key("/built.txt") && !ours.contains_key("/ignored.txt"),
        "{ours:?}"
    );
    let diffs = image::diff_trees(&theirs, &ours, ("dockerfile.v0", "rustbuild build"));
    assert!(
        diffs.is_empty(),
        "the exported trees differ:\n  {}",
        diffs.join("\n  ")
    );
}

#[test]
fn bk20_local_output_is_dockerfile_v0s() {
    local_output_is_dockerfile_v0s("bk20");
}

#[test]
fn bk26_local_output_is_dockerfile_v0s() {
    local_output_is_dockerfile_v0s("bk26");
}

/// The manifest each platform's image has in an OCI layout: equal manifests are equal
/// images, config and layers.
fn manifests(layout: &Path) -> Vec<(String, String)> {
    let layout = Layout::read(&layout.to_string_lossy());
    layout
        .images()
        .iter()
        .map(|i| {
            (
                i.descriptor_platform(),
                i.descriptor["digest"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect()
}

/// The same image, byte for byte, as buildx with the built-in frontend writes to a layout.
#[test]
fn bk26c_oci_output_is_dockerfile_v0s() {
    let daemon = daemon("bk26c");
    let work = Workspace::new("client-oci");
    tree_build(&work);
    let (theirs, ours) = (work.path().join("theirs.tar"), work.path().join("ours.tar"));
    let epoch = ["--build-arg", "SOURCE_DATE_EPOCH=0"];
    let mut reference = vec!["buildx", "build", "--progress=plain", "-f", "Buildfile"];
    let theirs_dest = dest("oci", &theirs);
    reference.extend(epoch);
    reference.extend(["-o", &theirs_dest, "context"]);
    daemon.build(&reference, work.path()).ok("dockerfile.v0");
    let ours_dest = dest("oci", &ours);
    let mut args = vec!["-f", "Buildfile", "-o", &ours_dest];
    args.extend(epoch);
    args.push("context");
    client(daemon, &work, &args).ok("rustbuild build");
    let ours = manifests(&ours);
    assert_eq!(ours.len(), 1, "one image");
    assert_eq!(
        ours,
        manifests(&theirs),
        "rustbuild build's image differs from dockerfile.v0's"
    );
}

/// The Windows image on the loopback registry's base is dockerfile.v0's (its config, as
/// `configs` compares it) and, whole, the one the frontend image builds.
#[test]
fn bk26c_windows_target_is_dockerfile_v0s() {
    let daemon = daemon("bk26c");
    let work = Workspace::new("client-windows");
    work.write("context/app.cmd", "@echo off\r\necho hello\r\n");
    let args = [
        "--platform",
        "windows/amd64",
        "--build-arg",
        "SOURCE_DATE_EPOCH=0",
        "-o",
        "type=oci,dest=OUT",
    ];
    let [reference, frontend_image] =
        crate::platforms::build_both(daemon, &work, crate::configs::WINDOWS_WITHOUT_ENV, &args);
    let ours = work.path().join("ours.tar");
    let ours_dest = dest("oci", &ours);
    let mut client_args: Vec<&str> = args
        .iter()
        .map(|a| {
            if *a == "type=oci,dest=OUT" {
                ours_dest.as_str()
            } else {
                a
            }
        })
        .collect();
    client_args.extend(["-f", "rustbuild/Buildfile", "context"]);
    client(daemon, &work, &client_args).ok("rustbuild build");
    let built = Layout::read(&ours.to_string_lossy()).images();
    assert_eq!(built.len(), 1);
    assert_eq!(built[0].config["os"], "windows");
    let expected = Layout::read(&reference).images();
    assert_eq!(
        built[0].config,
        crate::configs::without_buildkit_013_windows_quirks(expected[0].config.clone()),
        "rustbuild build's Windows config differs from dockerfile.v0's"
    );
    assert_eq!(
        manifests(&ours),
        manifests(Path::new(&frontend_image)),
        "rustbuild build and the frontend image build different Windows images"
    );
}

#[test]
fn bk26_named_contexts_and_secrets_reach_the_build() {
    let daemon = daemon("bk26");
    let work = Workspace::new("client-contexts");
    work.write(
        "Buildfile",
        "FROM local/busybox:latest AS build
COPY --from=lib greeting.txt /out/
RUN --mount=type=secret,id=token cp /run/secrets/token /out/token
FROM scratch
COPY --from=build /out/ /
",
    );
    work.write("context/.keep", "");
    work.write("lib/greeting.txt", "hello from lib\n");
    work.write("token.txt", "s3cret\n");
    let (theirs, ours) = (work.path().join("theirs"), work.path().join("ours"));
    let flags = [
        "--build-context",
        "lib=lib",
        "--secret",
        "id=token,src=token.txt",
    ];
    let theirs_dest = dest("local", &theirs);
    let mut reference = vec![
        "buildx",
        "build",
        "--progress=plain",
        "-f",
        "Buildfile",
        "-o",
        &theirs_dest,
    ];
    reference.extend(flags);
    reference.push("context");
    daemon.build(&reference, work.path()).ok("dockerfile.v0");
    let ours_dest = dest("local", &ours);
    let mut args = vec!["-f", "Buildfile", "-o", &ours_dest];
    args.extend(flags);
    args.push("context");
    client(daemon, &work, &args).ok("rustbuild build");
    assert_eq!(
        std::fs::read_to_string(ours.join("greeting.txt")).unwrap(),
        "hello from lib\n"
    );
    assert_eq!(
        std::fs::read_to_string(ours.join("token")).unwrap(),
        "s3cret\n"
    );
    assert_eq!(walk(&ours), walk(&theirs));
}

fn failing_run_shows_its_line(name: &'static str) {
    let daemon = daemon(name);
    let work = Workspace::new("client-failing-run");
    work.write(
        "Buildfile",
        "FROM local/busybox:latest\nINCLUDE steps.bf\nRUN echo fine\n",
    );
    work.write(
        "steps.bf",
        "# the steps\nRUN echo about to fail && exit 3\n",
    );
    let out = client(daemon, &work, &["."]);
    assert_eq!(out.code, Some(1), "a failed build exits 1:\n{}", out.text());
    out.assert_shows(&[
        "rustbuild::build::step-failed",
        "exit code: 3",
        "[steps.bf:2:1]",
        "2 │ RUN echo about to fail && exit 3",
        "this step failed",
        // The progress names the step and where it is.
        "RUN echo about to fail && exit 3",
        "steps.bf:2",
    ]);
}

#[test]
fn bk20_a_failing_run_shows_its_line() {
    failing_run_shows_its_line("bk20");
}

#[test]
fn bk26_a_failing_run_shows_its_line() {
    failing_run_shows_its_line("bk26");
}

#[test]
fn bk26_a_bad_buildfile_is_reported_before_anything_runs() {
    let daemon = daemon("bk26");
    let work = Workspace::new("client-bad-buildfile");
    work.write("Buildfile", "FROM local/busybox:latest\nRUNN echo typo\n");
    let out = client(daemon, &work, &["."]);
    assert_eq!(out.code, Some(1), "{}", out.text());
    out.assert_shows(&[
        "rustbuild::syntax::unknown-instruction",
        "2 │ RUNN echo typo",
        "RUN",
    ]);
}

/// An export the client cannot write fails the build with the reason, and leaves nothing.
#[test]
fn bk26_an_export_that_cannot_be_written_fails_the_build() {
    let daemon = daemon("bk26");
    let work = Workspace::new("client-unwritable");
    work.write("Buildfile", "FROM scratch\nCOPY Buildfile /\n");
    let out = client(
        daemon,
        &work,
        &["-o", "type=tar,dest=missing/dir/out.tar", "."],
    );
    assert_eq!(out.code, Some(1), "{}", out.text());
    out.assert_shows(&["cannot create", "missing/dir/"]);
    assert!(!work.path().join("missing").exists());
}

/// A BuildKit socket: each connection is upgraded at dockerd's `/grpc`, after which dockerd's
/// embedded BuildKit speaks plain gRPC on it, as buildkitd does on its own socket. The bytes
/// are forwarded untouched; the daemon is real.
fn buildkit_socket(daemon: &Daemon, dir: &Path) -> PathBuf {
    let docker = daemon
        .env("DOCKER_HOST")
        .unwrap()
        .trim_start_matches("unix://")
        .to_string();
    let socket = dir.join("buildkitd.sock");
    let listener = UnixListener::bind(&socket).unwrap();
    std::thread::spawn(move || {
        for client in listener.incoming().filter_map(Result::ok) {
            let docker = docker.clone();
            std::thread::spawn(move || forward(client, &docker));
        }
    });
    socket
}

fn forward(client: UnixStream, docker: &str) {
    let Ok(mut upstream) = UnixStream::connect(docker) else {
        return;
    };
    let request = "POST /grpc HTTP/1.1\r\nHost: docker\r\nContent-Length: 0\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n";
    if upstream.write_all(request.as_bytes()).is_err() {
        return;
    }
    let mut reader = BufReader::new(upstream.try_clone().unwrap());
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
        line.clear();
    }
    let leftover = reader.buffer().to_vec();
    let (mut client_read, mut upstream_write) =
        (client.try_clone().unwrap(), upstream.try_clone().unwrap());
    let mut client_write = client;
    let _ = client_write.write_all(&leftover);
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut client_read, &mut upstream_write);
        let _ = upstream_write.shutdown(std::net::Shutdown::Write);
    });
    let mut upstream_read: Box<dyn Read> = Box::new(reader.into_inner());
    let _ = std::io::copy(&mut upstream_read, &mut client_write);
    let _ = client_write.shutdown(std::net::Shutdown::Write);
}

/// `--addr` and `BUILDKIT_HOST` reach a BuildKit socket, where the session goes through
/// `Control.Session`; it has no image store, so `-t` alone is refused, and a local export
/// is the build's.
#[test]
fn bk26_a_buildkit_socket_is_reached_with_addr_and_buildkit_host() {
    let daemon = daemon("bk26");
    let work = Workspace::new("client-buildkit-socket");
    tree_build(&work);
    let socket = buildkit_socket(daemon, work.path());
    let addr = format!("unix://{}", socket.display());
    let out = work.path().join("out");
    client(
        daemon,
        &work,
        &[
            "--addr",
            &addr,
            "-f",
            "Buildfile",
            "-o",
            &dest("local", &out),
            "context",
        ],
    )
    .ok("rustbuild build --addr");
    assert_eq!(
        std::fs::read_to_string(out.join("built.txt")).unwrap(),
        "built\n"
    );
    let tagged = daemon.rustbuild(
        &[("BUILDKIT_HOST", &addr)],
        &["build", "-f", "Buildfile", "-t", "x", "context"],
        work.path(),
    );
    assert_eq!(tagged.code, Some(2), "{}", tagged.text());
    tagged.assert_shows(&["-t needs an image store"]);
}

/// A Docker daemon on its own image store has no OCI exporter: the daemon's reason is the
/// error, not the frontend's connection that the failed build left without a job.
#[test]
fn bk26_an_exporter_the_daemon_lacks_is_named() {
    let daemon = daemon("bk26");
    let work = Workspace::new("client-no-oci");
    work.write("Buildfile", "FROM scratch\nCOPY Buildfile /\n");
    let out = client(daemon, &work, &["-o", "type=oci,dest=out.tar", "."]);
    assert_eq!(out.code, Some(1), "{}", out.text());
    out.assert_shows(&["exporter \"oci\" could not be found"]);
    assert!(!out.text().contains("Ping"), "{}", out.text());
    assert!(!work.path().join("out.tar").exists());
}
