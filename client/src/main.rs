//! The `plotcast-viewer` binary: the stock viewer, with the built-in plot
//! types. The whole program is [`plotcast_viewer::Viewer`]; a viewer of
//! your own is the same call with `.plot(name, plot_type)` added. Exit
//! codes are documented in `--help` (see `plotcast_viewer::cli`).

use std::process::ExitCode;

fn main() -> ExitCode {
    plotcast_viewer::Viewer::new().name("plotcast-viewer").run()
}
