//! The network side: a named thread ([`NetHandle`]) that connects to a
//! server, reconnects with backoff and keeps the [`Shared`] state up to
//! date; one connection at a time ([`connection`], then its [`session`]),
//! a window of batches
//! in flight ([`flow`]), a reader that notices signs of life for the
//! heartbeat ([`activity`]). A run relayed through NATS is read by the
//! [`relay`] source instead, on the same thread, into the same [`Shared`].

pub mod activity;
mod config;
pub mod connection;
mod event;
mod fetch;
pub mod flow;
pub mod link;
pub mod relay;
pub mod session;
pub mod shared;
mod thread;

pub use config::{default_peer_name, NetConfig};
pub use event::{NetEvent, NetOutcome};
pub use fetch::fetch_full;
pub use shared::{Shared, Views, DEFAULT_DRAW_PERIOD};
pub use thread::{NetHandle, THREAD_NAME};
