//! A small RFC 8601 parser, to read back the `Authentication-Results`
//! fields the library writes and check them as a receiver would.
//!
//! It reads the whole grammar of RFC 8601 section 2.2 that a DKIM verifier
//! writes: comments (nested, with quoted-pairs) anywhere whitespace may be,
//! an authserv-id as a token or a quoted string with an optional version,
//! `; none`, and resinfos with a method (and version), a result, an
//! optional `reason=` and `ptype.property=value` properties whose values
//! may be quoted strings or `local-part@domain`. It is deliberately strict
//! about line structure ([`check_lines`]): a field a test makes must be one
//! well-formed header field.
//!
//! ```
//! use dkim_testkit::auth_results::parse;
//!
//! let field = parse("Authentication-Results: mx.example.net;\r\n\tdkim=pass header.d=example.com (good) header.i=@example.com")?;
//! assert_eq!(field.authserv_id, "mx.example.net");
//! let dkim = &field.resinfos[0];
//! assert_eq!((dkim.method.as_str(), dkim.result.as_str()), ("dkim", "pass"));
//! assert_eq!(dkim.property("header.i"), Some("@example.com"));
//! assert_eq!(dkim.comments, ["good"]);
//! # Ok::<(), String>(())
//! ```

/// The field name.
pub const FIELD_NAME: &str = "Authentication-Results";

/// The longest line RFC 5322 allows, without its CRLF.
const MAX_LINE: usize = 998;

/// A parsed `Authentication-Results` field.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParsedField {
    /// The authserv-id, quoted strings decoded.
    pub authserv_id: String,
    /// The authres-version after the authserv-id, if any.
    pub version: Option<u32>,
    /// The resinfos in order; empty for `; none`.
    pub resinfos: Vec<ParsedResInfo>,
    /// Comments before the first `;`.
    pub comments: Vec<String>,
}

/// One resinfo: `method=result [reason=...] ptype.property=value ...`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParsedResInfo {
    /// The method, such as `dkim` (with `/version` when written).
    pub method: String,
    /// The result, such as `pass`.
    pub result: String,
    /// The `reason=` value, if any.
    pub reason: Option<String>,
    /// `ptype.property` and value pairs, in order, values decoded.
    pub properties: Vec<(String, String)>,
    /// The comments' texts, in order.
    pub comments: Vec<String>,
}

impl ParsedResInfo {
    /// The value of the first property named `name` (`header.d`, ...).
    pub fn property(&self, name: &str) -> Option<&str> {
        self.properties.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Parses a whole field, `Authentication-Results:` and its value (one
/// trailing CRLF allowed), after [`check_lines`].
///
/// # Errors
///
/// What is wrong and where (byte offset in the unfolded value).
pub fn parse(field: &str) -> Result<ParsedField, String> {
    check_lines(field)?;
    let (name, value) = field.split_once(':').ok_or("no colon after the field name")?;
    if !name.eq_ignore_ascii_case(FIELD_NAME) {
        return Err(format!("field name {name:?}"));
    }
    parse_value(value)
}

/// Parses a field value (everything after the colon), folded or not.
///
/// # Errors
///
/// What is wrong and where (byte offset in the unfolded value).
pub fn parse_value(value: &str) -> Result<ParsedField, String> {
    let value = value.strip_suffix("\r\n").unwrap_or(value);
    let unfolded = value.replace("\r\n ", " ").replace("\r\n\t", "\t");
    if unfolded.contains(['\r', '\n']) {
        return Err("a line break that is not folding".into());
    }
    let mut c = Cursor { s: unfolded.as_bytes(), at: 0 };
    let mut field = ParsedField { comments: c.cfws()?, ..ParsedField::default() };
    field.authserv_id = c.value()?;
    field.comments.extend(c.cfws()?);
    if c.peek().is_some_and(|b| b.is_ascii_digit()) {
        let digits = c.take_while(|b| b.is_ascii_digit());
        field.version = Some(digits.parse().map_err(|e| format!("version {digits}: {e}"))?);
        field.comments.extend(c.cfws()?);
    }
    if c.peek().is_none() {
        return Err("no resinfo and no `; none`".into());
    }
    while c.peek().is_some() {
        c.expect(b';')?;
        let comments = c.cfws()?;
        let start = c.at;
        let method = c.keyword()?;
        let after = c.cfws()?;
        if method.eq_ignore_ascii_case("none") && c.peek().is_none() && field.resinfos.is_empty() {
            field.comments.extend(comments.into_iter().chain(after));
            return Ok(field);
        }
        c.at = start;
        field.resinfos.push(c.resinfo(comments)?);
    }
    Ok(field)
}

/// The first `Authentication-Results` field in `text` (a message's header
/// block, a program's output): from its name, at the start of a line, to
/// the first line end that is not followed by a space or tab (that line
/// end left out).
///
/// ```
/// let out = "signature 1: pass\nAuthentication-Results: mx;\r\n\tdkim=pass\nnext line\n";
/// assert_eq!(dkim_testkit::auth_results::find(out), Some("Authentication-Results: mx;\r\n\tdkim=pass"));
/// ```
pub fn find(text: &str) -> Option<&str> {
    let lower = text.to_ascii_lowercase();
    let name = format!("{}:", FIELD_NAME.to_ascii_lowercase());
    let start = lower.match_indices(&name).map(|(i, _)| i).find(|&i| i == 0 || text.as_bytes()[i - 1] == b'\n')?;
    let rest = &text[start..];
    let bytes = rest.as_bytes();
    let end = (0..bytes.len())
        .find(|&i| bytes[i] == b'\n' && !matches!(bytes.get(i + 1), Some(b' ' | b'\t')))
        .map_or(rest.len(), |i| if i > 0 && bytes[i - 1] == b'\r' { i - 1 } else { i });
    Some(&rest[..end])
}

/// Checks that `field` is one well-formed header field: printable ASCII
/// and tabs, lines broken only by CRLF followed by a space or tab
/// (folding), no line empty or only whitespace, none over 998 bytes; one
/// final CRLF is allowed.
///
/// # Errors
///
/// The first problem found.
pub fn check_lines(field: &str) -> Result<(), String> {
    let body = field.strip_suffix("\r\n").unwrap_or(field);
    let bytes = body.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'\r' if bytes.get(i + 1) == Some(&b'\n') && matches!(bytes.get(i + 2), Some(b' ' | b'\t')) => {}
            b'\r' => return Err(format!("CR at {i} not in CRLF folding")),
            b'\n' if i > 0 && bytes[i - 1] == b'\r' => {}
            b'\n' => return Err(format!("bare LF at {i}")),
            b'\t' | 0x20..=0x7e => {}
            _ => return Err(format!("byte {b:#04x} at {i}")),
        }
    }
    for (n, line) in body.split("\r\n").enumerate() {
        if line.trim().is_empty() {
            return Err(format!("line {} is blank", n + 1));
        }
        if line.len() > MAX_LINE {
            return Err(format!("line {} is {} bytes", n + 1, line.len()));
        }
    }
    Ok(())
}

/// A position in an unfolded value.
struct Cursor<'a> {
    s: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.at).copied()
    }

    fn bump(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.at += 1;
        Some(b)
    }

    fn expect(&mut self, want: u8) -> Result<(), String> {
        match self.bump() {
            Some(b) if b == want => Ok(()),
            Some(b) => Err(format!("expected {:?} at {}, found {:?}", want as char, self.at - 1, b as char)),
            None => Err(format!("expected {:?} at the end", want as char)),
        }
    }

    fn take_while(&mut self, f: impl Fn(u8) -> bool) -> String {
        let start = self.at;
        while self.peek().is_some_and(&f) {
            self.at += 1;
        }
        String::from_utf8_lossy(&self.s[start..self.at]).into_owned()
    }

    /// `[CFWS]`: whitespace and comments; returns the comments' texts.
    fn cfws(&mut self) -> Result<Vec<String>, String> {
        let mut comments = Vec::new();
        loop {
            self.take_while(|b| b == b' ' || b == b'\t');
            if self.peek() != Some(b'(') {
                return Ok(comments);
            }
            comments.push(self.comment()?);
        }
    }

    /// A comment, at its `(`; nested comments stay in the text with their
    /// parentheses, quoted-pairs are decoded.
    fn comment(&mut self) -> Result<String, String> {
        let start = self.at;
        self.expect(b'(')?;
        let (mut text, mut depth) = (Vec::new(), 1);
        loop {
            match self.bump().ok_or_else(|| format!("comment at {start} not closed"))? {
                b'\\' => text.push(self.bump().ok_or("quoted-pair at the end")?),
                b'(' => {
                    depth += 1;
                    text.push(b'(');
                }
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(String::from_utf8_lossy(&text).into_owned());
                    }
                    text.push(b')');
                }
                // Folding whitespace (a TAB where the writer folded) is a
                // space (RFC 5322 section 3.2.2).
                b'\t' => text.push(b' '),
                b => text.push(b),
            }
        }
    }

    /// A quoted-string, at its `"`, decoded.
    fn quoted(&mut self) -> Result<String, String> {
        let start = self.at;
        self.expect(b'"')?;
        let mut text = Vec::new();
        loop {
            match self.bump().ok_or_else(|| format!("quoted string at {start} not closed"))? {
                b'"' => return Ok(String::from_utf8_lossy(&text).into_owned()),
                b'\\' => text.push(self.bump().ok_or("quoted-pair at the end")?),
                b => text.push(b),
            }
        }
    }

    /// `value`: a quoted-string or an RFC 2045 token.
    fn value(&mut self) -> Result<String, String> {
        if self.peek() == Some(b'"') {
            return self.quoted();
        }
        let at = self.at;
        let token = self.take_while(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?=".contains(&b));
        if token.is_empty() { Err(format!("expected a value at {at}")) } else { Ok(token) }
    }

    /// A property value: a quoted-string, optionally followed by
    /// `@domain`, or a run of printable characters up to whitespace, `;`,
    /// `(` or `)` (tokens, `@domain`, `user@domain`, base64).
    fn pvalue(&mut self) -> Result<String, String> {
        let plain = |b: u8| b.is_ascii_graphic() && !b";()\"\\".contains(&b);
        let at = self.at;
        let mut value = if self.peek() == Some(b'"') { self.quoted()? } else { String::new() };
        value.push_str(&self.take_while(plain));
        if value.is_empty() && self.at == at { Err(format!("expected a property value at {at}")) } else { Ok(value) }
    }

    /// `Keyword`: letters, digits and `-` (and `_`, seen in property names).
    fn keyword(&mut self) -> Result<String, String> {
        let at = self.at;
        let word = self.take_while(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if word.is_empty() { Err(format!("expected a keyword at {at}")) } else { Ok(word) }
    }

    /// One resinfo after its `;` and leading comments.
    fn resinfo(&mut self, comments: Vec<String>) -> Result<ParsedResInfo, String> {
        let mut r = ParsedResInfo { comments, ..ParsedResInfo::default() };
        r.method = self.keyword()?;
        r.comments.extend(self.cfws()?);
        if self.peek() == Some(b'/') {
            self.at += 1;
            r.comments.extend(self.cfws()?);
            let version = self.take_while(|b| b.is_ascii_digit());
            if version.is_empty() {
                return Err(format!("method version expected at {}", self.at));
            }
            r.method = format!("{}/{version}", r.method);
            r.comments.extend(self.cfws()?);
        }
        self.expect(b'=')?;
        r.comments.extend(self.cfws()?);
        r.result = self.keyword()?;
        loop {
            r.comments.extend(self.cfws()?);
            if matches!(self.peek(), None | Some(b';')) {
                return Ok(r);
            }
            let ptype = self.keyword()?;
            r.comments.extend(self.cfws()?);
            if ptype.eq_ignore_ascii_case("reason") && self.peek() == Some(b'=') {
                self.at += 1;
                r.comments.extend(self.cfws()?);
                r.reason = Some(self.value()?);
                continue;
            }
            self.expect(b'.')?;
            r.comments.extend(self.cfws()?);
            let property = self.keyword()?;
            r.comments.extend(self.cfws()?);
            self.expect(b'=')?;
            r.comments.extend(self.cfws()?);
            let value = self.pvalue()?;
            r.properties.push((format!("{ptype}.{property}"), value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8601_appendix_b_examples() {
        // B.2: nothing checked.
        let f = parse("Authentication-Results: example.org 1; none").unwrap();
        assert_eq!((f.authserv_id.as_str(), f.version, f.resinfos.len()), ("example.org", Some(1), 0));
        // B.4, unfolded onto one line.
        let f = parse(
            "Authentication-Results: example.com; spf=pass smtp.mailfrom=example.net; \
             sender-id=pass header.from=example.net",
        )
        .unwrap();
        assert_eq!(f.resinfos.len(), 2);
        assert_eq!(f.resinfos[1].method, "sender-id");
        assert_eq!(f.resinfos[1].property("header.from"), Some("example.net"));
        // B.5: comments, a version and reason=.
        let f = parse(
            "Authentication-Results: example.com;\r\n auth=pass (cram-md5) smtp.auth=sender@example.net;\r\n \
             spf=pass smtp.mailfrom=example.net",
        )
        .unwrap();
        assert_eq!(f.resinfos[0].comments, ["cram-md5"]);
        assert_eq!(f.resinfos[0].property("smtp.auth"), Some("sender@example.net"));
        let f = parse("Authentication-Results: mx.example.org 1; dkim/1=fail reason=\"bad sig\" header.i=@a.example")
            .unwrap();
        let r = &f.resinfos[0];
        assert_eq!((r.method.as_str(), r.reason.as_deref()), ("dkim/1", Some("bad sig")));
    }

    #[test]
    fn quoting_and_comments_are_decoded() {
        let f = parse(
            "Authentication-Results: \"mx; id\" (a (nested) one);\r\n\tdkim=none (x\\)y) header.d=\"a b\" header.b=ab/+9",
        )
        .unwrap();
        assert_eq!(f.authserv_id, "mx; id");
        assert_eq!(f.comments, ["a (nested) one"]);
        let r = &f.resinfos[0];
        assert_eq!(r.comments, ["x)y"]);
        assert_eq!(r.properties, [("header.d".into(), "a b".into()), ("header.b".into(), "ab/+9".into())]);
    }

    #[test]
    fn found_in_a_message() {
        let message = "Received: x\r\nauthentication-results: mx;\r\n dkim=fail\r\nFrom: a\r\n\r\nbody\r\n";
        let field = find(message).unwrap();
        assert_eq!(field, "authentication-results: mx;\r\n dkim=fail");
        assert_eq!(parse(field).unwrap().resinfos[0].result, "fail");
        assert_eq!(find("X-Authentication-Results: mx; none\n"), None);
    }

    #[test]
    fn malformed_fields_are_refused() {
        for bad in [
            "Authentication-Results: mx",
            "Authentication-Results: mx; dkim",
            "Authentication-Results: mx; dkim=pass header.d",
            "Authentication-Results: mx; dkim=pass (open",
            "Authentication-Results: mx; dkim=pass header.d=\"open",
            "Authentication-Results: mx;\r\ndkim=pass",
            "Authentication-Results: mx;\r\n\t\r\n\tdkim=pass",
            "Authentication-Results: mx; dkim=pass\n",
            "Authentication-Results: mx; dkim=pass header.d=\u{e9}",
            "Received: mx; dkim=pass",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
        let long = format!("Authentication-Results: mx; dkim=pass header.d={}", "a".repeat(990));
        assert!(check_lines(&long).unwrap_err().contains("bytes"));
    }
}
