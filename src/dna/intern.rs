//! Shared token strings. A site's 50,000 baselines carry mostly the same few thousand tokens
//! (`dhcp.prl:1,3,6,15`, `cdp.platform:cisco ip phone 7945`, …): each is kept once, and a
//! baseline holds a reference. Strings no baseline holds any more are dropped when the set has
//! doubled since it was last swept.

use std::collections::HashSet;
use std::sync::{Arc, LazyLock, Mutex};

struct Interner {
    set: HashSet<Arc<str>>,
    sweep_at: usize,
}

/// Sweeping starts once this many strings are kept.
const FIRST_SWEEP: usize = 4096;

static TOKENS: LazyLock<Mutex<Interner>> = LazyLock::new(|| {
    Mutex::new(Interner {
        set: HashSet::new(),
        sweep_at: FIRST_SWEEP,
    })
});

/// The shared copy of `s`.
pub fn intern(s: &str) -> Arc<str> {
    let mut g = TOKENS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(a) = g.set.get(s) {
        return a.clone();
    }
    if g.set.len() >= g.sweep_at {
        g.set.retain(|a| Arc::strong_count(a) > 1);
        g.sweep_at = (g.set.len() * 2).max(FIRST_SWEEP);
    }
    let a: Arc<str> = Arc::from(s);
    g.set.insert(a.clone());
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_strings_share_one_copy() {
        let a = intern("dhcp.prl:1,3,6,15");
        let b = intern(&String::from("dhcp.prl:1,3,6,15"));
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(&*a, "dhcp.prl:1,3,6,15");
        assert!(!Arc::ptr_eq(&a, &intern("dhcp.prl:1,3,6")));
    }

    #[test]
    fn strings_nobody_holds_are_swept() {
        // Far more strings than the first sweep threshold, none held: the set stays bounded.
        for i in 0..5 * FIRST_SWEEP {
            drop(intern(&format!("intern-test-sweep-{i}")));
        }
        let held = intern("intern-test-held");
        for i in 0..5 * FIRST_SWEEP {
            drop(intern(&format!("intern-test-sweep-b-{i}")));
        }
        let g = TOKENS.lock().unwrap();
        assert!(g.set.len() <= 3 * FIRST_SWEEP, "{}", g.set.len());
        assert!(g.set.contains("intern-test-held"));
        drop(g);
        assert!(Arc::ptr_eq(&held, &intern("intern-test-held")));
    }
}
