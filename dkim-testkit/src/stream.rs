//! A message made up while it is read.

use std::io::Write as _;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::AsyncRead;

/// An [`AsyncRead`] giving a header block, then `body_len` bytes of body
/// lines, without ever holding more than one line of the body: for
/// messages far larger than a test should keep in memory.
///
/// Body line `n` (from 1) is `Line n:  some  words\there, and trailing
/// space \r\n`: runs of spaces, a tab and trailing whitespace, so that
/// relaxed canonicalization has work to do; the last line is cut to make
/// the body exactly `body_len` bytes. Reads are always ready and fill the
/// buffer as far as the data goes; the reader records how it was read.
///
/// ```
/// use futures::io::AsyncReadExt as _;
///
/// let mut message = dkim_testkit::Generated::new(b"From: a@example.com\r\n\r\n".to_vec(), 100);
/// let mut all = Vec::new();
/// futures::executor::block_on(message.read_to_end(&mut all))?;
/// assert_eq!(all.len(), 23 + 100);
/// assert!(all[23..].starts_with(b"Line 1:  some  words\there, and trailing space \r\nLine 2:"));
/// assert_eq!(message.consumed(), message.total_len());
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct Generated {
    header: Vec<u8>,
    header_pos: usize,
    body_len: u64,
    body_pos: u64,
    /// The current body line and how much of it was read.
    line: Vec<u8>,
    line_pos: usize,
    line_number: u64,
    reads: usize,
    largest_read: usize,
}

impl Generated {
    /// `header` (the header block with its empty line, or anything to come
    /// first), then `body_len` bytes of body.
    pub fn new(header: Vec<u8>, body_len: u64) -> Self {
        Self {
            header,
            header_pos: 0,
            body_len,
            body_pos: 0,
            line: Vec::with_capacity(64),
            line_pos: 0,
            line_number: 0,
            reads: 0,
            largest_read: 0,
        }
    }

    /// The length of the whole stream.
    pub fn total_len(&self) -> u64 {
        self.header.len() as u64 + self.body_len
    }

    /// How many bytes were read so far.
    pub fn consumed(&self) -> u64 {
        self.header_pos as u64 + self.body_pos
    }

    /// How many times `poll_read` was called.
    pub fn reads(&self) -> usize {
        self.reads
    }

    /// The largest buffer `poll_read` was given.
    pub fn largest_read(&self) -> usize {
        self.largest_read
    }

    /// Fills `buf` from the current position; returns the bytes written.
    fn fill(&mut self, buf: &mut [u8]) -> usize {
        let mut n = 0;
        if self.header_pos < self.header.len() {
            let take = buf.len().min(self.header.len() - self.header_pos);
            buf[..take].copy_from_slice(&self.header[self.header_pos..self.header_pos + take]);
            self.header_pos += take;
            n = take;
        }
        while n < buf.len() && self.body_pos < self.body_len {
            if self.line_pos == self.line.len() {
                self.next_line();
            }
            let left = usize::try_from(self.body_len - self.body_pos).unwrap_or(usize::MAX);
            let take = (buf.len() - n).min(self.line.len() - self.line_pos).min(left);
            buf[n..n + take].copy_from_slice(&self.line[self.line_pos..self.line_pos + take]);
            self.line_pos += take;
            self.body_pos += take as u64;
            n += take;
        }
        n
    }

    /// Writes the next body line into the (reused) line buffer.
    fn next_line(&mut self) {
        self.line_number += 1;
        self.line.clear();
        self.line_pos = 0;
        // Writing into a Vec cannot fail.
        let _ = write!(self.line, "Line {}:  some  words\there, and trailing space \r\n", self.line_number);
    }
}

impl AsyncRead for Generated {
    fn poll_read(self: Pin<&mut Self>, _cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        this.reads += 1;
        this.largest_read = this.largest_read.max(buf.len());
        Poll::Ready(Ok(this.fill(buf)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(g: &mut Generated, size: usize) -> Vec<u8> {
        let mut out = Vec::new();
        let mut buf = vec![0; size];
        loop {
            let n = g.fill(&mut buf);
            if n == 0 {
                return out;
            }
            out.extend_from_slice(&buf[..n]);
        }
    }

    #[test]
    fn same_bytes_whatever_the_read_size() {
        let whole = read_all(&mut Generated::new(b"H: v\r\n\r\n".to_vec(), 1000), 1 << 16);
        assert_eq!(whole.len(), 8 + 1000);
        for size in [1, 7, 64, 4096] {
            assert_eq!(read_all(&mut Generated::new(b"H: v\r\n\r\n".to_vec(), 1000), size), whole, "{size}");
        }
        let text = String::from_utf8(whole).unwrap();
        assert!(text.contains("\r\nLine 20:  some  words\there, and trailing space \r\nLine 21"), "{text}");
    }

    #[test]
    fn empty_body_and_header() {
        assert_eq!(read_all(&mut Generated::new(Vec::new(), 0), 10), b"");
        assert_eq!(read_all(&mut Generated::new(Vec::new(), 5), 10), b"Line ");
    }
}
