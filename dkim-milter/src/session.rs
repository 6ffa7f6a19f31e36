//! One milter connection: the callbacks of `miltr_server::Milter`, one
//! message after another. Headers are kept until the end of the header
//! (the From field decides whether and with which keys to sign); the body
//! goes chunk by chunk into the signer or the verifier and is never kept.
//! Key lookups start at the end of the header and run while the body
//! arrives.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use dkim_core::arc::SealSession;
use dkim_core::auth_results::authserv_id;
use dkim_core::hash::BodyHashId;
use dkim_core::{
    AuthResults, ExternalKey, HeaderStatus, KeyAnswer, Reason, SignSession, SignatureResult, Step, TempFailCause,
    Verdict, Verifier,
};
use dkim_dns::{KeySource as _, Lookup};
use miltr_common::actions::{Action, Continue, Tempfail};
use miltr_common::commands::{Body, Connect, Family, Header, Macro, Mail};
use miltr_common::encoding::Writable as _;
use miltr_common::modifications::ModificationResponse;
use miltr_common::modifications::headers::{ChangeHeader, InsertHeader};
use miltr_common::optneg::{Capability, OptNeg, Protocol};
use tokio::task::JoinSet;

use crate::config::Action as OnErrorAction;
use crate::server::Shared;
use crate::state::{Key, SealKey, State};

/// The commands the milter never answers (SMFIP_NR_*): it decides at the
/// end of the body.
const NO_REPLIES: Protocol = Protocol::NR_CONNECT
    .union(Protocol::NR_HELO)
    .union(Protocol::NR_MAIL)
    .union(Protocol::NR_RECIPIENT)
    .union(Protocol::NR_DATA)
    .union(Protocol::NR_UNKNOWN)
    .union(Protocol::NR_HEADER)
    .union(Protocol::NR_END_OF_HEADER)
    .union(Protocol::NR_BODY);

/// The name of the field written and cleaned.
const AR: &str = "Authentication-Results";

/// The error type of the milter callbacks: it ends the connection (Postfix
/// then applies `milter_default_action`).
#[derive(Debug)]
pub(crate) struct SessionError(#[allow(dead_code)] pub(crate) String);

impl std::fmt::Display for SessionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What is being done with the current message.
enum Work {
    /// Collecting the header.
    Header,
    /// Signing: the session and the keys, in signer order.
    Sign { session: Box<SignSession<ExternalKey>>, keys: Vec<Key>, domains: Vec<String> },
    /// Verifying, with the lookups in flight; sealing too when configured.
    Verify {
        verifier: Box<Verifier>,
        lookups: JoinSet<(String, Option<Lookup>)>,
        deadline: tokio::time::Instant,
        seal: Option<Box<SealSession<SealKey>>>,
        /// The seal's body hash, computed in the verifier's pass (`None`:
        /// the seal session hashes the body itself).
        seal_hash: Option<BodyHashId>,
    },
    /// Nothing to do (no signing rule in sign mode, ...): why.
    Pass(&'static str),
    /// Something failed; the message gets the internal-error action.
    Failed(String),
}

/// One connection's state.
pub(crate) struct Session {
    shared: Arc<Shared>,
    state: Arc<State>,
    client: Option<IpAddr>,
    /// The `{daemon_name}` macro of the connection.
    daemon_name: String,
    authenticated: bool,
    queue_id: String,
    headers: Vec<(Vec<u8>, Vec<u8>)>,
    header_bytes: usize,
    work: Work,
    started: Instant,
    /// Counted in [`Shared::messages_in_flight`].
    in_message: bool,
}

impl Session {
    /// A session using the shared state's current configuration.
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        let state = shared.current();
        Self {
            shared,
            state,
            client: None,
            daemon_name: String::new(),
            authenticated: false,
            queue_id: String::new(),
            headers: Vec::new(),
            header_bytes: 0,
            work: Work::Header,
            started: Instant::now(),
            in_message: false,
        }
    }

    /// The connection ended (a message cut off by it is not in flight).
    pub(crate) fn connection_closed(&mut self) {
        self.end_message();
    }

    fn begin_message(&mut self) {
        if !self.in_message {
            self.in_message = true;
            self.shared.message_started();
        }
    }

    fn end_message(&mut self) {
        if std::mem::take(&mut self.in_message) {
            self.shared.message_ended();
        }
    }

    fn reset_message(&mut self) {
        self.end_message();
        self.state = self.shared.current();
        self.headers.clear();
        self.header_bytes = 0;
        self.work = Work::Header;
        self.authenticated = false;
        self.queue_id.clear();
        self.started = Instant::now();
    }

    /// Internal (a client in the internal networks, or none), authenticated,
    /// or from a service whose `{daemon_name}` is listed.
    fn internal(&self) -> bool {
        let networks = &self.state.networks;
        let local = self.client.is_none_or(|ip| networks.iter().any(|n| n.contains(ip)));
        let sign = &self.state.config.sign;
        local || (sign.authenticated && self.authenticated) || sign.daemon_names.contains(&self.daemon_name)
    }

    /// The header block as bytes, CRLF line ends.
    fn header_block(&self) -> Vec<u8> {
        let mut block = Vec::with_capacity(self.header_bytes + 2 * self.headers.len() + 2);
        for (name, value) in &self.headers {
            block.extend_from_slice(name);
            block.push(b':');
            push_crlf(&mut block, value);
            block.extend_from_slice(b"\r\n");
        }
        block.extend_from_slice(b"\r\n");
        block
    }

    /// [`Session::header_block`] without the `Authentication-Results`
    /// fields that claim our authserv-id.
    fn header_block_without_forged(&self) -> Vec<u8> {
        let id = &self.state.config.authserv_id;
        let mut block = Vec::with_capacity(self.header_bytes + 2 * self.headers.len() + 2);
        for (name, value) in &self.headers {
            if name.eq_ignore_ascii_case(AR.as_bytes()) && authserv_id(value).is_ok_and(|f| f.eq_ignore_ascii_case(id))
            {
                continue;
            }
            block.extend_from_slice(name);
            block.push(b':');
            push_crlf(&mut block, value);
            block.extend_from_slice(b"\r\n");
        }
        block.extend_from_slice(b"\r\n");
        block
    }

    fn sender_address(&self) -> Option<String> {
        let (_, value) = self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(b"From"))?;
        from_address(&String::from_utf8_lossy(value))
    }

    fn start(&mut self) {
        let config = &self.state.config;
        let block = self.header_block();
        let now = unix_now();
        if config.mode.signs() && self.internal() {
            let Some(from) = self.sender_address() else {
                self.work = Work::Pass("no From address to sign for");
                return;
            };
            let signers = match self.state.signers(&from, now) {
                Ok(s) if s.is_empty() => {
                    self.work = Work::Pass("no signing rule for the From address");
                    return;
                }
                Ok(s) => s,
                Err(e) => {
                    self.work = Work::Failed(e);
                    return;
                }
            };
            let domains = signers.iter().map(|(_, _, d)| d.clone()).collect();
            let (signers, keys): (Vec<_>, Vec<_>) = signers.into_iter().map(|(s, k, _)| (s, k)).unzip();
            let mut session = SignSession::new(signers);
            self.work = match session.headers(&block) {
                Ok(HeaderStatus::Complete(_)) => Work::Sign { session: Box::new(session), keys, domains },
                Ok(HeaderStatus::Partial) => Work::Failed("the header did not end".into()),
                Err(e) => Work::Failed(format!("cannot sign: {e}")),
            };
            return;
        }
        if !config.mode.verifies() {
            self.work = Work::Pass("external mail in sign mode");
            return;
        }
        let arc = config.arc.verify || self.state.sealer.is_some();
        let policy = self.state.policy.clone();
        let mut verifier = Box::new(if arc { Verifier::with_arc(policy, now) } else { Verifier::new(policy, now) });
        let mut seal = None;
        if let Some(sealer) = &self.state.sealer {
            // The sealer sees the header as it leaves: without the fields
            // that claim our authserv-id (they are removed).
            let mut session = sealer.session();
            match session.headers(&self.header_block_without_forged()) {
                Ok(Some(_)) => seal = Some(Box::new(session)),
                Ok(None) => tracing::warn!(queue_id = %self.queue_id, "ARC: the header did not end; not sealing"),
                Err(e) => tracing::warn!(queue_id = %self.queue_id, error = %e, "ARC: not sealing"),
            }
        }
        if let Err(e) = verifier.headers(&block) {
            // Not a message the verifier can read: permerror, noted below.
            self.work = Work::Failed(format!("header: {e}"));
            return;
        }
        // One body hash for the verifier and the seal (none extra when a
        // signature or an ARC set of the message already needs it).
        let seal_hash = seal.as_ref().and_then(|s| verifier.add_body_hash(s.body_hash_key()).ok());
        let mut lookups = JoinSet::new();
        if let Step::NeedKeys(requests) = verifier.step() {
            let timeout = Duration::from_secs(self.state.config.verify.lookup_timeout);
            for request in requests {
                let cache = Arc::clone(&self.state.keys_source);
                let name = request.name().to_owned();
                lookups.spawn(async move {
                    let answer = tokio::time::timeout(timeout, cache.lookup_txt(&name)).await.ok();
                    (name, answer)
                });
            }
        }
        let overall = Duration::from_secs(self.state.config.verify.overall_timeout);
        self.work =
            Work::Verify { verifier, lookups, deadline: tokio::time::Instant::now() + overall, seal, seal_hash };
    }

    async fn finish_sign(
        &self,
        session: Box<SignSession<ExternalKey>>,
        keys: Vec<Key>,
    ) -> Result<Vec<(String, String)>, String> {
        let unsigned = session.finish_unsigned().map_err(|e| e.to_string())?;
        let timeout = Duration::from_secs(5);
        let mut fields = Vec::with_capacity(unsigned.len());
        for (u, key) in unsigned.into_iter().zip(keys) {
            let signature = key.sign_digest(u.digest(), timeout).await?;
            let field = u.into_field(&signature);
            let (name, value) = field.split_once(':').ok_or("a signature field without a colon")?;
            fields.push((name.to_owned(), milter_value(value)));
        }
        Ok(fields)
    }

    /// The indexes (1-based, among `Authentication-Results` fields) of the
    /// incoming fields that claim our authserv-id, highest first.
    fn forged_results(&self) -> Vec<u32> {
        let id = &self.state.config.authserv_id;
        let mut indexes: Vec<u32> = self
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(AR.as_bytes()))
            .zip(1u32..)
            .filter(|((_, v), _)| authserv_id(v).is_ok_and(|found| found.eq_ignore_ascii_case(id)))
            .map(|(_, i)| i)
            .collect();
        indexes.reverse();
        indexes
    }

    fn on_error(&self, action: OnErrorAction) -> Option<ModificationResponse> {
        (action == OnErrorAction::Tempfail).then(|| ModificationResponse::builder().build(Tempfail))
    }

    async fn end_of_message(&mut self) -> ModificationResponse {
        let work = std::mem::replace(&mut self.work, Work::Header);
        let config = Arc::clone(&self.state);
        let config = &config.config;
        let mut response = ModificationResponse::builder();
        let elapsed = || self.started.elapsed().as_millis();
        let qid = self.queue_id.clone();
        match work {
            Work::Header | Work::Pass(_) => {
                let why = if let Work::Pass(why) = work { why } else { "no header" };
                tracing::info!(queue_id = %qid, action = "none", why, ms = elapsed(), "message");
                response.contin()
            }
            Work::Failed(e) if !config.mode.verifies() || self.internal() => {
                tracing::error!(queue_id = %qid, action = "sign", error = %e, ms = elapsed(), "message");
                self.on_error(config.on_error.internal).unwrap_or_else(|| response.contin())
            }
            Work::Failed(e) => {
                // A header the verifier cannot read: permerror, recorded.
                let mut ar = AuthResults::new(&config.authserv_id);
                ar.push(dkim_core::ResInfo::new(Verdict::PermError).reason(&e));
                self.push_results(&mut response, &ar);
                tracing::info!(queue_id = %qid, action = "verify", verdicts = "permerror", error = %e, ms = elapsed(), "message");
                response.contin()
            }
            Work::Sign { session, keys, domains } => match self.finish_sign(session, keys).await {
                Ok(fields) => {
                    // Fields claiming our authserv-id go from signed mail too
                    // (RFC 8601 section 5): nothing downstream may trust them.
                    for index in self.forged_results() {
                        response.push(ChangeHeader::new(index, AR.as_bytes(), b""));
                    }
                    for (name, value) in fields.iter().rev() {
                        response.push(InsertHeader::new(0, name.as_bytes(), value.as_bytes()));
                    }
                    tracing::info!(queue_id = %qid, action = "sign", domains = %domains.join(","), signatures = fields.len(), ms = elapsed(), "message");
                    response.contin()
                }
                Err(e) => {
                    tracing::error!(queue_id = %qid, action = "sign", error = %e, ms = elapsed(), "message");
                    self.on_error(config.on_error.internal).unwrap_or_else(|| response.contin())
                }
            },
            Work::Verify { mut verifier, mut lookups, deadline, seal, seal_hash } => {
                while let Ok(Some(joined)) = tokio::time::timeout_at(deadline, lookups.join_next()).await {
                    let (name, answer) = match joined {
                        Ok((name, Some(lookup))) => (name, KeyAnswer::from(lookup)),
                        Ok((name, None)) => (name, KeyAnswer::TempFail(TempFailCause::Timeout)),
                        Err(e) => {
                            tracing::error!(queue_id = %qid, error = %e, "key lookup task failed");
                            continue;
                        }
                    };
                    verifier.answer_key_by_name(&name, answer);
                }
                lookups.abort_all();
                // Lookups still unanswered when the deadline passed.
                if let Step::NeedKeys(requests) = verifier.step() {
                    for r in requests {
                        verifier.answer_key(r.id(), KeyAnswer::TempFail(TempFailCause::Timeout));
                    }
                }
                if let Err(e) = verifier.finish() {
                    tracing::error!(queue_id = %qid, action = "verify", error = %e, "message");
                }
                let chain = verifier.arc_result().cloned();
                // The seal's body hash from the verifier's pass: `None` when
                // that pass did not finish (nothing to seal with then).
                let seal_body = match seal_hash {
                    Some(id) => verifier.body_hash(id).cloned().map(Some),
                    None => Some(None),
                };
                let results = verifier.into_results();
                let verdicts = verdict_list(&results);
                if let Some(action) = error_class(&results, config) {
                    tracing::warn!(queue_id = %qid, action = "verify", verdicts = %verdicts, on_error = "tempfail", ms = elapsed(), "message");
                    return self.on_error(action).unwrap_or_else(|| response.contin());
                }
                let mut ar = AuthResults::from_results(&config.authserv_id, &results);
                if let (true, Some(chain)) = (config.arc.verify, &chain) {
                    ar.arc(chain);
                }
                self.push_results(&mut response, &ar);
                let arc = chain.as_ref().map_or("off", |c| c.status().as_str());
                let sealed = match (seal, chain, seal_body) {
                    (Some(_), Some(_), None) => {
                        tracing::warn!(queue_id = %qid, "ARC: the body hash did not finish; not sealing");
                        "not sealed"
                    }
                    (Some(mut session), Some(chain), Some(body_hash)) => {
                        session.prepend(&format!("{AR}: {}\r\n", ar.to_value()));
                        // RSA in RustCrypto takes milliseconds: off the async workers.
                        let finish = move || match body_hash {
                            Some(bh) => session.finish_with_body_hash(&chain, &bh),
                            None => session.finish(&chain),
                        };
                        match tokio::task::spawn_blocking(finish).await {
                            Ok(Ok(set)) => {
                                // InsertHeader at 0 puts each field above the last: AAR, AMS, then AS on top.
                                for (name, value) in split_fields(&set).into_iter().rev() {
                                    response.push(InsertHeader::new(
                                        0,
                                        name.as_bytes(),
                                        milter_value(&value).as_bytes(),
                                    ));
                                }
                                "sealed"
                            }
                            Ok(Err(e)) => {
                                tracing::info!(queue_id = %qid, reason = %e, "ARC: not sealed");
                                "not sealed"
                            }
                            Err(e) => {
                                tracing::error!(queue_id = %qid, error = %e, "ARC: the sealing task failed");
                                "not sealed"
                            }
                        }
                    }
                    _ => "off",
                };
                tracing::info!(queue_id = %qid, action = "verify", verdicts = %verdicts, arc, seal = sealed, ms = elapsed(), "message");
                response.contin()
            }
        }
    }

    fn push_results(&self, response: &mut miltr_common::modifications::ModificationResponseBuilder, ar: &AuthResults) {
        for index in self.forged_results() {
            response.push(ChangeHeader::new(index, AR.as_bytes(), b""));
        }
        response.push(InsertHeader::new(0, AR.as_bytes(), milter_value(&format!(" {}", ar.to_value())).as_bytes()));
    }
}

/// The error class whose action applies: only when no signature passed.
fn error_class(results: &[SignatureResult], config: &crate::config::Config) -> Option<OnErrorAction> {
    if results.iter().any(|r| r.verdict() == Verdict::Pass) {
        return None;
    }
    let dns = results.iter().any(|r| r.verdict() == Verdict::TempError);
    let bad_key = results.iter().any(|r| {
        matches!(
            r.reason(),
            Some(
                Reason::NoRecord { .. }
                    | Reason::KeyRecord(_)
                    | Reason::AmbiguousKeyRecords { .. }
                    | Reason::KeyRevoked
                    | Reason::KeyTooShort { .. }
                    | Reason::KeyTypeMismatch { .. }
                    | Reason::KeyHashMismatch
                    | Reason::KeyServiceMismatch
                    | Reason::KeyStrictSubdomain
            )
        )
    });
    [(dns, config.on_error.dns), (bad_key, config.on_error.bad_key)]
        .into_iter()
        .find(|&(hit, action)| hit && action == OnErrorAction::Tempfail)
        .map(|(_, a)| a)
}

fn verdict_list(results: &[SignatureResult]) -> String {
    if results.is_empty() {
        return "none".into();
    }
    results.iter().map(|r| format!("{}:{}", r.domain().unwrap_or("?"), r.verdict())).collect::<Vec<_>>().join(",")
}

/// The fields of a block of header text (CRLF): (name, value after the colon).
fn split_fields(block: &str) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in block.split_inclusive("\r\n") {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = fields.last_mut() {
                last.1.push_str(line);
            }
        } else if let Some((name, value)) = line.split_once(':') {
            fields.push((name.to_owned(), value.to_owned()));
        }
    }
    fields
}

/// A field value as Postfix takes it from a milter: lines joined by LF.
fn milter_value(value: &str) -> String {
    value.trim_end_matches(['\r', '\n']).replace("\r\n", "\n")
}

/// Appends `value` with every line end made CRLF (Postfix hands folded
/// values over with LF).
fn push_crlf(out: &mut Vec<u8>, value: &[u8]) {
    let mut prev = 0u8;
    for &b in value {
        if b == b'\n' && prev != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        prev = b;
    }
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The first address of a From field's value: the `<...>` part, or the
/// bare addr-spec, comments left out.
///
/// ```text
/// "Joe <joe@example.com>" -> joe@example.com
/// "joe@example.com (Joe)" -> joe@example.com
/// ```
pub(crate) fn from_address(value: &str) -> Option<String> {
    let mut plain = String::with_capacity(value.len());
    let (mut depth, mut quoted, mut escaped) = (0usize, false, false);
    for c in value.chars() {
        if escaped {
            escaped = false;
            if depth == 0 {
                plain.push(c);
            }
            continue;
        }
        match c {
            '\\' => escaped = true,
            '"' if depth == 0 => {
                quoted = !quoted;
                plain.push(c);
            }
            '(' if !quoted => depth += 1,
            ')' if !quoted && depth > 0 => depth -= 1,
            _ if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    let address = match (plain.rfind('<'), plain.rfind('>')) {
        (Some(open), Some(close)) if open < close => plain[open + 1..close].trim().to_owned(),
        _ => plain.split(',').next()?.trim().to_owned(),
    };
    (address.contains('@') && !address.contains(char::is_whitespace)).then_some(address)
}

#[async_trait]
impl miltr_server::Milter for Session {
    type Error = SessionError;

    async fn option_negotiation(&mut self, theirs: OptNeg) -> Result<OptNeg, miltr_server::Error<Self::Error>> {
        let ours = OptNeg {
            capabilities: Capability::SMFIF_ADDHDRS | Capability::SMFIF_CHGHDRS,
            // Header values exactly as in the message (the space after the
            // colon kept); no HELO, RCPT or unknown commands. Not NO_DATA: it
            // saves a round trip, but Postfix then halved our messages per
            // second through it (benches/README.md, the milter section).
            // No replies to anything before the end of the body: every
            // callback but that one continues anyway (a message with trouble
            // gets its action there), and the MTA streams the message
            // instead of waiting after each header field and body chunk.
            protocol: Protocol::SMFIP_HDR_LEADSPC
                | Protocol::NO_HELO
                | Protocol::NO_RECIPIENT
                | Protocol::NO_UNKNOWN
                | NO_REPLIES,
            ..OptNeg::default()
        };
        if theirs.version < 6 {
            return Err(miltr_server::Error::from(miltr_common::ProtocolError::CompatibilityError(
                miltr_common::optneg::CompatibilityError::UnsupportedVersion { received: theirs.version, supported: 6 },
            )));
        }
        let capabilities = ours.capabilities & theirs.capabilities;
        let protocol = ours.protocol & theirs.protocol;
        Ok(OptNeg { capabilities, protocol, ..ours })
    }

    async fn macro_(&mut self, macro_: Macro) -> Result<(), Self::Error> {
        for (name, value) in macro_.macros() {
            tracing::debug!(stage = %char::from(macro_.code), name = %String::from_utf8_lossy(name), value = %String::from_utf8_lossy(value), "macro");
            match name {
                b"i" if !value.is_empty() => self.queue_id = String::from_utf8_lossy(value).into_owned(),
                b"{auth_authen}" => self.authenticated = !value.is_empty(),
                b"{daemon_name}" => self.daemon_name = String::from_utf8_lossy(value).into_owned(),
                _ => {}
            }
        }
        Ok(())
    }

    async fn connect(&mut self, connect: Connect) -> Result<Action, Self::Error> {
        tracing::debug!(family = ?connect.family, address = %connect.address(), hostname = %connect.hostname(), "connect");
        self.client = match connect.family {
            Family::Inet | Family::Inet6 => connect.address().trim_start_matches("IPv6:").parse().ok(),
            // A Unix socket or an unknown peer: the local machine.
            Family::Unix | Family::Unknown => None,
        };
        Ok(Continue.into())
    }

    async fn mail(&mut self, _mail: Mail) -> Result<Action, Self::Error> {
        // A new message on this connection; the macros of MAIL came first.
        let (auth, qid) = (self.authenticated, std::mem::take(&mut self.queue_id));
        self.reset_message();
        self.authenticated = auth;
        self.queue_id = qid;
        Ok(Continue.into())
    }

    async fn header(&mut self, header: Header) -> Result<Action, Self::Error> {
        self.begin_message();
        let mut raw = bytes::BytesMut::with_capacity(header.len());
        header.write(&mut raw);
        // name NUL value NUL, the bytes as sent (no lossy decoding).
        let mut parts = raw[..].split(|&b| b == 0);
        let (name, value) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
        self.header_bytes += name.len() + value.len() + 3;
        let limit = self.state.policy.resource_limits().max_header_bytes;
        if self.header_bytes > limit {
            self.work = Work::Failed(format!("the header is over {limit} bytes"));
        } else if matches!(self.work, Work::Header) {
            self.headers.push((name.to_vec(), value.to_vec()));
        }
        Ok(Continue.into())
    }

    async fn end_of_header(&mut self) -> Result<Action, Self::Error> {
        if matches!(self.work, Work::Header) {
            self.start();
        }
        Ok(Continue.into())
    }

    async fn body(&mut self, body: Body) -> Result<Action, Self::Error> {
        match &mut self.work {
            Work::Sign { session, .. } => session.body(body.as_bytes()),
            Work::Verify { verifier, seal, seal_hash, .. } => {
                verifier.body(body.as_bytes());
                if let (Some(seal), None) = (seal, seal_hash) {
                    seal.body(body.as_bytes());
                }
            }
            _ => {}
        }
        Ok(Continue.into())
    }

    async fn end_of_body(&mut self) -> Result<ModificationResponse, Self::Error> {
        if matches!(self.work, Work::Header) {
            self.start();
        }
        let response = self.end_of_message().await;
        self.reset_message();
        Ok(response)
    }

    async fn abort(&mut self) -> Result<(), Self::Error> {
        self.reset_message();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use miltr_server::Milter as _;

    use super::*;

    fn session() -> Session {
        let config = crate::Config::from_toml(
            "listen = \"inet:127.0.0.1:8891\"\nauthserv_id = \"mx.example\"\nmode = \"verify\"\n",
        )
        .unwrap();
        Session::new(crate::Shared::new(State::load(config).unwrap(), None))
    }

    fn offer(protocol: Protocol) -> OptNeg {
        OptNeg { version: 6, capabilities: Capability::all(), protocol, ..OptNeg::default() }
    }

    #[tokio::test]
    async fn no_replies_are_asked_for_when_the_mta_offers_them() {
        let ours = session().option_negotiation(offer(Protocol::all())).await.unwrap();
        assert!(ours.protocol.contains(NO_REPLIES | Protocol::SMFIP_HDR_LEADSPC), "{:?}", ours.protocol);
        assert!(!ours.protocol.contains(Protocol::NO_DATA) && !ours.protocol.contains(Protocol::NO_BODY));
        assert_eq!(ours.capabilities, Capability::SMFIF_ADDHDRS | Capability::SMFIF_CHGHDRS);
        // An MTA that offers none of them gets replies to everything.
        let plain = Protocol::NO_HELO | Protocol::NO_RECIPIENT;
        let ours = session().option_negotiation(offer(plain)).await.unwrap();
        assert_eq!(ours.protocol, plain);
        // Protocol 2 (no SMFIP_NR_*) is refused.
        let old = OptNeg { version: 2, ..offer(Protocol::all()) };
        assert!(session().option_negotiation(old).await.is_err());
    }
}
