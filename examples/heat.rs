//! The main demo: a 2-D heat equation with a moving heat source.
//!
//! Streams a heatmap of the temperature, a line profile through the middle
//! row, and the total energy as an append series. The viewer opens by
//! itself; Ctrl-C stops the computation, the window keeps the last frame.
//! The computation itself is `plotcast_workloads::heat` (the recording tests
//! recompute it).
//!
//! ```sh
//! cargo run --release --example heat
//! PLOTCAST_STEPS=500 cargo run --release --example heat   # bounded run
//! ```

use std::time::Instant;

use plotcast_workloads::heat::{Plate, NX, NY, STEPS_PER_PUBLISH};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let steps = plotcast_workloads::steps_from_env(u64::MAX);
    let server = plotcast::Server::builder().title("heat").start()?;
    let temperature = server.heatmap("temperature");
    let profile = server.line("profile");
    let energy = server.series("energy");
    eprintln!("heat: serving on {} (Ctrl-C to stop)", server.local_addr());

    let mut plate = Plate::new();
    let started = Instant::now();
    while plate.steps() < steps {
        plate.step();
        if plate.steps().is_multiple_of(STEPS_PER_PUBLISH) {
            temperature.publish(plate.grid(), NX, NY);
            profile.publish(plate.profile());
            energy.push(started.elapsed().as_secs_f64(), plate.energy());
        }
    }
    server.finish(std::time::Duration::from_secs(2));
    Ok(())
}
