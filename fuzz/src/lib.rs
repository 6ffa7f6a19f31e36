//! The property checks of the fuzz targets, one module per target.
//!
//! Each `fuzz_targets/<target>.rs` is one line that hands libFuzzer's input
//! to `<target>::check`; `tests/replay.rs` runs the same `check` on every
//! committed seed (`seeds/<target>/`) and kept crash
//! (`regressions/<target>-*`) on the stable toolchain, so a plain
//! `cargo test` in `fuzz/` catches a regression without cargo-fuzz. A
//! `check` panics when a property does not hold; the module docs say what
//! each target feeds and checks.

#![forbid(unsafe_code)]

pub mod arc_chain;
pub mod arc_fields;
pub mod auth_results;
pub mod body_canon;
mod chunks;
pub mod dns_response;
pub mod header_canon;
pub mod key_record;
pub mod signature;
pub mod tag_list;
pub mod verify;
pub mod zone_file;

pub use chunks::{Chunks, PATTERN_LEN, fnv1a, split_pattern};

/// A target's property check: panics when a property fails on the input.
pub type Check = fn(&[u8]);

/// Every target: its name (as in `fuzz_targets/` and `seeds/`) and its
/// property check.
pub const TARGETS: &[(&str, Check)] = &[
    ("arc_chain", arc_chain::check),
    ("arc_fields", arc_fields::check),
    ("auth_results", auth_results::check),
    ("body_canon", body_canon::check),
    ("dns_response", dns_response::check),
    ("header_canon", header_canon::check),
    ("key_record", key_record::check),
    ("signature", signature::check),
    ("tag_list", tag_list::check),
    ("verify", verify::check),
    ("zone_file", zone_file::check),
];
