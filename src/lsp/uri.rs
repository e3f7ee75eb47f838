//! `file://` URIs to paths and back, percent-encoding included. Other schemes (an
//! editor's unsaved "untitled:" buffers) have no path: such a document is checked alone.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use lsp_types::Uri;

/// The local path of a `file://` URI.
pub(crate) fn to_path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    // `file://host/path`: only the local host (empty or `localhost`) is a path here.
    let path = match rest.strip_prefix("localhost") {
        Some(path) => path,
        None => rest,
    };
    if !path.starts_with('/') {
        return None;
    }
    let bytes = decode(path.split(['?', '#']).next().unwrap_or(""))?;
    Some(PathBuf::from(String::from_utf8(bytes).ok()?))
}

/// The `file://` URI of an absolute path.
pub(crate) fn from_path(path: &Path) -> Option<Uri> {
    let path = path.to_str()?;
    if !path.starts_with('/') {
        return None;
    }
    let mut text = String::from("file://");
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            text.push(char::from(byte));
        } else {
            text.push_str(&format!("%{byte:02X}"));
        }
    }
    Uri::from_str(&text).ok()
}

fn decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        if byte == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(byte);
            i += 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_round_trip_with_escapes() {
        let path = Path::new("/tmp/a dir/Buildfile é");
        let uri = from_path(path).unwrap();
        assert_eq!(uri.as_str(), "file:///tmp/a%20dir/Buildfile%20%C3%A9");
        assert_eq!(to_path(&uri).unwrap(), path);
        let untitled = Uri::from_str("untitled:Untitled-1").unwrap();
        assert_eq!(to_path(&untitled), None);
    }
}
