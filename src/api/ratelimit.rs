//! Per-token rate limits (reference section 7): read endpoints `read_per_minute` (600), write
//! and SOAR endpoints `write_per_minute` (60), each with a burst tolerance of twice the rate
//! for 10 s.
//!
//! A GCRA (governor) per class, keyed by token id (requests without a valid token by source
//! address): one request is replenished every minute / rate, and the bucket holds 10 s worth
//! of the rate above it, so from idle a client may send `2 × rate` for 10 s and then the rate.
//! `X-Rate-Limit-Remaining` is what the bucket holds now; `X-Rate-Limit-Reset` the seconds
//! until it is full again; a refused request gets `Retry-After` in seconds.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

type Keyed =
    RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock, StateInformationMiddleware>;

/// Which budget an endpoint draws on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// GET endpoints.
    Read,
    /// Writes and SOAR actions.
    Write,
}

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Allowed; what remains and seconds until the bucket is full.
    Allow {
        /// `X-Rate-Limit-Remaining`.
        remaining: u32,
        /// `X-Rate-Limit-Reset`.
        reset_secs: u64,
    },
    /// Refused; retry after this many seconds (at least 1).
    Deny {
        /// `Retry-After`.
        retry_after_secs: u64,
    },
}

struct Budget {
    limiter: Keyed,
    period: Duration,
    burst: u32,
}

impl std::fmt::Debug for Budget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Budget")
            .field("period", &self.period)
            .field("burst", &self.burst)
            .finish()
    }
}

impl Budget {
    fn new(per_minute: u32) -> Budget {
        let per_minute = per_minute.max(1);
        let period = Duration::from_secs(60) / per_minute;
        // Twice the rate for 10 s from idle: 10 s of the rate in the bucket.
        let burst = (per_minute / 6).max(1);
        let quota = Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN));
        Budget {
            limiter: RateLimiter::keyed(quota).with_middleware::<StateInformationMiddleware>(),
            period,
            burst,
        }
    }

    fn check(&self, key: &str) -> Decision {
        match self.limiter.check_key(&key.to_owned()) {
            Ok(s) => {
                let remaining = s.remaining_burst_capacity();
                let missing = self.burst.saturating_sub(remaining);
                Decision::Allow {
                    remaining,
                    reset_secs: (self.period * missing).as_secs_f64().ceil() as u64,
                }
            }
            Err(nu) => {
                let wait = nu.wait_time_from(self.limiter.clock().now());
                Decision::Deny {
                    retry_after_secs: (wait.as_secs_f64().ceil() as u64).max(1),
                }
            }
        }
    }
}

/// Both budgets.
#[derive(Debug)]
pub struct Limits {
    read: Budget,
    write: Budget,
}

impl Limits {
    /// Budgets of `read_per_minute` and `write_per_minute`.
    pub fn new(read_per_minute: u32, write_per_minute: u32) -> Limits {
        Limits {
            read: Budget::new(read_per_minute),
            write: Budget::new(write_per_minute),
        }
    }

    /// Takes one request from `key`'s budget of `class`.
    pub fn check(&self, class: Class, key: &str) -> Decision {
        match class {
            Class::Read => self.read.check(key),
            Class::Write => self.write.check(key),
        }
    }

    /// Forgets keys whose buckets are full again (bounded memory under many source addresses).
    pub fn housekeep(&self) {
        self.read.limiter.retain_recent();
        self.write.limiter.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_holds_ten_seconds_of_the_rate_and_keys_are_apart() {
        let l = Limits::new(600, 60);
        let mut allowed = 0;
        // No timing assertion: 100 is the bucket; a slow machine replenishes a few more.
        for _ in 0..400 {
            if matches!(l.check(Class::Read, "a"), Decision::Allow { .. }) {
                allowed += 1;
            }
        }
        assert!((100..400).contains(&allowed), "{allowed}");
        let Decision::Deny { retry_after_secs } = l.check(Class::Read, "a") else {
            panic!("the bucket is empty");
        };
        assert!(retry_after_secs >= 1);
        assert!(matches!(
            l.check(Class::Read, "b"),
            Decision::Allow { remaining: 99, .. }
        ));
        assert!(matches!(
            l.check(Class::Write, "a"),
            Decision::Allow {
                remaining: 9,
                reset_secs: 1
            }
        ));
    }
}
