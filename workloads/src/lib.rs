//! The computations plotcast's demos stream and its benchmark measures.
//!
//! A workload is shared by a demo (`examples/heat.rs`, `examples/big.rs`)
//! and a benchmark section (`bench/`), and the recording test recomputes
//! the heat run to compare it with what was recorded. It lives in a crate
//! of its own, not in the test kit, so that a demo depends on plotcast and
//! its computation only:
//!
//! ```no_run
//! use plotcast_workloads::heat::{Plate, STEPS_PER_PUBLISH};
//!
//! let mut plate = Plate::new();
//! for _ in 0..STEPS_PER_PUBLISH {
//!     plate.step();
//! }
//! println!("energy {}", plate.energy());
//! ```
//!
//! Layout:
//! - [`heat`]: a 2-D heat equation with a circling heat source (the main
//!   demo; deterministic, so a run can be recomputed);
//! - [`big`]: a 2048² field and a 10⁶-point line (level of detail on slow
//!   links), and its channels on a server;
//! - [`steps_from_env`]: how long a demo runs (`PLOTCAST_STEPS`).

#![warn(missing_docs)]

pub mod big;
pub mod heat;

/// Number of steps a demo runs: `PLOTCAST_STEPS` if set (tests use it to
/// bound a run), else `default`.
///
/// # Panics
/// When `PLOTCAST_STEPS` is set but is not a whole number: a demo should
/// refuse a typo rather than run forever.
pub fn steps_from_env(default: u64) -> u64 {
    match std::env::var("PLOTCAST_STEPS") {
        Ok(text) => text
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("PLOTCAST_STEPS must be a whole number, got {text:?}")),
        Err(_) => default,
    }
}
