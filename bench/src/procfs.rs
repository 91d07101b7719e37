//! What the kernel says about this process: resident memory and the CPU
//! time of a named thread.

use std::fs;

/// Resident set size in bytes (VmRSS), 0 when unknown.
pub fn rss_bytes() -> u64 {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

/// CPU seconds (user + system) used so far by the threads of this process
/// named `name` (as in `/proc/self/task/*/comm`).
pub fn thread_cpu_secs(name: &str) -> f64 {
    let Ok(tasks) = fs::read_dir("/proc/self/task") else {
        return 0.0;
    };
    let ticks_per_sec = 100.0; // USER_HZ on Linux
    let mut total = 0u64;
    for task in tasks.flatten() {
        let comm = fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if comm.trim() != name {
            continue;
        }
        let stat = fs::read_to_string(task.path().join("stat")).unwrap_or_default();
        // Fields after the parenthesised name: utime and stime are the
        // 12th and 13th of them.
        if let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) {
            let f: Vec<&str> = rest.split_whitespace().collect();
            let utime = f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
            let stime = f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
            total += utime + stime;
        }
    }
    total as f64 / ticks_per_sec
}
