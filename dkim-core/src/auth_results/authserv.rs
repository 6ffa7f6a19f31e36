//! Reading the authserv-id of an incoming `Authentication-Results` field
//! (RFC 8601 section 2.2), so that a receiver can drop fields that claim
//! to be its own.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use super::TSPECIALS;

/// The authserv-id of an `Authentication-Results` field value (RFC 8601
/// section 2.2): the host or domain that says it added the field.
///
/// A receiving MTA adding its own field must not let fields that claim its
/// authserv-id through (RFC 8601 section 5): a sender can write one that
/// says `dkim=pass`, and mail readers trust fields with their provider's
/// authserv-id. Read the id of each incoming field and drop those that
/// equal yours; compare without regard to ASCII case, as for a domain name.
///
/// `value` is the field's value (after the colon; folded or unfolded).
/// Comments and folding whitespace before the id are skipped, a quoted id
/// is unquoted; the id must be followed by whitespace, a comment, `;` or
/// the end. Only the id is read: the rest of the field is not checked.
///
/// ```
/// use dkim_core::auth_results::authserv_id;
///
/// let ours = "mx.example.net";
/// let incoming: [&[u8]; 3] = [
///     b" mx.example.net; dkim=pass header.d=bank.example",
///     b" (forged?)\r\n\tMX.Example.NET 1; spf=pass",
///     b" mail.example.org; dkim=fail",
/// ];
/// let kept: Vec<&[u8]> = incoming
///     .into_iter()
///     .filter(|v| !authserv_id(v).is_ok_and(|id| id.eq_ignore_ascii_case(ours)))
///     .collect();
/// assert_eq!(kept, [&b" mail.example.org; dkim=fail"[..]]);
/// ```
///
/// # Errors
///
/// [`AuthservIdError`] when no id can be read. Such a field is malformed;
/// dropping it as well is the cautious choice.
pub fn authserv_id(value: &[u8]) -> Result<String, AuthservIdError> {
    let mut at = skip_cfws(value, 0)?;
    let mut id = Vec::new();
    match value.get(at) {
        None => return Err(AuthservIdError::Missing),
        Some(b'"') => {
            at += 1;
            loop {
                match value.get(at) {
                    None => return Err(AuthservIdError::UnclosedQuotedString),
                    Some(b'"') => break,
                    Some(b'\\') => {
                        let Some(&c) = value.get(at + 1) else { return Err(AuthservIdError::UnclosedQuotedString) };
                        id.push(c);
                        at += 2;
                        continue;
                    }
                    // Folding inside the quotes: the line break goes.
                    Some(b'\r' | b'\n') => {}
                    Some(&c) => id.push(c),
                }
                at += 1;
            }
            at += 1;
        }
        Some(_) => {
            let token = value[at..].iter().take_while(|&&b| is_token_byte(b)).count();
            if token == 0 {
                return Err(AuthservIdError::Missing);
            }
            id.extend_from_slice(&value[at..at + token]);
            at += token;
        }
    }
    match value.get(at) {
        None | Some(b' ' | b'\t' | b'\r' | b'\n' | b'(' | b';') => {}
        // `dkim=pass` where the id belongs, `mx@example`, ...
        Some(_) => return Err(AuthservIdError::Missing),
    }
    String::from_utf8(id).map_err(|_| AuthservIdError::NotUtf8)
}

/// Why [`authserv_id`] could not read the authserv-id of a field value.
///
/// ```
/// use dkim_core::auth_results::{AuthservIdError, authserv_id};
/// assert_eq!(authserv_id(b" mx.example.net; dkim=pass"), Ok("mx.example.net".into()));
/// assert_eq!(authserv_id(b" dkim=pass"), Err(AuthservIdError::Missing)); // no id before the result
/// assert_eq!(authserv_id(b" (unclosed mx.example.net"), Err(AuthservIdError::UnclosedComment));
/// assert_eq!(authserv_id(b" \"mx.example.net"), Err(AuthservIdError::UnclosedQuotedString));
/// ```
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthservIdError {
    /// The value does not start (after comments and whitespace) with a
    /// token or quoted-string followed by whitespace, a comment, `;` or its
    /// end.
    Missing,
    /// A comment before the id is not closed.
    UnclosedComment,
    /// The quoted id is not closed.
    UnclosedQuotedString,
    /// The id is neither ASCII nor UTF-8.
    NotUtf8,
}

impl fmt::Display for AuthservIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Missing => "the Authentication-Results field does not start with an authserv-id",
            Self::UnclosedComment => "a comment before the authserv-id is not closed",
            Self::UnclosedQuotedString => "the quoted authserv-id is not closed",
            Self::NotUtf8 => "the authserv-id is not UTF-8",
        })
    }
}

impl core::error::Error for AuthservIdError {}

/// An RFC 2045 `token` byte (bytes above ASCII too, for RFC 6532 UTF-8
/// header fields).
fn is_token_byte(b: u8) -> bool {
    (b.is_ascii_graphic() && !TSPECIALS.contains(&b)) || b >= 0x80
}

/// The position after the comments and folding whitespace at `at`.
fn skip_cfws(value: &[u8], mut at: usize) -> Result<usize, AuthservIdError> {
    loop {
        match value.get(at) {
            Some(b' ' | b'\t' | b'\r' | b'\n') => at += 1,
            Some(b'(') => {
                let mut depth = 0usize;
                loop {
                    match value.get(at) {
                        None => return Err(AuthservIdError::UnclosedComment),
                        Some(b'\\') => at += 1,
                        Some(b'(') => depth += 1,
                        Some(b')') => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        Some(_) => {}
                    }
                    at += 1;
                }
                at += 1;
            }
            _ => return Ok(at),
        }
    }
}
