//! Table-driven conformance over the corpus' `*/expected.tsv` (found by
//! `dkim_testkit::Corpus`; skipped without it): every row's verdict under
//! the default policy (RFC 6376 + RFC 8301, column `expected`) and the
//! legacy policy (RFC 6376 alone, column `legacy`), with the message fed
//! whole and in chunks of 1, 7, 64 and 4096 bytes. Rows with `eol=lf` are
//! checked twice: converted to CRLF by the test, and raw through
//! `LineEndings::NormalizeLf`. Every check runs with each crypto backend
//! built in (`RustCrypto`, and `AwsLcRs` with the `aws-lc-rs` feature): the
//! verdicts must not depend on it.

#![allow(clippy::unwrap_used)]

use dkim_core::{LineEndings, Now, Policy, RustCrypto, VerifyingBackend};
use dkim_testkit::{Corpus, Eol, verify};

/// The backends every check runs with.
const BACKENDS: &[&dyn VerifyingBackend] = &[
    &RustCrypto,
    #[cfg(feature = "aws-lc-rs")]
    &dkim_core::AwsLcRs,
];

#[test]
fn expected_tsv_all_rows_both_policies_all_chunkings() {
    let Some(corpus) = Corpus::open("dkim-core conformance") else { return };
    let rows = corpus.expected_rows();
    let mut checks = 0;
    let mut failures = Vec::new();
    for row in &rows {
        let crlf = row.crlf();
        let zone = row.zone();
        let now = row.now_or_any();
        let runs = [(&row.expected, Policy::default(), "default"), (&row.legacy, Policy::legacy(), "legacy")]
            .into_iter()
            .flat_map(|(want, policy, name)| BACKENDS.iter().map(move |&b| (want, policy.clone().backend(b), name, b)));
        for (want, policy, policy_name, backend) in runs {
            let mut inputs = vec![(crlf.clone(), policy.clone(), "crlf")];
            if row.eol == Eol::Lf {
                inputs.push((row.raw(), policy.clone().line_endings(LineEndings::NormalizeLf), "lf-option"));
            }
            for (input, policy, how) in inputs {
                for chunk in [0, 1, 7, 64, 4096] {
                    checks += 1;
                    let got = match verify(&input, &zone, policy.clone(), Now::unix(now), chunk) {
                        Ok(results) => row.verdict_in(&results),
                        Err(e) => format!("error: {e}"),
                    };
                    if got != *want {
                        let detail = verify(&input, &zone, policy.clone(), Now::unix(now), 0)
                            .ok()
                            .and_then(|r| r.get(row.sig? - 1).and_then(|x| x.reason().map(|r| r.to_string())))
                            .unwrap_or_default();
                        failures.push(format!(
                            "{row} ({how}, chunk {chunk}, {}, {}): want {want}, got {got} [{detail}] -- {}",
                            policy_name,
                            backend.name(),
                            row.reason
                        ));
                        break;
                    }
                }
            }
        }
    }
    let backends = if BACKENDS.len() == 1 { "1 backend".to_owned() } else { format!("{} backends", BACKENDS.len()) };
    corpus.report(checks, &format!("verifications ({backends})"), rows.len());
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}
