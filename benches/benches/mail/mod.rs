//! Deterministic, realistic mail bodies for the benchmarks: prose with trailing whitespace, double spaces and
//! tabs, indented HTML, base64 attachment lines, and three trailing empty lines.

#![allow(dead_code)]

/// Every body ends with its last content line's CRLF and then three empty lines.
pub const TRAILER: &[u8] = b"\r\n\r\n\r\n";

// ---------------------------------------------------------------------------------------------------------------
// Deterministic mail bodies
// ---------------------------------------------------------------------------------------------------------------

/// Knuth's MMIX linear congruential generator: deterministic, and good enough to vary text.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u32 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as u32
    }

    /// Uniform-ish in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.next() as usize % (hi - lo + 1)
    }

    /// True once in `n` calls on average.
    fn one_in(&mut self, n: u32) -> bool {
        self.next().is_multiple_of(n)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.next() as usize % items.len()]
    }
}

const WORDS: &[&str] = &[
    "the",
    "of",
    "and",
    "to",
    "in",
    "is",
    "you",
    "that",
    "it",
    "for",
    "on",
    "with",
    "as",
    "are",
    "this",
    "be",
    "meeting",
    "schedule",
    "attached",
    "please",
    "review",
    "invoice",
    "quarter",
    "report",
    "thanks",
    "regards",
    "tomorrow",
    "morning",
    "project",
    "update",
    "deadline",
    "budget",
    "team",
    "customer",
    "delivery",
    "question",
    "shipment",
    "contract",
    "signature",
    "message",
    "folder",
    "version",
    "draft",
    "final",
    "agenda",
    "minutes",
];

const HTML_CLASSES: &[&str] = &["row", "cell", "header", "footer", "content", "btn btn-primary", "muted", "col-6"];

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Words separated by single spaces, sentence ends followed by two spaces half of the time, and the odd tab.
fn words(rng: &mut Lcg, out: &mut Vec<u8>, target: usize) {
    let start = out.len();
    let mut sep: &[u8] = b"";
    while out.len() - start < target {
        out.extend_from_slice(sep);
        out.extend_from_slice(rng.pick(WORDS).as_bytes());
        sep = if rng.one_in(8) {
            out.push(b'.');
            if rng.one_in(2) { b"  " } else { b" " }
        } else if rng.one_in(6) {
            out.push(b',');
            b" "
        } else if rng.one_in(30) {
            b"\t"
        } else {
            b" "
        };
    }
}

/// A prose line of about 70 characters, with trailing whitespace on one line in six.
fn prose_line(rng: &mut Lcg, out: &mut Vec<u8>) {
    let target = rng.range(62, 72);
    words(rng, out, target);
    if rng.one_in(6) {
        const TRAILING: [&[u8]; 4] = [b" ", b"  ", b" \t", b"\t"];
        out.extend_from_slice(TRAILING[rng.range(0, 3)]);
    }
    out.extend_from_slice(b"\r\n");
}

/// An indented HTML line: a leading run of 2 to 16 spaces.
fn html_line(rng: &mut Lcg, out: &mut Vec<u8>, depth: usize) {
    out.resize(out.len() + depth * 2, b' ');
    match rng.range(0, 4) {
        0 => {
            out.extend_from_slice(b"<div class=\"");
            out.extend_from_slice(rng.pick(HTML_CLASSES).as_bytes());
            out.extend_from_slice(b"\">");
        }
        1 => {
            out.extend_from_slice(b"<td style=\"padding: 4px 8px; color: #333333;\">");
            let n = rng.range(8, 30);
            words(rng, out, n);
            out.extend_from_slice(b"</td>");
        }
        2 => {
            out.extend_from_slice(b"<p>");
            let n = rng.range(20, 50);
            words(rng, out, n);
            out.extend_from_slice(b"</p>");
        }
        3 => {
            let n = rng.range(1000, 9999);
            out.extend_from_slice(format!("<a href=\"https://example.com/track/{n}\">").as_bytes());
            out.extend_from_slice(rng.pick(WORDS).as_bytes());
            out.extend_from_slice(b"</a>");
        }
        _ => out.extend_from_slice(b"</div>"),
    }
    if rng.one_in(10) {
        out.push(b' ');
    }
    out.extend_from_slice(b"\r\n");
}

fn base64_line(rng: &mut Lcg, out: &mut Vec<u8>, len: usize) {
    for _ in 0..len {
        out.push(BASE64[rng.next() as usize % 64]);
    }
    out.extend_from_slice(b"\r\n");
}

/// A multipart body of exactly `size` bytes (CRLF line ends): a plain-text part, an indented HTML part and a
/// base64 attachment, repeated until the size is reached, then three trailing empty lines.
pub fn mail_body(size: usize) -> Vec<u8> {
    let mut rng = Lcg(0x00D1_C1A5_5EED ^ size as u64);
    let mut b = Vec::with_capacity(size + 4096);
    b.extend_from_slice(b"This is a multi-part message in MIME format.\r\n\r\n");
    while b.len() < size {
        b.extend_from_slice(b"--=_boundary_4f2a\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
        for _ in 0..rng.range(1, 2) {
            for _ in 0..rng.range(2, 5) {
                prose_line(&mut rng, &mut b);
            }
            b.extend_from_slice(b"\r\n");
        }
        b.extend_from_slice(b"--=_boundary_4f2a\r\nContent-Type: text/html; charset=utf-8\r\n\r\n");
        let mut depth = 1;
        for _ in 0..rng.range(3, 8) {
            html_line(&mut rng, &mut b, depth);
            depth = (depth + rng.range(0, 2)).saturating_sub(1).clamp(1, 8);
        }
        b.extend_from_slice(
            b"--=_boundary_4f2a\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n",
        );
        for _ in 0..rng.range(4, 12) {
            base64_line(&mut rng, &mut b, 76);
        }
        let last = rng.range(4, 19) * 4;
        base64_line(&mut rng, &mut b, last);
    }
    // Cut at a line end, leaving room for the trailer and either nothing more or a filler line of at least one
    // byte (a gap of one or two bytes cannot be a non-empty line). Never cut right after an empty line: the body
    // must end with exactly three empty lines.
    let limit = size - TRAILER.len();
    let mut cut = limit;
    loop {
        cut = b[..cut].windows(2).rposition(|w| w == b"\r\n").map_or(0, |p| p + 2);
        let room = limit - cut;
        if room >= 3 || (room == 0 && !b[..cut].ends_with(b"\r\n\r\n")) {
            break;
        }
        cut -= 2;
    }
    b.truncate(cut);
    let room = limit - cut;
    if room > 0 {
        let mut filler = Vec::new();
        words(&mut rng, &mut filler, room);
        filler.truncate(room - 2);
        if let Some(last) = filler.last_mut().filter(|l| matches!(**l, b' ' | b'\t')) {
            *last = b'.';
        }
        b.extend_from_slice(&filler);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(TRAILER);
    b
}
