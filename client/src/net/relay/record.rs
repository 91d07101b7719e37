//! What the recorder of a relayed run gets: the merged messages, so that
//! the recording replays as one view, exactly as it was shown. A Welcome
//! naming the relay and the run starts it; then each merged Layout, the
//! merged frames of every batch and the merged series chunks; a Goodbye
//! when every process has ended.

use std::time::Instant;

use plotcast_protocol::{
    encode, Goodbye, GoodbyeCode, Message, Welcome, LENGTH_PREFIX_BYTES, VERSION,
};
use tracing::warn;

use crate::model::{ChannelData, PlotState};
use crate::recording::recorder::Recorder;

/// Starts the recording of `run` on relay `server`.
pub fn start(recorder: &mut Recorder, server: &str, run: &str) {
    let welcome = Welcome {
        version: VERSION,
        server_name: format!("relay {server} · run {run}"),
        session_id: crate::clock::now_us(),
        heartbeat_interval_ms: 0,
        heartbeat_timeout_ms: 0,
        codec: 0,
    };
    recorder.session(&welcome, Instant::now());
}

/// The merged layout (when it changed) and the snapshot frames of the
/// plots just written, as messages for the recorder.
pub fn merged_messages(state: &PlotState, layout_changed: bool, ids: &[u32]) -> Vec<Message> {
    let layout = layout_changed.then(|| Message::Layout(state.layout.clone()));
    let frames = ids.iter().filter_map(|id| match state.data.get(id) {
        Some(ChannelData::Snapshot(frame)) => Some(Message::Data((**frame).clone())),
        _ => None,
    });
    layout.into_iter().chain(frames).collect()
}

/// The goodbye of a run whose processes all ended.
pub fn goodbye(interrupted: bool, reason: &str) -> Message {
    Message::Goodbye(Goodbye {
        code: if interrupted {
            GoodbyeCode::Interrupted
        } else {
            GoodbyeCode::ComputationEnded
        },
        reason: reason.to_owned(),
    })
}

/// Gives the recorder messages, in order.
pub fn write(recorder: &mut Recorder, messages: impl IntoIterator<Item = Message>) {
    let now = Instant::now();
    for msg in messages {
        match encode(&msg) {
            Ok(frame) => recorder.message(&frame.slice(LENGTH_PREFIX_BYTES..), &msg, now),
            Err(err) => warn!("cannot record a {}: {err}", msg.name()),
        }
    }
}
