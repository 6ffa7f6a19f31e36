//! Domain names: from a master-file token to the stored form, and back to
//! master-file (presentation) form.

use super::error::{ZoneError, ZoneErrorKind};
use super::lexer::{Token, unescape};
use super::{MAX_LABEL, MAX_NAME};

/// A domain name in stored form: lower case, absolute, no final dot, `.`
/// and `\` inside labels escaped. Relative names are completed with
/// `origin` (itself in stored form; `""` is the root).
pub(super) fn domain_name(token: &Token<'_>, origin: Option<&str>) -> Result<String, ZoneError> {
    if token.quoted {
        return Err(token.error(ZoneErrorKind::Quoted));
    }
    if token.raw == "@" {
        return origin.map(str::to_owned).ok_or_else(|| token.error(ZoneErrorKind::NoOrigin));
    }
    let mut labels: Vec<Vec<u8>> = vec![Vec::new()];
    for (byte, escaped) in unescape(token)? {
        match labels.last_mut() {
            Some(label) if escaped || byte != b'.' => label.push(byte),
            _ => labels.push(Vec::new()),
        }
    }
    let absolute = labels.len() > 1 && labels.last().is_some_and(Vec::is_empty);
    if absolute {
        labels.pop();
        if labels.len() == 1 && labels.first().is_some_and(Vec::is_empty) {
            labels.clear(); // "." is the root
        }
    }
    let mut name = String::new();
    for label in labels {
        if label.is_empty() {
            return Err(token.error(ZoneErrorKind::EmptyLabel));
        }
        if label.len() > MAX_LABEL {
            return Err(token.error(ZoneErrorKind::LabelTooLong { len: label.len() }));
        }
        let label = String::from_utf8(label).map_err(|_| token.error(ZoneErrorKind::NameNotUtf8))?;
        if !name.is_empty() {
            name.push('.');
        }
        for c in label.chars() {
            if c == '.' || c == '\\' {
                name.push('\\');
            }
            name.push(c.to_ascii_lowercase());
        }
    }
    if !absolute {
        let origin = origin.ok_or_else(|| token.error(ZoneErrorKind::NoOrigin))?;
        if !origin.is_empty() {
            name.push('.');
            name.push_str(origin);
        }
    }
    let len = name_len(&name);
    if len > MAX_NAME {
        return Err(token.error(ZoneErrorKind::NameTooLong { len }));
    }
    Ok(name)
}

/// The length of a stored name once unescaped.
fn name_len(name: &str) -> usize {
    let mut len = 0;
    let mut escaped = false;
    for b in name.bytes() {
        if b == b'\\' && !escaped {
            escaped = true;
        } else {
            escaped = false;
            len += 1;
        }
    }
    len
}

/// The name one label up, `""` being the root; `None` for the root.
pub(super) fn parent(name: &str) -> Option<&str> {
    if name.is_empty() {
        return None;
    }
    let bytes = name.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' => i += 2,
            // `.` is ASCII, so `i + 1` is a character boundary.
            b'.' => return Some(&name[i + 1..]),
            _ => i += 1,
        }
    }
    Some("")
}

/// A stored name written for a master file: final dot, and the characters
/// a master file would misread escaped.
pub(super) fn presentation(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 1);
    for c in name.chars() {
        match c {
            ' ' | '"' | '(' | ')' | ';' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_ascii_control() => out.push_str(&format!("\\{:03}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('.');
    out
}
