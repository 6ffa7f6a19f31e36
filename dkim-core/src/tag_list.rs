//! The tag=value list syntax of RFC 6376 section 3.2, shared by the
//! `DKIM-Signature` header field and the DNS key record.
//!
//! ```text
//! tag-list  =  tag-spec *( ";" tag-spec ) [ ";" ]
//! tag-spec  =  [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]
//! tag-name  =  ALPHA *ALNUMPUNC
//! tag-value =  [ tval *( 1*(WSP / FWS) tval ) ]
//! tval      =  1*VALCHAR          ; %x21-3A / %x3C-7E
//! ```
//!
//! Folding whitespace is accepted everywhere the grammar allows it and nowhere
//! else. A tag that appears twice is an error; unknown tags are kept (the
//! callers ignore them). Every error names the byte offset and, where one is
//! known, the tag.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use nom::bytes::complete::{tag, take_while, take_while1};
use nom::combinator::{opt, recognize};
use nom::multi::many0_count;
use nom::sequence::pair;
use nom::{IResult, Offset, Parser};
use wide::u8x16;

use crate::run::leading_run;

/// One `name=value` pair of a tag list.
///
/// The value is kept exactly as written, folding whitespace included (but
/// without the whitespace around it); the tag's own parser decides what the
/// whitespace inside means.
///
/// ```
/// let list = dkim_core::tag_list::TagList::parse(b"v=1; d = example.com").unwrap();
/// let d = list.get("d").unwrap();
/// assert_eq!(d.value(), b"example.com");
/// assert_eq!(d.value_offset(), 9);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tag<'a> {
    name: &'a str,
    value: &'a [u8],
    name_offset: usize,
    value_offset: usize,
}

impl<'a> Tag<'a> {
    /// The tag name, case preserved (tag names are case-sensitive).
    ///
    /// ```
    /// use dkim_core::tag_list::TagList;
    /// let list = TagList::parse(b"v=1; bh=AAAA")?;
    /// let names: Vec<&str> = list.iter().map(|t| t.name()).collect();
    /// assert_eq!(names, ["v", "bh"]);
    /// # Ok::<(), dkim_core::tag_list::TagListError>(())
    /// ```
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// The raw value, possibly empty, with inner folding whitespace kept.
    ///
    /// ```
    /// use dkim_core::tag_list::TagList;
    /// let list = TagList::parse(b"n=two  words\r\n\tfolded; p=")?;
    /// assert_eq!(list.get("n").map(|t| t.value()), Some(&b"two  words\r\n\tfolded"[..]));
    /// assert_eq!(list.get("p").map(|t| t.value()), Some(&b""[..]));
    /// # Ok::<(), dkim_core::tag_list::TagListError>(())
    /// ```
    pub fn value(&self) -> &'a [u8] {
        self.value
    }

    /// Byte offset of the tag name in the parsed input.
    ///
    /// ```
    /// use dkim_core::tag_list::TagList;
    /// let list = TagList::parse(b"v=1;  d=example.com")?;
    /// assert_eq!(list.get("d").map(|t| t.name_offset()), Some(6));
    /// # Ok::<(), dkim_core::tag_list::TagListError>(())
    /// ```
    pub fn name_offset(&self) -> usize {
        self.name_offset
    }

    /// Byte offset of the value in the parsed input.
    ///
    /// ```
    /// use dkim_core::tag_list::TagList;
    /// let input = b"v=1; d = example.com";
    /// let list = TagList::parse(input)?;
    /// let d = list.get("d").ok_or("no d=")?;
    /// assert_eq!(&input[d.value_offset()..], b"example.com");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn value_offset(&self) -> usize {
        self.value_offset
    }

    /// The value as text. Tag values are ASCII by construction (`VALCHAR`
    /// and whitespace only), so this never fails for a parsed tag.
    ///
    /// ```
    /// use dkim_core::tag_list::TagList;
    /// let list = TagList::parse(b"k=ed25519")?;
    /// assert_eq!(list.get("k").map(|t| t.value_str()), Some("ed25519"));
    /// # Ok::<(), dkim_core::tag_list::TagListError>(())
    /// ```
    pub fn value_str(&self) -> &'a str {
        // VALCHAR, WSP, CR and LF are all ASCII, so the value is valid UTF-8.
        core::str::from_utf8(self.value).unwrap_or("")
    }
}

/// A parsed tag list: the tags in the order they were written.
///
/// ```
/// use dkim_core::tag_list::TagList;
/// let list = TagList::parse(b"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=;")?;
/// assert_eq!(list.len(), 3);
/// assert_eq!(list.get("k").map(|t| t.value_str()), Some("ed25519"));
/// assert!(list.get("K").is_none()); // tag names are case-sensitive
/// # Ok::<(), dkim_core::tag_list::TagListError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TagList<'a> {
    tags: Vec<Tag<'a>>,
}

impl<'a> TagList<'a> {
    /// Parses a tag list.
    ///
    /// # Errors
    ///
    /// A [`TagListError`] naming the offset (and the tag, if known) of the
    /// first byte that does not fit the grammar, or of a duplicated tag.
    ///
    /// ```
    /// use dkim_core::tag_list::{TagList, TagListErrorKind};
    /// let err = TagList::parse(b"a=1; b=2; a=3").unwrap_err();
    /// assert_eq!(err.kind(), TagListErrorKind::DuplicateTag);
    /// assert_eq!(err.tag(), Some("a"));
    /// assert_eq!(err.offset(), 10);
    /// ```
    pub fn parse(input: &'a [u8]) -> Result<Self, TagListError> {
        Self::parse_with_limit(input, usize::MAX)
    }

    /// Parses a tag list, refusing any value longer than `max_value_len`.
    ///
    /// # Errors
    ///
    /// As [`TagList::parse`], plus [`TagListErrorKind::ValueTooLong`].
    ///
    /// ```
    /// use dkim_core::tag_list::{TagList, TagListErrorKind};
    /// assert!(TagList::parse_with_limit(b"a=1234", 4).is_ok());
    /// let Err(err) = TagList::parse_with_limit(b"a=12345", 4) else { unreachable!() };
    /// assert_eq!((err.kind(), err.tag()), (TagListErrorKind::ValueTooLong, Some("a")));
    /// ```
    pub fn parse_with_limit(input: &'a [u8], max_value_len: usize) -> Result<Self, TagListError> {
        // A DKIM-Signature has about a dozen tags: one allocation, no regrowth.
        let mut tags: Vec<Tag<'a>> = Vec::with_capacity(16);
        let mut rest = input;
        loop {
            let (after_ws, _) = fws0(rest).map_err(|_| err(input, rest, Kind::InvalidWhitespace, None))?;
            if after_ws.is_empty() {
                if tags.is_empty() || rest.len() == input.len() || ends_with_semicolon(input, rest) {
                    // Empty input, or trailing whitespace after the final ";".
                    return Ok(TagList { tags });
                }
                return Err(err(input, after_ws, Kind::ExpectedTagName, None));
            }
            rest = after_ws;
            let name_offset = input.offset(rest);
            let (after_name, name) = tag_name(rest).map_err(|_| {
                let kind = if rest.first() == Some(&b';') { Kind::EmptyTagSpec } else { Kind::ExpectedTagName };
                err(input, rest, kind, None)
            })?;
            // tag-name is ASCII by construction.
            let name = core::str::from_utf8(name).unwrap_or("");
            let (after_ws, _) =
                fws0(after_name).map_err(|_| err(input, after_name, Kind::InvalidWhitespace, Some(name)))?;
            let (after_eq, _) = tag::<_, _, nom::error::Error<&[u8]>>(&b"="[..])
                .parse(after_ws)
                .map_err(|_| err(input, after_ws, Kind::ExpectedEquals, Some(name)))?;
            let (value_start, _) =
                fws0(after_eq).map_err(|_| err(input, after_eq, Kind::InvalidWhitespace, Some(name)))?;
            let (after_value, value) =
                tag_value(value_start).map_err(|_| err(input, value_start, Kind::InvalidValue, Some(name)))?;
            if value.len() > max_value_len {
                return Err(err(input, value_start, Kind::ValueTooLong, Some(name)));
            }
            let (after_ws, _) =
                fws0(after_value).map_err(|_| err(input, after_value, Kind::InvalidWhitespace, Some(name)))?;
            if tags.iter().any(|t| same_name(t.name, name)) {
                return Err(TagListError { offset: name_offset, kind: Kind::DuplicateTag, tag: Some(name.into()) });
            }
            tags.push(Tag { name, value, name_offset, value_offset: input.offset(value_start) });
            match after_ws.split_first() {
                None => return Ok(TagList { tags }),
                Some((b';', more)) => rest = more,
                Some(_) => return Err(err(input, after_ws, Kind::InvalidValue, Some(name))),
            }
        }
    }

    /// The tag called `name` (case-sensitive), if present.
    ///
    /// ```
    /// use dkim_core::tag_list::TagList;
    /// let list = TagList::parse(b"v=1; x=unknown")?;
    /// assert_eq!(list.get("x").map(|t| t.value()), Some(&b"unknown"[..])); // unknown tags are kept
    /// assert_eq!(list.get("d"), None);
    /// # Ok::<(), dkim_core::tag_list::TagListError>(())
    /// ```
    pub fn get(&self, name: &str) -> Option<&Tag<'a>> {
        self.tags.iter().find(|t| same_name(t.name, name))
    }

    /// All tags in the order written.
    ///
    /// ```
    /// use dkim_core::tag_list::TagList;
    /// let list = TagList::parse(b"b=2; a=1")?;
    /// let pairs: Vec<(&str, &str)> = list.iter().map(|t| (t.name(), t.value_str())).collect();
    /// assert_eq!(pairs, [("b", "2"), ("a", "1")]); // in the order written
    /// # Ok::<(), dkim_core::tag_list::TagListError>(())
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = &Tag<'a>> {
        self.tags.iter()
    }

    /// Number of tags.
    ///
    /// ```
    /// use dkim_core::tag_list::TagList;
    /// assert_eq!(TagList::parse(b"a=1; b=2;")?.len(), 2);
    /// # Ok::<(), dkim_core::tag_list::TagListError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.tags.len()
    }

    /// True when the list holds no tag.
    ///
    /// ```
    /// use dkim_core::tag_list::TagList;
    /// assert!(TagList::parse(b"")?.is_empty());
    /// assert!(!TagList::parse(b"a=")?.is_empty());
    /// # Ok::<(), dkim_core::tag_list::TagListError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.tags.is_empty()
    }
}

/// Tag names are a byte or two: compared inline, not through `memcmp`.
#[inline]
fn same_name(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

fn ends_with_semicolon(input: &[u8], rest: &[u8]) -> bool {
    let consumed = input.len() - rest.len();
    consumed > 0 && input[consumed - 1] == b';'
}

type Kind = TagListErrorKind;

fn err(input: &[u8], at: &[u8], kind: Kind, tag: Option<&str>) -> TagListError {
    TagListError { offset: input.offset(at), kind, tag: tag.map(String::from) }
}

fn is_valchar(b: u8) -> bool {
    (0x21..=0x7e).contains(&b) && b != b';'
}

/// `[FWS]`: any run of WSP and CRLF-followed-by-WSP. A CRLF not followed by
/// WSP is left in place, and the caller then fails on it.
fn fws0(i: &[u8]) -> IResult<&[u8], &[u8]> {
    // Written out rather than combined from nom parsers: it runs between
    // every two tokens of every tag list, and a loop over the bytes is
    // several times cheaper than `many0(alt(...))`.
    let mut n = 0;
    loop {
        match i.get(n..) {
            Some([b' ' | b'\t', ..]) => n += 1,
            Some([b'\r', b'\n', b' ' | b'\t', ..]) => n += 3,
            _ => return Ok((&i[n..], &i[..n])),
        }
    }
}

/// `1*(WSP / FWS)`
fn fws1(i: &[u8]) -> IResult<&[u8], &[u8]> {
    let (rest, ws) = fws0(i)?;
    if ws.is_empty() {
        return Err(nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Space)));
    }
    Ok((rest, ws))
}

fn tag_name(i: &[u8]) -> IResult<&[u8], &[u8]> {
    recognize(pair(
        take_while1(|b: u8| b.is_ascii_alphabetic()),
        take_while(|b: u8| b.is_ascii_alphanumeric() || b == b'_'),
    ))
    .parse(i)
}

fn tval(i: &[u8]) -> IResult<&[u8], &[u8]> {
    let n = valchar_run(i);
    if n == 0 {
        return Err(nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::TakeWhile1)));
    }
    Ok((&i[n..], &i[..n]))
}

/// The length of the run of [`is_valchar`] bytes that starts `i` (values
/// such as `h=`, `bh=` and `b=` are long runs).
fn valchar_run(i: &[u8]) -> usize {
    let (low, high, semicolon) = (u8x16::splat(0x21), u8x16::splat(0x7e), u8x16::splat(b';'));
    // In 0x21..=0x7e (unsigned: clamping changes nothing) and not ';'.
    let valchar16 = |v: u8x16| v.max(low).simd_eq(v) & v.min(high).simd_eq(v) & !v.simd_eq(semicolon);
    leading_run(i, valchar16, is_valchar)
}

fn tag_value(i: &[u8]) -> IResult<&[u8], &[u8]> {
    recognize(opt(pair(tval, many0_count(pair(fws1, tval))))).parse(i)
}

/// Removes all folding whitespace (SP, HTAB, CR, LF) from a value, as the
/// `b=`, `bh=` and `p=` tags require before base64 decoding.
///
/// ```
/// use dkim_core::tag_list::strip_whitespace;
/// assert_eq!(strip_whitespace(b"MIIB Ij\r\n\tANBg"), b"MIIBIjANBg");
/// ```
pub fn strip_whitespace(value: &[u8]) -> Vec<u8> {
    value.iter().copied().filter(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n')).collect()
}

/// Splits a value on `sep`, trimming folding whitespace around each item.
pub(crate) fn split_trimmed(value: &[u8], sep: u8) -> impl Iterator<Item = &[u8]> {
    value.split(move |&b| b == sep).map(trim_fws)
}

/// Trims SP, HTAB, CR and LF from both ends.
pub(crate) fn trim_fws(v: &[u8]) -> &[u8] {
    let ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let start = v.iter().position(|b| !ws(b)).unwrap_or(v.len());
    let end = v.iter().rposition(|b| !ws(b)).map_or(start, |p| p + 1);
    &v[start..end]
}

/// What was wrong in a tag list.
///
/// ```
/// use dkim_core::tag_list::{TagList, TagListErrorKind};
/// let kind = |input: &[u8]| TagList::parse(input).err().map(|e| e.kind());
/// assert_eq!(kind(b"a=1;;b=2"), Some(TagListErrorKind::EmptyTagSpec));
/// assert_eq!(kind(b"a 1"), Some(TagListErrorKind::ExpectedEquals));
/// assert_eq!(kind(b"a=1; =2"), Some(TagListErrorKind::ExpectedTagName));
/// ```
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TagListErrorKind {
    /// A tag appears twice (RFC 6376 section 3.2).
    DuplicateTag,
    /// Two `;` with nothing between them.
    EmptyTagSpec,
    /// `=` expected after the tag name.
    ExpectedEquals,
    /// A tag name (a letter, then letters, digits or `_`) was expected.
    ExpectedTagName,
    /// A line break that is not folding (CRLF not followed by whitespace).
    InvalidWhitespace,
    /// A byte that may not appear in a tag value (control, 8-bit, or a
    /// stray character after the value).
    InvalidValue,
    /// The value is longer than the configured limit.
    ValueTooLong,
}

/// A tag-list syntax error: what, where (byte offset), and in which tag.
///
/// ```
/// use dkim_core::tag_list::{TagList, TagListErrorKind};
/// let Err(err) = TagList::parse(b"v=1; d=ex\x01ample.com") else { unreachable!() };
/// assert_eq!(err.kind(), TagListErrorKind::InvalidValue);
/// assert_eq!(err.tag(), Some("d"));
/// assert!(err.to_string().contains("tag d="));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagListError {
    offset: usize,
    kind: TagListErrorKind,
    tag: Option<String>,
}

impl TagListError {
    /// Byte offset in the parsed input.
    ///
    /// ```
    /// use dkim_core::tag_list::TagList;
    /// let Err(err) = TagList::parse(b"a=1; 9=2") else { unreachable!() };
    /// assert_eq!(err.offset(), 5); // where the tag name should start
    /// ```
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// What went wrong.
    ///
    /// ```
    /// use dkim_core::tag_list::{TagList, TagListErrorKind};
    /// assert_eq!(TagList::parse(b"a=1; a=1").err().map(|e| e.kind()), Some(TagListErrorKind::DuplicateTag));
    /// ```
    pub fn kind(&self) -> TagListErrorKind {
        self.kind
    }

    /// The tag being parsed, when the error is inside a tag.
    ///
    /// ```
    /// use dkim_core::tag_list::TagList;
    /// let Err(inside) = TagList::parse(b"a=1; b 2") else { unreachable!() };
    /// assert_eq!(inside.tag(), Some("b"));
    /// let Err(before) = TagList::parse(b";") else { unreachable!() };
    /// assert_eq!(before.tag(), None);
    /// ```
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }
}

impl fmt::Display for TagListError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            Kind::DuplicateTag => "tag appears more than once",
            Kind::EmptyTagSpec => "empty tag between two semicolons",
            Kind::ExpectedEquals => "expected '=' after the tag name",
            Kind::ExpectedTagName => "expected a tag name",
            Kind::InvalidWhitespace => "line break that is not folding whitespace",
            Kind::InvalidValue => "character not allowed in a tag value",
            Kind::ValueTooLong => "tag value longer than the configured limit",
        };
        match &self.tag {
            Some(t) => write!(f, "{what} (tag {t}=, byte {})", self.offset),
            None => write!(f, "{what} (byte {})", self.offset),
        }
    }
}

impl core::error::Error for TagListError {}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    proptest::proptest! {
        /// The vector scan agrees with the byte rule, boundary bytes included.
        #[test]
        fn valchar_run_matches_byte_rule(
            run in proptest::collection::vec(proptest::sample::select(&[0x21u8, b'a', 0x7e, b'='][..]), 0..70),
            tail in proptest::collection::vec(proptest::sample::select(&[0x20u8, 0x21, b';', 0x7f, 0x80, 0xff][..]), 0..20),
        ) {
            let bytes = [run, tail].concat();
            proptest::prop_assert_eq!(valchar_run(&bytes), bytes.iter().take_while(|&&b| is_valchar(b)).count());
        }
    }

    #[test]
    fn parses_simple_list() {
        let l = TagList::parse(b"v=1; a=rsa-sha256;").unwrap();
        assert_eq!(l.len(), 2);
        assert_eq!(l.get("v").unwrap().value(), b"1");
        assert_eq!(l.get("a").unwrap().value(), b"rsa-sha256");
    }

    #[test]
    fn folding_whitespace_everywhere_allowed() {
        let input = b"\r\n v\r\n\t=\r\n 1 ;\r\n b = ab\r\n cd\r\n ; c=x\r\n ";
        let l = TagList::parse(input).unwrap();
        assert_eq!(l.get("v").unwrap().value(), b"1");
        assert_eq!(l.get("b").unwrap().value(), b"ab\r\n cd");
        assert_eq!(l.get("c").unwrap().value(), b"x");
    }

    #[test]
    fn empty_values_and_input() {
        assert!(TagList::parse(b"").unwrap().is_empty());
        assert!(TagList::parse(b"  ").unwrap().is_empty());
        let l = TagList::parse(b"p=").unwrap();
        assert_eq!(l.get("p").unwrap().value(), b"");
        let l = TagList::parse(b"p=; ").unwrap();
        assert_eq!(l.get("p").unwrap().value(), b"");
    }

    #[test]
    fn case_sensitive_names() {
        let l = TagList::parse(b"V=1").unwrap();
        assert!(l.get("v").is_none());
        assert!(l.get("V").is_some());
    }

    #[test]
    fn errors_name_tag_and_offset() {
        let e = TagList::parse(b"k=rsa; t; p=abc").unwrap_err();
        assert_eq!(e.kind(), Kind::ExpectedEquals);
        assert_eq!(e.tag(), Some("t"));
        assert_eq!(e.offset(), 8);

        let e = TagList::parse(b"a=1;;b=2").unwrap_err();
        assert_eq!(e.kind(), Kind::EmptyTagSpec);
        assert_eq!(e.offset(), 4);

        let e = TagList::parse(b"1a=2").unwrap_err();
        assert_eq!(e.kind(), Kind::ExpectedTagName);
        assert_eq!(e.offset(), 0);

        let e = TagList::parse(b"a=x\r\ny").unwrap_err();
        assert_eq!(e.kind(), Kind::InvalidValue);
        assert_eq!(e.tag(), Some("a"));

        let e = TagList::parse(b"a=x\xff").unwrap_err();
        assert_eq!(e.kind(), Kind::InvalidValue);
        assert_eq!(e.offset(), 3);

        let e = TagList::parse(b"synerr").unwrap_err();
        assert_eq!(e.kind(), Kind::ExpectedEquals);
        assert!(e.to_string().contains("synerr"));
    }

    #[test]
    fn duplicate_is_error() {
        let e = TagList::parse(b"d=a; d=a").unwrap_err();
        assert_eq!(e.kind(), Kind::DuplicateTag);
        assert_eq!(e.tag(), Some("d"));
        assert_eq!(e.offset(), 5);
    }

    #[test]
    fn value_limit() {
        let e = TagList::parse_with_limit(b"a=12345", 4).unwrap_err();
        assert_eq!(e.kind(), Kind::ValueTooLong);
        assert!(TagList::parse_with_limit(b"a=1234", 4).is_ok());
    }

    #[test]
    fn trailing_whitespace_without_semicolon_is_error() {
        // Whitespace after the last value but no ";" is fine (trailing FWS of the tag-spec).
        assert!(TagList::parse(b"a=1 \r\n ").is_ok());
        // Without ";" the rest is part of the value ("=" is a VALCHAR).
        let l = TagList::parse(b"a=1 b=2").unwrap();
        assert_eq!(l.len(), 1);
        assert_eq!(l.get("a").unwrap().value(), b"1 b=2");
    }

    #[test]
    fn whitespace_helpers() {
        assert_eq!(strip_whitespace(b" a\r\n b\tc "), b"abc");
        let v: Vec<&[u8]> = split_trimmed(b" from : to\r\n :subject", b':').collect();
        assert_eq!(v, [&b"from"[..], b"to", b"subject"]);
    }

    proptest::proptest! {
        /// Formatting a tag list (with folding whitespace wherever RFC 6376
        /// 3.2 allows it, inner whitespace in values included) and parsing it
        /// gives the same tags back, in order.
        #[test]
        fn formatted_lists_parse_back(
            tags in proptest::collection::vec(
                ("[a-z][a-z0-9_]{0,5}", proptest::collection::vec("[!-:<-~]{1,8}", 0..3)),
                1..8,
            ),
            fws in proptest::collection::vec(proptest::sample::select(&["", " ", "\t", "\r\n ", " \r\n\t"][..]), 48),
            trailing_semicolon in proptest::bool::ANY,
        ) {
            // Distinct names only: duplicates are an error by design.
            let mut seen = alloc::collections::BTreeSet::new();
            let tags: Vec<(String, Vec<String>)> = tags.into_iter().filter(|(n, _)| seen.insert(n.clone())).collect();
            let mut ws = fws.iter().cycle();
            let mut text = String::new();
            let mut expected = Vec::new();
            for (i, (name, words)) in tags.iter().enumerate() {
                if i > 0 {
                    text.push(';');
                }
                text.push_str(ws.next().unwrap());
                text.push_str(name);
                text.push_str(ws.next().unwrap());
                text.push('=');
                text.push_str(ws.next().unwrap());
                let mut value = String::new();
                for (j, w) in words.iter().enumerate() {
                    if j > 0 {
                        // Inner folding whitespace must be real whitespace.
                        let sep = match *ws.next().unwrap() { "" => " ", other => other };
                        value.push_str(sep);
                    }
                    value.push_str(w);
                }
                text.push_str(&value);
                text.push_str(ws.next().unwrap());
                expected.push((name.clone(), value));
            }
            if trailing_semicolon {
                text.push(';');
                text.push_str(ws.next().unwrap());
            }
            let list = TagList::parse(text.as_bytes()).map_err(|e| proptest::test_runner::TestCaseError::fail(alloc::format!("{e} in {text:?}")))?;
            let got: Vec<(String, String)> =
                list.iter().map(|t| (t.name().to_string(), String::from_utf8_lossy(t.value()).into_owned())).collect();
            proptest::prop_assert_eq!(got, expected, "{:?}", text);
        }
    }
}
