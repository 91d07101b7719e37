//! The big workload: a 2048 × 2048 field and a million-point line that
//! change every step, cheaply (rotations of patterns computed once), so a
//! computation publishes them as fast as memory bandwidth allows. Shared by
//! `examples/big.rs` and the benchmark's level-of-detail section, which
//! publish it through [`BigChannels`].

/// Side of the field.
pub const N: usize = 2048;
/// Points of the line.
pub const LINE: usize = 1_000_000;

/// The workload's state.
#[derive(Debug, Clone)]
pub struct Big {
    base_field: Vec<f64>,
    base_line: Vec<f64>,
    /// The field now, row-major, `N × N`.
    pub field: Vec<f64>,
    /// The line now.
    pub line: Vec<f64>,
    step: u64,
}

impl Default for Big {
    fn default() -> Self {
        Self::new()
    }
}

impl Big {
    /// The patterns (interfering waves, a noisy signal), computed once.
    pub fn new() -> Self {
        let base_field: Vec<f64> = (0..N * N)
            .map(|k| {
                let (x, y) = ((k % N) as f64 / N as f64, (k / N) as f64 / N as f64);
                let r = ((x - 0.5).powi(2) + (y - 0.5).powi(2)).sqrt();
                (40.0 * r).sin() * (-3.0 * r).exp() + 0.2 * (25.0 * x).cos() * (9.0 * y).sin()
            })
            .collect();
        let base_line: Vec<f64> = (0..LINE)
            .map(|i| {
                let x = i as f64 / LINE as f64;
                (200.0 * x).sin() * (1.0 + 0.5 * (7.0 * x).sin())
                    + 0.05 * ((i * 2_654_435_761) % 1000) as f64 / 1000.0
            })
            .collect();
        Self {
            field: base_field.clone(),
            line: base_line.clone(),
            base_field,
            base_line,
            step: 0,
        }
    }

    /// The next step: the field's pattern drifts (each row rotated), a few
    /// single hot cells wander (fine structure a reduced view must keep),
    /// the line's pattern moves.
    pub fn step(&mut self) {
        self.step += 1;
        let shift = (self.step as usize * 5) % N;
        for (row, base) in self
            .field
            .chunks_exact_mut(N)
            .zip(self.base_field.chunks_exact(N))
        {
            row[..N - shift].copy_from_slice(&base[shift..]);
            row[N - shift..].copy_from_slice(&base[..shift]);
        }
        for k in 0..5 {
            let at = (self.step as usize * 7919 + k * 1_046_527) % (N * N);
            self.field[at] = 3.0;
        }
        let shift = (self.step as usize * 997) % LINE;
        self.line[..LINE - shift].copy_from_slice(&self.base_line[shift..]);
        self.line[LINE - shift..].copy_from_slice(&self.base_line[..shift]);
    }
}

/// The big workload's channels on a server, publishing its steps: the field
/// as a heatmap, the line, and a series of three statistics against the
/// seconds since the first step.
pub struct BigChannels {
    big: Big,
    field: plotcast::Heatmap,
    line: plotcast::Line,
    stats: plotcast::Series,
    started: std::time::Instant,
}

impl BigChannels {
    /// Declares the channels on `server` and computes the patterns.
    pub fn new(server: &plotcast::Server) -> Self {
        Self {
            big: Big::new(),
            field: server
                .channel("field")
                .title("field (2048 × 2048)")
                .colormap(plotcast::Colormap::Magma)
                .heatmap(),
            line: server.channel("signal").title("signal (10⁶ points)").line(),
            stats: server.channel("stats").title("statistics").series(),
            started: std::time::Instant::now(),
        }
    }

    /// One step of the workload, published.
    pub fn step(&mut self) {
        let big = &mut self.big;
        big.step();
        self.field.publish(&big.field, N, N);
        self.line.publish(&big.line);
        let now = self.started.elapsed().as_secs_f64();
        let field_mean = big.field.iter().sum::<f64>() / (N * N) as f64;
        let line_mean = big.line.iter().sum::<f64>() / LINE as f64;
        self.stats.push_to("field mean", now, field_mean);
        self.stats.push_to("signal mean", now, line_mean);
        self.stats.push_to("signal at 0", now, big.line[0]);
    }
}
