//! `-o` and `-t`: which exporter the daemon runs, with what attributes, and where in the
//! client its output lands, with the meaning `docker buildx build` gives them.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The exporter of a build.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Export {
    /// BuildKit's exporter name: `moby` (the Docker daemon's image store), `image`, `local`,
    /// `tar`, `oci`, `docker`.
    pub(crate) exporter: String,
    pub(crate) attrs: BTreeMap<String, String>,
    /// Where the client writes what the daemon sends back, for the exporters that do.
    pub(crate) target: Option<FileTarget>,
}

/// Where exported files land.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FileTarget {
    /// A directory tree (`local`).
    Dir(PathBuf),
    /// One tarball (`tar`, `oci`, `docker`).
    File(FileDest),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FileDest {
    Path(PathBuf),
    Stdout,
}

/// Decides the exporter from the `-o` values and `-t` names. With neither, a Docker daemon
/// gets the image in its store (as `docker build` does) and a BuildKit daemon exports
/// nothing: the result stays in its cache.
pub(crate) fn plan(
    outputs: &[String],
    tags: &[String],
    docker: bool,
) -> Result<Option<Export>, String> {
    let names = tags.join(",");
    let spec = match outputs {
        [] if docker => return Ok(Some(moby(&names))),
        [] if tags.is_empty() => return Ok(None),
        [] => {
            return Err(
                "-t needs an image store: a BuildKit daemon has none; add -o type=image,push=true to push it"
                    .to_string(),
            );
        }
        [one] => one,
        _ => return Err("only one -o is supported".to_string()),
    };
    let mut attrs = parse_attrs(spec)?;
    let kind = attrs
        .remove("type")
        .ok_or_else(|| format!("-o `{spec}` names no type="))?;
    if !names.is_empty()
        && !attrs.contains_key("name")
        && matches!(kind.as_str(), "image" | "docker" | "oci" | "moby")
    {
        attrs.insert("name".to_string(), names.clone());
    }
    let dest = attrs.remove("dest");
    let file = |what: &str| -> Result<Option<FileTarget>, String> {
        match dest.as_deref() {
            Some("-") => Ok(Some(FileTarget::File(FileDest::Stdout))),
            Some(path) if !path.is_empty() => {
                Ok(Some(FileTarget::File(FileDest::Path(PathBuf::from(path)))))
            }
            _ => Err(format!(
                "-o type={what} needs dest=FILE (or dest=- for stdout)"
            )),
        }
    };
    let export = |exporter: &str, target| Export {
        exporter: exporter.to_string(),
        attrs: attrs.clone(),
        target,
    };
    match kind.as_str() {
        "local" => match dest.as_deref() {
            Some(dir) if !dir.is_empty() && dir != "-" => Ok(Some(export(
                "local",
                Some(FileTarget::Dir(PathBuf::from(dir))),
            ))),
            _ => Err("-o type=local needs dest=DIR".to_string()),
        },
        "tar" | "oci" => Ok(Some(export(&kind, file(&kind)?))),
        // On a Docker daemon, an image without a file goes to its store, as with buildx's
        // docker driver.
        "docker" | "image" if docker && dest.is_none() => Ok(Some(export("moby", None))),
        "docker" => Ok(Some(export("docker", file("docker")?))),
        "image" | "moby" => Ok(Some(export(&kind, None))),
        other => Err(format!(
            "-o type={other}: unknown exporter (expected local, tar, oci, docker or image)"
        )),
    }
}

/// `-o DIR` is `type=local,dest=DIR`, `-o -` is a tarball on stdout.
fn parse_attrs(spec: &str) -> Result<BTreeMap<String, String>, String> {
    if !spec.contains('=') {
        let kind = if spec == "-" { "tar" } else { "local" };
        return Ok(BTreeMap::from([
            ("type".to_string(), kind.to_string()),
            ("dest".to_string(), spec.to_string()),
        ]));
    }
    spec.split(',')
        .map(|field| {
            field
                .split_once('=')
                .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.to_string()))
                .ok_or_else(|| format!("-o `{spec}`: `{field}` is not KEY=VALUE"))
        })
        .collect()
}

fn moby(names: &str) -> Export {
    let mut attrs = BTreeMap::new();
    if !names.is_empty() {
        attrs.insert("name".to_string(), names.to_string());
    }
    Export {
        exporter: "moby".to_string(),
        attrs,
        target: None,
    }
}

impl FileDest {
    /// Opens the destination. A file is written beside its final name and renamed there
    /// by [`FileWriter::finish`], so a failed export leaves no half-written file.
    pub(crate) fn create(&self) -> io::Result<FileWriter> {
        match self {
            Self::Stdout => Ok(FileWriter::Stdout(io::stdout())),
            Self::Path(path) => {
                let temp = temp_beside(path);
                let file = File::create(&temp).map_err(|e| {
                    io::Error::new(e.kind(), format!("cannot create {}: {e}", temp.display()))
                })?;
                Ok(FileWriter::File {
                    file,
                    temp,
                    path: path.clone(),
                    done: false,
                })
            }
        }
    }
}

fn temp_beside(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.rustbuild-{}", std::process::id()))
}

/// An export being written.
pub(crate) enum FileWriter {
    Stdout(io::Stdout),
    File {
        file: File,
        temp: PathBuf,
        path: PathBuf,
        done: bool,
    },
}

impl FileWriter {
    pub(crate) fn write(&mut self, data: &[u8]) -> io::Result<()> {
        match self {
            Self::Stdout(out) => out.write_all(data),
            Self::File { file, .. } => file.write_all(data),
        }
    }

    /// Flushes and puts the file in place.
    pub(crate) fn finish(mut self) -> io::Result<()> {
        match &mut self {
            Self::Stdout(out) => out.flush(),
            Self::File {
                file,
                temp,
                path,
                done,
            } => {
                file.sync_all()?;
                std::fs::rename(&*temp, &*path).map_err(|e| {
                    io::Error::new(e.kind(), format!("cannot write {}: {e}", path.display()))
                })?;
                *done = true;
                Ok(())
            }
        }
    }
}

impl Drop for FileWriter {
    fn drop(&mut self) {
        if let Self::File {
            temp, done: false, ..
        } = self
        {
            let _ = std::fs::remove_file(temp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn attrs(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_docker_daemon_keeps_the_image_by_default() {
        let plain = plan(&[], &[], true).unwrap().unwrap();
        assert_eq!((plain.exporter.as_str(), plain.attrs.len()), ("moby", 0));
        let tagged = plan(&[], &strings(&["a:1", "b"]), true).unwrap().unwrap();
        assert_eq!(tagged.attrs, attrs(&[("name", "a:1,b")]));
        let image = plan(&strings(&["type=image"]), &strings(&["a"]), true)
            .unwrap()
            .unwrap();
        assert_eq!(
            (image.exporter.as_str(), image.attrs),
            ("moby", attrs(&[("name", "a")]))
        );
    }

    #[test]
    fn a_buildkit_daemon_exports_only_what_is_asked() {
        assert_eq!(plan(&[], &[], false), Ok(None));
        assert!(
            plan(&[], &strings(&["a"]), false)
                .unwrap_err()
                .contains("image store")
        );
        let image = plan(
            &strings(&["type=image,push=true"]),
            &strings(&["r/a"]),
            false,
        )
        .unwrap()
        .unwrap();
        assert_eq!(image.exporter, "image");
        assert_eq!(image.attrs, attrs(&[("name", "r/a"), ("push", "true")]));
    }

    #[test]
    fn files_and_directories_come_back_to_the_client() {
        let local = plan(&strings(&["type=local,dest=out"]), &[], true)
            .unwrap()
            .unwrap();
        assert_eq!(local.target, Some(FileTarget::Dir(PathBuf::from("out"))));
        assert!(local.attrs.is_empty());
        let short = plan(&strings(&["out"]), &[], true).unwrap().unwrap();
        assert_eq!(short, local);
        let oci = plan(&strings(&["type=oci,dest=img.tar"]), &strings(&["x"]), true)
            .unwrap()
            .unwrap();
        assert_eq!(oci.exporter, "oci");
        assert_eq!(oci.attrs, attrs(&[("name", "x")]));
        assert_eq!(
            oci.target,
            Some(FileTarget::File(FileDest::Path(PathBuf::from("img.tar"))))
        );
        let stdout = plan(&strings(&["-"]), &[], true).unwrap().unwrap();
        assert_eq!(
            (stdout.exporter.as_str(), stdout.target),
            ("tar", Some(FileTarget::File(FileDest::Stdout)))
        );
    }

    #[test]
    fn bad_outputs_say_what_is_missing() {
        for (spec, needle) in [
            ("type=local", "dest=DIR"),
            ("type=tar", "dest=FILE"),
            ("type=oci,dest=", "dest=FILE"),
            ("type=registry", "unknown exporter"),
            ("dest=x", "names no type"),
            ("type=local,dest", "not KEY=VALUE"),
        ] {
            let err = plan(&strings(&[spec]), &[], true).unwrap_err();
            assert!(err.contains(needle), "{spec}: {err}");
        }
        assert!(
            plan(&strings(&["a", "b"]), &[], true)
                .unwrap_err()
                .contains("one -o")
        );
    }

    #[test]
    fn a_file_appears_only_when_finished() {
        let dir = std::env::temp_dir().join(format!("rustbuild-export-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.tar");
        let dest = FileDest::Path(path.clone());
        let mut abandoned = dest.create().unwrap();
        abandoned.write(b"half").unwrap();
        drop(abandoned);
        assert!(!path.exists());
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            0,
            "the temporary file is removed"
        );
        let mut writer = dest.create().unwrap();
        writer.write(b"whole").unwrap();
        writer.finish().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"whole");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
