//! Streaming signing: [`SignSession`] and [`UnsignedSignature`].

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use base64ct::{Base64, Encoding};

use super::field::format_field;
use super::{SignError, Signer};
use crate::canon::header::header_hash;
use crate::crypto::{Algorithm, SigningKey};
use crate::hash::{BodyHashId, BodyHashKey, BodyHashes};
use crate::header::{Collected, HeaderBlock, HeaderCollector, LfNormalizer};
use crate::policy::{Limits, LineEndings};
use crate::verify::HeaderStatus;

/// Signs a message with several signers in one pass.
///
/// ```
/// use dkim_core::{Ed25519SigningKey, HeaderStatus, PrivateKey, SignSession, Signer};
/// let ed25519 = PrivateKey::Ed25519(Ed25519SigningKey::from_seed(&[1; 32]));
/// # let pem = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/rsa2048.pem"))?;
/// let rsa = PrivateKey::from_pem(&pem)?;
/// let signers = vec![
///     Signer::builder(rsa, "example.com", "rsa").build()?,
///     Signer::builder(ed25519, "example.com", "ed").build()?,
/// ];
/// let mut session = SignSession::new(signers);
/// assert_eq!(session.headers(b"From: joe@example.com\r\nSubj")?, HeaderStatus::Partial);
/// assert_eq!(session.headers(b"ect: hi\r\n\r\nHel")?, HeaderStatus::Complete(11));
/// session.body(b"Hel"); // the rest of that chunk, from offset 11
/// session.body(b"lo!\r\n");
/// let fields = session.finish()?;
/// assert!(fields[0].starts_with("DKIM-Signature: a=rsa-sha256;"));
/// assert!(fields[1].starts_with("DKIM-Signature: a=ed25519-sha256;"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct SignSession<K> {
    signers: Vec<(Signer<K>, BodyHashId)>,
    /// With `NormalizeLf`: whether the input's first line ends in a bare LF
    /// (`None` until a line end is seen), so the fields can end the same way.
    lf_input: Option<bool>,
    last_byte: Option<u8>,
    hashes: BodyHashes,
    collector: HeaderCollector,
    header: Option<HeaderBlock>,
    lf: Option<(LfNormalizer, Vec<u8>)>,
    limits: Limits,
}

impl<K: SigningKey> fmt::Debug for SignSession<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignSession").field("signers", &self.signers.len()).finish_non_exhaustive()
    }
}

impl<K: SigningKey> SignSession<K> {
    /// A session for `signers`. They must agree on line endings (the
    /// first one's setting is used).
    ///
    /// ```
    /// use dkim_core::{Ed25519SigningKey, SignSession, Signer};
    /// let key = Ed25519SigningKey::from_seed(&[1; 32]);
    /// let signers = vec![
    ///     Signer::builder(&key, "example.com", "a").build()?,
    ///     Signer::builder(&key, "example.net", "b").build()?,
    /// ];
    /// let mut session = SignSession::new(signers);
    /// session.headers(b"From: joe@example.com\r\n\r\n")?;
    /// session.body(b"Hi\r\n");
    /// assert_eq!(session.finish()?.len(), 2);
    /// # Ok::<(), dkim_core::SignError>(())
    /// ```
    pub fn new(signers: Vec<Signer<K>>) -> Self {
        let limits = Limits::default();
        let line_endings = signers.first().map_or(LineEndings::Crlf, |s| s.line_endings);
        let mut hashes = BodyHashes::new();
        let signers = signers
            .into_iter()
            .map(|s| {
                let id = hashes.add(BodyHashKey {
                    canonicalization: s.canonicalization.body,
                    hash: s.key.algorithm().hash(),
                    length: None,
                });
                (s, id)
            })
            .collect();
        Self {
            signers,
            hashes,
            collector: HeaderCollector::new(&limits, line_endings),
            header: None,
            lf: (line_endings == LineEndings::NormalizeLf).then(|| (LfNormalizer::default(), Vec::new())),
            lf_input: None,
            last_byte: None,
            limits,
        }
    }

    /// Feeds header bytes.
    ///
    /// # Errors
    ///
    /// [`SignError::Header`] for a malformed or oversized header.
    ///
    /// ```
    /// use dkim_core::{Ed25519SigningKey, HeaderStatus, SignSession, Signer};
    /// let signer = Signer::builder(Ed25519SigningKey::from_seed(&[1; 32]), "example.com", "sel").build()?;
    /// let mut session = SignSession::new(vec![signer]);
    /// assert_eq!(session.headers(b"From: joe@example.com\r\n")?, HeaderStatus::Partial);
    /// assert_eq!(session.headers(b"\r\nHi\r\n")?, HeaderStatus::Complete(2)); // the body starts at offset 2
    /// # Ok::<(), dkim_core::SignError>(())
    /// ```
    pub fn headers(&mut self, chunk: &[u8]) -> Result<HeaderStatus, SignError> {
        if self.header.is_some() {
            return Err(SignError::Misuse);
        }
        if self.lf.is_some() && self.lf_input.is_none() {
            if let Some(i) = memchr::memchr(b'\n', chunk) {
                let before = if i == 0 { self.last_byte } else { Some(chunk[i - 1]) };
                self.lf_input = Some(before != Some(b'\r'));
            }
            self.last_byte = chunk.last().copied().or(self.last_byte);
        }
        match self.collector.feed(chunk).map_err(SignError::Header)? {
            Collected::Partial => Ok(HeaderStatus::Partial),
            Collected::Complete(n) => {
                let block = HeaderBlock::parse(self.collector.take(), self.limits.max_header_fields)
                    .map_err(SignError::Header)?;
                self.header = Some(block);
                Ok(HeaderStatus::Complete(n))
            }
        }
    }

    /// Feeds a body chunk.
    ///
    /// ```
    /// use dkim_core::{Ed25519SigningKey, SignSession, Signer};
    /// let key = Ed25519SigningKey::from_seed(&[1; 32]);
    /// let signer = Signer::builder(key, "example.com", "sel").no_timestamp().build()?;
    /// let (mut whole, mut chunked) = (SignSession::new(vec![signer.clone()]), SignSession::new(vec![signer]));
    /// whole.headers(b"From: joe@example.com\r\n\r\n")?;
    /// chunked.headers(b"From: joe@example.com\r\n\r\n")?;
    /// whole.body(b"Hello, world!\r\n");
    /// for chunk in [&b"Hello"[..], b", world", b"!\r", b"\n"] {
    ///     chunked.body(chunk);
    /// }
    /// assert_eq!(whole.finish()?, chunked.finish()?);
    /// # Ok::<(), dkim_core::SignError>(())
    /// ```
    pub fn body(&mut self, chunk: &[u8]) {
        if self.header.is_none() {
            return;
        }
        match &mut self.lf {
            Some((norm, buf)) => {
                norm.normalize(chunk, buf);
                self.hashes.update(buf);
            }
            None => self.hashes.update(chunk),
        }
    }

    /// Ends the message and signs: one complete `DKIM-Signature` field per
    /// signer (name, folded value, final line end), in the signers' order.
    /// The lines end in CRLF, or in LF when the signers read
    /// [`LineEndings::NormalizeLf`] and the input's lines end in LF.
    ///
    /// # Errors
    ///
    /// [`SignError`] when the header is incomplete, has no From field,
    /// or a key fails to sign.
    ///
    /// ```
    /// use dkim_core::{KeyAnswer, Policy, SignSession, Verdict, verify};
    /// # use dkim_core::{Ed25519SigningKey, PrivateKey, Signer};
    /// # let key = PrivateKey::Ed25519(Ed25519SigningKey::from_seed(&[7; 32]));
    /// # let record = key.dns_record();
    /// # let signer = Signer::builder(key, "example.com", "sel").timestamp(1_700_000_000).build()?;
    /// // `signer` signs with the key published as `record`.
    /// let message = b"From: joe@example.com\r\n\r\nHello!\r\n";
    /// let mut session = SignSession::new(vec![signer]);
    /// session.headers(message)?;
    /// session.body(b"Hello!\r\n");
    /// let fields = session.finish()?;
    /// assert!(fields[0].ends_with("\r\n"));
    /// let signed = [fields[0].as_bytes(), message].concat();
    /// let results = verify(&signed, &Policy::default(), 1_700_000_000, |_| KeyAnswer::text(record.text()))?;
    /// assert_eq!(results[0].verdict(), Verdict::Pass);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn finish(self) -> Result<Vec<String>, SignError> {
        let (unsigned, keys) = self.finish_unsigned_with_keys()?;
        let mut out = Vec::with_capacity(unsigned.len());
        for (u, key) in unsigned.into_iter().zip(keys) {
            let sig = key.sign_digest(u.digest()).map_err(SignError::Key)?;
            out.push(u.into_field(&sig));
        }
        Ok(out)
    }

    /// Ends the message without signing: for each signer, in order, the
    /// digest to sign and everything needed to finish the field once the
    /// signature is known. This is the way to sign with a key held
    /// elsewhere (a KMS, an HSM, an async service): build the signers with
    /// [`ExternalKey`](super::ExternalKey), send each [`UnsignedSignature::digest`] to the key,
    /// and pass the returned signature to [`UnsignedSignature::into_field`].
    ///
    /// ```
    /// use dkim_core::{Algorithm, Ed25519SigningKey, ExternalKey, SignSession, Signer, SigningKey};
    /// let remote = Ed25519SigningKey::from_seed(&[9; 32]); // stands in for a KMS
    /// let signer = Signer::builder(ExternalKey::new(Algorithm::Ed25519Sha256), "example.com", "kms").build()?;
    /// let mut session = SignSession::new(vec![signer]);
    /// session.headers(b"From: a@example.com\r\n\r\n")?;
    /// session.body(b"Hello\r\n");
    /// let unsigned = session.finish_unsigned()?;
    /// let signature = remote.sign_digest(unsigned[0].digest())?; // the remote call
    /// let field = unsigned.into_iter().next().unwrap().into_field(&signature);
    /// assert!(field.starts_with("DKIM-Signature: a=ed25519-sha256;"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`SignError`] when the header is incomplete or has no From field.
    pub fn finish_unsigned(self) -> Result<Vec<UnsignedSignature>, SignError> {
        Ok(self.finish_unsigned_with_keys()?.0)
    }

    fn finish_unsigned_with_keys(mut self) -> Result<(Vec<UnsignedSignature>, Vec<K>), SignError> {
        if self.header.is_none() {
            self.collector.finish_without_body().map_err(SignError::Header)?;
            let block =
                HeaderBlock::parse(self.collector.take(), self.limits.max_header_fields).map_err(SignError::Header)?;
            self.header = Some(block);
        }
        let block = self.header.take().ok_or(SignError::Misuse)?;
        if !block.fields().any(|f| f.is("From")) {
            return Err(SignError::NoFrom);
        }
        let body_hashes = self.hashes.finish();
        let mut out = Vec::with_capacity(self.signers.len());
        let mut keys = Vec::with_capacity(self.signers.len());
        for (signer, id) in self.signers {
            let bh = body_hashes.get(id.index()).ok_or(SignError::Misuse)?;
            let names = signer.h_list(&block);
            let selected = block.select(&names, None);
            let tags = signer.tags(&names, &Base64::encode_string(&bh.digest), bh.canonical_length);
            let unsigned = format_field(&tags, None);
            let value = &unsigned.as_bytes()["DKIM-Signature:".len()..];
            let algorithm = signer.key.algorithm();
            let digest = header_hash(
                &block,
                &selected,
                signer.canonicalization.header,
                algorithm.hash(),
                b"DKIM-Signature",
                value,
                0..0,
            );
            out.push(UnsignedSignature { algorithm, digest, tags, lf: self.lf_input == Some(true) });
            keys.push(signer.key);
        }
        Ok((out, keys))
    }
}

/// A signature computed up to the signing step (see
/// [`SignSession::finish_unsigned`]).
///
/// ```
/// use dkim_core::{Algorithm, ExternalKey, SignSession, Signer};
/// let signer = Signer::builder(ExternalKey::new(Algorithm::Ed25519Sha256), "example.com", "kms").build()?;
/// let mut session = SignSession::new(vec![signer]);
/// session.headers(b"From: a@example.com\r\n\r\n")?;
/// let unsigned = session.finish_unsigned()?;
/// assert_eq!(unsigned[0].algorithm(), Algorithm::Ed25519Sha256);
/// assert_eq!(unsigned[0].digest().len(), 32);
/// # Ok::<(), dkim_core::SignError>(())
/// ```
#[derive(Clone, Debug)]
pub struct UnsignedSignature {
    algorithm: Algorithm,
    digest: Vec<u8>,
    tags: Vec<(&'static str, String)>,
    /// End the field's lines in LF (the input's line ends).
    lf: bool,
}

impl UnsignedSignature {
    /// The algorithm the signature must be made with.
    ///
    /// ```
    /// use dkim_core::{Algorithm, ExternalKey, SignSession, Signer};
    /// let signer = Signer::builder(ExternalKey::new(Algorithm::RsaSha256), "example.com", "hsm").build()?;
    /// let mut session = SignSession::new(vec![signer]);
    /// session.headers(b"From: a@example.com\r\n\r\n")?;
    /// assert_eq!(session.finish_unsigned()?[0].algorithm(), Algorithm::RsaSha256);
    /// # Ok::<(), dkim_core::SignError>(())
    /// ```
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The SHA-256 digest of the canonical header block, to be signed as
    /// [`SigningKey::sign_digest`] describes.
    ///
    /// ```
    /// use dkim_core::{Algorithm, Ed25519SigningKey, ExternalKey, SignSession, Signer, SigningKey};
    /// let key = Ed25519SigningKey::from_seed(&[9; 32]);
    /// let external = ExternalKey::new(Algorithm::Ed25519Sha256);
    /// let signer = Signer::builder(external, "example.com", "kms").no_timestamp().build()?;
    /// let mut session = SignSession::new(vec![signer]);
    /// session.headers(b"From: a@example.com\r\n\r\n")?;
    /// session.body(b"Hi\r\n");
    /// let unsigned = session.finish_unsigned()?.remove(0);
    /// let signature = key.sign_digest(unsigned.digest())?; // what the remote key returns
    /// // The same field as signing with the key in process.
    /// let local = Signer::builder(key, "example.com", "kms").no_timestamp().build()?;
    /// assert_eq!(unsigned.into_field(&signature), local.sign(b"From: a@example.com\r\n\r\nHi\r\n")?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn digest(&self) -> &[u8] {
        &self.digest
    }

    /// The complete `DKIM-Signature` field (name, folded value, final line
    /// end, as [`SignSession::finish`] says) with `signature` as `b=`.
    ///
    /// ```
    /// use base64ct::{Base64, Encoding as _};
    /// use dkim_core::{Algorithm, ExternalKey, SignSession, Signer};
    /// let signer = Signer::builder(ExternalKey::new(Algorithm::Ed25519Sha256), "example.com", "kms").build()?;
    /// let mut session = SignSession::new(vec![signer]);
    /// session.headers(b"From: a@example.com\r\n\r\n")?;
    /// let unsigned = session.finish_unsigned()?.remove(0);
    /// let field = unsigned.into_field(&[0xAA; 64]); // the signature bytes from the remote key
    /// assert!(field.starts_with("DKIM-Signature: "));
    /// let unfolded = field.replace(['\r', '\n', '\t', ' '], "");
    /// assert!(unfolded.ends_with(&format!("b={}", Base64::encode_string(&[0xAA; 64]))));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn into_field(self, signature: &[u8]) -> String {
        let field = format_field(&self.tags, Some(&Base64::encode_string(signature)));
        if self.lf { field.replace("\r\n", "\n") } else { field }
    }
}
