//! The reliability and security suite: real processes and sockets on
//! 127.0.0.1, one file per scenario in `tests/reliability/`, all in one test
//! binary to keep the build short.
//!
//! | scenario | file | promise |
//! |---|---|---|
//! | stalled viewers | `stalled_viewers.rs` | 100 viewers that never read cost bounded memory; a fast viewer stays fresh |
//! | integrity | `integrity.rs` | frames arrive whole, in order, with the published payload |
//! | hostile bytes | `hostile_bytes.rs` | hostile input closes that connection quickly, allocates nothing large, harms nobody else |
//! | slowloris | `slowloris.rs` | trickling handshakes are cut at the handshake deadline; viewers are served meanwhile |
//! | dead peers | `dead_peers.rs` | a frozen viewer process is dropped by the heartbeat, a killed one at once |
//! | access | `access.rs` | no token, no exposure; a wrong token gets a rejection and not one data byte, at no memory cost |
//! | shutdown | `shutdown.rs` | dropping the server with stalled viewers is bounded, frees the port, ends the network thread |
//! | restart | `restart.rs` | a hand-started viewer survives its server's SIGKILL and shows only the new server's data |
//! | soak | `soak.rs` | churn of connecting, stalling and vanishing viewers leaves memory, fds and threads at baseline |
//!
//! Ctrl-C (the computation stops, the window stays) is covered by
//! `tests/window.rs` (`ctrl_c_stops_the_computation_and_the_window_stays`
//! and its graceful variant), which needs a private X server.
//!
//! Where a figure is a whole process's (memory, file descriptors, threads),
//! the server runs in the helper publisher process
//! (`tests/bin/plotcast-test-publisher.rs`): the scenarios of this binary run
//! in parallel threads, so the test process's own figures mix them all.
//! Scenarios that only need the server's own counters (`viewer_count`,
//! `stats`) run it in-process. Each scenario has its own server on port 0,
//! except the restart, which needs a port it can bind twice.
//!
//! Figures are printed; see them with `cargo test --test reliability --
//! --nocapture`. The soak runs 20 s, 60 s when `CI` is set, or
//! `PLOTCAST_SOAK_SECS`.

// A test target's root resolves `mod x;` beside itself (in `tests/`), so
// each scenario's file is named with its path.

#[path = "reliability/support.rs"]
mod support;

#[path = "reliability/access.rs"]
mod access;
#[path = "reliability/dead_peers.rs"]
mod dead_peers;
#[path = "reliability/hostile_bytes.rs"]
mod hostile_bytes;
#[path = "reliability/integrity.rs"]
mod integrity;
#[path = "reliability/restart.rs"]
mod restart;
#[path = "reliability/shutdown.rs"]
mod shutdown;
#[path = "reliability/slowloris.rs"]
mod slowloris;
#[path = "reliability/soak.rs"]
mod soak;
#[path = "reliability/stalled_viewers.rs"]
mod stalled_viewers;
