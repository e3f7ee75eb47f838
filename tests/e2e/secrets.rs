//! A secret mount's value reaches the build step and nothing else: not a layer, not the
//! config, not the history.

use crate::corpus::{assert_ran_rustbuild, with_syntax_line};
use crate::daemon::daemon;
use crate::image;
use crate::tar::Kind;
use crate::workspace::Workspace;

/// The secret is used (its length lands in the image, proving it was mounted) and a marker
/// written the ordinary way shows that the search does see layer contents.
const BUILDFILE: &str = "FROM local/busybox:latest
RUN --mount=type=secret,id=token wc -c < /run/secrets/token | tr -d ' ' > /token-length
RUN --mount=type=secret,id=token,target=/etc/token cp /etc/token /tmp/copy && rm /tmp/copy
RUN echo e2e-visible-marker > /marker
";

fn check(daemon_name: &'static str) {
    let daemon = daemon(daemon_name);
    let value = format!(
        "e2e-secret-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default()
    );
    let work = Workspace::new("secret");
    work.write("Buildfile", with_syntax_line(BUILDFILE));
    let secret = work.write("secret/token", &value);
    work.write(".dockerignore", "secret\n");
    let tag = format!("rustbuild-e2e/secret:{daemon_name}");
    let src = format!("id=token,src={}", secret.display());
    let built = daemon
        .build(
            &[
                "build",
                "--progress=plain",
                // a secret is not part of any cache key: without this, steps cached by an
                // earlier run would never see this run's value
                "--no-cache",
                "--secret",
                &src,
                "-f",
                "Buildfile",
                "-t",
                &tag,
                ".",
            ],
            work.path(),
        )
        .ok("the secret build");
    assert_ran_rustbuild(&built);

    let files = image::filesystem(daemon, &tag);
    let length = files.get("/token-length").map(|e| e.kind.clone());
    assert_eq!(
        length,
        Some(Kind::File(format!("{}\n", value.len()).into_bytes())),
        "secret not mounted"
    );

    let saved = daemon.run(&["save", &tag], None).ok("docker save").stdout;
    let inspect = daemon
        .run(&["image", "inspect", &tag], None)
        .ok("docker image inspect")
        .stdout;
    let history = daemon
        .run(&["history", "--no-trunc", &tag], None)
        .ok("docker history")
        .stdout;
    assert!(
        contains(&saved, b"e2e-visible-marker"),
        "docker save shows no layer contents"
    );
    for (what, bytes) in [
        ("docker save", &saved),
        ("image inspect", &inspect),
        ("history", &history),
    ] {
        assert!(
            !contains(bytes, value.as_bytes()),
            "the secret value appears in {what} on {daemon_name}"
        );
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn bk20_secret_stays_out_of_the_image() {
    check("bk20");
}

#[test]
fn bk26_secret_stays_out_of_the_image() {
    check("bk26");
}
