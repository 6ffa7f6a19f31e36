//! `AuthResults` built from fuzzer strings (authserv-id; per result d, s, i,
//! a, b and a reason), read back with `dkim_testkit::auth_results` (the
//! workspace's one test parser of RFC 8601). The field must be one
//! well-formed header field:
//!
//! - ASCII only, and the only line breaks are CRLF followed by a TAB (no
//!   empty line, no line over 998 bytes);
//! - quoted strings and comments are closed, so nothing a caller passes can
//!   add a `;` or end the field: the value has as many resinfos as were
//!   pushed (one `dkim=none` when none were);
//! - each resinfo is `dkim=<verdict>` with the `header.*` properties given,
//!   their values (unquoted) equal to the inputs with non-printable
//!   characters as `?`, and `header.b` a prefix of the `b` given that tells
//!   it apart from the other results' (RFC 6008);
//! - `auth_results::authserv_id` reads back the authserv-id written, and
//!   on any bytes (`raw`) returns a value or an error, never panics; an id
//!   it returns from `raw` is a token (or was quoted) and ends where the
//!   field allows.

use arbitrary::{Arbitrary, Unstructured};
use dkim_core::auth_results::authserv_id;
use dkim_core::{AuthResults, ResInfo, Verdict};
use dkim_testkit::auth_results::{self, ParsedResInfo};

const VERDICTS: [Verdict; 7] = [
    Verdict::None,
    Verdict::Pass,
    Verdict::Fail,
    Verdict::Neutral,
    Verdict::Policy,
    Verdict::TempError,
    Verdict::PermError,
];
const FIELD_PREFIX: &str = "Authentication-Results: ";

type Setter = fn(ResInfo, &str) -> ResInfo;

#[derive(Arbitrary, Debug)]
struct Input {
    authserv_id: String,
    results: Vec<Result>,
    raw: Vec<u8>,
}

#[derive(Arbitrary, Debug)]
struct Result {
    verdict: u8,
    d: Option<String>,
    s: Option<String>,
    i: Option<String>,
    a: Option<String>,
    b: Option<String>,
    reason: Option<String>,
}

/// The property check of one input: the bytes read as an `Input` (as
/// libFuzzer's typed targets read them), skipped if they are too few.
pub fn check(data: &[u8]) {
    let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(data)) else { return };
    check_input(&input);
}

fn check_input(input: &Input) {
    let results = &input.results[..input.results.len().min(16)];
    let ar = build(&input.authserv_id, results);
    assert_eq!(ar.resinfos().len(), results.len());

    let field = ar.to_field();
    // The one Authentication-Results parser of the workspace's tests reads
    // the field as a receiver would; the library folds with CRLF TAB only.
    let parsed = auth_results::parse(&field).unwrap_or_else(|e| panic!("{e} in {field:?}"));
    assert!(!field.contains("\r\n "), "folded with a space: {field:?}");
    let value = field.strip_prefix(FIELD_PREFIX).expect("field name");
    assert_eq!(value, ar.to_value());

    let expected_id: String = sanitize(&input.authserv_id).chars().take(320).collect();
    assert_eq!(authserv_id(value.as_bytes()).as_deref(), Ok(expected_id.as_str()));
    assert_eq!(parsed.authserv_id, expected_id, "authserv-id in {field:?}");
    assert_eq!((parsed.version, parsed.comments.len()), (None, 0), "after the authserv-id in {field:?}");
    if let Ok(id) = authserv_id(&input.raw) {
        // Bare, an id is the leading token after comments and whitespace.
        assert!(!id.contains(['\r', '\n']) || input.raw.contains(&b'"'), "{:?}", input.raw);
    }

    if results.is_empty() {
        assert_eq!(parsed.resinfos.len(), 1);
        let none = &parsed.resinfos[0];
        assert_eq!((none.method.as_str(), none.result.as_str()), ("dkim", "none"));
        assert!(none.properties.is_empty() && none.comments.is_empty() && none.reason.is_none());
        return;
    }
    assert_eq!(parsed.resinfos.len(), results.len(), "resinfo count in {field:?}");
    let b_values: Vec<Option<String>> =
        results.iter().map(|r| r.b.as_deref().map(sanitize_b).filter(|b| !b.is_empty())).collect();
    let b_prefixes: Vec<Option<String>> = parsed
        .resinfos
        .iter()
        .zip(results)
        .zip(&b_values)
        .map(|((info, r), b)| check_resinfo(info, r, b.as_deref()))
        .collect();
    check_distinct_b(&b_prefixes, &b_values);
}

/// The field for `results`, each with the properties it gives.
fn build(id: &str, results: &[Result]) -> AuthResults {
    let mut ar = AuthResults::new(id);
    for r in results {
        let mut info = ResInfo::new(VERDICTS[usize::from(r.verdict) % VERDICTS.len()]);
        let setters: [(&Option<String>, Setter); 5] = [
            (&r.d, |info, v| info.domain(v)),
            (&r.s, |info, v| info.selector(v)),
            (&r.i, |info, v| info.identity(v)),
            (&r.a, |info, v| info.algorithm(v)),
            (&r.b, |info, v| info.b(v)),
        ];
        for (value, set) in setters {
            if let Some(v) = value {
                info = set(info, v);
            }
        }
        if let Some(reason) = &r.reason {
            info = info.reason(reason);
        }
        ar.push(info);
    }
    ar
}

/// Checks one resinfo against the result it was made from (`b` sanitized);
/// returns its `header.b` value.
fn check_resinfo(info: &ParsedResInfo, r: &Result, b: Option<&str>) -> Option<String> {
    let verdict = VERDICTS[usize::from(r.verdict) % VERDICTS.len()];
    assert_eq!((info.method.as_str(), info.result.as_str()), ("dkim", verdict.as_str()), "{info:?}");
    assert_eq!(info.reason, None, "reason= in {info:?}");
    for (name, given) in [("header.d", &r.d), ("header.s", &r.s), ("header.i", &r.i), ("header.a", &r.a)] {
        let expected = given.as_deref().map(sanitize).filter(|v| v.len() <= 320);
        assert_eq!(info.property(name), expected.as_deref(), "{name} in {info:?}");
    }
    let prefix = match (info.property("header.b"), b) {
        (None, None) => None,
        (Some(prefix), Some(b)) => {
            assert!(b.starts_with(prefix) && prefix.len() >= b.len().min(8), "header.b={prefix} for {b}");
            Some(prefix.to_owned())
        }
        (got, want) => panic!("header.b {got:?} for b {want:?}"),
    };
    let has_reason = r.reason.as_deref().is_some_and(|t| t.chars().any(|c| !c.is_whitespace() && !c.is_control()));
    assert_eq!(info.comments.len(), usize::from(has_reason), "comments in {info:?}");
    assert_eq!(
        info.properties.len(),
        [&r.d, &r.s, &r.i, &r.a].iter().filter(|v| v.as_deref().is_some_and(|v| v.chars().count() <= 320)).count()
            + usize::from(b.is_some())
    );
    prefix
}

/// `header.b` tells apart results whose `b` differ early enough (RFC 6008).
fn check_distinct_b(b_prefixes: &[Option<String>], b_values: &[Option<String>]) {
    for (j, pj) in b_prefixes.iter().enumerate() {
        for (k, pk) in b_prefixes.iter().enumerate() {
            let (Some(pj), Some(pk), Some(bj), Some(bk)) = (pj, pk, &b_values[j], &b_values[k]) else { continue };
            let common = bj.bytes().zip(bk.bytes()).take_while(|(x, y)| x == y).count();
            if j != k && bj != bk && common < 960 {
                assert_ne!(pj, pk, "header.b does not tell {bj} from {bk}");
            }
        }
    }
}

fn sanitize(v: &str) -> String {
    v.chars().map(|c| if (' '..='~').contains(&c) { c } else { '?' }).collect()
}

fn sanitize_b(b: &str) -> String {
    b.chars().filter(|&c| c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '=').collect()
}
