//! The one-call verification over the system resolver.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use dkim_async::{AsyncVerifier, FuturesTimer, KeyCache, StreamError, SystemClock};
use dkim_core::{Policy, SignatureResult};
use dkim_dns::DnsClient;

type SystemVerifier = AsyncVerifier<Arc<KeyCache<DnsClient, SystemClock>>, FuturesTimer>;

/// How long one key lookup may take; a later answer is `temperror`.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);
/// How long all key lookups of one message may take.
const OVERALL_TIMEOUT: Duration = Duration::from_secs(10);

/// Verifies a whole message with the default [`Policy`] at the time of the
/// system clock, looking keys up through the system's resolvers
/// (`/etc/resolv.conf`; `127.0.0.1` when it names none, as the C library
/// does) with one key cache shared by every call in the process. Each
/// lookup may take 5 s, all of a message's lookups 10 s; a slower one is
/// `temperror`. Results are in field order, topmost first; empty means
/// unsigned (`dkim=none`).
///
/// Call it inside a tokio runtime (the DNS client's sockets are tokio's).
/// For another policy, key source or deadline, build an [`AsyncVerifier`];
/// the sans-IO one-call form is [`verify::verify`](crate::verify::verify).
///
/// ```no_run
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let message = std::fs::read("message.eml")?;
/// for result in dkim::verify(&message).await? {
///     println!("dkim={} d={:?} {}", result.verdict(), result.domain(), result.reason().map(ToString::to_string).unwrap_or_default());
/// }
/// # Ok(())
/// # }
/// ```
///
/// # Errors
///
/// [`StreamError::Verify`] when the input is not a message (report
/// `permerror`).
pub async fn verify(message: &[u8]) -> Result<Vec<SignatureResult>, StreamError> {
    system_verifier().verify_bytes(message).await
}

fn system_verifier() -> &'static SystemVerifier {
    static VERIFIER: OnceLock<SystemVerifier> = OnceLock::new();
    VERIFIER.get_or_init(|| {
        let client =
            DnsClient::from_system().unwrap_or_else(|_| DnsClient::new([SocketAddr::from((Ipv4Addr::LOCALHOST, 53))]));
        let cache = Arc::new(KeyCache::new(client, SystemClock));
        AsyncVerifier::new(cache, Policy::default())
            .timer(FuturesTimer)
            .lookup_timeout(LOOKUP_TIMEOUT)
            .overall_timeout(OVERALL_TIMEOUT)
    })
}

#[cfg(test)]
mod tests {
    use dkim_core::{HeaderError, VerifyError};

    use super::*;

    // No signature, so no key lookup: these never reach the resolver.
    #[tokio::test(flavor = "current_thread")]
    async fn an_unsigned_message_is_none_and_empty_input_an_error() {
        let results = verify(b"From: joe@example.com\r\nSubject: hi\r\n\r\nHello\r\n").await.unwrap();
        assert!(results.is_empty(), "dkim=none");
        let err = verify(b"").await.unwrap_err();
        assert!(matches!(err, StreamError::Verify(VerifyError::Header(HeaderError::Empty))), "{err}");
        // The verifier (and its key cache) is built once for the process.
        assert!(std::ptr::eq(system_verifier(), system_verifier()));
    }
}
