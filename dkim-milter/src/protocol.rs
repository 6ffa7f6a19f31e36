//! The connection loop of the milter protocol: frames read from the MTA,
//! decoded by `miltr-common`, handed to a [`miltr_server::Milter`], and
//! the replies written back.
//!
//! Not `miltr_server::Server`: it answers every command, so it cannot take
//! the protocol's no-reply options (`SMFIP_NR_HDR`, `SMFIP_NR_BODY`, ...,
//! protocol version 6, offered by Postfix and Sendmail). Without them the
//! MTA waits for a reply after every header field and every body chunk:
//! about twenty round trips a message, which is what a milter spends most of
//! its time on when messages come one after the other. With them a message
//! costs two (option negotiation and the end of the body) and the MTA
//! streams everything between. The frames, the commands and the replies are
//! still `miltr-common`'s; this module is the loop around them.

use bytes::{Buf as _, BytesMut};
use miltr_common::ProtocolError;
use miltr_common::actions::Action;
use miltr_common::decoding::ClientCommand;
use miltr_common::encoding::{ServerMessage, Writable as _};
use miltr_common::optneg::{Capability, Protocol};
use miltr_server::{Error, Milter};
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};

/// The least room made for a read: small packets (macros, header fields)
/// come several to a read. A packet larger than that gets room for the
/// rest of it, no more: a connection holds about one packet (a body chunk
/// is at most 64 KiB from Postfix), whatever the MTA has sent ahead.
const READ_AHEAD: usize = 16 * 1024;

/// Frames off the wire: a 4-byte big-endian length, then that many bytes
/// (the command code and its data).
struct Frames {
    buf: BytesMut,
    max_packet: usize,
}

impl Frames {
    /// The next frame read from `read`, `None` when the MTA closed the
    /// connection between frames.
    async fn next<R: AsyncRead + Unpin>(
        &mut self,
        read: &mut R,
        after_read: impl Fn(&R),
    ) -> Result<Option<BytesMut>, ProtocolOrIo> {
        loop {
            if self.buf.len() >= 4 {
                let len = u32::from_be_bytes([self.buf[0], self.buf[1], self.buf[2], self.buf[3]]) as usize;
                if len > self.max_packet {
                    return Err(ProtocolOrIo::Protocol(ProtocolError::TooMuchData(len)));
                }
                if self.buf.len() >= 4 + len {
                    let mut frame = self.buf.split_to(4 + len);
                    frame.advance(4);
                    return Ok(Some(frame));
                }
                self.buf.reserve((4 + len - self.buf.len()).max(READ_AHEAD));
            } else {
                self.buf.reserve(READ_AHEAD);
            }
            let n = read.read_buf(&mut self.buf).await?;
            after_read(read);
            if n == 0 {
                if self.buf.is_empty() {
                    return Ok(None);
                }
                return Err(ProtocolOrIo::Io(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    format!("the connection closed inside a packet ({} bytes of it came)", self.buf.len()),
                )));
            }
        }
    }
}

/// What reading a frame can fail with.
enum ProtocolOrIo {
    Protocol(ProtocolError),
    Io(std::io::Error),
}

impl From<std::io::Error> for ProtocolOrIo {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}

impl<E> From<ProtocolOrIo> for Error<E> {
    fn from(e: ProtocolOrIo) -> Self {
        match e {
            ProtocolOrIo::Protocol(p) => Error::Codec(p),
            ProtocolOrIo::Io(io) => Error::Io(io),
        }
    }
}

/// Whether the negotiated `protocol` says the MTA expects no reply to
/// `command`.
fn no_reply(protocol: Protocol, command: &ClientCommand) -> bool {
    let flag = match command {
        ClientCommand::Connect(_) => Protocol::NR_CONNECT,
        ClientCommand::Helo(_) => Protocol::NR_HELO,
        ClientCommand::Mail(_) => Protocol::NR_MAIL,
        ClientCommand::Recipient(_) => Protocol::NR_RECIPIENT,
        ClientCommand::Data(_) => Protocol::NR_DATA,
        ClientCommand::Unknown(_) => Protocol::NR_UNKNOWN,
        ClientCommand::Header(_) => Protocol::NR_HEADER,
        ClientCommand::EndOfHeader(_) => Protocol::NR_END_OF_HEADER,
        ClientCommand::Body(_) => Protocol::NR_BODY,
        _ => return false,
    };
    protocol.contains(flag)
}

/// Serves one milter connection on `socket` with `milter` until the MTA
/// quits or closes it. Packets over `max_packet` bytes end the connection.
/// `after_read` runs after every read from the socket (the TCP listener
/// acknowledges there at once, see `server.rs`).
///
/// A command the negotiated options say gets no reply gets none; if the
/// milter answered it with anything but continue, that answer is dropped
/// and logged (a milter that asks for no replies must decide at the end of
/// the body).
///
/// # Errors
///
/// I/O errors, packets that do not decode, and errors of the milter's
/// callbacks; the caller closes the connection (the MTA then applies its
/// default action, which for Postfix should be `tempfail`).
pub(crate) async fn serve<S, M>(
    mut socket: S,
    milter: &mut M,
    max_packet: usize,
    after_read: impl Fn(&S),
) -> Result<(), Error<M::Error>>
where
    S: AsyncRead + AsyncWrite + Unpin,
    M: Milter,
{
    let mut frames = Frames { buf: BytesMut::new(), max_packet };
    let mut out = BytesMut::new();
    let mut protocol = Protocol::empty();
    let mut capabilities = Capability::all();
    while let Some(frame) = frames.next(&mut socket, &after_read).await? {
        let command = ClientCommand::parse(frame)?;
        let skip_reply = no_reply(protocol, &command);
        let action: Action = match command {
            ClientCommand::OptNeg(theirs) => {
                let ours = milter.option_negotiation(theirs).await?;
                protocol = ours.protocol;
                capabilities = ours.capabilities;
                send(&mut socket, &mut out, [ServerMessage::from(ours)]).await?;
                continue;
            }
            ClientCommand::Macro(m) => {
                milter.macro_(m).await.map_err(app)?;
                continue;
            }
            ClientCommand::Abort(_) => {
                milter.abort().await.map_err(app)?;
                continue;
            }
            ClientCommand::Quit(_) => {
                milter.quit().await.map_err(app)?;
                return Ok(());
            }
            ClientCommand::QuitNc(_) => {
                milter.quit_nc().await.map_err(app)?;
                continue;
            }
            ClientCommand::EndOfBody(_) => {
                let mut response = milter.end_of_body().await.map_err(app)?;
                response.filter_mods_by_caps(capabilities);
                let messages: Vec<ServerMessage> = response.into();
                send(&mut socket, &mut out, messages).await?;
                continue;
            }
            ClientCommand::Connect(c) => milter.connect(c).await.map_err(app)?,
            ClientCommand::Helo(h) => milter.helo(h).await.map_err(app)?,
            ClientCommand::Mail(m) => milter.mail(m).await.map_err(app)?,
            ClientCommand::Recipient(r) => milter.rcpt(r).await.map_err(app)?,
            ClientCommand::Data(_) => milter.data().await.map_err(app)?,
            ClientCommand::Unknown(u) => milter.unknown(u).await.map_err(app)?,
            ClientCommand::Header(h) => milter.header(h).await.map_err(app)?,
            ClientCommand::EndOfHeader(_) => milter.end_of_header().await.map_err(app)?,
            ClientCommand::Body(b) => milter.body(b).await.map_err(app)?,
        };
        if skip_reply {
            if !matches!(action, Action::Continue(_)) {
                tracing::warn!(?action, "an answer to a command the MTA takes no reply to was dropped");
            }
        } else {
            send(&mut socket, &mut out, [ServerMessage::from(action)]).await?;
        }
    }
    Ok(())
}

fn app<E>(source: E) -> Error<E> {
    Error::Impl { source }
}

/// Writes `messages` as frames in one write.
async fn send<W: AsyncWrite + Unpin, E>(
    write: &mut W,
    out: &mut BytesMut,
    messages: impl IntoIterator<Item = ServerMessage>,
) -> Result<(), Error<E>> {
    out.clear();
    for m in messages {
        let len = u32::try_from(m.len() + 1).map_err(|_| ProtocolError::TooMuchData(m.len()))?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&[m.code()]);
        m.write(out);
    }
    write.write_all(out).await?;
    write.flush().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use async_trait::async_trait;
    use miltr_common::actions::{Continue, Reject};
    use miltr_common::commands::{Body, Header};
    use miltr_common::modifications::ModificationResponse;
    use miltr_common::modifications::headers::InsertHeader;
    use miltr_common::optneg::OptNeg;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _, DuplexStream};

    use super::*;

    /// Records what it was given; asks for `protocol`; rejects headers
    /// named "Reject".
    struct Recorder {
        protocol: Protocol,
        seen: Vec<String>,
    }

    #[async_trait]
    impl Milter for Recorder {
        type Error = String;

        async fn option_negotiation(&mut self, theirs: OptNeg) -> Result<OptNeg, Error<String>> {
            Ok(OptNeg {
                capabilities: (Capability::SMFIF_ADDHDRS | Capability::SMFIF_CHGHDRS) & theirs.capabilities,
                protocol: self.protocol & theirs.protocol,
                ..OptNeg::default()
            })
        }

        async fn header(&mut self, header: Header) -> Result<Action, String> {
            self.seen.push(format!("header {}", header.name()));
            Ok(if header.name() == "Reject" { Reject.into() } else { Continue.into() })
        }

        async fn body(&mut self, body: Body) -> Result<Action, String> {
            self.seen.push(format!("body {}", body.as_bytes().len()));
            Ok(Continue.into())
        }

        async fn end_of_body(&mut self) -> Result<ModificationResponse, String> {
            self.seen.push("eob".into());
            let mut r = ModificationResponse::builder();
            r.push(InsertHeader::new(0, b"X-Seen", b"yes"));
            Ok(r.contin())
        }

        async fn abort(&mut self) -> Result<(), String> {
            self.seen.push("abort".into());
            Ok(())
        }
    }

    fn frame(code: u8, data: &[u8]) -> Vec<u8> {
        let mut f = u32::try_from(data.len() + 1).unwrap().to_be_bytes().to_vec();
        f.push(code);
        f.extend_from_slice(data);
        f
    }

    fn optneg(protocol: Protocol) -> Vec<u8> {
        let mut d = 6u32.to_be_bytes().to_vec();
        d.extend_from_slice(&Capability::all().bits().to_be_bytes());
        d.extend_from_slice(&protocol.bits().to_be_bytes());
        frame(b'O', &d)
    }

    /// The reply codes read from `mta` until EOF.
    async fn codes(mut mta: DuplexStream) -> Vec<u8> {
        let mut all = Vec::new();
        mta.read_to_end(&mut all).await.unwrap();
        let mut codes = Vec::new();
        let mut at = 0;
        while at + 4 < all.len() {
            let len = u32::from_be_bytes(all[at..at + 4].try_into().unwrap()) as usize;
            codes.push(all[at + 4]);
            at += 4 + len;
        }
        assert_eq!(at, all.len(), "whole frames");
        codes
    }

    /// Runs `input` through a recorder asking for `protocol` (the MTA offers
    /// everything); the recorder, the result and the reply codes.
    async fn run(protocol: Protocol, input: &[u8], max_packet: usize) -> (Recorder, Result<(), String>, Vec<u8>) {
        let (mut mta, milter_side) = tokio::io::duplex(1 << 20);
        mta.write_all(input).await.unwrap();
        mta.shutdown().await.unwrap();
        let mut r = Recorder { protocol, seen: Vec::new() };
        let result = serve(milter_side, &mut r, max_packet, |_| ()).await.map_err(|e| e.to_string());
        (r, result, codes(mta).await)
    }

    fn message(extra_header: &str) -> Vec<u8> {
        let mut m = optneg(Protocol::all());
        m.extend(frame(b'L', b"From\0a@example.com\0"));
        if !extra_header.is_empty() {
            m.extend(frame(b'L', format!("{extra_header}\0x\0").as_bytes()));
        }
        m.extend(frame(b'N', b""));
        m.extend(frame(b'B', &[b'x'; 1000]));
        m.extend(frame(b'B', &[b'y'; 10]));
        m.extend(frame(b'E', b""));
        m.extend(frame(b'Q', b""));
        m
    }

    #[tokio::test]
    async fn every_command_is_answered_without_no_reply_options() {
        let (r, result, codes) = run(Protocol::empty(), &message(""), 1 << 16).await;
        assert_eq!(result, Ok(()));
        assert_eq!(r.seen, ["header From", "body 1000", "body 10", "eob"]);
        // optneg, header, eoh, two body chunks, then the insert and continue.
        assert_eq!(codes, b"Occccic");
    }

    #[tokio::test]
    async fn no_reply_options_leave_only_negotiation_and_the_end_of_the_body() {
        let nr = Protocol::NR_HEADER | Protocol::NR_END_OF_HEADER | Protocol::NR_BODY;
        let (r, result, codes) = run(nr, &message(""), 1 << 16).await;
        assert_eq!(result, Ok(()));
        assert_eq!(r.seen, ["header From", "body 1000", "body 10", "eob"]);
        assert_eq!(codes, b"Oic");
    }

    #[tokio::test]
    async fn an_answer_to_a_no_reply_command_is_not_sent() {
        let (r, result, codes) = run(Protocol::NR_HEADER, &message("Reject"), 1 << 16).await;
        assert_eq!(result, Ok(()));
        assert_eq!(r.seen, ["header From", "header Reject", "body 1000", "body 10", "eob"]);
        assert_eq!(codes, b"Occcic", "no reply to either header; the EOH and body replies follow");
        // Without the option the reject is the header's answer.
        let (_, _, codes) = run(Protocol::empty(), &message("Reject"), 1 << 16).await;
        assert_eq!(&codes[..3], b"Ocr");
    }

    #[tokio::test]
    async fn oversized_empty_truncated_and_unknown_packets_end_the_connection() {
        let mut big = optneg(Protocol::all());
        big.extend(frame(b'B', &[b'z'; 2000]));
        let (r, result, _) = run(Protocol::empty(), &big, 1000).await;
        assert!(result.unwrap_err().contains("2001"), "the length is named");
        assert!(r.seen.is_empty());

        let empty = [0u8, 0, 0, 0];
        assert!(run(Protocol::empty(), &empty, 1000).await.1.is_err());

        let mut cut = optneg(Protocol::all());
        cut.extend(&frame(b'L', b"From\0a@example.com\0")[..9]);
        let (r, result, codes) = run(Protocol::empty(), &cut, 1000).await;
        assert!(result.unwrap_err().contains("inside a packet"));
        assert!(r.seen.is_empty());
        assert_eq!(codes, b"O");

        let unknown = frame(b'#', b"");
        assert!(run(Protocol::empty(), &unknown, 1000).await.1.is_err());
    }

    #[tokio::test]
    async fn a_close_between_packets_is_a_clean_end_and_abort_reaches_the_milter() {
        let mut m = optneg(Protocol::all());
        m.extend(frame(b'L', b"From\0a@example.com\0"));
        m.extend(frame(b'A', b""));
        let (r, result, codes) = run(Protocol::NR_HEADER, &m, 1000).await;
        assert_eq!(result, Ok(()));
        assert_eq!(r.seen, ["header From", "abort"]);
        assert_eq!(codes, b"O");
    }

    #[tokio::test]
    async fn packets_split_across_reads_are_put_together() {
        let (mut mta, milter_side) = tokio::io::duplex(64);
        let input = message("");
        let writer = tokio::spawn(async move {
            for piece in input.chunks(3) {
                mta.write_all(piece).await.unwrap();
                tokio::task::yield_now().await;
            }
            mta.shutdown().await.unwrap();
            codes(mta).await
        });
        let mut r = Recorder { protocol: Protocol::NR_HEADER | Protocol::NR_BODY, seen: Vec::new() };
        serve(milter_side, &mut r, 1 << 16, |_| ()).await.unwrap();
        assert_eq!(r.seen, ["header From", "body 1000", "body 10", "eob"]);
        assert_eq!(writer.await.unwrap(), b"Ocic");
    }
}
