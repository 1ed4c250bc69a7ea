//! Table walks: GETBULK (v2c/v3) or GETNEXT (v1) from a subtree's root until the agent leaves the
//! subtree, with a guard against agents whose walk does not advance.

use super::client::{Op, Session};
use super::error::SnmpError;
use super::value::{Value, Varbind, oid_to_string};

/// Walk limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WalkLimits {
    /// GETBULK max-repetitions.
    pub max_repetitions: u32,
    /// Most variables one walk may return before it is stopped.
    pub max_varbinds: usize,
}

/// What a walk returned: the variables under the root in order, and the error that stopped it
/// early, if any (the variables before the error are kept).
#[derive(Debug, Clone, Default)]
pub struct WalkResult {
    /// Variables under the root.
    pub varbinds: Vec<Varbind>,
    /// Why the walk stopped before the end of the subtree.
    pub error: Option<SnmpError>,
}

/// Walks `root`.
pub async fn walk(session: &mut Session, root: &[u32], limits: WalkLimits) -> WalkResult {
    let v1 = session.credentials().is_v1();
    let mut reps = limits.max_repetitions.max(1);
    let mut out: Vec<Varbind> = Vec::new();
    let mut cursor: Vec<u32> = root.to_vec();
    loop {
        let op = if v1 { Op::GetNext } else { Op::GetBulk(reps) };
        let reply = match session.request(op, &cursor).await {
            Ok(r) => r,
            Err(e) => {
                return WalkResult {
                    varbinds: out,
                    error: Some(e),
                };
            }
        };
        if reply.status != 0 {
            match (reply.status, v1) {
                // noSuchName on a v1 GETNEXT: past the last object of the agent.
                (2, true) => break,
                // tooBig: ask for fewer rows.
                (1, false) if reps > 1 => {
                    reps = (reps / 2).max(1);
                    continue;
                }
                _ => {
                    return WalkResult {
                        varbinds: out,
                        error: Some(SnmpError::Status {
                            status: reply.status,
                            index: reply.index,
                        }),
                    };
                }
            }
        }
        if reply.varbinds.is_empty() {
            break;
        }
        let mut done = false;
        let before = out.len();
        for vb in reply.varbinds {
            if matches!(vb.value, Value::EndOfMibView) || !vb.oid.starts_with(root) {
                done = true;
                break;
            }
            // Some agents echo the requested OID with noSuchObject/noSuchInstance before the
            // next object: not data, and not a loop.
            if matches!(vb.value, Value::NoSuchObject | Value::NoSuchInstance) && vb.oid <= cursor {
                continue;
            }
            if vb.oid <= cursor {
                return WalkResult {
                    error: Some(SnmpError::NonIncreasing {
                        oid: oid_to_string(&vb.oid),
                        previous: oid_to_string(&cursor),
                    }),
                    varbinds: out,
                };
            }
            cursor.clone_from(&vb.oid);
            out.push(vb);
            if out.len() >= limits.max_varbinds {
                return WalkResult {
                    error: Some(SnmpError::TooMany(out.len())),
                    varbinds: out,
                };
            }
        }
        if done || out.len() == before {
            break;
        }
    }
    WalkResult {
        varbinds: out,
        error: None,
    }
}

/// Walks several subtrees (in ascending order, typically columns of one table) as one walk:
/// variables a reply returns past the end of one subtree are kept when they fall in the next
/// one (a column walk's overshoot is the next column's first rows), and a reply that lands in a
/// gap between subtrees makes the next request start at the next subtree. When the first
/// subtree is empty the table is absent and the walk ends there.
pub async fn walk_columns(
    session: &mut Session,
    roots: &[Vec<u32>],
    limits: WalkLimits,
) -> WalkResult {
    let mut roots: Vec<&[u32]> = roots.iter().map(Vec::as_slice).collect();
    roots.sort();
    let Some(&first) = roots.first() else {
        return WalkResult::default();
    };
    let v1 = session.credentials().is_v1();
    let mut reps = limits.max_repetitions.max(1);
    let mut out: Vec<Varbind> = Vec::new();
    let mut cursor: Vec<u32> = first.to_vec();
    let mut i = 0;
    let fail = |out: Vec<Varbind>, e: SnmpError| WalkResult {
        varbinds: out,
        error: Some(e),
    };
    'walk: loop {
        let op = if v1 { Op::GetNext } else { Op::GetBulk(reps) };
        let reply = match session.request(op, &cursor).await {
            Ok(r) => r,
            Err(e) => return fail(out, e),
        };
        if reply.status != 0 {
            match (reply.status, v1) {
                (2, true) => break,
                (1, false) if reps > 1 => {
                    reps = (reps / 2).max(1);
                    continue;
                }
                _ => {
                    return fail(
                        out,
                        SnmpError::Status {
                            status: reply.status,
                            index: reply.index,
                        },
                    );
                }
            }
        }
        if reply.varbinds.is_empty() {
            break;
        }
        let mut progressed = false;
        for vb in reply.varbinds {
            if matches!(vb.value, Value::EndOfMibView) {
                break 'walk;
            }
            if matches!(vb.value, Value::NoSuchObject | Value::NoSuchInstance) && vb.oid <= cursor {
                continue;
            }
            if vb.oid <= cursor {
                return fail(
                    out,
                    SnmpError::NonIncreasing {
                        oid: oid_to_string(&vb.oid),
                        previous: oid_to_string(&cursor),
                    },
                );
            }
            // Move past the subtrees this variable is beyond.
            while i < roots.len() && !vb.oid.starts_with(roots[i]) && vb.oid.as_slice() > roots[i] {
                if i == 0 && out.is_empty() {
                    // The first column is empty: the table is absent.
                    break 'walk;
                }
                i += 1;
            }
            if i == roots.len() {
                break 'walk;
            }
            if !vb.oid.starts_with(roots[i]) {
                // In a gap before the next subtree: jump to it.
                cursor = roots[i].to_vec();
                continue 'walk;
            }
            cursor.clone_from(&vb.oid);
            out.push(vb);
            progressed = true;
            if out.len() >= limits.max_varbinds {
                return fail(out.clone(), SnmpError::TooMany(out.len()));
            }
        }
        if !progressed {
            break;
        }
    }
    WalkResult {
        varbinds: out,
        error: None,
    }
}
