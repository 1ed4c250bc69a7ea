//! The syslog emitter: RFC 5424 and CEF formatters, transports, the durable outbox.
pub mod cef;
pub mod format;
pub mod outbox;
pub mod rfc5424;
