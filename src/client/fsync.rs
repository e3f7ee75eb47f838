//! fsutil's file sync protocol (`DiffCopy`), both ends, as tonistiigi/fsutil speaks it.
//!
//! The sender walks its tree in lexical order (each directory's entries sorted by name,
//! a directory before its contents) and sends one STAT per entry, then an empty STAT. The
//! receiver asks for the contents of the regular files it lacks by the index of their STAT
//! (REQ); the sender answers each with DATA packets and an empty DATA. When it has all it
//! asked for, the receiver sends FIN and the sender answers FIN. Either side may send ERR
//! with a message instead. The walk and the answers run at once: the receiver may ask while
//! the walk goes on.
//!
//! [`send`] serves the daemon's reads of a local directory (the context, the Buildfile's
//! directory, named contexts), filtered by the patterns it sends; [`receive`] takes the
//! `local` exporter's tree.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

use tokio::sync::mpsc;

use crate::pb::fsutil::types::packet::PacketType;
use crate::pb::fsutil::types::{Packet, Stat};

use super::patterns::Patterns;

/// fsutil's chunk size for file contents.
const CHUNK: usize = 32 << 10;

/// What the daemon asks of a directory, from the request's metadata.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct SendOptions {
    /// Only these paths (and what is under them), when any are given.
    pub(crate) include: Vec<String>,
    /// `.dockerignore` patterns, `!` exceptions included.
    pub(crate) exclude: Vec<String>,
    /// Paths that are sent even when excluded (the Buildfile, its ignore file).
    pub(crate) follow_paths: Vec<String>,
}

/// Why a sync failed.
#[derive(Debug)]
pub(crate) enum SyncError {
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    Protocol(String),
    /// The peer's ERR packet.
    Peer(String),
}

impl fmt::Display for SyncError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { path, error } => write!(f, "{}: {error}", path.display()),
            Self::Protocol(why) => write!(f, "file sync: {why}"),
            Self::Peer(why) => write!(f, "file sync: the daemon failed: {why}"),
        }
    }
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> SyncError + '_ {
    move |error| SyncError::Io {
        path: path.to_path_buf(),
        error,
    }
}

fn closed() -> SyncError {
    SyncError::Protocol("the daemon closed the stream".to_string())
}

fn packet(kind: PacketType) -> Packet {
    Packet {
        r#type: kind as i32,
        ..Default::default()
    }
}

/// Sends `root` to the daemon.
pub(crate) async fn send(
    root: &Path,
    options: &SendOptions,
    mut incoming: mpsc::Receiver<Packet>,
    outgoing: mpsc::Sender<Packet>,
) -> Result<(), SyncError> {
    let root = root.to_path_buf();
    let options = options.clone();
    let entries = tokio::task::spawn_blocking(move || walk(&root, &options).map(|e| (root, e)))
        .await
        .map_err(|e| SyncError::Protocol(e.to_string()))?;
    let (root, entries) = match entries {
        Ok(found) => found,
        Err(e) => {
            let mut err = packet(PacketType::PacketErr);
            err.data = e.to_string().into_bytes();
            let _ = outgoing.send(err).await;
            return Err(e);
        }
    };
    let files: BTreeMap<u32, String> = entries
        .iter()
        .zip(0u32..)
        .filter(|(stat, _)| is_regular(stat.mode))
        .map(|(stat, id)| (id, stat.path.clone()))
        .collect();
    let stats = async {
        for stat in entries {
            let mut p = packet(PacketType::PacketStat);
            p.stat = Some(stat);
            outgoing.send(p).await.map_err(|_| closed())?;
        }
        outgoing
            .send(packet(PacketType::PacketStat))
            .await
            .map_err(|_| closed())
    };
    let answers = async {
        while let Some(p) = incoming.recv().await {
            match PacketType::try_from(p.r#type) {
                Ok(PacketType::PacketReq) => {
                    let path = files.get(&p.id).ok_or_else(|| {
                        SyncError::Protocol(format!("the daemon asked for unknown file {}", p.id))
                    })?;
                    send_file(&root.join(path), p.id, &outgoing).await?;
                }
                Ok(PacketType::PacketFin) => {
                    return outgoing
                        .send(packet(PacketType::PacketFin))
                        .await
                        .map_err(|_| closed());
                }
                Ok(PacketType::PacketErr) => {
                    return Err(SyncError::Peer(
                        String::from_utf8_lossy(&p.data).into_owned(),
                    ));
                }
                _ => {}
            }
        }
        Err(closed())
    };
    let (sent, answered) = tokio::join!(stats, answers);
    sent.and(answered)
}

/// A file's contents as DATA packets, then the empty DATA that ends it. A file that cannot
/// be opened any more is sent empty, as fsutil does.
async fn send_file(path: &Path, id: u32, outgoing: &mpsc::Sender<Packet>) -> Result<(), SyncError> {
    if let Ok(mut file) = std::fs::File::open(path) {
        let mut buf = vec![0; CHUNK];
        loop {
            let n = file.read(&mut buf).map_err(io_error(path))?;
            if n == 0 {
                break;
            }
            let mut p = packet(PacketType::PacketData);
            p.id = id;
            p.data = buf[..n].to_vec();
            outgoing.send(p).await.map_err(|_| closed())?;
        }
    }
    let mut end = packet(PacketType::PacketData);
    end.id = id;
    outgoing.send(end).await.map_err(|_| closed())
}

/// Go's `os.FileMode` type bits, which the protocol uses instead of Unix's.
mod go_mode {
    pub(super) const DIR: u32 = 1 << 31;
    pub(super) const SYMLINK: u32 = 1 << 27;
    pub(super) const DEVICE: u32 = 1 << 26;
    pub(super) const NAMED_PIPE: u32 = 1 << 25;
    /// Never sent: see [`go_mode_of`](super::go_mode_of).
    pub(super) const SOCKET: u32 = 1 << 24;
    pub(super) const SETUID: u32 = 1 << 23;
    pub(super) const SETGID: u32 = 1 << 22;
    pub(super) const CHAR_DEVICE: u32 = 1 << 21;
    pub(super) const STICKY: u32 = 1 << 20;
    pub(super) const TYPE: u32 = DIR | SYMLINK | DEVICE | NAMED_PIPE | SOCKET | CHAR_DEVICE;
}

fn is_regular(mode: u32) -> bool {
    mode & go_mode::TYPE == 0
}

/// A Unix `st_mode` in Go's bits.
fn go_mode_of(unix: u32) -> u32 {
    let mut mode = unix & 0o777;
    mode |= match unix & 0o170000 {
        0o040000 => go_mode::DIR,
        0o120000 => go_mode::SYMLINK,
        0o060000 => go_mode::DEVICE,
        0o020000 => go_mode::DEVICE | go_mode::CHAR_DEVICE,
        0o010000 => go_mode::NAMED_PIPE,
        // fsutil clears the socket bit (tar cannot hold one): a socket goes as an empty
        // regular file, whose contents cannot be read.
        _ => 0,
    };
    for (unix_bit, go_bit) in [
        (0o4000, go_mode::SETUID),
        (0o2000, go_mode::SETGID),
        (0o1000, go_mode::STICKY),
    ] {
        if unix & unix_bit != 0 {
            mode |= go_bit;
        }
    }
    mode
}

/// The entries to send, in the protocol's order.
fn walk(root: &Path, options: &SendOptions) -> Result<Vec<Stat>, SyncError> {
    let filter = Filter {
        include: Patterns::new(&options.include),
        exclude: Patterns::new(&options.exclude),
        follow: options
            .follow_paths
            .iter()
            .map(|p| crate::posix_path::clean(p))
            .collect(),
    };
    let mut out = Vec::new();
    let mut links = BTreeMap::new();
    walk_dir(root, "", &filter, &mut Vec::new(), &mut out, &mut links)?;
    Ok(out)
}

struct Filter {
    include: Patterns,
    exclude: Patterns,
    follow: Vec<String>,
}

impl Filter {
    fn followed(&self, path: &str) -> bool {
        self.follow.iter().any(|f| f == path)
    }

    /// Whether `path` itself is sent.
    fn sends(&self, path: &str) -> bool {
        if self.followed(path) {
            return true;
        }
        (self.include.is_empty() || self.include.matches_or_parent(path))
            && !self.exclude.excludes(path)
    }

    /// Whether anything under the directory `path` may be sent.
    fn descends(&self, path: &str) -> bool {
        let followed_below = self
            .follow
            .iter()
            .any(|f| f.starts_with(&format!("{path}/")));
        if followed_below {
            return true;
        }
        let included = self.include.is_empty()
            || self.include.matches_or_parent(path)
            || self.include.may_match_below(path);
        let excluded = self.exclude.excludes(path) && !self.exclude.has_exceptions_below(path);
        included && !excluded
    }
}

/// Walks one directory. Directories whose contents are sent only in part are held in
/// `pending` and sent just before their first sent entry, so that only the parents of what
/// is sent appear.
fn walk_dir(
    dir: &Path,
    prefix: &str,
    filter: &Filter,
    pending: &mut Vec<Stat>,
    out: &mut Vec<Stat>,
    links: &mut BTreeMap<(u64, u64), String>,
) -> Result<(), SyncError> {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .map_err(io_error(dir))?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<Result<_, _>>()
        .map_err(io_error(dir))?;
    names.sort();
    for name in names {
        let name = name.to_string_lossy().into_owned();
        let path = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        let full = dir.join(&name);
        let meta = std::fs::symlink_metadata(&full).map_err(io_error(&full))?;
        let stat = stat_of(&path, &full, &meta, links)?;
        if meta.is_dir() {
            if filter.sends(&path) {
                out.append(pending);
                out.push(stat);
                walk_dir(&full, &path, filter, &mut Vec::new(), out, links)?;
            } else if filter.descends(&path) {
                pending.push(stat);
                let depth = pending.len();
                walk_dir(&full, &path, filter, pending, out, links)?;
                pending.truncate(depth - 1);
            }
        } else if filter.sends(&path) {
            out.append(pending);
            out.push(stat);
        }
    }
    Ok(())
}

fn stat_of(
    path: &str,
    full: &Path,
    meta: &std::fs::Metadata,
    links: &mut BTreeMap<(u64, u64), String>,
) -> Result<Stat, SyncError> {
    let mode = go_mode_of(meta.mode());
    let mut stat = Stat {
        path: path.to_string(),
        mode,
        uid: meta.uid(),
        gid: meta.gid(),
        mod_time: meta.mtime() * 1_000_000_000 + meta.mtime_nsec(),
        ..Default::default()
    };
    if meta.file_type().is_symlink() {
        stat.linkname = std::fs::read_link(full)
            .map_err(io_error(full))?
            .to_string_lossy()
            .into_owned();
    } else if is_regular(mode) {
        stat.size = i64::try_from(meta.size()).unwrap_or(i64::MAX);
        // A hard link's later names point at its first, as fsutil sends them.
        if meta.nlink() > 1 {
            match links.get(&(meta.dev(), meta.ino())) {
                Some(first) => {
                    stat.linkname = first.clone();
                    stat.size = 0;
                }
                None => {
                    links.insert((meta.dev(), meta.ino()), path.to_string());
                }
            }
        }
    } else if mode & go_mode::DEVICE != 0 {
        let rdev = meta.rdev();
        stat.devmajor = ((rdev >> 8) & 0xfff) as i64 | ((rdev >> 32) & !0xfff) as i64;
        stat.devminor = (rdev & 0xff) as i64 | ((rdev >> 12) & !0xff) as i64;
    }
    Ok(stat)
}

/// Files asked for at once while receiving: the sender queues at most 128 requests, and a
/// receiver that asked for more would stop reading while the sender waits for it.
const IN_FLIGHT: usize = 32;

/// A regular file the daemon announced, and its file once asked for.
struct Incoming {
    path: PathBuf,
    stat: Stat,
    file: Option<std::fs::File>,
}

/// Takes the daemon's tree into `dest`.
pub(crate) async fn receive(
    dest: &Path,
    mut incoming: mpsc::Receiver<Packet>,
    outgoing: mpsc::Sender<Packet>,
) -> Result<(), SyncError> {
    std::fs::create_dir_all(dest).map_err(io_error(dest))?;
    // Requests go out through a queue of their own, so that reading the daemon's data
    // never waits for a request to be sent.
    let (requests, mut queued) = mpsc::unbounded_channel::<Packet>();
    let forward = tokio::spawn(async move {
        while let Some(p) = queued.recv().await {
            if outgoing.send(p).await.is_err() {
                break;
            }
        }
    });
    let received = receive_tree(dest, &mut incoming, &requests).await;
    let finished = match received {
        Ok(()) => requests
            .send(packet(PacketType::PacketFin))
            .map_err(|_| closed()),
        Err(e) => Err(e),
    };
    drop(requests);
    let _ = forward.await;
    finished?;
    while let Some(p) = incoming.recv().await {
        if p.r#type == PacketType::PacketFin as i32 {
            return Ok(());
        }
    }
    Ok(())
}

/// The tree, up to the moment every file asked for has come.
async fn receive_tree(
    dest: &Path,
    incoming: &mut mpsc::Receiver<Packet>,
    requests: &mpsc::UnboundedSender<Packet>,
) -> Result<(), SyncError> {
    let mut index = 0u32;
    let mut files: BTreeMap<u32, Incoming> = BTreeMap::new();
    let mut waiting = std::collections::VecDeque::new();
    let mut dirs = Vec::new();
    let mut stats_done = false;
    while !(stats_done && files.is_empty()) {
        ask(&mut files, &mut waiting, requests)?;
        let p = incoming.recv().await.ok_or_else(closed)?;
        match PacketType::try_from(p.r#type) {
            Ok(PacketType::PacketStat) => {
                let Some(stat) = p.stat else {
                    stats_done = true;
                    continue;
                };
                let id = index;
                index += 1;
                let path = inside(dest, &stat.path)?;
                if let Some(stat) = place(dest, &path, stat)? {
                    if stat.mode & go_mode::DIR != 0 {
                        dirs.push((path, stat));
                    } else {
                        files.insert(
                            id,
                            Incoming {
                                path,
                                stat,
                                file: None,
                            },
                        );
                        waiting.push_back(id);
                    }
                }
            }
            Ok(PacketType::PacketData) => {
                let Some(file) = files.get_mut(&p.id) else {
                    return Err(SyncError::Protocol(format!(
                        "data for file {} that was not asked for",
                        p.id
                    )));
                };
                match &mut file.file {
                    Some(open) if !p.data.is_empty() => {
                        std::io::Write::write_all(open, &p.data).map_err(io_error(&file.path))?;
                    }
                    _ => {
                        if let Some(done) = files.remove(&p.id) {
                            finish(&done.path, &done.stat)?;
                        }
                    }
                }
            }
            Ok(PacketType::PacketErr) => {
                return Err(SyncError::Peer(
                    String::from_utf8_lossy(&p.data).into_owned(),
                ));
            }
            Ok(PacketType::PacketFin) => {
                return Err(SyncError::Protocol("FIN before the end".to_string()));
            }
            _ => {}
        }
    }
    // Directories last, deepest first: writing into them changed their times.
    for (path, stat) in dirs.iter().rev() {
        finish(path, stat)?;
    }
    Ok(())
}

/// Asks for waiting files, up to [`IN_FLIGHT`] at once, creating each as it is asked for.
fn ask(
    files: &mut BTreeMap<u32, Incoming>,
    waiting: &mut std::collections::VecDeque<u32>,
    requests: &mpsc::UnboundedSender<Packet>,
) -> Result<(), SyncError> {
    let mut in_flight = files.values().filter(|f| f.file.is_some()).count();
    while in_flight < IN_FLIGHT {
        let Some(id) = waiting.pop_front() else {
            return Ok(());
        };
        if let Some(file) = files.get_mut(&id) {
            file.file = Some(std::fs::File::create(&file.path).map_err(io_error(&file.path))?);
        }
        let mut req = packet(PacketType::PacketReq);
        req.id = id;
        requests.send(req).map_err(|_| closed())?;
        in_flight += 1;
    }
    Ok(())
}

/// Makes a directory, symlink or hard link at once; a regular file (returned, with the
/// directories) waits for its contents.
fn place(dest: &Path, path: &Path, stat: Stat) -> Result<Option<Stat>, SyncError> {
    if stat.mode & go_mode::DIR != 0 {
        std::fs::create_dir_all(path).map_err(io_error(path))?;
        return Ok(Some(stat));
    }
    let _ = std::fs::remove_file(path);
    if stat.mode & go_mode::SYMLINK != 0 {
        std::os::unix::fs::symlink(&stat.linkname, path).map_err(io_error(path))?;
        Ok(None)
    } else if is_regular(stat.mode) && !stat.linkname.is_empty() {
        std::fs::hard_link(inside(dest, &stat.linkname)?, path).map_err(io_error(path))?;
        Ok(None)
    } else if is_regular(stat.mode) {
        Ok(Some(stat))
    } else {
        // Devices and pipes need mknod, which the standard library does not have.
        Ok(None)
    }
}

/// `dest/relative`, refusing a path that would leave `dest`.
fn inside(dest: &Path, relative: &str) -> Result<PathBuf, SyncError> {
    let path = Path::new(relative);
    let escapes = path
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir));
    if escapes || relative.is_empty() {
        return Err(SyncError::Protocol(format!(
            "the daemon sent the path `{relative}`, which is not inside the destination"
        )));
    }
    Ok(dest.join(path))
}

/// Sets a written entry's permissions and modification time.
fn finish(path: &Path, stat: &Stat) -> Result<(), SyncError> {
    let perm = std::fs::Permissions::from_mode(stat.mode & 0o777);
    std::fs::set_permissions(path, perm).map_err(io_error(path))?;
    let time = std::time::UNIX_EPOCH + std::time::Duration::from_nanos(stat.mod_time.max(0) as u64);
    let file = std::fs::File::options().read(true).open(path);
    if let Ok(file) = file {
        let _ = file.set_modified(time);
    }
    Ok(())
}

#[cfg(test)]
#[path = "fsync_tests.rs"]
mod tests;
