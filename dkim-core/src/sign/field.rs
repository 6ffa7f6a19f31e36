//! The generated `DKIM-Signature` field: its tags and their layout.

use alloc::string::String;
use alloc::vec::Vec;

use super::{Expiration, Signer, Timestamp};
use crate::crypto::SigningKey;

/// Folding width of the generated field.
const LINE_WIDTH: usize = 75;

impl<K: SigningKey> Signer<K> {
    /// The tags in output order (alphabetical; `b=` is added last).
    pub(super) fn tags(&self, names: &[String], bh: &str, body_len: u64) -> Vec<(&'static str, String)> {
        let mut t: Vec<(&'static str, String)> = Vec::new();
        t.push(("a", self.key.algorithm().as_str().into()));
        t.push(("bh", bh.into()));
        t.push(("c", alloc::format!("{}", self.canonicalization)));
        t.push(("d", self.domain.clone()));
        t.push(("h", names.join(":")));
        if let Some(i) = &self.identity {
            t.push(("i", encode_qp(i)));
        }
        if self.body_length {
            t.push(("l", alloc::format!("{body_len}")));
        }
        t.push(("s", self.selector.clone()));
        let timestamp = match self.timestamp {
            Timestamp::At(ts) => Some(ts),
            Timestamp::Unset | Timestamp::Omitted => None,
        };
        if let Some(ts) = timestamp {
            t.push(("t", alloc::format!("{ts}")));
        }
        t.push(("v", "1".into()));
        match (self.expiration, timestamp) {
            (Some(Expiration::At(x)), _) => t.push(("x", alloc::format!("{x}"))),
            (Some(Expiration::After(d)), Some(ts)) => t.push(("x", alloc::format!("{}", ts.saturating_add(d)))),
            _ => {}
        }
        t
    }
}

/// dkim-quoted-printable for `i=`: bytes outside `!`..`~`, `;` and `=`
/// become `=XX`.
fn encode_qp(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if (0x21..0x7f).contains(&b) && b != b';' && b != b'=' {
            out.push(b as char);
        } else {
            out.push_str(&alloc::format!("={b:02X}"));
        }
    }
    out
}

/// Formats the field deterministically: tags in the given order, packed
/// greedily into lines of at most 75 characters (a tag too long for one
/// line gets a line of its own; `h=` is folded after colons), then
/// `b=` on its own line(s), split every 75 characters. With `b` = `None`
/// the field ends with an empty `b=` (the form that is hashed).
pub(super) fn format_field(tags: &[(&'static str, String)], b: Option<&str>) -> String {
    format_named("DKIM-Signature", tags, b)
}

/// [`format_field`] for a field of another name (the ARC fields).
pub(crate) fn format_named(name: &str, tags: &[(&'static str, String)], b: Option<&str>) -> String {
    // Column counting follows go-msgauth, so its signing vectors reproduce
    // byte for byte: the field name is not counted, the first tag starts
    // the count without its leading space.
    let mut out = String::from(name);
    out.push(':');
    let mut line_len = 0;
    for (i, (name, value)) in tags.iter().enumerate() {
        let piece_len = 1 + name.len() + 1 + value.len() + 1;
        if i > 0 && line_len + piece_len > LINE_WIDTH {
            out.push_str("\r\n");
            line_len = 0;
        }
        out.push(' ');
        out.push_str(name);
        out.push('=');
        line_len += usize::from(i > 0) + name.len() + 1;
        if *name == "h" && line_len + value.len() + 1 > LINE_WIDTH {
            for (j, part) in value.split(':').enumerate() {
                if j > 0 {
                    out.push(':');
                    line_len += 1;
                    if line_len + part.len() + 1 > LINE_WIDTH {
                        out.push_str("\r\n ");
                        line_len = 1;
                    }
                }
                out.push_str(part);
                line_len += part.len();
            }
        } else {
            out.push_str(value);
            line_len += value.len();
        }
        out.push(';');
        line_len += 1;
    }
    out.push_str("\r\n");
    let b_line = alloc::format!(" b={}", b.unwrap_or(""));
    let bytes = b_line.as_bytes();
    for (i, chunk) in bytes.chunks(LINE_WIDTH).enumerate() {
        if i > 0 {
            out.push_str("\r\n ");
        }
        // Base64 and the prefix are ASCII, so every chunk is valid UTF-8.
        out.push_str(core::str::from_utf8(chunk).unwrap_or_default());
    }
    if b.is_some() {
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_is_bounded() {
        let tags = alloc::vec![("a", String::from("rsa-sha256")), ("h", ["From"; 40].join(":"))];
        let f = format_field(&tags, Some(&"A".repeat(344)));
        for line in f.split("\r\n") {
            assert!(line.len() <= 76, "{line}");
        }
        assert!(f.ends_with("\r\n"));
    }

    #[test]
    fn qp_identity() {
        assert_eq!(encode_qp("a;b=c@d.com"), "a=3Bb=3Dc@d.com");
    }
}
