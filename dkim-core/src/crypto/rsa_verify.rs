//! RSASSA-PKCS1-v1_5 verification (RFC 8017 section 8.2.2) for the
//! RustCrypto backend, on `crypto-bigint`'s Montgomery arithmetic.
//!
//! The public exponent is public, so the exponentiation may take time
//! that depends on it: left-to-right square-and-multiply over its bits
//! (for e = 65537, 16 squarings and one multiplication), about half the
//! work of the constant-time windowed power `rsa` uses for every exponent.
//! The encoded message is then compared with the one expected
//! (EMSA-PKCS1-v1_5 encode-and-compare, section 8.2.2 step 3-4), nothing
//! is parsed out of it.

use alloc::vec::Vec;

use crypto_bigint::BoxedUint;
use crypto_bigint::modular::BoxedMontyForm;
use rsa::traits::PublicKeyParts as _;

use super::CryptoError;

/// DigestInfo prefixes (RFC 8017 section 9.2, note 1).
pub(super) const SHA256_PREFIX: &[u8] =
    &[0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20];
pub(super) const SHA1_PREFIX: &[u8] =
    &[0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14];

/// Checks `signature` over `digest` (whose DigestInfo prefix is `prefix`).
pub(super) fn verify(key: &rsa::PublicKey, prefix: &[u8], digest: &[u8], signature: &[u8]) -> Result<(), CryptoError> {
    let k = key.size();
    // Step 1: the signature has the modulus's length.
    if signature.len() != k || k < prefix.len() + digest.len() + 11 {
        return Err(CryptoError::BadSignature);
    }
    // Step 2 (RSAVP1): s < n, m = s^e mod n.
    let s = BoxedUint::from_be_slice(signature, key.n_bits_precision()).map_err(|_| CryptoError::BadSignature)?;
    if s >= **key.n() {
        return Err(CryptoError::BadSignature);
    }
    let m = pow_public(s, key.e(), key)?;
    // Step 3-4: the expected encoding, compared whole.
    let em = m.to_be_bytes();
    let em = left_pad(&em, k).ok_or(CryptoError::BadSignature)?;
    let mut expected = Vec::with_capacity(k);
    expected.extend_from_slice(&[0x00, 0x01]);
    expected.resize(k - prefix.len() - digest.len() - 1, 0xff);
    expected.push(0x00);
    expected.extend_from_slice(prefix);
    expected.extend_from_slice(digest);
    if em == expected { Ok(()) } else { Err(CryptoError::BadSignature) }
}

/// `s^e mod n`, variable time in the (public) exponent.
fn pow_public(s: BoxedUint, e: &BoxedUint, key: &rsa::PublicKey) -> Result<BoxedUint, CryptoError> {
    let bits = e.bit_width();
    // rsa refuses exponents under 3 and over 2^33 - 1 when it parses a key.
    if !(2..=64).contains(&bits) {
        return Err(CryptoError::BadSignature);
    }
    let base = BoxedMontyForm::new(s, key.n_params());
    let mut acc = base.clone();
    for i in (0..bits - 1).rev() {
        acc = acc.square();
        if e.bit_vartime(i) {
            acc = acc.mul(&base);
        }
    }
    Ok(acc.retrieve())
}

/// `bytes` (big-endian, possibly with leading zero bytes beyond `k`) as
/// exactly `k` bytes, or `None` when the value needs more.
fn left_pad(bytes: &[u8], k: usize) -> Option<Vec<u8>> {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    let significant = &bytes[first..];
    if significant.len() > k {
        return None;
    }
    let mut out = alloc::vec![0u8; k - significant.len()];
    out.extend_from_slice(significant);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::signing::RsaSigningKey;
    use crate::{PrivateKey, SigningKey as _};

    fn key() -> (RsaSigningKey, rsa::PublicKey) {
        let pem = include_str!("../../../examples/data/rsa2048.pem");
        let Ok(PrivateKey::Rsa(sk)) = PrivateKey::from_pem(pem) else { panic!("the example key") };
        let pk = crate::crypto::RsaPublicKey::from_der(&sk.public_key_der(), 8192).expect("public key").key;
        (sk, pk)
    }

    /// The same answers as the `rsa` crate's verification, on good and bad input.
    #[test]
    fn agrees_with_the_rsa_crate() {
        let (sk, pk) = key();
        for seed in 0u8..24 {
            let digest = [seed; 32];
            let good = sk.sign_digest(&digest).expect("sign");
            let mut cases: Vec<(Vec<u8>, [u8; 32])> = alloc::vec![(good.clone(), digest)];
            let mut flipped = good.clone();
            flipped[usize::from(seed) * 7 % good.len()] ^= 1 << (seed % 8);
            cases.push((flipped, digest));
            let mut other = digest;
            other[31] ^= 1;
            cases.push((good.clone(), other));
            cases.push((good[1..].to_vec(), digest));
            cases.push((alloc::vec![0xff; good.len()], digest));
            cases.push((alloc::vec![0; good.len()], digest));
            for (sig, d) in cases {
                let ours = verify(&pk, SHA256_PREFIX, &d, &sig).is_ok();
                let theirs = pk.pkcs1v15_verify_prehash::<sha2::Sha256>(&d, &sig).is_ok();
                assert_eq!(ours, theirs, "seed {seed}");
                assert_eq!(ours, sig == good && d == digest, "seed {seed}");
            }
        }
    }

    #[test]
    fn a_sha1_signature_needs_the_sha1_prefix() {
        use rsa::signature::hazmat::PrehashSigner as _;
        let (sk, pk) = key();
        let digest = [9u8; 20];
        let signer = rsa::pkcs1v15::SigningKey::<sha1::Sha1>::new(sk.key.clone());
        let sig: rsa::pkcs1v15::Signature = signer.sign_prehash(&digest).expect("sha1 signature");
        let sig = rsa::signature::SignatureEncoding::to_vec(&sig);
        assert_eq!(verify(&pk, SHA1_PREFIX, &digest, &sig), Ok(()));
        assert_eq!(verify(&pk, SHA256_PREFIX, &digest, &sig), Err(CryptoError::BadSignature));
    }

    #[test]
    fn left_pad_keeps_the_value() {
        assert_eq!(left_pad(&[0, 0, 1, 2], 3), Some(alloc::vec![0, 1, 2]));
        assert_eq!(left_pad(&[1, 2], 4), Some(alloc::vec![0, 0, 1, 2]));
        assert_eq!(left_pad(&[1, 2, 3], 2), None);
    }
}
