//! Domain names: read from a master-file token or from a lookup, compared
//! label by label, and written in the stored and master-file forms.
//!
//! A [`Name`] holds its labels, not text: `a\.b.example` (two labels, the
//! first one `a.b`) and `a.b.example` (three labels) are different names
//! whatever their text looks like, and an escaped dot at the end of a label
//! can never be taken for the root dot.

use super::error::{ZoneError, ZoneErrorKind};
use super::lexer::{Token, decode_escapes, unescape};
use super::{MAX_LABEL, MAX_NAME};

/// An absolute domain name, ASCII letters in lower case, as its labels in
/// wire form: each label's length, then its bytes; the root label left out
/// (the root is empty). Any suffix that starts at a label is a name too,
/// which is how [`parent`] works.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub(super) struct Name {
    wire: Vec<u8>,
}

impl Name {
    /// The root name, `.`.
    pub(super) const ROOT: Self = Self { wire: Vec::new() };

    /// The name a master-file token stands for. An absolute name ends with
    /// an unescaped dot; `@` is `origin`; any other name is relative to
    /// `origin` (an error without one). Labels must be non-empty, at most
    /// 63 bytes and UTF-8; the name at most 253 bytes.
    pub(super) fn from_token(token: &Token<'_>, origin: Option<&Self>) -> Result<Self, ZoneError> {
        if token.quoted {
            return Err(token.error(ZoneErrorKind::Quoted));
        }
        if token.raw == "@" {
            return origin.cloned().ok_or_else(|| token.error(ZoneErrorKind::NoOrigin));
        }
        let (labels, absolute) = split_labels(unescape(token)?);
        let mut name = Self::ROOT;
        for label in &labels {
            check_label(label).map_err(|kind| token.error(kind))?;
            std::str::from_utf8(label).map_err(|_| token.error(ZoneErrorKind::NameNotUtf8))?;
            name.push(label);
        }
        if !absolute {
            let origin = origin.ok_or_else(|| token.error(ZoneErrorKind::NoOrigin))?;
            name.wire.extend_from_slice(&origin.wire);
        }
        let len = text_len(&name.wire);
        if len > MAX_NAME {
            return Err(token.error(ZoneErrorKind::NameTooLong { len }));
        }
        Ok(name)
    }

    /// A name asked for in a lookup, in presentation format (RFC 1035
    /// section 5.1): labels separated by dots, a final dot optional, `\.`
    /// (or `\046`) a dot inside a label, `\\` a backslash, `\DDD` any byte,
    /// `\X` the character X; every other character is itself, so a name
    /// without backslashes is a plain dotted name. `""` and `"."` are the
    /// root.
    ///
    /// `None` when `text` cannot be a name: a bad escape, an empty label, a
    /// label over 63 bytes or a name over 253. No zone file holds such a
    /// name.
    pub(super) fn from_lookup(text: &str) -> Option<Self> {
        if text.is_empty() {
            return Some(Self::ROOT);
        }
        let (labels, _) = split_labels(decode_escapes(text).ok()?);
        let mut name = Self::ROOT;
        for label in &labels {
            check_label(label).ok()?;
            name.push(label);
        }
        (text_len(&name.wire) <= MAX_NAME).then_some(name)
    }

    /// The labels in wire form (see [`Name`]).
    pub(super) fn wire(&self) -> &[u8] {
        &self.wire
    }

    /// The stored form, what [`ZoneFile::names`](super::ZoneFile::names)
    /// gives: the labels joined by dots, no final dot (the root is `""`),
    /// a dot or backslash inside a label escaped as `\.` and `\\`, every
    /// other byte as itself. [`from_lookup`](Self::from_lookup) reads it
    /// back as the same name.
    pub(super) fn to_text(&self) -> String {
        self.write(|c, out| match c {
            '.' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        })
    }

    /// The name written for a master file: final dot, and the characters a
    /// master file would misread escaped.
    pub(super) fn presentation(&self) -> String {
        let mut out = self.write(|c, out| match c {
            '.' | '\\' | ' ' | '"' | '(' | ')' | ';' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_ascii_control() => out.push_str(&format!("\\{:03}", u32::from(c))),
            c => out.push(c),
        });
        out.push('.');
        out
    }

    /// Appends a label (checked by the caller), in lower case.
    fn push(&mut self, label: &[u8]) {
        // At most 63 bytes: checked by `check_label` before.
        self.wire.push(u8::try_from(label.len()).unwrap_or(u8::MAX));
        self.wire.extend(label.iter().map(u8::to_ascii_lowercase));
    }

    /// The labels joined by dots, each character written by `escape`.
    /// Labels that are not UTF-8 (only a lookup can make them) are written
    /// with U+FFFD for their bad bytes.
    fn write(&self, escape: impl Fn(char, &mut String)) -> String {
        let mut out = String::with_capacity(self.wire.len());
        for (i, label) in labels(&self.wire).enumerate() {
            if i > 0 {
                out.push('.');
            }
            for c in String::from_utf8_lossy(label).chars() {
                escape(c, &mut out);
            }
        }
        out
    }
}

/// The name one label up (the root being empty); `None` for the root.
pub(super) fn parent(wire: &[u8]) -> Option<&[u8]> {
    let (&len, rest) = wire.split_first()?;
    Some(rest.get(usize::from(len)..).unwrap_or_default())
}

/// The labels of a name in wire form, first (leftmost) first.
fn labels(wire: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = wire;
    std::iter::from_fn(move || {
        let (&len, after) = rest.split_first()?;
        let (label, next) = after.split_at(usize::from(len).min(after.len()));
        rest = next;
        Some(label)
    })
}

/// Decoded bytes cut at unescaped dots, and whether the text was absolute
/// (ended with an unescaped dot). `.` alone is the root, no labels; an
/// empty text is one empty label.
fn split_labels(bytes: Vec<(u8, bool)>) -> (Vec<Vec<u8>>, bool) {
    let mut labels: Vec<Vec<u8>> = vec![Vec::new()];
    for (byte, escaped) in bytes {
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
    (labels, absolute)
}

fn check_label(label: &[u8]) -> Result<(), ZoneErrorKind> {
    match label.len() {
        0 => Err(ZoneErrorKind::EmptyLabel),
        len if len > MAX_LABEL => Err(ZoneErrorKind::LabelTooLong { len }),
        _ => Ok(()),
    }
}

/// The length of a name in text form without the final dot (the limit of
/// 253 bytes is on that length).
fn text_len(wire: &[u8]) -> usize {
    wire.len().saturating_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(text: &str) -> Option<Vec<Vec<u8>>> {
        Name::from_lookup(text).map(|name| labels(name.wire()).map(<[u8]>::to_vec).collect())
    }

    #[test]
    fn lookup_names_are_presentation_format() {
        let labels = |ls: &[&[u8]]| Some(ls.iter().map(|l| l.to_vec()).collect::<Vec<_>>());
        assert_eq!(lookup("Sel._DomainKey.Example.COM."), labels(&[b"sel", b"_domainkey", b"example", b"com"]));
        assert_eq!(lookup("sel._domainkey.example.com"), lookup("sel._domainkey.example.com."));
        assert_eq!(lookup(""), labels(&[]));
        assert_eq!(lookup("."), labels(&[]));
        // A dot inside a label, escaped or as `\046`; a backslash.
        assert_eq!(lookup("a\\.b.example"), labels(&[b"a.b", b"example"]));
        assert_eq!(lookup("a\\046b.example."), labels(&[b"a.b", b"example"]));
        assert_eq!(lookup("x\\."), labels(&[b"x."]));
        assert_eq!(lookup("x\\.."), labels(&[b"x."]));
        assert_eq!(lookup("x\\\\."), labels(&[b"x\\"]));
        assert_eq!(lookup("x\\\\"), labels(&[b"x\\"]));
        assert_eq!(lookup("x\\\\\\."), labels(&[b"x\\."]));
        // `\DDD` is any byte; letters are compared in lower case either way.
        assert_eq!(lookup("\\065\\000"), labels(&[b"a\0"]));
        assert_eq!(lookup("\\255"), labels(&[b"\xff"]));
        // Not names.
        for bad in ["a..b", ".a", "a.b..", "x\\", "x\\25", "x\\256", "x\\2y5"] {
            assert_eq!(lookup(bad), None, "{bad:?}");
        }
        assert_eq!(lookup(&"a".repeat(64)), None);
        assert!(lookup(&"a".repeat(63)).is_some());
        let long = format!("{}.{}", vec!["b".repeat(63); 3].join("."), "c".repeat(61));
        assert!(lookup(&long).is_some());
        assert_eq!(lookup(&format!("x{long}")), None);
    }

    #[test]
    fn stored_form_reads_back_as_the_same_name() {
        let names: &[&[&[u8]]] = &[
            &[],
            &[b"a"],
            &[b"x.", b"example"],
            &[b".", b"\\", b"\\.", b".\\"],
            &[b"\0\0\\\0\x7f\0\\&\\x!", b"\0\\\\."],
            &[b"caf\xc3\xa9", b"(a;b) \"c\""],
        ];
        for labels in names {
            let mut name = Name::ROOT;
            for label in *labels {
                name.push(label);
            }
            let text = name.to_text();
            assert!(!text.ends_with('.') || text.ends_with("\\."), "{text:?}");
            assert_eq!(Name::from_lookup(&text).as_ref(), Some(&name), "{text:?}");
            assert_eq!(Name::from_lookup(&format!("{text}.")).as_ref(), Some(&name), "{text:?}.");
            assert_eq!(Name::from_lookup(&text.to_ascii_uppercase()).as_ref(), Some(&name), "{text:?} in upper case");
        }
    }

    #[test]
    fn parents() {
        let name = Name::from_lookup("a\\.b.example.com").unwrap();
        let mut chain = vec![name.to_text()];
        let mut current = name.wire();
        while let Some(up) = parent(current) {
            chain.push(Name { wire: up.to_vec() }.to_text());
            current = up;
        }
        assert_eq!(chain, ["a\\.b.example.com", "example.com", "com", ""]);
    }

    #[test]
    fn presentation_escapes_what_a_master_file_would_misread() {
        let name = Name::from_lookup("a\\ b.c\\(d.e\\.f.g\\\\h.\\009").unwrap();
        assert_eq!(name.presentation(), "a\\ b.c\\(d.e\\.f.g\\\\h.\\009.");
        assert_eq!(Name::ROOT.presentation(), ".");
    }
}
