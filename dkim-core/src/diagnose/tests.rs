use super::alignment::{address_domain, organizational_domain};
use super::*;

#[test]
fn from_addresses() {
    assert_eq!(address_domain(b" Joe <joe@Example.COM>\r\n").as_deref(), Some("example.com"));
    assert_eq!(address_domain(b" joe@example.org").as_deref(), Some("example.org"));
    assert_eq!(address_domain(b" \"a@b, c\" <x@example.net> (x@y)").as_deref(), Some("example.net"));
    assert_eq!(address_domain(b" a@example.com, b@example.org"), None);
    assert_eq!(address_domain(b" undisclosed"), None);
}

#[test]
fn organizational_domains() {
    assert_eq!(organizational_domain("mail.example.co.uk"), "example.co.uk");
    assert_eq!(organizational_domain("a.b.Example.com."), "example.com");
}

#[test]
fn header_block_cuts_and_normalizes() {
    assert_eq!(header_block(b"A: 1\nB: 2\n\nbody"), b"A: 1\r\nB: 2\r\n");
    assert_eq!(header_block(b"A: 1\r\n\r\nbody"), b"A: 1\r\n");
    assert_eq!(header_block(b"A: 1"), b"A: 1\r\n");
}

#[test]
fn codes_are_kebab_case() {
    for c in [Code::NotSigned, Code::KeyMismatchOrHeaderChanged, Code::RecordQuotesInP] {
        assert!(c.as_str().bytes().all(|b| b.is_ascii_lowercase() || b == b'-' || b.is_ascii_digit()));
    }
}
