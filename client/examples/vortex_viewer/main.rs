//! The viewer of the `vortex` example: the stock viewer plus one plot type,
//! `vortex-flow` (see `flow_plot.rs`). Everything else (window or
//! `--headless`, status line, reconnect, zoom and pan, `s` to save a PNG,
//! the command line) is the stock viewer's.
//!
//! The `vortex` computation starts it by name
//! (`ServerBuilder::viewer_bin("vortex_viewer")`); cargo puts it next to
//! the computation (`target/<profile>/examples/`). Build it by hand with
//! `cargo build --release -p plotcast-viewer --example vortex_viewer`, or
//! start it by hand with `vortex_viewer ADDR`.

mod flow_plot;

fn main() -> std::process::ExitCode {
    plotcast_viewer::Viewer::new()
        .plot("vortex-flow", flow_plot::VortexFlow)
        .run()
}
