//! Paths as BuildKit's `util/system` treats them: POSIX in LLB on every platform, with
//! Windows drive letters checked (only `C:`) and removed, and backslashes turned around.

use std::borrow::Cow;

pub(crate) use crate::posix_path::{clean, join};

/// Why a Windows path cannot be used.
pub(crate) type PathError = &'static str;

/// `\` turned into `/` on Windows; borrowed when nothing changes (every other platform).
fn to_slash(path: &str, windows: bool) -> Cow<'_, str> {
    if windows && path.contains('\\') {
        Cow::Owned(path.replace('\\', "/"))
    } else {
        Cow::Borrowed(path)
    }
}

/// Cleans a path, keeping a trailing slash when asked (it means "into the directory").
fn clean_keep_slash(path: &str, keep_slash: bool) -> String {
    let cleaned = clean(path);
    if keep_slash && path.ends_with('/') && cleaned.len() > 1 {
        cleaned + "/"
    } else {
        cleaned
    }
}

/// `CheckSystemDriveAndRemoveDriveLetter`: on Windows, `C:\x` becomes `/x`; other drives,
/// a bare `C:` and UNC paths are errors. Other platforms keep the path as it is
/// (borrowed: this runs for every path of every COPY and WORKDIR).
pub(crate) fn remove_drive_letter(
    path: &str,
    windows: bool,
    keep_slash: bool,
) -> Result<Cow<'_, str>, PathError> {
    if !windows {
        return Ok(Cow::Borrowed(path));
    }
    let slashed = to_slash(path, true);
    if path.len() == 2 && path.ends_with(':') {
        return Err("a drive letter alone is not a path");
    }
    if slashed.starts_with("//") {
        return Err("UNC paths are not supported");
    }
    match slashed.split_once(':') {
        None => Ok(Cow::Owned(clean_keep_slash(&slashed, keep_slash))),
        Some((drive, rest)) if drive.eq_ignore_ascii_case("c") => {
            Ok(Cow::Owned(clean_keep_slash(rest, keep_slash)))
        }
        Some(_) => Err("the path is not on the system drive (C:)"),
    }
}

fn is_abs(path: &str, windows: bool) -> bool {
    remove_drive_letter(path, windows, false).is_ok_and(|p| p.starts_with('/'))
}

/// `NormalizePath`: `new` made absolute against `parent`, in POSIX form. With
/// `keep_slash`, a trailing `/` or `/.` is kept.
pub(crate) fn normalize(
    parent: &str,
    new: &str,
    windows: bool,
    keep_slash: bool,
) -> Result<String, PathError> {
    let new = to_slash(new, windows);
    let parent_slashed = to_slash(parent, windows);
    let mut parent = remove_drive_letter(&parent_slashed, windows, keep_slash)?;
    if parent.is_empty() {
        parent = Cow::Borrowed("/");
    }
    if !parent.starts_with('/') {
        parent = Cow::Owned(join(&["/", &parent]));
    }
    let candidate: &str = if new.is_empty() { &parent } else { &new };
    let out = remove_drive_letter(candidate, windows, keep_slash)?;
    let mut out = if out.starts_with('/') {
        out.into_owned()
    } else {
        join(&[&parent, &out])
    };
    if keep_slash {
        if new.ends_with('/') && !out.ends_with('/') {
            out.push('/');
        } else if new.ends_with("/.") {
            if out != "/" {
                out.push('/');
            }
            out.push('.');
        }
    }
    Ok(out)
}

/// `NormalizeWorkdir`: the working directory for the image config, with `\` on Windows.
pub(crate) fn normalize_workdir(
    current: &str,
    requested: &str,
    windows: bool,
) -> Result<String, PathError> {
    let path = normalize(current, requested, windows, false)?;
    Ok(if windows {
        path.replace('/', "\\")
    } else {
        path
    })
}

/// `pathRelativeToWorkingDir`: a COPY destination against the working directory.
pub(crate) fn relative_to_workdir(
    workdir: &str,
    path: &str,
    windows: bool,
) -> Result<String, PathError> {
    let path = remove_drive_letter(path, windows, true)?;
    if is_abs(&path, windows) {
        return normalize("/", &path, windows, true);
    }
    let path = if path.is_empty() || path == "." {
        "./"
    } else {
        &path
    };
    normalize(workdir, path, windows, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_destinations_keep_their_trailing_slash() {
        assert_eq!(relative_to_workdir("/app", "./", false).unwrap(), "/app/");
        assert_eq!(relative_to_workdir("/app", ".", false).unwrap(), "/app/");
        assert_eq!(relative_to_workdir("/app", "x", false).unwrap(), "/app/x");
        assert_eq!(
            relative_to_workdir("/app", "/etc/", false).unwrap(),
            "/etc/"
        );
        assert_eq!(relative_to_workdir("/", "a/.", false).unwrap(), "/a/.");
    }

    #[test]
    fn windows_drive_letters() {
        assert_eq!(normalize_workdir("/", "C:\\app", true).unwrap(), "\\app");
        assert_eq!(
            normalize_workdir("\\app", "sub", true).unwrap(),
            "\\app\\sub"
        );
        assert_eq!(relative_to_workdir("/app", ".", true).unwrap(), "/app/");
        assert_eq!(relative_to_workdir("/", "c:\\x\\", true).unwrap(), "/x/");
        assert!(normalize_workdir("/", "D:\\app", true).is_err());
        assert!(normalize_workdir("/", "C:", true).is_err());
        assert!(normalize_workdir("/", "\\\\server\\share", true).is_err());
        assert_eq!(
            normalize_workdir("/", "C:\\app", false).unwrap(),
            "/C:\\app"
        );
    }
}
