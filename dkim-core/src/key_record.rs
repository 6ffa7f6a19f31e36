//! The DKIM key record published in DNS (RFC 6376 section 3.6.1, RFC 8463).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use base64ct::{Base64, Encoding};

use crate::crypto::{HashAlgorithm, KeyError, KeyType, PublicKey};
use crate::policy::Limits;
use crate::tag_list::{self, TagList, TagListError};

/// A parsed key record.
///
/// ```
/// use dkim_core::{KeyRecord, Limits, KeyType};
/// let rec = KeyRecord::parse(b"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", &Limits::default()).unwrap();
/// assert_eq!(rec.key_type(), KeyType::Ed25519);
/// assert_eq!(rec.public_key().unwrap().bits(), 256);
/// assert!(!rec.is_testing());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyRecord {
    key_type: KeyType,
    public_key: Option<PublicKey>,
    hash_algorithms: Option<Vec<String>>,
    services: Vec<String>,
    testing: bool,
    strict: bool,
    notes: Option<String>,
    has_version: bool,
}

impl KeyRecord {
    /// Parses a key record: the TXT strings concatenated with nothing
    /// between them.
    ///
    /// # Errors
    ///
    /// [`KeyRecordError`] for a syntax error, a version other than `DKIM1`
    /// (or `v=` not first), an unknown `k=`, or a `p=` that is not base64 or
    /// not a key of the stated type. An empty `p=` is not an error: it is a
    /// revoked key ([`KeyRecord::public_key`] is `None`).
    ///
    /// ```
    /// use dkim_core::{KeyRecord, KeyRecordError, Limits};
    /// let text = b"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
    /// assert!(!KeyRecord::parse(text, &Limits::default())?.is_revoked());
    /// assert!(KeyRecord::parse(b"v=DKIM1; p=", &Limits::default())?.is_revoked()); // not an error
    /// assert_eq!(KeyRecord::parse(b"v=DKIM1; k=rsa", &Limits::default()), Err(KeyRecordError::MissingKey));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn parse(record: &[u8], limits: &Limits) -> Result<Self, KeyRecordError> {
        if record.len() > limits.max_key_record_bytes {
            return Err(KeyRecordError::TooLarge { limit: limits.max_key_record_bytes });
        }
        let tags = TagList::parse_with_limit(record, limits.max_tag_value_bytes).map_err(KeyRecordError::TagList)?;
        let has_version = match tags.get("v") {
            None => false,
            Some(v) => {
                if v.value() != b"DKIM1" {
                    return Err(KeyRecordError::UnsupportedVersion(v.value_str().into()));
                }
                if tags.iter().next().map(|t| t.name()) != Some("v") {
                    return Err(KeyRecordError::VersionNotFirst);
                }
                true
            }
        };
        let key_type = match tags.get("k") {
            None => KeyType::Rsa,
            Some(k) => match k.value_str() {
                s if s.eq_ignore_ascii_case("rsa") => KeyType::Rsa,
                s if s.eq_ignore_ascii_case("ed25519") => KeyType::Ed25519,
                s => return Err(KeyRecordError::UnknownKeyType(s.into())),
            },
        };
        let list = |name: &str| {
            tags.get(name).map(|t| {
                tag_list::split_trimmed(t.value(), b':')
                    .map(|s| String::from_utf8_lossy(s).into_owned())
                    .collect::<Vec<_>>()
            })
        };
        let hash_algorithms = list("h");
        let services = list("s").unwrap_or_else(|| alloc::vec!["*".into()]);
        let flags = list("t").unwrap_or_default();
        let p = tags.get("p").ok_or(KeyRecordError::MissingKey)?;
        let p = tag_list::strip_whitespace(p.value());
        let public_key = if p.is_empty() {
            None
        } else {
            let text = core::str::from_utf8(&p).map_err(|_| KeyRecordError::InvalidBase64)?;
            let der = Base64::decode_vec(text).map_err(|_| KeyRecordError::InvalidBase64)?;
            Some(PublicKey::from_record_bytes(key_type, &der, limits.max_rsa_bits).map_err(KeyRecordError::Key)?)
        };
        Ok(Self {
            key_type,
            public_key,
            hash_algorithms,
            services,
            testing: flags.iter().any(|f| f.eq_ignore_ascii_case("y")),
            strict: flags.iter().any(|f| f.eq_ignore_ascii_case("s")),
            notes: tags.get("n").map(|n| String::from_utf8_lossy(n.value()).into_owned()),
            has_version,
        })
    }

    /// `k=` (RSA when absent).
    ///
    /// ```
    /// use dkim_core::{KeyRecord, KeyType, Limits};
    /// assert_eq!(KeyRecord::parse(b"v=DKIM1; k=ed25519; p=", &Limits::default())?.key_type(), KeyType::Ed25519);
    /// assert_eq!(KeyRecord::parse(b"v=DKIM1; p=", &Limits::default())?.key_type(), KeyType::Rsa);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// The key; `None` when `p=` is empty, which means revoked.
    ///
    /// ```
    /// use dkim_core::{KeyRecord, Limits};
    /// let text = b"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
    /// assert_eq!(KeyRecord::parse(text, &Limits::default())?.public_key().map(|k| k.bits()), Some(256));
    /// assert!(KeyRecord::parse(b"v=DKIM1; k=ed25519; p=", &Limits::default())?.public_key().is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn public_key(&self) -> Option<&PublicKey> {
        self.public_key.as_ref()
    }

    /// True when `p=` is empty (the key was revoked).
    ///
    /// ```
    /// use dkim_core::{KeyRecord, Limits};
    /// assert!(KeyRecord::parse(b"v=DKIM1; p=", &Limits::default())?.is_revoked());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_revoked(&self) -> bool {
        self.public_key.is_none()
    }

    /// `h=`: the hash algorithms the key may be used with (all when absent).
    ///
    /// ```
    /// use dkim_core::{KeyRecord, Limits};
    /// let record = KeyRecord::parse(b"v=DKIM1; h=sha1 : sha256; p=", &Limits::default())?;
    /// assert_eq!(record.hash_algorithms(), Some(&["sha1".to_string(), "sha256".to_string()][..]));
    /// assert_eq!(KeyRecord::parse(b"v=DKIM1; p=", &Limits::default())?.hash_algorithms(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn hash_algorithms(&self) -> Option<&[String]> {
        self.hash_algorithms.as_deref()
    }

    /// Whether the key allows `hash` (true when `h=` is absent).
    ///
    /// ```
    /// use dkim_core::{HashAlgorithm, KeyRecord, Limits};
    /// let record = KeyRecord::parse(b"v=DKIM1; h=sha256; p=", &Limits::default())?;
    /// assert!(record.allows_hash(HashAlgorithm::Sha256));
    /// assert!(!record.allows_hash(HashAlgorithm::Sha1));
    /// assert!(KeyRecord::parse(b"v=DKIM1; p=", &Limits::default())?.allows_hash(HashAlgorithm::Sha1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn allows_hash(&self, hash: HashAlgorithm) -> bool {
        self.hash_algorithms.as_ref().is_none_or(|l| l.iter().any(|h| h.eq_ignore_ascii_case(hash.as_str())))
    }

    /// `s=` service types (`*` when absent).
    ///
    /// ```
    /// use dkim_core::{KeyRecord, Limits};
    /// assert_eq!(KeyRecord::parse(b"v=DKIM1; s=email; p=", &Limits::default())?.services(), ["email"]);
    /// assert_eq!(KeyRecord::parse(b"v=DKIM1; p=", &Limits::default())?.services(), ["*"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn services(&self) -> &[String] {
        &self.services
    }

    /// Whether the key may sign email (`s=` contains `*` or `email`).
    ///
    /// ```
    /// use dkim_core::{KeyRecord, Limits};
    /// assert!(KeyRecord::parse(b"v=DKIM1; s=email; p=", &Limits::default())?.allows_email());
    /// assert!(KeyRecord::parse(b"v=DKIM1; p=", &Limits::default())?.allows_email()); // s=* by default
    /// assert!(!KeyRecord::parse(b"v=DKIM1; s=other; p=", &Limits::default())?.allows_email());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn allows_email(&self) -> bool {
        self.services.iter().any(|s| s == "*" || s.eq_ignore_ascii_case("email"))
    }

    /// `t=y`: the domain is testing DKIM.
    ///
    /// ```
    /// use dkim_core::{KeyRecord, Limits};
    /// assert!(KeyRecord::parse(b"v=DKIM1; t=y; p=", &Limits::default())?.is_testing());
    /// assert!(!KeyRecord::parse(b"v=DKIM1; t=s; p=", &Limits::default())?.is_testing());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_testing(&self) -> bool {
        self.testing
    }

    /// `t=s`: `i=` must use exactly `d=`, not a subdomain.
    ///
    /// ```
    /// use dkim_core::{KeyRecord, Limits};
    /// let record = KeyRecord::parse(b"v=DKIM1; t=y:s; p=", &Limits::default())?;
    /// assert!(record.is_strict() && record.is_testing());
    /// assert!(!KeyRecord::parse(b"v=DKIM1; p=", &Limits::default())?.is_strict());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_strict(&self) -> bool {
        self.strict
    }

    /// `n=` notes, raw.
    ///
    /// ```
    /// use dkim_core::{KeyRecord, Limits};
    /// assert_eq!(KeyRecord::parse(b"v=DKIM1; n=rotated 2026; p=", &Limits::default())?.notes(), Some("rotated 2026"));
    /// assert_eq!(KeyRecord::parse(b"v=DKIM1; p=", &Limits::default())?.notes(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn notes(&self) -> Option<&str> {
        self.notes.as_deref()
    }

    /// Whether the record has `v=DKIM1`.
    ///
    /// ```
    /// use dkim_core::{KeyRecord, Limits};
    /// assert!(KeyRecord::parse(b"v=DKIM1; p=", &Limits::default())?.has_version());
    /// assert!(!KeyRecord::parse(b"p=", &Limits::default())?.has_version()); // v= is optional
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn has_version(&self) -> bool {
        self.has_version
    }
}

/// Whether a TXT record's text looks like a DKIM key record at all: it
/// starts with `v=DKIM1` or has a `p=` tag. Used to pick, among several TXT
/// records at a name, the one whose parse error to report, and by
/// diagnostics to tell "not a DKIM record" from "a broken DKIM record".
///
/// ```
/// use dkim_core::key_record::looks_like_key_record;
/// assert!(looks_like_key_record(b"v=DKIM1; k=rsa; p=MIIB"));
/// assert!(looks_like_key_record(b"k=rsa; p=MIIB"));
/// assert!(!looks_like_key_record(b"google-site-verification=abc"));
/// ```
#[must_use]
pub fn looks_like_key_record(text: &[u8]) -> bool {
    let text = text.trim_ascii_start();
    text.starts_with(b"v=DKIM1") || text.windows(2).any(|w| w == b"p=")
}

/// The key record to publish for a public key, in the forms DNS needs: the
/// record text, its split into character-strings of at most 255 bytes (RFC
/// 1035 section 3.3.14; the strings are joined with nothing between them,
/// RFC 6376 section 3.6.2.2), and a zone-file line.
///
/// ```
/// use dkim_core::{Ed25519SigningKey, PrivateKey};
/// let key = PrivateKey::Ed25519(Ed25519SigningKey::from_seed(&[7; 32]));
/// let record = key.dns_record();
/// assert!(record.text().starts_with("v=DKIM1; k=ed25519; p="));
/// assert_eq!(record.name("2026", "example.com"), "2026._domainkey.example.com");
/// let line = record.zone_line("2026", "example.com");
/// assert!(line.starts_with("2026._domainkey.example.com. IN TXT ( \"v=DKIM1;"));
/// assert!(record.strings().all(|s| s.len() <= 255));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DnsRecord {
    text: String,
}

impl DnsRecord {
    /// The record for a key of `key_type` whose `p=` is `public_key_base64`.
    ///
    /// ```
    /// use dkim_core::{DnsRecord, KeyType};
    /// let record = DnsRecord::new(KeyType::Ed25519, "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
    /// assert_eq!(record.text(), "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
    /// ```
    #[must_use]
    pub fn new(key_type: KeyType, public_key_base64: &str) -> Self {
        Self { text: alloc::format!("v=DKIM1; k={key_type}; p={public_key_base64}") }
    }

    /// The whole record text, `v=DKIM1; k=...; p=...`.
    ///
    /// ```
    /// use dkim_core::{DnsRecord, KeyType};
    /// let record = DnsRecord::new(KeyType::Rsa, "MIIB");
    /// assert_eq!(record.text(), "v=DKIM1; k=rsa; p=MIIB");
    /// assert_eq!(record.to_string(), record.text());
    /// ```
    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The text split into character-strings of at most 255 bytes (the
    /// text is ASCII, so every split is at a character).
    ///
    /// ```
    /// use dkim_core::{DnsRecord, KeyType};
    /// let record = DnsRecord::new(KeyType::Rsa, &"A".repeat(400)); // an RSA key is too long for one string
    /// let lengths: Vec<usize> = record.strings().map(str::len).collect();
    /// assert_eq!(lengths, [255, 163]);
    /// assert_eq!(record.strings().collect::<String>(), record.text());
    /// ```
    pub fn strings(&self) -> impl Iterator<Item = &str> {
        // The record is ASCII (tag names and base64), so each 255-byte chunk
        // is valid UTF-8.
        self.text.as_bytes().chunks(255).map(|c| core::str::from_utf8(c).unwrap_or_default())
    }

    /// The DNS name of the record: `selector._domainkey.domain` (no final
    /// dot).
    ///
    /// ```
    /// use dkim_core::{DnsRecord, KeyType};
    /// let record = DnsRecord::new(KeyType::Ed25519, "AAAA");
    /// assert_eq!(record.name("2026", "example.com."), "2026._domainkey.example.com");
    /// ```
    #[must_use]
    pub fn name(&self, selector: &str, domain: &str) -> String {
        alloc::format!("{selector}._domainkey.{}", domain.trim_end_matches('.'))
    }

    /// A zone-file line (RFC 1035 master file): the absolute name, `IN TXT`
    /// and the quoted strings in parentheses, one per line.
    ///
    /// ```
    /// use dkim_core::{DnsRecord, KeyType};
    /// let record = DnsRecord::new(KeyType::Ed25519, "AAAA");
    /// let line = record.zone_line("2026", "example.com");
    /// assert_eq!(line, "2026._domainkey.example.com. IN TXT ( \"v=DKIM1; k=ed25519; p=AAAA\" )\n");
    /// ```
    #[must_use]
    pub fn zone_line(&self, selector: &str, domain: &str) -> String {
        let strings: Vec<String> = self.strings().map(|s| alloc::format!("\"{s}\"")).collect();
        alloc::format!("{}. IN TXT ( {} )\n", self.name(selector, domain), strings.join("\n\t"))
    }
}

impl fmt::Display for DnsRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Why a key record is not usable.
///
/// ```
/// use dkim_core::{KeyRecord, KeyRecordError, Limits};
/// let limits = Limits::default();
/// assert_eq!(KeyRecord::parse(b"v=DKIM2; p=", &limits), Err(KeyRecordError::UnsupportedVersion("DKIM2".into())));
/// assert_eq!(KeyRecord::parse(b"k=dsa; p=", &limits), Err(KeyRecordError::UnknownKeyType("dsa".into())));
/// assert_eq!(KeyRecord::parse(b"v=DKIM1; p=!!!", &limits), Err(KeyRecordError::InvalidBase64));
/// assert_eq!(KeyRecord::parse(b"p=; v=DKIM1", &limits), Err(KeyRecordError::VersionNotFirst));
/// ```
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyRecordError {
    /// Tag-list syntax error.
    TagList(TagListError),
    /// `v=` is not `DKIM1`.
    UnsupportedVersion(String),
    /// `v=` is present but not the first tag.
    VersionNotFirst,
    /// `k=` names an unknown key type.
    UnknownKeyType(String),
    /// There is no `p=` tag.
    MissingKey,
    /// `p=` is not valid base64.
    InvalidBase64,
    /// `p=` decodes but is not a usable key.
    Key(KeyError),
    /// The record is longer than [`Limits::max_key_record_bytes`].
    TooLarge {
        /// The limit.
        limit: usize,
    },
}

impl fmt::Display for KeyRecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TagList(e) => write!(f, "malformed key record: {e}"),
            Self::UnsupportedVersion(v) => write!(f, "key record v={v} is not DKIM1"),
            Self::VersionNotFirst => f.write_str("key record v= must be the first tag"),
            Self::UnknownKeyType(k) => write!(f, "key record k={k} is not a known key type"),
            Self::MissingKey => f.write_str("key record has no p= tag"),
            Self::InvalidBase64 => f.write_str("key record p= is not valid base64"),
            Self::Key(e) => write!(f, "key record p= is not usable: {e}"),
            Self::TooLarge { limit } => write!(f, "key record longer than the limit of {limit} bytes"),
        }
    }
}

impl core::error::Error for KeyRecordError {}

#[cfg(test)]
mod tests {
    use super::*;

    const RSA1024: &str = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB";
    const RSA_PKCS1: &str = "MIGJAoGBALVI635dLK4cJJAH3Lx6upo3X/Lm1tQz3mezcWTA3BUBnyIsdnRf57aD5BtNmhPrYYDlWlzw3UgnKisIxktkk5+iMQMlFtAS10JB8L3YadXNJY+JBcbeSi5TgJe4WFzNgW95FWDAuSTRXSWZfA/8xjflbTLDx0euFZOM7C4T0GwLAgMBAAE=";

    fn parse(s: &str) -> Result<KeyRecord, KeyRecordError> {
        KeyRecord::parse(s.as_bytes(), &Limits::default())
    }

    #[test]
    fn rsa_spki_and_pkcs1() {
        let r = parse(&alloc::format!("v=DKIM1; k=rsa; p={RSA1024}")).unwrap();
        assert_eq!(r.public_key().unwrap().bits(), 1024);
        let r = parse(&alloc::format!("p={RSA_PKCS1}")).unwrap();
        assert_eq!(r.public_key().unwrap().bits(), 1024);
        assert!(!r.has_version());
    }

    #[test]
    fn revoked_and_missing() {
        assert!(parse("k=rsa; t=y; p=").unwrap().is_revoked());
        assert_eq!(parse("k=rsa"), Err(KeyRecordError::MissingKey));
    }

    #[test]
    fn version_rules() {
        assert_eq!(parse("v=DKIM3; p="), Err(KeyRecordError::UnsupportedVersion("DKIM3".into())));
        assert_eq!(parse("k=rsa; v=DKIM1; p="), Err(KeyRecordError::VersionNotFirst));
    }

    #[test]
    fn flags_services_hashes() {
        let r = parse("v=DKIM1; s=email:web:fine; x1 = extra ; t = y:n:extra; h=md5:sha1; p= ; ").unwrap();
        assert!(r.is_testing());
        assert!(!r.is_strict());
        assert!(r.allows_email());
        assert!(r.allows_hash(HashAlgorithm::Sha1));
        assert!(!r.allows_hash(HashAlgorithm::Sha256));
        assert!(!parse("s=chat; p=").unwrap().allows_email());
        assert!(parse("t=s; p=").unwrap().is_strict());
    }

    #[test]
    fn bad_keys() {
        assert_eq!(parse("k=foobar; p="), Err(KeyRecordError::UnknownKeyType("foobar".into())));
        assert_eq!(parse("p=MIGf!"), Err(KeyRecordError::InvalidBase64));
        assert_eq!(parse("p=AAAA"), Err(KeyRecordError::Key(KeyError::NotAKey)));
        assert_eq!(
            parse("k=ed25519; p=MCowBQYDK2VwAyEA3SUqa9UbfciWkk7tlcJ9P1VD5pXAasg0JUn/OgjVbKE="),
            Err(KeyRecordError::Key(KeyError::Ed25519Length(44)))
        );
        assert!(matches!(parse("k=rsa; t; p=AAAA"), Err(KeyRecordError::TagList(_))));
    }

    #[test]
    fn size_limits() {
        let limits = Limits::default().max_key_record_bytes(10);
        assert_eq!(KeyRecord::parse(b"p=AAAAAAAAAAAAAA", &limits), Err(KeyRecordError::TooLarge { limit: 10 }));
        let limits = Limits::default().max_rsa_bits(512);
        assert!(matches!(
            KeyRecord::parse(alloc::format!("p={RSA1024}").as_bytes(), &limits),
            Err(KeyRecordError::Key(KeyError::RsaTooLarge { .. }))
        ));
    }
}
