//! Body hashing: one pass over the body for any number of signatures.
//!
//! Signatures that share (body canonicalization, hash algorithm, `l=`) share
//! one hash; signatures that share the canonicalization share one
//! canonicalizer, whose output goes to every hash that needs it.

use alloc::vec::Vec;

use crate::canon::{
    BLOCK_ROOM, BodyCanonicalizer, CanonicalizationAlgorithm, Emit, ScanPath, relaxed_blocks, relaxed_span,
};
use crate::crypto::{HashAlgorithm, Hasher};

/// What a body hash depends on.
///
/// ```
/// use dkim_core::hash::{BodyHashKey, BodyHashes};
/// use dkim_core::{CanonicalizationAlgorithm::Simple, HashAlgorithm::Sha256};
/// let mut set = BodyHashes::new();
/// let all = set.add(BodyHashKey { canonicalization: Simple, hash: Sha256, length: None });
/// let first_two = set.add(BodyHashKey { canonicalization: Simple, hash: Sha256, length: Some(2) }); // l=2
/// set.update(b"Hello\r\n");
/// let hashes = set.finish();
/// assert_eq!(hashes[all.index()].hashed_length, 7);
/// assert_eq!(hashes[first_two.index()].hashed_length, 2);
/// ```
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
///
/// ```
/// use dkim_core::hash::{BodyHashKey, BodyHashes};
/// use dkim_core::{CanonicalizationAlgorithm::*, HashAlgorithm::Sha256};
/// let mut set = BodyHashes::new();
/// let simple = set.add(BodyHashKey { canonicalization: Simple, hash: Sha256, length: None });
/// let relaxed = set.add(BodyHashKey { canonicalization: Relaxed, hash: Sha256, length: None });
/// assert_ne!(simple, relaxed);
/// assert_eq!(set.finish().len(), 2);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BodyHashId(usize);

/// A finished body hash.
///
/// ```
/// use base64ct::{Base64, Encoding as _};
/// use dkim_core::hash::{BodyHashKey, BodyHashes};
/// use dkim_core::{CanonicalizationAlgorithm::*, HashAlgorithm::Sha256};
/// // An empty body: `simple` hashes one CRLF, `relaxed` nothing (RFC 6376 section 3.4.3 and 3.4.4).
/// let mut set = BodyHashes::new();
/// let simple = set.add(BodyHashKey { canonicalization: Simple, hash: Sha256, length: None });
/// let relaxed = set.add(BodyHashKey { canonicalization: Relaxed, hash: Sha256, length: None });
/// let hashes = set.finish();
/// assert_eq!(Base64::encode_string(&hashes[simple.index()].digest), "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=");
/// assert_eq!(hashes[simple.index()].canonical_length, 2);
/// assert_eq!(Base64::encode_string(&hashes[relaxed.index()].digest), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
/// assert_eq!(hashes[relaxed.index()].canonical_length, 0);
/// ```
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
/// of 128 B to 16 KiB (benches/, relaxed at 1 MiB; 2 and 4 KiB again with
/// the block-wise writer: no better).
const STAGE: usize = 16384;

/// Room kept free at the staging buffer's end: the relaxed writer
/// ([`relaxed_blocks`]) copies whole blocks past the output's end and
/// overwrites them as it goes.
const SLACK: usize = BLOCK_ROOM;

/// Pieces at least this long skip the staging buffer: the hash's own
/// per-call cost is small next to them, and short bodies need no buffer.
const DIRECT: usize = 2048;

/// One canonicalization's pass: it feeds every sink of its algorithm.
struct Lane {
    canon: BodyCanonicalizer,
    stage: Stage,
}

/// The lane slot of an algorithm in [`BodyHashes::lanes`].
fn lane_index(c: CanonicalizationAlgorithm) -> usize {
    match c {
        CanonicalizationAlgorithm::Simple => 0,
        CanonicalizationAlgorithm::Relaxed => 1,
    }
}

/// A lane's staging buffer: `buf[..fill]` waits to be hashed, and while the
/// buffer is in use, `fill + SLACK <= buf.len()`.
#[derive(Default)]
struct Stage {
    buf: Vec<u8>,
    fill: usize,
    total: u64,
}

impl Stage {
    /// Sizes the buffer for a chunk of `n` bytes in one step (at most
    /// `STAGE`): growing it piece by piece cost a few per cent at 64 KiB.
    #[inline]
    fn presize(&mut self, n: usize) {
        let want = n.clamp(1024, STAGE) + SLACK;
        if self.buf.len() < want {
            self.buf.resize(want, 0);
        }
    }
}

/// The staging buffer with the hashes it feeds: the canonicalizer's output.
struct Staged<'a> {
    stage: &'a mut Stage,
    sinks: &'a mut [Sink],
    /// The lane's algorithm: the sinks it feeds.
    alg: CanonicalizationAlgorithm,
}

/// Feeds `bytes` to every sink of the lane for `alg`.
#[inline]
fn feed_lane(sinks: &mut [Sink], alg: CanonicalizationAlgorithm, bytes: &[u8]) {
    for sink in sinks.iter_mut().filter(|s| s.key.canonicalization == alg) {
        sink.feed(bytes);
    }
}

impl Staged<'_> {
    /// Hashes what is staged.
    fn flush(&mut self) {
        let stage = &mut *self.stage;
        if stage.fill > 0 {
            feed_lane(self.sinks, self.alg, &stage.buf[..stage.fill]);
            stage.total += stage.fill as u64;
            stage.fill = 0;
        }
    }

    /// Hashes what is staged but a last partial 64-byte block, which moves
    /// to the front: the hash then takes whole blocks in one call, and has
    /// no partial block of its own to complete first.
    fn flush_blocks(&mut self) {
        let stage = &mut *self.stage;
        let n = stage.fill & !63;
        if n > 0 {
            feed_lane(self.sinks, self.alg, &stage.buf[..n]);
            stage.total += n as u64;
            stage.buf.copy_within(n..stage.fill, 0);
            stage.fill -= n;
        }
    }

    /// Restores `fill + SLACK <= buf.len()`: grows the buffer (it starts
    /// small, so short bodies stay cheap) up to `STAGE + SLACK`, then flushes.
    #[cold]
    fn make_room(&mut self, need: usize) {
        let stage = &mut *self.stage;
        let want = stage.fill + need + SLACK;
        if want > stage.buf.len() && stage.buf.len() < STAGE + SLACK {
            let size = want.max(2 * stage.buf.len()).clamp(1024, STAGE + SLACK);
            stage.buf.resize(size, 0);
        }
        if want > stage.buf.len() {
            self.flush_blocks();
        }
    }
}

impl Emit for Staged<'_> {
    fn bytes(&mut self, s: &[u8]) {
        if s.len() >= DIRECT {
            self.flush();
            feed_lane(self.sinks, self.alg, s);
            self.stage.total += s.len() as u64;
            return;
        }
        if self.stage.fill + s.len() + SLACK > self.stage.buf.len() {
            self.make_room(s.len());
        }
        let stage = &mut *self.stage;
        stage.buf[stage.fill..stage.fill + s.len()].copy_from_slice(s);
        stage.fill += s.len();
    }

    fn relaxed(&mut self, path: ScanPath, h: &[u8], from: usize, to: usize) {
        let mut cur = from;
        while cur < to {
            // A block moves the output's end by at most 64 bytes, so the
            // buffer keeps `SLACK` free after the last one.
            if self.stage.fill + SLACK + 64 > self.stage.buf.len() {
                self.make_room(64);
            }
            let (c, o) = relaxed_blocks(path, &mut self.stage.buf, self.stage.fill, SLACK + 64, h, cur, to);
            self.stage.fill = o;
            if c == cur {
                // Not reached (the room is there); the slice-wise scan would do.
                break;
            }
            cur = c;
        }
        if cur < to {
            relaxed_span(path, h, cur, to, self);
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
pub struct BodyHashes {
    /// Simple and relaxed (see [`lane_index`]), once a hash needs them.
    lanes: [Option<Lane>; 2],
    sinks: Vec<Sink>,
    /// The relaxed scan's implementation.
    path: ScanPath,
}

impl Default for BodyHashes {
    fn default() -> Self {
        Self::with_scan_path(ScanPath::current())
    }
}

impl core::fmt::Debug for BodyHashes {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("BodyHashes").field("hashes", &self.sinks.len()).finish()
    }
}

impl BodyHashId {
    /// Position in the vector [`BodyHashes::finish`] returns.
    ///
    /// ```
    /// use dkim_core::hash::{BodyHashKey, BodyHashes};
    /// use dkim_core::{CanonicalizationAlgorithm::*, HashAlgorithm::*};
    /// let mut set = BodyHashes::new();
    /// let a = set.add(BodyHashKey { canonicalization: Relaxed, hash: Sha256, length: None });
    /// let b = set.add(BodyHashKey { canonicalization: Relaxed, hash: Sha1, length: None });
    /// assert_eq!((a.index(), b.index()), (0, 1));
    /// ```
    pub fn index(self) -> usize {
        self.0
    }
}

impl BodyHashes {
    /// An empty set.
    ///
    /// ```
    /// use dkim_core::hash::BodyHashes;
    /// let set = BodyHashes::new();
    /// assert!(set.is_empty());
    /// assert!(set.finish().is_empty());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty set whose relaxed scan runs on `path` (or, where the
    /// processor cannot run it, the best path it can); the hashes are the
    /// same on every path.
    ///
    /// ```
    /// use dkim_core::canon::ScanPath;
    /// use dkim_core::hash::{BodyHashKey, BodyHashes};
    /// use dkim_core::{CanonicalizationAlgorithm::Relaxed, HashAlgorithm::Sha256};
    /// let key = BodyHashKey { canonicalization: Relaxed, hash: Sha256, length: None };
    /// let hash = |path| {
    ///     let mut set = BodyHashes::with_scan_path(path);
    ///     set.add(key);
    ///     set.update(b"a  b \t\r\n\r\n");
    ///     set.finish().remove(0).digest
    /// };
    /// assert_eq!(hash(ScanPath::Portable), hash(ScanPath::best()));
    /// ```
    pub fn with_scan_path(path: ScanPath) -> Self {
        Self { lanes: [None, None], sinks: Vec::new(), path: path.or_available() }
    }

    /// Adds a hash (or finds the identical one already there).
    ///
    /// ```
    /// use dkim_core::hash::{BodyHashKey, BodyHashes};
    /// use dkim_core::{CanonicalizationAlgorithm::Relaxed, HashAlgorithm::Sha256};
    /// let key = BodyHashKey { canonicalization: Relaxed, hash: Sha256, length: None };
    /// let mut set = BodyHashes::new();
    /// assert_eq!(set.add(key), set.add(key)); // the same hash, shared
    /// assert_eq!(set.len(), 1);
    /// ```
    pub fn add(&mut self, key: BodyHashKey) -> BodyHashId {
        if let Some(i) = self.sinks.iter().position(|s| s.key == key) {
            return BodyHashId(i);
        }
        let id = self.sinks.len();
        self.sinks.push(Sink { key, hasher: key.hash.hasher(), hashed: 0 });
        self.lanes[lane_index(key.canonicalization)].get_or_insert_with(|| Lane {
            canon: BodyCanonicalizer::with_scan_path(key.canonicalization, self.path),
            stage: Stage::default(),
        });
        BodyHashId(id)
    }

    /// Number of distinct hashes.
    ///
    /// ```
    /// use dkim_core::hash::{BodyHashKey, BodyHashes};
    /// use dkim_core::{CanonicalizationAlgorithm::*, HashAlgorithm::Sha256};
    /// let mut set = BodyHashes::new();
    /// set.add(BodyHashKey { canonicalization: Relaxed, hash: Sha256, length: None });
    /// set.add(BodyHashKey { canonicalization: Simple, hash: Sha256, length: None });
    /// set.add(BodyHashKey { canonicalization: Simple, hash: Sha256, length: None });
    /// assert_eq!(set.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.sinks.len()
    }

    /// True when no hash was added.
    ///
    /// ```
    /// use dkim_core::hash::{BodyHashKey, BodyHashes};
    /// use dkim_core::{CanonicalizationAlgorithm::Simple, HashAlgorithm::Sha256};
    /// let mut set = BodyHashes::new();
    /// assert!(set.is_empty());
    /// set.add(BodyHashKey { canonicalization: Simple, hash: Sha256, length: None });
    /// assert!(!set.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.sinks.is_empty()
    }

    /// Feeds a body chunk to every hash.
    ///
    /// ```
    /// use dkim_core::hash::{BodyHashKey, BodyHashes};
    /// use dkim_core::{CanonicalizationAlgorithm::Relaxed, HashAlgorithm::Sha256};
    /// let key = BodyHashKey { canonicalization: Relaxed, hash: Sha256, length: None };
    /// let (mut whole, mut chunked) = (BodyHashes::new(), BodyHashes::new());
    /// whole.add(key);
    /// chunked.add(key);
    /// whole.update(b"Hello \t world\r\n\r\n");
    /// for chunk in [&b"Hello "[..], b"\t wor", b"ld\r", b"\n\r\n"] {
    ///     chunked.update(chunk); // any chunking gives the same hash
    /// }
    /// assert_eq!(whole.finish(), chunked.finish());
    /// ```
    pub fn update(&mut self, chunk: &[u8]) {
        let sinks = &mut self.sinks;
        for lane in self.lanes.iter_mut().flatten() {
            let alg = lane.canon.algorithm();
            if alg == CanonicalizationAlgorithm::Relaxed {
                lane.stage.presize(chunk.len());
            }
            let mut out = Staged { stage: &mut lane.stage, sinks, alg };
            lane.canon.update_into(chunk, &mut out);
        }
    }

    /// Ends the body; the hashes in the order their ids were handed out.
    ///
    /// ```
    /// use dkim_core::hash::{BodyHashKey, BodyHashes};
    /// use dkim_core::{CanonicalizationAlgorithm::Relaxed, HashAlgorithm::Sha256};
    /// let mut set = BodyHashes::new();
    /// let id = set.add(BodyHashKey { canonicalization: Relaxed, hash: Sha256, length: None });
    /// set.update(b"Hi  there \r\n\r\n\r\n");
    /// let hashes = set.finish();
    /// assert_eq!(hashes[id.index()].canonical_length, b"Hi there\r\n".len() as u64);
    /// assert_eq!(hashes[id.index()].digest.len(), 32); // SHA-256
    /// ```
    pub fn finish(self) -> Vec<BodyHash> {
        let mut sinks = self.sinks;
        let mut totals = [0u64; 2];
        for (total, lane) in totals.iter_mut().zip(self.lanes) {
            let Some(mut lane) = lane else { continue };
            let alg = lane.canon.algorithm();
            let mut out = Staged { stage: &mut lane.stage, sinks: &mut sinks, alg };
            lane.canon.finish_into(&mut out);
            out.flush();
            *total = lane.stage.total;
        }
        sinks
            .into_iter()
            .map(|s| BodyHash {
                digest: s.hasher.finalize(),
                canonical_length: totals[lane_index(s.key.canonicalization)],
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

    /// The canonicalizer's output through the public closure API, hashed by
    /// `sha2` itself: the reference the staging buffer must match.
    fn reference(canon: CanonicalizationAlgorithm, chunks: &[&[u8]]) -> (Vec<u8>, u64) {
        use sha2::Digest;
        let mut out = Vec::new();
        let mut c = BodyCanonicalizer::new(canon);
        for chunk in chunks {
            c.update(chunk, &mut |s: &[u8]| out.extend_from_slice(s));
        }
        c.finish(&mut |s: &[u8]| out.extend_from_slice(s));
        (sha2::Sha256::digest(&out).to_vec(), out.len() as u64)
    }

    /// Pieces a body is made of: words, whitespace runs of every kind (some
    /// longer than a 64-byte block), line ends, and long unchanged stretches
    /// (which skip the staging buffer in simple).
    fn token() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        prop_oneof![
            4 => "[a-z.,<>=\"]{1,12}".prop_map(alloc::string::String::into_bytes),
            3 => Just(b" ".to_vec()),
            1 => "[ \t]{1,20}".prop_map(alloc::string::String::into_bytes),
            1 => "[ \t]{60,200}".prop_map(alloc::string::String::into_bytes),
            2 => Just(b"\r\n".to_vec()),
            1 => "[ \t]{0,3}\r\n(\r\n){0,3}".prop_map(alloc::string::String::into_bytes),
            1 => Just(b"\r".to_vec()),
            1 => (60usize..5000).prop_map(|n| (0..n).map(|i| b"QUJDRGVmZ2hp+/09"[i % 16]).collect()),
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// Whatever the pieces and however the body is cut, the staged,
        /// block-copied path hashes exactly the canonical body.
        #[test]
        fn staging_matches_reference(
            tokens in proptest::collection::vec(token(), 0..600),
            cuts in proptest::collection::vec(0usize..100_000, 0..12),
        ) {
            let body = tokens.concat();
            let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (body.len() + 1)).collect();
            cuts.sort_unstable();
            let mut chunks: Vec<&[u8]> = Vec::new();
            let mut prev = 0;
            for c in cuts {
                chunks.push(&body[prev..c]);
                prev = c;
            }
            chunks.push(&body[prev..]);
            // Both canonicalizations in one set, their hashes added in
            // turn, each with a full and an l=-limited hash.
            let mut set = BodyHashes::new();
            let mut added = Vec::new();
            for canon in [Relaxed, Simple] {
                let (digest, len) = reference(canon, &[&body]);
                proptest::prop_assert_eq!(reference(canon, &chunks), (digest.clone(), len));
                let id = set.add(BodyHashKey { canonicalization: canon, hash: HashAlgorithm::Sha256, length: None });
                added.push((id, digest, len, None));
            }
            for canon in [Simple, Relaxed] {
                let (digest, len) = reference(canon, &[&body]);
                let id = set.add(BodyHashKey { canonicalization: canon, hash: HashAlgorithm::Sha256, length: Some(len / 2) });
                added.push((id, digest, len, Some(len / 2)));
            }
            for chunk in &chunks {
                set.update(chunk);
            }
            let out = set.finish();
            for (id, digest, len, limit) in added {
                let h = &out[id.index()];
                proptest::prop_assert_eq!(h.canonical_length, len);
                match limit {
                    None => proptest::prop_assert_eq!((&h.digest, h.hashed_length), (&digest, len)),
                    Some(l) => proptest::prop_assert_eq!(h.hashed_length, l),
                }
            }
        }
    }
}
