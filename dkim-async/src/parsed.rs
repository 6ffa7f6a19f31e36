//! Key records parsed once and reused, keyed by their exact text.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use dkim_core::{KeyAnswer, KeyRecord, Limits};

/// Default number of parsed key records an [`AsyncVerifier`](crate::AsyncVerifier) keeps.
pub(crate) const DEFAULT_CAPACITY: usize = 1024;

/// Longest record text kept. Real key records are far shorter (RSA-2048
/// about 400 bytes, RSA-8192 about 1 400); longer ones, which only a long
/// `n=` note makes, are parsed every time: an entry is then at most 2 KiB of
/// text and a parsed key of a few KiB, even when a sender makes its records
/// large.
pub(crate) const MAX_TEXT: usize = 2048;

/// Key records parsed earlier, by the exact text of the TXT record.
///
/// Parsing a key record is a large share of verifying a short message: an
/// RSA modulus is brought into Montgomery form, an Ed25519 point is
/// decompressed. A domain signs many messages with one key, so the parsed
/// record is kept and handed to the core as [`KeyAnswer::Parsed`], which
/// runs every check of the signature against it all the same.
///
/// The key is the record's text, not its DNS name: a changed record is a
/// new entry, so nothing here can outlive what DNS says (how long the text
/// itself is kept is the key source's business, e.g. a `KeyCache`). Only
/// answers of exactly one record that parses are kept; anything else goes
/// to the core as it came, which reports what is wrong with it. The texts
/// were parsed with one set of [`Limits`]: a verifier with other limits
/// starts a new set.
#[derive(Debug)]
pub(crate) struct ParsedKeys {
    capacity: usize,
    map: Mutex<HashMap<Vec<u8>, Arc<KeyRecord>>>,
}

impl ParsedKeys {
    /// An empty set that keeps at most `capacity` records (none when 0).
    pub(crate) fn new(capacity: usize) -> Self {
        Self { capacity, map: Mutex::new(HashMap::new()) }
    }

    /// How many records it holds.
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<Vec<u8>, Arc<KeyRecord>>> {
        // A panic while the lock was held cannot leave the map half
        // changed (each change is one call), so a poisoned lock is used.
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `answer`, with a single record that parses under `limits` replaced by
    /// its parsed form (parsed now, or shared from an earlier answer).
    pub(crate) fn resolve(&self, answer: KeyAnswer, limits: &Limits) -> KeyAnswer {
        if self.capacity == 0 {
            return answer;
        }
        let KeyAnswer::Records { records, dnssec } = &answer else { return answer };
        let dnssec = *dnssec;
        let [record] = records.as_slice() else { return answer };
        let text = record.joined();
        if text.len() > MAX_TEXT {
            return answer;
        }
        if let Some(hit) = self.lock().get(&text) {
            return KeyAnswer::Parsed { record: Arc::clone(hit), dnssec };
        }
        // Parsed outside the lock; two lookups of a new key at once may
        // both parse it, and the second insert replaces an equal record.
        let Ok(parsed) = KeyRecord::parse(&text, limits) else { return answer };
        let parsed = Arc::new(parsed);
        let mut map = self.lock();
        if map.len() >= self.capacity && !map.contains_key(&text) {
            // Full: one entry goes (any: keys are cheap to parse again).
            if let Some(old) = map.keys().next().cloned() {
                map.remove(&old);
            }
        }
        map.insert(text, Arc::clone(&parsed));
        KeyAnswer::Parsed { record: parsed, dnssec }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dkim_core::TxtRecord;

    const ED: &str = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

    fn records(texts: &[&str]) -> KeyAnswer {
        KeyAnswer::records(texts.iter().map(|t| TxtRecord::from_text(t)).collect())
    }

    fn parsed(a: &KeyAnswer) -> &Arc<KeyRecord> {
        match a {
            KeyAnswer::Parsed { record, .. } => record,
            other => panic!("not parsed: {other:?}"),
        }
    }

    #[test]
    fn one_record_is_parsed_once_and_shared() {
        let keys = ParsedKeys::new(4);
        let limits = Limits::default();
        let first = keys.resolve(records(&[ED]), &limits);
        let second = keys.resolve(records(&[ED]), &limits);
        assert!(Arc::ptr_eq(parsed(&first), parsed(&second)), "the second answer reuses the first parse");
        assert_eq!(**parsed(&first), KeyRecord::parse(ED.as_bytes(), &limits).unwrap());
        assert_eq!(keys.len(), 1);
    }

    #[test]
    fn the_same_text_split_differently_is_the_same_entry() {
        let keys = ParsedKeys::new(4);
        let limits = Limits::default();
        let whole = keys.resolve(records(&[ED]), &limits);
        let (a, b) = ED.split_at(30);
        let split = KeyAnswer::records(vec![TxtRecord::new(vec![a.as_bytes().to_vec(), b.as_bytes().to_vec()])]);
        let split = keys.resolve(split, &limits);
        assert!(Arc::ptr_eq(parsed(&whole), parsed(&split)));
    }

    #[test]
    fn other_answers_go_through_unchanged() {
        let keys = ParsedKeys::new(4);
        let limits = Limits::default();
        let cases = [
            KeyAnswer::NoRecord,
            KeyAnswer::TempFail(dkim_core::TempFailCause::Timeout),
            records(&[]),
            // Two records: the core decides (equal, ambiguous, one junk).
            records(&[ED, "v=spf1 -all"]),
            // Does not parse: the core reports why.
            records(&["v=DKIM1; k=ed25519; p=!!"]),
            records(&["v=spf1 -all"]),
        ];
        for case in cases {
            assert_eq!(keys.resolve(case.clone(), &limits), case);
        }
        assert_eq!(keys.len(), 0);
    }

    #[test]
    fn long_records_are_not_kept() {
        let keys = ParsedKeys::new(4);
        let limits = Limits::default();
        let note = |n: usize| format!("v=DKIM1; n={}; k=ed25519; p={}", "x".repeat(n), &ED[22..]);
        let longest = note(MAX_TEXT - note(0).len());
        assert_eq!(longest.len(), MAX_TEXT);
        parsed(&keys.resolve(records(&[&longest]), &limits));
        let over = note(MAX_TEXT + 1 - note(0).len());
        assert!(KeyRecord::parse(over.as_bytes(), &limits).is_ok(), "it parses");
        assert_eq!(keys.resolve(records(&[&over]), &limits), records(&[&over]));
        assert_eq!(keys.len(), 1);
    }

    #[test]
    fn capacity_zero_keeps_nothing() {
        let keys = ParsedKeys::new(0);
        assert_eq!(keys.resolve(records(&[ED]), &Limits::default()), records(&[ED]));
        assert_eq!(keys.len(), 0);
    }

    #[test]
    fn never_holds_more_than_its_capacity() {
        let keys = ParsedKeys::new(2);
        let limits = Limits::default();
        // Records of the same key that differ in text (an extra tag).
        let texts: Vec<String> = (0..5).map(|i| format!("v=DKIM1; n=note{i}; k=ed25519; p={}", &ED[22..])).collect();
        for t in &texts {
            parsed(&keys.resolve(records(&[t]), &limits));
            assert!(keys.len() <= 2);
        }
        assert_eq!(keys.len(), 2);
        // An entry still held is found again.
        let again = keys.resolve(records(&[&texts[4]]), &limits);
        let again2 = keys.resolve(records(&[&texts[4]]), &limits);
        assert!(Arc::ptr_eq(parsed(&again), parsed(&again2)));
        assert_eq!(keys.len(), 2);
    }
}
