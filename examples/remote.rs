//! Remote viewing: binds every interface with an access token and prints
//! the exact viewer command to run on another machine.
//!
//! ```sh
//! PLOTCAST_ADDR=0.0.0.0:47800 cargo run --release --example remote
//! # then, on your laptop:
//! plotcast-viewer <this host>:47800 --token <printed token>
//! ```
//!
//! The token comes from `PLOTCAST_TOKEN` or is generated. No viewer is
//! launched here: the person watching starts one where they sit.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let steps = plotcast_workloads::steps_from_env(u64::MAX);
    let addr = std::env::var("PLOTCAST_ADDR").unwrap_or_else(|_| "0.0.0.0:47800".to_owned());
    let server = plotcast::Server::builder()
        .title("remote")
        .bind(addr)
        .launch_viewer(false)
        .start()?;
    let wave = server.line("travelling wave");
    let noise = server.series("noise");
    // start() printed the token and the command; repeat the essentials.
    eprintln!("remote: serving on {}", server.local_addr());

    let n = 1000;
    let mut ys = vec![0.0f64; n];
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    for step in 0..steps {
        let t = step as f64 * 0.02;
        for (i, y) in ys.iter_mut().enumerate() {
            let x = i as f64 / n as f64 * std::f64::consts::TAU * 3.0;
            *y = (x - t).sin() * (-(x - 9.0).powi(2) / 40.0).exp();
        }
        wave.publish(&ys);
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        noise.push(t, (state % 1000) as f64 / 1000.0);
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    Ok(())
}
