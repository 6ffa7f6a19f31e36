//! Mode 3 of the `dns_response` target: a response chosen by the fuzzer,
//! encoded with hickory-proto's `Message` (the reference encoder), and the
//! lookup result it must give.

use std::net::Ipv4Addr;

use arbitrary::Arbitrary;
use dkim_dns::{Dnssec, Lookup, NoRecord, NoRecordKind, TempFail, TempFailCause, TxtAnswer, TxtRecord};
use hickory_proto::op::{Edns, Message, OpCode, ResponseCode};
use hickory_proto::rr::rdata::{A, CNAME, SOA, TXT};
use hickory_proto::rr::{DNSClass, Name, RData, Record};

use super::NAME;

/// Names records may be owned by or point to; [`QUESTION`] (index 0)
/// stands for the name in the question being answered.
const NAMES: [&str; 6] = [
    QUESTION,
    "SEL._DomainKey.Example.COM.",
    "t0.example.net.",
    "t1.Example.NET.",
    "other.example.com.",
    "example.com.",
];
const QUESTION: &str = "";

/// Most records per section, strings per TXT record and CNAMEs followed
/// (the client's default).
const MAX_RECORDS: usize = 8;
const MAX_STRINGS: usize = 4;
const MAX_CNAMES: usize = 8;

/// A DNS response: header fields and records.
#[derive(Arbitrary, Clone, Debug)]
pub struct Response {
    /// The response code: its low 4 bits, and with EDNS 8 more.
    rcode: u16,
    authentic_data: bool,
    truncation: bool,
    authoritative: bool,
    recursion_available: bool,
    /// An OPT record with this UDP payload size.
    edns: Option<u16>,
    answers: Vec<Rr>,
    authorities: Vec<Rr>,
    additionals: Vec<Rr>,
}

/// One resource record.
#[derive(Arbitrary, Clone, Debug)]
struct Rr {
    /// Index into [`NAMES`].
    owner: u8,
    /// Class CH instead of IN.
    chaos: bool,
    ttl: u32,
    data: Data,
}

#[derive(Arbitrary, Clone, Debug)]
enum Data {
    /// A first string and more: at most [`MAX_STRINGS`] strings of at most
    /// 255 bytes are kept. (Never none: a record with empty data does not
    /// decode, RFC 1035 wants one string or more, and modes 0 to 2 send
    /// such bytes anyway.)
    Txt(Vec<u8>, Vec<Vec<u8>>),
    /// The target, an index into [`NAMES`].
    Cname(u8),
    Soa {
        minimum: u32,
    },
    A([u8; 4]),
}

impl Response {
    /// The response to `query` (its ID and question), as bytes; `None` if
    /// the query does not decode or the response does not encode.
    pub(super) fn encode(&self, query: &[u8]) -> Option<Vec<u8>> {
        let query = Message::from_vec(query).ok()?;
        let question = query.queries.first()?;
        let mut m = Message::response(query.metadata.id, OpCode::Query);
        m.metadata.response_code = self.rcode();
        m.metadata.authentic_data = self.authentic_data;
        m.metadata.truncation = self.truncation;
        m.metadata.authoritative = self.authoritative;
        m.metadata.recursion_available = self.recursion_available;
        m.metadata.recursion_desired = query.metadata.recursion_desired;
        m.add_query(question.clone());
        let records = |rrs: &[Rr]| rrs.iter().take(MAX_RECORDS).map(|rr| rr.record(&question.name)).collect();
        m.answers = records(&self.answers);
        m.authorities = records(&self.authorities);
        m.additionals = records(&self.additionals);
        if let Some(payload) = self.edns {
            let mut edns = Edns::new();
            edns.set_max_payload(payload.max(512));
            m.set_edns(edns);
        }
        m.to_vec().ok()
    }

    /// What a lookup of [`NAME`] must give when every query is answered
    /// with this response; `None` if the response cannot be encoded.
    ///
    /// The client follows the CNAMEs (class IN) in the answer from the name
    /// asked; then an NXDOMAIN rcode is "no such name" and any rcode but
    /// NOERROR a temporary failure; the TXT records (class IN) at the end
    /// of the chain are the answer, with the smallest TTL of the chain and
    /// of the records and the AD bit. With no TXT record there, the name
    /// asked is NODATA if there was no CNAME, else the end of the chain is
    /// asked for in turn. A chain that comes back to a name or takes more
    /// than 8 CNAMEs (over all the questions) is a temporary failure. The
    /// negative TTL is that of the first SOA of the authority section
    /// (the smaller of its TTL and its `minimum`).
    pub fn expected(&self) -> Option<Lookup> {
        self.encode(&query_for(NAME)?)?;
        let mut current = NAME.to_ascii_lowercase();
        let mut seen: Vec<String> = Vec::new();
        let mut ttl = u32::MAX;
        loop {
            let answers: Vec<(String, &Rr)> =
                self.answers.iter().take(MAX_RECORDS).map(|rr| (rr.owner_name(&current), rr)).collect();
            let mut target = current.clone();
            while let Some((next, cname_ttl)) = answers.iter().find_map(|(owner, rr)| match rr.data {
                Data::Cname(to) if *owner == target && !rr.chaos => Some((name_at(to, &current), rr.ttl)),
                _ => None,
            }) {
                if seen.contains(&target) || seen.len() >= MAX_CNAMES {
                    return Some(Lookup::TempFail(TempFail::new(TempFailCause::CnameChain)));
                }
                seen.push(std::mem::replace(&mut target, next));
                ttl = ttl.min(cname_ttl);
            }
            match self.rcode() {
                ResponseCode::NoError => {}
                ResponseCode::NXDomain => return Some(self.not_found(NoRecordKind::NxDomain)),
                code => return Some(Lookup::TempFail(TempFail::new(temp_fail_cause(code)))),
            }
            let records: Vec<TxtRecord> = answers
                .iter()
                .filter(|(owner, rr)| *owner == target && !rr.chaos)
                .filter_map(|(_, rr)| match &rr.data {
                    Data::Txt(..) => {
                        ttl = ttl.min(rr.ttl);
                        Some(TxtRecord::new(rr.strings()))
                    }
                    _ => None,
                })
                .collect();
            if !records.is_empty() {
                return Some(Lookup::Found(TxtAnswer::new(records, ttl, Dnssec::from_ad_bit(self.authentic_data))));
            }
            if target == current {
                return Some(self.not_found(NoRecordKind::NoData));
            }
            current = target;
        }
    }

    fn rcode(&self) -> ResponseCode {
        <ResponseCode as From<u16>>::from(if self.edns.is_some() { self.rcode % 4096 } else { self.rcode % 16 })
    }

    fn not_found(&self, kind: NoRecordKind) -> Lookup {
        let negative_ttl = self.authorities.iter().take(MAX_RECORDS).find_map(|rr| match rr.data {
            Data::Soa { minimum } => Some(rr.ttl.min(minimum)),
            _ => None,
        });
        Lookup::NoRecord(NoRecord::new(kind, negative_ttl))
    }
}

impl Rr {
    /// The record, owned by `question` when its owner is [`QUESTION`].
    fn record(&self, question: &Name) -> Record {
        let name = |i: u8| match NAMES[usize::from(i) % NAMES.len()] {
            QUESTION => question.clone(),
            text => Name::from_ascii(text).expect("a valid name"),
        };
        let data = match &self.data {
            Data::Txt(..) => RData::TXT(TXT::from_bytes(self.strings().iter().map(Vec::as_slice).collect())),
            Data::Cname(to) => RData::CNAME(CNAME(name(*to))),
            Data::Soa { minimum } => {
                let soa = SOA::new(name(5), name(4), 1, 7200, 3600, 1_209_600, *minimum);
                RData::SOA(soa)
            }
            Data::A(octets) => RData::A(A(Ipv4Addr::from(*octets))),
        };
        let mut record = Record::from_rdata(name(self.owner), self.ttl, data);
        record.dns_class = if self.chaos { DNSClass::CH } else { DNSClass::IN };
        record
    }

    /// The owner in lower case, without the final dot, when the question is
    /// `question` (in that form).
    fn owner_name(&self, question: &str) -> String {
        name_at(self.owner, question)
    }

    /// The strings kept of a TXT record.
    fn strings(&self) -> Vec<Vec<u8>> {
        match &self.data {
            Data::Txt(first, more) => {
                std::iter::once(first).chain(more).take(MAX_STRINGS).map(|s| s[..s.len().min(255)].to_vec()).collect()
            }
            _ => Vec::new(),
        }
    }
}

/// Name `i` of [`NAMES`] in lower case without the final dot, `question`
/// for [`QUESTION`].
fn name_at(i: u8, question: &str) -> String {
    match NAMES[usize::from(i) % NAMES.len()] {
        QUESTION => question.to_owned(),
        text => text.trim_end_matches('.').to_ascii_lowercase(),
    }
}

/// What the client makes of an error rcode.
fn temp_fail_cause(code: ResponseCode) -> TempFailCause {
    match code {
        ResponseCode::ServFail => TempFailCause::ServFail,
        ResponseCode::Refused => TempFailCause::Refused,
        other => TempFailCause::Rcode(u16::from(other)),
    }
}

/// A query for `name` TXT, to try the encoding on.
fn query_for(name: &str) -> Option<Vec<u8>> {
    let mut m = Message::query();
    let name = Name::from_ascii(format!("{name}.")).ok()?;
    m.add_query(hickory_proto::op::Query::query(name, hickory_proto::rr::RecordType::TXT));
    m.to_vec().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dns_response::server::Plan;
    use crate::dns_response::{BUILT_TIMEOUT, run};

    fn rr(owner: u8, ttl: u32, data: Data) -> Rr {
        Rr { owner, chaos: false, ttl, data }
    }

    fn response(rcode: u16, answers: Vec<Rr>, authorities: Vec<Rr>) -> Response {
        Response {
            rcode,
            authentic_data: true,
            truncation: false,
            authoritative: false,
            recursion_available: true,
            edns: None,
            answers,
            authorities,
            additionals: Vec::new(),
        }
    }

    /// Hand-written answers (RFC 1034 CNAME and RFC 2308 negative caching
    /// rules), checked against both the model and the real client.
    #[test]
    fn hand_made_responses() {
        let key = || Data::Txt(b"v=DKIM1; ".to_vec(), vec![b"p=".to_vec()]);
        let two_strings = vec![b"v=DKIM1; ".to_vec(), b"p=".to_vec()];
        let soa = || rr(5, 600, Data::Soa { minimum: 300 });
        let cases = [
            (
                response(0, vec![rr(0, 300, key())], vec![]),
                Lookup::Found(TxtAnswer::new(vec![TxtRecord::new(two_strings.clone())], 300, Dnssec::Authenticated)),
            ),
            // A CNAME to t0.example.net, whose record is in the same answer;
            // a CH-class record and one at another name are not answers.
            (
                response(
                    0,
                    vec![
                        rr(1, 100, Data::Cname(2)),
                        Rr { chaos: true, ..rr(2, 5, key()) },
                        rr(4, 5, key()),
                        rr(2, 200, key()),
                    ],
                    vec![],
                ),
                Lookup::Found(TxtAnswer::new(vec![TxtRecord::new(two_strings)], 100, Dnssec::Authenticated)),
            ),
            (response(3, vec![], vec![soa()]), Lookup::NoRecord(NoRecord::new(NoRecordKind::NxDomain, Some(300)))),
            (
                response(0, vec![rr(0, 60, Data::A([192, 0, 2, 1]))], vec![soa()]),
                Lookup::NoRecord(NoRecord::new(NoRecordKind::NoData, Some(300))),
            ),
            (
                response(0, vec![rr(0, 60, Data::Cname(0))], vec![]),
                Lookup::TempFail(TempFail::new(TempFailCause::CnameChain)),
            ),
            // Every answer points on to the question: the chain goes on
            // across questions until the client's limit.
            (
                response(0, vec![rr(0, 60, Data::Cname(2)), rr(2, 60, Data::Cname(0))], vec![]),
                Lookup::TempFail(TempFail::new(TempFailCause::CnameChain)),
            ),
            (response(5, vec![rr(0, 300, key())], vec![]), Lookup::TempFail(TempFail::new(TempFailCause::Refused))),
            (response(18, vec![], vec![]), Lookup::TempFail(TempFail::new(TempFailCause::ServFail))),
            (
                Response { edns: Some(1232), ..response(16 + 9, vec![], vec![]) },
                Lookup::TempFail(TempFail::new(TempFailCause::Rcode(25))),
            ),
            (
                Response { truncation: true, authentic_data: false, ..response(0, vec![rr(0, 7, key())], vec![]) },
                Lookup::Found(TxtAnswer::new(
                    vec![TxtRecord::new(vec![b"v=DKIM1; ".to_vec(), b"p=".to_vec()])],
                    7,
                    Dnssec::NotAuthenticated,
                )),
            ),
        ];
        for (response, want) in cases {
            assert_eq!(response.expected().as_ref(), Some(&want), "model: {response:#?}");
            assert_eq!(run(Plan::Built(response.clone()), BUILT_TIMEOUT), want, "client: {response:#?}");
        }
    }
}
