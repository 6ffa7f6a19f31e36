//! The form of a chain (RFC 8617 section 5.2 steps 1 and 2): the ARC
//! fields grouped into sets 1..N, one of each kind per set.

use alloc::string::String;
use alloc::vec::Vec;

use super::fields::{ArcMessageSignature, ArcSeal, aar_instance, loose_instance};
use super::{ArcField, ArcFieldError, ArcReason, ArcSetInfo, ChainStatus, MAX_INSTANCES, slot};
use crate::auth_results::authserv_id;
use crate::header::HeaderBlock;
use crate::policy::Limits;

/// One complete set: the field positions in the header block and the
/// parsed seal and message signature.
pub(crate) struct Set {
    pub(crate) fields: [usize; 3],
    pub(crate) ams: ArcMessageSignature,
    pub(crate) seal: ArcSeal,
    pub(crate) authserv_id: String,
}

impl Set {
    pub(crate) fn info(&self) -> ArcSetInfo {
        ArcSetInfo {
            instance: self.seal.instance(),
            seal_domain: self.seal.domain().into(),
            seal_selector: self.seal.selector().into(),
            ams_domain: self.ams.signature().domain().into(),
            cv: self.seal.chain_status(),
            authserv_id: self.authserv_id.clone(),
            ams_valid: None,
            seal_valid: None,
        }
    }

    pub(crate) fn field(&self, f: ArcField) -> usize {
        self.fields[slot(f)]
    }
}

fn kind(name: &str) -> Option<ArcField> {
    ArcField::from_name(name)
}

/// An `i=` over 50 is the instance limit, not just a bad value.
fn malformed(instance: Option<u32>, field: ArcField, error: ArcFieldError) -> ArcReason {
    if let ArcFieldError::InvalidInstance(v) = &error
        && let Ok(n) = v.parse::<u32>()
        && n > MAX_INSTANCES
    {
        return ArcReason::TooManyInstances { found: n };
    }
    ArcReason::Malformed { instance, field, error }
}

/// The sets, instance 1 first; empty when the message has no ARC field.
/// `Err((instances, reason))` when the form is broken.
pub(crate) fn sets(block: &HeaderBlock, limits: &Limits) -> Result<Vec<Set>, (u32, ArcReason)> {
    // The sets found, for a chain whose form is broken: the highest
    // instance any ARC field names (read loosely; bounded like the scan).
    let highest = block
        .fields()
        .filter(|f| core::str::from_utf8(f.name_as_written()).ok().and_then(kind).is_some())
        .take(3 * MAX_INSTANCES as usize + 1)
        .filter_map(|f| {
            let full = f.value();
            let value = full.strip_suffix(b"\r\n").unwrap_or(full);
            loose_instance(value).or_else(|| loose_instance_any(value))
        })
        .max()
        .unwrap_or(0);
    if highest > MAX_INSTANCES {
        return Err((highest, ArcReason::TooManyInstances { found: highest }));
    }
    sets_of(block, limits).map_err(|(_, reason)| (highest, reason))
}

/// `i=N` read from the start of an ARC field value, any N (for counting).
fn loose_instance_any(value: &[u8]) -> Option<u32> {
    let mut rest = value;
    while let [b' ' | b'\t' | b'\r' | b'\n', tail @ ..] = rest {
        rest = tail;
    }
    let rest = rest.strip_prefix(b"i").or_else(|| rest.strip_prefix(b"I"))?;
    let rest = crate::tag_list::trim_fws(rest).strip_prefix(b"=")?;
    let digits: &[u8] = {
        let r = crate::tag_list::trim_fws(rest);
        let n = r.iter().take_while(|b| b.is_ascii_digit()).count();
        &r[..n.min(9)]
    };
    core::str::from_utf8(digits).ok()?.parse().ok()
}

fn sets_of(block: &HeaderBlock, limits: &Limits) -> Result<Vec<Set>, (u32, ArcReason)> {
    let mut table: Vec<[Option<usize>; 3]> = Vec::new();
    let mut seals: Vec<Option<ArcSeal>> = Vec::new();
    let mut amss: Vec<Option<ArcMessageSignature>> = Vec::new();
    let mut ids: Vec<String> = Vec::new();
    let mut count = 0u32;
    for (index, f) in block.fields().enumerate() {
        let Some(field) = core::str::from_utf8(f.name_as_written()).ok().and_then(kind) else { continue };
        count += 1;
        if count > 3 * MAX_INSTANCES {
            return Err((count / 3, ArcReason::TooManyInstances { found: count.div_ceil(3) }));
        }
        let full = f.value();
        let value = full.strip_suffix(b"\r\n").unwrap_or(full);
        let fail = |e: ArcFieldError| (0, malformed(loose_instance(value), field, e));
        let instance = match field {
            ArcField::AuthResults => aar_instance(value).map_err(fail)?.0,
            ArcField::MessageSignature => ArcMessageSignature::parse(value, limits).map_err(fail)?.instance(),
            ArcField::Seal => ArcSeal::parse(value, limits).map_err(fail)?.instance(),
        };
        let i = instance as usize;
        if table.len() < i {
            table.resize(i, [None; 3]);
            seals.resize(i, None);
            amss.resize(i, None);
            ids.resize(i, String::new());
        }
        let cell = &mut table[i - 1][slot(field)];
        if cell.is_some() {
            return Err((0, ArcReason::Duplicate { instance, field }));
        }
        *cell = Some(index);
        match field {
            ArcField::Seal => seals[i - 1] = ArcSeal::parse(value, limits).ok(),
            ArcField::MessageSignature => amss[i - 1] = ArcMessageSignature::parse(value, limits).ok(),
            ArcField::AuthResults => {
                let rest = aar_instance(value).map(|(_, r)| r).unwrap_or_default();
                ids[i - 1] = authserv_id(rest).unwrap_or_default();
            }
        }
    }
    let n = u32::try_from(table.len()).unwrap_or(u32::MAX);
    let mut out = Vec::with_capacity(table.len());
    for (i, ((cells, seal), (ams, id))) in table.into_iter().zip(seals).zip(amss.into_iter().zip(ids)).enumerate() {
        let instance = u32::try_from(i + 1).unwrap_or(u32::MAX);
        for field in [ArcField::Seal, ArcField::MessageSignature, ArcField::AuthResults] {
            if cells[slot(field)].is_none() {
                return Err((n, ArcReason::Missing { instance, field }));
            }
        }
        let (Some(seal), Some(ams)) = (seal, ams) else {
            return Err((n, ArcReason::Missing { instance, field: ArcField::Seal }));
        };
        let fields = [cells[0].unwrap_or(0), cells[1].unwrap_or(0), cells[2].unwrap_or(0)];
        out.push(Set { fields, ams, seal, authserv_id: id });
    }
    Ok(out)
}

/// The `cv=` rules (section 5.2 step 2.1 and section 4.1.3): none at 1,
/// pass after, and no seal saying fail.
pub(crate) fn chain_status_rules(sets: &[Set]) -> Option<ArcReason> {
    if let Some(s) = sets.iter().rev().find(|s| s.seal.chain_status() == ChainStatus::Fail) {
        return Some(ArcReason::SealedAsFailed { instance: s.seal.instance() });
    }
    sets.iter().find_map(|s| {
        let i = s.seal.instance();
        let expected = if i == 1 { ChainStatus::None } else { ChainStatus::Pass };
        (s.seal.chain_status() != expected)
            .then_some(ArcReason::WrongChainStatus { instance: i, found: s.seal.chain_status() })
    })
}

/// The fields an `ARC-Seal` of instance `upto + 1` signs before its own
/// set's AAR and AMS: every set 1..=upto as AAR, AMS, AS. `None` when a set
/// is missing.
pub(crate) fn seal_inputs(block: &HeaderBlock, upto: u32) -> Option<Vec<Option<usize>>> {
    let mut table: Vec<[Option<usize>; 3]> = alloc::vec![[None; 3]; upto as usize];
    for (index, f) in block.fields().enumerate() {
        let Some(field) = core::str::from_utf8(f.name_as_written()).ok().and_then(kind) else { continue };
        let full = f.value();
        let value = full.strip_suffix(b"\r\n").unwrap_or(full);
        let Some(i) = loose_instance(value) else { continue };
        if let Some(row) = table.get_mut(i as usize - 1) {
            row[slot(field)].get_or_insert(index);
        }
    }
    let mut out = Vec::with_capacity(3 * upto as usize);
    for row in table {
        for cell in row {
            out.push(Some(cell?));
        }
    }
    Some(out)
}
