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

use plotcast_suite::big::{Big, LINE, N};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let steps = plotcast_suite::steps_from_env(u64::MAX);
    let server = plotcast::Server::builder().title("big").start()?;
    let field = server
        .channel("field")
        .title("field (2048 × 2048)")
        .colormap("magma")
        .heatmap();
    let line = server.channel("signal").title("signal (10⁶ points)").line();
    let stats = server.channel("stats").title("statistics").series();
    eprintln!("big: serving on {} (Ctrl-C to stop)", server.local_addr());

    let mut big = Big::new();
    let started = std::time::Instant::now();
    let mut step = 0u64;
    while step < steps {
        big.step();
        field.publish(&big.field, N, N);
        line.publish(&big.line);
        let now = started.elapsed().as_secs_f64();
        stats.push_to(
            "field mean",
            now,
            big.field.iter().sum::<f64>() / (N * N) as f64,
        );
        stats.push_to(
            "signal mean",
            now,
            big.line.iter().sum::<f64>() / LINE as f64,
        );
        stats.push_to("signal at 0", now, big.line[0]);
        step += 1;
    }
    server.finish(std::time::Duration::from_secs(5));
    Ok(())
}
