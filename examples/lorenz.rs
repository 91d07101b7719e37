//! The Lorenz attractor: the x/z phase portrait as a line, and x, y, z as
//! append series against time.
//!
//! ```sh
//! cargo run --release --example lorenz
//! ```

use std::collections::VecDeque;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let steps = plotcast_workloads::steps_from_env(u64::MAX);
    let server = plotcast::Server::builder().title("lorenz").start()?;
    let phase = server.line("x/z phase");
    // One time axis: zooming or panning one series moves all three.
    let xs = server.channel("x").link_x("time").series();
    let ys = server.channel("y").link_x("time").series();
    let zs = server.channel("z").link_x("time").series();
    eprintln!(
        "lorenz: serving on {} (Ctrl-C to stop)",
        server.local_addr()
    );

    let (sigma, rho, beta) = (10.0, 28.0, 8.0 / 3.0);
    let (mut x, mut y, mut z) = (1.0f64, 1.0f64, 1.0f64);
    let dt = 1e-3;
    // The phase portrait shows the last 20 000 states.
    let mut trail_x = VecDeque::with_capacity(20_000);
    let mut trail_z = VecDeque::with_capacity(20_000);
    let (mut px, mut pz) = (Vec::new(), Vec::new());
    for step in 0..steps {
        // Classic fourth-order Runge-Kutta.
        let f = |x: f64, y: f64, z: f64| (sigma * (y - x), x * (rho - z) - y, x * y - beta * z);
        let k1 = f(x, y, z);
        let k2 = f(
            x + dt / 2.0 * k1.0,
            y + dt / 2.0 * k1.1,
            z + dt / 2.0 * k1.2,
        );
        let k3 = f(
            x + dt / 2.0 * k2.0,
            y + dt / 2.0 * k2.1,
            z + dt / 2.0 * k2.2,
        );
        let k4 = f(x + dt * k3.0, y + dt * k3.1, z + dt * k3.2);
        x += dt / 6.0 * (k1.0 + 2.0 * k2.0 + 2.0 * k3.0 + k4.0);
        y += dt / 6.0 * (k1.1 + 2.0 * k2.1 + 2.0 * k3.1 + k4.1);
        z += dt / 6.0 * (k1.2 + 2.0 * k2.2 + 2.0 * k3.2 + k4.2);
        if trail_x.len() == 20_000 {
            trail_x.pop_front();
            trail_z.pop_front();
        }
        trail_x.push_back(x);
        trail_z.push_back(z);

        let t = step as f64 * dt;
        if step.is_multiple_of(10) {
            xs.push(t, x);
            ys.push(t, y);
            zs.push(t, z);
        }
        if step.is_multiple_of(200) {
            px.clear();
            pz.clear();
            px.extend(trail_x.iter());
            pz.extend(trail_z.iter());
            phase.publish_xy(&px, &pz);
            // Slow enough to watch: the attractor unfolds over minutes.
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }
    server.finish(std::time::Duration::from_secs(2));
    Ok(())
}
