//! Thousands of random walkers: a histogram of their positions and the
//! mean-square displacement against time (which grows linearly, 2Dt).
//!
//! ```sh
//! cargo run --release --example random_walk
//! ```

const WALKERS: usize = 20_000;
const BINS: usize = 80;

/// A small, fast generator (xorshift64*): the example needs no crate.
struct Rng(u64);

impl Rng {
    fn next_f64(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A standard normal sample (Box-Muller).
    fn normal(&mut self) -> f64 {
        let u = self.next_f64().max(f64::MIN_POSITIVE);
        let v = self.next_f64();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let steps = plotcast_workloads::steps_from_env(u64::MAX);
    let server = plotcast::Server::builder().title("random walk").start()?;
    let histogram = server.bars("positions");
    let msd = server.series("mean-square displacement");
    eprintln!(
        "random_walk: serving on {} (Ctrl-C to stop)",
        server.local_addr()
    );

    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut pos = vec![0.0f64; WALKERS];
    let mut counts = vec![0.0f64; BINS];
    let mut edges = vec![0.0f64; BINS + 1];
    for step in 1..=steps {
        for p in pos.iter_mut() {
            *p += rng.normal();
        }
        if step.is_multiple_of(5) {
            let width = 8.0 * (step as f64).sqrt() / BINS as f64;
            let lo = -(BINS as f64) / 2.0 * width;
            for (i, e) in edges.iter_mut().enumerate() {
                *e = lo + i as f64 * width;
            }
            counts.fill(0.0);
            for p in &pos {
                let bin = ((p - lo) / width).floor();
                if bin >= 0.0 && (bin as usize) < BINS {
                    counts[bin as usize] += 1.0;
                }
            }
            histogram.publish_edges(&edges, &counts);
            let m = pos.iter().map(|p| p * p).sum::<f64>() / WALKERS as f64;
            msd.push(step as f64, m);
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }
    server.finish(std::time::Duration::from_secs(2));
    Ok(())
}
