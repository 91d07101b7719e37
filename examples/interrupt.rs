//! Ctrl-C and plotcast.
//!
//! Plain mode (the default): a long loop with no signal handling at all.
//! Ctrl-C stops the process at once, exactly as without plotcast; the
//! viewer, in its own process group, keeps the final plot.
//!
//! Graceful mode (`-- --graceful`): the computation catches Ctrl-C itself
//! (plotcast installs no handler), publishes a final frame marked as such,
//! waits briefly for viewers to receive it, and exits.
//!
//! ```sh
//! cargo run --release --example interrupt
//! cargo run --release --example interrupt -- --graceful
//! ```

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let graceful = std::env::args().any(|a| a == "--graceful");
    let steps = plotcast_workloads::steps_from_env(u64::MAX);
    // Set by Ctrl-C in graceful mode; the handler only stores to an atomic,
    // the one thing that is safe in a signal handler.
    let stop = Arc::new(AtomicBool::new(false));
    if graceful {
        signal_hook::flag::register(signal_hook::consts::SIGINT, Arc::clone(&stop))?;
    }
    let server = plotcast::Server::builder().title("interrupt").start()?;
    let signal = server.line("signal");
    let progress = server.series("progress");
    eprintln!(
        "interrupt: serving on {} (pid {}); press Ctrl-C to stop{}",
        server.local_addr(),
        std::process::id(),
        if graceful { " gracefully" } else { "" }
    );

    let n = 2000;
    let mut ys = vec![0.0f64; n];
    let mut step = 0u64;
    while step < steps && !stop.load(Ordering::SeqCst) {
        // A deliberately busy loop: the kind of work Ctrl-C must interrupt.
        let t = step as f64 * 0.05;
        for (i, y) in ys.iter_mut().enumerate() {
            let x = i as f64 / n as f64;
            *y = (40.0 * x - t).sin() * (1.0 + (3.0 * x + t * 0.1).cos()) / 2.0;
        }
        signal.publish(&ys);
        progress.push(t, ys.iter().map(|y| y.abs()).sum::<f64>() / n as f64);
        step += 1;
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    if stop.load(Ordering::SeqCst) {
        eprintln!("interrupt: Ctrl-C received after {step} steps: publishing the final frame");
        ys.fill(0.0);
        signal.publish(&ys);
    }
    server.finish(std::time::Duration::from_secs(2));
    Ok(())
}
