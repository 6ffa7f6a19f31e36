//! The listening socket, the connection cap, reloads on SIGHUP and a clean
//! stop on SIGTERM.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, UnixListener};
use tokio::sync::{Notify, Semaphore};
use tokio_io_timeout::TimeoutStream;

use crate::config::{Config, ConfigError, Listen};
use crate::session::Session;
use crate::state::State;

/// How long a connection may stay silent before it is closed (Postfix's
/// longest milter timeout, `milter_content_timeout`, is 300 s).
const IDLE_TIMEOUT: Duration = Duration::from_secs(330);
/// How long SIGTERM waits for the messages in flight.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(60);
/// The largest milter packet accepted (Postfix sends body chunks of at
/// most 64 KiB).
const MAX_PACKET: usize = 1 << 20;

/// What every connection shares: the current state, replaced on reload.
pub struct Shared {
    state: RwLock<Arc<State>>,
    config_path: Option<PathBuf>,
    in_flight: AtomicUsize,
    idle: Notify,
}

impl Shared {
    /// Shares `state`; `config_path` is read again on SIGHUP.
    #[must_use]
    pub fn new(state: State, config_path: Option<PathBuf>) -> Arc<Self> {
        Arc::new(Self {
            state: RwLock::new(Arc::new(state)),
            config_path,
            in_flight: AtomicUsize::new(0),
            idle: Notify::new(),
        })
    }

    /// The state new messages use.
    #[must_use]
    pub fn current(&self) -> Arc<State> {
        Arc::clone(&self.state.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Reads the configuration file and its keys again; on any error the
    /// old state stays and the error is returned.
    ///
    /// # Errors
    ///
    /// What is wrong with the new file or a key.
    pub fn reload(&self) -> Result<(), ConfigError> {
        let path = self.config_path.as_deref().ok_or_else(|| ConfigError::new("no configuration file to reload"))?;
        let old = self.current();
        let config = Config::load(path)?;
        if config.listen != old.config.listen {
            tracing::warn!(old = %old.config.listen, new = %config.listen, "listen changed: takes effect after a restart");
        }
        let state = State::load(config)?;
        for w in &state.warnings {
            tracing::warn!("{w}");
        }
        *self.state.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(state);
        Ok(())
    }

    pub(crate) fn message_started(&self) {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
    }

    pub(crate) fn message_ended(&self) {
        if self.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.idle.notify_waiters();
        }
    }

    /// Messages between their first header and their end.
    #[must_use]
    pub fn messages_in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }
}

/// Serves `shared` on its configured socket until SIGTERM (or SIGINT),
/// then waits for the messages in flight (at most a minute).
///
/// # Errors
///
/// The socket cannot be opened.
pub async fn run(shared: Arc<Shared>) -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let config = shared.current().config.clone();
    let permits = Arc::new(Semaphore::new(config.max_connections));
    let listener = Listener::bind(&config.listen).await?;
    tracing::info!(listen = %config.listen, mode = ?config.mode, max_connections = config.max_connections, "dkim-milter started");
    let mut hup = signal(SignalKind::hangup())?;
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    loop {
        let permit = tokio::select! {
            p = Arc::clone(&permits).acquire_owned() => p.map_err(std::io::Error::other)?,
            _ = term.recv() => break,
            _ = int.recv() => break,
            _ = hup.recv() => { reload(&shared); continue; }
        };
        let stream = tokio::select! {
            s = listener.accept() => s,
            _ = term.recv() => break,
            _ = int.recv() => break,
            _ = hup.recv() => { reload(&shared); continue; }
        };
        let stream = match stream {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            serve(shared, stream).await;
            drop(permit);
        });
    }
    drop(listener);
    let waited = tokio::time::timeout(DRAIN_TIMEOUT, async {
        while shared.messages_in_flight() > 0 {
            let notified = shared.idle.notified();
            if shared.messages_in_flight() == 0 {
                break;
            }
            notified.await;
        }
    })
    .await;
    match waited {
        Ok(()) => tracing::info!("stopped; no message in flight"),
        Err(_) => tracing::warn!(in_flight = shared.messages_in_flight(), "stopped with messages still in flight"),
    }
    if let Listen::Unix(path) = &config.listen {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

fn reload(shared: &Shared) {
    match shared.reload() {
        Ok(()) => tracing::info!("configuration reloaded"),
        Err(e) => tracing::error!(error = %e, "reload failed; the old configuration stays"),
    }
}

/// One connection, to its end.
async fn serve(shared: Arc<Shared>, stream: Box<dyn Stream>) {
    let mut stream = TimeoutStream::new(stream);
    stream.set_read_timeout(Some(IDLE_TIMEOUT));
    stream.set_write_timeout(Some(IDLE_TIMEOUT));
    let mut session = Session::new(Arc::clone(&shared));
    let result =
        crate::protocol::serve(Box::pin(stream), &mut session, MAX_PACKET, |s| s.get_ref().acknowledge()).await;
    session.connection_closed();
    if let Err(e) = result {
        tracing::warn!(error = %e, "milter connection closed on an error");
    }
}

/// A connected socket of either kind.
pub(crate) trait Stream: AsyncRead + AsyncWrite + Send + Unpin {
    /// Called after each read: makes the next acknowledgement go out at
    /// once.
    fn acknowledge(&self) {}
}

/// TCP: the milter asks for no replies to most commands, so its
/// acknowledgements no longer ride on replies, and the MTA's next packet
/// must not wait for a delayed one. Postfix writes each command on its own
/// without TCP_NODELAY: Nagle's algorithm holds a packet back until the
/// previous one is acknowledged, and a delayed acknowledgement (up to 40 ms
/// on Linux) then stalls the message. Linux drops out of quick-ack mode by
/// itself, so it is asked for again after every read.
impl Stream for tokio::net::TcpStream {
    fn acknowledge(&self) {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        let _ = socket2::SockRef::from(self).set_tcp_quickack(true);
    }
}

/// Unix sockets: no acknowledgements.
impl Stream for tokio::net::UnixStream {}

enum Listener {
    Tcp(TcpListener),
    Unix(UnixListener),
}

impl Listener {
    async fn bind(listen: &Listen) -> std::io::Result<Self> {
        match listen {
            Listen::Inet(addr) => Ok(Listener::Tcp(TcpListener::bind(addr).await?)),
            Listen::Unix(path) => {
                // A socket left by an earlier run.
                if std::fs::symlink_metadata(path).is_ok_and(|m| {
                    use std::os::unix::fs::FileTypeExt as _;
                    m.file_type().is_socket()
                }) {
                    std::fs::remove_file(path)?;
                }
                Ok(Listener::Unix(UnixListener::bind(path)?))
            }
        }
    }

    async fn accept(&self) -> std::io::Result<Box<dyn Stream>> {
        Ok(match self {
            Listener::Tcp(l) => {
                let (s, _) = l.accept().await?;
                s.set_nodelay(true)?;
                Box::new(s)
            }
            Listener::Unix(l) => Box::new(l.accept().await?.0),
        })
    }
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared").field("in_flight", &self.messages_in_flight()).finish_non_exhaustive()
    }
}
