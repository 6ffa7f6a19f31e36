//! The header block: collecting it from chunks, splitting it into fields,
//! and choosing the field instances that `h=` names (bottom-up, RFC 6376
//! section 5.4.2).

use alloc::vec::Vec;
use core::fmt;

use memchr::memmem;

use crate::policy::{Limits, LineEndings};

/// One header field, borrowed from the header block.
///
/// ```
/// use dkim_core::header::HeaderBlock;
/// let block = HeaderBlock::parse(b"From: a@example.com\r\nSubject : hi\r\n there\r\n".to_vec(), 100)?;
/// let subject = block.field(1).ok_or("no field")?;
/// assert_eq!(subject.name(), b"Subject");
/// assert_eq!(subject.value(), b" hi\r\n there\r\n");
/// assert_eq!(subject.offset(), 21);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeaderField<'a> {
    name: &'a [u8],
    value: &'a [u8],
    raw: &'a [u8],
    offset: usize,
}

impl<'a> HeaderField<'a> {
    /// The field name, without whitespace before the colon.
    ///
    /// ```
    /// use dkim_core::header::HeaderBlock;
    /// let block = HeaderBlock::parse(b"Subject \t: hi\r\n".to_vec(), 100)?;
    /// assert_eq!(block.field(0).ok_or("no field")?.name(), b"Subject"); // whitespace before the colon dropped
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn name(&self) -> &'a [u8] {
        self.name
    }

    /// Everything after the colon, folding and final CRLF included.
    ///
    /// ```
    /// use dkim_core::header::HeaderBlock;
    /// let block = HeaderBlock::parse(b"Subject: hi\r\n there\r\n".to_vec(), 100)?;
    /// assert_eq!(block.field(0).ok_or("no field")?.value(), b" hi\r\n there\r\n");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn value(&self) -> &'a [u8] {
        self.value
    }

    /// The whole field as on the wire, final CRLF included.
    ///
    /// ```
    /// use dkim_core::header::HeaderBlock;
    /// let block = HeaderBlock::parse(b"From: a@example.com\r\nSubject: hi\r\n".to_vec(), 100)?;
    /// assert_eq!(block.field(1).ok_or("no field")?.raw(), b"Subject: hi\r\n");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// Byte offset of the field in the header block.
    ///
    /// ```
    /// use dkim_core::header::HeaderBlock;
    /// let block = HeaderBlock::parse(b"From: a@example.com\r\nSubject: hi\r\n".to_vec(), 100)?;
    /// let offsets: Vec<usize> = block.fields().map(|f| f.offset()).collect();
    /// assert_eq!(offsets, [0, 21]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The name as it was written, up to the colon (trailing whitespace kept).
    pub(crate) fn name_as_written(&self) -> &'a [u8] {
        let colon = self.raw.len() - self.value.len() - 1;
        &self.raw[..colon]
    }

    /// True if the name equals `name`, ignoring ASCII case.
    ///
    /// ```
    /// use dkim_core::header::HeaderBlock;
    /// let block = HeaderBlock::parse(b"FROM: a@example.com\r\n".to_vec(), 100)?;
    /// let field = block.field(0).ok_or("no field")?;
    /// assert!(field.is("from"));
    /// assert!(!field.is("fro"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name.as_bytes())
    }
}

/// Span of one field in the block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FieldSpan {
    start: usize,
    name_end: usize,
    colon: usize,
    end: usize,
    /// [`name_key`] of the name: most names of `h=` that are not this one
    /// are told apart by it alone.
    key: u64,
}

/// The length and first seven bytes of a field name, with bit 5 of each set
/// (ASCII lower case for letters): equal for names equal without regard to
/// ASCII case.
#[inline]
fn name_key(name: &[u8]) -> u64 {
    let head = match name.get(..8) {
        Some(eight) => u64::from_le_bytes(eight.try_into().unwrap_or([0; 8])),
        None => name.iter().rev().fold(0u64, |k, &b| k << 8 | u64::from(b)),
    };
    (head | 0x0020_2020_2020_2020) & 0x00ff_ffff_ffff_ffff | (name.len().min(255) as u64) << 56
}

/// One bit of a 64-bit filter for a name key.
#[inline]
fn key_bit(key: u64) -> u64 {
    1 << (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 58)
}

/// The end of the line that starts at `from`: just past its CRLF (a bare LF
/// is data), or the end of `bytes`.
#[inline]
fn crlf_end(bytes: &[u8], from: usize) -> usize {
    let mut at = from;
    while let Some(p) = memchr::memchr(b'\n', &bytes[at..]) {
        let lf = at + p;
        if lf > from && bytes[lf - 1] == b'\r' {
            return lf + 1;
        }
        at = lf + 1;
    }
    bytes.len()
}

/// A complete header block split into fields.
///
/// ```
/// use dkim_core::header::HeaderBlock;
/// let header = b"From: a@example.com\r\nTo: b@example.net\r\nFrom: c@example.org\r\n";
/// let block = HeaderBlock::parse(header.to_vec(), 100)?;
/// assert_eq!(block.len(), 3);
/// // `h=from:from:to` signs the bottom From, then the top one, then To.
/// assert_eq!(block.select(["from", "from", "to"], None), [Some(2), Some(0), Some(1)]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HeaderBlock {
    bytes: Vec<u8>,
    fields: Vec<FieldSpan>,
}

impl HeaderBlock {
    /// Splits a header block (the fields, each ending in CRLF, without the
    /// empty line that ends the header).
    ///
    /// # Errors
    ///
    /// [`HeaderError`] for a line without a colon, a bad field name, a
    /// block that starts with a continuation line, or too many fields.
    ///
    /// ```
    /// use dkim_core::header::HeaderBlock;
    /// let h = HeaderBlock::parse(b"From: a@example.com\r\nSubject: hi\r\n there\r\n".to_vec(), 100).unwrap();
    /// let names: Vec<&[u8]> = h.fields().map(|f| f.name()).collect();
    /// assert_eq!(names, [&b"From"[..], b"Subject"]);
    /// ```
    pub fn parse(bytes: Vec<u8>, max_fields: usize) -> Result<Self, HeaderError> {
        // Room for every line (a field has at least one): no regrowing.
        let lines = memchr::memchr_iter(b'\n', &bytes).count() + 1;
        let mut fields: Vec<FieldSpan> = Vec::with_capacity(lines.min(max_fields));
        let mut i = 0;
        while i < bytes.len() {
            let line_end = crlf_end(&bytes, i);
            if matches!(bytes[i], b' ' | b'\t') {
                match fields.last_mut() {
                    Some(f) => f.end = line_end,
                    None => return Err(HeaderError::LeadingContinuation),
                }
            } else {
                let line = &bytes[i..line_end];
                let colon = line.iter().position(|&b| b == b':').ok_or(HeaderError::MissingColon { offset: i })?;
                let name_len = line[..colon].iter().rposition(|b| !matches!(b, b' ' | b'\t')).map_or(0, |p| p + 1);
                let name = &line[..name_len];
                if name.is_empty() || !name.iter().all(|b| (0x21..=0x7e).contains(b)) {
                    return Err(HeaderError::InvalidFieldName { offset: i });
                }
                if fields.len() >= max_fields {
                    return Err(HeaderError::TooManyFields { limit: max_fields });
                }
                fields.push(FieldSpan {
                    start: i,
                    name_end: i + name_len,
                    colon: i + colon,
                    end: line_end,
                    key: name_key(name),
                });
            }
            i = line_end;
        }
        Ok(Self { bytes, fields })
    }

    /// The fields, top to bottom.
    ///
    /// ```
    /// use dkim_core::header::HeaderBlock;
    /// let block = HeaderBlock::parse(b"From: a@example.com\r\nSubject: hi\r\n".to_vec(), 100)?;
    /// let bottom_up: Vec<&[u8]> = block.fields().rev().map(|f| f.name()).collect();
    /// assert_eq!(bottom_up, [&b"Subject"[..], b"From"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn fields(&self) -> impl DoubleEndedIterator<Item = HeaderField<'_>> + ExactSizeIterator {
        self.fields.iter().map(|s| self.field_at(s))
    }

    /// The field with index `i` (0 = topmost).
    ///
    /// ```
    /// use dkim_core::header::HeaderBlock;
    /// let block = HeaderBlock::parse(b"From: a@example.com\r\nSubject: hi\r\n".to_vec(), 100)?;
    /// assert_eq!(block.field(0).map(|f| f.name()), Some(&b"From"[..]));
    /// assert_eq!(block.field(2), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn field(&self, i: usize) -> Option<HeaderField<'_>> {
        self.fields.get(i).map(|s| self.field_at(s))
    }

    /// Number of fields.
    ///
    /// ```
    /// use dkim_core::header::HeaderBlock;
    /// // A folded field is one field.
    /// let block = HeaderBlock::parse(b"From: a@example.com\r\nSubject: hi\r\n there\r\n".to_vec(), 100)?;
    /// assert_eq!(block.len(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// True for a message without header fields.
    ///
    /// ```
    /// use dkim_core::header::HeaderBlock;
    /// assert!(HeaderBlock::parse(Vec::new(), 100)?.is_empty());
    /// assert!(!HeaderBlock::parse(b"From: a@example.com\r\n".to_vec(), 100)?.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The raw block.
    ///
    /// ```
    /// use dkim_core::header::HeaderBlock;
    /// let bytes = b"From: a@example.com\r\nSubject: hi\r\n";
    /// assert_eq!(HeaderBlock::parse(bytes.to_vec(), 100)?.as_bytes(), bytes);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    fn field_at(&self, s: &FieldSpan) -> HeaderField<'_> {
        HeaderField {
            name: &self.bytes[s.start..s.name_end],
            value: &self.bytes[s.colon + 1..s.end],
            raw: &self.bytes[s.start..s.end],
            offset: s.start,
        }
    }

    /// For each name of `h=`, the index of the field it signs: the
    /// bottom-most instance not yet used by an earlier occurrence of the
    /// same name, or `None` when there is none left (a name listed more
    /// often than the field occurs, "oversigning", signs absence).
    ///
    /// `exclude` is a field index that never counts (the signature field
    /// itself when it is verified).
    ///
    /// ```
    /// use dkim_core::header::HeaderBlock;
    /// let header = b"DKIM-Signature: v=1\r\nFrom: a@example.com\r\nTo: b@example.net\r\n";
    /// let block = HeaderBlock::parse(header.to_vec(), 100)?;
    /// // Bottom-up; a name listed once more than the field occurs selects nothing (oversigning).
    /// assert_eq!(block.select(["from", "to", "to"], None), [Some(1), Some(2), None]);
    /// // The signature field itself never counts.
    /// assert_eq!(block.select(["dkim-signature"], Some(0)), [None]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn select<I>(&self, names: I, exclude: Option<usize>) -> Vec<Option<usize>>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        // The name key of each field still free to be signed; 0, which no
        // field name has, once used and for `exclude`. A key match is
        // confirmed by the full name, so a shared key costs a compare only.
        // On the stack for up to 64 fields.
        let mut stack = [0u64; 64];
        let mut heap = Vec::new();
        let free: &mut [u64] = match stack.get_mut(..self.fields.len()) {
            Some(s) => s,
            None => {
                heap.resize(self.fields.len(), 0);
                &mut heap
            }
        };
        for (k, f) in free.iter_mut().zip(&self.fields) {
            *k = f.key;
        }
        if let Some(k) = exclude.and_then(|e| free.get_mut(e)) {
            *k = 0;
        }
        // Names of no field at all (oversigned ones) mostly stop here.
        let present = free.iter().fold(0, |bits, &k| bits | key_bit(k));
        // Our default h= list has under 32 names: one allocation.
        let mut out = Vec::with_capacity(32);
        for name in names {
            let name = name.as_ref();
            let key = name_key(name.as_bytes());
            if present & key_bit(key) == 0 {
                out.push(None);
                continue;
            }
            let mut below = free.len();
            let found = loop {
                match free[..below].iter().rposition(|&k| k == key) {
                    Some(i) if self.field_at(&self.fields[i]).is(name) => break Some(i),
                    Some(i) => below = i,
                    None => break None,
                }
            };
            if let Some(i) = found {
                free[i] = 0;
            }
            out.push(found);
        }
        out
    }
}

/// Collects the header block from chunks of the message.
#[derive(Clone, Debug)]
pub(crate) struct HeaderCollector {
    buf: Vec<u8>,
    line_endings: LineEndings,
    last_cr: bool,
    max_bytes: usize,
}

/// What one chunk did to the header.
pub(crate) enum Collected {
    /// The header is not complete yet; the whole chunk was taken.
    Partial,
    /// The header is complete; the body starts at this offset in the chunk.
    /// (In LF mode, the offset is in the original chunk.)
    Complete(usize),
}

impl HeaderCollector {
    pub(crate) fn new(limits: &Limits, line_endings: LineEndings) -> Self {
        Self { buf: Vec::new(), line_endings, last_cr: false, max_bytes: limits.max_header_bytes }
    }

    pub(crate) fn feed(&mut self, chunk: &[u8]) -> Result<Collected, HeaderError> {
        match self.line_endings {
            LineEndings::Crlf => self.feed_crlf(chunk),
            LineEndings::NormalizeLf => self.feed_lf(chunk),
        }
    }

    fn feed_crlf(&mut self, chunk: &[u8]) -> Result<Collected, HeaderError> {
        let old = self.buf.len();
        let room = self.max_bytes.saturating_add(4).saturating_sub(old);
        let take = &chunk[..chunk.len().min(room)];
        // A message that starts with its blank line has an empty header.
        let starts_blank = match (old, take) {
            (0, [b'\r', b'\n', ..]) => true,
            (1, [b'\n', ..]) => self.buf[0] == b'\r',
            _ => false,
        };
        if starts_blank {
            self.buf.clear();
            return Ok(Collected::Complete(2 - old));
        }
        // The first CRLF CRLF: across the seam (up to three bytes held from
        // earlier chunks and the chunk's first three), else in the chunk.
        // Only the header is copied, never the body after it.
        let from = old.saturating_sub(3);
        let mut seam = [0u8; 6];
        let (a, b) = (old - from, take.len().min(3));
        seam[..a].copy_from_slice(&self.buf[from..old]);
        seam[a..a + b].copy_from_slice(&take[..b]);
        let found = memmem::find(&seam[..a + b], b"\r\n\r\n")
            .map(|p| from + p)
            .or_else(|| memmem::find(take, b"\r\n\r\n").map(|p| old + p));
        if let Some(end) = found {
            if end + 2 > self.max_bytes {
                return Err(HeaderError::TooLarge { limit: self.max_bytes });
            }
            if end + 2 <= old {
                self.buf.truncate(end + 2);
            } else {
                self.buf.extend_from_slice(&take[..end + 2 - old]);
            }
            return Ok(Collected::Complete(end + 4 - old));
        }
        self.buf.extend_from_slice(take);
        if self.buf.len() >= self.max_bytes.saturating_add(4) {
            return Err(HeaderError::TooLarge { limit: self.max_bytes });
        }
        Ok(Collected::Partial)
    }

    fn feed_lf(&mut self, chunk: &[u8]) -> Result<Collected, HeaderError> {
        for (i, &b) in chunk.iter().enumerate() {
            if b == b'\n' && !self.last_cr {
                self.buf.push(b'\r');
            }
            self.buf.push(b);
            self.last_cr = b == b'\r';
            if b == b'\n' && (self.buf == b"\r\n" || self.buf.ends_with(b"\r\n\r\n")) {
                let keep = self.buf.len() - 2;
                if keep > self.max_bytes {
                    return Err(HeaderError::TooLarge { limit: self.max_bytes });
                }
                self.buf.truncate(keep);
                return Ok(Collected::Complete(i + 1));
            }
            if self.buf.len() > self.max_bytes.saturating_add(4) {
                return Err(HeaderError::TooLarge { limit: self.max_bytes });
            }
        }
        Ok(Collected::Partial)
    }

    /// The message ended inside the header. A header that ends with a
    /// complete line is a message without a body; anything else is an error.
    pub(crate) fn finish_without_body(&mut self) -> Result<(), HeaderError> {
        if self.buf.is_empty() || self.buf.ends_with(b"\r\n") {
            return Ok(());
        }
        // The first line ends in a bare LF: a file with Unix line ends.
        if self.line_endings == LineEndings::Crlf && LineEndings::detect(&self.buf) == Some(LineEndings::NormalizeLf) {
            return Err(HeaderError::BareLineFeeds);
        }
        Err(HeaderError::Incomplete)
    }

    pub(crate) fn take(&mut self) -> Vec<u8> {
        core::mem::take(&mut self.buf)
    }
}

/// Converts bare LF to CRLF across chunk boundaries (a CR at the end of one
/// chunk and an LF at the start of the next are one CRLF). This is what
/// [`LineEndings::NormalizeLf`] applies to the input.
///
/// ```
/// use dkim_core::header::LfNormalizer;
/// let mut n = LfNormalizer::default();
/// let mut out = Vec::new();
/// n.normalize(b"a\nb\r", &mut out);
/// assert_eq!(out, b"a\r\nb\r");
/// n.normalize(b"\nc", &mut out);
/// assert_eq!(out, b"\nc");
/// ```
#[derive(Clone, Debug, Default)]
pub struct LfNormalizer {
    last_cr: bool,
}

impl LfNormalizer {
    /// Writes `chunk` with bare LFs turned into CRLF to `out` (cleared first).
    ///
    /// ```
    /// use dkim_core::header::LfNormalizer;
    /// let mut n = LfNormalizer::default();
    /// let mut out = Vec::new();
    /// n.normalize(b"From: a@example.com\n\nHi\r\n", &mut out);
    /// assert_eq!(out, b"From: a@example.com\r\n\r\nHi\r\n"); // CRLF stays as it is
    /// ```
    pub fn normalize(&mut self, chunk: &[u8], out: &mut Vec<u8>) {
        out.clear();
        out.reserve(chunk.len() + chunk.len() / 32);
        let mut start = 0;
        for p in memchr::memchr_iter(b'\n', chunk) {
            let prev_cr = if p == 0 { self.last_cr } else { chunk[p - 1] == b'\r' };
            if !prev_cr {
                out.extend_from_slice(&chunk[start..p]);
                out.extend_from_slice(b"\r\n");
                start = p + 1;
            }
        }
        out.extend_from_slice(&chunk[start..]);
        if let Some(&last) = chunk.last() {
            self.last_cr = last == b'\r';
        }
    }
}

/// A malformed or oversized header block.
///
/// ```
/// use dkim_core::header::{HeaderBlock, HeaderError};
/// use dkim_core::{KeyAnswer, Now, Policy, VerifyError, verify};
/// assert_eq!(HeaderBlock::parse(b"no colon\r\n".to_vec(), 100), Err(HeaderError::MissingColon { offset: 0 }));
/// assert_eq!(HeaderBlock::parse(b"A: 1\r\nB: 2\r\n".to_vec(), 1), Err(HeaderError::TooManyFields { limit: 1 }));
/// let unix = verify(b"From: a@example.com\n\nHi\n", &Policy::default(), Now::unix(0), |_| KeyAnswer::NoRecord);
/// assert_eq!(unix, Err(VerifyError::Header(HeaderError::BareLineFeeds)));
/// ```
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HeaderError {
    /// The message ended before the empty line that ends the header, in the
    /// middle of a header line.
    Incomplete,
    /// The header block is larger than [`Limits::max_header_bytes`].
    TooLarge {
        /// The limit.
        limit: usize,
    },
    /// More fields than [`Limits::max_header_fields`].
    TooManyFields {
        /// The limit.
        limit: usize,
    },
    /// A header line without a colon.
    MissingColon {
        /// Byte offset of the line in the header block.
        offset: usize,
    },
    /// An empty field name or one with characters RFC 5322 does not allow.
    InvalidFieldName {
        /// Byte offset of the field in the header block.
        offset: usize,
    },
    /// The header starts with a folded (continuation) line.
    LeadingContinuation,
    /// The input has no header field (empty input, or input that starts
    /// with the empty line): it is not a message.
    Empty,
    /// The lines end in a bare LF (Unix line ends), so the empty line that
    /// ends the header was never found: DKIM is defined on CRLF. Read such
    /// files with [`LineEndings::NormalizeLf`].
    BareLineFeeds,
}

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Incomplete => f.write_str("the message ends inside the header (no empty line after the header)"),
            Self::TooLarge { limit } => write!(f, "the header is larger than the limit of {limit} bytes"),
            Self::TooManyFields { limit } => write!(f, "the header has more than {limit} fields"),
            Self::MissingColon { offset } => write!(f, "header line at byte {offset} has no colon"),
            Self::InvalidFieldName { offset } => write!(f, "header field at byte {offset} has an invalid name"),
            Self::LeadingContinuation => f.write_str("the header starts with a folded continuation line"),
            Self::Empty => f.write_str("the input has no header field: it is not a message"),
            Self::BareLineFeeds => f.write_str(
                "the line ends are LF, not CRLF, so the end of the header was not found; \
                 read the message with LineEndings::NormalizeLf",
            ),
        }
    }
}

impl core::error::Error for HeaderError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(s: &[u8]) -> HeaderBlock {
        HeaderBlock::parse(s.to_vec(), 1000).unwrap()
    }

    #[test]
    fn splits_and_unfolds_spans() {
        let h = block(b"A: X\r\nB : Y\t\r\n\tZ  \r\n");
        assert_eq!(h.len(), 2);
        let b = h.field(1).unwrap();
        assert_eq!(b.name(), b"B");
        assert_eq!(b.name_as_written(), b"B ");
        assert_eq!(b.value(), b" Y\t\r\n\tZ  \r\n");
        assert_eq!(b.raw(), b"B : Y\t\r\n\tZ  \r\n");
        assert_eq!(b.offset(), 6);
    }

    #[test]
    fn errors() {
        assert_eq!(HeaderBlock::parse(b" x: y\r\n".to_vec(), 10), Err(HeaderError::LeadingContinuation));
        assert_eq!(
            HeaderBlock::parse(b"A: b\r\nnocolon\r\n".to_vec(), 10),
            Err(HeaderError::MissingColon { offset: 6 })
        );
        assert_eq!(
            HeaderBlock::parse(b"SUB JECT: x\r\n".to_vec(), 10),
            Err(HeaderError::InvalidFieldName { offset: 0 })
        );
        assert_eq!(HeaderBlock::parse(b": x\r\n".to_vec(), 10), Err(HeaderError::InvalidFieldName { offset: 0 }));
        assert_eq!(HeaderBlock::parse(b"a:1\r\nb:2\r\n".to_vec(), 1), Err(HeaderError::TooManyFields { limit: 1 }));
    }

    #[test]
    fn selection_is_bottom_up() {
        let h = block(b"Received: 1\r\nFrom: a\r\nReceived: 2\r\nSubject: s\r\n");
        assert_eq!(h.select(&["received", "received", "received", "from"], None), [Some(2), Some(0), None, Some(1)]);
        assert_eq!(h.select(&["Subject"], Some(3)), [None]);
    }

    /// `select`'s rule read literally: for each name, the bottom-most field
    /// of that name not used yet and not excluded.
    fn literal_select(fields: &[&str], wanted: &[&str], exclude: Option<usize>) -> Vec<Option<usize>> {
        let mut used = alloc::vec![false; fields.len()];
        wanted
            .iter()
            .map(|n| {
                let found = (0..fields.len())
                    .rev()
                    .find(|&i| !used[i] && Some(i) != exclude && fields[i].eq_ignore_ascii_case(n));
                if let Some(i) = found {
                    used[i] = true;
                }
                found
            })
            .collect()
    }

    #[test]
    fn selection_in_a_block_of_more_than_64_fields() {
        let names: Vec<alloc::string::String> = (0..70).map(|i| alloc::format!("X-{}", i % 7)).collect();
        let fields: Vec<&str> = names.iter().map(|n| n.as_str()).collect();
        let text: alloc::string::String = fields.iter().map(|n| alloc::format!("{n}: v\r\n")).collect();
        let h = block(text.as_bytes());
        let wanted = ["x-3", "X-3", "x-6", "Y", "x-0", "x-3"];
        for exclude in [None, Some(3), Some(69)] {
            assert_eq!(h.select(&wanted, exclude), literal_select(&fields, &wanted, exclude), "{exclude:?}");
        }
    }

    proptest::proptest! {
        /// `select` against the rule read literally: for each name, the
        /// bottom-most field of that name not used yet and not excluded.
        /// The names share lengths and first seven bytes, or differ only in
        /// bit 5 of a non-letter, so the name keys collide and only the full
        /// compare tells them apart.
        #[test]
        fn selection_matches_literal_rule(
            fields in proptest::collection::vec(0..8usize, 0..12),
            names in proptest::collection::vec(0..8usize, 0..12),
            exclude in proptest::option::of(0..12usize),
        ) {
            const NAMES: [&str; 8] = ["X-Long-A", "x-long-b", "X-LONG-A", "From", "from", "X-Long-AB", "a@b", "A`B"];
            let text: alloc::string::String = fields.iter().map(|&i| alloc::format!("{}: v\r\n", NAMES[i])).collect();
            let h = block(text.as_bytes());
            let wanted: Vec<&str> = names.iter().map(|&i| NAMES[i]).collect();
            let field_names: Vec<&str> = fields.iter().map(|&i| NAMES[i]).collect();
            proptest::prop_assert_eq!(h.select(&wanted, exclude), literal_select(&field_names, &wanted, exclude));
        }
    }

    #[test]
    fn collector_finds_end_across_chunks() {
        let limits = Limits::default();
        let mut c = HeaderCollector::new(&limits, LineEndings::Crlf);
        assert!(matches!(c.feed(b"A: 1\r\n\r").unwrap(), Collected::Partial));
        match c.feed(b"\nbody").unwrap() {
            Collected::Complete(n) => assert_eq!(n, 1),
            Collected::Partial => panic!("header should be complete"),
        }
        assert_eq!(c.take(), b"A: 1\r\n");

        let mut c = HeaderCollector::new(&limits, LineEndings::Crlf);
        assert!(matches!(c.feed(b"\r\nbody").unwrap(), Collected::Complete(2)));
    }

    /// What collecting `msg` must give: the header kept and the body's
    /// offset, `Ok(None)` while incomplete, or `Err` for a header over `limit`.
    fn collect_oracle(msg: &[u8], limit: usize) -> Result<Option<(Vec<u8>, usize)>, HeaderError> {
        if msg.starts_with(b"\r\n") {
            return Ok(Some((Vec::new(), 2)));
        }
        match msg.windows(4).position(|w| w == b"\r\n\r\n") {
            Some(end) if end + 2 > limit => Err(HeaderError::TooLarge { limit }),
            Some(end) => Ok(Some((msg[..end + 2].to_vec(), end + 4))),
            None if msg.len() >= limit + 4 => Err(HeaderError::TooLarge { limit }),
            None => Ok(None),
        }
    }

    #[test]
    fn collector_any_split_matches_oracle() {
        let msgs: [&[u8]; 7] = [
            b"A: 1\r\nB: 2\r\n\r\nbody\r\n\r\n",
            b"\r\nbody",
            b"\r\n",
            b"A: 1\r\r\n\r\n",
            b"A: 1\r\n\r\r\n\r\nx",
            b"A: 1\n\nB: 2\r\n \r\n\r\n",
            b"A: 1\r\nB: 2\r\n",
        ];
        for msg in msgs {
            for limit in [4, 6, 7, 8, 13, 14, 1000] {
                let want = collect_oracle(msg, limit);
                for i in 0..=msg.len() {
                    for j in i..=msg.len() {
                        let mut c = HeaderCollector::new(&Limits::default().max_header_bytes(limit), LineEndings::Crlf);
                        let mut got = Ok(None);
                        let mut at = 0;
                        for part in [&msg[..i], &msg[i..j], &msg[j..]] {
                            match c.feed(part) {
                                Ok(Collected::Partial) => at += part.len(),
                                Ok(Collected::Complete(n)) => {
                                    got = Ok(Some((c.take(), at + n)));
                                    break;
                                }
                                Err(e) => {
                                    got = Err(e);
                                    break;
                                }
                            }
                        }
                        assert_eq!(
                            got,
                            want,
                            "{:?} split at {i}, {j}, limit {limit}",
                            alloc::string::String::from_utf8_lossy(msg)
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn collector_lf_mode() {
        let limits = Limits::default();
        let mut c = HeaderCollector::new(&limits, LineEndings::NormalizeLf);
        assert!(matches!(c.feed(b"A: 1\nB: 2\n").unwrap(), Collected::Partial));
        assert!(matches!(c.feed(b"\nbody\n").unwrap(), Collected::Complete(1)));
        assert_eq!(c.take(), b"A: 1\r\nB: 2\r\n");
    }

    #[test]
    fn collector_limit() {
        let limits = Limits::default().max_header_bytes(10);
        let mut c = HeaderCollector::new(&limits, LineEndings::Crlf);
        assert_eq!(c.feed(&[b'a'; 100]).err(), Some(HeaderError::TooLarge { limit: 10 }));
    }

    #[test]
    fn lf_normalizer_handles_split_crlf() {
        let mut n = LfNormalizer::default();
        let mut out = Vec::new();
        n.normalize(b"a\nb\r", &mut out);
        assert_eq!(out, b"a\r\nb\r");
        n.normalize(b"\nc\n", &mut out);
        assert_eq!(out, b"\nc\r\n");
    }
}
