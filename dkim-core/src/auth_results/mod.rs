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

use crate::arc::{ArcResult, ChainStatus};
use crate::lookup::Dnssec;
use crate::result::{SignatureResult, Verdict};
use crate::signature::Signature;

mod authserv;
mod escape;

pub use authserv::{AuthservIdError, authserv_id};
use escape::{escape_comment, property, sanitize_b, sanitize_reason, sanitize_value, truncate, write_value};

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
    /// The `arc=` result (RFC 8617 section 6): status, oldest-pass, reason.
    arc: Option<(ChainStatus, Option<u32>, Option<String>)>,
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
        Self { authserv_id: authserv_id.into(), resinfos: Vec::new(), arc: None }
    }

    /// A field with a resinfo for each verification result, in order
    /// (`dkim=none` when `results` is empty).
    ///
    /// ```
    /// use dkim_core::{AuthResults, Dnssec, Ed25519SigningKey, HeaderStatus, KeyAnswer, Policy, SignSession, Signer, Step, TxtRecord, Verifier};
    /// # use base64ct::Encoding;
    ///
    /// let key = Ed25519SigningKey::from_seed(&[7; 32]);
    /// let record = format!("v=DKIM1; k=ed25519; p={}", base64ct::Base64::encode_string(&key.public_key_bytes()));
    /// let message = b"From: Joe <joe@example.com>\r\nSubject: hi\r\n\r\nHello!\r\n";
    /// let mut session = SignSession::new(vec![Signer::builder(key, "example.com", "sel").timestamp(1_700_000_000).build()?]);
    /// let HeaderStatus::Complete(body) = session.headers(message)? else { unreachable!() };
    /// session.body(&message[body..]);
    /// let mut signed = session.finish()?.remove(0).into_bytes();
    /// signed.extend_from_slice(message);
    ///
    /// let mut v = Verifier::new(Policy::default(), 1_700_000_000);
    /// let HeaderStatus::Complete(body) = v.headers(&signed)? else { unreachable!() };
    /// while let Step::NeedKeys(requests) = v.step() {
    ///     v.answer_key(requests[0].id(), KeyAnswer::Records { records: vec![TxtRecord::from_text(&record)], dnssec: Dnssec::Authenticated });
    /// }
    /// v.body(&signed[body..]);
    /// v.finish()?;
    ///
    /// let field = AuthResults::from_results("mx.example.net", &v.results()).to_field();
    /// assert!(field.starts_with(
    ///     "Authentication-Results: mx.example.net;\r\n\tdkim=pass header.d=example.com header.s=sel header.i=@example.com\r\n\theader.a=ed25519-sha256 header.b="
    /// ));
    /// assert!(field.ends_with("(key DNSSEC-authenticated)"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_results(authserv_id: &str, results: &[SignatureResult]) -> Self {
        Self { authserv_id: authserv_id.into(), resinfos: results.iter().map(ResInfo::from).collect(), arc: None }
    }

    /// Adds the `arc=` result of an ARC chain (RFC 8617 section 6), after
    /// the `dkim=` results: `header.oldest-pass` on a passing chain, the
    /// reason as a comment on a failing one (escaped like every value).
    ///
    /// ```
    /// use dkim_core::arc::ArcResult;
    /// use dkim_core::AuthResults;
    ///
    /// let mut ar = AuthResults::new("mx.example.net");
    /// ar.arc(&ArcResult::none());
    /// assert_eq!(ar.to_value(), "mx.example.net;\r\n\tdkim=none;\r\n\tarc=none");
    /// ```
    pub fn arc(&mut self, result: &ArcResult) -> &mut Self {
        let reason = result.reason().map(ToString::to_string);
        self.arc = Some((result.status(), result.oldest_pass(), reason));
        self
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
        let bs: Vec<Option<String>> =
            self.resinfos.iter().map(|r| r.b.as_deref().map(sanitize_b).filter(|b| !b.is_empty())).collect();
        let mut all: Vec<Vec<String>> =
            self.resinfos.iter().enumerate().map(|(k, resinfo)| resinfo.atoms(b_prefix(k, &bs))).collect();
        if all.is_empty() {
            all.push(alloc::vec![alloc::format!("dkim={}", Verdict::None.as_str())]);
        }
        if let Some((status, oldest, reason)) = &self.arc {
            let mut atoms = alloc::vec![alloc::format!("arc={status}")];
            if let Some(o) = oldest {
                atoms.push(property("header.oldest-pass", &alloc::format!("{o}")));
            }
            if let Some(r) = reason {
                atoms.extend(comment_atoms(r));
            }
            all.push(atoms);
        }
        let count = all.len();
        for (k, mut atoms) in all.into_iter().enumerate() {
            if k + 1 < count
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
    /// The reason and notes, joined with "; " into one comment.
    comment: Vec<String>,
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
        Self { result, domain: None, selector: None, identity: None, algorithm: None, b: None, comment: Vec::new() }
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
    #[must_use]
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
    #[must_use]
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
    #[must_use]
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
    #[must_use]
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
    #[must_use]
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
    #[must_use]
    pub fn reason(mut self, reason: impl fmt::Display) -> Self {
        self.comment.insert(0, reason.to_string());
        self
    }

    /// Adds a note to the comment after the reason (the key's testing mode,
    /// its DNSSEC status), separated by `;`.
    ///
    /// ```
    /// use dkim_core::{AuthResults, ResInfo, Verdict};
    ///
    /// let mut ar = AuthResults::new("mx.example.net");
    /// ar.push(ResInfo::new(Verdict::Pass).note("key in testing mode, t=y"));
    /// assert!(ar.to_field().ends_with("\tdkim=pass (key in testing mode, t=y)"));
    /// ```
    #[must_use]
    pub fn note(mut self, note: impl fmt::Display) -> Self {
        self.comment.push(note.to_string());
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
    #[must_use]
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
        if !self.comment.is_empty() {
            atoms.extend(comment_atoms(&self.comment.join("; ")));
        }
        atoms
    }
}

/// A comment, sanitized and escaped, as words: `(first`, ..., `last)`.
fn comment_atoms(comment: &str) -> Vec<String> {
    let text = escape_comment(&sanitize_reason(comment));
    let mut atoms = Vec::new();
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
    atoms
}

impl From<&SignatureResult> for ResInfo {
    /// The verdict, the reason, and [`ResInfo::signature`] when the
    /// signature parsed; otherwise `d=` and `s=` as far as they were found.
    /// The comment also notes a key in testing mode (`t=y`) and, when the
    /// key source reported it, whether DNSSEC authenticated the key.
    ///
    /// ```
    /// use dkim_core::{AuthResults, Policy, SignatureResult, Verifier, HeaderStatus};
    ///
    /// let msg = b"DKIM-Signature: v=1; d=example.com; s=sel\r\nFrom: a@example.com\r\n\r\n";
    /// let mut v = Verifier::new(Policy::default(), 1_700_000_000);
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
        if result.testing() {
            resinfo = resinfo.note("key in testing mode, t=y");
        }
        match result.dnssec() {
            Dnssec::Authenticated => resinfo = resinfo.note("key DNSSEC-authenticated"),
            Dnssec::NotAuthenticated => resinfo = resinfo.note("key not DNSSEC-authenticated"),
            _ => {}
        }
        resinfo
    }
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
mod tests;
