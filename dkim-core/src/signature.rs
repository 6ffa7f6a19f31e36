//! The `DKIM-Signature` header field (RFC 6376 section 3.5) and the checks
//! of section 6.1.1 that need nothing but the field itself.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;
use core::ops::Range;

use base64ct::{Base64, Encoding};

use crate::canon::Canonicalization;
use crate::crypto::Algorithm;
use crate::policy::Limits;
use crate::tag_list::{self, TagList, TagListError};

/// A parsed, syntactically valid `DKIM-Signature`.
///
/// ```
/// use dkim_core::{Signature, Limits, Algorithm};
/// let value = b" v=1; a=rsa-sha256; d=example.com; s=sel;\r\n h=from:to; bh=AAAA; b=BBBB";
/// let sig = Signature::parse(value, &Limits::default()).unwrap();
/// assert_eq!(sig.algorithm(), Algorithm::RsaSha256);
/// assert_eq!(sig.domain(), "example.com");
/// assert_eq!(sig.identity(), "@example.com");
/// assert!(sig.signed_headers().iter().eq(["from", "to"]));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    algorithm: Algorithm,
    signature: Vec<u8>,
    body_hash: Vec<u8>,
    canonicalization: Canonicalization,
    /// `d=` after an `@`: the identity when `i=` is absent.
    at_domain: String,
    signed_headers: HeaderNames,
    /// `i=`, decoded, when given.
    identity: Option<String>,
    body_length: Option<u64>,
    selector: String,
    timestamp: Option<u64>,
    expiration: Option<u64>,
    copied_headers: Vec<Vec<u8>>,
    b_span: Range<usize>,
}

impl Signature {
    /// Parses and checks a `DKIM-Signature` field value (everything after
    /// the colon).
    ///
    /// # Errors
    ///
    /// [`SignatureError`] naming the offending tag.
    ///
    /// ```
    /// use dkim_core::{Limits, Signature, SignatureError};
    /// let value = b" v=1; a=rsa-sha256; d=example.com; s=sel;\r\n\th=from:to; bh=AAAA; b=BBBB"; // folded
    /// let sig = Signature::parse(value, &Limits::default())?;
    /// assert_eq!(sig.key_name(), "sel._domainkey.example.com");
    /// let no_from = b"v=1; a=rsa-sha256; d=example.com; s=sel; h=to; bh=AAAA; b=BBBB";
    /// assert_eq!(Signature::parse(no_from, &Limits::default()), Err(SignatureError::FromNotSigned));
    /// # Ok::<(), SignatureError>(())
    /// ```
    pub fn parse(value: &[u8], limits: &Limits) -> Result<Self, SignatureError> {
        let tags = TagList::parse_with_limit(value, limits.max_tag_value_bytes).map_err(SignatureError::TagList)?;
        Self::from_tags(&tags, value, limits)
    }

    pub(crate) fn from_tags(tags: &TagList<'_>, value: &[u8], limits: &Limits) -> Result<Self, SignatureError> {
        Self::from_tags_of(tags, value, limits, false)
    }

    /// An `ARC-Message-Signature` (RFC 8617 section 4.1.2): the tags of a
    /// `DKIM-Signature` without `v=`, and `i=` is the instance (read by the
    /// caller), not an identity.
    pub(crate) fn from_ams_tags(tags: &TagList<'_>, value: &[u8], limits: &Limits) -> Result<Self, SignatureError> {
        Self::from_tags_of(tags, value, limits, true)
    }

    fn from_tags_of(tags: &TagList<'_>, value: &[u8], limits: &Limits, ams: bool) -> Result<Self, SignatureError> {
        let req = |name: &'static str| tags.get(name).ok_or(SignatureError::MissingTag(name));
        // Version first: a draft signature without v=1 is reported as such.
        if !ams {
            let v = req("v")?;
            if v.value() != b"1" {
                return Err(SignatureError::UnsupportedVersion(v.value_str().into()));
            }
        }
        let a = req("a")?;
        let algorithm = Algorithm::parse(a.value_str())
            .ok_or_else(|| SignatureError::UnsupportedAlgorithm(a.value_str().into()))?;
        let b = req("b")?;
        let signature = decode_base64(b.value(), "b")?;
        let b_end =
            value[b.value_offset()..].iter().position(|&c| c == b';').map_or(value.len(), |p| b.value_offset() + p);
        let b_span = b.value_offset()..b_end;
        let body_hash = decode_base64(req("bh")?.value(), "bh")?;
        let canonicalization = match tags.get("c") {
            None => Canonicalization::default(),
            Some(c) => Canonicalization::parse(c.value_str())
                .ok_or_else(|| SignatureError::UnsupportedCanonicalization(c.value_str().into()))?,
        };
        let domain = name_tag(req("d")?, "d", SignatureError::InvalidDomain)?;
        let selector = name_tag(req("s")?, "s", SignatureError::InvalidSelector)?;
        let signed_headers = signed_headers(req("h")?.value(), limits)?;
        let identity = match ams {
            true => None,
            false => tags.get("i").map(|i| identity(i.value(), i.value_str(), domain)).transpose()?,
        };
        let body_length = match tags.get("l") {
            None => None,
            Some(l) => Some(parse_number(l.value(), "l", 76)?),
        };
        if let Some(q) = tags.get("q") {
            let known = tag_list::split_trimmed(q.value(), b':').any(|m| m.eq_ignore_ascii_case(b"dns/txt"));
            if !known {
                return Err(SignatureError::UnsupportedQueryMethod(q.value_str().into()));
            }
        }
        let timestamp = tags.get("t").map(|t| parse_number(t.value(), "t", 20)).transpose()?;
        let expiration = tags.get("x").map(|x| parse_number(x.value(), "x", 20)).transpose()?;
        if let (Some(t), Some(x)) = (timestamp, expiration)
            && x < t
        {
            return Err(SignatureError::ExpirationBeforeTimestamp { timestamp: t, expiration: x });
        }
        let copied_headers = match tags.get("z") {
            None => Vec::new(),
            Some(z) => tag_list::strip_whitespace(z.value())
                .split(|&c| c == b'|')
                .map(|part| decode_qp(part).ok_or(SignatureError::InvalidCopiedHeaders))
                .collect::<Result<Vec<_>, _>>()?,
        };
        Ok(Self {
            algorithm,
            signature,
            body_hash,
            canonicalization,
            at_domain: ["@", domain].concat(),
            signed_headers,
            identity,
            body_length,
            selector: selector.into(),
            timestamp,
            expiration,
            copied_headers,
            b_span,
        })
    }

    /// `a=`
    ///
    /// ```
    /// use dkim_core::{Algorithm, Limits, Signature};
    /// let value = b"v=1; a=ed25519-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA";
    /// assert_eq!(Signature::parse(value, &Limits::default())?.algorithm(), Algorithm::Ed25519Sha256);
    /// # Ok::<(), dkim_core::SignatureError>(())
    /// ```
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// `b=`, decoded.
    ///
    /// ```
    /// use dkim_core::{Limits, Signature};
    /// let value = b"v=1; a=ed25519-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AQID\r\n BA==";
    /// assert_eq!(Signature::parse(value, &Limits::default())?.signature(), [1, 2, 3, 4]); // folding removed
    /// # Ok::<(), dkim_core::SignatureError>(())
    /// ```
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// `bh=`, decoded.
    ///
    /// ```
    /// use dkim_core::{Limits, Signature};
    /// let value = b"v=1; a=ed25519-sha256; d=example.com; s=sel; h=from; bh=AQID; b=AAAA";
    /// assert_eq!(Signature::parse(value, &Limits::default())?.body_hash(), [1, 2, 3]);
    /// # Ok::<(), dkim_core::SignatureError>(())
    /// ```
    pub fn body_hash(&self) -> &[u8] {
        &self.body_hash
    }

    /// `c=` (`simple/simple` when absent).
    ///
    /// ```
    /// use dkim_core::{Canonicalization, CanonicalizationAlgorithm::*, Limits, Signature};
    /// let value = b"v=1; a=ed25519-sha256; c=relaxed; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA";
    /// let sig = Signature::parse(value, &Limits::default())?;
    /// assert_eq!(sig.canonicalization(), Canonicalization::new(Relaxed, Simple)); // the body defaults to simple
    /// let value = b"v=1; a=ed25519-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA";
    /// assert_eq!(Signature::parse(value, &Limits::default())?.canonicalization(), Canonicalization::SIMPLE);
    /// # Ok::<(), dkim_core::SignatureError>(())
    /// ```
    pub fn canonicalization(&self) -> Canonicalization {
        self.canonicalization
    }

    /// `d=`, as written.
    ///
    /// ```
    /// use dkim_core::{Limits, Signature};
    /// let value = b"v=1; a=ed25519-sha256; d=Example.COM; s=sel; h=from; bh=AAAA; b=AAAA";
    /// assert_eq!(Signature::parse(value, &Limits::default())?.domain(), "Example.COM"); // as written
    /// # Ok::<(), dkim_core::SignatureError>(())
    /// ```
    pub fn domain(&self) -> &str {
        &self.at_domain[1..]
    }

    /// `h=`, names as written, in order.
    ///
    /// ```
    /// use dkim_core::{Limits, Signature};
    /// let value = b"v=1; a=ed25519-sha256; d=example.com; s=sel; h=From:Subject:From; bh=AAAA; b=AAAA";
    /// let sig = Signature::parse(value, &Limits::default())?;
    /// assert!(sig.signed_headers().iter().eq(["From", "Subject", "From"]));
    /// # Ok::<(), dkim_core::SignatureError>(())
    /// ```
    pub fn signed_headers(&self) -> &HeaderNames {
        &self.signed_headers
    }

    /// `i=` decoded from dkim-quoted-printable, or `@` + `d=` when absent.
    ///
    /// ```
    /// use dkim_core::{Limits, Signature};
    /// let value = b"v=1; a=ed25519-sha256; d=example.com; s=sel; h=from; i=joe=40x@mail.example.com; bh=AAAA; b=AAAA";
    /// assert_eq!(Signature::parse(value, &Limits::default())?.identity(), "joe@x@mail.example.com"); // =40 decoded
    /// let value = b"v=1; a=ed25519-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA";
    /// assert_eq!(Signature::parse(value, &Limits::default())?.identity(), "@example.com"); // no i=
    /// # Ok::<(), dkim_core::SignatureError>(())
    /// ```
    pub fn identity(&self) -> &str {
        self.identity.as_deref().unwrap_or(&self.at_domain)
    }

    /// Whether `i=` was present.
    ///
    /// ```
    /// use dkim_core::{Limits, Signature};
    /// let value = b"v=1; a=ed25519-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA";
    /// let sig = Signature::parse(value, &Limits::default())?;
    /// assert!(!sig.has_identity_tag());
    /// assert_eq!(sig.identity(), "@example.com");
    /// # Ok::<(), dkim_core::SignatureError>(())
    /// ```
    pub fn has_identity_tag(&self) -> bool {
        self.identity.is_some()
    }

    /// The domain part of the identity.
    ///
    /// ```
    /// use dkim_core::{Limits, Signature};
    /// let value = b"v=1; a=ed25519-sha256; d=example.com; s=sel; h=from; i=joe@mail.example.com; bh=AAAA; b=AAAA";
    /// assert_eq!(Signature::parse(value, &Limits::default())?.identity_domain(), "mail.example.com");
    /// # Ok::<(), dkim_core::SignatureError>(())
    /// ```
    pub fn identity_domain(&self) -> &str {
        self.identity().rsplit_once('@').map_or("", |(_, d)| d)
    }

    /// `l=` (saturated at `u64::MAX`).
    ///
    /// ```
    /// use dkim_core::{Limits, Signature};
    /// let value = b"v=1; a=ed25519-sha256; d=example.com; s=sel; h=from; l=42; bh=AAAA; b=AAAA";
    /// assert_eq!(Signature::parse(value, &Limits::default())?.body_length(), Some(42));
    /// # Ok::<(), dkim_core::SignatureError>(())
    /// ```
    pub fn body_length(&self) -> Option<u64> {
        self.body_length
    }

    /// `s=`
    ///
    /// ```
    /// use dkim_core::{Limits, Signature};
    /// let value = b"v=1; a=ed25519-sha256; d=example.com; s=2026.mail; h=from; bh=AAAA; b=AAAA";
    /// assert_eq!(Signature::parse(value, &Limits::default())?.selector(), "2026.mail");
    /// # Ok::<(), dkim_core::SignatureError>(())
    /// ```
    pub fn selector(&self) -> &str {
        &self.selector
    }

    /// `t=`
    ///
    /// ```
    /// use dkim_core::{Limits, Signature};
    /// let value = b"v=1; a=ed25519-sha256; d=example.com; s=sel; h=from; t=1700000000; bh=AAAA; b=AAAA";
    /// assert_eq!(Signature::parse(value, &Limits::default())?.timestamp(), Some(1_700_000_000));
    /// # Ok::<(), dkim_core::SignatureError>(())
    /// ```
    pub fn timestamp(&self) -> Option<u64> {
        self.timestamp
    }

    /// `x=`
    ///
    /// ```
    /// use dkim_core::{Limits, Signature, SignatureError};
    /// let value = b"v=1; a=ed25519-sha256; d=example.com; s=sel; h=from; t=100; x=200; bh=AAAA; b=AAAA";
    /// assert_eq!(Signature::parse(value, &Limits::default())?.expiration(), Some(200));
    /// let backwards = b"v=1; a=ed25519-sha256; d=example.com; s=sel; h=from; t=200; x=100; bh=AAAA; b=AAAA";
    /// let err = Signature::parse(backwards, &Limits::default());
    /// assert_eq!(err, Err(SignatureError::ExpirationBeforeTimestamp { timestamp: 200, expiration: 100 }));
    /// # Ok::<(), SignatureError>(())
    /// ```
    pub fn expiration(&self) -> Option<u64> {
        self.expiration
    }

    /// `z=`, each copied field decoded.
    ///
    /// ```
    /// use dkim_core::{Limits, Signature};
    /// let value = b"v=1; a=ed25519-sha256; d=example.com; s=sel; h=from;\r\n\
    ///               \tz=From:joe@example.com|Subject:hi=20there; bh=AAAA; b=AAAA";
    /// let sig = Signature::parse(value, &Limits::default())?;
    /// assert_eq!(sig.copied_headers(), [b"From:joe@example.com".to_vec(), b"Subject:hi there".to_vec()]);
    /// # Ok::<(), dkim_core::SignatureError>(())
    /// ```
    pub fn copied_headers(&self) -> &[Vec<u8>] {
        &self.copied_headers
    }

    /// The DNS name of the key: `selector._domainkey.domain`.
    ///
    /// ```
    /// use dkim_core::{Limits, Signature};
    /// let value = b"v=1; a=ed25519-sha256; d=Example.COM; s=Sel; h=from; bh=AAAA; b=AAAA";
    /// assert_eq!(Signature::parse(value, &Limits::default())?.key_name(), "sel._domainkey.example.com");
    /// # Ok::<(), dkim_core::SignatureError>(())
    /// ```
    pub fn key_name(&self) -> String {
        key_name(&self.selector, self.domain())
    }

    /// Byte range of the `b=` value in the field value, up to the next `;`
    /// (the part deleted before hashing).
    pub(crate) fn b_span(&self) -> Range<usize> {
        self.b_span.clone()
    }
}

/// `selector._domainkey.domain`, lower-cased.
pub(crate) fn key_name(selector: &str, domain: &str) -> String {
    let mut n = String::with_capacity(selector.len() + domain.len() + 12);
    n.push_str(selector);
    n.push_str("._domainkey.");
    n.push_str(domain);
    n.make_ascii_lowercase();
    n
}

/// The `h=` list of a signature: header field names as written, in order
/// (repeats and names of absent fields included).
///
/// Held as one string, the names joined by `:`, so that parsing a signature
/// costs one allocation for the list rather than one per name.
///
/// ```
/// use dkim_core::{Limits, Signature};
/// let value = b"v=1; a=ed25519-sha256; d=example.com; s=sel; h=From : to:Subject:from; bh=AAAA; b=BBBB";
/// let sig = Signature::parse(value, &Limits::default()).unwrap();
/// let h = sig.signed_headers();
/// assert_eq!(h.len(), 4);
/// assert!(h.iter().eq(["From", "to", "Subject", "from"]));
/// assert!(h.contains("TO"));
/// assert_eq!(h.as_str(), "From:to:Subject:from");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderNames {
    /// The names joined by `:` (a name never holds a colon or whitespace).
    joined: String,
    len: usize,
}

impl HeaderNames {
    /// The names, in order.
    ///
    /// ```
    /// use dkim_core::{Limits, Signature};
    /// let value = b"v=1; a=ed25519-sha256; d=example.com; s=sel; h=from:to:from; bh=AAAA; b=AAAA";
    /// let sig = Signature::parse(value, &Limits::default())?;
    /// let names: Vec<&str> = sig.signed_headers().iter().collect();
    /// assert_eq!(names, ["from", "to", "from"]);
    /// # Ok::<(), dkim_core::SignatureError>(())
    /// ```
    pub fn iter(&self) -> HeaderNamesIter<'_> {
        // Never empty (a parsed `h=` lists From).
        HeaderNamesIter { rest: (self.len > 0).then_some(self.joined.as_str()) }
    }

    /// How many names (repeats counted).
    ///
    /// ```
    /// use dkim_core::{Limits, Signature};
    /// let value = b"v=1; a=ed25519-sha256; d=example.com; s=sel; h=from:to:from; bh=AAAA; b=AAAA";
    /// assert_eq!(Signature::parse(value, &Limits::default())?.signed_headers().len(), 3); // repeats counted
    /// # Ok::<(), dkim_core::SignatureError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when the list has no name: never, since a parsed `h=` holds at
    /// least From.
    ///
    /// ```
    /// use dkim_core::{Limits, Signature};
    /// let value = b"v=1; a=ed25519-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA";
    /// assert!(!Signature::parse(value, &Limits::default())?.signed_headers().is_empty());
    /// # Ok::<(), dkim_core::SignatureError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether `name` is listed, compared without regard to ASCII case.
    ///
    /// ```
    /// use dkim_core::{Limits, Signature};
    /// let value = b"v=1; a=ed25519-sha256; d=example.com; s=sel; h=From:Subject; bh=AAAA; b=AAAA";
    /// let sig = Signature::parse(value, &Limits::default())?;
    /// assert!(sig.signed_headers().contains("subject"));
    /// assert!(!sig.signed_headers().contains("To"));
    /// # Ok::<(), dkim_core::SignatureError>(())
    /// ```
    pub fn contains(&self, name: &str) -> bool {
        self.iter().any(|n| n.eq_ignore_ascii_case(name))
    }

    /// The names joined by `:`, as a normalized `h=` value.
    ///
    /// ```
    /// use dkim_core::{Limits, Signature};
    /// let value = b"v=1; a=ed25519-sha256; d=example.com; s=sel; h=From : Subject:\r\n To; bh=AAAA; b=AAAA";
    /// assert_eq!(Signature::parse(value, &Limits::default())?.signed_headers().as_str(), "From:Subject:To");
    /// # Ok::<(), dkim_core::SignatureError>(())
    /// ```
    pub fn as_str(&self) -> &str {
        &self.joined
    }
}

/// The names of a [`HeaderNames`], in order.
///
/// ```
/// use dkim_core::{HeaderNamesIter, Limits, Signature};
/// let value = b"v=1; a=ed25519-sha256; d=example.com; s=sel; h=from:to; bh=AAAA; b=AAAA";
/// let sig = Signature::parse(value, &Limits::default())?;
/// let mut names: HeaderNamesIter<'_> = sig.signed_headers().iter();
/// assert_eq!((names.next(), names.next(), names.next()), (Some("from"), Some("to"), None));
/// # Ok::<(), dkim_core::SignatureError>(())
/// ```
#[derive(Clone, Debug)]
pub struct HeaderNamesIter<'a> {
    /// The names not yet yielded, joined by `:`; `None` when done.
    rest: Option<&'a str>,
}

impl<'a> Iterator for HeaderNamesIter<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest?;
        // Names are short: a byte loop, not a memchr search per name.
        match rest.bytes().position(|b| b == b':') {
            Some(p) => {
                self.rest = rest.get(p + 1..);
                rest.get(..p)
            }
            None => {
                self.rest = None;
                Some(rest)
            }
        }
    }
}

impl<'a> IntoIterator for &'a HeaderNames {
    type Item = &'a str;
    type IntoIter = HeaderNamesIter<'a>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Base64 with folding whitespace, as in `b=`; `None` when invalid or empty.
pub(crate) fn decode_b64(value: &[u8]) -> Option<Vec<u8>> {
    decode_base64(value, "b").ok()
}

fn decode_base64(value: &[u8], tag: &'static str) -> Result<Vec<u8>, SignatureError> {
    // On the stack: small buffers for bh= and Ed25519's b= (zeroing them is
    // part of the cost), large ones for RSA up to 8192 bits with folds.
    if value.len() <= 128 {
        decode_base64_in::<128>(value, tag)
    } else if value.len() <= 2048 {
        decode_base64_in::<2048>(value, tag)
    } else {
        let compact = tag_list::strip_whitespace(value);
        if compact.is_empty() {
            return Err(SignatureError::EmptyTag(tag));
        }
        let text = core::str::from_utf8(&compact).map_err(|_| SignatureError::InvalidBase64 { tag })?;
        Base64::decode_vec(text).map_err(|_| SignatureError::InvalidBase64 { tag })
    }
}

/// [`decode_base64`] of a value of at most `N` bytes, in two `N`-byte stack
/// buffers: folding whitespace removed, then decoded (three bytes per four
/// at most) and copied out at its exact length.
fn decode_base64_in<const N: usize>(value: &[u8], tag: &'static str) -> Result<Vec<u8>, SignatureError> {
    let mut compact = [0u8; N];
    let mut n = 0;
    for &b in value.iter().take(N) {
        compact[n] = b;
        n += usize::from(!matches!(b, b' ' | b'\t' | b'\r' | b'\n'));
    }
    if n == 0 {
        return Err(SignatureError::EmptyTag(tag));
    }
    let mut decoded = [0u8; N];
    Base64::decode(&compact[..n], &mut decoded).map(<[u8]>::to_vec).map_err(|_| SignatureError::InvalidBase64 { tag })
}

fn parse_number(value: &[u8], tag: &'static str, max_digits: usize) -> Result<u64, SignatureError> {
    if value.is_empty() || value.len() > max_digits || !value.iter().all(u8::is_ascii_digit) {
        return Err(SignatureError::InvalidNumber { tag });
    }
    // l= may have 76 digits: saturate rather than fail; t= and x= must fit.
    let mut n: u64 = 0;
    for &d in value {
        match n.checked_mul(10).and_then(|n| n.checked_add(u64::from(d - b'0'))) {
            Some(v) => n = v,
            None if tag == "l" => return Ok(u64::MAX),
            None => return Err(SignatureError::InvalidNumber { tag }),
        }
    }
    Ok(n)
}

/// `d=` or `s=`: not empty, and a domain name (`invalid` names the error).
fn name_tag<'t>(
    tag: &'t crate::tag_list::Tag<'_>,
    name: &'static str,
    invalid: fn(String) -> SignatureError,
) -> Result<&'t str, SignatureError> {
    let value = tag.value_str();
    if value.is_empty() {
        return Err(SignatureError::EmptyTag(name));
    }
    if !is_domain_name(value) {
        return Err(invalid(value.into()));
    }
    Ok(value)
}

/// `h=`: printable names, at most [`Limits::max_signed_headers`], From
/// among them; kept as one string.
fn signed_headers(value: &[u8], limits: &Limits) -> Result<HeaderNames, SignatureError> {
    let mut joined = Vec::with_capacity(value.len());
    let mut count = 0;
    for name in tag_list::split_trimmed(value, b':') {
        // Printable ASCII but the colon (the split removed those).
        if name.is_empty() || !name.iter().all(|b| (0x21..=0x7e).contains(b)) {
            return Err(SignatureError::InvalidHeaderName(String::from_utf8_lossy(name).into()));
        }
        if count >= limits.max_signed_headers {
            return Err(SignatureError::TooManySignedHeaders { limit: limits.max_signed_headers });
        }
        if count > 0 {
            joined.push(b':');
        }
        joined.extend_from_slice(name);
        count += 1;
    }
    // Printable ASCII only, so this conversion cannot fail.
    let joined = String::from_utf8(joined)
        .map_err(|e| SignatureError::InvalidHeaderName(String::from_utf8_lossy(e.as_bytes()).into_owned()))?;
    let signed_headers = HeaderNames { joined, len: count };
    if !signed_headers.contains("from") {
        return Err(SignatureError::FromNotSigned);
    }
    Ok(signed_headers)
}

/// `i=`, decoded: an address whose domain is `domain` or below it.
fn identity(raw: &[u8], as_written: &str, domain: &str) -> Result<String, SignatureError> {
    let decoded = decode_qp(raw).ok_or_else(|| SignatureError::InvalidIdentity(as_written.into()))?;
    let id = String::from_utf8(decoded).map_err(|_| SignatureError::InvalidIdentity(as_written.into()))?;
    let at = id.rfind('@').ok_or_else(|| SignatureError::InvalidIdentity(id.clone()))?;
    let id_domain = &id[at + 1..];
    if !is_domain_name(id_domain) {
        return Err(SignatureError::InvalidIdentity(id));
    }
    if !is_same_or_subdomain(id_domain, domain) {
        return Err(SignatureError::IdentityOutsideDomain { identity: id, domain: domain.into() });
    }
    Ok(id)
}

/// Decodes dkim-quoted-printable (RFC 6376 section 2.11): `=XX` escapes,
/// folding whitespace ignored.
pub(crate) fn decode_qp(value: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(value.len());
    let mut i = 0;
    while i < value.len() {
        match value[i] {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'=' => {
                let hex = value.get(i + 1..i + 3)?;
                let s = core::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(s, 16).ok()?);
                i += 3;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Some(out)
}

/// A domain or selector: dot-separated labels of letters, digits, `-` and
/// `_`, 1 to 63 bytes each, 253 at most in all.
pub(crate) fn is_domain_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|l| {
            !l.is_empty() && l.len() <= 63 && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// True when `sub` is `domain` or a subdomain of it (ASCII case-insensitive).
pub(crate) fn is_same_or_subdomain(sub: &str, domain: &str) -> bool {
    if sub.eq_ignore_ascii_case(domain) {
        return true;
    }
    sub.len() > domain.len() + 1
        && sub.as_bytes()[sub.len() - domain.len() - 1] == b'.'
        && sub[sub.len() - domain.len()..].eq_ignore_ascii_case(domain)
}

/// Why a `DKIM-Signature` field is not usable (RFC 6376 sections 3.5 and 6.1.1).
///
/// ```
/// use dkim_core::{Limits, Signature, SignatureError};
/// let limits = Limits::default();
/// let missing = Signature::parse(b"v=1; a=rsa-sha256; d=example.com; h=from; bh=AAAA; b=AAAA", &limits);
/// assert_eq!(missing, Err(SignatureError::MissingTag("s")));
/// let md5 = Signature::parse(b"v=1; a=rsa-md5; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA", &limits);
/// assert_eq!(md5, Err(SignatureError::UnsupportedAlgorithm("rsa-md5".into())));
/// # Ok::<(), SignatureError>(())
/// ```
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignatureError {
    /// The tag list itself is malformed.
    TagList(TagListError),
    /// A required tag is missing.
    MissingTag(&'static str),
    /// A tag that may not be empty is.
    EmptyTag(&'static str),
    /// `v=` is not `1`.
    UnsupportedVersion(String),
    /// `a=` names an unknown algorithm.
    UnsupportedAlgorithm(String),
    /// `c=` is not a known canonicalization.
    UnsupportedCanonicalization(String),
    /// `q=` does not include `dns/txt`.
    UnsupportedQueryMethod(String),
    /// `b=` or `bh=` is not valid base64.
    InvalidBase64 {
        /// The tag.
        tag: &'static str,
    },
    /// `d=` is not a domain name.
    InvalidDomain(String),
    /// `s=` is not a valid selector.
    InvalidSelector(String),
    /// `i=` is not an identity (`[local-part]@domain`).
    InvalidIdentity(String),
    /// The domain of `i=` is neither `d=` nor a subdomain of it.
    IdentityOutsideDomain {
        /// Decoded `i=`.
        identity: String,
        /// `d=`.
        domain: String,
    },
    /// `h=` does not include From.
    FromNotSigned,
    /// An `h=` entry is not a header field name.
    InvalidHeaderName(String),
    /// `h=` lists more names than the limit.
    TooManySignedHeaders {
        /// The limit.
        limit: usize,
    },
    /// `l=`, `t=` or `x=` is not a number (or too long).
    InvalidNumber {
        /// The tag.
        tag: &'static str,
    },
    /// `x=` is earlier than `t=`.
    ExpirationBeforeTimestamp {
        /// `t=`
        timestamp: u64,
        /// `x=`
        expiration: u64,
    },
    /// `z=` is not valid dkim-quoted-printable.
    InvalidCopiedHeaders,
}

impl SignatureError {
    /// The tag the error is about, when there is one.
    ///
    /// ```
    /// use dkim_core::{Limits, Signature};
    /// let value = b"v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=!!";
    /// let Err(err) = Signature::parse(value, &Limits::default()) else { unreachable!() };
    /// assert_eq!(err.tag(), Some("b"));
    /// ```
    pub fn tag(&self) -> Option<&str> {
        Some(match self {
            Self::TagList(e) => return e.tag(),
            Self::MissingTag(t) | Self::EmptyTag(t) => t,
            Self::InvalidBase64 { tag } | Self::InvalidNumber { tag } => tag,
            Self::UnsupportedVersion(_) => "v",
            Self::UnsupportedAlgorithm(_) => "a",
            Self::UnsupportedCanonicalization(_) => "c",
            Self::UnsupportedQueryMethod(_) => "q",
            Self::InvalidDomain(_) => "d",
            Self::InvalidSelector(_) => "s",
            Self::InvalidIdentity(_) | Self::IdentityOutsideDomain { .. } => "i",
            Self::FromNotSigned | Self::InvalidHeaderName(_) | Self::TooManySignedHeaders { .. } => "h",
            Self::ExpirationBeforeTimestamp { .. } => "x",
            Self::InvalidCopiedHeaders => "z",
        })
    }
}

impl fmt::Display for SignatureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TagList(e) => write!(f, "malformed DKIM-Signature: {e}"),
            Self::MissingTag(t) => write!(f, "required tag {t}= is missing"),
            Self::EmptyTag(t) => write!(f, "tag {t}= is empty"),
            Self::UnsupportedVersion(v) => write!(f, "v={v} is not the DKIM version 1"),
            Self::UnsupportedAlgorithm(a) => write!(f, "a={a} is not a supported algorithm"),
            Self::UnsupportedCanonicalization(c) => write!(f, "c={c} is not a known canonicalization"),
            Self::UnsupportedQueryMethod(q) => write!(f, "q={q} does not include dns/txt"),
            Self::InvalidBase64 { tag } => write!(f, "{tag}= is not valid base64"),
            Self::InvalidDomain(d) => write!(f, "d={d} is not a valid domain name"),
            Self::InvalidSelector(s) => write!(f, "s={s} is not a valid selector"),
            Self::InvalidIdentity(i) => write!(f, "i={i} is not a valid identity"),
            Self::IdentityOutsideDomain { identity, domain } => {
                write!(f, "i={identity} is not in d={domain} or a subdomain of it")
            }
            Self::FromNotSigned => f.write_str("h= does not include the From field"),
            Self::InvalidHeaderName(n) => write!(f, "h= entry {n:?} is not a header field name"),
            Self::TooManySignedHeaders { limit } => write!(f, "h= lists more than {limit} names"),
            Self::InvalidNumber { tag } => write!(f, "{tag}= is not a valid number"),
            Self::ExpirationBeforeTimestamp { timestamp, expiration } => {
                write!(f, "x={expiration} is earlier than t={timestamp}")
            }
            Self::InvalidCopiedHeaders => f.write_str("z= is not valid dkim-quoted-printable"),
        }
    }
}

impl core::error::Error for SignatureError {}

impl From<TagListError> for SignatureError {
    fn from(e: TagListError) -> Self {
        Self::TagList(e)
    }
}

/// Picks `d=` and `s=` out of a field that may not parse, for reporting.
pub(crate) fn loose_domain_selector(value: &[u8]) -> (Option<String>, Option<String>) {
    TagList::parse(value).map_or((None, None), |tags| domain_selector(&tags))
}

/// `d=` and `s=` of a tag list, as written.
pub(crate) fn domain_selector(tags: &TagList<'_>) -> (Option<String>, Option<String>) {
    (tags.get("d").map(|t| t.value_str().to_string()), tags.get("s").map(|t| t.value_str().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "v=1; a=rsa-sha256; d=example.com; s=sel; h=From:To; bh=AAAA; b=BBBB";

    fn parse(s: &str) -> Result<Signature, SignatureError> {
        Signature::parse(s.as_bytes(), &Limits::default())
    }

    fn with(extra: &str) -> Result<Signature, SignatureError> {
        parse(&alloc::format!("{BASE}; {extra}"))
    }

    #[test]
    fn base64_decodes_alike_at_every_size() {
        // The same value, folded ever more widely, goes through the small
        // stack buffers, the large ones, and the heap.
        let text = "SGVsbG8sIERLSU0gd29ybGQh";
        for fold in [0usize, 5, 40, 200, 2100] {
            let pad = " ".repeat(fold);
            let value = alloc::format!("{pad}{}\r\n\t{}{pad}", &text[..8], &text[8..]);
            assert_eq!(decode_base64(value.as_bytes(), "b").unwrap(), b"Hello, DKIM world!", "fold {fold}");
            let blank = alloc::format!("{pad}\r\n\t{pad}");
            assert_eq!(decode_base64(blank.as_bytes(), "b"), Err(SignatureError::EmptyTag("b")), "fold {fold}");
            let bad = alloc::format!("{pad}{}*{pad}", &text[..7]);
            assert_eq!(decode_base64(bad.as_bytes(), "bh"), Err(SignatureError::InvalidBase64 { tag: "bh" }));
        }
    }

    #[test]
    fn defaults() {
        let s = parse(BASE).unwrap();
        assert_eq!(s.canonicalization(), Canonicalization::SIMPLE);
        assert_eq!(s.identity(), "@example.com");
        assert!(!s.has_identity_tag());
        assert_eq!(s.body_length(), None);
        assert_eq!(s.key_name(), "sel._domainkey.example.com");
        assert_eq!(s.signature(), [0x04, 0x10, 0x41]);
    }

    #[test]
    fn required_tags() {
        for t in ["v", "a", "b", "bh", "d", "h", "s"] {
            let without: Vec<&str> = BASE.split("; ").filter(|p| !p.starts_with(&alloc::format!("{t}="))).collect();
            assert_eq!(parse(&without.join("; ")), Err(SignatureError::MissingTag(t)), "{t}");
        }
    }

    #[test]
    fn version_and_algorithm() {
        assert_eq!(parse(&BASE.replace("v=1", "v=0.5")), Err(SignatureError::UnsupportedVersion("0.5".into())));
        assert_eq!(
            parse(&BASE.replace("rsa-sha256", "rsa-md5")),
            Err(SignatureError::UnsupportedAlgorithm("rsa-md5".into()))
        );
    }

    #[test]
    fn identity_rules() {
        assert_eq!(with("i=joe@sub.example.com").unwrap().identity_domain(), "sub.example.com");
        assert_eq!(with("i=jlong=40example.com").unwrap().identity(), "jlong@example.com");
        assert!(matches!(with("i=joe@example.org"), Err(SignatureError::IdentityOutsideDomain { .. })));
        assert!(matches!(with("i=joe@badexample.com"), Err(SignatureError::IdentityOutsideDomain { .. })));
        assert!(matches!(with("i=joe"), Err(SignatureError::InvalidIdentity(_))));
        assert!(matches!(with("i=joe=4"), Err(SignatureError::InvalidIdentity(_))));
    }

    #[test]
    fn from_must_be_signed() {
        assert_eq!(parse(&BASE.replace("From:To", "to:subject")), Err(SignatureError::FromNotSigned));
        assert!(parse(&BASE.replace("From:To", " to :\r\n FROM ")).is_ok());
    }

    #[test]
    fn query_methods() {
        assert!(with("q=dns/txt").is_ok());
        assert!(with("q=foo/bar:dns/txt:exam/ple").is_ok());
        assert!(matches!(with("q=http"), Err(SignatureError::UnsupportedQueryMethod(_))));
        assert!(matches!(with("q=dns/special"), Err(SignatureError::UnsupportedQueryMethod(_))));
    }

    #[test]
    fn numbers() {
        assert_eq!(with("t=10; x=10").unwrap().expiration(), Some(10));
        assert_eq!(with("t=10; x=9"), Err(SignatureError::ExpirationBeforeTimestamp { timestamp: 10, expiration: 9 }));
        assert_eq!(with("t=99999999999999999999999"), Err(SignatureError::InvalidNumber { tag: "t" }));
        assert_eq!(with("l=99999999999999999999999").unwrap().body_length(), Some(u64::MAX));
        assert_eq!(with(&alloc::format!("l={}", "9".repeat(80))), Err(SignatureError::InvalidNumber { tag: "l" }));
        assert_eq!(with("l=-1"), Err(SignatureError::InvalidNumber { tag: "l" }));
    }

    #[test]
    fn base64_with_folding() {
        let s = parse(&BASE.replace("b=BBBB", "b=BB\r\n BB")).unwrap();
        assert_eq!(s.signature(), [0x04, 0x10, 0x41]);
        assert_eq!(parse(&BASE.replace("b=BBBB", "b=B!BB")), Err(SignatureError::InvalidBase64 { tag: "b" }));
        assert_eq!(parse(&BASE.replace("b=BBBB", "b=")), Err(SignatureError::EmptyTag("b")));
    }

    #[test]
    fn domain_syntax() {
        assert!(matches!(
            parse(&BASE.replace("example.com", "legitimate.com(.attacker.com")),
            Err(SignatureError::InvalidDomain(_))
        ));
        assert!(matches!(parse(&BASE.replace("s=sel", "s=a..b")), Err(SignatureError::InvalidSelector(_))));
    }

    #[test]
    fn canonicalization_values() {
        assert!(matches!(with("c=future"), Err(SignatureError::UnsupportedCanonicalization(_))));
        assert_eq!(with("c=relaxed").unwrap().canonicalization().to_string(), "relaxed/simple");
    }

    #[test]
    fn copied_headers() {
        let s = with("z=From:foo@example.com|Subject:a=20b").unwrap();
        assert_eq!(s.copied_headers(), [b"From:foo@example.com".to_vec(), b"Subject:a b".to_vec()]);
    }

    #[test]
    fn b_span_runs_to_semicolon() {
        let v = "b=AB\r\n CD ; v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=AAAA";
        let s = parse(v).unwrap();
        assert_eq!(&v[s.b_span()], "AB\r\n CD ");
    }

    #[test]
    fn errors_name_their_tag() {
        assert_eq!(SignatureError::FromNotSigned.tag(), Some("h"));
        assert!(SignatureError::MissingTag("bh").to_string().contains("bh="));
    }
}
