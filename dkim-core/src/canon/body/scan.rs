//! The relaxed body scan: finds, 64 bytes at a time, the whitespace runs
//! that relaxed canonicalization changes, with AVX-512 or AVX2 compares
//! through `pulp` where the processor has them and 16-byte compares through
//! `wide` elsewhere. [`relaxed_span`] hands the unchanged spans between
//! them to an [`Emit`]; [`relaxed_blocks`] writes the canonical form block
//! by block into the body hash's staging buffer.

use wide::u8x16;

use super::{Emit, is_wsp};
use crate::canon::ScanPath;

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
///
/// `path` says which of these runs ([`ScanPath`]); one the processor lacks
/// falls back to the portable scan.
pub(crate) fn relaxed_span<S: Emit + ?Sized>(path: ScanPath, h: &[u8], from: usize, to: usize, out: &mut S) {
    #[cfg(target_arch = "x86_64")]
    if path == ScanPath::Avx512
        && let Some(simd) = pulp::x86::V4::try_new()
    {
        return simd.vectorize(|| scan_span(simd, h, from, to, out));
    }
    #[cfg(target_arch = "x86_64")]
    if path == ScanPath::Avx2
        && let Some(simd) = pulp::x86::V3::try_new()
    {
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
    path: ScanPath,
    buf: &mut [u8],
    o: usize,
    room: usize,
    h: &[u8],
    cursor: usize,
    to: usize,
) -> (usize, usize) {
    #[cfg(target_arch = "x86_64")]
    if path == ScanPath::Avx512
        && let Some(simd) = pulp::x86::V4::try_new()
    {
        return simd.vectorize(Blocks { scan: simd, buf, o, room, h, cursor, to });
    }
    #[cfg(target_arch = "x86_64")]
    if path == ScanPath::Avx2
        && let Some(simd) = pulp::x86::V3::try_new()
    {
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
    use super::super::tests::relaxed_oracle;
    use super::*;
    use alloc::vec::Vec;

    /// Input position reached and output position, as the block writer returns them.
    type Reached = (usize, usize);

    proptest::proptest! {
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
            for path in crate::canon::ScanPath::ALL {
                proptest::prop_assert_eq!(&write(&|b, o, c| relaxed_blocks(path, b, o, room, &body, c, to))[..], want);
            }
        }
    }
}
