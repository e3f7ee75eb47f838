//! The release: `scripts/release.sh` writes every platform's frontend image as one OCI index
//! (scripts/test.sh makes it at target/rustbuild-release.tar, or `$RUSTBUILD_RELEASE`), and
//! `scripts/publish.sh` pushes it, as the README says. Checked here: what the index and each
//! image say and weigh; that each platform's binary, run by Debian's qemu-user, says what the
//! amd64 one says over the whole corpus; and that the arm64 image, pushed to the loopback
//! registry and named by its digest in `# syntax=`, builds on bk26 (amd64, through the binfmt
//! handlers `scripts/binfmt.sh` registers) the very image the amd64 one builds.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use serde_json::Value;

use crate::corpus::{Case, Frontend, report};
use crate::daemon::{daemon, repo_root};
use crate::oci::{Image, Layout};
use crate::tar::{self, Kind};
use crate::workspace::Workspace;

/// Every platform of release.sh: the OCI platform, the qemu-user that runs its binaries here
/// (none for amd64, this machine's own, which comes first) and its ELF machine number.
const ALL_PLATFORMS: &[Platform] = &[
    ("linux/amd64", None, 62),
    ("linux/arm64", Some("aarch64"), 183),
    ("linux/arm/v7", Some("arm"), 40),
    ("linux/ppc64le", Some("ppc64le"), 21),
    ("linux/riscv64", Some("riscv64"), 243),
    ("linux/s390x", Some("s390x"), 22),
];

/// The README's size budget for each platform's image (what a pull downloads).
type Platform = (&'static str, Option<&'static str>, u16);

/// The platforms the release was asked for: `RUSTBUILD_RELEASE_PLATFORMS`, as release.sh reads
/// it (scripts/test.sh builds two, to keep CI short), else all.
fn platforms() -> &'static [Platform] {
    static PLATFORMS: OnceLock<Vec<Platform>> = OnceLock::new();
    PLATFORMS.get_or_init(|| {
        let asked = std::env::var("RUSTBUILD_RELEASE_PLATFORMS").unwrap_or_default();
        let asked: Vec<&str> = asked.split_whitespace().collect();
        assert!(
            asked.is_empty() || asked.first() == Some(&"linux/amd64"),
            "RUSTBUILD_RELEASE_PLATFORMS starts with linux/amd64, the reference"
        );
        ALL_PLATFORMS
            .iter()
            .filter(|p| asked.is_empty() || asked.contains(&p.0))
            .copied()
            .collect()
    })
}

const IMAGE_BUDGET: u64 = 10_000_000;

const REPOSITORY: &str = "127.0.0.1:5000/rustbuild/frontend";

struct Release {
    path: PathBuf,
    layout: Layout,
    /// Every image the index reaches.
    images: Vec<Image>,
    /// Each platform's /rustbuild, in platforms() order, unpacked into `_dir`.
    binaries: Vec<PathBuf>,
    _dir: Workspace,
}

fn release() -> &'static Release {
    static RELEASE: OnceLock<Release> = OnceLock::new();
    RELEASE.get_or_init(|| {
        let path = std::env::var_os("RUSTBUILD_RELEASE")
            .map(PathBuf::from)
            .unwrap_or_else(|| repo_root().join("target/rustbuild-release.tar"));
        assert!(
            path.is_file(),
            "no release at {}: scripts/test.sh makes it (scripts/release.sh OUT.tar)",
            path.display()
        );
        let layout = Layout::read(&path.to_string_lossy());
        let images = layout.images();
        let dir = Workspace::new("release");
        let binaries = platforms()
            .iter()
            .map(|(platform, _, _)| {
                let name = platform.replace('/', "-");
                let data = binary(&layout, image(&images, platform));
                let file = dir.write(&name, data);
                make_executable(&file);
                file
            })
            .collect();
        Release {
            path,
            layout,
            images,
            binaries,
            _dir: dir,
        }
    })
}

/// `os/architecture[/variant]` of an image, as its config says.
fn platform_of(config: &Value) -> String {
    let mut p = format!(
        "{}/{}",
        config["os"].as_str().unwrap_or("?"),
        config["architecture"].as_str().unwrap_or("?")
    );
    if let Some(v) = config["variant"].as_str() {
        p = format!("{p}/{v}");
    }
    p
}

fn image<'a>(images: &'a [Image], platform: &str) -> &'a Image {
    images
        .iter()
        .find(|i| platform_of(&i.config) == platform)
        .unwrap_or_else(|| panic!("the release has no image for {platform}"))
}

/// /rustbuild from the platform's one layer.
fn binary(layout: &Layout, image: &Image) -> Vec<u8> {
    let platform = platform_of(&image.config);
    let layers = image.manifest["layers"].as_array().expect("layers");
    assert_eq!(layers.len(), 1, "{platform}: one layer");
    let tar_bytes = gunzip(layout.raw(layers[0]["digest"].as_str().unwrap_or_default()));
    let entries = tar::read(&tar_bytes).unwrap_or_else(|e| panic!("{platform} layer: {e}"));
    let paths: Vec<&str> = entries.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        ["/rustbuild"],
        "{platform}: the layer holds the binary alone"
    );
    let entry = &entries[0];
    assert_eq!(entry.mode, 0o755, "{platform}: /rustbuild's mode");
    match &entry.kind {
        Kind::File(data) => data.clone(),
        other => panic!("{platform}: /rustbuild is {other:?}"),
    }
}

fn gunzip(data: &[u8]) -> Vec<u8> {
    let mut child = Command::new("gzip")
        .arg("-dc")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run gzip");
    let mut stdin = child.stdin.take().expect("stdin");
    let data = data.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&data));
    let out = child.wait_with_output().expect("gzip");
    writer.join().expect("writer").expect("write to gzip");
    assert!(out.status.success(), "the layer is not gzip");
    out.stdout
}

fn make_executable(file: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// The release's annotation KEY on `value` (a manifest or an index).
fn annotation<'a>(value: &'a Value, key: &str) -> &'a str {
    value["annotations"][format!("org.opencontainers.image.{key}")]
        .as_str()
        .unwrap_or_else(|| panic!("no {key} annotation in {value}"))
}

fn git(args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(repo_root())
        .output()
        .expect("run git");
    assert!(out.status.success(), "git {args:?}");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn release_is_one_index_with_an_image_per_platform() {
    let release = release();
    let top = release.layout.index();
    let descriptors = top["manifests"].as_array().expect("index.json manifests");
    assert_eq!(
        descriptors.len(),
        1,
        "index.json names the release's index alone"
    );
    let descriptor = &descriptors[0];
    assert_eq!(
        descriptor["mediaType"],
        "application/vnd.oci.image.index.v1+json"
    );
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(
        descriptor["annotations"]["org.opencontainers.image.ref.name"],
        version
    );
    let index = release
        .layout
        .blob(descriptor["digest"].as_str().unwrap_or_default());
    assert_eq!(annotation(&index, "version"), version);
    let revision = annotation(&index, "revision");
    assert!(
        revision.starts_with(&git(&["rev-parse", "HEAD"])),
        "revision {revision} is not HEAD's commit"
    );

    let images = &release.images;
    let found: BTreeSet<String> = images.iter().map(|i| platform_of(&i.config)).collect();
    let expected: BTreeSet<String> = platforms().iter().map(|p| p.0.to_string()).collect();
    assert_eq!(found, expected, "the platforms of the index");
    assert_eq!(images.len(), platforms().len(), "one image per platform");

    let caps = std::fs::read_to_string(repo_root().join("scripts/frontend-caps.txt"))
        .expect("frontend-caps.txt");
    let caps: String = caps.split_whitespace().collect();
    for image in images {
        let platform = platform_of(&image.config);
        // the descriptor's platform is what a daemon picks by
        let d = &image.descriptor["platform"];
        assert_eq!(
            (&d["os"], &d["architecture"], &d["variant"]),
            (
                &image.config["os"],
                &image.config["architecture"],
                &image.config["variant"]
            ),
            "{platform}: descriptor and config"
        );
        let config = &image.config["config"];
        assert_eq!(
            config["Entrypoint"],
            serde_json::json!(["/rustbuild", "frontend"])
        );
        assert_eq!(
            config["Labels"]["moby.buildkit.frontend.network.none"],
            "true"
        );
        assert_eq!(config["Labels"]["moby.buildkit.frontend.caps"], caps);
        for key in ["version", "revision", "source", "created"] {
            assert_eq!(
                annotation(&image.manifest, key),
                annotation(&index, key),
                "{platform}: {key}"
            );
        }
        let size = image_size(&release.layout, image);
        report(&format!("RELEASE {platform}: image {size} bytes"));
        assert!(
            size < IMAGE_BUDGET,
            "{platform}: the image is {size} bytes, over the README's budget of {IMAGE_BUDGET}"
        );
    }
}

/// What pulling the image downloads: manifest, config and layer.
fn image_size(layout: &Layout, image: &Image) -> u64 {
    let blob = |d: &Value| layout.raw(d["digest"].as_str().unwrap_or_default()).len() as u64;
    let layers: u64 = image.manifest["layers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(blob)
        .sum();
    blob(&image.descriptor) + blob(&image.manifest["config"]) + layers
}

/// `BINARY ARGS` in `dir`, through qemu-user when the binary is another machine's.
fn run(platform: usize, args: &[&str], dir: &Path) -> Output {
    let binary = &release().binaries[platform];
    let mut command = match platforms()[platform].1 {
        Some(arch) => {
            let mut c = Command::new(format!("qemu-{arch}-static"));
            c.arg(binary);
            c
        }
        None => Command::new(binary),
    };
    command
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run {} {args:?}: {e}", platforms()[platform].0))
}

/// The ELF header's machine field, in the header's own byte order.
fn elf_machine(binary: &[u8]) -> u16 {
    assert_eq!(&binary[..4], b"\x7fELF", "not an ELF file");
    let bytes = [binary[18], binary[19]];
    match binary[5] {
        2 => u16::from_be_bytes(bytes),
        _ => u16::from_le_bytes(bytes),
    }
}

#[test]
fn release_binaries_are_their_platforms_and_say_version_and_commit() {
    let release = release();
    let images = &release.images;
    let revision = annotation(&images[0].manifest, "revision");
    let commit = match revision.strip_suffix("-dirty") {
        Some(clean) => format!("{}-dirty", &clean[..12]),
        None => revision[..12].to_string(),
    };
    let expected = format!("rustbuild {} ({commit})\n", env!("CARGO_PKG_VERSION"));
    for (i, (platform, _, machine)) in platforms().iter().enumerate() {
        let data = std::fs::read(&release.binaries[i]).expect("read binary");
        assert_eq!(elf_machine(&data), *machine, "{platform}: ELF machine");
        let out = run(i, &["--version"], &repo_root());
        assert!(out.status.success(), "{platform}: --version failed");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            expected,
            "{platform}: --version"
        );
    }
}

/// Every Buildfile of the repository: examples, the parity cases, every corpus.
fn buildfiles() -> Vec<PathBuf> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, found);
            } else if path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().ends_with("Buildfile"))
            {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    for dir in ["examples", "tests/parity", "tests/corpus"] {
        walk(&repo_root().join(dir), &mut found);
    }
    found.sort();
    found
}

/// What one command said: exit code, stdout, stderr.
fn said(out: &Output) -> (Option<i32>, Vec<u8>, String) {
    (
        out.status.code(),
        out.stdout.clone(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn release_binaries_check_and_lower_the_corpus_as_amd64_does() {
    let files = buildfiles();
    assert!(files.len() > 100, "the corpus: {} Buildfiles", files.len());
    let commands: [&[&str]; 3] = [
        &["check", "--format", "json"],
        &["check"],
        &["llb", "--platform", "linux/amd64"],
    ];
    // a thread per platform: qemu-user is slow to start, and the machine has 2 cores
    let (files, commands) = (&files, &commands);
    let compared: usize = std::thread::scope(|scope| {
        let workers: Vec<_> = (1..platforms().len())
            .map(|i| scope.spawn(move || compare_corpus(i, files, commands)))
            .collect();
        workers.into_iter().map(|w| w.join().expect("worker")).sum()
    });
    report(&format!(
        "RELEASE: {compared} runs under qemu-user equal amd64's ({} Buildfiles)",
        files.len()
    ));
}

/// Runs every command on every file with platform `i`'s binary and with amd64's; panics at the
/// first difference. Returns how many runs it compared.
fn compare_corpus(i: usize, files: &[PathBuf], commands: &[&[&str]]) -> usize {
    let platform = platforms()[i].0;
    let mut compared = 0;
    for file in files {
        let dir = file.parent().expect("a folder");
        let name = file.file_name().expect("a name").to_string_lossy();
        for command in commands {
            let mut args = command.to_vec();
            args.push(&name);
            let reference = said(&run(0, &args, dir));
            let out = said(&run(i, &args, dir));
            assert!(
                out == reference,
                "{platform}: `rustbuild {}` in {} differs from amd64's:\n{:?}\nvs amd64's\n{:?}",
                args.join(" "),
                dir.display(),
                (out.0, String::from_utf8_lossy(&out.1), &out.2),
                (
                    reference.0,
                    String::from_utf8_lossy(&reference.1),
                    &reference.2
                ),
            );
            compared += 1;
        }
    }
    compared
}

/// The image a parity case builds on bk26 with the frontend named `frontend`; its ID.
fn build_with(frontend: &str, tag: &str) -> String {
    let daemon = daemon("bk26");
    let case = Case::load("multi-stage");
    let text = format!("# syntax={frontend}\n{}", case.text());
    // `Frontend::Dockerfile`: the text as it is, its syntax line ours
    let out = case
        .build_text(
            daemon,
            Frontend::Dockerfile,
            &text,
            &["-t", tag, "--build-arg", "SOURCE_DATE_EPOCH=0"],
        )
        .ok(&format!("build with {frontend}"));
    assert!(
        out.text().contains(&format!("docker-image://{frontend}")),
        "the build did not run {frontend}:\n{}",
        crate::daemon::tail(&out.text(), 30)
    );
    crate::image::id(daemon, tag)
}

#[test]
fn bk26_runs_the_published_arm64_image_by_digest_and_builds_what_amd64_builds() {
    let release = release();
    let out = Command::new(repo_root().join("scripts/publish.sh"))
        .arg(&release.path)
        .args([REPOSITORY, "--dest-tls-verify=false"])
        .output()
        .expect("run publish.sh");
    assert!(
        out.status.success(),
        "publish.sh: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let index = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert_eq!(
        index,
        release.layout.index()["manifests"][0]["digest"],
        "publish.sh prints the index digest"
    );
    // every tag the README lists names the index
    let version = env!("CARGO_PKG_VERSION");
    let mut parts = version.split('.');
    let (major, minor) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    for tag in [version, &format!("{major}.{minor}"), major, "latest"] {
        let raw = Command::new("skopeo")
            .args(["inspect", "--raw", "--tls-verify=false"])
            .arg(format!("docker://{REPOSITORY}:{tag}"))
            .output()
            .expect("run skopeo");
        assert!(raw.status.success(), "no tag {tag}");
        let digest = format!("sha256:{}", sha256_hex(&raw.stdout));
        assert_eq!(digest, index, "{REPOSITORY}:{tag}");
    }

    let images = &release.images;
    let manifest = |platform: &str| {
        let digest = image(images, platform).descriptor["digest"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        format!("{REPOSITORY}@{digest}")
    };
    // by the index's digest, as the README pins it: the daemon picks its own platform's image
    let native = build_with(
        &format!("{REPOSITORY}@{index}"),
        "rustbuild-e2e/release:index",
    );
    let amd64 = build_with(&manifest("linux/amd64"), "rustbuild-e2e/release:amd64");
    let arm64 = build_with(&manifest("linux/arm64"), "rustbuild-e2e/release:arm64");
    assert_eq!(
        native, amd64,
        "the index's image on amd64 is the amd64 image"
    );
    assert_eq!(
        arm64, amd64,
        "the arm64 frontend builds what the amd64 one builds"
    );
}

fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
