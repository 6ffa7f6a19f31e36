//! `AuthResults` built from fuzzer strings (authserv-id; per result d, s, i,
//! a, b and a reason). The field must be one well-formed header field:
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
    check_lines(&field);
    let value = field.strip_prefix(FIELD_PREFIX).expect("field name");
    assert_eq!(value, ar.to_value());
    let unfolded = value.replace("\r\n\t", "\t");
    let parts = split_top_level(&unfolded);

    let id = lex(&parts[0]);
    assert_eq!(id.len(), 1, "authserv-id {:?}", parts[0]);
    let expected_id: String = sanitize(&input.authserv_id).chars().take(320).collect();
    assert_eq!(authserv_id(value.as_bytes()).as_deref(), Ok(expected_id.as_str()));
    assert_eq!(id[0], Item::Word(expected_id));
    if let Ok(id) = authserv_id(&input.raw) {
        // Bare, an id is the leading token after comments and whitespace.
        assert!(!id.contains(['\r', '\n']) || input.raw.contains(&b'"'), "{:?}", input.raw);
    }

    let resinfos = &parts[1..];
    if results.is_empty() {
        assert_eq!(resinfos.len(), 1);
        assert_eq!(lex(&resinfos[0]), [Item::Word("dkim=none".into())]);
        return;
    }
    assert_eq!(resinfos.len(), results.len(), "resinfo count in {field:?}");
    let b_values: Vec<Option<String>> =
        results.iter().map(|r| r.b.as_deref().map(sanitize_b).filter(|b| !b.is_empty())).collect();
    let b_prefixes: Vec<Option<String>> = resinfos
        .iter()
        .zip(results)
        .zip(&b_values)
        .map(|((part, r), b)| check_resinfo(part, r, b.as_deref()))
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
fn check_resinfo(part: &str, r: &Result, b: Option<&str>) -> Option<String> {
    let items = lex(part);
    let mut words = items.iter().filter_map(|i| match i {
        Item::Word(w) => Some(w.as_str()),
        Item::Comment(_) => None,
    });
    let verdict = VERDICTS[usize::from(r.verdict) % VERDICTS.len()];
    assert_eq!(words.next(), Some(format!("dkim={}", verdict.as_str()).as_str()), "{part:?}");
    let properties: Vec<(&str, &str)> =
        words.map(|w| w.split_once('=').unwrap_or_else(|| panic!("not a property: {w:?}"))).collect();
    let property = |name: &str| properties.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
    for (name, given) in [("header.d", &r.d), ("header.s", &r.s), ("header.i", &r.i), ("header.a", &r.a)] {
        let expected = given.as_deref().map(sanitize).filter(|v| v.len() <= 320);
        assert_eq!(property(name), expected.as_deref(), "{name} in {part:?}");
    }
    let prefix = match (property("header.b"), b) {
        (None, None) => None,
        (Some(prefix), Some(b)) => {
            assert!(b.starts_with(prefix) && prefix.len() >= b.len().min(8), "header.b={prefix} for {b}");
            Some(prefix.to_owned())
        }
        (got, want) => panic!("header.b {got:?} for b {want:?}"),
    };
    let comments = items.iter().filter(|i| matches!(i, Item::Comment(_))).count();
    let has_reason = r.reason.as_deref().is_some_and(|t| t.chars().any(|c| !c.is_whitespace() && !c.is_control()));
    assert_eq!(comments, usize::from(has_reason), "comments in {part:?}");
    assert_eq!(
        properties.len(),
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

/// ASCII; CR only in CRLF TAB; no blank or overlong line.
fn check_lines(field: &str) {
    let bytes = field.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        assert!(b == b'\r' || b == b'\n' || b == b'\t' || (0x20..0x7f).contains(&b), "byte {b:#x} in {field:?}");
        match b {
            b'\r' => assert_eq!(bytes.get(i + 1..i + 3), Some(&b"\n\t"[..]), "bare CR in {field:?}"),
            b'\n' => assert_eq!(bytes.get(i.wrapping_sub(1)), Some(&b'\r'), "bare LF in {field:?}"),
            _ => {}
        }
    }
    for line in field.split("\r\n") {
        assert!(!line.trim().is_empty(), "blank line in {field:?}");
        assert!(line.len() <= 998, "line of {} bytes in {field:?}", line.len());
    }
}

/// The value cut at every `;` outside quoted strings and comments; those
/// must all be closed at the end.
fn split_top_level(value: &str) -> Vec<String> {
    let (mut parts, mut current) = (Vec::new(), String::new());
    let (mut quoted, mut depth, mut escaped) = (false, 0usize, false);
    for c in value.chars() {
        if escaped {
            escaped = false;
        } else if c == '\\' && (quoted || depth > 0) {
            escaped = true;
        } else if quoted {
            quoted = c != '"';
        } else if c == '(' {
            depth += 1;
        } else if c == ')' {
            assert!(depth > 0, "unbalanced ')' in {value:?}");
            depth -= 1;
        } else if depth == 0 && c == '"' {
            quoted = true;
        } else if depth == 0 && c == ';' {
            parts.push(std::mem::take(&mut current));
            continue;
        }
        current.push(c);
    }
    assert!(!quoted && depth == 0 && !escaped, "unclosed quote or comment in {value:?}");
    parts.push(current);
    parts
}

#[derive(Debug, PartialEq, Eq)]
enum Item {
    /// A word with its quoted strings decoded.
    Word(String),
    /// A comment's text, decoded.
    Comment(String),
}

/// Words and comments of one part (already known to be balanced).
fn lex(part: &str) -> Vec<Item> {
    let mut items = Vec::new();
    let mut chars = part.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c == ' ' || c == '\t' {
            chars.next();
        } else if c == '(' {
            chars.next();
            let (mut text, mut depth) = (String::new(), 1);
            while let Some(c) = chars.next() {
                match c {
                    '\\' => text.extend(chars.next()),
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    c => text.push(c),
                }
            }
            items.push(Item::Comment(text));
        } else {
            let mut word = String::new();
            while let Some(&c) = chars.peek() {
                if c == ' ' || c == '\t' || c == '(' {
                    break;
                }
                chars.next();
                if c == '"' {
                    while let Some(c) = chars.next() {
                        match c {
                            '\\' => word.extend(chars.next()),
                            '"' => break,
                            c => word.push(c),
                        }
                    }
                } else {
                    word.push(c);
                }
            }
            items.push(Item::Word(word));
        }
    }
    items
}
