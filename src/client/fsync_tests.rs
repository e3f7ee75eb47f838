#![allow(clippy::unwrap_used)]

use std::os::unix::fs::PermissionsExt;

use super::*;

/// A fresh directory under the system's temporary one.
fn temp(label: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "rustbuild-fsync-{label}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(root: &Path, path: &str, text: &str) {
    let full = root.join(path);
    std::fs::create_dir_all(full.parent().unwrap()).unwrap();
    std::fs::write(full, text).unwrap();
}

fn paths(root: &Path, options: &SendOptions) -> Vec<String> {
    walk(root, options)
        .unwrap()
        .into_iter()
        .map(|s| s.path)
        .collect()
}

fn options(include: &[&str], exclude: &[&str]) -> SendOptions {
    let strings = |items: &[&str]| items.iter().map(|s| s.to_string()).collect();
    SendOptions {
        include: strings(include),
        exclude: strings(exclude),
        follow_paths: Vec::new(),
    }
}

fn tree(root: &Path) -> Vec<String> {
    walk(root, &SendOptions::default())
        .unwrap()
        .into_iter()
        .map(|s| {
            let content =
                std::fs::read(root.join(&s.path)).map(|b| String::from_utf8_lossy(&b).into_owned());
            format!(
                "{} {:o} {} {}",
                s.path,
                s.mode,
                s.linkname,
                content.unwrap_or_default()
            )
        })
        .collect()
}

#[test]
fn the_walk_is_lexical_with_directories_first_in_go_modes() {
    let root = temp("order");
    write(&root, "b.txt", "b");
    write(&root, "a/z", "z");
    write(&root, "a.txt", "a");
    std::os::unix::fs::symlink("a.txt", root.join("link")).unwrap();
    std::fs::set_permissions(root.join("b.txt"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let stats = walk(&root, &SendOptions::default()).unwrap();
    let got: Vec<(String, u32, String)> = stats
        .iter()
        .map(|s| (s.path.clone(), s.mode, s.linkname.clone()))
        .collect();
    let dir_mode = go_mode::DIR | (std::fs::metadata(root.join("a")).unwrap().mode() & 0o777);
    let file_mode = std::fs::metadata(root.join("a.txt")).unwrap().mode() & 0o777;
    assert_eq!(
        got,
        [
            ("a".to_string(), dir_mode, String::new()),
            ("a/z".to_string(), file_mode, String::new()),
            ("a.txt".to_string(), file_mode, String::new()),
            ("b.txt".to_string(), 0o755, String::new()),
            (
                "link".to_string(),
                go_mode::SYMLINK | 0o777,
                "a.txt".to_string()
            ),
        ]
    );
    assert_eq!(stats[3].size, 1);
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn includes_send_only_their_paths_and_parents() {
    let root = temp("include");
    write(&root, "Buildfile", "FROM scratch");
    write(&root, "src/main.rs", "");
    write(&root, "src/lib/a.rs", "");
    write(&root, "docs/x.md", "");
    assert_eq!(paths(&root, &options(&["Buildfile"], &[])), ["Buildfile"]);
    assert_eq!(
        paths(&root, &options(&["src/lib"], &[])),
        ["src", "src/lib", "src/lib/a.rs"]
    );
    assert_eq!(
        paths(&root, &options(&["**/*.rs"], &[])),
        ["src", "src/lib", "src/lib/a.rs", "src/main.rs"]
    );
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn excludes_keep_their_exceptions() {
    let root = temp("exclude");
    write(&root, "a.txt", "");
    write(&root, "keep.txt", "");
    write(&root, "logs/1.log", "");
    write(&root, "logs/keep/k", "");
    write(&root, "node_modules/m/x", "");
    let sent = paths(
        &root,
        &options(
            &[],
            &["*.txt", "!keep.txt", "logs", "!logs/keep", "node_modules"],
        ),
    );
    // An excluded directory is sent only as the parent of an exception under it.
    assert_eq!(sent, ["keep.txt", "logs", "logs/keep", "logs/keep/k"]);
    let mut follow = options(&[], &["*.txt"]);
    follow.follow_paths = vec!["a.txt".to_string()];
    assert_eq!(
        paths(&root, &follow),
        [
            "a.txt",
            "logs",
            "logs/1.log",
            "logs/keep",
            "logs/keep/k",
            "node_modules",
            "node_modules/m",
            "node_modules/m/x"
        ]
    );
    std::fs::remove_dir_all(&root).unwrap();
}

#[tokio::test]
async fn a_tree_goes_across_and_back_whole() {
    let from = temp("from");
    let to = temp("to").join("out");
    write(&from, "app/run.sh", "#!/bin/sh\necho hi\n");
    std::fs::set_permissions(
        from.join("app/run.sh"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    write(&from, "big.bin", &"x".repeat(CHUNK * 2 + 5));
    std::fs::create_dir(from.join("empty")).unwrap();
    // More files than are asked for at once.
    for n in 0..IN_FLIGHT + 8 {
        write(&from, &format!("many/{n:03}"), &n.to_string());
    }
    std::os::unix::fs::symlink("app/run.sh", from.join("run")).unwrap();
    let when = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
    std::fs::File::options()
        .write(true)
        .open(from.join("big.bin"))
        .unwrap()
        .set_modified(when)
        .unwrap();

    let (to_sender, sender_in) = mpsc::channel(4);
    let (sender_out, from_sender) = mpsc::channel(4);
    let (to_receiver, receiver_in) = mpsc::channel(4);
    let (receiver_out, from_receiver) = mpsc::channel(4);
    // The wire: each direction on its own, as a gRPC stream's two halves are.
    let forward = |mut from: mpsc::Receiver<Packet>, to: mpsc::Sender<Packet>| async move {
        while let Some(p) = from.recv().await {
            if to.send(p).await.is_err() {
                break;
            }
        }
    };
    let wire = async move {
        tokio::join!(
            forward(from_sender, to_receiver),
            forward(from_receiver, to_sender)
        );
    };
    let options = SendOptions::default();
    let (sent, received, ()) = tokio::join!(
        send(&from, &options, sender_in, sender_out),
        receive(&to, receiver_in, receiver_out),
        wire
    );
    sent.unwrap();
    received.unwrap();
    assert_eq!(tree(&to), tree(&from));
    let modified = std::fs::metadata(to.join("big.bin"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(modified, when);
    std::fs::remove_dir_all(&from).unwrap();
    std::fs::remove_dir_all(to.parent().unwrap()).unwrap();
}

#[tokio::test]
async fn receive_refuses_paths_outside_the_destination() {
    let dest = temp("escape");
    let (to_receiver, incoming) = mpsc::channel(4);
    let (outgoing, _from_receiver) = mpsc::channel(4);
    let mut stat = packet(PacketType::PacketStat);
    stat.stat = Some(Stat {
        path: "../evil".to_string(),
        ..Default::default()
    });
    to_receiver.send(stat).await.unwrap();
    let err = receive(&dest, incoming, outgoing).await.unwrap_err();
    assert!(
        err.to_string().contains("not inside the destination"),
        "{err}"
    );
    assert!(!dest.parent().unwrap().join("evil").exists());
    std::fs::remove_dir_all(&dest).unwrap();
}

#[tokio::test]
async fn the_peers_error_ends_the_sync() {
    let root = temp("peer-error");
    write(&root, "a", "a");
    let (to_sender, incoming) = mpsc::channel(8);
    let (outgoing, mut from_sender) = mpsc::channel(8);
    let mut err = packet(PacketType::PacketErr);
    err.data = b"disk full".to_vec();
    to_sender.send(err).await.unwrap();
    let drain = async move { while from_sender.recv().await.is_some() {} };
    let options = SendOptions::default();
    let (result, ()) = tokio::join!(send(&root, &options, incoming, outgoing), drain);
    let message = result.unwrap_err().to_string();
    assert!(message.contains("disk full"), "{message}");
    std::fs::remove_dir_all(&root).unwrap();
}
