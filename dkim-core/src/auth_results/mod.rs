//! The `Authentication-Results` header field ([RFC 8601]) for DKIM.
//!
//! [`AuthResults`] collects one [`ResInfo`] per `DKIM-Signature` and writes
//! a `dkim=` resinfo for each: the result word, `header.d`, `header.s`,
//! `header.i`, `header.a`, `header.b` ([RFC 6008]) and the reason as a
//! comment. A message without a signature gets `dkim=none`.
//!
//! ```
//! use dkim_core::{AuthResults, ResInfo, Verdict};
//!
//! let mut ar = AuthResults::new("mx.example.net");
//! ar.push(ResInfo::new(Verdict::Pass).domain("example.com").selector("sel").b("abcdEFGHijkl"));
//! assert_eq!(
//!     ar.to_field(),
//!     "Authentication-Results: mx.example.net;\r\n\tdkim=pass header.d=example.com header.s=sel header.b=abcdEFGH",
//! );
//! ```
//!
//! ## Escaping
//!
//! Every value may come from the message (a crafted `d=`, `s=`, `i=` or a
//! reason quoting them), so nothing is written raw:
//!
//! - In the authserv-id and in property values, every character outside
//!   printable ASCII (`' '..='~'`) becomes one `?`: CR, LF, NUL, TAB, other
//!   controls and each non-ASCII character. The result is written bare
//!   when it is an RFC 2045 `token` (no space, no control, none of
//!   `()<>@,;:\"/[]?=`) or, for properties, an address `[local-part]@domain`
//!   as RFC 8601 `pvalue` allows; otherwise as a quoted-string with `"` and
//!   `\` escaped by a backslash.
//! - The reason goes in a comment `( ... )` after the properties. Each run
//!   of whitespace and control characters becomes one space (leading and
//!   trailing ones are dropped), each non-ASCII character becomes `?`, and
//!   `(`, `)` and `\` are escaped by a backslash.
//! - The `b=` value keeps only base64 characters (`A-Z a-z 0-9 + / =`), so
//!   folding whitespace and anything else is dropped.
//!
//! Lines are folded with CRLF + TAB, the only line breaks in the output:
//! each resinfo starts on a line of its own, and properties and the words
//! of the reason are wrapped at 78 characters where they can be. A value is
//! never split, so to keep every line far below the 998-character limit of
//! RFC 5322, a property value longer than 320 characters (after the
//! replacements above) is left out rather than cut into a different name,
//! the authserv-id and the reason are cut to 320 characters (the reason
//! then ends in `...`), and `header.b` to 960.
//!
//! [RFC 8601]: https://www.rfc-editor.org/rfc/rfc8601
//! [RFC 6008]: https://www.rfc-editor.org/rfc/rfc6008

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use base64ct::{Base64, Encoding};

use crate::result::{SignatureResult, Verdict};
use crate::signature::Signature;

/// The header field name.
const FIELD_NAME: &str = "Authentication-Results";
/// Preferred line length (RFC 5322 section 2.1.1), without the CRLF.
const LINE_WIDTH: usize = 78;
/// Longest property value or authserv-id written, in characters.
const MAX_VALUE_CHARS: usize = 320;
/// Longest reason written, in characters, before `...`.
const MAX_REASON_CHARS: usize = 320;
/// Longest `header.b` written.
const MAX_B_CHARS: usize = 960;
/// Shortest `header.b` (RFC 6008 section 4).
const MIN_B_CHARS: usize = 8;
/// RFC 2045 `tspecials`.
const TSPECIALS: &[u8] = b"()<>@,;:\\\"/[]?=";

/// An `Authentication-Results` header field with one `dkim=` resinfo per
/// signature.
///
/// ```
/// use dkim_core::{AuthResults, ResInfo, Verdict};
///
/// let mut ar = AuthResults::new("mx.example.net");
/// ar.push(ResInfo::new(Verdict::Fail).domain("example.com").reason("body hash did not verify"));
/// ar.push(ResInfo::new(Verdict::Pass).domain("example.org"));
/// assert_eq!(
///     ar.to_value(),
///     "mx.example.net;\r\n\tdkim=fail header.d=example.com (body hash did not verify);\r\n\tdkim=pass header.d=example.org",
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthResults {
    authserv_id: String,
    resinfos: Vec<ResInfo>,
}

impl AuthResults {
    /// An empty field for the host or domain `authserv_id` (RFC 8601
    /// section 2.5). Without a pushed resinfo it reads `dkim=none`.
    ///
    /// ```
    /// use dkim_core::AuthResults;
    ///
    /// let ar = AuthResults::new("mx.example.net");
    /// assert_eq!(ar.to_field(), "Authentication-Results: mx.example.net;\r\n\tdkim=none");
    /// ```
    pub fn new(authserv_id: &str) -> Self {
        Self { authserv_id: authserv_id.into(), resinfos: Vec::new() }
    }

    /// A field with a resinfo for each verification result, in order
    /// (`dkim=none` when `results` is empty).
    ///
    /// ```
    /// use dkim_core::{AuthResults, Ed25519SigningKey, HeaderStatus, KeyAnswer, Policy, SignSession, Signer, Step, TxtRecord, Verifier};
    /// # use base64ct::Encoding;
    ///
    /// let key = Ed25519SigningKey::from_seed(&[7; 32]);
    /// let record = format!("v=DKIM1; k=ed25519; p={}", base64ct::Base64::encode_string(&key.public_key_bytes()));
    /// let message = b"From: Joe <joe@example.com>\r\nSubject: hi\r\n\r\nHello!\r\n";
    /// let mut session = SignSession::new(vec![Signer::builder(key, "example.com", "sel").build()?]);
    /// let HeaderStatus::Complete(body) = session.headers(message)? else { unreachable!() };
    /// session.body(&message[body..]);
    /// let mut signed = session.finish()?.remove(0).into_bytes();
    /// signed.extend_from_slice(message);
    ///
    /// let mut v = Verifier::new(Policy::default());
    /// let HeaderStatus::Complete(body) = v.headers(&signed)? else { unreachable!() };
    /// while let Step::NeedKeys(requests) = v.step() {
    ///     let id = requests[0].id();
    ///     v.answer_key(id, KeyAnswer::Records(vec![TxtRecord::from_text(&record)]));
    /// }
    /// v.body(&signed[body..]);
    /// v.finish()?;
    ///
    /// let field = AuthResults::from_results("mx.example.net", &v.results()).to_field();
    /// assert!(field.starts_with(
    ///     "Authentication-Results: mx.example.net;\r\n\tdkim=pass header.d=example.com header.s=sel header.i=@example.com\r\n\theader.a=ed25519-sha256 header.b="
    /// ));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_results(authserv_id: &str, results: &[SignatureResult]) -> Self {
        Self { authserv_id: authserv_id.into(), resinfos: results.iter().map(ResInfo::from).collect() }
    }

    /// Adds the resinfo of the next signature: a [`ResInfo`], or a
    /// [`SignatureResult`] by reference.
    ///
    /// ```
    /// use dkim_core::{AuthResults, ResInfo, Verdict};
    ///
    /// let mut ar = AuthResults::new("mx.example.net");
    /// ar.push(ResInfo::new(Verdict::TempError).domain("example.com")).push(ResInfo::new(Verdict::Pass));
    /// assert_eq!(ar.resinfos().len(), 2);
    /// ```
    pub fn push(&mut self, resinfo: impl Into<ResInfo>) -> &mut Self {
        self.resinfos.push(resinfo.into());
        self
    }

    /// The resinfos pushed so far, in order.
    ///
    /// ```
    /// use dkim_core::{AuthResults, ResInfo, Verdict};
    ///
    /// let mut ar = AuthResults::new("mx.example.net");
    /// assert!(ar.resinfos().is_empty());
    /// ar.push(ResInfo::new(Verdict::Pass));
    /// assert_eq!(ar.resinfos(), [ResInfo::new(Verdict::Pass)]);
    /// ```
    pub fn resinfos(&self) -> &[ResInfo] {
        &self.resinfos
    }

    /// The whole header field, `Authentication-Results: ` and the folded
    /// value, without the final CRLF.
    ///
    /// ```
    /// use dkim_core::{AuthResults, ResInfo, Verdict};
    ///
    /// let mut ar = AuthResults::new("mx.example.net");
    /// ar.push(ResInfo::new(Verdict::Pass).domain("example.com").identity("@example.com").algorithm("rsa-sha256"));
    /// assert_eq!(
    ///     ar.to_field(),
    ///     "Authentication-Results: mx.example.net;\r\n\tdkim=pass header.d=example.com header.i=@example.com header.a=rsa-sha256",
    /// );
    /// ```
    pub fn to_field(&self) -> String {
        let mut out = String::from(FIELD_NAME);
        out.push_str(": ");
        self.render(&mut out);
        out
    }

    /// The folded field value (everything after `Authentication-Results: `).
    ///
    /// ```
    /// use dkim_core::{AuthResults, ResInfo, Verdict};
    ///
    /// let mut ar = AuthResults::new("mx example");
    /// ar.push(ResInfo::new(Verdict::Fail).domain("example.com\r\nX-Injected: 1"));
    /// assert_eq!(ar.to_value(), "\"mx example\";\r\n\tdkim=fail header.d=\"example.com??X-Injected: 1\"");
    /// ```
    pub fn to_value(&self) -> String {
        let mut out = String::new();
        self.render(&mut out);
        out
    }

    fn render(&self, out: &mut String) {
        let id = truncate(sanitize_value(&self.authserv_id), MAX_VALUE_CHARS);
        write_value(out, &id, false);
        out.push(';');
        if self.resinfos.is_empty() {
            out.push_str("\r\n\tdkim=");
            out.push_str(Verdict::None.as_str());
            return;
        }
        let bs: Vec<Option<String>> =
            self.resinfos.iter().map(|r| r.b.as_deref().map(sanitize_b).filter(|b| !b.is_empty())).collect();
        for (k, resinfo) in self.resinfos.iter().enumerate() {
            let mut atoms = resinfo.atoms(b_prefix(k, &bs));
            if k + 1 < self.resinfos.len()
                && let Some(last) = atoms.last_mut()
            {
                last.push(';');
            }
            out.push_str("\r\n\t");
            let mut col = 1;
            for (i, atom) in atoms.iter().enumerate() {
                if i > 0 {
                    if col + 1 + atom.len() <= LINE_WIDTH {
                        out.push(' ');
                        col += 1;
                    } else {
                        out.push_str("\r\n\t");
                        col = 1;
                    }
                }
                out.push_str(atom);
                col += atom.len();
            }
        }
    }
}

/// What one signature contributes to the field: the result and the
/// properties known for it.
///
/// Build it from a [`SignatureResult`] (`ResInfo::from(&result)`, filling
/// everything the result knows), or by hand with the setters. Values are
/// given raw, as in the message; [`AuthResults`] escapes them (see the
/// [module documentation](self)).
///
/// ```
/// use dkim_core::{AuthResults, ResInfo, Verdict};
///
/// let resinfo = ResInfo::new(Verdict::Pass)
///     .domain("example.com")
///     .selector("sel")
///     .identity("@example.com")
///     .algorithm("rsa-sha256")
///     .b("abcdEFGHijklMNOP")
///     .reason("key in testing mode");
/// let mut ar = AuthResults::new("mx.example.net");
/// ar.push(resinfo);
/// assert_eq!(
///     ar.to_field(),
///     "Authentication-Results: mx.example.net;\r\n\
///      \tdkim=pass header.d=example.com header.s=sel header.i=@example.com\r\n\
///      \theader.a=rsa-sha256 header.b=abcdEFGH (key in testing mode)",
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResInfo {
    result: Verdict,
    domain: Option<String>,
    selector: Option<String>,
    identity: Option<String>,
    algorithm: Option<String>,
    b: Option<String>,
    reason: Option<String>,
}

impl ResInfo {
    /// A resinfo with the result word and no property.
    ///
    /// ```
    /// use dkim_core::{AuthResults, ResInfo, Verdict};
    ///
    /// let mut ar = AuthResults::new("mx.example.net");
    /// ar.push(ResInfo::new(Verdict::PermError));
    /// assert!(ar.to_field().ends_with("\tdkim=permerror"));
    /// ```
    pub fn new(result: Verdict) -> Self {
        Self { result, domain: None, selector: None, identity: None, algorithm: None, b: None, reason: None }
    }

    /// Sets `header.d`, the signing domain (`d=`).
    ///
    /// ```
    /// use dkim_core::{AuthResults, ResInfo, Verdict};
    ///
    /// let mut ar = AuthResults::new("mx.example.net");
    /// ar.push(ResInfo::new(Verdict::Pass).domain("example.com"));
    /// assert!(ar.to_field().ends_with("\tdkim=pass header.d=example.com"));
    /// ```
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// Sets `header.s`, the selector (`s=`).
    ///
    /// ```
    /// use dkim_core::{AuthResults, ResInfo, Verdict};
    ///
    /// let mut ar = AuthResults::new("mx.example.net");
    /// ar.push(ResInfo::new(Verdict::Pass).selector("2026"));
    /// assert!(ar.to_field().ends_with("\tdkim=pass header.s=2026"));
    /// ```
    pub fn selector(mut self, selector: impl Into<String>) -> Self {
        self.selector = Some(selector.into());
        self
    }

    /// Sets `header.i`, the agent or user identifier (`i=`, decoded).
    ///
    /// ```
    /// use dkim_core::{AuthResults, ResInfo, Verdict};
    ///
    /// let mut ar = AuthResults::new("mx.example.net");
    /// ar.push(ResInfo::new(Verdict::Pass).identity("joe@mail.example.com"));
    /// assert!(ar.to_field().ends_with("\tdkim=pass header.i=joe@mail.example.com"));
    /// ```
    pub fn identity(mut self, identity: impl Into<String>) -> Self {
        self.identity = Some(identity.into());
        self
    }

    /// Sets `header.a`, the algorithm (`a=`) as written.
    ///
    /// ```
    /// use dkim_core::{Algorithm, AuthResults, ResInfo, Verdict};
    ///
    /// let mut ar = AuthResults::new("mx.example.net");
    /// ar.push(ResInfo::new(Verdict::Pass).algorithm(Algorithm::Ed25519Sha256.as_str()));
    /// assert!(ar.to_field().ends_with("\tdkim=pass header.a=ed25519-sha256"));
    /// ```
    pub fn algorithm(mut self, algorithm: impl Into<String>) -> Self {
        self.algorithm = Some(algorithm.into());
        self
    }

    /// Sets the signature's `b=` value, base64 as in the field (folding
    /// whitespace allowed). `header.b` is its shortest prefix of at least 8
    /// characters that no other signature of the field shares (RFC 6008).
    ///
    /// ```
    /// use dkim_core::{AuthResults, ResInfo, Verdict};
    ///
    /// let mut ar = AuthResults::new("mx.example.net");
    /// ar.push(ResInfo::new(Verdict::Pass).b("abcdEFGH1111"));
    /// ar.push(ResInfo::new(Verdict::Pass).b("abcdEFGH2222"));
    /// let value = ar.to_value();
    /// assert!(value.contains("header.b=abcdEFGH1;") && value.ends_with("header.b=abcdEFGH2"));
    /// ```
    pub fn b(mut self, b: impl Into<String>) -> Self {
        self.b = Some(b.into());
        self
    }

    /// Sets the reason, written as a comment after the properties.
    ///
    /// ```
    /// use dkim_core::{AuthResults, Reason, ResInfo, Verdict};
    ///
    /// let mut ar = AuthResults::new("mx.example.net");
    /// ar.push(ResInfo::new(Verdict::PermError).reason(Reason::KeyRevoked));
    /// assert!(ar.to_field().ends_with("\tdkim=permerror (the key has been revoked \\(empty p=\\))"));
    /// ```
    pub fn reason(mut self, reason: impl fmt::Display) -> Self {
        self.reason = Some(reason.to_string());
        self
    }

    /// Sets `header.d`, `header.s`, `header.i`, `header.a` and the `b=`
    /// value from a parsed signature. `header.i` is `i=`, or `@` + `d=`
    /// when the signature has no `i=` tag (its default, RFC 6376 3.5).
    ///
    /// ```
    /// use dkim_core::{AuthResults, Limits, ResInfo, Signature, Verdict};
    ///
    /// let value = b" v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=abcdEFGH/+ij";
    /// let signature = Signature::parse(value, &Limits::default())?;
    /// let mut ar = AuthResults::new("mx.example.net");
    /// ar.push(ResInfo::new(Verdict::Fail).signature(&signature));
    /// assert!(ar.to_field().ends_with(
    ///     "dkim=fail header.d=example.com header.s=sel header.i=@example.com\r\n\theader.a=rsa-sha256 header.b=abcdEFGH"
    /// ));
    /// # Ok::<(), dkim_core::SignatureError>(())
    /// ```
    pub fn signature(self, signature: &Signature) -> Self {
        self.domain(signature.domain())
            .selector(signature.selector())
            .identity(signature.identity())
            .algorithm(signature.algorithm().as_str())
            .b(Base64::encode_string(signature.signature()))
    }

    /// The properties and the reason words, escaped, in output order.
    fn atoms(&self, b_prefix: Option<&str>) -> Vec<String> {
        let mut atoms = Vec::new();
        let mut method = String::from("dkim=");
        method.push_str(self.result.as_str());
        atoms.push(method);
        let properties = [
            ("header.d", &self.domain),
            ("header.s", &self.selector),
            ("header.i", &self.identity),
            ("header.a", &self.algorithm),
        ];
        for (name, value) in properties {
            let Some(value) = value else { continue };
            let value = sanitize_value(value);
            if value.len() > MAX_VALUE_CHARS {
                continue;
            }
            atoms.push(property(name, &value));
        }
        if let Some(b) = b_prefix {
            atoms.push(property("header.b", b));
        }
        if let Some(reason) = &self.reason {
            let text = escape_comment(&sanitize_reason(reason));
            let mut words = text.split(' ').filter(|w| !w.is_empty()).peekable();
            let mut first = true;
            while let Some(word) = words.next() {
                let mut atom = String::with_capacity(word.len() + 2);
                if first {
                    atom.push('(');
                    first = false;
                }
                atom.push_str(word);
                if words.peek().is_none() {
                    atom.push(')');
                }
                atoms.push(atom);
            }
        }
        atoms
    }
}

impl From<&SignatureResult> for ResInfo {
    /// The verdict, the reason, and [`ResInfo::signature`] when the
    /// signature parsed; otherwise `d=` and `s=` as far as they were found.
    ///
    /// ```
    /// use dkim_core::{AuthResults, Policy, SignatureResult, Verifier, HeaderStatus};
    ///
    /// let msg = b"DKIM-Signature: v=1; d=example.com; s=sel\r\nFrom: a@example.com\r\n\r\n";
    /// let mut v = Verifier::new(Policy::default());
    /// assert!(matches!(v.headers(msg), Ok(HeaderStatus::Complete(_))));
    /// let results: Vec<SignatureResult> = v.results();
    /// let mut ar = AuthResults::new("mx.example.net");
    /// ar.push(&results[0]);
    /// assert!(ar.to_field().starts_with("Authentication-Results: mx.example.net;\r\n\tdkim=permerror header.d=example.com header.s=sel ("));
    /// ```
    fn from(result: &SignatureResult) -> Self {
        let mut resinfo = Self::new(result.verdict());
        match result.signature() {
            Some(signature) => resinfo = resinfo.signature(signature),
            None => {
                resinfo.domain = result.domain().map(Into::into);
                resinfo.selector = result.selector().map(Into::into);
            }
        }
        if let Some(reason) = result.reason() {
            resinfo = resinfo.reason(reason);
        }
        resinfo
    }
}

/// `name=value`, the value escaped as an RFC 8601 `pvalue`.
fn property(name: &str, value: &str) -> String {
    let mut atom = String::with_capacity(name.len() + value.len() + 3);
    atom.push_str(name);
    atom.push('=');
    write_value(&mut atom, value, true);
    atom
}

/// The authserv-id of an `Authentication-Results` field value (RFC 8601
/// section 2.2): the host or domain that says it added the field.
///
/// A receiving MTA adding its own field must not let fields that claim its
/// authserv-id through (RFC 8601 section 5): a sender can write one that
/// says `dkim=pass`, and mail readers trust fields with their provider's
/// authserv-id. Read the id of each incoming field and drop those that
/// equal yours; compare without regard to ASCII case, as for a domain name.
///
/// `value` is the field's value (after the colon; folded or unfolded).
/// Comments and folding whitespace before the id are skipped, a quoted id
/// is unquoted; the id must be followed by whitespace, a comment, `;` or
/// the end. Only the id is read: the rest of the field is not checked.
///
/// ```
/// use dkim_core::auth_results::authserv_id;
///
/// let ours = "mx.example.net";
/// let incoming: [&[u8]; 3] = [
///     b" mx.example.net; dkim=pass header.d=bank.example",
///     b" (forged?)\r\n\tMX.Example.NET 1; spf=pass",
///     b" mail.example.org; dkim=fail",
/// ];
/// let kept: Vec<&[u8]> = incoming
///     .into_iter()
///     .filter(|v| !authserv_id(v).is_ok_and(|id| id.eq_ignore_ascii_case(ours)))
///     .collect();
/// assert_eq!(kept, [&b" mail.example.org; dkim=fail"[..]]);
/// ```
///
/// # Errors
///
/// [`AuthservIdError`] when no id can be read. Such a field is malformed;
/// dropping it as well is the cautious choice.
pub fn authserv_id(value: &[u8]) -> Result<String, AuthservIdError> {
    let mut at = skip_cfws(value, 0)?;
    let mut id = Vec::new();
    match value.get(at) {
        None => return Err(AuthservIdError::Missing),
        Some(b'"') => {
            at += 1;
            loop {
                match value.get(at) {
                    None => return Err(AuthservIdError::UnclosedQuotedString),
                    Some(b'"') => break,
                    Some(b'\\') => {
                        let Some(&c) = value.get(at + 1) else { return Err(AuthservIdError::UnclosedQuotedString) };
                        id.push(c);
                        at += 2;
                        continue;
                    }
                    // Folding inside the quotes: the line break goes.
                    Some(b'\r' | b'\n') => {}
                    Some(&c) => id.push(c),
                }
                at += 1;
            }
            at += 1;
        }
        Some(_) => {
            let token = value[at..].iter().take_while(|&&b| is_token_byte(b)).count();
            if token == 0 {
                return Err(AuthservIdError::Missing);
            }
            id.extend_from_slice(&value[at..at + token]);
            at += token;
        }
    }
    match value.get(at) {
        None | Some(b' ' | b'\t' | b'\r' | b'\n' | b'(' | b';') => {}
        // `dkim=pass` where the id belongs, `mx@example`, ...
        Some(_) => return Err(AuthservIdError::Missing),
    }
    String::from_utf8(id).map_err(|_| AuthservIdError::NotUtf8)
}

/// Why [`authserv_id`] could not read the authserv-id of a field value.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthservIdError {
    /// The value does not start (after comments and whitespace) with a
    /// token or quoted-string followed by whitespace, a comment, `;` or its
    /// end.
    Missing,
    /// A comment before the id is not closed.
    UnclosedComment,
    /// The quoted id is not closed.
    UnclosedQuotedString,
    /// The id is neither ASCII nor UTF-8.
    NotUtf8,
}

impl fmt::Display for AuthservIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Missing => "the Authentication-Results field does not start with an authserv-id",
            Self::UnclosedComment => "a comment before the authserv-id is not closed",
            Self::UnclosedQuotedString => "the quoted authserv-id is not closed",
            Self::NotUtf8 => "the authserv-id is not UTF-8",
        })
    }
}

#[cfg(feature = "std")]
impl std::error::Error for AuthservIdError {}

/// An RFC 2045 `token` byte (bytes above ASCII too, for RFC 6532 UTF-8
/// header fields).
fn is_token_byte(b: u8) -> bool {
    (b.is_ascii_graphic() && !TSPECIALS.contains(&b)) || b >= 0x80
}

/// The position after the comments and folding whitespace at `at`.
fn skip_cfws(value: &[u8], mut at: usize) -> Result<usize, AuthservIdError> {
    loop {
        match value.get(at) {
            Some(b' ' | b'\t' | b'\r' | b'\n') => at += 1,
            Some(b'(') => {
                let mut depth = 0usize;
                loop {
                    match value.get(at) {
                        None => return Err(AuthservIdError::UnclosedComment),
                        Some(b'\\') => at += 1,
                        Some(b'(') => depth += 1,
                        Some(b')') => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        Some(_) => {}
                    }
                    at += 1;
                }
                at += 1;
            }
            _ => return Ok(at),
        }
    }
}

/// Writes a sanitized (printable ASCII) value: bare when it is a token (or,
/// with `address`, an RFC 8601 `[local-part] "@" domain-name`), else as a
/// quoted-string.
fn write_value(out: &mut String, value: &str, address: bool) {
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
fn sanitize_value(value: &str) -> String {
    value.chars().map(|c| if (' '..='~').contains(&c) { c } else { '?' }).collect()
}

/// Cuts an ASCII string to `max` characters.
fn truncate(mut value: String, max: usize) -> String {
    value.truncate(max.min(value.len()));
    value
}

/// Whitespace and control runs become one space (none at the ends),
/// non-ASCII becomes `?`, cut to [`MAX_REASON_CHARS`] + `...`.
fn sanitize_reason(reason: &str) -> String {
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
fn escape_comment(text: &str) -> String {
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
fn sanitize_b(b: &str) -> String {
    b.chars().filter(|&c| c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '=').collect()
}

/// RFC 6008 section 4: the shortest prefix of signature `k`'s `b=`, at
/// least [`MIN_B_CHARS`] long, that is not a prefix of another signature's
/// (the whole value when none is), cut to [`MAX_B_CHARS`].
fn b_prefix(k: usize, bs: &[Option<String>]) -> Option<&str> {
    let own = bs.get(k)?.as_deref()?;
    let mut len = MIN_B_CHARS;
    for (j, other) in bs.iter().enumerate() {
        if j != k
            && let Some(other) = other
        {
            let common = own.bytes().zip(other.bytes()).take_while(|(a, b)| a == b).count();
            len = len.max(common + 1);
        }
    }
    own.get(..len.min(own.len()).min(MAX_B_CHARS))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    extern crate std;

    use alloc::format;
    use alloc::vec;

    use proptest::prelude::*;

    use super::*;
    use crate::policy::Limits;
    use crate::result::Reason;

    /// A parsed `Authentication-Results` field.
    #[derive(Debug)]
    struct Parsed {
        authserv_id: String,
        resinfos: Vec<ParsedResInfo>,
    }

    #[derive(Debug, Default)]
    struct ParsedResInfo {
        method: String,
        result: String,
        properties: Vec<(String, String)>,
        comments: Vec<String>,
    }

    impl ParsedResInfo {
        fn property(&self, name: &str) -> Option<&str> {
            self.properties.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
        }
    }

    /// Checks the line structure of a field: printable ASCII, TAB, and CRLF
    /// only as "\r\n\t", every line at most 998 characters.
    fn check_lines(field: &str) {
        assert!(
            field.bytes().all(|b| b == b'\r' || b == b'\n' || b == b'\t' || (0x20..0x7f).contains(&b)),
            "{field:?}"
        );
        let bytes = field.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            match b {
                b'\r' => assert_eq!(bytes.get(i + 1..i + 3), Some(&b"\n\t"[..]), "bare CR in {field:?}"),
                b'\n' => assert_eq!(bytes.get(i - 1), Some(&b'\r'), "bare LF in {field:?}"),
                _ => {}
            }
        }
        for line in field.split("\r\n") {
            assert!(!line.trim().is_empty(), "blank line in {field:?}");
            assert!(line.len() <= 998, "line of {} in {field:?}", line.len());
        }
    }

    /// How many `;`-separated parts the value has outside quoted-strings
    /// and comments.
    fn top_level_parts(value: &str) -> usize {
        let (mut parts, mut quoted, mut depth, mut escaped) = (1, false, 0usize, false);
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
                depth = depth.saturating_sub(1);
            } else if depth == 0 && c == '"' {
                quoted = true;
            } else if depth == 0 && c == ';' {
                parts += 1;
            }
        }
        parts
    }

    struct Cursor<'a> {
        s: &'a [u8],
        at: usize,
    }

    impl Cursor<'_> {
        fn peek(&self) -> Option<u8> {
            self.s.get(self.at).copied()
        }

        fn bump(&mut self) -> Option<u8> {
            let c = self.peek();
            self.at += 1;
            c
        }

        fn expect(&mut self, c: u8) -> Result<(), String> {
            match self.bump() {
                Some(got) if got == c => Ok(()),
                got => Err(format!("expected {:?} at {}, got {:?}", c as char, self.at - 1, got.map(char::from))),
            }
        }

        /// Skips whitespace and comments, returning the comments' text
        /// (escapes resolved, whitespace runs as one space).
        fn cfws(&mut self) -> Result<Vec<String>, String> {
            let mut comments = Vec::new();
            loop {
                match self.peek() {
                    Some(b' ' | b'\t') => self.at += 1,
                    Some(b'(') => comments.push(self.comment()?),
                    _ => return Ok(comments),
                }
            }
        }

        fn comment(&mut self) -> Result<String, String> {
            self.expect(b'(')?;
            let mut text = String::new();
            let mut depth = 1;
            loop {
                let c = self.bump().ok_or("unterminated comment")?;
                match c {
                    b'\\' => text.push(char::from(self.bump().ok_or("escape at end")?)),
                    b'(' => {
                        depth += 1;
                        text.push('(');
                    }
                    b')' => {
                        depth -= 1;
                        if depth == 0 {
                            return Ok(text.split([' ', '\t']).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" "));
                        }
                        text.push(')');
                    }
                    c => text.push(char::from(c)),
                }
            }
        }

        /// RFC 8601 `value` or `pvalue`: a quoted-string, or the bare run up
        /// to whitespace, `;` or `(`.
        fn value(&mut self) -> Result<String, String> {
            let mut out = String::new();
            if self.peek() == Some(b'"') {
                self.at += 1;
                loop {
                    match self.bump().ok_or("unterminated quoted-string")? {
                        b'"' => return Ok(out),
                        b'\\' => out.push(char::from(self.bump().ok_or("escape at end")?)),
                        b'\t' | b'\r' | b'\n' => return Err("whitespace control in quoted-string".into()),
                        c => out.push(char::from(c)),
                    }
                }
            }
            while let Some(c) = self.peek() {
                if matches!(c, b' ' | b'\t' | b';' | b'(' | b')' | b'"' | b'\\') {
                    break;
                }
                out.push(char::from(c));
                self.at += 1;
            }
            if out.is_empty() { Err(format!("empty value at {}", self.at)) } else { Ok(out) }
        }

        fn word(&mut self, extra: &[u8]) -> Result<String, String> {
            let start = self.at;
            while self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || extra.contains(&c)) {
                self.at += 1;
            }
            if self.at == start {
                return Err(format!("expected a word at {start}"));
            }
            Ok(String::from_utf8_lossy(&self.s[start..self.at]).into_owned())
        }
    }

    /// A small RFC 8601 parser, enough for what `AuthResults` writes.
    fn parse_field(field: &str) -> Result<Parsed, String> {
        check_lines(field);
        let value = field.strip_prefix("Authentication-Results: ").ok_or("field name")?;
        let unfolded = value.replace("\r\n", "");
        let mut c = Cursor { s: unfolded.as_bytes(), at: 0 };
        c.cfws()?;
        let authserv_id = c.value()?;
        c.cfws()?;
        c.expect(b';')?;
        let mut resinfos = Vec::new();
        loop {
            let mut r = ParsedResInfo::default();
            r.comments.extend(c.cfws()?);
            r.method = c.word(b"-")?;
            c.expect(b'=')?;
            r.result = c.word(b"")?;
            loop {
                r.comments.extend(c.cfws()?);
                match c.peek() {
                    None | Some(b';') => break,
                    Some(_) => {
                        let ptype = c.word(b"")?;
                        c.expect(b'.')?;
                        let name = c.word(b"-_")?;
                        c.expect(b'=')?;
                        let value = c.value()?;
                        r.properties.push((format!("{ptype}.{name}"), value));
                    }
                }
            }
            resinfos.push(r);
            if c.bump().is_none() {
                break;
            }
        }
        assert_eq!(top_level_parts(value), resinfos.len() + 1, "{field:?}");
        Ok(Parsed { authserv_id, resinfos })
    }

    fn field(resinfos: Vec<ResInfo>) -> String {
        let mut ar = AuthResults::new("mx.example.net");
        for r in resinfos {
            ar.push(r);
        }
        ar.to_field()
    }

    fn b_values(bs: &[&str]) -> Vec<String> {
        let f = field(bs.iter().map(|b| ResInfo::new(Verdict::Pass).b(*b)).collect());
        parse_field(&f).unwrap().resinfos.iter().map(|r| r.property("header.b").unwrap().into()).collect()
    }

    #[test]
    fn full_resinfo_exact() {
        let f = field(vec![
            ResInfo::new(Verdict::Pass)
                .domain("example.com")
                .selector("sel")
                .identity("@example.com")
                .algorithm("rsa-sha256")
                .b("abcdEFGHijklmnop"),
        ]);
        assert_eq!(
            f,
            "Authentication-Results: mx.example.net;\r\n\
             \tdkim=pass header.d=example.com header.s=sel header.i=@example.com\r\n\
             \theader.a=rsa-sha256 header.b=abcdEFGH"
        );
    }

    #[test]
    fn several_resinfos_exact() {
        let f = field(vec![
            ResInfo::new(Verdict::Fail)
                .domain("example.com")
                .selector("s1")
                .algorithm("rsa-sha256")
                .b("AAAAAAAA1/+")
                .reason(Reason::BodyHashMismatch),
            ResInfo::new(Verdict::TempError)
                .domain("example.org")
                .selector("s2")
                .b("AAAAAAAA2")
                .reason(Reason::KeyLookupTempFail),
        ]);
        assert_eq!(
            f,
            "Authentication-Results: mx.example.net;\r\n\
             \tdkim=fail header.d=example.com header.s=s1 header.a=rsa-sha256\r\n\
             \theader.b=AAAAAAAA1 (body hash did not verify: the body was changed after\r\n\
             \tsigning);\r\n\
             \tdkim=temperror header.d=example.org header.s=s2 header.b=AAAAAAAA2 (the key\r\n\
             \tlookup failed temporarily \\(DNS error or timeout\\))"
        );
        for line in f.split("\r\n") {
            assert!(line.len() <= LINE_WIDTH, "{line:?}");
        }
        let p = parse_field(&f).unwrap();
        assert_eq!(p.resinfos[0].comments, [Reason::BodyHashMismatch.to_string()]);
        assert_eq!(p.resinfos[1].comments, [Reason::KeyLookupTempFail.to_string()]);
    }

    #[test]
    fn no_signature_is_none() {
        let ar = AuthResults::new("mx.example.net");
        assert_eq!(ar.to_field(), "Authentication-Results: mx.example.net;\r\n\tdkim=none");
        assert_eq!(ar.to_value(), "mx.example.net;\r\n\tdkim=none");
        assert_eq!(AuthResults::from_results("mx.example.net", &[]), ar);
        let p = parse_field(&ar.to_field()).unwrap();
        assert_eq!(p.resinfos.len(), 1);
        assert_eq!(p.resinfos[0].result, "none");
        assert!(p.resinfos[0].properties.is_empty());
    }

    #[test]
    fn every_verdict_word() {
        let verdicts = [
            Verdict::None,
            Verdict::Pass,
            Verdict::Fail,
            Verdict::Neutral,
            Verdict::Policy,
            Verdict::TempError,
            Verdict::PermError,
        ];
        let p = parse_field(&field(verdicts.iter().map(|&v| ResInfo::new(v)).collect())).unwrap();
        let words: Vec<&str> = p.resinfos.iter().map(|r| r.result.as_str()).collect();
        assert_eq!(words, ["none", "pass", "fail", "neutral", "policy", "temperror", "permerror"]);
        assert!(p.resinfos.iter().all(|r| r.method == "dkim"));
    }

    #[test]
    fn from_signature_result() {
        let value = b" v=1; a=ed25519-sha256; d=example.com; s=sel; i=joe=40x@mail.example.com; h=from; bh=AAAA;\r\n b=AQIDBAUGBwgJ";
        let signature = Signature::parse(value, &Limits::default()).unwrap();
        let result = SignatureResult {
            index: 0,
            field_index: 0,
            verdict: Verdict::Fail,
            reason: Some(Reason::SignatureMismatch),
            signature: Some(signature),
            domain: Some("example.com".into()),
            selector: Some("sel".into()),
            testing: false,
            key_bits: None,
            unsigned_body_bytes: None,
            body_hash_matched: Some(true),
        };
        let unparsed = SignatureResult {
            verdict: Verdict::PermError,
            reason: Some(Reason::Signature(crate::signature::SignatureError::MissingTag("b"))),
            signature: None,
            domain: Some("bad example".into()),
            selector: None,
            ..result.clone()
        };
        let ar = AuthResults::from_results("mx.example.net", &[result, unparsed]);
        let p = parse_field(&ar.to_field()).unwrap();
        let r = &p.resinfos[0];
        assert_eq!(r.result, "fail");
        assert_eq!(r.property("header.d"), Some("example.com"));
        assert_eq!(r.property("header.s"), Some("sel"));
        assert_eq!(r.property("header.i"), Some("joe@x@mail.example.com"));
        assert_eq!(r.property("header.a"), Some("ed25519-sha256"));
        assert_eq!(r.property("header.b"), Some("AQIDBAUG"));
        assert_eq!(r.comments, [Reason::SignatureMismatch.to_string()]);
        let r = &p.resinfos[1];
        assert_eq!(r.result, "permerror");
        assert_eq!(r.properties, [("header.d".to_string(), "bad example".to_string())]);
        assert_eq!(r.comments.len(), 1);
        // The pushed form is the same.
        let mut pushed = AuthResults::new("mx.example.net");
        for result in &ar.resinfos {
            pushed.push(result.clone());
        }
        assert_eq!(pushed.to_field(), ar.to_field());
    }

    #[test]
    fn header_b_unique_at_eight() {
        assert_eq!(b_values(&["abcdefghXYZ", "bcdefghiXYZ", "cdefghijXYZ"]), ["abcdefgh", "bcdefghi", "cdefghij"]);
        assert_eq!(b_values(&["abcdefghXYZ"]), ["abcdefgh"]);
    }

    #[test]
    fn header_b_longer_when_shared() {
        let common = "A".repeat(40);
        let b1 = format!("{common}1xxxxx");
        let b2 = format!("{common}2xxxxx");
        let b3 = format!("{common}21yyyy");
        let b4 = "Bxxxxxxxxxxxxxxxxxx".to_string();
        let got = b_values(&[&b1, &b2, &b3, &b4]);
        assert_eq!(got, [format!("{common}1"), format!("{common}2x"), format!("{common}21"), "Bxxxxxxx".into()]);
        // Each prefix is unique and the shortest such.
        let all = [&b1, &b2, &b3, &b4];
        for (k, prefix) in got.iter().enumerate() {
            for (j, other) in all.iter().enumerate() {
                assert_eq!(other.starts_with(prefix.as_str()), j == k);
            }
            let shorter = &prefix[..prefix.len() - 1];
            assert!(shorter.len() < MIN_B_CHARS || all.iter().filter(|o| o.starts_with(shorter)).count() > 1);
        }
    }

    #[test]
    fn header_b_identical_and_short_values() {
        let long = "Q".repeat(100);
        assert_eq!(b_values(&[&long, &long, "short"]), [long.clone(), long.clone(), "short".into()]);
        // One value is a prefix of the other: the shorter is written whole.
        assert_eq!(b_values(&["abcdefghij", "abcdefghijkl"]), ["abcdefghij", "abcdefghijk"]);
        // Very long identical values are cut.
        let huge = "Z".repeat(2000);
        assert_eq!(b_values(&[&huge, &huge]), ["Z".repeat(MAX_B_CHARS), "Z".repeat(MAX_B_CHARS)]);
    }

    #[test]
    fn header_b_folding_whitespace_and_quoting() {
        let f = field(vec![
            ResInfo::new(Verdict::Pass).b("ab/d\r\n ef+h ijkl"),
            ResInfo::new(Verdict::Pass).b("Zm9v\r\n\tYmFy="),
            ResInfo::new(Verdict::Pass).b("\r\n \t"),
        ]);
        assert!(f.contains("header.b=\"ab/def+h\";"), "{f:?}");
        let p = parse_field(&f).unwrap();
        assert_eq!(p.resinfos[0].property("header.b"), Some("ab/def+h"));
        assert_eq!(p.resinfos[1].property("header.b"), Some("Zm9vYmFy"));
        assert_eq!(p.resinfos[2].property("header.b"), None);
    }

    #[test]
    fn crlf_in_domain_cannot_add_a_field() {
        let f = field(vec![ResInfo::new(Verdict::Pass).domain("example.com\r\nX-Injected: 1").selector("s\n\ta")]);
        check_lines(&f);
        assert!(!f.contains("\r\nX-Injected"));
        assert_eq!(f.matches("\r\n").count(), f.matches("\r\n\t").count());
        let p = parse_field(&f).unwrap();
        assert_eq!(p.resinfos.len(), 1);
        assert_eq!(p.resinfos[0].property("header.d"), Some("example.com??X-Injected: 1"));
        assert_eq!(p.resinfos[0].property("header.s"), Some("s??a"));
    }

    #[test]
    fn semicolon_in_values_cannot_add_a_resinfo() {
        let f = field(vec![
            ResInfo::new(Verdict::Fail)
                .domain("a; dkim=pass")
                .selector("x\" header.d=evil")
                .identity("\\\"; dkim=pass"),
            ResInfo::new(Verdict::Fail).domain("b;").reason("x); dkim=pass (y"),
        ]);
        let p = parse_field(&f).unwrap();
        assert_eq!(p.resinfos.len(), 2);
        assert_eq!(p.resinfos[0].properties.len(), 3);
        assert_eq!(p.resinfos[0].property("header.d"), Some("a; dkim=pass"));
        assert_eq!(p.resinfos[0].property("header.s"), Some("x\" header.d=evil"));
        assert_eq!(p.resinfos[0].property("header.i"), Some("\\\"; dkim=pass"));
        assert_eq!(p.resinfos[1].property("header.d"), Some("b;"));
        assert_eq!(p.resinfos[1].comments, ["x); dkim=pass (y"]);
        assert!(p.resinfos.iter().all(|r| r.result == "fail"));
    }

    #[test]
    fn reason_cannot_escape_its_comment() {
        let reason = "bad ) ( \\ \r\nX-Injected: 1\r\n\r\n; dkim=pass \\";
        let f =
            field(vec![ResInfo::new(Verdict::Fail).domain("example.com").reason(reason), ResInfo::new(Verdict::Pass)]);
        check_lines(&f);
        assert!(f.contains("(bad \\) \\( \\\\ X-Injected: 1 ; dkim=pass \\\\);"), "{f:?}");
        let p = parse_field(&f).unwrap();
        assert_eq!(p.resinfos.len(), 2);
        assert_eq!(p.resinfos[0].comments, [sanitize_reason(reason)]);
        assert_eq!(p.resinfos[0].comments, ["bad ) ( \\ X-Injected: 1 ; dkim=pass \\"]);
        assert_eq!(p.resinfos[1].result, "pass");
    }

    #[test]
    fn authserv_id_is_quoted() {
        let mut ar = AuthResults::new("mx.example.net; dkim=pass\r\n");
        ar.push(ResInfo::new(Verdict::Fail));
        let f = ar.to_field();
        assert_eq!(f, "Authentication-Results: \"mx.example.net; dkim=pass??\";\r\n\tdkim=fail");
        let p = parse_field(&f).unwrap();
        assert_eq!(p.authserv_id, "mx.example.net; dkim=pass??");
        assert_eq!(p.resinfos.len(), 1);
        assert_eq!(AuthResults::new("").to_value(), "\"\";\r\n\tdkim=none");
    }

    #[test]
    fn non_ascii_and_nul_become_question_marks() {
        let f = field(vec![
            ResInfo::new(Verdict::Pass)
                .domain("bücher.example")
                .selector("s\0l")
                .identity("jo\u{2028}e@example.com")
                .reason("é\u{85}ß"),
        ]);
        let p = parse_field(&f).unwrap();
        let r = &p.resinfos[0];
        assert_eq!(r.property("header.d"), Some("b?cher.example"));
        assert_eq!(r.property("header.s"), Some("s?l"));
        assert_eq!(r.property("header.i"), Some("jo?e@example.com"));
        assert_eq!(r.comments, ["? ?"]);
    }

    #[test]
    fn bare_and_quoted_values() {
        let f = field(vec![
            ResInfo::new(Verdict::Pass)
                .domain("example.com")
                .selector("sel-1_x")
                .identity("joe.bloggs+tag@mail.example.com")
                .algorithm("rsa-sha256"),
            ResInfo::new(Verdict::Pass).domain("a b").selector("").identity("@-bad-.example").algorithm("x=y"),
        ]);
        assert!(f.contains(
            "dkim=pass header.d=example.com header.s=sel-1_x\r\n\theader.i=joe.bloggs+tag@mail.example.com header.a=rsa-sha256;"
        ));
        assert!(f.ends_with("dkim=pass header.d=\"a b\" header.s=\"\" header.i=\"@-bad-.example\" header.a=\"x=y\""));
        let p = parse_field(&f).unwrap();
        assert_eq!(p.resinfos[1].property("header.s"), Some(""));
    }

    #[test]
    fn overlong_values_are_left_out_or_cut() {
        let long = "a".repeat(MAX_VALUE_CHARS + 1);
        let ok = "b".repeat(MAX_VALUE_CHARS);
        let reason = "\"()\\".repeat(1000);
        let mut ar = AuthResults::new(&"m".repeat(2000));
        ar.push(
            ResInfo::new(Verdict::Fail)
                .domain(&*long)
                .selector(&*ok)
                .identity("\"".repeat(MAX_VALUE_CHARS))
                .reason(&*reason),
        );
        let f = ar.to_field();
        let p = parse_field(&f).unwrap();
        assert_eq!(p.authserv_id, "m".repeat(MAX_VALUE_CHARS));
        let r = &p.resinfos[0];
        assert_eq!(r.property("header.d"), None);
        assert_eq!(r.property("header.s"), Some(ok.as_str()));
        assert_eq!(r.property("header.i"), Some("\"".repeat(MAX_VALUE_CHARS).as_str()));
        assert_eq!(r.comments, [format!("{}...", &reason[..MAX_REASON_CHARS])]);
    }

    #[test]
    fn long_reason_is_folded() {
        let reason = "word ".repeat(60);
        let f = field(vec![ResInfo::new(Verdict::Fail).domain("example.com").reason(&*reason)]);
        for line in f.split("\r\n") {
            assert!(line.len() <= LINE_WIDTH, "{line:?}");
        }
        assert_eq!(parse_field(&f).unwrap().resinfos[0].comments, [reason.trim_end()]);
    }

    /// Strings with controls, quotes, parentheses, separators and
    /// non-ASCII, or arbitrary bytes read as UTF-8.
    #[test]
    fn authserv_id_forms() {
        let ok: &[(&[u8], &str)] = &[
            (b"mx.example.net; dkim=pass", "mx.example.net"),
            (b" mx.example.net;dkim=pass", "mx.example.net"),
            (b"mx.example.net", "mx.example.net"),
            (b"mx.example.net 1; none", "mx.example.net"),
            (b"mx.example.net(comment); none", "mx.example.net"),
            (b" (a (nested) comment \\) with \\( escapes)\r\n\t mx.example.net; none", "mx.example.net"),
            (b"\r\n\tmx.example.net\r\n\t; none", "mx.example.net"),
            (b"\"mx example\"; none", "mx example"),
            (b"\"a\\\"b\\\\c\"; none", "a\"b\\c"),
            (b"\"folded\r\n\tid\"; none", "folded\tid"),
            (b"\"\"; none", ""),
            ("m\u{e9}l.example; none".as_bytes(), "m\u{e9}l.example"),
        ];
        for (value, id) in ok {
            assert_eq!(authserv_id(value).as_deref(), Ok(*id), "{:?}", String::from_utf8_lossy(value));
        }
        let bad: &[(&[u8], AuthservIdError)] = &[
            (b"", AuthservIdError::Missing),
            (b" \r\n\t ", AuthservIdError::Missing),
            (b"; dkim=pass", AuthservIdError::Missing),
            (b"dkim=pass", AuthservIdError::Missing),
            (b"mx@example.net; none", AuthservIdError::Missing),
            (b"mx.example.net\"x\"; none", AuthservIdError::Missing),
            (b"(unclosed mx.example.net; none", AuthservIdError::UnclosedComment),
            (b"(a (b) mx.example.net; none", AuthservIdError::UnclosedComment),
            (b"(ends in a backslash \\", AuthservIdError::UnclosedComment),
            (b"\"unclosed; none", AuthservIdError::UnclosedQuotedString),
            (b"\"ends in a backslash\\", AuthservIdError::UnclosedQuotedString),
            (b"mx.\xff.example; none", AuthservIdError::NotUtf8),
        ];
        for (value, err) in bad {
            assert_eq!(authserv_id(value), Err(*err), "{:?}", String::from_utf8_lossy(value));
            assert!(!err.to_string().is_empty());
        }
    }

    fn nasty() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            proptest::collection::vec(any::<u8>(), 0..80).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
            "[a-z.;=\"\\\\() \r\n\t\0@é]{0,40}",
        ]
    }

    fn resinfo_strategy() -> impl Strategy<Value = ResInfo> {
        let verdict = prop_oneof![
            Just(Verdict::None),
            Just(Verdict::Pass),
            Just(Verdict::Fail),
            Just(Verdict::Neutral),
            Just(Verdict::Policy),
            Just(Verdict::TempError),
            Just(Verdict::PermError),
        ];
        let opt = || proptest::option::of(nasty());
        (verdict, opt(), opt(), opt(), opt(), opt(), opt()).prop_map(|(v, d, s, i, a, b, reason)| {
            let mut r = ResInfo::new(v);
            r.domain = d;
            r.selector = s;
            r.identity = i;
            r.algorithm = a;
            r.b = b;
            r.reason = reason;
            r
        })
    }

    proptest! {
        #[test]
        fn any_input_gives_one_well_formed_field(
            authserv_id in nasty(),
            resinfos in proptest::collection::vec(resinfo_strategy(), 0..5),
        ) {
            let mut ar = AuthResults::new(&authserv_id);
            for r in &resinfos {
                ar.push(r.clone());
            }
            let f = ar.to_field();
            prop_assert!(f.is_ascii());
            check_lines(&f);
            prop_assert_eq!(f.matches("\r\n").count(), f.matches("\r\n\t").count());
            prop_assert_eq!(format!("Authentication-Results: {}", ar.to_value()), f.clone());
            let p = parse_field(&f).map_err(|e| TestCaseError::fail(format!("{e}: {f:?}")))?;
            prop_assert_eq!(p.resinfos.len(), resinfos.len().max(1));
            prop_assert_eq!(&p.authserv_id, &truncate(sanitize_value(&authserv_id), MAX_VALUE_CHARS));
            // The public reader finds the id we wrote.
            prop_assert_eq!(super::authserv_id(ar.to_value().as_bytes()), Ok(p.authserv_id.clone()));
            for (parsed, r) in p.resinfos.iter().zip(&resinfos) {
                prop_assert_eq!(&parsed.method, "dkim");
                prop_assert_eq!(parsed.result.as_str(), r.result.as_str());
                let fields = [("header.d", &r.domain), ("header.s", &r.selector), ("header.i", &r.identity), ("header.a", &r.algorithm)];
                for (name, value) in fields {
                    let expected = value.as_deref().map(sanitize_value).filter(|v| v.len() <= MAX_VALUE_CHARS);
                    prop_assert_eq!(parsed.property(name), expected.as_deref());
                }
                let full = sanitize_b(r.b.as_deref().unwrap_or_default());
                prop_assert_eq!(parsed.property("header.b").is_some(), !full.is_empty());
                if let Some(b) = parsed.property("header.b") {
                    prop_assert!(full.starts_with(b) && b.len() >= MIN_B_CHARS.min(full.len()));
                }
                let reason = r.reason.as_deref().map(sanitize_reason).filter(|t| !t.is_empty());
                prop_assert_eq!(parsed.comments.first(), reason.as_ref());
                prop_assert!(parsed.comments.len() <= 1);
            }
        }
    }
}
