//! A computation with a plot of its own: a 2-D vortex flow published as a
//! custom channel (velocity components `u`, `v` on a grid, the vortices'
//! positions and circulations, the domain's bounds), drawn by the custom
//! viewer `vortex_viewer` (`client/examples/vortex_viewer/`) as a colour
//! map of speed with velocity arrows and the vortex centres. The server
//! starts that viewer by name (`viewer_bin`); it is built in the background
//! on the first run. See "Custom plots" in the README.
//!
//! ```sh
//! cargo run --release --example vortex
//! PLOTCAST_STEPS=2000 cargo run --release --example vortex   # bounded run
//! ```

mod field;

use std::time::{Duration, Instant};

use field::{Vortices, BOUNDS, CHANNEL, NX, NY, PLOT_TYPE, TITLE, X_LABEL, Y_LABEL};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let steps = plotcast_workloads::steps_from_env(u64::MAX);
    let server = plotcast::Server::builder()
        .title("vortex")
        .viewer_bin("vortex_viewer")
        .start()?;
    let flow = server
        .channel(CHANNEL)
        .title(TITLE)
        .x_label(X_LABEL)
        .y_label(Y_LABEL)
        .colormap(plotcast::Colormap::Magma)
        .custom(PLOT_TYPE);
    let speed = server.channel("max speed").x_label("t [s]").series();
    eprintln!(
        "vortex: serving on {} (Ctrl-C to stop)",
        server.local_addr()
    );

    let mut vortices = Vortices::default();
    let (mut u, mut v) = (Vec::new(), Vec::new());
    let started = Instant::now();
    let mut step = 0u64;
    while step < steps {
        vortices.step();
        step += 1;
        vortices.field(&mut u, &mut v);
        flow.publish(
            &[
                ("u", &u),
                ("v", &v),
                ("vortex_x", &vortices.x),
                ("vortex_y", &vortices.y),
                ("gamma", &vortices.gamma),
                ("bounds", &BOUNDS),
            ],
            NX,
            NY,
        );
        let max = u
            .iter()
            .zip(&v)
            .map(|(a, b)| a.hypot(*b))
            .fold(0.0, f64::max);
        speed.push(step as f64 * field::DT, max);
        // A real simulation takes its time; this one is paced so the
        // motion can be watched (about 100 steps a second).
        let due = started + Duration::from_millis(10 * step);
        std::thread::sleep(due.saturating_duration_since(Instant::now()));
    }
    // Waits (at most 5 s) for the viewer to show the final step.
    server.finish(Duration::from_secs(5));
    Ok(())
}
