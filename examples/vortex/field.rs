//! The vortex flow: point vortices with smooth (Lamb–Oseen) cores moving in
//! each other's velocity field, and that field sampled on a grid. Pure
//! arithmetic, shared by the example and by the test that checks the
//! custom viewer's picture against a render of the same data.

use std::f64::consts::PI;

/// Grid columns and rows of the published field.
pub const NX: usize = 64;
/// Grid rows.
pub const NY: usize = 48;
/// The domain: x from `X0` to `X1`, y from `Y0` to `Y1` (metres).
pub const BOUNDS: [f64; 4] = [-2.0, 2.0, -1.5, 1.5];
/// Time step (seconds).
pub const DT: f64 = 0.01;
/// Core radius of every vortex (metres).
const CORE: f64 = 0.25;

/// The computation's channel, as the viewer's layout lists it: the test
/// renders the same spec.
pub const CHANNEL: &str = "flow";
/// The plot type of the channel (registered by the vortex viewer).
pub const PLOT_TYPE: &str = "vortex-flow";
/// Title and axis labels of the channel.
pub const TITLE: &str = "Vortex flow: speed and velocity";
/// X axis label.
pub const X_LABEL: &str = "x [m]";
/// Y axis label.
pub const Y_LABEL: &str = "y [m]";

/// Point vortices: positions and circulations.
#[derive(Debug, Clone)]
pub struct Vortices {
    /// x of each vortex.
    pub x: Vec<f64>,
    /// y of each vortex.
    pub y: Vec<f64>,
    /// Circulation of each (positive: counter-clockwise).
    pub gamma: Vec<f64>,
}

impl Default for Vortices {
    /// Two strong vortices and two weak ones, all turning the same way:
    /// they orbit their common centre and pull each other into new shapes,
    /// and (of one sign, their centre fixed) they stay in the domain
    /// however long the run.
    fn default() -> Self {
        Self {
            x: vec![-0.5, 0.5, 0.0, 0.0],
            y: vec![0.0, 0.0, 1.0, -1.0],
            gamma: vec![1.0, 1.0, 0.4, 0.4],
        }
    }
}

/// Velocity at `(px, py)` induced by the vortices; `skip` leaves one out
/// (a vortex does not move itself).
fn velocity(v: &Vortices, px: f64, py: f64, skip: Option<usize>) -> (f64, f64) {
    let (mut u, mut w) = (0.0, 0.0);
    for k in 0..v.x.len() {
        if Some(k) == skip {
            continue;
        }
        let (dx, dy) = (px - v.x[k], py - v.y[k]);
        let r2 = dx * dx + dy * dy;
        if r2 < 1e-12 {
            continue;
        }
        let s = v.gamma[k] / (2.0 * PI * r2) * (1.0 - (-r2 / (CORE * CORE)).exp());
        u -= s * dy;
        w += s * dx;
    }
    (u, w)
}

impl Vortices {
    /// One midpoint (RK2) step of the vortices' motion.
    pub fn step(&mut self) {
        let n = self.x.len();
        let half = |v: &Vortices| {
            (0..n)
                .map(|k| velocity(v, v.x[k], v.y[k], Some(k)))
                .collect::<Vec<_>>()
        };
        let mut mid = self.clone();
        for (k, (u, v)) in half(self).into_iter().enumerate() {
            mid.x[k] += 0.5 * DT * u;
            mid.y[k] += 0.5 * DT * v;
        }
        for (k, (u, v)) in half(&mid).into_iter().enumerate() {
            self.x[k] += DT * u;
            self.y[k] += DT * v;
        }
    }

    /// The velocity field at the cell centres, row-major, row 0 at the
    /// bottom (`NX × NY` values each).
    pub fn field(&self, u: &mut Vec<f64>, v: &mut Vec<f64>) {
        u.clear();
        v.clear();
        let [x0, x1, y0, y1] = BOUNDS;
        for j in 0..NY {
            let y = y0 + (j as f64 + 0.5) * (y1 - y0) / NY as f64;
            for i in 0..NX {
                let x = x0 + (i as f64 + 0.5) * (x1 - x0) / NX as f64;
                let (a, b) = velocity(self, x, y, None);
                u.push(a);
                v.push(b);
            }
        }
    }
}

/// The vortices after `steps` steps from the start (for the test that
/// renders the same data).
#[allow(dead_code)]
pub fn after(steps: u64) -> Vortices {
    let mut v = Vortices::default();
    for _ in 0..steps {
        v.step();
    }
    v
}
