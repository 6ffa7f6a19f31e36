//! The parser: turns the lexer's entries into records, keeping the state a
//! master file carries from line to line (`$ORIGIN`, `$TTL`, the last owner
//! and TTL).

use super::error::{ZoneError, ZoneErrorKind};
use super::lexer::{Entry, Lexer, Token};
use super::name::Name;
use super::rdata::{Rdata, parse_ttl, rdata};
use super::{DEFAULT_TTL, ZoneData, ZoneEntry, ZoneFile};

/// Turns entries into records.
pub(super) struct Parser<'a> {
    lexer: Lexer<'a>,
    zone: ZoneFile,
    origin: Option<Name>,
    /// From `$TTL`.
    default_ttl: Option<u32>,
    /// The TTL last written on a record.
    last_ttl: Option<u32>,
    last_owner: Option<Name>,
}

impl<'a> Parser<'a> {
    pub(super) fn new(text: &'a str, origin: Option<Name>) -> Self {
        Self {
            lexer: Lexer::new(text),
            zone: ZoneFile::default(),
            origin,
            default_ttl: None,
            last_ttl: None,
            last_owner: None,
        }
    }

    pub(super) fn run(mut self) -> Result<ZoneFile, ZoneError> {
        while let Some(entry) = self.lexer.next_entry()? {
            self.entry(&entry)?;
        }
        let mut zone = self.zone;
        zone.store.finish();
        Ok(zone)
    }

    fn entry(&mut self, entry: &Entry<'a>) -> Result<(), ZoneError> {
        let tokens = entry.tokens.as_slice();
        let Some(first) = tokens.first() else { return Ok(()) };
        let (owner, rest) = if entry.indented {
            (self.last_owner.clone().ok_or_else(|| first.error(ZoneErrorKind::NoPreviousOwner))?, tokens)
        } else if !first.quoted && first.raw.starts_with('$') {
            return self.directive(first, &tokens[1..]);
        } else {
            (Name::from_token(first, self.origin.as_ref())?, &tokens[1..])
        };
        self.last_owner = Some(owner.clone());

        if let [word] = rest {
            let data = if word.is_word("NXDOMAIN") {
                Some(ZoneData::NxDomain)
            } else if word.is_word("SERVFAIL") {
                Some(ZoneData::ServFail)
            } else if word.is_word("TIMEOUT") {
                Some(ZoneData::Timeout)
            } else {
                None
            };
            if let Some(data) = data {
                return self.zone.add(first.pos, &owner, ZoneEntry { name: owner.to_text(), ttl: 0, data }, None);
            }
        }

        let mut ttl = None;
        let mut class = false;
        let mut i = 0;
        while let Some(token) = rest.get(i) {
            if token.quoted {
                return Err(token.error(ZoneErrorKind::Quoted));
            }
            if ttl.is_none() && token.raw.starts_with(|c: char| c.is_ascii_digit()) {
                ttl = Some(parse_ttl(token)?);
            } else if !class && ["IN", "CH", "HS"].iter().any(|c| token.is_word(c)) {
                class = true;
            } else {
                break;
            }
            i += 1;
        }
        let Some(rtype) = rest.get(i) else {
            let last = rest.last().unwrap_or(first);
            return Err(ZoneError::new(last.end(), ZoneErrorKind::MissingType));
        };
        if let Some(ttl) = ttl {
            self.last_ttl = Some(ttl);
        }
        let ttl = ttl.or(self.default_ttl).or(self.last_ttl).unwrap_or(DEFAULT_TTL);
        let Rdata { data, cname } = rdata(rtype, &rest[i + 1..], self.origin.as_ref())?;
        self.zone.add(first.pos, &owner, ZoneEntry { name: owner.to_text(), ttl, data }, cname)
    }

    fn directive(&mut self, directive: &Token<'a>, args: &[Token<'a>]) -> Result<(), ZoneError> {
        let name = directive.raw;
        if name.eq_ignore_ascii_case("$INCLUDE") || name.eq_ignore_ascii_case("$GENERATE") {
            return Err(directive.error(ZoneErrorKind::UnsupportedDirective { directive: name.to_owned() }));
        }
        let is_origin = name.eq_ignore_ascii_case("$ORIGIN");
        if !is_origin && !name.eq_ignore_ascii_case("$TTL") {
            return Err(directive.error(ZoneErrorKind::UnknownDirective { directive: name.to_owned() }));
        }
        let [arg] = args else {
            let at = args.get(1).map_or_else(|| directive.end(), |extra| extra.pos);
            return Err(ZoneError::new(at, ZoneErrorKind::DirectiveArguments { directive: name.to_owned() }));
        };
        if is_origin {
            self.origin = Some(Name::from_token(arg, self.origin.as_ref())?);
        } else {
            self.default_ttl = Some(parse_ttl(arg)?);
        }
        Ok(())
    }
}
