//! Big on purpose: a 2048 × 2048 field and a million-point line (plus three
//! series), published as fast as the computation runs. Raw, one frame is
//! 42 MB; over a 20 Mbit/s link that is 17 seconds a frame. The viewer
//! tells the server how big each plot is drawn, and the server sends what
//! that can show (a few hundred kilobytes, compressed off this machine):
//! the picture is the same, and zooming in brings the detail.
//!
//! ```sh
//! cargo run --release --example big
//! # remote, through a slow link: on the compute node
//! PLOTCAST_ADDR=0.0.0.0:47800 cargo run --release --example big
//! ```

use plotcast_workloads::big::BigChannels;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let steps = plotcast_workloads::steps_from_env(u64::MAX);
    let server = plotcast::Server::builder().title("big").start()?;
    let mut big = BigChannels::new(&server);
    eprintln!("big: serving on {} (Ctrl-C to stop)", server.local_addr());
    for _ in 0..steps {
        big.step();
    }
    server.finish(std::time::Duration::from_secs(5));
    Ok(())
}
