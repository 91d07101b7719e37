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

/// Nanoseconds on a CPU (`/proc/.../schedstat`, first field) of the
/// threads of this process named `name`: finer than [`thread_cpu_secs`]'s
/// 10 ms ticks, for threads that use a few milliseconds a second.
pub fn thread_cpu_ns(name: &str) -> u64 {
    let Ok(tasks) = fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .flatten()
        .filter(|task| {
            fs::read_to_string(task.path().join("comm")).is_ok_and(|comm| comm.trim() == name)
        })
        .map(|task| schedstat_ns(&task.path().join("schedstat")))
        .sum()
}

/// Nanoseconds on a CPU of the calling thread so far.
pub fn this_thread_cpu_ns() -> u64 {
    schedstat_ns(std::path::Path::new("/proc/thread-self/schedstat"))
}

fn schedstat_ns(path: &std::path::Path) -> u64 {
    fs::read_to_string(path)
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Times the calling thread was taken off a CPU while it could run
/// (`nonvoluntary_ctxt_switches`): preempted by another thread.
pub fn this_thread_preemptions() -> u64 {
    fs::read_to_string("/proc/thread-self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("nonvoluntary_ctxt_switches:"))
                .and_then(|v| v.trim().parse().ok())
        })
        .unwrap_or(0)
}

/// CPU seconds (user + system) used so far by this process's children
/// whose command line contains `marker` (a nats-server, by its
/// configuration folder's name).
pub fn child_cpu_secs(marker: &str) -> f64 {
    let Ok(entries) = fs::read_dir("/proc") else {
        return 0.0;
    };
    let own = std::process::id().to_string();
    let mut ticks = 0u64;
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(stat) = fs::read_to_string(path.join("stat")) else {
            continue;
        };
        // After the parenthesised name: state, ppid, ..., utime (12th),
        // stime (13th).
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let f: Vec<&str> = rest.split_whitespace().collect();
        if f.get(1) != Some(&own.as_str()) {
            continue;
        }
        let cmdline = fs::read(path.join("cmdline")).unwrap_or_default();
        if !String::from_utf8_lossy(&cmdline).contains(marker) {
            continue;
        }
        let field = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        ticks += field(11) + field(12);
    }
    ticks as f64 / 100.0
}
