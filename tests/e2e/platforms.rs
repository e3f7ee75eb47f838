//! Builds for other platforms than the daemon's, which a Linux BuildKit can do for
//! Buildfiles without RUN: several Linux platforms at once (buildx on the containerd image
//! store, `bk26c`: the docker driver of `bk26` refuses several platforms), and Windows on the
//! synthetic base image of `scripts/images.sh windows-base`.

use std::path::Path;

use crate::corpus::{assert_ran_rustbuild, with_syntax_line};
use crate::daemon::{Daemon, daemon};
use crate::image::{self, Tree};
use crate::tar::{self, Entry, Kind};
use crate::workspace::Workspace;

pub(crate) const NAMES: (&str, &str) = ("dockerfile.v0", "rustbuild");

/// Builds `buildfile` twice in `work`, through dockerfile.v0 and through rustbuild, with
/// `args` (which name the output `OUT`), and returns both outputs' paths.
pub(crate) fn build_both(
    daemon: &Daemon,
    work: &Workspace,
    buildfile: &str,
    args: &[&str],
) -> [String; 2] {
    work.write("dockerfile.v0/Buildfile", buildfile);
    work.write("rustbuild/Buildfile", with_syntax_line(buildfile));
    ["dockerfile.v0", "rustbuild"].map(|frontend| {
        let out = work
            .path()
            .join(format!("out-{frontend}"))
            .to_string_lossy()
            .into_owned();
        let file = format!("{frontend}/Buildfile");
        let mut full = vec!["buildx", "build", "--progress=plain", "-f", &file];
        let args: Vec<String> = args.iter().map(|a| a.replace("OUT", &out)).collect();
        full.extend(args.iter().map(String::as_str));
        full.push("context");
        let built = daemon
            .build(&full, work.path())
            .ok(&format!("the {frontend} build"));
        if frontend == "rustbuild" {
            assert_ran_rustbuild(&built);
        }
        out
    })
}

const MULTI_PLATFORM: &str = "FROM scratch
ARG TARGETARCH
COPY hello.txt /
COPY files/${TARGETARCH}.txt /arch.txt
COPY --chmod=0755 files/ /all/
";

#[test]
fn bk26c_two_linux_platforms_give_both_file_trees() {
    let daemon = daemon("bk26c");
    let work = Workspace::new("multi-platform");
    work.write("context/hello.txt", "hello\n");
    work.write("context/files/amd64.txt", "amd64 file\n");
    work.write("context/files/arm64.txt", "arm64 file\n");
    let [reference, rustbuild] = build_both(
        daemon,
        &work,
        MULTI_PLATFORM,
        &[
            "--platform",
            "linux/amd64,linux/arm64",
            "-o",
            "type=local,dest=OUT",
        ],
    );
    for arch in ["amd64", "arm64"] {
        let (a, b) = (
            walk(&Path::new(&reference).join(format!("linux_{arch}"))),
            walk(&Path::new(&rustbuild).join(format!("linux_{arch}"))),
        );
        let arch_file = b.get("/arch.txt").map(|e| e.kind.clone());
        assert_eq!(
            arch_file,
            Some(Kind::File(format!("{arch} file\n").into_bytes())),
            "rustbuild's linux/{arch}"
        );
        let diffs = image::diff_trees(&a, &b, NAMES);
        assert!(
            diffs.is_empty(),
            "linux/{arch} differs:\n  {}",
            diffs.join("\n  ")
        );
    }
}

const WINDOWS: &str = "FROM 127.0.0.1:5000/rustbuild/nanoserver:ltsc2022
USER ContainerAdministrator
COPY app.cmd /app/
COPY conf/ C:/app/conf/
ENTRYPOINT [\"cmd\", \"/S\", \"/C\", \"C:\\\\app\\\\app.cmd\"]
";

#[test]
fn bk26_windows_target_gives_the_same_files() {
    let daemon = daemon("bk26");
    let work = Workspace::new("windows");
    work.write("context/app.cmd", "@echo off\r\necho hello\r\n");
    work.write("context/conf/app.ini", "[app]\r\n");
    let [reference, rustbuild] = build_both(
        daemon,
        &work,
        WINDOWS,
        &["--platform", "windows/amd64", "-o", "type=tar,dest=OUT"],
    );
    let read = |path: &str| {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        image::tree(tar::read(&bytes).unwrap_or_else(|e| panic!("{path}: {e}")))
    };
    let (a, b) = (read(&reference), read(&rustbuild));
    assert!(
        b.contains_key("/app/app.cmd") && b.contains_key("/app/conf/app.ini"),
        "{:?}",
        b.keys()
    );
    let diffs = image::diff_trees(&a, &b, NAMES);
    assert!(
        diffs.is_empty(),
        "windows/amd64 differs:\n  {}",
        diffs.join("\n  ")
    );
}

/// A `-o type=local` output folder as tar entries (owners are whoever ran the export).
pub(crate) fn walk(root: &Path) -> Tree {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let mut entries = Vec::new();
    let mut todo = vec![root.to_path_buf()];
    while let Some(dir) = todo.pop() {
        let listing = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for item in listing.filter_map(|e| e.ok()) {
            let path = item.path();
            let meta = std::fs::symlink_metadata(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let kind = if meta.is_dir() {
                todo.push(path.clone());
                Kind::Dir
            } else if meta.file_type().is_symlink() {
                Kind::Symlink(
                    std::fs::read_link(&path)
                        .map(|l| l.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                )
            } else {
                Kind::File(std::fs::read(&path).unwrap_or_default())
            };
            let relative = path
                .strip_prefix(root)
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default();
            entries.push(Entry {
                path: format!("/{relative}"),
                kind,
                mode: meta.permissions().mode() & 0o7777,
                uid: u64::from(meta.uid()),
                gid: u64::from(meta.gid()),
                xattrs: Default::default(),
            });
        }
    }
    assert!(
        !entries.is_empty(),
        "{} is empty or missing",
        root.display()
    );
    image::tree(entries)
}
