//! Table-driven conformance over `../shared/testdata/*/expected.tsv`: every
//! row's verdict under the default policy (RFC 6376 + RFC 8301, column
//! `expected`) and the legacy policy (RFC 6376 alone, column `legacy`), with
//! the message fed whole and in chunks of 1, 7, 64 and 4096 bytes. Rows with
//! `eol=lf` are checked twice: converted to CRLF by the test, and raw through
//! `LineEndings::NormalizeLf`. Every check runs with each crypto backend built
//! in (`RustCrypto`, and `AwsLcRs` with the `aws-lc-rs` feature): the
//! verdicts must not depend on it.

#![allow(clippy::unwrap_used)]

mod common;

use common::{Zone, testdata, tsv, verify};
use dkim_core::{LineEndings, Policy, RustCrypto, VerifyingBackend};

/// The backends every check runs with.
const BACKENDS: &[&dyn VerifyingBackend] = &[
    &RustCrypto,
    #[cfg(feature = "aws-lc-rs")]
    &dkim_core::AwsLcRs,
];

/// The clock for rows whose `now` is `-` ("any current time").
const ANY_NOW: u64 = 1_795_000_000;
const FOLDERS: &[&str] = &["rfc8463", "rfc6376", "mail-dkim", "go-msgauth", "dkimpy", "mail-auth"];
const EXPECTED_ROWS: usize = 120;

fn verdict_word(results: &[dkim_core::SignatureResult], sig: &str) -> String {
    if sig == "-" {
        return if results.is_empty() { "none".into() } else { format!("{} signature(s)", results.len()) };
    }
    let n: usize = sig.parse().expect("sig column");
    match results.get(n - 1) {
        Some(r) => r.verdict().as_str().into(),
        None => format!("no result for signature {n} ({} results)", results.len()),
    }
}

#[test]
fn expected_tsv_all_rows_both_policies_all_chunkings() {
    let root = testdata();
    let mut rows = 0;
    let mut checks = 0;
    let mut failures = Vec::new();
    for folder in FOLDERS {
        let dir = root.join(folder);
        for row in tsv(&dir.join("expected.tsv")) {
            let [message, sig, _d, _s, expected, legacy, _up, reason, dns, eol, now] = &row[..] else {
                panic!("{folder}: malformed row {row:?}");
            };
            rows += 1;
            let raw = std::fs::read(dir.join(message)).unwrap_or_else(|e| panic!("{folder}/{message}: {e}"));
            let zone = Zone::load(&dir.join(dns));
            let now = if now == "-" { ANY_NOW } else { now.parse().expect("now column") };
            let crlf = if eol == "lf" {
                assert!(!raw.contains(&b'\r'), "{message}: lf file with CR");
                raw.iter().flat_map(|&b| if b == b'\n' { vec![b'\r', b'\n'] } else { vec![b] }).collect()
            } else {
                raw.clone()
            };
            let runs =
                [(expected, Policy::default()), (legacy, Policy::legacy())].into_iter().flat_map(|(want, policy)| {
                    BACKENDS.iter().map(move |&b| (want, policy.clone().now(now).backend(b), b))
                });
            for (want, policy, backend) in runs {
                let mut inputs = vec![(crlf.clone(), policy.clone(), "crlf")];
                if eol == "lf" {
                    inputs.push((raw.clone(), policy.clone().line_endings(LineEndings::NormalizeLf), "lf-option"));
                }
                for (input, policy, how) in inputs {
                    for chunk in [0, 1, 7, 64, 4096] {
                        checks += 1;
                        let got = match verify(&input, &zone, policy.clone(), chunk) {
                            Ok(results) => verdict_word(&results, sig),
                            Err(e) => format!("error: {e}"),
                        };
                        if got != *want {
                            let detail = verify(&input, &zone, policy.clone(), 0)
                                .ok()
                                .and_then(|r| {
                                    let n: usize = sig.parse().ok()?;
                                    r.get(n - 1).and_then(|x| x.reason().map(|r| r.to_string()))
                                })
                                .unwrap_or_default();
                            failures.push(format!(
                                "{folder}/{message} sig {sig} ({how}, chunk {chunk}, {}, {}): want {want}, got {got} [{detail}] -- {reason}",
                                if policy.sha1_allowed() { "legacy" } else { "default" },
                                backend.name()
                            ));
                            break;
                        }
                    }
                }
            }
        }
    }
    println!(
        "conformance: {rows} rows, {checks} verifications ({} backends), {} failures",
        BACKENDS.len(),
        failures.len()
    );
    assert_eq!(rows, EXPECTED_ROWS, "every expected.tsv row must run");
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}
