//! The viewer's wall clock.
//!
//! Every timestamp the viewer puts on the wire or compares with the
//! server's (ping times, frame ages) comes from [`now_us`]. Tests of the
//! clock-offset estimation need a viewer whose clock is wrong, as it would
//! be on another machine: the environment variable
//! `PLOTCAST_TEST_CLOCK_SKEW_MS` (a signed number of milliseconds) shifts
//! this clock. It exists for those tests; nothing else should set it.

use std::sync::OnceLock;

/// The variable that shifts the viewer's clock, for tests.
pub const SKEW_VAR: &str = "PLOTCAST_TEST_CLOCK_SKEW_MS";

fn skew_us() -> i64 {
    static SKEW: OnceLock<i64> = OnceLock::new();
    *SKEW.get_or_init(|| {
        std::env::var(SKEW_VAR)
            .ok()
            .and_then(|v| v.trim().parse::<i64>().ok())
            .map_or(0, |ms| ms.saturating_mul(1000))
    })
}

/// Microseconds since the Unix epoch by the viewer's clock.
pub fn now_us() -> u64 {
    plotcast_protocol::util::unix_now_us().saturating_add_signed(skew_us())
}
