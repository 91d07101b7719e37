//! Domain decomposition through NATS: four processes of one run, each
//! computing one tile of a 2-D field and one trace; one viewer shows the
//! tiles stitched into one picture and a trace per process.
//!
//! ```sh
//! nats-server -js &
//! cargo run --release --example tiles -- nats://127.0.0.1:4222
//! plotcast-viewer nats://127.0.0.1:4222/tiles      # from any machine that reaches NATS
//! ```
//!
//! The program starts four copies of itself (`--rank N`), as `mpiexec -n 4`
//! would start ranks; each dials out to NATS (nothing listens) and publishes
//! under run `tiles` as process `rankN`. `PLOTCAST_STEPS=N` bounds the run.

use std::process::Command;
use std::time::Duration;

const NX: usize = 240;
const NY: usize = 160;
const TILES: (usize, usize) = (2, 2);

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let url = args
        .iter()
        .skip(1)
        .find(|a| a.starts_with("nats://"))
        .cloned()
        .unwrap_or_else(|| "nats://127.0.0.1:4222".into());
    let steps = plotcast_workloads::steps_from_env(u64::MAX);
    if let Some(rank) = args
        .iter()
        .position(|a| a == "--rank")
        .and_then(|i| args.get(i + 1)?.parse().ok())
    {
        return worker(&url, rank, steps);
    }
    println!("tiles: 4 ranks publishing run 'tiles' through {url}; watch with: plotcast-viewer {url}/tiles");
    let exe = std::env::current_exe()?;
    let mut ranks = Vec::new();
    for rank in 0..TILES.0 * TILES.1 {
        ranks.push(
            Command::new(&exe)
                .args([url.as_str(), "--rank", &rank.to_string()])
                .spawn()?,
        );
    }
    for mut rank in ranks {
        rank.wait()?;
    }
    Ok(())
}

/// One rank: its part of the field and the mean over it, until the steps
/// are done.
fn worker(url: &str, rank: usize, steps: u64) -> Result<(), Box<dyn std::error::Error>> {
    let (w, h) = (NX / TILES.0, NY / TILES.1);
    let (x0, y0) = ((rank % TILES.0) * w, (rank / TILES.0) * h);
    let server = plotcast::Server::builder()
        .title("tiles")
        .nats(url)
        .run("tiles")
        .process(format!("rank{rank}"))
        // The run is watched with plotcast-viewer nats://.../tiles.
        .launch_viewer(false)
        .start()?;
    let field = server
        .channel("field")
        .value_label("u")
        .tile(x0 as u32, y0 as u32, NX as u32, NY as u32)
        .heatmap();
    let mean = server.channel("tile mean").x_label("step").series();
    let mut u = vec![0.0; w * h];
    let mut step = 0u64;
    while step < steps {
        let t = step as f64 * 0.05;
        for (i, v) in u.iter_mut().enumerate() {
            let (x, y) = ((x0 + i % w) as f64, (y0 + i / w) as f64);
            *v = (0.05 * x - t).sin() * (0.07 * y + 0.5 * t).cos() + 0.002 * (x + y);
        }
        field.publish(&u, w, h);
        mean.push(step as f64, u.iter().sum::<f64>() / u.len() as f64);
        std::thread::sleep(Duration::from_millis(20));
        step += 1;
    }
    server.finish(Duration::from_secs(2));
    Ok(())
}
