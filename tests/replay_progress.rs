//! `cybriq replay` shows a progress bar on a long replay when stderr is a terminal, and
//! nothing of it otherwise. Expected before the run: under a pseudo-terminal (`script(1)`, from
//! util-linux) the replay of an 8.5 MiB capture draws `replaying … %` on the terminal; the same
//! replay with stderr on a pipe writes no bar, and both replay every frame.

use std::path::Path;
use std::process::Command;

/// A pcap of `n` copies of an LLDP frame of the corpus, each padded to 1,400 bytes.
fn big_capture(path: &Path, n: usize) {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/lldpd/sg200.pcap");
    let (_, recs, _) = cybriq::capture::read_all(&corpus).unwrap();
    let (_, mut frame) = recs
        .into_iter()
        .find(|(_, d)| d.len() > 14 && d[12..14] == [0x88, 0xcc])
        .unwrap();
    frame.resize(1400, 0);
    let mut out = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0];
    out.extend([0u8; 8]);
    out.extend(65535u32.to_le_bytes());
    out.extend(1u32.to_le_bytes());
    for i in 0..n {
        out.extend((1_760_000_000 + i as u32).to_le_bytes());
        out.extend(0u32.to_le_bytes());
        out.extend((frame.len() as u32).to_le_bytes());
        out.extend((frame.len() as u32).to_le_bytes());
        out.extend(&frame);
    }
    std::fs::write(path, out).unwrap();
}

#[test]
fn a_long_replay_shows_progress_on_a_terminal_only() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("replay-progress-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let pcap = dir.join("long.pcap");
    big_capture(&pcap, 6_400);
    let args = format!(
        "{} replay --tap access-1:Gi1/0/1 {}",
        env!("CARGO_BIN_EXE_cybriq"),
        pcap.display()
    );
    let piped = Command::new("sh").args(["-c", &args]).output().unwrap();
    let err = String::from_utf8_lossy(&piped.stderr);
    assert!(piped.status.success(), "{err}");
    assert!(err.contains("replayed 6400 frames"), "{err}");
    assert!(!err.contains("replaying"), "no bar on a pipe: {err}");
    let tty = Command::new("script")
        .args(["-qefc", &args, "/dev/null"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&tty.stdout);
    assert!(tty.status.success(), "{text}");
    assert!(text.contains("replayed 6400 frames"), "{text}");
    assert!(
        text.contains("replaying") && text.contains('%'),
        "a bar on the terminal: {text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
