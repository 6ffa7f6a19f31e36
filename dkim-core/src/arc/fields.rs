//! Parsing of `ARC-Seal`, `ARC-Message-Signature` and
//! `ARC-Authentication-Results` (RFC 8617 section 4.1), on the DKIM tag-list
//! parser.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::ops::Range;

use super::{ChainStatus, MAX_INSTANCES};
use crate::crypto::Algorithm;
use crate::policy::Limits;
use crate::signature::{Signature, SignatureError, is_domain_name};
use crate::tag_list::{Tag, TagList, TagListError};

/// What is wrong with an ARC field.
///
/// ```
/// use dkim_core::Limits;
/// use dkim_core::arc::{ArcFieldError, ArcSeal};
/// let e = ArcSeal::parse(b"i=1; a=rsa-sha256; d=example.com; s=s; b=AAAA", &Limits::default()).unwrap_err();
/// assert_eq!(e, ArcFieldError::MissingTag("cv"));
/// assert_eq!(e.to_string(), "the tag cv= is missing");
/// ```
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArcFieldError {
    /// The tag list itself is malformed (with the offset it names).
    TagList(TagListError),
    /// A required tag is missing.
    MissingTag(&'static str),
    /// `i=` is not an instance number from 1 to 50.
    InvalidInstance(String),
    /// `a=` names an unknown algorithm.
    UnsupportedAlgorithm(String),
    /// `b=` is not valid base64.
    InvalidBase64,
    /// `d=` is not a domain name.
    InvalidDomain(String),
    /// `s=` is not a selector.
    InvalidSelector(String),
    /// `cv=` is not `none`, `pass` or `fail`.
    InvalidChainStatus(String),
    /// `t=` is not a number.
    InvalidTimestamp,
    /// An `ARC-Seal` with `h=` (RFC 8617 section 4.1.3 forbids it).
    HeaderListInSeal,
    /// The `ARC-Message-Signature`'s DKIM tags are wrong.
    Signature(SignatureError),
    /// An `ARC-Authentication-Results` without `i=N;` first, or nothing after it.
    InvalidAuthResults,
}

impl fmt::Display for ArcFieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TagList(e) => write!(f, "{e}"),
            Self::MissingTag(t) => write!(f, "the tag {t}= is missing"),
            Self::InvalidInstance(v) => write!(f, "i={v} is not an instance number from 1 to {MAX_INSTANCES}"),
            Self::UnsupportedAlgorithm(a) => write!(f, "a={a} is not a known algorithm"),
            Self::InvalidBase64 => f.write_str("b= is not valid base64"),
            Self::InvalidDomain(d) => write!(f, "d={d} is not a domain name"),
            Self::InvalidSelector(s) => write!(f, "s={s} is not a valid selector"),
            Self::InvalidChainStatus(v) => write!(f, "cv={v} is not none, pass or fail"),
            Self::InvalidTimestamp => f.write_str("t= is not a number"),
            Self::HeaderListInSeal => f.write_str("an ARC-Seal must not have h="),
            Self::Signature(e) => write!(f, "{e}"),
            Self::InvalidAuthResults => f.write_str("it does not start with i=N; followed by the results"),
        }
    }
}

impl core::error::Error for ArcFieldError {}

/// Parses an `i=` value.
fn instance(tag: &Tag<'_>) -> Result<u32, ArcFieldError> {
    let v = tag.value_str().trim();
    let bad = || ArcFieldError::InvalidInstance(v.chars().take(20).collect());
    if v.is_empty() || v.len() > 2 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    match v.parse::<u32>() {
        Ok(i) if (1..=MAX_INSTANCES).contains(&i) => Ok(i),
        _ => Err(bad()),
    }
}

/// The instance of any ARC field value, read loosely (for grouping a field
/// that does not otherwise parse).
pub(crate) fn loose_instance(value: &[u8]) -> Option<u32> {
    if let Ok((i, _)) = aar_instance(value) {
        return Some(i);
    }
    let tags = TagList::parse(value).ok()?;
    instance(tags.get("i")?).ok()
}

/// A parsed `ARC-Seal` (RFC 8617 section 4.1.3).
///
/// ```
/// use dkim_core::arc::{ArcSeal, ChainStatus};
/// use dkim_core::{Algorithm, Limits};
/// let seal = ArcSeal::parse(b" i=2; cv=pass; a=rsa-sha256; d=example.com; s=sel;\r\n t=1700000000; b=AAAA", &Limits::default())?;
/// assert_eq!((seal.instance(), seal.chain_status()), (2, ChainStatus::Pass));
/// assert_eq!(seal.algorithm(), Algorithm::RsaSha256);
/// assert_eq!(seal.key_name(), "sel._domainkey.example.com");
/// # Ok::<(), dkim_core::arc::ArcFieldError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArcSeal {
    instance: u32,
    algorithm: Algorithm,
    signature: Vec<u8>,
    cv: ChainStatus,
    domain: String,
    selector: String,
    timestamp: Option<u64>,
    b_span: Range<usize>,
}

impl ArcSeal {
    /// Parses the value of an `ARC-Seal` field (after the colon).
    ///
    /// # Errors
    ///
    /// [`ArcFieldError`] naming the tag.
    ///
    /// ```
    /// use dkim_core::Limits;
    /// use dkim_core::arc::{ArcFieldError, ArcSeal};
    /// let value = b" i=1; cv=none; a=ed25519-sha256; d=lists.example; s=arc; b=AAEC";
    /// assert_eq!(ArcSeal::parse(value, &Limits::default())?.instance(), 1);
    /// // A seal signs the ARC sets, never a header list of its own.
    /// let with_h = b" i=1; cv=none; a=ed25519-sha256; d=lists.example; s=arc; h=from; b=AAEC";
    /// assert_eq!(ArcSeal::parse(with_h, &Limits::default()), Err(ArcFieldError::HeaderListInSeal));
    /// # Ok::<(), ArcFieldError>(())
    /// ```
    pub fn parse(value: &[u8], limits: &Limits) -> Result<Self, ArcFieldError> {
        let tags = TagList::parse_with_limit(value, limits.max_tag_value_bytes).map_err(ArcFieldError::TagList)?;
        let req = |name: &'static str| tags.get(name).ok_or(ArcFieldError::MissingTag(name));
        let instance = instance(req("i")?)?;
        if tags.get("h").is_some() {
            return Err(ArcFieldError::HeaderListInSeal);
        }
        let cv_tag = req("cv")?;
        let cv = ChainStatus::parse(cv_tag.value_str())
            .ok_or_else(|| ArcFieldError::InvalidChainStatus(cv_tag.value_str().chars().take(20).collect()))?;
        let a = req("a")?;
        let algorithm =
            Algorithm::parse(a.value_str()).ok_or_else(|| ArcFieldError::UnsupportedAlgorithm(a.value_str().into()))?;
        let b = req("b")?;
        let signature = crate::signature::decode_b64(b.value()).ok_or(ArcFieldError::InvalidBase64)?;
        let b_end =
            value[b.value_offset()..].iter().position(|&c| c == b';').map_or(value.len(), |p| b.value_offset() + p);
        let d = req("d")?.value_str();
        if !is_domain_name(d) {
            return Err(ArcFieldError::InvalidDomain(d.into()));
        }
        let s = req("s")?.value_str();
        if !is_domain_name(s) {
            return Err(ArcFieldError::InvalidSelector(s.into()));
        }
        let timestamp = match tags.get("t") {
            None => None,
            Some(t) => {
                let v = t.value_str().trim();
                if v.is_empty() || v.len() > 20 || !v.bytes().all(|c| c.is_ascii_digit()) {
                    return Err(ArcFieldError::InvalidTimestamp);
                }
                Some(v.parse().map_err(|_| ArcFieldError::InvalidTimestamp)?)
            }
        };
        Ok(Self {
            instance,
            algorithm,
            signature,
            cv,
            domain: d.to_ascii_lowercase(),
            selector: s.into(),
            timestamp,
            b_span: b.value_offset()..b_end,
        })
    }

    /// `i=`
    ///
    /// ```
    /// # let value = b" i=2; cv=pass; a=ed25519-sha256; d=Lists.Example; s=arc;\r\n t=1700000000; b=AAEC";
    /// # let seal = dkim_core::arc::ArcSeal::parse(value, &dkim_core::Limits::default())?;
    /// assert_eq!(seal.instance(), 2);
    /// # Ok::<(), dkim_core::arc::ArcFieldError>(())
    /// ```
    #[must_use]
    pub fn instance(&self) -> u32 {
        self.instance
    }
    /// `cv=`
    ///
    /// ```
    /// use dkim_core::arc::ChainStatus;
    /// # let value = b" i=2; cv=pass; a=ed25519-sha256; d=Lists.Example; s=arc;\r\n t=1700000000; b=AAEC";
    /// # let seal = dkim_core::arc::ArcSeal::parse(value, &dkim_core::Limits::default())?;
    /// assert_eq!(seal.chain_status(), ChainStatus::Pass);
    /// # Ok::<(), dkim_core::arc::ArcFieldError>(())
    /// ```
    #[must_use]
    pub fn chain_status(&self) -> ChainStatus {
        self.cv
    }
    /// `a=`
    ///
    /// ```
    /// use dkim_core::Algorithm;
    /// # let value = b" i=2; cv=pass; a=ed25519-sha256; d=Lists.Example; s=arc;\r\n t=1700000000; b=AAEC";
    /// # let seal = dkim_core::arc::ArcSeal::parse(value, &dkim_core::Limits::default())?;
    /// assert_eq!(seal.algorithm(), Algorithm::Ed25519Sha256);
    /// # Ok::<(), dkim_core::arc::ArcFieldError>(())
    /// ```
    #[must_use]
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }
    /// `b=`, decoded.
    ///
    /// ```
    /// # let value = b" i=2; cv=pass; a=ed25519-sha256; d=Lists.Example; s=arc;\r\n t=1700000000; b=AAEC";
    /// # let seal = dkim_core::arc::ArcSeal::parse(value, &dkim_core::Limits::default())?;
    /// assert_eq!(seal.signature(), [0, 1, 2]); // AAEC in base64
    /// # Ok::<(), dkim_core::arc::ArcFieldError>(())
    /// ```
    #[must_use]
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }
    /// `d=`, lowercase.
    ///
    /// ```
    /// # let value = b" i=2; cv=pass; a=ed25519-sha256; d=Lists.Example; s=arc;\r\n t=1700000000; b=AAEC";
    /// # let seal = dkim_core::arc::ArcSeal::parse(value, &dkim_core::Limits::default())?;
    /// assert_eq!(seal.domain(), "lists.example"); // written d=Lists.Example
    /// # Ok::<(), dkim_core::arc::ArcFieldError>(())
    /// ```
    #[must_use]
    pub fn domain(&self) -> &str {
        &self.domain
    }
    /// `s=`
    ///
    /// ```
    /// # let value = b" i=2; cv=pass; a=ed25519-sha256; d=Lists.Example; s=arc;\r\n t=1700000000; b=AAEC";
    /// # let seal = dkim_core::arc::ArcSeal::parse(value, &dkim_core::Limits::default())?;
    /// assert_eq!(seal.selector(), "arc");
    /// # Ok::<(), dkim_core::arc::ArcFieldError>(())
    /// ```
    #[must_use]
    pub fn selector(&self) -> &str {
        &self.selector
    }
    /// `t=`
    ///
    /// ```
    /// # let value = b" i=2; cv=pass; a=ed25519-sha256; d=Lists.Example; s=arc;\r\n t=1700000000; b=AAEC";
    /// # let seal = dkim_core::arc::ArcSeal::parse(value, &dkim_core::Limits::default())?;
    /// assert_eq!(seal.timestamp(), Some(1_700_000_000));
    /// let untimed = b" i=1; cv=none; a=ed25519-sha256; d=lists.example; s=arc; b=AAEC";
    /// assert_eq!(dkim_core::arc::ArcSeal::parse(untimed, &dkim_core::Limits::default())?.timestamp(), None);
    /// # Ok::<(), dkim_core::arc::ArcFieldError>(())
    /// ```
    #[must_use]
    pub fn timestamp(&self) -> Option<u64> {
        self.timestamp
    }
    /// Where the key is published: `selector._domainkey.domain`.
    ///
    /// ```
    /// # let value = b" i=2; cv=pass; a=ed25519-sha256; d=Lists.Example; s=arc;\r\n t=1700000000; b=AAEC";
    /// # let seal = dkim_core::arc::ArcSeal::parse(value, &dkim_core::Limits::default())?;
    /// assert_eq!(seal.key_name(), "arc._domainkey.lists.example");
    /// # Ok::<(), dkim_core::arc::ArcFieldError>(())
    /// ```
    #[must_use]
    pub fn key_name(&self) -> String {
        crate::signature::key_name(&self.selector, &self.domain)
    }
    pub(crate) fn b_span(&self) -> Range<usize> {
        self.b_span.clone()
    }
}

/// A parsed `ARC-Message-Signature` (RFC 8617 section 4.1.2): an instance
/// and a DKIM signature.
///
/// ```
/// use dkim_core::arc::ArcMessageSignature;
/// use dkim_core::Limits;
/// let v = b" i=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=sel; h=from : to; bh=AAAA; b=BBBB";
/// let ams = ArcMessageSignature::parse(v, &Limits::default())?;
/// assert_eq!(ams.instance(), 1);
/// assert!(ams.signature().signed_headers().iter().eq(["from", "to"]));
/// # Ok::<(), dkim_core::arc::ArcFieldError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArcMessageSignature {
    instance: u32,
    signature: Signature,
}

impl ArcMessageSignature {
    /// Parses the value of an `ARC-Message-Signature` field.
    ///
    /// # Errors
    ///
    /// [`ArcFieldError`] naming the tag.
    ///
    /// ```
    /// use dkim_core::arc::{ArcFieldError, ArcMessageSignature};
    /// use dkim_core::{Limits, SignatureError};
    /// let v = b" i=1; a=ed25519-sha256; d=lists.example; s=arc; h=from; bh=AAAA; b=BBBB";
    /// assert_eq!(ArcMessageSignature::parse(v, &Limits::default())?.instance(), 1);
    /// // Like a DKIM-Signature, it must sign From.
    /// let no_from = b" i=1; a=ed25519-sha256; d=lists.example; s=arc; h=to; bh=AAAA; b=BBBB";
    /// let e = ArcMessageSignature::parse(no_from, &Limits::default());
    /// assert_eq!(e, Err(ArcFieldError::Signature(SignatureError::FromNotSigned)));
    /// # Ok::<(), ArcFieldError>(())
    /// ```
    pub fn parse(value: &[u8], limits: &Limits) -> Result<Self, ArcFieldError> {
        let tags = TagList::parse_with_limit(value, limits.max_tag_value_bytes).map_err(ArcFieldError::TagList)?;
        let instance = instance(tags.get("i").ok_or(ArcFieldError::MissingTag("i"))?)?;
        let signature = Signature::from_ams_tags(&tags, value, limits).map_err(ArcFieldError::Signature)?;
        Ok(Self { instance, signature })
    }

    /// `i=`
    ///
    /// ```
    /// # let v = b" i=3; a=ed25519-sha256; c=relaxed/relaxed; d=lists.example; s=arc; h=from:subject; bh=AAAA; b=BBBB";
    /// # let ams = dkim_core::arc::ArcMessageSignature::parse(v, &dkim_core::Limits::default())?;
    /// assert_eq!(ams.instance(), 3); // the instance, not a DKIM identity
    /// # Ok::<(), dkim_core::arc::ArcFieldError>(())
    /// ```
    #[must_use]
    pub fn instance(&self) -> u32 {
        self.instance
    }

    /// The DKIM part: algorithm, canonicalization, `h=`, `bh=`, `b=`, ...
    ///
    /// ```
    /// # let v = b" i=3; a=ed25519-sha256; c=relaxed/relaxed; d=lists.example; s=arc; h=from:subject; bh=AAAA; b=BBBB";
    /// # let ams = dkim_core::arc::ArcMessageSignature::parse(v, &dkim_core::Limits::default())?;
    /// let sig = ams.signature();
    /// assert_eq!((sig.domain(), sig.selector()), ("lists.example", "arc"));
    /// assert!(sig.signed_headers().iter().eq(["from", "subject"]));
    /// # Ok::<(), dkim_core::arc::ArcFieldError>(())
    /// ```
    #[must_use]
    pub fn signature(&self) -> &Signature {
        &self.signature
    }
}

/// The instance of an `ARC-Authentication-Results` value and the rest
/// after `i=N;` (the authserv-id and the results).
///
/// # Errors
///
/// [`ArcFieldError::InvalidAuthResults`] or [`ArcFieldError::InvalidInstance`].
///
/// ```
/// use dkim_core::arc::aar_instance;
/// let (i, rest) = aar_instance(b" i=3; mx.example; dkim=pass header.d=example.com")?;
/// assert_eq!((i, rest), (3, &b" mx.example; dkim=pass header.d=example.com"[..]));
/// assert!(aar_instance(b" mx.example; dkim=pass").is_err());
/// # Ok::<(), dkim_core::arc::ArcFieldError>(())
/// ```
pub fn aar_instance(value: &[u8]) -> Result<(u32, &[u8]), ArcFieldError> {
    let semi = value.iter().position(|&b| b == b';').ok_or(ArcFieldError::InvalidAuthResults)?;
    let (head, rest) = (&value[..semi], &value[semi + 1..]);
    let head = crate::tag_list::trim_fws(head);
    let Some(eq) = head.iter().position(|&b| b == b'=') else { return Err(ArcFieldError::InvalidAuthResults) };
    if !crate::tag_list::trim_fws(&head[..eq]).eq_ignore_ascii_case(b"i") {
        return Err(ArcFieldError::InvalidAuthResults);
    }
    let number = core::str::from_utf8(crate::tag_list::trim_fws(&head[eq + 1..])).unwrap_or("?");
    let bad = || ArcFieldError::InvalidInstance(number.chars().take(20).collect());
    if number.is_empty() || number.len() > 2 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let i: u32 = number.parse().map_err(|_| bad())?;
    if !(1..=MAX_INSTANCES).contains(&i) {
        return Err(bad());
    }
    if crate::tag_list::trim_fws(rest).is_empty() {
        return Err(ArcFieldError::InvalidAuthResults);
    }
    Ok((i, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seal(v: &str) -> Result<ArcSeal, ArcFieldError> {
        ArcSeal::parse(v.as_bytes(), &Limits::default())
    }

    #[test]
    fn seal_rules() {
        let ok = "i=1; cv=none; a=rsa-sha256; d=example.com; s=sel; t=12; b=AAAA";
        assert_eq!(seal(ok).unwrap().timestamp(), Some(12));
        assert_eq!(seal(&ok.replace("i=1", "i=0")), Err(ArcFieldError::InvalidInstance("0".into())));
        assert_eq!(seal(&ok.replace("i=1", "i=51")), Err(ArcFieldError::InvalidInstance("51".into())));
        assert_eq!(seal(&ok.replace("i=1", "i=+1")), Err(ArcFieldError::InvalidInstance("+1".into())));
        assert_eq!(seal(&ok.replace("cv=none", "cv=maybe")), Err(ArcFieldError::InvalidChainStatus("maybe".into())));
        assert_eq!(seal(&[ok, "; h=from"].concat()), Err(ArcFieldError::HeaderListInSeal));
        assert_eq!(
            seal(&ok.replace("a=rsa-sha256", "a=rsa-md5")),
            Err(ArcFieldError::UnsupportedAlgorithm("rsa-md5".into()))
        );
        assert_eq!(seal(&ok.replace("t=12", "t=x")), Err(ArcFieldError::InvalidTimestamp));
        assert_eq!(seal(&ok.replace("d=example.com", "d=a..b")), Err(ArcFieldError::InvalidDomain("a..b".into())));
        assert_eq!(seal(&ok.replace("b=AAAA", "b=!!")), Err(ArcFieldError::InvalidBase64));
        assert!(matches!(seal("i=1; cv"), Err(ArcFieldError::TagList(_))));
    }

    #[test]
    fn ams_takes_dkim_tags_without_v() {
        let v = b"i=2; a=ed25519-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=BBBB";
        let ams = ArcMessageSignature::parse(v, &Limits::default()).unwrap();
        assert_eq!(ams.instance(), 2);
        assert_eq!(ams.signature().identity(), "@example.com", "i= is the instance, not an identity");
        let no_from = b"i=2; a=ed25519-sha256; d=example.com; s=sel; h=to; bh=AAAA; b=BBBB";
        assert_eq!(
            ArcMessageSignature::parse(no_from, &Limits::default()),
            Err(ArcFieldError::Signature(SignatureError::FromNotSigned))
        );
        let no_i = b"a=ed25519-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=BBBB";
        assert_eq!(ArcMessageSignature::parse(no_i, &Limits::default()), Err(ArcFieldError::MissingTag("i")));
    }

    #[test]
    fn aar_forms() {
        assert_eq!(aar_instance(b"i=50;x").unwrap().0, 50);
        assert_eq!(aar_instance(b"  i = 7 ; mx; none").unwrap().0, 7);
        assert_eq!(aar_instance(b"i=51; mx"), Err(ArcFieldError::InvalidInstance("51".into())));
        assert_eq!(aar_instance(b"i=1;  "), Err(ArcFieldError::InvalidAuthResults));
        assert_eq!(aar_instance(b"x=1; mx"), Err(ArcFieldError::InvalidAuthResults));
        assert_eq!(loose_instance(b" i=4; a=garbage"), Some(4));
    }
}
