//! Body hashing: one pass over the body for any number of signatures.
//!
//! Signatures that share (body canonicalization, hash algorithm, `l=`) share
//! one hash; signatures that share the canonicalization share one
//! canonicalizer, whose output goes to every hash that needs it.

use alloc::vec::Vec;

use crate::canon::{BodyCanonicalizer, CanonicalizationAlgorithm};
use crate::crypto::{HashAlgorithm, Hasher};

/// What a body hash depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BodyHashKey {
    /// Body canonicalization.
    pub canonicalization: CanonicalizationAlgorithm,
    /// Hash algorithm.
    pub hash: HashAlgorithm,
    /// `l=`: how many canonical bytes are hashed (all when `None`).
    pub length: Option<u64>,
}

/// Handle to one body hash of a [`BodyHashes`] set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BodyHashId(usize);

/// A finished body hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BodyHash {
    /// The digest (`bh=`).
    pub digest: Vec<u8>,
    /// Length of the whole canonical body (not only the hashed part).
    pub canonical_length: u64,
    /// Bytes that went into the hash (at most `l=`).
    pub hashed_length: u64,
}

struct Sink {
    key: BodyHashKey,
    hasher: Hasher,
    hashed: u64,
}

/// Size of a lane's staging buffer. Canonical output is gathered there and
/// hashed in large runs. Relaxed canonicalization cuts realistic mail into pieces
/// of a few dozen bytes; hashing each piece on its own would run the
/// compression function one block at a time (and pay its setup each time),
/// which costs more than copying the pieces together. 16 KiB measured best
/// of 256 B to 16 KiB (benches/, relaxed at 1 MiB).
const STAGE: usize = 16384;

/// Pieces at least this long skip the staging buffer: the hash's own
/// per-call cost is small next to them, and short bodies need no buffer.
const DIRECT: usize = 2048;

struct Lane {
    canon: BodyCanonicalizer,
    total: u64,
    sinks: Vec<usize>,
    stage: Vec<u8>,
}

impl Lane {
    /// Hands `s` on to the lane's hashes, through the staging buffer.
    #[inline]
    fn emit(stage: &mut Vec<u8>, total: &mut u64, sinks: &mut [Sink], ids: &[usize], s: &[u8]) {
        *total += s.len() as u64;
        if s.len() < DIRECT && stage.len() + s.len() <= STAGE {
            stage.extend_from_slice(s);
            return;
        }
        Self::flush(stage, sinks, ids);
        if s.len() >= DIRECT {
            for &i in ids {
                sinks[i].feed(s);
            }
        } else {
            stage.extend_from_slice(s);
        }
    }

    fn flush(stage: &mut Vec<u8>, sinks: &mut [Sink], ids: &[usize]) {
        if !stage.is_empty() {
            for &i in ids {
                sinks[i].feed(stage);
            }
            stage.clear();
        }
    }
}

/// A set of body hashes computed in one pass.
///
/// ```
/// use dkim_core::hash::{BodyHashes, BodyHashKey};
/// use dkim_core::{CanonicalizationAlgorithm::Relaxed, HashAlgorithm::Sha256};
/// let mut set = BodyHashes::new();
/// let a = set.add(BodyHashKey { canonicalization: Relaxed, hash: Sha256, length: None });
/// let b = set.add(BodyHashKey { canonicalization: Relaxed, hash: Sha256, length: None });
/// assert_eq!(a, b); // shared
/// set.update(b"Hi.\r\n\r\nWe lost the game.  Are you hungry yet?\r\n\r\nJoe.\r\n");
/// let hashes = set.finish();
/// assert_eq!(hashes[a.index()].canonical_length, 54);
/// ```
#[derive(Default)]
pub struct BodyHashes {
    lanes: Vec<Lane>,
    sinks: Vec<Sink>,
}

impl core::fmt::Debug for BodyHashes {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("BodyHashes").field("hashes", &self.sinks.len()).finish()
    }
}

impl BodyHashId {
    /// Position in the vector [`BodyHashes::finish`] returns.
    pub fn index(self) -> usize {
        self.0
    }
}

impl BodyHashes {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a hash (or finds the identical one already there).
    pub fn add(&mut self, key: BodyHashKey) -> BodyHashId {
        if let Some(i) = self.sinks.iter().position(|s| s.key == key) {
            return BodyHashId(i);
        }
        let id = self.sinks.len();
        self.sinks.push(Sink { key, hasher: key.hash.hasher(), hashed: 0 });
        match self.lanes.iter_mut().find(|l| l.canon.algorithm() == key.canonicalization) {
            Some(lane) => lane.sinks.push(id),
            None => self.lanes.push(Lane {
                canon: BodyCanonicalizer::new(key.canonicalization),
                total: 0,
                sinks: alloc::vec![id],
                // Grows on demand (to at most STAGE), so short bodies stay cheap.
                stage: Vec::new(),
            }),
        }
        BodyHashId(id)
    }

    /// Number of distinct hashes.
    pub fn len(&self) -> usize {
        self.sinks.len()
    }

    /// True when no hash was added.
    pub fn is_empty(&self) -> bool {
        self.sinks.is_empty()
    }

    /// Feeds a body chunk to every hash.
    pub fn update(&mut self, chunk: &[u8]) {
        let sinks = &mut self.sinks;
        for lane in &mut self.lanes {
            let (total, ids, stage) = (&mut lane.total, &lane.sinks, &mut lane.stage);
            lane.canon.update(chunk, &mut |s: &[u8]| Lane::emit(stage, total, sinks, ids, s));
        }
    }

    /// Ends the body; the hashes in the order their ids were handed out.
    pub fn finish(self) -> Vec<BodyHash> {
        let mut sinks = self.sinks;
        let mut totals = alloc::vec![0u64; sinks.len()];
        for mut lane in self.lanes {
            let (total, ids, stage) = (&mut lane.total, &lane.sinks, &mut lane.stage);
            lane.canon.finish(&mut |s: &[u8]| Lane::emit(stage, total, &mut sinks, ids, s));
            Lane::flush(stage, &mut sinks, ids);
            for &i in ids {
                totals[i] = *total;
            }
        }
        sinks
            .into_iter()
            .zip(totals)
            .map(|(s, total)| BodyHash {
                digest: s.hasher.finalize(),
                canonical_length: total,
                hashed_length: s.hashed,
            })
            .collect()
    }
}

impl Sink {
    #[inline]
    fn feed(&mut self, s: &[u8]) {
        match self.key.length {
            None => {
                self.hasher.update(s);
                self.hashed += s.len() as u64;
            }
            Some(limit) => {
                let room = limit - self.hashed;
                if room == 0 {
                    return;
                }
                let take = s.len().min(usize::try_from(room).unwrap_or(usize::MAX));
                self.hasher.update(&s[..take]);
                self.hashed += take as u64;
            }
        }
    }
}

/// One body hash over a whole body in one call: canonicalize with `canon`,
/// hash with `hash`.
///
/// ```
/// use dkim_core::hash::body_hash;
/// use dkim_core::{CanonicalizationAlgorithm::Relaxed, HashAlgorithm::Sha256};
/// let bh = body_hash(Relaxed, Sha256, b"");
/// assert_eq!(bh.digest, [0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
///                        0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55]);
/// ```
pub fn body_hash(canon: CanonicalizationAlgorithm, hash: HashAlgorithm, body: &[u8]) -> BodyHash {
    let mut set = BodyHashes::new();
    set.add(BodyHashKey { canonicalization: canon, hash, length: None });
    set.update(body);
    set.finish().pop().unwrap_or(BodyHash { digest: Vec::new(), canonical_length: 0, hashed_length: 0 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use CanonicalizationAlgorithm::*;

    #[test]
    fn length_limit_truncates() {
        let mut set = BodyHashes::new();
        let full = set.add(BodyHashKey { canonicalization: Simple, hash: HashAlgorithm::Sha256, length: None });
        let l5 = set.add(BodyHashKey { canonicalization: Simple, hash: HashAlgorithm::Sha256, length: Some(5) });
        let r = set.add(BodyHashKey { canonicalization: Relaxed, hash: HashAlgorithm::Sha1, length: None });
        assert_eq!(set.len(), 3);
        set.update(b"abc\r\n");
        set.update(b"def  \r\n\r\n");
        let out = set.finish();
        assert_eq!(out[full.index()].canonical_length, 12);
        assert_eq!(out[l5.index()].hashed_length, 5);
        assert_eq!(out[l5.index()].canonical_length, 12);
        assert_eq!(out[l5.index()].digest, body_hash(Simple, HashAlgorithm::Sha256, b"abc\r\n").digest);
        assert_eq!(out[r.index()].canonical_length, 10);
        assert_eq!(out[r.index()].digest.len(), 20);
    }
}
