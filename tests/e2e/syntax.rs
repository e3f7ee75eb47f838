//! How users select rustbuild: a `# syntax=` line, or `--build-arg BUILDKIT_SYNTAX=IMAGE`
//! with no line in the file, through both clients (`docker build` with DOCKER_BUILDKIT=1 on
//! dockerd 20.10, `docker buildx build` on dockerd 26). The image is then run: what it holds
//! and does is what the Buildfile says.

use crate::corpus::{assert_ran_rustbuild, with_syntax_line};
use crate::daemon::{Daemon, daemon, rustbuild_image, self_check, tail};
use crate::workspace::Workspace;

#[derive(Clone, Copy, Debug)]
enum Selection {
    /// `# syntax=local/rustbuild:dev` as line 1.
    SyntaxLine,
    /// `--build-arg BUILDKIT_SYNTAX=local/rustbuild:dev`, no syntax line.
    BuildArg,
}

#[derive(Clone, Copy, Debug)]
enum Client {
    /// `docker build` (the 20.10 CLI talks to BuildKit itself when DOCKER_BUILDKIT=1).
    DockerBuild,
    /// `docker buildx build --load`.
    Buildx,
}

const GREETING: &str = "hello from a Buildfile";

/// The image prints its ENV value and a file its COPY put in the WORKDIR.
const BUILDFILE: &str = "FROM local/busybox:latest
ENV GREETING=\"hello from a Buildfile\"
WORKDIR /srv/app
COPY message.txt ./
CMD [\"sh\", \"-c\", \"echo \\\"cmd: $GREETING\\\" && cat message.txt\"]
";

/// Builds BUILDFILE as `tag`, selecting rustbuild with `selection`, through `client`.
fn build(daemon: &Daemon, client: Client, selection: Selection, tag: &str, message: &str) {
    let work = Workspace::new("syntax");
    work.write("message.txt", message);
    let text = match selection {
        Selection::SyntaxLine => with_syntax_line(BUILDFILE),
        Selection::BuildArg => BUILDFILE.to_string(),
    };
    work.write("Buildfile", text);
    let syntax_arg = format!("BUILDKIT_SYNTAX={}", rustbuild_image());
    let mut args = match client {
        Client::DockerBuild => vec!["build"],
        Client::Buildx => vec!["buildx", "build", "--load"],
    };
    args.extend(["--progress=plain", "-f", "Buildfile", "-t", tag]);
    if matches!(selection, Selection::BuildArg) && !self_check() {
        args.extend(["--build-arg", &syntax_arg]);
    }
    args.push(".");
    let out = daemon
        .build(&args, work.path())
        .ok(&format!("{client:?} with {selection:?}"));
    // the build ran the frontend image, not the daemon's dockerfile.v0
    assert_ran_rustbuild(&out);
}

fn run(daemon: &Daemon, args: &[&str]) -> String {
    let mut full = vec!["run", "--rm"];
    full.extend(args);
    let out = daemon.run(&full, None).ok("docker run");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn check(daemon_name: &'static str, client: Client, selection: Selection) {
    let daemon = daemon(daemon_name);
    // unique content: an image left by an earlier run cannot pass for this one
    let message = format!(
        "{daemon_name} {client:?} {selection:?} {}\n",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default()
    );
    let tag = format!("rustbuild-e2e/syntax:{client:?}-{selection:?}").to_lowercase();
    build(daemon, client, selection, &tag, &message);

    let cmd = run(daemon, &[&tag]);
    assert_eq!(cmd, format!("cmd: {GREETING}\n{message}"), "CMD output");
    let file = run(daemon, &[&tag, "cat", "/srv/app/message.txt"]);
    assert_eq!(file, message, "the COPY'd file");
    let env = run(daemon, &[&tag, "sh", "-c", "echo \"$GREETING\"; pwd"]);
    assert_eq!(env, format!("{GREETING}\n/srv/app\n"), "ENV and WORKDIR");
    daemon.run(&["image", "rm", &tag], None);
}

#[test]
fn bk20_docker_build_with_syntax_line() {
    check("bk20", Client::DockerBuild, Selection::SyntaxLine);
}

#[test]
fn bk20_docker_build_with_buildkit_syntax_arg() {
    check("bk20", Client::DockerBuild, Selection::BuildArg);
}

#[test]
fn bk26_buildx_with_syntax_line() {
    check("bk26", Client::Buildx, Selection::SyntaxLine);
}

#[test]
fn bk26_buildx_with_buildkit_syntax_arg() {
    check("bk26", Client::Buildx, Selection::BuildArg);
}

/// Without a syntax line or BUILDKIT_SYNTAX, the daemon's own dockerfile.v0 builds the file:
/// the frontend check in `assert_ran_rustbuild` does tell the two apart.
#[test]
fn bk26_without_selection_is_dockerfile_v0() {
    let daemon = daemon("bk26");
    let work = Workspace::new("syntax-none");
    work.write("message.txt", "plain\n");
    work.write("Buildfile", BUILDFILE);
    let out = daemon
        .build(
            &[
                "buildx",
                "build",
                "--progress=plain",
                "-f",
                "Buildfile",
                ".",
            ],
            work.path(),
        )
        .ok("dockerfile.v0 build");
    let frontend = format!("docker-image://docker.io/{}", rustbuild_image());
    assert!(
        !out.text().contains(&frontend),
        "no frontend image was asked for, yet the output names {frontend}:\n{}",
        tail(&out.text(), 30)
    );
}
