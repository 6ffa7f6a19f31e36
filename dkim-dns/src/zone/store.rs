//! The store: what the file says about each owner name, checked as records
//! are added, and the lookup rules.

use std::collections::{HashMap, HashSet};

use super::error::{Pos, ZoneError, ZoneErrorKind};
use super::name::{Name, parent};
use super::{MAX_CNAME_STEPS, ZoneData, ZoneEntry};
use crate::{Dnssec, Lookup, NoRecord, NoRecordKind, TempFail, TempFailCause, TxtAnswer, TxtRecord};

/// The owner names of a zone file and their records, indexed for lookups.
#[derive(Clone, Debug, Default)]
pub(super) struct Store {
    nodes: Vec<Node>,
    /// Where each owner name's node is, by the name's wire form.
    index: HashMap<Vec<u8>, usize>,
    /// Names (wire form) that are a proper suffix of an owner name.
    interior: HashSet<Vec<u8>>,
}

impl Store {
    /// Answers a TXT lookup for `name`, a name in presentation format (the
    /// rules are on `ZoneFile`).
    pub(super) fn lookup(&self, name: &str) -> Lookup {
        let Some(query) = Name::from_lookup(name) else {
            // Not a name (a bad escape, an empty or overlong label): nothing
            // can be published there.
            return Lookup::NoRecord(NoRecord::new(NoRecordKind::NxDomain, None));
        };
        let mut name = query.wire();
        let mut ttl = u32::MAX;
        let mut chain: Vec<&[u8]> = Vec::new();
        loop {
            let Some(node) = self.node(name) else {
                let kind = if self.interior.contains(name) { NoRecordKind::NoData } else { NoRecordKind::NxDomain };
                return Lookup::NoRecord(NoRecord::new(kind, self.negative_ttl(name)));
            };
            match node.mark {
                Some(Mark::NxDomain) => {
                    return Lookup::NoRecord(NoRecord::new(NoRecordKind::NxDomain, self.negative_ttl(name)));
                }
                Some(Mark::ServFail) => return Lookup::TempFail(TempFail::new(TempFailCause::ServFail)),
                Some(Mark::Timeout) => return Lookup::TempFail(TempFail::new(TempFailCause::Timeout)),
                None => {}
            }
            if !node.txt.is_empty() {
                return Lookup::Found(TxtAnswer::new(node.txt.clone(), ttl.min(node.txt_ttl), Dnssec::Unknown));
            }
            let Some((target, cname_ttl)) = &node.cname else {
                return Lookup::NoRecord(NoRecord::new(NoRecordKind::NoData, self.negative_ttl(name)));
            };
            chain.push(name);
            if chain.len() > MAX_CNAME_STEPS || chain.contains(&target.wire()) {
                return Lookup::TempFail(TempFail::new(TempFailCause::CnameChain));
            }
            ttl = ttl.min(*cname_ttl);
            name = target.wire();
        }
    }

    /// Every owner name, once, in order of first appearance.
    pub(super) fn names(&self) -> impl Iterator<Item = &str> {
        self.nodes.iter().map(|node| node.name.as_str())
    }

    fn node(&self, name: &[u8]) -> Option<&Node> {
        self.index.get(name).and_then(|&i| self.nodes.get(i))
    }

    /// The negative-caching TTL from the SOA at the nearest enclosing name.
    fn negative_ttl(&self, name: &[u8]) -> Option<u32> {
        let mut current = Some(name);
        while let Some(name) = current {
            if let Some(ttl) = self.node(name).and_then(|node| node.negative_ttl) {
                return Some(ttl);
            }
            current = parent(name);
        }
        None
    }

    /// Adds a record at `owner` (the name of `entry`), checking it against
    /// the name's other records; `cname` is the target of a CNAME record.
    pub(super) fn add(
        &mut self,
        pos: Pos,
        owner: &Name,
        entry: &ZoneEntry,
        cname: Option<Name>,
    ) -> Result<(), ZoneError> {
        let nodes = &mut self.nodes;
        let i = *self.index.entry(owner.wire().to_vec()).or_insert_with(|| {
            nodes.push(Node { name: entry.name.clone(), ..Node::default() });
            nodes.len() - 1
        });
        // In bounds: the index only holds positions of nodes pushed above.
        let node = &mut self.nodes[i];
        let mark = match entry.data {
            ZoneData::NxDomain => Some(Mark::NxDomain),
            ZoneData::ServFail => Some(Mark::ServFail),
            ZoneData::Timeout => Some(Mark::Timeout),
            _ => None,
        };
        if node.mark.is_some() || (mark.is_some() && node.records > 0) {
            return Err(ZoneError::new(pos, ZoneErrorKind::MarkAndOtherData));
        }
        // The parser gives every CNAME record its target.
        match (&entry.data, cname) {
            _ if mark.is_some() => node.mark = mark,
            (ZoneData::Cname(_), Some(target)) => {
                if node.cname.is_some() || node.cname_conflict {
                    return Err(ZoneError::new(pos, ZoneErrorKind::CnameAndOtherData));
                }
                node.cname = Some((target, entry.ttl));
            }
            (data, _) => {
                let with_cname = matches!(data, ZoneData::Other { rtype, .. } if rtype == "RRSIG" || rtype == "NSEC");
                if !with_cname {
                    if node.cname.is_some() {
                        return Err(ZoneError::new(pos, ZoneErrorKind::CnameAndOtherData));
                    }
                    node.cname_conflict = true;
                }
                match data {
                    ZoneData::Txt(record) => {
                        node.txt.push(record.clone());
                        node.txt_ttl = if node.txt.len() == 1 { entry.ttl } else { node.txt_ttl.min(entry.ttl) };
                    }
                    ZoneData::Soa { minimum, .. } => {
                        if node.negative_ttl.is_some() {
                            return Err(ZoneError::new(pos, ZoneErrorKind::DuplicateSoa));
                        }
                        node.negative_ttl = Some(entry.ttl.min(*minimum));
                    }
                    _ => {}
                }
            }
        }
        if mark.is_none() {
            node.records += 1;
        }
        Ok(())
    }

    /// Records the empty non-terminals, once every record is in.
    pub(super) fn finish(&mut self) {
        for owner in self.index.keys() {
            let mut current = parent(owner);
            while let Some(name) = current {
                self.interior.insert(name.to_vec());
                current = parent(name);
            }
        }
    }
}

/// What the file says about one owner name, for lookups.
#[derive(Clone, Debug, Default)]
struct Node {
    /// The owner name in stored form.
    name: String,
    mark: Option<Mark>,
    txt: Vec<TxtRecord>,
    /// The smallest TTL of `txt`.
    txt_ttl: u32,
    /// The target and TTL of the CNAME.
    cname: Option<(Name, u32)>,
    /// From the SOA at this name.
    negative_ttl: Option<u32>,
    /// How many records (test-extension lines aside).
    records: usize,
    /// Whether a record that cannot sit beside a CNAME is here.
    cname_conflict: bool,
}

/// A test-extension mark.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mark {
    NxDomain,
    ServFail,
    Timeout,
}
