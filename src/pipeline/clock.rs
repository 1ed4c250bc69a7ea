//! Sensor time in live mode: wall-clock-like timestamps that advance with the monotonic clock.
//!
//! `cybriq run` hands the pipeline (and through it the engine) one time for everything: frames,
//! port tables and the one-second timer ticks. That time is the wall time when the daemon
//! started plus the monotonic time elapsed since ([`SensorClock::now`]). Event timestamps
//! therefore read as wall time (they move away from it only as far as the wall clock is later
//! stepped, and a slewing NTP slews both alike), but a step of the wall clock (`date -s`, a VM
//! resumed with its old clock, NTP stepping after boot, a backward correction) does not move the
//! engine's time: no departure, silence, orphan or 802.1X grace timer fires because of it, and
//! none is held back. Kernel capture timestamps are wall time, so the daemon stamps each frame
//! with the sensor time when it takes it from the capture (milliseconds later). A step is
//! logged by the daemon's clock thread ([`SensorClock::offset_us`] moved).
//!
//! Across restarts the sensor time starts at the later of the wall time and the latest time the
//! store holds (`floor`), so a wall clock set back while the sensor was down does not run the
//! engine's time backwards either.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::clock::Timestamp;

/// Where the daemon reads the time (the system's clocks; a fake one in tests).
pub trait TimeSource: Send + Sync {
    /// The wall clock (may step), µs since the epoch.
    fn wall(&self) -> Timestamp;
    /// A monotonic clock (never steps, never goes back) since an arbitrary origin.
    fn monotonic(&self) -> Duration;
}

/// The system's clocks: `SystemTime` and `Instant` (CLOCK_REALTIME and CLOCK_MONOTONIC).
#[derive(Debug)]
pub struct SystemClocks {
    origin: Instant,
}

impl SystemClocks {
    /// The system's clocks, monotonic time counted from now.
    pub fn new() -> SystemClocks {
        SystemClocks {
            origin: Instant::now(),
        }
    }
}

impl Default for SystemClocks {
    fn default() -> Self {
        SystemClocks::new()
    }
}

impl TimeSource for SystemClocks {
    fn wall(&self) -> Timestamp {
        let d = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp(i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
    }

    fn monotonic(&self) -> Duration {
        self.origin.elapsed()
    }
}

/// The daemon's time: start wall time + monotonic time elapsed (see the module).
#[derive(Clone)]
pub struct SensorClock {
    source: Arc<dyn TimeSource>,
    /// Sensor time at `origin`.
    start: Timestamp,
    /// Monotonic reading at the start.
    origin: Duration,
}

impl std::fmt::Debug for SensorClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SensorClock")
            .field("start", &self.start)
            .finish_non_exhaustive()
    }
}

impl SensorClock {
    /// Starts the sensor time at the later of `source`'s wall time and `floor` (the latest
    /// time the store holds, after a restart).
    pub fn new(source: Arc<dyn TimeSource>, floor: Option<Timestamp>) -> SensorClock {
        let wall = source.wall();
        let start = floor.map_or(wall, |f| f.max(wall));
        let origin = source.monotonic();
        SensorClock {
            source,
            start,
            origin,
        }
    }

    /// The sensor time now: never goes back, and moves with the monotonic clock only.
    pub fn now(&self) -> Timestamp {
        let elapsed = self.source.monotonic().saturating_sub(self.origin);
        let us = i64::try_from(elapsed.as_micros()).unwrap_or(i64::MAX);
        Timestamp(self.start.0.saturating_add(us))
    }

    /// Wall time minus sensor time, µs: constant while nobody steps the wall clock (a step
    /// moves it by the step).
    pub fn offset_us(&self) -> i64 {
        self.source.wall().0.saturating_sub(self.now().0)
    }
}

#[cfg(test)]
pub(crate) mod fake {
    //! A time source whose two clocks the test sets.

    use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
    use std::time::Duration;

    use super::TimeSource;
    use crate::clock::Timestamp;

    /// Wall and monotonic time set by hand.
    #[derive(Debug, Default)]
    pub struct FakeClocks {
        wall_us: AtomicI64,
        mono_us: AtomicU64,
    }

    impl FakeClocks {
        /// Both clocks at a starting point.
        pub fn at(wall: Timestamp) -> FakeClocks {
            let c = FakeClocks::default();
            c.wall_us.store(wall.0, Ordering::SeqCst);
            c
        }

        /// Time passes: both clocks move by `d`.
        pub fn pass(&self, d: Duration) {
            self.mono_us
                .fetch_add(d.as_micros() as u64, Ordering::SeqCst);
            self.wall_us
                .fetch_add(d.as_micros() as i64, Ordering::SeqCst);
        }

        /// Someone steps the wall clock by `us` (either way); the monotonic clock does not move.
        pub fn step_wall(&self, us: i64) {
            self.wall_us.fetch_add(us, Ordering::SeqCst);
        }
    }

    impl TimeSource for FakeClocks {
        fn wall(&self) -> Timestamp {
            Timestamp(self.wall_us.load(Ordering::SeqCst))
        }

        fn monotonic(&self) -> Duration {
            Duration::from_micros(self.mono_us.load(Ordering::SeqCst))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fake::FakeClocks;
    use super::*;

    const T0: Timestamp = Timestamp(1_760_000_000_000_000);
    const DAY_US: i64 = 86_400_000_000;

    #[test]
    fn sensor_time_moves_with_the_monotonic_clock_only() {
        let src = Arc::new(FakeClocks::at(T0));
        let c = SensorClock::new(src.clone(), None);
        assert_eq!(c.now(), T0);
        src.pass(Duration::from_secs(5));
        assert_eq!(c.now(), Timestamp(T0.0 + 5_000_000));
        assert_eq!(c.offset_us(), 0);
        // Forward eight days, then back a month: the sensor time does not see either.
        src.step_wall(8 * DAY_US);
        assert_eq!(c.now(), Timestamp(T0.0 + 5_000_000));
        assert_eq!(c.offset_us(), 8 * DAY_US);
        src.step_wall(-38 * DAY_US);
        src.pass(Duration::from_secs(1));
        assert_eq!(c.now(), Timestamp(T0.0 + 6_000_000));
        assert_eq!(c.offset_us(), -30 * DAY_US);
    }

    #[test]
    fn a_restart_after_the_wall_clock_went_back_resumes_from_the_stored_time() {
        let src = Arc::new(FakeClocks::at(Timestamp(T0.0 - DAY_US)));
        let c = SensorClock::new(src.clone(), Some(T0));
        assert_eq!(c.now(), T0);
        src.pass(Duration::from_secs(2));
        assert_eq!(c.now(), Timestamp(T0.0 + 2_000_000));
        // A floor in the past changes nothing.
        let c = SensorClock::new(src.clone(), Some(Timestamp(0)));
        assert_eq!(c.now(), src.wall());
    }
}
