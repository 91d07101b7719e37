//! The window's `e`: the data of the plot under the mouse, as far as it is
//! in view, to a CSV file in the working directory. Data the server reduced
//! to the view (level of detail) draws right but is not every value, so
//! then the full resolution is fetched on a connection of its own, on a
//! thread of its own (a large window over a slow link takes a while), and
//! the window says when the file is written.

use std::collections::BTreeSet;
use std::thread::{self, JoinHandle};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use winit::event_loop::EventLoopProxy;

use super::event::UserEvent;
use crate::model::{AxisView, PlotState};
use crate::net::{fetch_full, NetConfig};
use crate::recording::export::export_visible;

/// How long a full-resolution fetch may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(30);

/// What to export: one plot's visible part.
pub(super) struct Request {
    pub state: PlotState,
    pub channel: u32,
    pub visible: AxisView,
    pub hidden: Option<BTreeSet<String>>,
}

/// Runs exports and tells the window what they wrote.
pub(super) struct Exporter {
    /// The export running in the background, if any.
    job: Option<JoinHandle<()>>,
    proxy: EventLoopProxy<UserEvent>,
}

impl Exporter {
    /// An exporter whose results reach the window through `proxy`.
    pub(super) fn new(proxy: EventLoopProxy<UserEvent>) -> Self {
        Self { job: None, proxy }
    }

    /// Exports `request`; `fetch`: the live connection's settings, used
    /// when the data is reduced.
    pub(super) fn start(&mut self, request: Request, fetch: Option<&NetConfig>) {
        let proxy = self.proxy.clone();
        // A closed event loop means the window is gone: nobody to tell.
        let notify = move |text: String| {
            let _ = proxy.send_event(UserEvent::Notice(text));
        };
        if self.job.as_ref().is_some_and(|job| !job.is_finished()) {
            return notify("an export is still running".into());
        }
        self.finish();
        let reduced = request
            .state
            .data
            .get(&request.channel)
            .is_some_and(|data| data.is_reduced());
        let Some(cfg) = fetch.filter(|_| reduced).cloned() else {
            return notify(write(&request, false));
        };
        notify("fetching every value of the plot for the export…".into());
        let spawned = thread::Builder::new()
            .name("plotcast-export".into())
            .spawn(move || match fetch_full(&cfg, FETCH_TIMEOUT) {
                Ok(full) => notify(write(
                    &Request {
                        state: full,
                        ..request
                    },
                    true,
                )),
                Err(err) => notify(format!("export failed: cannot fetch the full data: {err}")),
            });
        match spawned {
            Ok(job) => self.job = Some(job),
            Err(err) => eprintln!("plotcast-viewer: export failed: {err}"),
        }
    }

    /// Waits for a running export to end (the window is closing).
    pub(super) fn finish(&mut self) {
        if let Some(job) = self.job.take() {
            // A panic in the export thread was already reported by it.
            let _ = job.join();
        }
    }
}

/// Writes the file; the line that says what was written, or why not.
fn write(request: &Request, fetched: bool) -> String {
    let unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let hidden = request.hidden.as_ref();
    match export_visible(
        &request.state,
        request.channel,
        &request.visible,
        hidden,
        fetched,
        unix,
    ) {
        Ok(exported) => exported.describe(),
        Err(err) => format!("export failed: {err}"),
    }
}
