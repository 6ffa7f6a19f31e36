//! Replays every committed seed (`seeds/<target>/*`) and every kept crash
//! (`regressions/<target>-*`) through its target's property check, the same
//! `dkim_fuzz::<target>::check` the libFuzzer binary calls. Runs on the
//! stable toolchain: `cd fuzz && cargo test`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use dkim_fuzz::TARGETS;

#[test]
fn arc_chain() {
    replay("arc_chain");
}

#[test]
fn arc_fields() {
    replay("arc_fields");
}

#[test]
fn auth_results() {
    replay("auth_results");
}

#[test]
fn body_canon() {
    replay("body_canon");
}

#[test]
fn dns_response() {
    replay("dns_response");
}

#[test]
fn header_canon() {
    replay("header_canon");
}

#[test]
fn key_record() {
    replay("key_record");
}

#[test]
fn signature() {
    replay("signature");
}

#[test]
fn tag_list() {
    replay("tag_list");
}

#[test]
fn verify() {
    replay("verify");
}

#[test]
fn zone_file() {
    replay("zone_file");
}

/// Every target in `fuzz_targets/` has a check in `TARGETS`, seeds, and a
/// test above (the list above is checked against `TARGETS` by name).
#[test]
fn every_target_is_replayed() {
    let mut binaries: Vec<String> = std::fs::read_dir(root().join("fuzz_targets"))
        .expect("fuzz_targets/")
        .map(|e| e.expect("directory entry").path())
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    binaries.sort();
    let names: Vec<&str> = TARGETS.iter().map(|(name, _)| *name).collect();
    assert_eq!(binaries, names, "fuzz_targets/ and dkim_fuzz::TARGETS differ");
    let this_file = std::fs::read_to_string(root().join("tests/replay.rs")).expect("tests/replay.rs");
    for name in names {
        assert!(this_file.contains(&format!("fn {name}() {{\n    replay(\"{name}\");")), "no replay test for {name}");
        assert!(!inputs(name).is_empty(), "no seed for {name}");
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The seeds and kept crashes of `target`, sorted.
fn inputs(target: &str) -> Vec<PathBuf> {
    let mut paths = files(&root().join("seeds").join(target), |_| true);
    paths.extend(files(&root().join("regressions"), |name| name.starts_with(&format!("{target}-"))));
    paths.sort();
    paths
}

fn files(dir: &Path, keep: impl Fn(&str) -> bool) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    entries
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| keep(&n.to_string_lossy())))
        .collect()
}

fn replay(target: &str) {
    let (_, check) = TARGETS.iter().find(|(name, _)| *name == target).expect("a target of that name");
    let inputs = inputs(target);
    let mut failed = Vec::new();
    for path in &inputs {
        let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if catch_unwind(AssertUnwindSafe(|| check(&data))).is_err() {
            failed.push(path.display().to_string());
        }
    }
    println!("replay {target}: {} inputs, {} failed", inputs.len(), failed.len());
    assert!(failed.is_empty(), "{target}: properties fail on {failed:#?}");
}
