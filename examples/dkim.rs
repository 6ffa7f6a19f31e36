//! `dkim`: sign, verify and generate keys from the command line.
//!
//! ```text
//! dkim sign --key KEYFILE --domain D --selector S [--algorithm A] [--canonicalization C]
//!           [--headers from:to:subject] [--identity I] [--body-length] [--expiration SECONDS] [FILE|-]
//! dkim verify [--zone ZONEFILE | --dns HOST:PORT] [--json] [--now UNIX] [--ar HOSTNAME] [FILE|-]
//! dkim keygen [--algorithm A] [--bits 2048] --domain D --selector S --out PREFIX
//! ```
//!
//! Exit status: 0 on success (for `verify`: some signature passed), 1 when
//! `verify` found no passing signature, 2 for usage, input and I/O errors
//! (one line on standard error, never a panic).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::{Parser, Subcommand};
use dkim::dns::{DnsClient, KeySource, ZoneFile};
use dkim::{AsyncVerifier, FuturesTimer, ManualClock};
use dkim::{
    Canonicalization, HeaderStatus, LineEndings, Policy, PrivateKey, SignSession, SignatureResult, Signer, Verdict,
};

#[derive(Parser)]
#[command(name = "dkim", version, about = "DKIM (RFC 6376, RFC 8463): sign, verify, generate keys")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sign a message: writes one DKIM-Signature field, then the input unchanged.
    Sign {
        /// PKCS#8 PEM private key (RSA or Ed25519); PKCS#1 RSA PEM is accepted too.
        #[arg(long)]
        key: PathBuf,
        /// The signing domain (d=).
        #[arg(long)]
        domain: String,
        /// The selector (s=).
        #[arg(long)]
        selector: String,
        /// rsa-sha256 or ed25519-sha256; must match the key (default: the key's).
        #[arg(long)]
        algorithm: Option<String>,
        /// Header/body canonicalization (c=), e.g. relaxed/relaxed or simple.
        #[arg(long, default_value = "relaxed/relaxed")]
        canonicalization: String,
        /// Header fields to sign, colon-separated (From is always signed).
        #[arg(long)]
        headers: Option<String>,
        /// The agent or user identifier (i=).
        #[arg(long)]
        identity: Option<String>,
        /// Add l= with the canonical body length.
        #[arg(long)]
        body_length: bool,
        /// Add x= this many seconds after t=.
        #[arg(long)]
        expiration: Option<u64>,
        /// The message (default or `-`: standard input).
        file: Option<PathBuf>,
    },
    /// Verify every DKIM-Signature of a message.
    Verify {
        #[command(flatten)]
        keys: KeyArgs,
        /// One JSON object per signature on standard output.
        #[arg(long)]
        json: bool,
        /// The current time (Unix seconds) for t= and x= checks.
        #[arg(long)]
        now: Option<u64>,
        /// Print an Authentication-Results field with this authserv-id (on
        /// standard error with --json, so standard output stays JSON).
        #[arg(long)]
        ar: Option<String>,
        /// The message (default or `-`: standard input).
        file: Option<PathBuf>,
    },
    /// Explain each signature: what its tags mean here, the verdict, what went wrong and what to do.
    Explain {
        #[command(flatten)]
        keys: KeyArgs,
        /// The current time (Unix seconds).
        #[arg(long)]
        now: Option<u64>,
        /// One JSON object per signature (and one for the message) on standard output.
        #[arg(long)]
        json: bool,
        /// The message (default or `-`: standard input).
        file: Option<PathBuf>,
    },
    /// Lint the published key record of DOMAIN and SELECTOR.
    CheckRecord {
        /// The signing domain (d=).
        #[arg(long)]
        domain: String,
        /// The selector (s=).
        #[arg(long)]
        selector: String,
        #[command(flatten)]
        keys: KeyArgs,
        /// JSON on standard output.
        #[arg(long)]
        json: bool,
    },
    /// Check that a private key matches the public key published for DOMAIN and SELECTOR.
    CheckKey {
        /// The private key (PKCS#8 or PKCS#1 PEM).
        #[arg(long)]
        key: PathBuf,
        /// The signing domain (d=).
        #[arg(long)]
        domain: String,
        /// The selector (s=).
        #[arg(long)]
        selector: String,
        #[command(flatten)]
        keys: KeyArgs,
        /// JSON on standard output.
        #[arg(long)]
        json: bool,
    },
    /// Generate a key pair: PREFIX.pem (PKCS#8) and PREFIX.zone (the TXT record).
    Keygen {
        /// rsa-sha256 or ed25519-sha256.
        #[arg(long, default_value = "rsa-sha256")]
        algorithm: String,
        /// RSA modulus size.
        #[arg(long, default_value_t = 2048)]
        bits: usize,
        /// The domain the key is for.
        #[arg(long)]
        domain: String,
        /// The selector.
        #[arg(long)]
        selector: String,
        /// Output path prefix.
        #[arg(long)]
        out: PathBuf,
    },
}

/// A usage, input or I/O error: exit status 2. `quiet` marks standard
/// output closed by its reader (`dkim explain ... | head`): not an error.
struct Fatal {
    msg: String,
    quiet: bool,
}

impl<E: std::fmt::Display + 'static> From<E> for Fatal {
    fn from(e: E) -> Self {
        let any: &dyn std::any::Any = &e;
        let quiet = any.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe);
        Fatal { msg: e.to_string(), quiet }
    }
}

fn fatal(msg: impl Into<String>) -> Fatal {
    Fatal { msg: msg.into(), quiet: false }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Sign {
            key,
            domain,
            selector,
            algorithm,
            canonicalization,
            headers,
            identity,
            body_length,
            expiration,
            file,
        } => sign(SignArgs {
            key,
            domain,
            selector,
            algorithm,
            canonicalization,
            headers,
            identity,
            body_length,
            expiration,
            file,
        }),
        Command::Verify { keys, json, now, ar, file } => verify(keys, json, now, ar, file),
        Command::Explain { keys, now, json, file } => explain(keys, now, json, file),
        Command::CheckRecord { domain, selector, keys, json } => check_record(&domain, &selector, keys, json),
        Command::CheckKey { key, domain, selector, keys, json } => check_key(&key, &domain, &selector, keys, json),
        Command::Keygen { algorithm, bits, domain, selector, out } => {
            keygen(&algorithm, bits, &domain, &selector, &out)
        }
    };
    match result {
        Ok(code) => code,
        Err(Fatal { quiet: true, .. }) => ExitCode::SUCCESS,
        Err(Fatal { msg, .. }) => {
            eprintln!("dkim: error: {msg}");
            ExitCode::from(2)
        }
    }
}

fn read_input(file: Option<&Path>) -> Result<Vec<u8>, Fatal> {
    let mut buf = Vec::new();
    match file {
        None => {
            std::io::stdin().read_to_end(&mut buf).map_err(|e| fatal(format!("cannot read standard input: {e}")))?
        }
        Some(p) if p == Path::new("-") => {
            std::io::stdin().read_to_end(&mut buf).map_err(|e| fatal(format!("cannot read standard input: {e}")))?
        }
        Some(p) => {
            buf = std::fs::read(p).map_err(|e| fatal(format!("cannot read {}: {e}", p.display())))?;
            buf.len()
        }
    };
    Ok(buf)
}

/// CRLF when the input has any CRLF; LF-only input (a Unix mailbox file) is
/// read with LF line ends.
fn line_endings(message: &[u8]) -> LineEndings {
    if message.windows(2).any(|w| w == b"\r\n") || !message.contains(&b'\n') {
        LineEndings::Crlf
    } else {
        LineEndings::NormalizeLf
    }
}

/// Checks that the header block ends (an empty line), so that a truncated
/// or non-mail input is an error rather than a header-only message.
fn require_header_end(message: &[u8], le: LineEndings) -> Result<(), Fatal> {
    let end: &[u8] = if le == LineEndings::Crlf { b"\r\n\r\n" } else { b"\n\n" };
    let starts_empty = message.starts_with(if le == LineEndings::Crlf { b"\r\n" } else { b"\n" });
    if starts_empty || message.windows(end.len()).any(|w| w == end) {
        Ok(())
    } else {
        Err(fatal("the message has no end of header (no empty line after the header fields)"))
    }
}

fn now_unix() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

struct SignArgs {
    key: PathBuf,
    domain: String,
    selector: String,
    algorithm: Option<String>,
    canonicalization: String,
    headers: Option<String>,
    identity: Option<String>,
    body_length: bool,
    expiration: Option<u64>,
    file: Option<PathBuf>,
}

fn sign(a: SignArgs) -> Result<ExitCode, Fatal> {
    let pem = std::fs::read_to_string(&a.key).map_err(|e| fatal(format!("cannot read {}: {e}", a.key.display())))?;
    let key = PrivateKey::from_pem(&pem).map_err(|e| fatal(format!("{}: {e}", a.key.display())))?;
    let key_alg = dkim::SigningKey::algorithm(&key).as_str();
    if let Some(alg) = &a.algorithm {
        if alg != "rsa-sha256" && alg != "ed25519-sha256" {
            return Err(fatal(format!("unknown algorithm {alg:?} (rsa-sha256 or ed25519-sha256)")));
        }
        if alg != key_alg {
            return Err(fatal(format!("--algorithm {alg} does not match the key in {} ({key_alg})", a.key.display())));
        }
    }
    let c = Canonicalization::parse(&a.canonicalization).ok_or_else(|| {
        fatal(format!("bad --canonicalization {:?} (simple, relaxed, relaxed/simple, ...)", a.canonicalization))
    })?;
    let message = read_input(a.file.as_deref())?;
    let le = line_endings(&message);
    require_header_end(&message, le)?;
    let now = now_unix();
    let mut builder = Signer::builder(key, &a.domain, &a.selector).canonicalization(c).timestamp(now).line_endings(le);
    if let Some(h) = &a.headers {
        let names: Vec<&str> = h.split(':').map(str::trim).filter(|n| !n.is_empty()).collect();
        builder = builder.headers(&names);
    }
    if let Some(i) = &a.identity {
        builder = builder.identity(i);
    }
    if a.body_length {
        builder = builder.body_length(true);
    }
    if let Some(secs) = a.expiration {
        builder = builder.expiration(now.saturating_add(secs));
    }
    let signer = builder.build()?;
    let mut session = SignSession::new(vec![signer]);
    match session.headers(&message)? {
        HeaderStatus::Complete(n) => session.body(&message[n..]),
        HeaderStatus::Partial => return Err(fatal("the message has no end of header")),
    }
    let fields = session.finish()?;
    let mut field = fields.into_iter().next().ok_or_else(|| fatal("no signature produced"))?;
    if le == LineEndings::NormalizeLf {
        field = field.replace("\r\n", "\n");
    }
    let mut out = std::io::stdout().lock();
    out.write_all(field.as_bytes()).and_then(|()| out.write_all(&message)).and_then(|()| out.flush())?;
    Ok(ExitCode::SUCCESS)
}

/// Where keys come from.
enum Keys {
    Zone(ZoneFile),
    Dns(DnsClient),
}

impl KeySource for Keys {
    async fn lookup_txt(&self, name: &str) -> dkim::dns::Lookup {
        match self {
            Keys::Zone(z) => z.lookup_txt(name).await,
            Keys::Dns(c) => c.lookup_txt(name).await,
        }
    }
}

/// Where key records come from (the same two options in every command that
/// looks keys up); the system's resolver when neither is given.
#[derive(clap::Args)]
struct KeyArgs {
    /// Answer key lookups from this RFC 1035 zone file.
    #[arg(long, conflicts_with = "dns")]
    zone: Option<PathBuf>,
    /// Ask this DNS server (HOST:PORT; UDP, then TCP when truncated).
    #[arg(long)]
    dns: Option<String>,
}

fn key_source(KeyArgs { zone, dns }: KeyArgs) -> Result<Keys, Fatal> {
    Ok(match (zone, dns) {
        (Some(z), _) => Keys::Zone(ZoneFile::from_path(&z)?),
        (None, Some(server)) => Keys::Dns(DnsClient::new([DnsClient::parse_server(&server)?])),
        (None, None) => Keys::Dns(DnsClient::from_system()?),
    })
}

fn verify(
    keys: KeyArgs,
    json: bool,
    now: Option<u64>,
    ar: Option<String>,
    file: Option<PathBuf>,
) -> Result<ExitCode, Fatal> {
    let keys = key_source(keys)?;
    let message = read_input(file.as_deref())?;
    let le = line_endings(&message);
    require_header_end(&message, le)?;
    let policy = Policy::default().line_endings(le);
    let mut verifier = AsyncVerifier::new(keys, policy)
        .timer(FuturesTimer)
        .lookup_timeout(Duration::from_secs(10))
        .overall_timeout(Duration::from_secs(30));
    if let Some(t) = now {
        verifier = verifier.clock(ManualClock::new(t));
    }
    // The DNS client's sockets are tokio's.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let results = runtime.block_on(verifier.verify_bytes(&message))?;
    let mut out = std::io::stdout().lock();
    if json {
        if results.is_empty() {
            writeln!(
                out,
                "{}",
                json_object(&[
                    ("result", Some("none")),
                    ("domain", None),
                    ("selector", None),
                    ("algorithm", None),
                    ("reason", Some("the message has no DKIM-Signature field"))
                ])
            )?;
        }
        for r in &results {
            writeln!(out, "{}", result_json(r))?;
        }
    } else {
        report(&mut out, &results)?;
    }
    if let Some(authserv_id) = ar {
        let field = authentication_results(&authserv_id, &results);
        if json {
            // Standard output carries nothing but the JSON objects.
            eprintln!("{field}");
        } else {
            writeln!(out, "{field}")?;
        }
    }
    out.flush()?;
    let passed = results.iter().any(|r| r.verdict() == Verdict::Pass);
    Ok(if passed { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_object(fields: &[(&str, Option<&str>)]) -> String {
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}:{}", json_string(k), v.map_or_else(|| "null".to_string(), json_string)))
        .collect();
    format!("{{{}}}", body.join(","))
}

fn result_json(r: &SignatureResult) -> String {
    let reason = r.reason().map(|x| x.to_string());
    let algorithm = r.algorithm().map(|a| a.as_str().to_string());
    json_object(&[
        ("result", Some(r.verdict().as_str())),
        ("domain", r.domain()),
        ("selector", r.selector()),
        ("algorithm", algorithm.as_deref()),
        ("reason", reason.as_deref()),
    ])
}

fn report(out: &mut impl Write, results: &[SignatureResult]) -> std::io::Result<()> {
    if results.is_empty() {
        writeln!(out, "none: the message has no DKIM-Signature field (it is not signed)")?;
        return Ok(());
    }
    for (i, r) in results.iter().enumerate() {
        write!(
            out,
            "signature {}: {} (d={} s={} a={})",
            i + 1,
            r.verdict(),
            r.domain().unwrap_or("?"),
            r.selector().unwrap_or("?"),
            r.algorithm().map_or("?", |a| a.as_str())
        )?;
        match r.reason() {
            Some(reason) => writeln!(out, ": {reason}")?,
            None => writeln!(out)?,
        }
        if r.testing() {
            writeln!(out, "  note: the key is in testing mode (t=y)")?;
        }
    }
    Ok(())
}

fn authentication_results(authserv_id: &str, results: &[SignatureResult]) -> String {
    dkim::AuthResults::from_results(authserv_id, results).to_field()
}

fn keygen(algorithm: &str, bits: usize, domain: &str, selector: &str, out: &Path) -> Result<ExitCode, Fatal> {
    let pem = match algorithm {
        "ed25519-sha256" => ed25519_pkcs8_pem()?,
        "rsa-sha256" => {
            if bits < 1024 {
                return Err(fatal(format!(
                    "{bits}-bit RSA keys are broken and refused by verifiers (RFC 8301); use 2048"
                )));
            }
            if bits < 2048 {
                eprintln!("dkim: warning: {bits}-bit RSA is weak; 2048 bits is the norm");
            }
            if bits > 2048 {
                eprintln!(
                    "dkim: warning: a {bits}-bit key makes a TXT record some DNS providers cannot publish; 2048 bits is the norm"
                );
            }
            if bits > 8192 {
                return Err(fatal(format!("{bits}-bit RSA keys are beyond what verifiers accept (8192)")));
            }
            rsa_pkcs8_pem(bits)?
        }
        other => return Err(fatal(format!("unknown algorithm {other:?} (rsa-sha256 or ed25519-sha256)"))),
    };
    let key = PrivateKey::from_pem(&pem)?;
    let k = if algorithm == "ed25519-sha256" { "ed25519" } else { "rsa" };
    let record = format!("v=DKIM1; k={k}; p={}", key.public_key_base64());
    let strings: Vec<String> =
        record.as_bytes().chunks(255).map(|c| format!("\"{}\"", String::from_utf8_lossy(c))).collect();
    let zone_line =
        format!("{selector}._domainkey.{}. IN TXT ( {} )\n", domain.trim_end_matches('.'), strings.join("\n\t"));
    let pem_path = with_suffix(out, "pem");
    let zone_path = with_suffix(out, "zone");
    write_private(&pem_path, pem.as_bytes())?;
    std::fs::write(&zone_path, zone_line.as_bytes())
        .map_err(|e| fatal(format!("cannot write {}: {e}", zone_path.display())))?;
    println!("private key: {}", pem_path.display());
    println!("DNS record:  {}", zone_path.display());
    print!("{zone_line}");
    Ok(ExitCode::SUCCESS)
}

fn with_suffix(prefix: &Path, ext: &str) -> PathBuf {
    let mut s = prefix.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

fn write_private(path: &Path, data: &[u8]) -> Result<(), Fatal> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(|e| fatal(format!("cannot write {}: {e}", path.display())))?;
    f.write_all(data).map_err(|e| fatal(format!("cannot write {}: {e}", path.display())))?;
    Ok(())
}

fn pem(label: &str, der: &[u8]) -> String {
    use base64ct::{Base64, Encoding};
    let b64 = Base64::encode_string(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// An Ed25519 private key as PKCS#8 (RFC 8410): a fixed prefix and the seed.
fn ed25519_pkcs8_pem() -> Result<String, Fatal> {
    let mut seed = zeroize::Zeroizing::new([0u8; 32]);
    getrandom::fill(seed.as_mut()).map_err(|e| fatal(format!("no randomness: {e}")))?;
    let mut der = zeroize::Zeroizing::new(vec![
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
    ]);
    der.extend_from_slice(seed.as_ref());
    Ok(pem("PRIVATE KEY", &der))
}

fn rsa_pkcs8_pem(bits: usize) -> Result<String, Fatal> {
    use rsa::pkcs8::{EncodePrivateKey, LineEnding};
    let key =
        rsa::PrivateKey::new(&mut getrandom::SysRng, bits).map_err(|e| fatal(format!("RSA key generation: {e}")))?;
    let pem = key.to_pkcs8_pem(LineEnding::LF).map_err(|e| fatal(format!("PKCS#8 encoding: {e}")))?;
    Ok(pem.to_string())
}

/// A key source that remembers what it answered, for the diagnoses.
struct Recording<'a> {
    keys: &'a Keys,
    seen: std::sync::Mutex<Vec<(String, Option<Vec<dkim::TxtRecord>>)>>,
}

impl KeySource for Recording<'_> {
    async fn lookup_txt(&self, name: &str) -> dkim::dns::Lookup {
        let answer = self.keys.lookup_txt(name).await;
        let records = match &answer {
            dkim::dns::Lookup::Found(a) => Some(a.records().to_vec()),
            _ => None,
        };
        if let Ok(mut seen) = self.seen.lock() {
            seen.push((name.to_string(), records));
        }
        answer
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, Fatal> {
    Ok(tokio::runtime::Builder::new_current_thread().enable_all().build()?)
}

fn explain(keys: KeyArgs, now: Option<u64>, json: bool, file: Option<PathBuf>) -> Result<ExitCode, Fatal> {
    let keys = key_source(keys)?;
    let message = read_input(file.as_deref())?;
    let le = line_endings(&message);
    require_header_end(&message, le)?;
    let now = now.unwrap_or_else(now_unix);
    let recording = Recording { keys: &keys, seen: std::sync::Mutex::new(Vec::new()) };
    let runtime = runtime()?;
    let (results, lookups) = runtime.block_on(async {
        let verifier = AsyncVerifier::new(&recording, Policy::default().line_endings(le))
            .timer(FuturesTimer)
            .lookup_timeout(Duration::from_secs(10))
            .clock(ManualClock::new(now));
        let results = verifier.verify_bytes(&message).await?;
        // For keys not found, also look at the names people publish them at by mistake.
        for r in results.iter().filter(|r| matches!(r.reason(), Some(dkim::Reason::NoRecord { .. }))) {
            for name in dkim::diagnose::wrong_name_candidates(r) {
                recording.lookup_txt(&name).await;
            }
        }
        let lookups = recording.seen.lock().map(|s| s.clone()).unwrap_or_default();
        Ok::<_, Fatal>((results, lookups))
    })?;
    let input = dkim::diagnose::DiagnoseInput::new(&results).header(&message).lookups(lookups);
    let diagnoses = dkim::diagnose::diagnose(&input);
    let mut out = std::io::stdout().lock();
    let about = |i: Option<usize>| diagnoses.iter().filter(move |d| d.signature() == i);
    if json {
        for (i, r) in results.iter().enumerate() {
            let codes: Vec<String> = about(Some(i)).map(diagnosis_json).collect();
            let base = result_json(r);
            writeln!(out, "{},\"diagnoses\":[{}]}}", &base[..base.len() - 1], codes.join(","))?;
        }
        let codes: Vec<String> = about(None).map(diagnosis_json).collect();
        writeln!(out, "{{\"message\":true,\"signatures\":{},\"diagnoses\":[{}]}}", results.len(), codes.join(","))?;
    } else {
        if results.is_empty() {
            writeln!(out, "The message has no DKIM-Signature field.")?;
        }
        for (i, r) in results.iter().enumerate() {
            writeln!(out, "Signature {} of {}: {}", i + 1, results.len(), r.verdict())?;
            if let Some(sig) = r.signature() {
                let line = |k: &str, v: String| wrap(&format!("  {k:<10} {v}"), 78, "             ");
                writeln!(out, "{}", line("d=", format!("{} (the domain that takes responsibility)", sig.domain())))?;
                writeln!(
                    out,
                    "{}",
                    line("s=", format!("{} (key at {}._domainkey.{})", sig.selector(), sig.selector(), sig.domain()))
                )?;
                writeln!(out, "{}", line("a=", sig.algorithm().as_str().to_string()))?;
                writeln!(out, "{}", line("h=", sig.signed_headers().as_str().replace(':', ", ")))?;
                if let Some(l) = sig.body_length() {
                    let tail = r
                        .unsigned_body_bytes()
                        .map_or(String::new(), |n| format!("; {n} body bytes after it are not signed"));
                    writeln!(out, "{}", line("l=", format!("{l} bytes of the body are signed{tail}")))?;
                }
                if let Some(t) = sig.timestamp() {
                    writeln!(out, "{}", line("t=", format!("signed {} ago", age(now.saturating_sub(t)))))?;
                }
                if let Some(x) = sig.expiration() {
                    let left = if x > now {
                        format!("expires in {}", age(x - now))
                    } else {
                        format!("expired {} ago", age(now - x))
                    };
                    writeln!(out, "{}", line("x=", left))?;
                }
            }
            if let Some(reason) = r.reason() {
                writeln!(out, "  verdict:   {} ({reason})", r.verdict())?;
            }
            for d in about(Some(i)) {
                writeln!(out, "  {}", wrap(&format!("{} [{}]: {}", d.severity(), d.code(), d.message()), 76, "    "))?;
            }
        }
        for d in about(None) {
            writeln!(out, "{}", wrap(&format!("{} [{}]: {}", d.severity(), d.code(), d.message()), 78, "  "))?;
        }
    }
    out.flush()?;
    let passed = results.iter().any(|r| r.verdict() == Verdict::Pass);
    Ok(if passed { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn diagnosis_json(d: &dkim::diagnose::Diagnosis) -> String {
    json_object(&[
        ("code", Some(d.code().as_str())),
        ("severity", Some(d.severity().as_str())),
        ("message", Some(d.message())),
    ])
}

fn age(secs: u64) -> String {
    match secs {
        s if s < 120 => format!("{s} s"),
        s if s < 7200 => format!("{} min", s / 60),
        s if s < 172_800 => format!("{} h", s / 3600),
        s => format!("{} days", s / 86_400),
    }
}

/// Wraps `text` at `width` columns, continuation lines indented; a word
/// longer than a line (a base64 key) is cut.
fn wrap(text: &str, width: usize, indent: &str) -> String {
    let lead = text.len() - text.trim_start_matches(' ').len();
    let mut out = String::from(&text[..lead]);
    let mut line = lead;
    let mut first = true;
    for word in text[lead..].split(' ') {
        let mut word = word;
        let line_start = first;
        first = false;
        if !line_start && line + 1 + word.len() > width {
            out.push('\n');
            out.push_str(indent);
            line = indent.len();
        } else if !line_start {
            out.push(' ');
            line += 1;
        }
        while line + word.len() > width && width > line + 8 {
            let take = (width - line).min(word.len());
            let cut = (0..=take).rev().find(|&i| word.is_char_boundary(i)).unwrap_or(0);
            out.push_str(&word[..cut]);
            out.push('\n');
            out.push_str(indent);
            line = indent.len();
            word = &word[cut..];
        }
        out.push_str(word);
        line += word.len();
    }
    out
}

/// One finding of `check-record` / `check-key`.
struct Finding {
    code: &'static str,
    severity: &'static str,
    message: String,
}

fn check_record(domain: &str, selector: &str, keys: KeyArgs, json: bool) -> Result<ExitCode, Fatal> {
    let keys = key_source(keys)?;
    let name = format!("{selector}._domainkey.{}", domain.trim_end_matches('.'));
    let runtime = runtime()?;
    let answer = runtime.block_on(keys.lookup_txt(&name));
    let mut findings = Vec::new();
    let mut facts: Vec<(&str, String)> = vec![("name", name.clone())];
    match answer {
        dkim::dns::Lookup::Found(a) => {
            let dkim_records: Vec<&dkim::TxtRecord> = a
                .records()
                .iter()
                .filter(|r| { let j = r.joined(); j.starts_with(b"v=DKIM1") || j.windows(2).any(|w| w == b"p=") })
                .collect();
            if a.records().len() > 1 {
                findings.push(Finding { code: "record-several", severity: if dkim_records.len() > 1 { "error" } else { "note" }, message: format!("{} TXT records at {name}; {} of them look like DKIM key records. Only one DKIM record may be published at a selector.", a.records().len(), dkim_records.len()) });
            }
            match dkim_records.first() {
                None => findings.push(Finding { code: "record-not-dkim", severity: "error", message: format!("The TXT record at {name} is not a DKIM key record (no v=DKIM1 and no p=).") }),
                Some(r) => lint_record(r, &mut findings, &mut facts),
            }
        }
        dkim::dns::Lookup::NoRecord(_) => findings.push(Finding { code: "key-not-found", severity: "error", message: format!("No TXT record at {name}. Publish the key there (selector {selector}, domain {domain}); a record at {domain} or _domainkey.{domain} is at the wrong name.") }),
        other => findings.push(Finding { code: "key-lookup-failed", severity: "error", message: format!("The lookup of {name} failed for now: {}. Try again.", lookup_failure(&other)) }),
    }
    report_findings(&facts, &findings, json)
}

/// Why a lookup that found no records and no "no record" failed.
fn lookup_failure(answer: &dkim::dns::Lookup) -> String {
    match answer {
        dkim::dns::Lookup::TempFail(t) => t.cause().to_string(),
        _ => "an answer of a kind this tool does not know".into(),
    }
}

fn lint_record(r: &dkim::TxtRecord, findings: &mut Vec<Finding>, facts: &mut Vec<(&'static str, String)>) {
    let joined = r.joined();
    let text = String::from_utf8_lossy(&joined).to_string();
    facts.push(("record", text.clone()));
    facts.push(("strings", r.strings().len().to_string()));
    if let Some(p) = text.split(';').map(str::trim).find_map(|t| t.strip_prefix("p=")) {
        if p.contains('"') {
            findings.push(Finding { code: "record-quotes-in-p", severity: "error", message: "The p= value contains quote characters: the record's strings were pasted with their quotes. Publish the key as separate strings, or as one value without quotes inside.".into() });
        } else if p.trim().contains([' ', '\t']) {
            findings.push(Finding { code: "record-joined-with-spaces", severity: "error", message: "The p= value contains spaces: the record was split into strings that were joined with spaces. DNS strings are joined with nothing; remove the spaces.".into() });
        }
    }
    if !text.trim_start().starts_with("v=DKIM1") {
        findings.push(Finding {
            code: "record-no-version",
            severity: "note",
            message: "The record has no v=DKIM1 at its start; it is accepted, but adding it is recommended.".into(),
        });
    }
    match dkim::KeyRecord::parse(&joined, &dkim::Limits::default()) {
        Err(e) => findings.push(Finding {
            code: "record-invalid",
            severity: "error",
            message: format!("The record does not parse: {e}."),
        }),
        Ok(k) => {
            facts.push(("key_type", format!("{:?}", k.key_type()).to_ascii_lowercase()));
            if k.is_revoked() {
                findings.push(Finding {
                    code: "key-revoked",
                    severity: "error",
                    message: "The record has an empty p=: the key is revoked, every signature with it fails.".into(),
                });
            }
            if let Some(key) = k.public_key() {
                let bits = key.bits();
                facts.push(("bits", bits.to_string()));
                if key.key_type() == dkim::KeyType::Rsa {
                    if bits < 1024 {
                        findings.push(Finding {
                            code: "key-too-short",
                            severity: "error",
                            message: format!(
                                "A {bits}-bit RSA key is refused by verifiers (RFC 8301). Publish a 2048-bit key."
                            ),
                        });
                    } else if bits < 2048 {
                        findings.push(Finding {
                            code: "key-weak",
                            severity: "warning",
                            message: format!("A {bits}-bit RSA key is weak; 2048 bits is the norm."),
                        });
                    } else if bits > 2048 {
                        findings.push(Finding {
                            code: "key-large-record",
                            severity: "note",
                            message: format!(
                                "A {bits}-bit key makes a {}-byte record, more than some DNS providers accept.",
                                joined.len()
                            ),
                        });
                    }
                }
            }
            if k.is_testing() {
                findings.push(Finding { code: "testing-mode", severity: "warning", message: "The key is in testing mode (t=y): receivers may ignore failures. Remove t=y once signing works.".into() });
            }
            if k.hash_algorithms().is_some_and(|h| !h.iter().any(|a| a == "sha256")) {
                findings.push(Finding {
                    code: "record-hash-no-sha256",
                    severity: "error",
                    message:
                        "The record's h= does not list sha256: rsa-sha256 and ed25519-sha256 signatures are refused."
                            .into(),
                });
            }
            if !k.allows_email() {
                findings.push(Finding {
                    code: "record-service-not-email",
                    severity: "error",
                    message: "The record's s= does not include email or *: it cannot be used for mail.".into(),
                });
            }
        }
    }
}

fn report_findings(facts: &[(&str, String)], findings: &[Finding], json: bool) -> Result<ExitCode, Fatal> {
    let problems = findings.iter().any(|f| f.severity != "note");
    let mut out = std::io::stdout().lock();
    if json {
        let mut fields: Vec<String> =
            facts.iter().map(|(k, v)| format!("{}:{}", json_string(k), json_string(v))).collect();
        let list: Vec<String> = findings
            .iter()
            .map(|f| {
                json_object(&[("code", Some(f.code)), ("severity", Some(f.severity)), ("message", Some(&f.message))])
            })
            .collect();
        fields.push(format!("\"ok\":{}", !problems));
        fields.push(format!("\"findings\":[{}]", list.join(",")));
        writeln!(out, "{{{}}}", fields.join(","))?;
    } else {
        for (k, v) in facts {
            writeln!(out, "{}", wrap(&format!("{k:<9} {v}"), 78, "          "))?;
        }
        if findings.is_empty() {
            writeln!(out, "ok: no problems found")?;
        }
        for f in findings {
            writeln!(out, "{}", wrap(&format!("{} [{}]: {}", f.severity, f.code, f.message), 78, "  "))?;
        }
    }
    out.flush()?;
    Ok(if problems { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn check_key(key: &Path, domain: &str, selector: &str, keys: KeyArgs, json: bool) -> Result<ExitCode, Fatal> {
    let pem = std::fs::read_to_string(key).map_err(|e| fatal(format!("cannot read {}: {e}", key.display())))?;
    let private = PrivateKey::from_pem(&pem).map_err(|e| fatal(format!("{}: {e}", key.display())))?;
    let ours = private.public_key_base64();
    let k = if dkim::SigningKey::algorithm(&private) == dkim::Algorithm::Ed25519Sha256 { "ed25519" } else { "rsa" };
    let our_key = dkim::KeyRecord::parse(format!("v=DKIM1; k={k}; p={ours}").as_bytes(), &dkim::Limits::default())
        .map_err(|e| fatal(format!("the key's own public half does not parse: {e}")))?
        .public_key()
        .cloned()
        .ok_or_else(|| fatal("the key has no public half"))?;
    let keys = key_source(keys)?;
    let name = format!("{selector}._domainkey.{}", domain.trim_end_matches('.'));
    let answer = runtime()?.block_on(keys.lookup_txt(&name));
    let mut facts: Vec<(&str, String)> =
        vec![("name", name.clone()), ("private", dkim::SigningKey::algorithm(&private).as_str().to_string())];
    let mut findings = Vec::new();
    let published: Vec<dkim::PublicKey> = match answer {
        dkim::dns::Lookup::Found(a) => a
            .records()
            .iter()
            .filter_map(|r| dkim::KeyRecord::parse(&r.joined(), &dkim::Limits::default()).ok())
            .filter_map(|k| k.public_key().cloned())
            .collect(),
        dkim::dns::Lookup::NoRecord(_) => {
            findings.push(Finding {
                code: "key-not-found",
                severity: "error",
                message: format!("No key record at {name}: publish the public key there first."),
            });
            Vec::new()
        }
        other => {
            findings.push(Finding {
                code: "key-lookup-failed",
                severity: "error",
                message: format!("The lookup of {name} failed for now: {}.", lookup_failure(&other)),
            });
            Vec::new()
        }
    };
    facts.push(("public", ours.clone()));
    if findings.is_empty() {
        if published.contains(&our_key) {
            facts.push(("match", "yes".into()));
        } else if published.is_empty() {
            findings.push(Finding {
                code: "record-invalid",
                severity: "error",
                message: format!("The record at {name} holds no usable public key."),
            });
        } else {
            findings.push(Finding { code: "key-mismatch", severity: "error", message: format!("The private key does not match the key published at {name}: signatures made with it will fail. Publish this key's public half, or sign with the key that belongs to the record.") });
        }
    }
    report_findings(&facts, &findings, json)
}
