//! Transports: UDP (one message per datagram, RFC 5426), TCP (RFC 6587 octet-counting or LF
//! framing) and TLS (RFC 5425, rustls). Blocking sockets with timeouts, one per destination
//! worker thread.

use std::io::{self, Read as _, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs, UdpSocket};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, StreamOwned};

use crate::config::destination::{Destination, Framing, Mode};

use super::format::push_u64;
use super::tls::{self, TlsSetupError};

/// How to reach a destination (built from its configuration once).
#[derive(Debug, Clone)]
pub enum Transport {
    /// UDP datagrams.
    Udp {
        /// Host.
        host: String,
        /// Port.
        port: u16,
    },
    /// Plain TCP.
    Tcp {
        /// Host.
        host: String,
        /// Port.
        port: u16,
        /// Framing.
        framing: Framing,
    },
    /// TLS over TCP.
    Tls {
        /// Host.
        host: String,
        /// Port.
        port: u16,
        /// Framing (RFC 5425 requires octet-counting; LF is allowed for old receivers).
        framing: Framing,
        /// rustls configuration.
        config: Arc<ClientConfig>,
        /// Name the certificate is checked against.
        server_name: ServerName<'static>,
    },
}

/// A send or connect failure.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// Name resolution found no address.
    #[error("{0}: no address found")]
    Resolve(String),
    /// Socket error.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// TLS handshake failed: certificate, name or protocol; an operator must act.
    #[error("TLS handshake failed: {0}")]
    Tls(String),
}

impl TransportError {
    /// Whether retrying cannot help until the configuration or the server changes (a
    /// certificate the server presents that does not verify, or one it rejects from us).
    pub fn is_permanent(&self) -> bool {
        matches!(self, TransportError::Tls(_))
    }
}

impl Transport {
    /// Builds the transport of a validated destination; `prefix` names it in errors.
    pub fn build(d: &Destination, prefix: &str) -> Result<Transport, TlsSetupError> {
        let (host, port) = d.host_port().ok_or_else(|| TlsSetupError::File {
            key: format!("{prefix}.address"),
            message: "not host:port".into(),
        })?;
        let framing = d.framing.unwrap_or_default();
        Ok(match d.mode {
            Mode::Udp => Transport::Udp { host, port },
            Mode::Tcp => Transport::Tcp {
                host,
                port,
                framing,
            },
            Mode::Tls => {
                let t = d.tls.as_ref().ok_or_else(|| TlsSetupError::File {
                    key: format!("{prefix}.tls.ca_file"),
                    message: "missing".into(),
                })?;
                let config = tls::client_config(t, prefix)?;
                let server_name =
                    tls::server_name(t, &host).ok_or_else(|| TlsSetupError::File {
                        key: format!("{prefix}.tls.server_name"),
                        message: "not a DNS name or IP address".into(),
                    })?;
                Transport::Tls {
                    host,
                    port,
                    framing,
                    config,
                    server_name,
                }
            }
        })
    }

    /// The framing of a stream transport (`None` for UDP).
    pub fn framing(&self) -> Option<Framing> {
        match self {
            Transport::Udp { .. } => None,
            Transport::Tcp { framing, .. } | Transport::Tls { framing, .. } => Some(*framing),
        }
    }

    fn addrs(host: &str, port: u16) -> Result<Vec<SocketAddr>, TransportError> {
        let v: Vec<SocketAddr> = (host, port).to_socket_addrs()?.collect();
        if v.is_empty() {
            return Err(TransportError::Resolve(format!("{host}:{port}")));
        }
        Ok(v)
    }

    fn tcp(host: &str, port: u16, timeout: Duration) -> Result<TcpStream, TransportError> {
        let mut last = None;
        for a in Self::addrs(host, port)? {
            match TcpStream::connect_timeout(&a, timeout) {
                Ok(s) => {
                    s.set_nodelay(true)?;
                    s.set_write_timeout(Some(timeout))?;
                    s.set_read_timeout(Some(timeout))?;
                    return Ok(s);
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.map_or_else(|| TransportError::Resolve(host.into()), TransportError::Io))
    }

    /// Opens a connection (for TLS, completes the handshake so certificate problems show now).
    pub fn connect(&self, timeout: Duration) -> Result<Conn, TransportError> {
        match self {
            Transport::Udp { host, port } => {
                let addr = Self::addrs(host, *port)?[0];
                let bind: SocketAddr = if addr.is_ipv6() {
                    "[::]:0".parse().expect("literal")
                } else {
                    "0.0.0.0:0".parse().expect("literal")
                };
                let s = UdpSocket::bind(bind)?;
                s.connect(addr)?;
                s.set_write_timeout(Some(timeout))?;
                Ok(Conn::Udp(s))
            }
            Transport::Tcp { host, port, .. } => Ok(Conn::Tcp(Self::tcp(host, *port, timeout)?)),
            Transport::Tls {
                host,
                port,
                config,
                server_name,
                ..
            } => {
                let mut sock = Self::tcp(host, *port, timeout)?;
                let mut conn = ClientConnection::new(config.clone(), server_name.clone())
                    .map_err(|e| TransportError::Tls(e.to_string()))?;
                while conn.is_handshaking() {
                    conn.complete_io(&mut sock).map_err(tls_error)?;
                }
                Ok(Conn::Tls(Box::new(StreamOwned::new(conn, sock))))
            }
        }
    }
}

/// A handshake I/O error: a rustls error inside is a TLS failure, anything else a socket one.
fn tls_error(e: io::Error) -> TransportError {
    if let Some(inner) = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        return TransportError::Tls(inner.to_string());
    }
    TransportError::Io(e)
}

/// An open connection.
#[derive(Debug)]
pub enum Conn {
    /// Connected UDP socket.
    Udp(UdpSocket),
    /// TCP stream.
    Tcp(TcpStream),
    /// TLS stream.
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
}

impl Conn {
    /// Sends framed bytes on a stream, or each message as one datagram (`bounds` gives the end
    /// offset of each message in `buf` for UDP).
    pub fn send(&mut self, buf: &[u8], bounds: &[usize]) -> Result<(), TransportError> {
        match self {
            Conn::Udp(s) => {
                let mut start = 0;
                for &end in bounds {
                    match s.send(&buf[start..end]) {
                        Ok(_) => {}
                        // An ICMP unreachable from an earlier datagram: UDP promises nothing.
                        Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {}
                        Err(e) => return Err(e.into()),
                    }
                    start = end;
                }
                Ok(())
            }
            Conn::Tcp(s) => Ok(s.write_all(buf)?),
            Conn::Tls(s) => {
                s.write_all(buf)?;
                Ok(s.flush()?)
            }
        }
    }

    /// Whether a stream is still open: the peer has not closed or reset it. UDP is always
    /// "alive". Reads (and discards) what a TLS peer sent, such as session tickets.
    pub fn alive(&mut self) -> bool {
        match self {
            Conn::Udp(_) => true,
            Conn::Tcp(s) => {
                if s.set_nonblocking(true).is_err() {
                    return false;
                }
                let mut b = [0u8; 512];
                let r = loop {
                    match s.read(&mut b) {
                        Ok(0) => break false,
                        Ok(_) => continue, // a syslog receiver sends nothing; discard
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => break true,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(_) => break false,
                    }
                };
                r && s.set_nonblocking(false).is_ok()
            }
            Conn::Tls(st) => {
                let StreamOwned { conn, sock } = &mut **st;
                if sock.set_nonblocking(true).is_err() {
                    return false;
                }
                let r = loop {
                    match conn.read_tls(sock) {
                        Ok(0) => break false,
                        Ok(_) => match conn.process_new_packets() {
                            Ok(state) if state.peer_has_closed() => break false,
                            Ok(state) => {
                                let n = state.plaintext_bytes_to_read();
                                if n > 0 {
                                    let mut sink = vec![0u8; n];
                                    let _ = conn.reader().read(&mut sink);
                                }
                                continue;
                            }
                            Err(_) => break false,
                        },
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => break true,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(_) => break false,
                    }
                };
                r && sock.set_nonblocking(false).is_ok()
            }
        }
    }
}

/// Appends one message with the stream framing: `LEN SP MSG` for octet-counting; for LF, the
/// message with its line feeds turned into spaces, then LF.
pub fn frame(framing: Framing, msg: &[u8], out: &mut Vec<u8>) {
    match framing {
        Framing::OctetCounting => {
            push_u64(out, msg.len() as u64);
            out.push(b' ');
            out.extend_from_slice(msg);
        }
        Framing::Lf => {
            let start = out.len();
            out.extend_from_slice(msg);
            for b in &mut out[start..] {
                if *b == b'\n' {
                    *b = b' ';
                }
            }
            out.push(b'\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing() {
        let mut v = Vec::new();
        frame(Framing::OctetCounting, b"<134>1 a\nb", &mut v);
        frame(Framing::Lf, b"<134>1 a\nb", &mut v);
        assert_eq!(v, b"10 <134>1 a\nb<134>1 a b\n");
    }

    #[test]
    fn tcp_liveness_sees_the_peer_close() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let t = Transport::Tcp {
            host: "127.0.0.1".into(),
            port: l.local_addr().unwrap().port(),
            framing: Framing::OctetCounting,
        };
        let mut c = t.connect(Duration::from_secs(2)).unwrap();
        let (peer, _) = l.accept().unwrap();
        c.send(b"5 hello", &[]).unwrap();
        assert!(c.alive());
        drop(peer);
        std::thread::sleep(Duration::from_millis(50));
        assert!(!c.alive());
    }
}
