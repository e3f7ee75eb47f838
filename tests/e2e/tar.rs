//! A reader for the tar streams `docker export`, `docker save` and `-o type=tar` produce:
//! ustar headers, pax extended headers (`x`) and GNU long names (`L`, `K`).

use std::collections::BTreeMap;

const BLOCK: usize = 512;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    File(Vec<u8>),
    Dir,
    Symlink(String),
    Hardlink(String),
    CharDevice,
    BlockDevice,
    Fifo,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    /// Absolute, without a trailing slash: `/etc/passwd`, `/` for the root.
    pub(crate) path: String,
    pub(crate) kind: Kind,
    /// Permission bits with setuid, setgid and sticky; no file-type bits.
    pub(crate) mode: u32,
    pub(crate) uid: u64,
    pub(crate) gid: u64,
    /// `SCHILY.xattr.*` pax records.
    pub(crate) xattrs: BTreeMap<String, Vec<u8>>,
}

/// Every entry of the archive, in archive order.
pub(crate) fn read(archive: &[u8]) -> Result<Vec<Entry>, String> {
    let mut entries = Vec::new();
    let mut pax: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut long_name: Option<String> = None;
    let mut long_link: Option<String> = None;
    let mut at = 0;
    while at + BLOCK <= archive.len() {
        let header = &archive[at..at + BLOCK];
        if header.iter().all(|&b| b == 0) {
            break;
        }
        let size = match pax.get("size") {
            Some(size) => text(size).parse().map_err(|_| "bad pax size".to_string())?,
            None => number(&header[124..136])?,
        } as usize;
        let data_start = at + BLOCK;
        let data = archive
            .get(data_start..data_start + size)
            .ok_or_else(|| format!("entry at byte {at} runs past the end of the archive"))?;
        at = data_start + size.div_ceil(BLOCK) * BLOCK;
        match header[156] {
            b'x' => pax.extend(pax_records(data)?),
            b'g' => {} // global defaults: docker's archives carry none that matter here
            b'L' => long_name = Some(text(data)),
            b'K' => long_link = Some(text(data)),
            flag => {
                let entry = entry(header, flag, data, &pax, long_name.take(), long_link.take())?;
                entries.push(entry);
                pax.clear();
            }
        }
    }
    Ok(entries)
}

fn entry(
    header: &[u8],
    flag: u8,
    data: &[u8],
    pax: &BTreeMap<String, Vec<u8>>,
    long_name: Option<String>,
    long_link: Option<String>,
) -> Result<Entry, String> {
    let name = match (pax.get("path"), long_name) {
        (Some(path), _) => text(path),
        (None, Some(name)) => name,
        (None, None) => {
            let (name, prefix) = (text(&header[0..100]), text(&header[345..500]));
            let ustar = &header[257..262] == b"ustar";
            if ustar && !prefix.is_empty() {
                format!("{prefix}/{name}")
            } else {
                name
            }
        }
    };
    let link = match (pax.get("linkpath"), long_link) {
        (Some(link), _) => text(link),
        (None, Some(link)) => link,
        (None, None) => text(&header[157..257]),
    };
    let kind = match flag {
        b'0' | 0 | b'7' => Kind::File(data.to_vec()),
        b'1' => Kind::Hardlink(normalize(&link)),
        b'2' => Kind::Symlink(link),
        b'3' => Kind::CharDevice,
        b'4' => Kind::BlockDevice,
        b'5' => Kind::Dir,
        b'6' => Kind::Fifo,
        other => {
            return Err(format!(
                "{name}: unknown tar entry type {:?}",
                other as char
            ));
        }
    };
    let id = |key: &str, field: &[u8]| match pax.get(key) {
        Some(v) => text(v)
            .parse()
            .map_err(|_| format!("{name}: bad pax {key}")),
        None => number(field),
    };
    let xattrs = pax
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("SCHILY.xattr.")?.to_string(), v.clone())))
        .collect();
    Ok(Entry {
        path: normalize(&name),
        kind,
        mode: number(&header[100..108])? as u32 & 0o7777,
        uid: id("uid", &header[108..116])?,
        gid: id("gid", &header[116..124])?,
        xattrs,
    })
}

/// `./etc/`, `etc`, `/etc/` all become `/etc`.
fn normalize(name: &str) -> String {
    let trimmed = name.trim_start_matches("./").trim_matches('/');
    if trimmed.is_empty() || trimmed == "." {
        "/".to_string()
    } else {
        format!("/{trimmed}")
    }
}

/// NUL-terminated header text.
fn text(field: &[u8]) -> String {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    String::from_utf8_lossy(&field[..end]).into_owned()
}

/// A numeric header field: octal text, or base-256 when the high bit is set.
fn number(field: &[u8]) -> Result<u64, String> {
    if field.first().is_some_and(|b| b & 0x80 != 0) {
        let bytes = &field[1..];
        return Ok(bytes.iter().fold(0u64, |n, &b| (n << 8) | u64::from(b)));
    }
    let digits = text(field);
    let digits = digits.trim_matches(|c: char| c == ' ' || c == '\0');
    if digits.is_empty() {
        return Ok(0);
    }
    u64::from_str_radix(digits, 8).map_err(|_| format!("bad octal field {digits:?}"))
}

/// `LEN key=value\n` records; LEN counts the whole record.
fn pax_records(mut data: &[u8]) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let mut records = BTreeMap::new();
    while !data.is_empty() && data[0] != 0 {
        let space = data
            .iter()
            .position(|&b| b == b' ')
            .ok_or("pax record without length")?;
        let len: usize = text(&data[..space])
            .parse()
            .map_err(|_| "bad pax record length")?;
        let record = data
            .get(space + 1..len.saturating_sub(1))
            .ok_or("short pax record")?;
        let eq = record
            .iter()
            .position(|&b| b == b'=')
            .ok_or("pax record without '='")?;
        records.insert(text(&record[..eq]), record[eq + 1..].to_vec());
        data = &data[len..];
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ustar header with a checksum-free layout: enough for the reader, which ignores it.
    fn header(name: &str, flag: u8, size: usize, mode: u32) -> Vec<u8> {
        let mut h = vec![0u8; BLOCK];
        h[..name.len()].copy_from_slice(name.as_bytes());
        h[100..107].copy_from_slice(format!("{mode:07o}").as_bytes());
        h[108..115].copy_from_slice(b"0001750");
        h[116..123].copy_from_slice(b"0001750");
        h[124..135].copy_from_slice(format!("{size:011o}").as_bytes());
        h[156] = flag;
        h[257..262].copy_from_slice(b"ustar");
        h
    }

    fn padded(data: &[u8]) -> Vec<u8> {
        let mut d = data.to_vec();
        d.resize(data.len().div_ceil(BLOCK) * BLOCK, 0);
        d
    }

    #[test]
    fn reads_files_dirs_and_pax_paths() {
        let long = format!("{}/file", "d".repeat(150));
        let record = format!("path={long}\n");
        let record = format!("{} {record}", record.len() + 4);
        let mut tar = header("./dir/", b'5', 0, 0o40755);
        tar.extend(header("PaxHeaders/x", b'x', record.len(), 0o644));
        tar.extend(padded(record.as_bytes()));
        tar.extend(header("short-name", b'0', 5, 0o104755));
        tar.extend(padded(b"hello"));
        tar.extend(vec![0; 2 * BLOCK]);
        let entries = read(&tar).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].path, "/dir");
        assert_eq!(entries[0].kind, Kind::Dir);
        assert_eq!(entries[0].mode, 0o755);
        assert_eq!(entries[1].path, format!("/{long}"));
        assert_eq!(entries[1].kind, Kind::File(b"hello".to_vec()));
        assert_eq!(entries[1].mode, 0o4755);
        assert_eq!((entries[1].uid, entries[1].gid), (1000, 1000));
    }

    #[test]
    fn truncated_archive_is_an_error() {
        let mut tar = header("f", b'0', 4096, 0o644);
        tar.extend(vec![0; BLOCK]);
        assert!(read(&tar).is_err());
    }
}
