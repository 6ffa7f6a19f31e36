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

use wide::u8x16;

use super::CanonicalizationAlgorithm;

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
    pub fn new(algorithm: CanonicalizationAlgorithm) -> Self {
        Self { algorithm, line_empty: true, pending_empty: 0, pending_wsp: false, cr_held: false, emitted_any: false }
    }

    /// The algorithm.
    pub fn algorithm(&self) -> CanonicalizationAlgorithm {
        self.algorithm
    }

    /// Feeds the next chunk of the body.
    pub fn update<F: FnMut(&[u8])>(&mut self, chunk: &[u8], out: &mut F) {
        self.update_into(chunk, out);
    }

    /// Ends the body: emits what is still held back and the final CRLF.
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
            out.relaxed(d, i, tail);
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
    fn relaxed(&mut self, h: &[u8], from: usize, to: usize) {
        relaxed_span(h, from, to, self);
    }
}

impl<F: FnMut(&[u8])> Emit for F {
    #[inline]
    fn bytes(&mut self, s: &[u8]) {
        self(s);
    }
}

/// Relaxed canonicalization of `h[from..to]`, a span that ends with a byte
/// other than SP, HTAB, CR and LF, entered with no whitespace or CR held
/// back. Such a span has no trailing empty lines, so only whitespace runs
/// change. Bytes of `h` past `to` may be read, never emitted.
///
/// A run changes only if it holds a tab, is two or more bytes long, or is a
/// single space before a CR (possibly trailing whitespace). An *event* is a
/// tab, or a space followed by SP, HTAB or CR; line ends themselves are not
/// events, so an unchanged line costs nothing but the scan. The scan works on
/// 64-byte blocks, building bit masks of events and of whitespace per block
/// with vector compares; most blocks have no event, and a run's end is found
/// in the whitespace mask.
///
/// On x86-64 processors with AVX-512 (BW) the scan uses 64-byte compares,
/// with AVX2 32-byte ones, chosen at run time through `pulp` (which holds the
/// one `unsafe` call that enabling CPU features needs); elsewhere 16-byte
/// compares through `wide`, which every x86-64 and most other targets run
/// natively.
pub(crate) fn relaxed_span<S: Emit + ?Sized>(h: &[u8], from: usize, to: usize, out: &mut S) {
    #[cfg(target_arch = "x86_64")]
    if let Some(simd) = pulp::x86::V4::try_new() {
        return simd.vectorize(|| scan_span(simd, h, from, to, out));
    }
    #[cfg(target_arch = "x86_64")]
    if let Some(simd) = pulp::x86::V3::try_new() {
        return simd.vectorize(|| scan_span(simd, h, from, to, out));
    }
    scan_span(Portable, h, from, to, out);
}

/// A way to build a block's masks: [`Portable`], or AVX2 or AVX-512 through
/// `pulp`.
trait Scan: Copy {
    /// The event and whitespace masks of the first 64 bytes of `b`, or
    /// `None` when there is no event.
    fn masks(self, b: &[u8; BLOCK + 1]) -> Option<(u64, u64)>;

    /// The event, whitespace and CRLF masks of the first 64 bytes of `b`
    /// (a CRLF bit marks a CR followed by LF).
    fn masks_all(self, b: &[u8; BLOCK + 1]) -> [u64; 3];
}

/// 16-byte compares, on every target.
#[derive(Clone, Copy)]
struct Portable;

impl Scan for Portable {
    #[inline(always)]
    fn masks(self, b: &[u8; BLOCK + 1]) -> Option<(u64, u64)> {
        let [e, w, _] = block_masks(b);
        Some((e, w)).filter(|m| m.0 != 0)
    }

    #[inline(always)]
    fn masks_all(self, b: &[u8; BLOCK + 1]) -> [u64; 3] {
        block_masks(b)
    }
}

#[cfg(target_arch = "x86_64")]
impl Scan for pulp::x86::V3 {
    #[inline(always)]
    fn masks(self, b: &[u8; BLOCK + 1]) -> Option<(u64, u64)> {
        // Same masks as `block_masks`, 32 bytes per compare.
        let (e0, w0) = v3_lane(self, b, 0);
        let (e1, w1) = v3_lane(self, b, 32);
        let a2 = self.avx2;
        if a2._mm256_movemask_epi8(a2._mm256_or_si256(e0, e1)) == 0 {
            return None;
        }
        let e = u64::from(a2._mm256_movemask_epi8(e0) as u32) | u64::from(a2._mm256_movemask_epi8(e1) as u32) << 32;
        let w = u64::from(a2._mm256_movemask_epi8(w0) as u32) | u64::from(a2._mm256_movemask_epi8(w1) as u32) << 32;
        // Left visible to the optimizer, the masks' later bit arithmetic was
        // turned back into per-byte vector inserts (twice slower overall).
        Some(core::hint::black_box((e, w)))
    }

    #[inline(always)]
    fn masks_all(self, b: &[u8; BLOCK + 1]) -> [u64; 3] {
        let (e0, w0) = v3_lane(self, b, 0);
        let (e1, w1) = v3_lane(self, b, 32);
        let (a, a2) = (self.avx, self.avx2);
        let (cr, lf) = (a._mm256_set1_epi8(b'\r' as i8), a._mm256_set1_epi8(b'\n' as i8));
        let crlf = |i: usize| {
            let v: core::arch::x86_64::__m256i = pulp::cast(<[u8; 32]>::try_from(&b[i..i + 32]).unwrap_or([0; 32]));
            let n: core::arch::x86_64::__m256i = pulp::cast(<[u8; 32]>::try_from(&b[i + 1..i + 33]).unwrap_or([0; 32]));
            let m = a2._mm256_and_si256(a2._mm256_cmpeq_epi8(v, cr), a2._mm256_cmpeq_epi8(n, lf));
            u64::from(a2._mm256_movemask_epi8(m) as u32)
        };
        let mask = |x0, x1| {
            u64::from(a2._mm256_movemask_epi8(x0) as u32) | u64::from(a2._mm256_movemask_epi8(x1) as u32) << 32
        };
        [mask(e0, e1), mask(w0, w1), crlf(0) | crlf(32) << 32]
    }
}

#[cfg(target_arch = "x86_64")]
impl Scan for pulp::x86::V4 {
    #[inline(always)]
    fn masks(self, b: &[u8; BLOCK + 1]) -> Option<(u64, u64)> {
        let [e, w, _] = self.masks_all(b);
        Some((e, w)).filter(|m| m.0 != 0)
    }

    #[inline(always)]
    fn masks_all(self, b: &[u8; BLOCK + 1]) -> [u64; 3] {
        use core::arch::x86_64::__m512i;
        let (f, bw) = (self.avx512f, self.avx512bw);
        let v: __m512i = pulp::cast(<[u8; 64]>::try_from(&b[..64]).unwrap_or([0; 64]));
        let n: __m512i = pulp::cast(<[u8; 64]>::try_from(&b[1..65]).unwrap_or([0; 64]));
        let (space, tab, not4) =
            (f._mm512_set1_epi8(b' ' as i8), f._mm512_set1_epi8(b'\t' as i8), f._mm512_set1_epi8(!4));
        let sp = bw._mm512_cmpeq_epi8_mask(v, space);
        let tb = bw._mm512_cmpeq_epi8_mask(v, tab);
        let follow = bw._mm512_cmpeq_epi8_mask(n, space) | bw._mm512_cmpeq_epi8_mask(f._mm512_and_si512(n, not4), tab);
        let crlf = bw._mm512_cmpeq_epi8_mask(v, f._mm512_set1_epi8(b'\r' as i8))
            & bw._mm512_cmpeq_epi8_mask(n, f._mm512_set1_epi8(b'\n' as i8));
        [tb | (sp & follow), sp | tb, crlf]
    }
}

/// Events and whitespace of `b[i..i + 32]` as AVX2 byte masks.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn v3_lane(
    simd: pulp::x86::V3,
    b: &[u8; BLOCK + 1],
    i: usize,
) -> (core::arch::x86_64::__m256i, core::arch::x86_64::__m256i) {
    use core::arch::x86_64::__m256i;
    let (a, a2) = (simd.avx, simd.avx2);
    let (space, tab, not4) = (a._mm256_set1_epi8(b' ' as i8), a._mm256_set1_epi8(b'\t' as i8), a._mm256_set1_epi8(!4));
    let v: __m256i = pulp::cast(<[u8; 32]>::try_from(&b[i..i + 32]).unwrap_or([0; 32]));
    let n: __m256i = pulp::cast(<[u8; 32]>::try_from(&b[i + 1..i + 33]).unwrap_or([0; 32]));
    let (sp, tb) = (a2._mm256_cmpeq_epi8(v, space), a2._mm256_cmpeq_epi8(v, tab));
    let follow =
        a2._mm256_or_si256(a2._mm256_cmpeq_epi8(n, space), a2._mm256_cmpeq_epi8(a2._mm256_and_si256(n, not4), tab));
    (a2._mm256_or_si256(tb, a2._mm256_and_si256(sp, follow)), a2._mm256_or_si256(sp, tb))
}

/// [`relaxed_span`] with the block scan `scan`; inlined into the caller, so
/// that it is compiled with the CPU features the scan enables.
#[inline(always)]
fn scan_span<C: Scan, S: Emit + ?Sized>(scan: C, h: &[u8], from: usize, to: usize, out: &mut S) {
    let mut span = from; // start of the unchanged span not yet emitted
    let mut done = from; // every event before this has been handled
    let mut pos = from;
    while pos < to {
        // A full block is read with the byte after it (the span's last byte
        // is not whitespace, so the byte after the span cannot make an
        // event, whatever it is); the last, short block is padded.
        let Some((mut events, ws)) = block_masks_at(scan, h, pos, to) else {
            pos += BLOCK;
            continue;
        };
        if done > pos {
            events &= above(done - pos);
        }
        while events != 0 {
            // The first event of a run that changes is the run's first
            // byte: a tab, or a space followed by whitespace or CR (a run
            // that starts with a space followed by anything else is a single
            // space). Events inside a run are skipped below.
            let off = events.trailing_zeros() as usize;
            let start = pos + off;
            debug_assert!(start == from || !is_wsp(h[start - 1]) || start == span);
            // The run's length within the block, from the whitespace mask;
            // a run that reaches the block's end is followed byte by byte.
            let mut e = start + (!(ws >> off)).trailing_zeros() as usize;
            if e == pos + BLOCK {
                while e < to && is_wsp(h[e]) {
                    e += 1;
                }
            }
            if span < start {
                out.bytes(&h[span..start]);
            }
            // The span ends with a non-whitespace byte, so e < to; a CR
            // there is followed by another byte. A run before CRLF is
            // trailing whitespace and dropped; any other becomes one SP.
            let trailing = (h[e] == b'\r') & (h.get(e + 1) == Some(&b'\n'));
            if !trailing {
                out.bytes(b" ");
            }
            span = e;
            done = e;
            events &= above(done - pos);
        }
        pos += BLOCK;
    }
    if span < to {
        out.bytes(&h[span..to]);
    }
}

/// The masks of the block at `pos` (`pos < to`), or `None` when it has no
/// event. A full block is read with the byte after it (the span's last byte
/// is not whitespace, so the byte after the span cannot make an event,
/// whatever it is); the last, short block is padded with zeros, which are not
/// whitespace.
#[inline(always)]
fn block_masks_at<C: Scan>(scan: C, h: &[u8], pos: usize, to: usize) -> Option<(u64, u64)> {
    match h.get(pos..pos + BLOCK + 1) {
        Some(b) if pos + BLOCK <= to => scan.masks(b.try_into().unwrap_or(&[0; BLOCK + 1])),
        _ => {
            let mut b = [0u8; BLOCK + 1];
            let n = (to - pos).min(BLOCK);
            b[..n].copy_from_slice(&h[pos..pos + n]);
            scan.masks(&b)
        }
    }
}

/// The bits at and above `n` of a block mask (none when `n` is 64 or more).
#[inline]
fn above(n: usize) -> u64 {
    if n >= BLOCK { 0 } else { !0u64 << n }
}

/// Bytes per scan block: one bit each in a `u64` mask.
const BLOCK: usize = 64;

/// The event and whitespace masks of the first 64 bytes of `b` (the 65th is
/// the byte after them).
#[inline]
fn block_masks(b: &[u8; BLOCK + 1]) -> [u64; 3] {
    // Per 16 bytes `v`, with `n` the 16 bytes one further on: a tab, or a
    // space whose next byte is SP, HTAB or CR (HTAB and CR are the bytes
    // that equal 9 once bit 2 is cleared).
    let (space, tab, not4) = (u8x16::splat(b' '), u8x16::splat(b'\t'), u8x16::splat(!4));
    let lane = |i: usize| {
        let v = u8x16::new(b[i..i + 16].try_into().unwrap_or([0; 16]));
        let n = u8x16::new(b[i + 1..i + 17].try_into().unwrap_or([0; 16]));
        let (sp, tb) = (v.simd_eq(space), v.simd_eq(tab));
        let follow = n.simd_eq(space) | (n & not4).simd_eq(tab);
        let crlf = v.simd_eq(u8x16::splat(b'\r')) & n.simd_eq(u8x16::splat(b'\n'));
        (tb | (sp & follow), sp | tb, crlf)
    };
    let lanes = [lane(0), lane(16), lane(32), lane(48)];
    let mut m = [0u64; 3];
    for (i, (e, w, c)) in lanes.iter().enumerate() {
        m[0] |= u64::from(e.to_bitmask()) << (16 * i);
        m[1] |= u64::from(w.to_bitmask()) << (16 * i);
        m[2] |= u64::from(c.to_bitmask()) << (16 * i);
    }
    m
}

/// Relaxed canonicalization of `h[cursor..to]` (a span as for
/// [`relaxed_span`]) written block by block into `buf` from `o`, while at
/// least `room` bytes of `buf` are free. Returns the input position reached
/// and its place in `buf`: every byte of `buf` before that place is final.
/// The whole span is done unless `buf` ran out of room.
///
/// Each block is copied whole first; each run that changes then writes its
/// SP and copies the 64 bytes after the run over the rest of the block, so
/// the work per event is the same whatever the pieces' lengths, and the
/// blocks' scans do not wait for the events before them.
pub(crate) fn relaxed_blocks(
    buf: &mut [u8],
    o: usize,
    room: usize,
    h: &[u8],
    cursor: usize,
    to: usize,
) -> (usize, usize) {
    #[cfg(target_arch = "x86_64")]
    if let Some(simd) = pulp::x86::V4::try_new() {
        return simd.vectorize(Blocks { scan: simd, buf, o, room, h, cursor, to });
    }
    #[cfg(target_arch = "x86_64")]
    if let Some(simd) = pulp::x86::V3::try_new() {
        return simd.vectorize(Blocks { scan: simd, buf, o, room, h, cursor, to });
    }
    Blocks { scan: Portable, buf, o, room, h, cursor, to }.run()
}

/// [`relaxed_blocks`]' arguments, as a call that `pulp` inlines into code
/// compiled with the scan's CPU features (a closure this large would be
/// called out of line, without them).
struct Blocks<'a, C> {
    scan: C,
    buf: &'a mut [u8],
    o: usize,
    room: usize,
    h: &'a [u8],
    cursor: usize,
    to: usize,
}

impl<C: Scan> pulp::NullaryFnOnce for Blocks<'_, C> {
    type Output = (usize, usize);

    #[inline(always)]
    fn call(self) -> (usize, usize) {
        self.run()
    }
}

/// Bytes a block may read of the input, and write of the output: the
/// block, and the 64 bytes copied after a run that ends at or before the
/// block's end (the 65th byte of the input, for the masks, is within them).
const WINDOW: usize = 2 * BLOCK;

/// Room [`relaxed_blocks`] needs past its output position for one block.
pub(crate) const BLOCK_ROOM: usize = WINDOW;

impl<C: Scan> Blocks<'_, C> {
    /// [`blocks`], then the span's last bytes (fewer than `WINDOW` from the
    /// input's end) from a zero-padded copy: zeros are not whitespace.
    #[inline(always)]
    fn run(self) -> (usize, usize) {
        let Self { scan, buf, o, room, h, cursor, to } = self;
        let mut pad = [0u8; 2 * WINDOW];
        let (mut input, mut base, mut cur, mut to, mut o) = (h, 0, cursor, to, o);
        // One call site, so that `blocks` is inlined once.
        for padded in [false, true] {
            if padded {
                let rest = to - cur;
                if rest == 0 || rest >= WINDOW || o + room.max(BLOCK_ROOM) > buf.len() {
                    break;
                }
                pad[..rest].copy_from_slice(&h[cur..to]);
                (input, base, cur, to) = (&pad, cur, 0, rest);
            }
            (cur, o) = blocks(scan, buf, o, room, input, cur, to);
        }
        (base + cur, o)
    }
}

#[inline(always)]
fn blocks<C: Scan>(
    scan: C,
    buf: &mut [u8],
    mut o: usize,
    room: usize,
    h: &[u8],
    mut cur: usize,
    to: usize,
) -> (usize, usize) {
    let room = room.max(BLOCK_ROOM);
    let to = to.min(h.len());
    // Blocks follow each other whatever the events do, so the next block's
    // masks never wait for this block's output.
    let mut pos = cur;
    // Whether the byte before the block is whitespace: none is at the span's start.
    let mut carry = 0u64;
    while pos < to && o + room <= buf.len() {
        let Some(hb) = h.get(pos..pos + WINDOW).and_then(|x| <&[u8; WINDOW]>::try_from(x).ok()) else {
            break;
        };
        let Some(ob) = buf.get_mut(o..o + WINDOW).and_then(|x| <&mut [u8; WINDOW]>::try_from(x).ok()) else {
            break;
        };
        // Positions relative to the block: `c` in the input (past the block
        // when a run from the block before covers it), and `q`, how far the
        // output is behind the input (`c` at the start: its output starts
        // at `ob[0]`). Only `q` passes from one run to the next.
        let mut c = cur - pos;
        let mut q = c;
        let c0 = c.min(BLOCK);
        ob[..BLOCK].copy_from_slice(&hb[c0..c0 + BLOCK]);
        let [events, ws, crlf] = scan.masks_all(hb[..BLOCK + 1].try_into().unwrap_or(&[0; BLOCK + 1]));
        // Only a run's first byte: the rest of a run is whitespace after
        // whitespace. Nothing at or past `to` (in the last block).
        let end = (to - pos).min(BLOCK);
        let mut ev = events & !(ws << 1 | carry) & (!0u64 >> (BLOCK - end));
        carry = ws >> 63;
        // The byte after each of these runs: adding a run's first bit
        // carries through the run. A run that goes on past the block has
        // none (its carry leaves the mask) and is the block's last.
        let mut after = ws.wrapping_add(ev) & !ws;
        while ev != 0 {
            let off = ev.trailing_zeros() as usize;
            ev &= ev - 1;
            let e = after.trailing_zeros() as usize;
            after &= after.wrapping_sub(1);
            let (e, trailing) = if e < BLOCK { (e, crlf >> e & 1 != 0) } else { run_end(h, pos + BLOCK, to) };
            let keep = usize::from(!trailing);
            // Output never outgrows input, so `q <= off` and `os < BLOCK`.
            let os = (off - q) & (BLOCK - 1);
            ob[os] = b' ';
            let src = e.min(BLOCK);
            ob[os + keep..os + keep + BLOCK].copy_from_slice(&hb[src..src + BLOCK]);
            q += e - off - keep;
            c = e;
        }
        let done = c.max(end);
        o += done - q;
        cur = pos + done;
        pos += BLOCK;
    }
    (cur, o)
}

/// A run that reaches its block's end at `from`: where it ends (relative to
/// the block's start, `from - BLOCK`), and whether CRLF follows it.
#[cold]
fn run_end(h: &[u8], from: usize, to: usize) -> (usize, bool) {
    let mut e = from;
    while e < to && is_wsp(h[e]) {
        e += 1;
    }
    let trailing = (h.get(e) == Some(&b'\r')) & (h.get(e + 1) == Some(&b'\n'));
    (e - (from - BLOCK), trailing)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn canon(alg: CanonicalizationAlgorithm, chunks: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut c = BodyCanonicalizer::new(alg);
        for ch in chunks {
            c.update(ch, &mut |s: &[u8]| out.extend_from_slice(s));
        }
        c.finish(&mut |s: &[u8]| out.extend_from_slice(s));
        out
    }

    /// A direct transcription of RFC 6376 3.4.4, line by line, as an oracle.
    /// Input position reached and output position, as the block writer returns them.
    type Reached = (usize, usize);

    fn relaxed_oracle(input: &[u8]) -> Vec<u8> {
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

        /// Every block scan, run directly, gives the oracle's output: the
        /// dispatcher picks only one of them on a given machine.
        #[test]
        fn every_scan_matches_oracle(
            lines in proptest::collection::vec("[ \t]{0,3}([a-z=]{1,9}[ \t]{0,4}){0,12}\r?\n?", 0..40),
        ) {
            let mut body = lines.concat().into_bytes();
            body.extend_from_slice(b"x\r\n");
            let to = body.len() - 2;
            let want = relaxed_oracle(&body[..to]);
            let want = &want[..want.len() - 2]; // the oracle ends the last line
            let mut portable = Vec::new();
            scan_span(Portable, &body, 0, to, &mut |s: &[u8]| portable.extend_from_slice(s));
            proptest::prop_assert_eq!(&portable[..], want);
            #[cfg(target_arch = "x86_64")]
            if let Some(simd) = pulp::x86::V3::try_new() {
                let mut avx2 = Vec::new();
                scan_span(simd, &body, 0, to, &mut |s: &[u8]| avx2.extend_from_slice(s));
                proptest::prop_assert_eq!(&avx2[..], want);
            }
            #[cfg(target_arch = "x86_64")]
            if let Some(simd) = pulp::x86::V4::try_new() {
                let mut avx512 = Vec::new();
                scan_span(simd, &body, 0, to, &mut |s: &[u8]| avx512.extend_from_slice(s));
                proptest::prop_assert_eq!(&avx512[..], want);
            }
        }

        /// The block writer, with each block scan, run directly into a
        /// small buffer that is emptied whenever it is short of room (as the
        /// body hash's staging buffer is), gives the oracle's output.
        #[test]
        fn every_block_writer_matches_oracle(
            lines in proptest::collection::vec("[ \t]{0,70}([a-z=]{1,9}[ \t]{0,70}){0,12}\r?\n?", 0..30),
            size in 0usize..3,
        ) {
            let mut body = lines.concat().into_bytes();
            body.extend_from_slice(b"x\r\n");
            let to = body.len() - 2;
            let want = relaxed_oracle(&body[..to]);
            let want = &want[..want.len() - 2]; // the oracle ends the last line
            let write = |scan: &dyn Fn(&mut [u8], usize, usize) -> Reached| {
                let mut buf = alloc::vec![0u8; [BLOCK_ROOM + 64, 2 * BLOCK_ROOM, 4096][size]];
                let (mut out, mut cur, mut o) = (Vec::new(), 0, 0);
                while cur < to {
                    if o + BLOCK_ROOM + 64 > buf.len() {
                        out.extend_from_slice(&buf[..o]);
                        o = 0;
                    }
                    let (c, n) = scan(&mut buf, o, cur);
                    assert!(c > cur, "no progress at {cur}");
                    (cur, o) = (c, n);
                }
                out.extend_from_slice(&buf[..o]);
                out
            };
            let room = BLOCK_ROOM + 64;
            proptest::prop_assert_eq!(&write(&|buf, o, cursor| Blocks { scan: Portable, buf, o, room, h: &body, cursor, to }.run())[..], want);
            #[cfg(target_arch = "x86_64")]
            if let Some(simd) = pulp::x86::V3::try_new() {
                proptest::prop_assert_eq!(&write(&|buf, o, cursor| Blocks { scan: simd, buf, o, room, h: &body, cursor, to }.run())[..], want);
            }
            #[cfg(target_arch = "x86_64")]
            if let Some(simd) = pulp::x86::V4::try_new() {
                proptest::prop_assert_eq!(&write(&|buf, o, cursor| Blocks { scan: simd, buf, o, room, h: &body, cursor, to }.run())[..], want);
            }
            proptest::prop_assert_eq!(&write(&|b, o, c| relaxed_blocks(b, o, room, &body, c, to))[..], want);
        }

        #[test]
        fn relaxed_is_idempotent(body in proptest::collection::vec(proptest::sample::select(&b" \t\r\nab"[..]), 0..200)) {
            let once = canon(CanonicalizationAlgorithm::Relaxed, &[&body]);
            let twice = canon(CanonicalizationAlgorithm::Relaxed, &[&once]);
            proptest::prop_assert_eq!(once, twice);
        }
    }
}
