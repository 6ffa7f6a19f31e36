//! The store: what the file says about each owner name, checked as records
//! are added, and the lookup rules.

use std::collections::{HashMap, HashSet};

use super::error::{Pos, ZoneError, ZoneErrorKind};
use super::name::parent;
use super::{MAX_CNAME_STEPS, ZoneData, ZoneEntry};
use crate::{Lookup, NotFound, NotFoundKind, TempFail, TempFailCause, TxtAnswer, TxtRecord, normalize_name};

/// The owner names of a zone file and their records, indexed for lookups.
#[derive(Clone, Debug, Default)]
pub(super) struct Store {
    nodes: Vec<Node>,
    index: HashMap<String, usize>,
    /// Names that are a proper suffix of an owner name.
    interior: HashSet<String>,
}

impl Store {
    /// Answers a TXT lookup for `name` (the rules are on `ZoneFile`).
    pub(super) fn lookup(&self, name: &str) -> Lookup {
        let mut name = normalize_name(name);
        let mut ttl = u32::MAX;
        let mut chain: Vec<String> = Vec::new();
        loop {
            let Some(node) = self.node(&name) else {
                let kind = if self.interior.contains(&name) { NotFoundKind::NoData } else { NotFoundKind::NxDomain };
                return Lookup::NotFound(NotFound::new(kind, self.negative_ttl(&name)));
            };
            match node.mark {
                Some(Mark::NxDomain) => {
                    return Lookup::NotFound(NotFound::new(NotFoundKind::NxDomain, self.negative_ttl(&name)));
                }
                Some(Mark::ServFail) => return Lookup::TempFail(TempFail::new(TempFailCause::ServFail)),
                Some(Mark::Timeout) => return Lookup::TempFail(TempFail::new(TempFailCause::Timeout)),
                None => {}
            }
            if !node.txt.is_empty() {
                return Lookup::Found(TxtAnswer::new(node.txt.clone(), ttl.min(node.txt_ttl), false));
            }
            let Some((target, cname_ttl)) = &node.cname else {
                return Lookup::NotFound(NotFound::new(NotFoundKind::NoData, self.negative_ttl(&name)));
            };
            chain.push(name);
            if chain.len() > MAX_CNAME_STEPS || chain.contains(target) {
                return Lookup::TempFail(TempFail::new(TempFailCause::CnameChain));
            }
            ttl = ttl.min(*cname_ttl);
            name = target.clone();
        }
    }

    /// Every owner name, once, in order of first appearance.
    pub(super) fn names(&self) -> impl Iterator<Item = &str> {
        self.nodes.iter().map(|node| node.name.as_str())
    }

    fn node(&self, name: &str) -> Option<&Node> {
        self.index.get(name).and_then(|&i| self.nodes.get(i))
    }

    /// The negative-caching TTL from the SOA at the nearest enclosing name.
    fn negative_ttl(&self, name: &str) -> Option<u32> {
        let mut current = Some(name);
        while let Some(name) = current {
            if let Some(ttl) = self.node(name).and_then(|node| node.negative_ttl) {
                return Some(ttl);
            }
            current = parent(name);
        }
        None
    }

    /// Adds a record to the file, checking it against the name's other
    /// records.
    pub(super) fn add(&mut self, pos: Pos, entry: &ZoneEntry) -> Result<(), ZoneError> {
        let nodes = &mut self.nodes;
        let i = *self.index.entry(entry.name.clone()).or_insert_with(|| {
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
        match &entry.data {
            _ if mark.is_some() => node.mark = mark,
            ZoneData::Cname(target) => {
                if node.cname.is_some() || node.cname_conflict {
                    return Err(ZoneError::new(pos, ZoneErrorKind::CnameAndOtherData));
                }
                node.cname = Some((target.clone(), entry.ttl));
            }
            data => {
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
        for node in &self.nodes {
            let mut current = parent(&node.name);
            while let Some(name) = current {
                self.interior.insert(name.to_owned());
                current = parent(name);
            }
        }
    }
}

/// What the file says about one owner name, for lookups.
#[derive(Clone, Debug, Default)]
struct Node {
    name: String,
    mark: Option<Mark>,
    txt: Vec<TxtRecord>,
    /// The smallest TTL of `txt`.
    txt_ttl: u32,
    /// The target and TTL of the CNAME.
    cname: Option<(String, u32)>,
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
