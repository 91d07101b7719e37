//! The heat demo's computation: a 2-D heat equation on a plate with a
//! circling, pulsing heat source. The `heat` example streams it; the
//! recording tests recompute it to check that a replay shows exactly what
//! was published (the computation is deterministic: the same steps give
//! the same bits).

/// Columns of the plate.
pub const NX: usize = 256;
/// Rows of the plate.
pub const NY: usize = 160;
/// The example publishes after every this many steps.
pub const STEPS_PER_PUBLISH: u64 = 10;

/// The plate's temperatures and the step count.
#[derive(Debug, Clone)]
pub struct Plate {
    u: Vec<f64>,
    next: Vec<f64>,
    step: u64,
}

impl Default for Plate {
    fn default() -> Self {
        Self::new()
    }
}

impl Plate {
    /// A cold plate at step 0.
    pub fn new() -> Self {
        Self {
            u: vec![0.0; NX * NY],
            next: vec![0.0; NX * NY],
            step: 0,
        }
    }

    /// One explicit diffusion step, then the source's heat.
    pub fn step(&mut self) {
        let alpha = 0.2; // diffusion number: stable for <= 0.25
                         // The source circles the centre of the plate, its power pulsing
                         // slowly, so the energy rises and falls around its equilibrium.
        let phase = self.step as f64 * 0.0005;
        let power = 1.0 + 0.9 * (self.step as f64 * 0.00005).sin();
        let sx = (NX as f64 * (0.5 + 0.3 * phase.cos())) as usize;
        let sy = (NY as f64 * (0.5 + 0.3 * phase.sin())) as usize;
        let (u, next) = (&self.u, &mut self.next);
        for j in 1..NY - 1 {
            for i in 1..NX - 1 {
                let k = j * NX + i;
                let lap = u[k - 1] + u[k + 1] + u[k - NX] + u[k + NX] - 4.0 * u[k];
                next[k] = u[k] + alpha * lap;
            }
        }
        for j in sy.saturating_sub(3)..(sy + 3).min(NY - 1) {
            for i in sx.saturating_sub(3)..(sx + 3).min(NX - 1) {
                next[j * NX + i] += power;
            }
        }
        std::mem::swap(&mut self.u, &mut self.next);
        self.step += 1;
    }

    /// Steps taken.
    pub fn steps(&self) -> u64 {
        self.step
    }

    /// The temperatures, row-major (`NX` values of row 0 first).
    pub fn grid(&self) -> &[f64] {
        &self.u
    }

    /// The middle row: the `profile` line.
    pub fn profile(&self) -> &[f64] {
        &self.u[(NY / 2) * NX..(NY / 2 + 1) * NX]
    }

    /// The total heat: the `energy` series.
    pub fn energy(&self) -> f64 {
        self.u.iter().sum()
    }
}
