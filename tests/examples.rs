//! The library examples in `examples/`, run as a user would: each one's
//! output checked. `cargo test` builds the examples; the binaries are found
//! beside the test executable.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The example program `name`, built by cargo beside the test executable.
fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(Path::parent).unwrap();
    let p = dir.join("examples").join(name);
    assert!(p.exists(), "{} not built (cargo test builds the examples)", p.display());
    // `cargo test --test cli` alone does not rebuild the examples: refuse to
    // test a binary older than a file cargo built it from (its dep-info).
    let built = std::fs::metadata(&p).and_then(|m| m.modified()).unwrap();
    if let Some(newer) = inputs(&p.with_extension("d"))
        .into_iter()
        .find(|f| std::fs::metadata(f).and_then(|m| m.modified()).is_ok_and(|t| t > built))
    {
        panic!(
            "{} is older than {}: run `cargo test` (which builds the examples) or `cargo build --example {name}` first",
            p.display(),
            newer.display()
        );
    }
    p
}

/// The files a binary was built from, by cargo's dep-info file beside it
/// (`target: file file ...`, spaces in names escaped).
fn inputs(dep_info: &Path) -> Vec<PathBuf> {
    let Ok(text) = std::fs::read_to_string(dep_info) else { return Vec::new() };
    let Some((_, files)) = text.lines().next().and_then(|l| l.split_once(": ")) else { return Vec::new() };
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = files.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => current.extend(chars.next()),
            ' ' => out.extend((!current.is_empty()).then(|| PathBuf::from(std::mem::take(&mut current)))),
            c => current.push(c),
        }
    }
    out.extend((!current.is_empty()).then(|| PathBuf::from(current)));
    out
}

/// The quickstart signs with both keys, both signatures verify against
/// `examples/data/keys.txt`, and a list footer breaks both (body hash).
#[test]
fn quickstart_signs_verifies_and_shows_the_footer_failure() {
    let out = Command::new(example("quickstart")).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{text} {}", String::from_utf8_lossy(&out.stderr));
    let (fields, rest) = text.split_once("== verified as sent ==").unwrap();
    let (sent, footer) = rest.split_once("== after a mailing list appended a footer ==").unwrap();
    assert_eq!(fields.matches("\nDKIM-Signature: ").count(), 2, "{fields}");
    let results = |part: &str| part.lines().filter(|l| l.starts_with("dkim=")).map(str::to_string).collect::<Vec<_>>();
    let (sent, footer) = (results(sent), results(footer));
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(footer.len(), 2, "{footer:?}");
    for (line, selector, alg) in [(0, "2026", "ed25519-sha256"), (1, "2026rsa", "rsa-sha256")] {
        let which = format!("d=example.com s={selector} a={alg}");
        assert_eq!(sent[line], format!("dkim=pass {which}"));
        assert!(footer[line].starts_with(&format!("dkim=fail {which} (body hash")), "{}", footer[line]);
    }
}

/// `sign` prints a DKIM-Signature field, then the message; the CLI-free
/// check: our verifier passes it against the published record.
#[test]
fn the_sign_example_signs() {
    let out = Command::new(example("sign")).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let signed = out.stdout;
    assert!(signed.starts_with(b"DKIM-Signature: "), "{}", String::from_utf8_lossy(&signed));
    let records =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/keys.txt")).unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let results = dkim::verify::verify(&signed, &dkim::Policy::default(), now, |r| {
        let wanted = format!("{}.", r.name());
        records
            .lines()
            .find_map(|l| l.strip_prefix(wanted.as_str()))
            .map_or(dkim::KeyAnswer::NoRecord, |t| dkim::KeyAnswer::text(t.trim()))
    })
    .unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].verdict(), dkim::Verdict::Pass, "{:?}", results[0].reason());
}

/// `verify` and `async_verify` pass both signatures of signed.eml.
#[test]
fn the_verify_examples_pass_signed_eml() {
    for (name, suffix) in [("verify", ""), ("async_verify", " dnssec=unknown")] {
        let out = Command::new(example(name)).output().unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert_eq!(out.status.code(), Some(0), "{name}: {text}{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(
            text.lines().collect::<Vec<_>>(),
            [format!("dkim=pass d=example.com s=2026rsa{suffix}"), format!("dkim=pass d=example.com s=2026{suffix}")],
            "{name}"
        );
    }
}
