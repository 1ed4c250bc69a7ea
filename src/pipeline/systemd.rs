//! Notifications to the service manager (the `sd_notify` protocol): `READY=1` once the sensor
//! runs, `WATCHDOG=1` while its main loop turns, `STOPPING=1` when it stops.
//!
//! The protocol is one datagram per message on the Unix socket named by `$NOTIFY_SOCKET` (a
//! path, or `@name` for the abstract namespace). Without the variable (not started by systemd,
//! or a unit without `Type=notify`), [`Notifier::from_env`] returns None and nothing is sent.
//! The watchdog interval comes from `$WATCHDOG_USEC` (and `$WATCHDOG_PID`, when set, must be
//! this process). A failed send is logged once and never stops the sensor: systemd then
//! restarts it through its own timeouts.

use std::cell::Cell;
use std::io;
use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::time::{Duration, Instant};

/// A connection to the service manager's notification socket.
#[derive(Debug)]
pub struct Notifier {
    sock: UnixDatagram,
    addr: SocketAddr,
    /// How often to send `WATCHDOG=1` (half the manager's timeout); None: no watchdog.
    watchdog: Option<Duration>,
    last_ping: Cell<Option<Instant>>,
    failed: Cell<bool>,
}

impl Notifier {
    /// The notifier systemd asked for through the environment, if any.
    pub fn from_env() -> Option<Notifier> {
        let socket = std::env::var("NOTIFY_SOCKET").ok()?;
        let usec = std::env::var("WATCHDOG_USEC").ok();
        let pid = std::env::var("WATCHDOG_PID").ok();
        let watchdog = watchdog_interval(usec.as_deref(), pid.as_deref(), std::process::id());
        match Notifier::connect(&socket, watchdog) {
            Ok(n) => Some(n),
            Err(e) => {
                tracing::warn!(socket = %socket, error = %e,
                    "NOTIFY_SOCKET is set but unusable; the service manager will not hear that the sensor is ready.");
                None
            }
        }
    }

    /// A notifier on socket `socket` (a path, or `@name` for an abstract socket), sending
    /// watchdog pings every `watchdog` if given.
    pub fn connect(socket: &str, watchdog: Option<Duration>) -> io::Result<Notifier> {
        let addr = if let Some(name) = socket.strip_prefix('@') {
            use std::os::linux::net::SocketAddrExt;
            SocketAddr::from_abstract_name(name.as_bytes())?
        } else if socket.starts_with('/') {
            SocketAddr::from_pathname(socket)?
        } else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "neither an absolute path nor an abstract name (@…)",
            ));
        };
        Ok(Notifier {
            sock: UnixDatagram::unbound()?,
            addr,
            watchdog,
            last_ping: Cell::new(None),
            failed: Cell::new(false),
        })
    }

    /// The interval at which [`Notifier::watchdog`] pings; None when systemd runs no watchdog.
    pub fn watchdog_interval(&self) -> Option<Duration> {
        self.watchdog
    }

    /// `READY=1` and a status line.
    pub fn ready(&self, status: &str) {
        self.send(&format!("READY=1\nSTATUS={}", one_line(status)));
    }

    /// `STOPPING=1`.
    pub fn stopping(&self) {
        self.send("STOPPING=1\nSTATUS=Stopping.");
    }

    /// A status line (`systemctl status` shows it).
    pub fn status(&self, status: &str) {
        self.send(&format!("STATUS={}", one_line(status)));
    }

    /// `WATCHDOG=1` if the watchdog is on and the last ping is at least an interval old; call
    /// it from the loop whose progress the watchdog vouches for.
    pub fn watchdog(&self) {
        let Some(every) = self.watchdog else { return };
        if self.last_ping.get().is_some_and(|t| t.elapsed() < every) {
            return;
        }
        self.last_ping.set(Some(Instant::now()));
        self.send("WATCHDOG=1");
    }

    fn send(&self, msg: &str) {
        if let Err(e) = self.sock.send_to_addr(msg.as_bytes(), &self.addr)
            && !self.failed.replace(true)
        {
            tracing::warn!(error = %e, "A notification to the service manager failed (logged once).");
        }
    }
}

/// Half the watchdog timeout `usec` (systemd's advice), when the watchdog is meant for `me`.
fn watchdog_interval(usec: Option<&str>, pid: Option<&str>, me: u32) -> Option<Duration> {
    if let Some(p) = pid
        && p.trim().parse::<u32>().ok() != Some(me)
    {
        return None;
    }
    let us: u64 = usec?.trim().parse().ok().filter(|&u| u > 0)?;
    Some(Duration::from_micros(us / 2))
}

/// `s` with line breaks replaced (a status is one assignment).
fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recv(sock: &UnixDatagram) -> String {
        let mut buf = [0u8; 512];
        let n = sock.recv(&mut buf).unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }

    #[test]
    fn sends_ready_watchdog_and_stopping_on_a_path_socket() {
        let dir = std::env::temp_dir().join(format!("cybriq-notify-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("notify.sock");
        let server = UnixDatagram::bind(&path).unwrap();
        server
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let n = Notifier::connect(path.to_str().unwrap(), Some(Duration::from_secs(3600))).unwrap();
        n.ready("Sensor running:\n2 captures.");
        assert_eq!(recv(&server), "READY=1\nSTATUS=Sensor running: 2 captures.");
        n.watchdog();
        assert_eq!(recv(&server), "WATCHDOG=1");
        // The second ping within the interval is not sent: the next datagram is STOPPING.
        n.watchdog();
        n.stopping();
        assert_eq!(recv(&server), "STOPPING=1\nSTATUS=Stopping.");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn sends_on_an_abstract_socket() {
        use std::os::linux::net::SocketAddrExt;
        let name = format!("cybriq-notify-test-{}", std::process::id());
        let addr = SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
        let server = UnixDatagram::bind_addr(&addr).unwrap();
        server
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let n = Notifier::connect(&format!("@{name}"), None).unwrap();
        n.watchdog(); // no watchdog configured: nothing sent
        n.status("Reloaded.");
        assert_eq!(recv(&server), "STATUS=Reloaded.");
    }

    #[test]
    fn a_relative_socket_name_is_refused() {
        assert!(Notifier::connect("notify.sock", None).is_err());
    }

    #[test]
    fn the_watchdog_interval_is_half_the_timeout_and_only_for_this_process() {
        assert_eq!(
            watchdog_interval(Some("30000000"), None, 7),
            Some(Duration::from_secs(15))
        );
        assert_eq!(
            watchdog_interval(Some("30000000"), Some("7"), 7),
            Some(Duration::from_secs(15))
        );
        assert_eq!(watchdog_interval(Some("30000000"), Some("8"), 7), None);
        assert_eq!(watchdog_interval(Some("0"), None, 7), None);
        assert_eq!(watchdog_interval(Some("soon"), None, 7), None);
        assert_eq!(watchdog_interval(None, None, 7), None);
    }
}
