//! `cybriq poll --target HOST[:PORT] (--community C | --v3-user U --auth-proto P --auth-key K
//! [--priv-proto P --priv-key K]) [--json]` and `cybriq poll --config FILE`: one SNMP cycle.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use crate::config::Config;
use crate::config::switch::with_default_port;
use crate::snmp::{
    AuthProto, BuildOptions, Credentials, PollOptions, PortTable, PrivProto, Reachability,
    SwitchPoll, Target, Timing, poll_all_with,
};

/// Arguments of `cybriq poll`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The switch to poll, `host` or `host:port` (UDP 161 by default).
    #[arg(long, conflicts_with = "config", required_unless_present = "config")]
    target: Option<String>,
    /// Poll every `[[switch]]` of this configuration file.
    #[arg(long)]
    config: Option<PathBuf>,
    /// SNMP v1/v2c community.
    #[arg(long, conflicts_with = "v3_user")]
    community: Option<String>,
    /// SNMP version used with --community: 1 or 2c.
    #[arg(long = "snmp-version", default_value = "2c", value_parser = ["1", "2c"])]
    snmp_version: String,
    /// SNMPv3 user (noAuthNoPriv unless --auth-proto is given).
    #[arg(long)]
    v3_user: Option<String>,
    /// SNMPv3 authentication protocol: MD5, SHA, SHA224, SHA256, SHA384, SHA512.
    #[arg(long, requires = "v3_user", requires = "auth_key")]
    auth_proto: Option<String>,
    /// SNMPv3 authentication passphrase.
    #[arg(long, requires = "auth_proto")]
    auth_key: Option<String>,
    /// SNMPv3 privacy protocol: DES or AES.
    #[arg(long, requires = "auth_proto", requires = "priv_key")]
    priv_proto: Option<String>,
    /// SNMPv3 privacy passphrase.
    #[arg(long, requires = "priv_proto")]
    priv_key: Option<String>,
    /// First attempt's timeout in milliseconds (--target only; each retry doubles it).
    #[arg(long, default_value_t = 2000)]
    timeout_ms: u64,
    /// Retries after the first attempt (--target only).
    #[arg(long, default_value_t = 2)]
    retries: u32,
    /// GETBULK max-repetitions (--target only).
    #[arg(long, default_value_t = 25)]
    max_repetitions: u32,
    /// Walks in flight at once per switch (--target only).
    #[arg(long, default_value_t = 4)]
    max_in_flight: usize,
    /// Print each switch's port table as one JSON object per line.
    #[arg(long)]
    json: bool,
}

fn target_from_args(a: &Args, host: &str) -> Result<Target, String> {
    let creds = match (&a.community, &a.v3_user) {
        (Some(c), None) if a.snmp_version == "1" => Credentials::V1 {
            community: c.clone(),
        },
        (Some(c), None) => Credentials::V2c {
            community: c.clone(),
        },
        (None, Some(u)) => Credentials::V3 {
            user: u.clone(),
            auth: match (&a.auth_proto, &a.auth_key) {
                (Some(p), Some(k)) => Some((
                    AuthProto::parse(p).ok_or_else(|| {
                        format!(
                            "--auth-proto {p}: must be MD5, SHA, SHA224, SHA256, SHA384 or SHA512"
                        )
                    })?,
                    k.clone(),
                )),
                _ => None,
            },
            privacy: match (&a.priv_proto, &a.priv_key) {
                (Some(p), Some(k)) => Some((
                    PrivProto::parse(p)
                        .ok_or_else(|| format!("--priv-proto {p}: must be DES or AES"))?,
                    k.clone(),
                )),
                _ => None,
            },
        },
        _ => return Err("give --community or --v3-user".into()),
    };
    if a.max_repetitions == 0 || a.max_in_flight == 0 || a.timeout_ms == 0 {
        return Err("--max-repetitions, --max-in-flight and --timeout-ms must be positive".into());
    }
    Ok(Target {
        name: host.to_owned(),
        address: with_default_port(host),
        creds,
        timing: Timing {
            timeout: Duration::from_millis(a.timeout_ms),
            retries: a.retries,
        },
        max_repetitions: a.max_repetitions,
        max_in_flight: a.max_in_flight,
    })
}

/// Exit 0 when every switch answered, 3 when at least one was unreachable, 2 on a usage or
/// configuration error, 1 when the output cannot be written.
pub fn run(args: Args) -> ExitCode {
    let (targets, limits): (Vec<Target>, Vec<usize>) = match (&args.target, &args.config) {
        (Some(host), _) => match target_from_args(&args, host) {
            Ok(t) => (vec![t], vec![BuildOptions::default().edge_mac_limit]),
            Err(e) => {
                eprintln!("cybriq: error: {e}");
                return ExitCode::from(2);
            }
        },
        (None, Some(path)) => {
            let cfg = match Config::load(path) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("cybriq: error: {e}");
                    return ExitCode::from(2);
                }
            };
            let mut ts = Vec::new();
            for (i, s) in cfg.switch.iter().enumerate() {
                match s.target(&format!("switch[{i}]")) {
                    Ok(t) => ts.push(t),
                    Err(e) => {
                        eprintln!("cybriq: error: {e}");
                        return ExitCode::from(2);
                    }
                }
            }
            if ts.is_empty() {
                eprintln!(
                    "cybriq: error: {}: no [[switch]] configured",
                    path.display()
                );
                return ExitCode::from(2);
            }
            let limits = cfg.switch.iter().map(|s| s.edge_mac_limit).collect();
            (ts, limits)
        }
        (None, None) => {
            eprintln!("cybriq: error: give --target or --config");
            return ExitCode::from(2);
        }
    };
    // Each switch's table is built with its own edge-MAC limit.
    let builds: Vec<BuildOptions> = limits
        .iter()
        .map(|&edge_mac_limit| BuildOptions { edge_mac_limit })
        .collect();
    let opts = PollOptions::default();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cybriq: error: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let polls = rt.block_on(poll_all_with(&targets, &builds, &opts));
    let mut out = std::io::stdout().lock();
    let mut code = ExitCode::SUCCESS;
    for p in &polls {
        if p.table.status == Reachability::Unreachable {
            code = ExitCode::from(3);
        }
        let res = if args.json {
            serde_json::to_writer(&mut out, &p.table)
                .map_err(std::io::Error::other)
                .and_then(|()| out.write_all(b"\n"))
        } else {
            write_text(&mut out, p)
        };
        if let Err(e) = res {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                return code;
            }
            eprintln!("cybriq: error: writing output: {e}");
            return ExitCode::from(1);
        }
    }
    code
}

fn write_text(out: &mut impl Write, p: &SwitchPoll) -> std::io::Result<()> {
    let t: &PortTable = &p.table;
    let s = &t.switch;
    if t.status == Reachability::Unreachable {
        return writeln!(
            out,
            "{}: unreachable: {}",
            s.name,
            t.reason.as_deref().unwrap_or("no reason")
        );
    }
    writeln!(
        out,
        "{} ({}) {} model {} serial {}: {} ports, {} requests ({} timed out, {} malformed), {} variables, {} ms",
        s.name,
        s.sys_name.as_deref().unwrap_or("-"),
        s.sys_descr
            .as_deref()
            .unwrap_or("-")
            .lines()
            .next()
            .unwrap_or("-"),
        s.model.as_deref().unwrap_or("-"),
        s.serial.as_deref().unwrap_or("-"),
        t.ports.len(),
        p.stats.requests,
        p.stats.timeouts,
        p.stats.malformed,
        p.stats.varbinds,
        p.stats.elapsed.as_millis()
    )?;
    for port in &t.ports {
        if port.macs.is_empty() && port.neighbors.is_empty() && !port.uplink {
            continue;
        }
        let neighbors: Vec<String> = port
            .neighbors
            .iter()
            .map(|n| {
                format!(
                    "{} {}/{}",
                    n.protocol,
                    n.system_name
                        .as_deref()
                        .or(n.chassis_id.as_deref())
                        .unwrap_or("?"),
                    n.port_id.as_deref().unwrap_or("?")
                )
            })
            .collect();
        writeln!(
            out,
            "  {:>10} {:<24} {:<6} {:>3} MACs{}{}",
            port.if_index,
            port.name,
            port.oper_status.as_deref().unwrap_or("-"),
            port.macs.len(),
            if port.uplink { " uplink" } else { "" },
            if neighbors.is_empty() {
                String::new()
            } else {
                format!(" [{}]", neighbors.join(", "))
            }
        )?;
    }
    writeln!(out, "  {} ARP entries", t.arp.len())?;
    for a in &t.anomalies {
        writeln!(out, "  anomaly: {a}")?;
    }
    Ok(())
}
