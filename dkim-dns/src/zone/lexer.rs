//! The lexer: splits a master file into entries (one record's worth of
//! tokens each) and decodes the escapes inside a token.

use super::error::{Pos, ZoneError, ZoneErrorKind};

/// A word or quoted string. Tokens never span lines.
#[derive(Clone, Copy, Debug)]
pub(super) struct Token<'a> {
    /// As written; for a quoted string, what is between the quotes.
    pub(super) raw: &'a str,
    pub(super) quoted: bool,
    /// Where it starts (the opening quote of a quoted string).
    pub(super) pos: Pos,
}

impl Token<'_> {
    pub(super) fn error(&self, kind: ZoneErrorKind) -> ZoneError {
        ZoneError::new(self.pos, kind)
    }

    /// Where the token ends (just after it).
    pub(super) fn end(&self) -> Pos {
        let quotes = if self.quoted { 2 } else { 0 };
        Pos { line: self.pos.line, column: self.pos.column + self.raw.len() + quotes }
    }

    /// The token as written in the file.
    pub(super) fn written(&self) -> String {
        if self.quoted { format!("\"{}\"", self.raw) } else { self.raw.to_owned() }
    }

    /// An unquoted token equal to `word` in any ASCII case.
    pub(super) fn is_word(&self, word: &str) -> bool {
        !self.quoted && self.raw.eq_ignore_ascii_case(word)
    }
}

/// One record's worth of tokens: a line, or several joined by parentheses.
pub(super) struct Entry<'a> {
    /// Whether the first line starts with a blank (no owner field).
    pub(super) indented: bool,
    pub(super) tokens: Vec<Token<'a>>,
}

/// Splits the text into entries of tokens.
pub(super) struct Lexer<'a> {
    lines: std::str::Split<'a, char>,
    line: usize,
}

impl<'a> Lexer<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        Self { lines: text.split('\n'), line: 0 }
    }

    /// The next entry with at least one token.
    pub(super) fn next_entry(&mut self) -> Result<Option<Entry<'a>>, ZoneError> {
        let mut open: Vec<Pos> = Vec::new();
        let mut tokens = Vec::new();
        let mut indented = false;
        loop {
            let Some(line) = self.lines.next() else {
                return match open.last() {
                    Some(&pos) => Err(ZoneError::new(pos, ZoneErrorKind::UnclosedParenthesis)),
                    None => Ok(None),
                };
            };
            self.line += 1;
            let line = line.strip_suffix('\r').unwrap_or(line);
            if open.is_empty() {
                if line.starts_with('#') {
                    continue;
                }
                indented = line.starts_with([' ', '\t']);
            }
            self.scan(line, &mut open, &mut tokens)?;
            if open.is_empty() && !tokens.is_empty() {
                return Ok(Some(Entry { indented, tokens }));
            }
        }
    }

    /// Adds the tokens of one line; `open` holds the unclosed parentheses.
    fn scan(&self, line: &'a str, open: &mut Vec<Pos>, tokens: &mut Vec<Token<'a>>) -> Result<(), ZoneError> {
        let bytes = line.as_bytes();
        let pos = |i: usize| Pos { line: self.line, column: i + 1 };
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            match b {
                b' ' | b'\t' | b'\r' => i += 1,
                b';' => break,
                b'(' => {
                    open.push(pos(i));
                    i += 1;
                }
                b')' => {
                    if open.pop().is_none() {
                        return Err(ZoneError::new(pos(i), ZoneErrorKind::UnbalancedParenthesis));
                    }
                    i += 1;
                }
                b'"' => {
                    let mut end = i + 1;
                    loop {
                        match bytes.get(end) {
                            None => return Err(ZoneError::new(pos(i), ZoneErrorKind::UnterminatedString)),
                            Some(b'\\') => end += 2,
                            Some(b'"') => break,
                            Some(_) => end += 1,
                        }
                    }
                    tokens.push(Token { raw: &line[i + 1..end], quoted: true, pos: pos(i) });
                    i = end + 1;
                }
                _ => {
                    let start = i;
                    while let Some(&b) = bytes.get(i) {
                        match b {
                            b'\\' => i += 2,
                            b' ' | b'\t' | b'\r' | b';' => break,
                            b')' if !open.is_empty() => break,
                            _ => i += 1,
                        }
                    }
                    i = i.min(bytes.len());
                    tokens.push(Token { raw: &line[start..i], quoted: false, pos: pos(start) });
                }
            }
        }
        Ok(())
    }
}

/// Decodes the escapes of a token; each byte comes with whether it was
/// escaped.
pub(super) fn unescape(token: &Token<'_>) -> Result<Vec<(u8, bool)>, ZoneError> {
    let start = token.pos.column + usize::from(token.quoted);
    decode_escapes(token.raw)
        .map_err(|(offset, kind)| ZoneError::new(Pos { line: token.pos.line, column: start + offset }, kind))
}

/// Decodes `\X` and `\DDD` (RFC 1035 section 5.1): `\DDD` is the byte of
/// decimal value DDD, `\X` is the character X. Each byte comes with whether
/// it was escaped. A bad escape is an error at its byte offset.
pub(super) fn decode_escapes(raw: &str) -> Result<Vec<(u8, bool)>, (usize, ZoneErrorKind)> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b != b'\\' {
            out.push((b, false));
            i += 1;
            continue;
        }
        let digits = bytes.get(i + 1..i + 4).filter(|d| d.iter().all(u8::is_ascii_digit));
        if let Some(digits) = digits {
            let value = digits.iter().fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
            let byte = u8::try_from(value).map_err(|_| (i, ZoneErrorKind::EscapeOutOfRange { value }))?;
            out.push((byte, true));
            i += 4;
            continue;
        }
        // `\` is ASCII, so `i + 1` is a character boundary.
        match raw[i + 1..].chars().next() {
            Some(c) if !c.is_ascii_digit() => {
                let len = c.len_utf8();
                out.extend(bytes[i + 1..i + 1 + len].iter().map(|&b| (b, true)));
                i += 1 + len;
            }
            _ => return Err((i, ZoneErrorKind::IncompleteEscape)),
        }
    }
    Ok(out)
}
