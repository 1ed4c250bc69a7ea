//! Every capture in the corpus decodes without panic, and each file's frames come out as JSON
//! objects with the common keys.

mod common;

#[test]
fn every_capture_decodes() {
    let caps = common::all_captures();
    assert!(caps.len() > 150, "corpus missing: {} captures", caps.len());
    let mut frames = 0;
    for c in &caps {
        for (i, v) in common::decode(c) {
            frames += 1;
            let proto = v["proto"].as_str().expect("proto");
            for key in ["file", "ts", "vlans", "anomalies", "src_mac", "dst_mac"] {
                assert!(v.get(key).is_some(), "{} #{i}: no {key}", common::rel(c));
            }
            assert!(
                v[proto].is_object(),
                "{} #{i}: no {proto} object",
                common::rel(c)
            );
        }
    }
    assert!(frames > 3000, "only {frames} frames decoded");
}
