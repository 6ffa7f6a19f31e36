//! Escaping for the field: values as RFC 2045 tokens, addresses or
//! quoted-strings, the reason as a comment, `b=` as base64 (see the
//! [module documentation](super) for the rules).

use alloc::string::String;

use super::{MAX_REASON_CHARS, TSPECIALS};

/// `name=value`, the value escaped as an RFC 8601 `pvalue`.
pub(super) fn property(name: &str, value: &str) -> String {
    let mut atom = String::with_capacity(name.len() + value.len() + 3);
    atom.push_str(name);
    atom.push('=');
    write_value(&mut atom, value, true);
    atom
}

/// Writes a sanitized (printable ASCII) value: bare when it is a token (or,
/// with `address`, an RFC 8601 `[local-part] "@" domain-name`), else as a
/// quoted-string.
pub(super) fn write_value(out: &mut String, value: &str, address: bool) {
    if is_token(value) || (address && is_address(value)) {
        out.push_str(value);
        return;
    }
    out.push('"');
    for c in value.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

/// RFC 2045 `token`.
fn is_token(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(|b| b.is_ascii_graphic() && !TSPECIALS.contains(&b))
}

/// `[dot-atom-text] "@" domain-name` (RFC 5322 3.2.3, RFC 6376 3.5).
fn is_address(value: &str) -> bool {
    let Some((local, domain)) = value.rsplit_once('@') else { return false };
    let atext = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~".contains(&b);
    let local_ok = local.is_empty() || local.split('.').all(|a| !a.is_empty() && a.bytes().all(atext));
    let domain_ok = domain.split('.').all(|label| {
        let bytes = label.as_bytes();
        matches!((bytes.first(), bytes.last()), (Some(f), Some(l)) if f.is_ascii_alphanumeric() && l.is_ascii_alphanumeric())
            && bytes.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'-')
    });
    local_ok && domain_ok
}

/// Every character outside printable ASCII becomes `?`.
pub(super) fn sanitize_value(value: &str) -> String {
    value.chars().map(|c| if (' '..='~').contains(&c) { c } else { '?' }).collect()
}

/// Cuts an ASCII string to `max` characters.
pub(super) fn truncate(mut value: String, max: usize) -> String {
    value.truncate(max.min(value.len()));
    value
}

/// Whitespace and control runs become one space (none at the ends),
/// non-ASCII becomes `?`, cut to [`MAX_REASON_CHARS`] + `...`.
pub(super) fn sanitize_reason(reason: &str) -> String {
    let mut out = String::new();
    let mut space = false;
    for c in reason.chars() {
        if c.is_whitespace() || c.is_control() {
            space = !out.is_empty();
            continue;
        }
        if out.len() >= MAX_REASON_CHARS {
            out.push_str("...");
            return out;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(if c.is_ascii_graphic() { c } else { '?' });
    }
    out
}

/// Backslash before `(`, `)` and `\` (RFC 5322 `quoted-pair` in a comment).
pub(super) fn escape_comment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '(' | ')' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The base64 characters of a `b=` value.
pub(super) fn sanitize_b(b: &str) -> String {
    b.chars().filter(|&c| c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '=').collect()
}
