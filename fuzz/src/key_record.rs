//! `KeyRecord::parse` on arbitrary bytes. A record that parses is consistent
//! with itself; a record longer than the limit is refused, never parsed.

use dkim_core::{HashAlgorithm, KeyRecord, KeyRecordError, KeyType, Limits};

/// The property check of one input.
pub fn check(data: &[u8]) {
    if !data.is_empty() {
        let small = Limits::default().max_key_record_bytes(data.len() - 1);
        assert!(matches!(KeyRecord::parse(data, &small), Err(KeyRecordError::TooLarge { .. })));
    }
    let Ok(record) = KeyRecord::parse(data, &Limits::default()) else { return };
    if let Some(key) = record.public_key() {
        assert_eq!(key.key_type(), record.key_type());
        match record.key_type() {
            KeyType::Ed25519 => assert_eq!(key.bits(), 256),
            _ => assert!(key.bits() <= Limits::default().max_rsa_bits, "{} bits", key.bits()),
        }
    }
    match record.hash_algorithms() {
        None => assert!(record.allows_hash(HashAlgorithm::Sha256) && record.allows_hash(HashAlgorithm::Sha1)),
        Some(list) => {
            let listed = |h: HashAlgorithm| list.iter().any(|n| n.eq_ignore_ascii_case(h.as_str()));
            assert_eq!(record.allows_hash(HashAlgorithm::Sha256), listed(HashAlgorithm::Sha256));
            assert_eq!(record.allows_hash(HashAlgorithm::Sha1), listed(HashAlgorithm::Sha1));
        }
    }
    let _ = (record.is_revoked(), record.allows_email(), record.is_testing(), record.is_strict(), record.notes());
    assert_eq!(KeyRecord::parse(data, &Limits::default()).ok().as_ref(), Some(&record));
}
