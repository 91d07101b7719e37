//! What a [`FakeServer`](crate::FakeServer) does: its name and session, its
//! layout, the frames of each batch, and the misbehaviours a viewer test
//! asks of it (refuse, never answer, close after N batches, say goodbye or
//! not, no heartbeats, impossible clock samples, and the protocol
//! violations of [`Breach`]).

use std::sync::Arc;

use plotcast_protocol::{ChannelKind, ChannelSpec, Frame, GoodbyeCode, Layout, Pong, Reject};

use crate::frames::heatmap_frame;

/// What the fake server does.
#[derive(Clone)]
pub struct Script {
    /// The name in its `Welcome`.
    pub server_name: String,
    /// The session id in its `Welcome` (another one: another run).
    pub session_id: u64,
    /// Refuse every viewer with this.
    pub reject: Option<Reject>,
    /// The layout sent after the `Welcome`.
    pub layout: Layout,
    /// The frames of batch `n` (n from 1, per connection). The fake
    /// server always has news: it sends every batch the viewer asks for.
    pub batch: Arc<dyn Fn(u64) -> Vec<Frame> + Send + Sync>,
    /// False: never answer `Ready` (the viewer gets a layout, no data).
    pub answer_ready: bool,
    /// Send only this many batches; once the viewer asks for more than its
    /// first `Ready` window beyond them (so it has drawn the last one),
    /// close every connection and the listener.
    pub batches_then_close: Option<u64>,
    /// With `batches_then_close`: say `Goodbye { ComputationEnded }` first
    /// (a computation that finished) instead of just closing (a crash).
    pub goodbye: bool,
    /// The code of that goodbye (`ComputationEnded` unless a test says).
    pub goodbye_code: GoodbyeCode,
    /// Heartbeat timeout announced in the `Welcome`.
    pub heartbeat_timeout_ms: u32,
    /// False: ignore pings and send none (a server that hangs).
    pub heartbeats: bool,
    /// The codec its `Welcome` names (0: none, as a viewer on this machine
    /// asks; another is a violation unless the viewer offered it).
    pub welcome_codec: u8,
    /// Pongs sent right after the layout, whatever the viewer asked:
    /// clock samples from a broken server.
    pub early_pongs: Vec<Pong>,
    /// A protocol violation to commit while answering `Ready`.
    pub breach: Option<Breach>,
    /// Write each answer after the first batch in two parts, as a slow
    /// link delivers it: its first data frame, then the rest once the
    /// viewer acknowledged that frame's bytes (or after 5 s).
    pub first_frame_then_wait: bool,
}

/// What a server may not do after the handshake (a viewer closes the
/// connection on each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breach {
    /// Answer `Ready { n }` with batches up to `n + 1`.
    BatchBeyondGrant,
    /// Number the second batch 1 again.
    RepeatedBatchEnd,
    /// Compress every data frame although the `Welcome` named no codec
    /// (the script's frames must compress).
    CompressedData,
}

impl Script {
    /// One 32×24 heatmap whose every cell holds `value` (range 0..1).
    pub fn heatmap(server_name: &str, session_id: u64, value: f64) -> Self {
        let mut spec = ChannelSpec::new(1, "field", ChannelKind::Heatmap);
        spec.options.title = format!("{server_name} field");
        spec.options.y_range = Some((0.0, 1.0));
        Self {
            server_name: server_name.into(),
            session_id,
            reject: None,
            layout: Layout {
                title: server_name.into(),
                columns: 0,
                channels: vec![spec],
            },
            batch: Arc::new(move |n| vec![heatmap_frame(1, n, 32, 24, |_, _| value)]),
            answer_ready: true,
            batches_then_close: None,
            goodbye: false,
            goodbye_code: GoodbyeCode::ComputationEnded,
            heartbeat_timeout_ms: 10_000,
            heartbeats: true,
            welcome_codec: 0,
            early_pongs: Vec::new(),
            breach: None,
            first_frame_then_wait: false,
        }
    }
}
