//! Record data: the fields of each record type, TTLs and character-strings.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::error::{ZoneError, ZoneErrorKind};
use super::lexer::{Token, unescape};
use super::name::Name;
use super::{MAX_STRING, MAX_TTL, TxtRecord, ZoneData};

/// Record types a master file may name: the mnemonics of the IANA registry,
/// meta types such as `ANY`, `OPT` and `AXFR` excluded.
const RECORD_TYPES: &[&str] = &[
    "A",
    "NS",
    "MD",
    "MF",
    "CNAME",
    "SOA",
    "MB",
    "MG",
    "MR",
    "NULL",
    "WKS",
    "PTR",
    "HINFO",
    "MINFO",
    "MX",
    "TXT",
    "RP",
    "AFSDB",
    "X25",
    "ISDN",
    "RT",
    "NSAP",
    "NSAP-PTR",
    "SIG",
    "KEY",
    "PX",
    "GPOS",
    "AAAA",
    "LOC",
    "NXT",
    "EID",
    "NIMLOC",
    "SRV",
    "ATMA",
    "NAPTR",
    "KX",
    "CERT",
    "A6",
    "DNAME",
    "SINK",
    "APL",
    "DS",
    "SSHFP",
    "IPSECKEY",
    "RRSIG",
    "NSEC",
    "DNSKEY",
    "DHCID",
    "NSEC3",
    "NSEC3PARAM",
    "TLSA",
    "SMIMEA",
    "HIP",
    "NINFO",
    "RKEY",
    "TALINK",
    "CDS",
    "CDNSKEY",
    "OPENPGPKEY",
    "CSYNC",
    "ZONEMD",
    "SVCB",
    "HTTPS",
    "DSYNC",
    "SPF",
    "UINFO",
    "UID",
    "GID",
    "UNSPEC",
    "NID",
    "L32",
    "L64",
    "LP",
    "EUI48",
    "EUI64",
    "URI",
    "CAA",
    "AVC",
    "DOA",
    "AMTRELAY",
    "RESINFO",
    "WALLET",
    "TA",
    "DLV",
];

/// The data of one record, and for a CNAME its target as a [`Name`] (the
/// store follows it).
pub(super) struct Rdata {
    pub(super) data: ZoneData,
    pub(super) cname: Option<Name>,
}

/// The data of a record of type `rtype` (a token that must name a record
/// type) with fields `args`; relative names are completed with `origin`.
pub(super) fn rdata(rtype: &Token<'_>, args: &[Token<'_>], origin: Option<&Name>) -> Result<Rdata, ZoneError> {
    if rtype.quoted {
        return Err(rtype.error(ZoneErrorKind::Quoted));
    }
    let upper = rtype.raw.to_ascii_uppercase();
    if !is_record_type(&upper) {
        return Err(rtype.error(ZoneErrorKind::UnknownType { found: rtype.raw.to_owned() }));
    }
    let fields = Fields { rtype, upper, args, origin };
    let data = match fields.upper.as_str() {
        "TXT" => fields.txt(),
        "CNAME" => {
            fields.exactly(1, "expected one name")?;
            let target = fields.name(0)?;
            return Ok(Rdata { data: ZoneData::Cname(target.to_text()), cname: Some(target) });
        }
        "SOA" => fields.soa(),
        "A" => {
            fields.exactly(1, "expected one IPv4 address")?;
            let address: Ipv4Addr = args[0].raw.parse().map_err(|_| fields.invalid(&args[0], "not an IPv4 address"))?;
            Ok(fields.other(vec![address.to_string()]))
        }
        "AAAA" => {
            fields.exactly(1, "expected one IPv6 address")?;
            let address: Ipv6Addr = args[0].raw.parse().map_err(|_| fields.invalid(&args[0], "not an IPv6 address"))?;
            Ok(fields.other(vec![address.to_string()]))
        }
        "NS" | "PTR" | "DNAME" => {
            fields.exactly(1, "expected one name")?;
            Ok(fields.other(vec![fields.name(0)?.presentation()]))
        }
        "MX" => {
            fields.exactly(2, "expected a preference and a mail exchanger")?;
            let preference = fields.u16_at(0, "the preference is not a number from 0 to 65535")?;
            Ok(fields.other(vec![preference.to_string(), fields.name(1)?.presentation()]))
        }
        "SRV" => fields.srv(),
        _ => {
            if args.is_empty() {
                fields.exactly(1, "record data missing")?;
            }
            Ok(fields.other(args.iter().map(Token::written).collect()))
        }
    }?;
    Ok(Rdata { data, cname: None })
}

/// The type and fields of one record.
struct Fields<'t, 'a> {
    rtype: &'t Token<'a>,
    /// The type mnemonic in upper case.
    upper: String,
    args: &'t [Token<'a>],
    origin: Option<&'t Name>,
}

impl Fields<'_, '_> {
    fn txt(&self) -> Result<ZoneData, ZoneError> {
        if self.args.is_empty() {
            self.exactly(1, "at least one character-string is needed")?;
        }
        let strings = self.args.iter().map(character_string).collect::<Result<Vec<_>, _>>()?;
        Ok(ZoneData::Txt(TxtRecord::new(strings)))
    }

    fn soa(&self) -> Result<ZoneData, ZoneError> {
        self.exactly(7, "expected mname, rname, serial, refresh, retry, expire and minimum")?;
        let args = self.args;
        let serial = plain_number(&args[2]).ok_or_else(|| self.invalid(&args[2], "the serial is not a number"))?;
        Ok(ZoneData::Soa {
            mname: self.name(0)?.to_text(),
            rname: self.name(1)?.to_text(),
            serial,
            refresh: parse_ttl(&args[3])?,
            retry: parse_ttl(&args[4])?,
            expire: parse_ttl(&args[5])?,
            minimum: parse_ttl(&args[6])?,
        })
    }

    fn srv(&self) -> Result<ZoneData, ZoneError> {
        self.exactly(4, "expected priority, weight, port and target")?;
        let mut rdata = Vec::with_capacity(4);
        for i in 0..3 {
            rdata.push(self.u16_at(i, "not a number from 0 to 65535")?.to_string());
        }
        rdata.push(self.name(3)?.presentation());
        Ok(self.other(rdata))
    }

    /// A record kept in master-file form.
    fn other(&self, rdata: Vec<String>) -> ZoneData {
        ZoneData::Other { rtype: self.upper.clone(), rdata }
    }

    fn invalid(&self, token: &Token<'_>, reason: &'static str) -> ZoneError {
        token.error(ZoneErrorKind::InvalidRdata { rtype: self.upper.clone(), reason })
    }

    /// The fields must number exactly `n`: else an error at the first extra
    /// field, or just after the last one.
    fn exactly(&self, n: usize, reason: &'static str) -> Result<(), ZoneError> {
        match self.args.get(n) {
            Some(extra) => Err(self.invalid(extra, reason)),
            None if self.args.len() < n => {
                let end = self.args.last().unwrap_or(self.rtype).end();
                Err(ZoneError::new(end, ZoneErrorKind::InvalidRdata { rtype: self.upper.clone(), reason }))
            }
            None => Ok(()),
        }
    }

    /// Field `i` (which [`exactly`](Self::exactly) checked is there) as a name.
    fn name(&self, i: usize) -> Result<Name, ZoneError> {
        Name::from_token(&self.args[i], self.origin)
    }

    /// Field `i` as a number of 16 bits, as in MX and SRV records.
    fn u16_at(&self, i: usize, reason: &'static str) -> Result<u16, ZoneError> {
        let token = &self.args[i];
        plain_number(token).and_then(|n| u16::try_from(n).ok()).ok_or_else(|| self.invalid(token, reason))
    }
}

/// Decimal digits only, at most `u32::MAX`.
pub(super) fn plain_number(token: &Token<'_>) -> Option<u32> {
    let digits = token.raw;
    if token.quoted || digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// A TTL: seconds, or numbers each followed by a unit (`1h30m`).
pub(super) fn parse_ttl(token: &Token<'_>) -> Result<u32, ZoneError> {
    let invalid = || token.error(ZoneErrorKind::InvalidTtl { found: token.written() });
    if token.quoted || token.raw.is_empty() {
        return Err(invalid());
    }
    let with_units = !token.raw.bytes().all(|b| b.is_ascii_digit());
    let mut total: u64 = 0;
    let mut number: Option<u64> = None;
    for b in token.raw.bytes() {
        if b.is_ascii_digit() {
            let n = number.unwrap_or(0) * 10 + u64::from(b - b'0');
            if n > u64::from(MAX_TTL) {
                return Err(invalid());
            }
            number = Some(n);
        } else {
            let unit: u64 = match b.to_ascii_lowercase() {
                b'w' => 7 * 86_400,
                b'd' => 86_400,
                b'h' => 3600,
                b'm' => 60,
                b's' => 1,
                _ => return Err(invalid()),
            };
            total += number.take().ok_or_else(invalid)? * unit;
            if total > u64::from(MAX_TTL) {
                return Err(invalid());
            }
        }
    }
    match number {
        Some(_) if with_units => Err(invalid()),
        Some(n) => Ok(u32::try_from(n).map_err(|_| invalid())?),
        None => u32::try_from(total).map_err(|_| invalid()),
    }
}

/// One TXT character-string, escapes decoded.
fn character_string(token: &Token<'_>) -> Result<Vec<u8>, ZoneError> {
    let bytes: Vec<u8> = unescape(token)?.into_iter().map(|(b, _)| b).collect();
    if bytes.len() > MAX_STRING {
        return Err(token.error(ZoneErrorKind::StringTooLong { len: bytes.len() }));
    }
    Ok(bytes)
}

/// Whether `upper` names a record type that may appear in a master file:
/// a mnemonic of [`RECORD_TYPES`] or the RFC 3597 form `TYPEnnn`.
pub(super) fn is_record_type(upper: &str) -> bool {
    if RECORD_TYPES.contains(&upper) {
        return true;
    }
    upper
        .strip_prefix("TYPE")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && n.parse::<u16>().is_ok())
}
