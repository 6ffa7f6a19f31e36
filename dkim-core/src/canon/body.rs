//! Streaming body canonicalization (RFC 6376 sections 3.4.3 and 3.4.4).
//!
//! The canonicalizer is exact for any chunking of its input: a CRLF split
//! across two chunks, whitespace at a chunk's end, and a run of trailing empty
//! lines are held back until the next chunk or [`BodyCanonicalizer::finish`]
//! decides what they are. The held-back state is a few counters, never a copy
//! of the input.
//!
//! Speed: `simple` changes nothing but the trailing empty lines, so its
//! output is slices of the input. For `relaxed` a vectorized scan (64 bytes
//! per step: AVX-512 or AVX2 compares where the processor has them, 16-byte
//! compares elsewhere) finds the only places that can change: tabs, and
//! spaces followed by whitespace or CR. A closure gets every span between
//! two changes as one slice. The body hash ([`crate::hash`]) instead has
//! the canonical form written block by block into its staging buffer, with
//! a fixed amount of work per block and per change and few branches that
//! depend on the text (the crate-private `relaxed_blocks`).
//!
//! Line ends are CRLF: a bare LF or a bare CR is ordinary data, as RFC 6376
//! requires. Input with bare LF line ends must be normalized first (see
//! [`crate::LineEndings`]).

use super::{CanonicalizationAlgorithm, ScanPath};

mod scan;

pub(crate) use scan::{BLOCK_ROOM, relaxed_blocks, relaxed_span};

/// Incremental body canonicalizer.
///
/// Output is handed to a sink closure as byte slices; concatenated, they are
/// the canonical body.
///
/// ```
/// use dkim_core::canon::{BodyCanonicalizer, CanonicalizationAlgorithm};
/// let mut out = Vec::new();
/// let mut c = BodyCanonicalizer::new(CanonicalizationAlgorithm::Relaxed);
/// // The RFC 6376 section 3.4.5 example, split inside a CRLF.
/// c.update(b" C \r\nD \t E\r", &mut |s: &[u8]| out.extend_from_slice(s));
/// c.update(b"\n\r\n\r\n", &mut |s: &[u8]| out.extend_from_slice(s));
/// c.finish(&mut |s: &[u8]| out.extend_from_slice(s));
/// assert_eq!(out, b" C\r\nD E\r\n");
/// ```
#[derive(Clone, Debug)]
pub struct BodyCanonicalizer {
    algorithm: CanonicalizationAlgorithm,
    /// The relaxed scan's implementation.
    path: ScanPath,
    /// Nothing has been emitted on the current line yet.
    line_empty: bool,
    /// Empty lines seen but not emitted: they are dropped if nothing follows.
    pending_empty: u64,
    /// Whitespace seen at the end of the input so far (relaxed only).
    pending_wsp: bool,
    /// The input so far ends with a CR that may start a CRLF.
    cr_held: bool,
    /// Something has been emitted.
    emitted_any: bool,
}

const CRLFS: &[u8; 64] = b"\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n";

#[inline]
fn is_wsp(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

impl BodyCanonicalizer {
    /// A canonicalizer for `algorithm`.
    ///
    /// ```
    /// use dkim_core::canon::{BodyCanonicalizer, CanonicalizationAlgorithm};
    /// let c = BodyCanonicalizer::new(CanonicalizationAlgorithm::Simple);
    /// assert_eq!(c.algorithm(), CanonicalizationAlgorithm::Simple);
    /// ```
    pub fn new(algorithm: CanonicalizationAlgorithm) -> Self {
        Self::with_scan_path(algorithm, ScanPath::current())
    }

    /// A canonicalizer whose relaxed scan runs on `path` (or, where the
    /// processor cannot run it, the best path it can): the output is the
    /// same on every path; tests and benchmarks compare them.
    ///
    /// ```
    /// use dkim_core::canon::{BodyCanonicalizer, CanonicalizationAlgorithm, ScanPath};
    /// let c = BodyCanonicalizer::with_scan_path(CanonicalizationAlgorithm::Relaxed, ScanPath::Portable);
    /// assert_eq!(c.scan_path(), ScanPath::Portable);
    /// ```
    pub fn with_scan_path(algorithm: CanonicalizationAlgorithm, path: ScanPath) -> Self {
        Self {
            algorithm,
            path: path.or_available(),
            line_empty: true,
            pending_empty: 0,
            pending_wsp: false,
            cr_held: false,
            emitted_any: false,
        }
    }

    /// The path the relaxed scan runs on.
    ///
    /// ```
    /// use dkim_core::canon::{BodyCanonicalizer, CanonicalizationAlgorithm, ScanPath};
    /// assert_eq!(BodyCanonicalizer::new(CanonicalizationAlgorithm::Relaxed).scan_path(), ScanPath::current());
    /// ```
    pub fn scan_path(&self) -> ScanPath {
        self.path
    }

    /// The algorithm.
    ///
    /// ```
    /// use dkim_core::canon::{BodyCanonicalizer, CanonicalizationAlgorithm};
    /// let c = BodyCanonicalizer::new(CanonicalizationAlgorithm::Relaxed);
    /// assert_eq!(c.algorithm(), CanonicalizationAlgorithm::Relaxed);
    /// ```
    pub fn algorithm(&self) -> CanonicalizationAlgorithm {
        self.algorithm
    }

    /// Feeds the next chunk of the body.
    ///
    /// ```
    /// use dkim_core::canon::{BodyCanonicalizer, CanonicalizationAlgorithm};
    /// let mut out = Vec::new();
    /// let mut c = BodyCanonicalizer::new(CanonicalizationAlgorithm::Relaxed);
    /// c.update(b"Hello  \t world \r\n", &mut |s: &[u8]| out.extend_from_slice(s));
    /// c.update(b"\r\n\r\n", &mut |s: &[u8]| out.extend_from_slice(s)); // held back: trailing empty lines
    /// assert_eq!(out, b"Hello world\r\n");
    /// c.finish(&mut |s: &[u8]| out.extend_from_slice(s));
    /// assert_eq!(out, b"Hello world\r\n"); // and dropped at the end
    /// ```
    pub fn update<F: FnMut(&[u8])>(&mut self, chunk: &[u8], out: &mut F) {
        self.update_into(chunk, out);
    }

    /// Ends the body: emits what is still held back and the final CRLF.
    ///
    /// ```
    /// use dkim_core::canon::{BodyCanonicalizer, CanonicalizationAlgorithm};
    /// let mut out = Vec::new();
    /// BodyCanonicalizer::new(CanonicalizationAlgorithm::Simple).finish(&mut |s: &[u8]| out.extend_from_slice(s));
    /// assert_eq!(out, b"\r\n"); // an empty simple body is one CRLF
    /// out.clear();
    /// let mut c = BodyCanonicalizer::new(CanonicalizationAlgorithm::Relaxed);
    /// c.update(b"no final line end", &mut |s: &[u8]| out.extend_from_slice(s));
    /// c.finish(&mut |s: &[u8]| out.extend_from_slice(s));
    /// assert_eq!(out, b"no final line end\r\n");
    /// ```
    pub fn finish<F: FnMut(&[u8])>(self, out: &mut F) {
        self.finish_into(out);
    }

    /// [`Self::update`] with any [`Emit`] as the output.
    pub(crate) fn update_into<S: Emit + ?Sized>(&mut self, chunk: &[u8], out: &mut S) {
        match self.algorithm {
            CanonicalizationAlgorithm::Simple => self.update_simple(chunk, out),
            CanonicalizationAlgorithm::Relaxed => self.update_relaxed(chunk, out),
        }
    }

    /// [`Self::finish`] with any [`Emit`] as the output.
    pub(crate) fn finish_into<S: Emit + ?Sized>(mut self, out: &mut S) {
        if self.cr_held {
            self.cr_held = false;
            self.content_after_wsp(b"\r", out);
        }
        // Whitespace at the very end of the body is trailing whitespace.
        self.pending_wsp = false;
        if !self.line_empty {
            out.bytes(b"\r\n");
        } else if self.algorithm == CanonicalizationAlgorithm::Simple && !self.emitted_any {
            // An empty simple body is one CRLF (section 3.4.3).
            out.bytes(b"\r\n");
        }
    }

    #[inline]
    fn flush_empty_lines<S: Emit + ?Sized>(&mut self, out: &mut S) {
        while self.pending_empty > 0 {
            let n = self.pending_empty.min(32);
            out.bytes(&CRLFS[..(n as usize) * 2]);
            self.pending_empty -= n;
        }
    }

    /// Emits line content (anything that is not a line end).
    #[inline]
    fn content<S: Emit + ?Sized>(&mut self, bytes: &[u8], out: &mut S) {
        self.flush_empty_lines(out);
        out.bytes(bytes);
        self.line_empty = false;
        self.emitted_any = true;
    }

    /// Emits content preceded by the held whitespace, compressed to one SP.
    fn content_after_wsp<S: Emit + ?Sized>(&mut self, bytes: &[u8], out: &mut S) {
        if self.pending_wsp {
            self.pending_wsp = false;
            self.content(b" ", out);
        }
        self.content(bytes, out);
    }

    /// One CRLF.
    #[inline]
    fn line_end<S: Emit + ?Sized>(&mut self, out: &mut S) {
        if self.line_empty {
            self.pending_empty += 1;
        } else {
            out.bytes(b"\r\n");
            self.line_empty = true;
        }
    }

    fn update_simple<S: Emit + ?Sized>(&mut self, mut d: &[u8], out: &mut S) {
        if d.is_empty() {
            return;
        }
        if self.cr_held {
            self.cr_held = false;
            if d[0] == b'\n' {
                self.line_end(out);
                d = &d[1..];
            } else {
                self.content(b"\r", out);
            }
        }
        if let Some((&b'\r', rest)) = d.split_last() {
            self.cr_held = true;
            d = rest;
        }
        // Trailing CRLFs are held back as a count.
        let mut end = d.len();
        let mut trailing = 0u64;
        while end >= 2 && d[end - 2] == b'\r' && d[end - 1] == b'\n' {
            end -= 2;
            trailing += 1;
        }
        if end > 0 {
            self.content(&d[..end], out);
        }
        if trailing > 0 {
            self.line_end(out);
            self.pending_empty += trailing - 1;
        }
    }

    /// Relaxed: the byte-at-a-time machine, used at chunk edges.
    fn relaxed_byte<S: Emit + ?Sized>(&mut self, b: u8, out: &mut S) {
        if self.cr_held {
            self.cr_held = false;
            if b == b'\n' {
                // Whitespace before CRLF is trailing whitespace: dropped.
                self.pending_wsp = false;
                self.line_end(out);
                return;
            }
            self.content_after_wsp(b"\r", out);
        }
        match b {
            b' ' | b'\t' => self.pending_wsp = true,
            b'\r' => self.cr_held = true,
            _ => self.content_after_wsp(&[b], out),
        }
    }

    fn update_relaxed<S: Emit + ?Sized>(&mut self, d: &[u8], out: &mut S) {
        let mut i = 0;
        // Settle whatever the previous chunk left open.
        while i < d.len() && (self.cr_held || self.pending_wsp) {
            self.relaxed_byte(d[i], out);
            i += 1;
        }
        // The tail (whitespace and line ends at the chunk's end) may be
        // trailing whitespace or trailing empty lines: decided byte by byte.
        let tail = d.iter().rposition(|&b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n')).map_or(0, |p| p + 1).max(i);
        if tail > i {
            self.flush_empty_lines(out);
            out.relaxed(self.path, d, i, tail);
            self.line_empty = false;
            self.emitted_any = true;
        }
        for &b in &d[tail..] {
            self.relaxed_byte(b, out);
        }
    }
}

/// Where canonical output goes: the public API takes a closure, the body
/// hash a staging buffer that relaxed spans are written into directly.
pub(crate) trait Emit {
    /// Appends `s`.
    fn bytes(&mut self, s: &[u8]);

    /// Appends the relaxed canonical form of the span `h[from..to]` (see
    /// [`relaxed_span`]).
    #[inline]
    fn relaxed(&mut self, path: ScanPath, h: &[u8], from: usize, to: usize) {
        relaxed_span(path, h, from, to, self);
    }
}

impl<F: FnMut(&[u8])> Emit for F {
    #[inline]
    fn bytes(&mut self, s: &[u8]) {
        self(s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    /// The output on the portable path, checked to be the same on every
    /// other path this processor can run.
    fn canon(alg: CanonicalizationAlgorithm, chunks: &[&[u8]]) -> Vec<u8> {
        let on = |path| {
            let mut out = Vec::new();
            let mut c = BodyCanonicalizer::with_scan_path(alg, path);
            for ch in chunks {
                c.update(ch, &mut |s: &[u8]| out.extend_from_slice(s));
            }
            c.finish(&mut |s: &[u8]| out.extend_from_slice(s));
            out
        };
        let portable = on(ScanPath::Portable);
        for path in ScanPath::ALL.into_iter().filter(|p| p.is_available()) {
            assert_eq!(on(path), portable, "{path} differs from portable on {chunks:?}");
        }
        portable
    }

    /// A direct transcription of RFC 6376 3.4.4, line by line, as an oracle.
    pub(super) fn relaxed_oracle(input: &[u8]) -> Vec<u8> {
        let mut lines: Vec<Vec<u8>> = Vec::new();
        let mut rest = input;
        let mut last_unterminated = None;
        while !rest.is_empty() {
            match rest.windows(2).position(|w| w == b"\r\n") {
                Some(p) => {
                    lines.push(rest[..p].to_vec());
                    rest = &rest[p + 2..];
                }
                None => {
                    last_unterminated = Some(rest.to_vec());
                    rest = &[];
                }
            }
        }
        if let Some(l) = last_unterminated {
            lines.push(l);
        }
        let mut out_lines: Vec<Vec<u8>> = lines
            .into_iter()
            .map(|l| {
                let mut o = Vec::new();
                let mut in_ws = false;
                for &b in &l {
                    if is_wsp(b) {
                        in_ws = true;
                    } else {
                        if in_ws {
                            o.push(b' ');
                        }
                        in_ws = false;
                        o.push(b);
                    }
                }
                o
            })
            .collect();
        while out_lines.last().is_some_and(|l| l.is_empty()) {
            out_lines.pop();
        }
        let mut out = Vec::new();
        for l in out_lines {
            out.extend_from_slice(&l);
            out.extend_from_slice(b"\r\n");
        }
        out
    }

    fn simple_oracle(input: &[u8]) -> Vec<u8> {
        let mut v = input.to_vec();
        if !v.ends_with(b"\r\n") {
            v.extend_from_slice(b"\r\n");
        }
        while v.ends_with(b"\r\n\r\n") {
            v.truncate(v.len() - 2);
        }
        if v == b"\r\n" || v.is_empty() {
            return b"\r\n".to_vec();
        }
        v
    }

    #[test]
    fn rfc_example() {
        use CanonicalizationAlgorithm::*;
        let body = b" C \r\nD \t E\r\n\r\n\r\n";
        assert_eq!(canon(Relaxed, &[body]), b" C\r\nD E\r\n");
        assert_eq!(canon(Simple, &[body]), b" C \r\nD \t E\r\n");
    }

    #[test]
    fn empty_bodies() {
        use CanonicalizationAlgorithm::*;
        assert_eq!(canon(Simple, &[]), b"\r\n");
        assert_eq!(canon(Relaxed, &[]), b"");
        assert_eq!(canon(Simple, &[b"\r\n\r\n"]), b"\r\n");
        assert_eq!(canon(Relaxed, &[b" \r\n\t\r\n"]), b"");
    }

    #[test]
    fn bare_cr_and_lf_are_data() {
        use CanonicalizationAlgorithm::*;
        assert_eq!(canon(Simple, &[b"\r\n\r"]), b"\r\n\r\r\n");
        assert_eq!(canon(Relaxed, &[b"a \rb\r\n"]), b"a \rb\r\n");
        assert_eq!(canon(Relaxed, &[b"a\n \n"]), b"a\n \n\r\n");
        assert_eq!(canon(Relaxed, &[b"a  \r"]), b"a \r\r\n");
    }

    #[test]
    fn every_split_matches_oracle() {
        let samples: &[&[u8]] = &[
            b"Hello  world \t\r\n\r\n  indented\t\tline  \r\n\r\n\r\n",
            b"a\r\n \r\n\t\r\nb \r\n",
            b"x\r\r\n\r\ry  z\r\n\r",
            b" \t \r\n",
            b"no final line end  ",
            b"\r\n\r\nafter empties\r\n \r\n",
            b"tab\tin\t \tmiddle\r\nend",
        ];
        for s in samples {
            for alg in [CanonicalizationAlgorithm::Simple, CanonicalizationAlgorithm::Relaxed] {
                let want = match alg {
                    CanonicalizationAlgorithm::Simple => simple_oracle(s),
                    CanonicalizationAlgorithm::Relaxed => relaxed_oracle(s),
                };
                assert_eq!(canon(alg, &[s]), want, "{alg:?} whole {:?}", s);
                for a in 0..=s.len() {
                    for b in a..=s.len() {
                        let got = canon(alg, &[&s[..a], &s[a..b], &s[b..]]);
                        assert_eq!(got, want, "{alg:?} split {a},{b} of {:?}", s);
                    }
                }
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn chunking_never_matters(
            body in proptest::collection::vec(proptest::sample::select(&b" \t\r\nab="[..]), 0..200),
            cuts in proptest::collection::vec(0usize..200, 0..6),
        ) {
            for alg in [CanonicalizationAlgorithm::Simple, CanonicalizationAlgorithm::Relaxed] {
                let whole = canon(alg, &[&body]);
                let want = match alg {
                    CanonicalizationAlgorithm::Simple => simple_oracle(&body),
                    CanonicalizationAlgorithm::Relaxed => relaxed_oracle(&body),
                };
                proptest::prop_assert_eq!(&whole, &want);
                let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (body.len() + 1)).collect();
                cuts.sort_unstable();
                let mut chunks: Vec<&[u8]> = Vec::new();
                let mut prev = 0;
                for c in cuts { chunks.push(&body[prev..c]); prev = c; }
                chunks.push(&body[prev..]);
                proptest::prop_assert_eq!(canon(alg, &chunks), whole);
            }
        }

        #[test]
        fn relaxed_is_idempotent(body in proptest::collection::vec(proptest::sample::select(&b" \t\r\nab"[..]), 0..200)) {
            let once = canon(CanonicalizationAlgorithm::Relaxed, &[&body]);
            let twice = canon(CanonicalizationAlgorithm::Relaxed, &[&once]);
            proptest::prop_assert_eq!(once, twice);
        }
    }
}
