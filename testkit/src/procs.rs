//! Processes as the kernel sees them: their state, parent and group, the
//! ones whose command line names something, their memory, descriptors and
//! threads (all from `/proc`), and signals to them.
//!
//! A test's own children are [`KillOnDrop`](crate::KillOnDrop) guards; the
//! processes here may be anyone's (a viewer a computation launched, a
//! grandchild that outlived its parent).

use std::fs;
use std::time::Duration;

use crate::wait::wait_until;

pub use rustix::process::Signal;

/// The fields of `/proc/<pid>/stat` after the command name (which may hold
/// spaces and parentheses): the state first.
fn stat_fields(pid: i32) -> Option<Vec<String>> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    Some(rest.split_whitespace().map(str::to_owned).collect())
}

/// The one-letter state of a process (`R`, `S`, `Z`, …), `None` if gone.
pub fn state(pid: i32) -> Option<char> {
    stat_fields(pid)?.first()?.chars().next()
}

/// The parent pid of a process.
pub fn parent(pid: i32) -> Option<i32> {
    stat_fields(pid)?.get(1)?.parse().ok()
}

/// The process group of a process.
pub fn process_group(pid: i32) -> Option<i32> {
    stat_fields(pid)?.get(2)?.parse().ok()
}

/// True while the process exists and is not a zombie.
pub fn alive(pid: i32) -> bool {
    matches!(state(pid), Some(s) if s != 'Z' && s != 'X')
}

/// Every pid on this machine.
fn all_pids() -> Vec<i32> {
    let Ok(dir) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect()
}

/// Every pid whose command line contains `needle`.
pub fn pids_with_cmdline(needle: &str) -> Vec<i32> {
    all_pids()
        .into_iter()
        .filter(|pid| {
            fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| {
                String::from_utf8_lossy(&c)
                    .replace('\0', " ")
                    .contains(needle)
            })
        })
        .collect()
}

/// Zombie processes whose parent is `ppid`.
pub fn zombie_children(ppid: i32) -> Vec<i32> {
    all_pids()
        .into_iter()
        .filter(|&pid| parent(pid) == Some(ppid) && state(pid) == Some('Z'))
        .collect()
}

/// Waits until process `pid` is gone (or a zombie: its work is over).
///
/// # Panics
/// After `timeout`, naming `what` was awaited.
pub fn wait_gone(pid: i32, what: &str, timeout: Duration) {
    wait_until(what, timeout, || !alive(pid));
}

/// Waits until no live process has `needle` on its command line: a viewer
/// that a computation launched (not our child) has exited, and the files
/// it wrote are complete.
///
/// # Panics
/// After `timeout`, naming `what` was awaited.
pub fn wait_all_gone(needle: &str, what: &str, timeout: Duration) {
    wait_until(what, timeout, || {
        pids_with_cmdline(needle).into_iter().all(|pid| !alive(pid))
    });
}

/// Sends `signal` to `pid` (a negative pid signals the process group `-pid`).
///
/// # Errors
/// When the process does not exist (or the pid is 0), or we may not signal it.
pub fn signal(pid: i32, signal: Signal) -> std::io::Result<()> {
    let target = rustix::process::Pid::from_raw(pid.unsigned_abs().try_into().unwrap_or(0))
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "pid 0"))?;
    if pid < 0 {
        rustix::process::kill_process_group(target, signal)?;
    } else {
        rustix::process::kill_process(target, signal)?;
    }
    Ok(())
}

/// A `/proc/<pid>/status` field in bytes (`VmRSS`, `VmHWM`, `VmPeak`, ...).
///
/// # Panics
/// When the process or the field does not exist.
pub fn status_bytes(pid: i32, field: &str) -> u64 {
    let status = fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_else(|e| panic!("cannot read /proc/{pid}/status: {e}"));
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"));
    kib * 1024
}

/// Open file descriptors of a process.
///
/// # Panics
/// When the process does not exist.
pub fn fd_count(pid: i32) -> usize {
    fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap_or_else(|e| panic!("cannot list /proc/{pid}/fd: {e}"))
        .count()
}

/// The names of a process's threads, sorted.
///
/// # Panics
/// When the process does not exist.
pub fn thread_names(pid: i32) -> Vec<String> {
    let dir = fs::read_dir(format!("/proc/{pid}/task"))
        .unwrap_or_else(|e| panic!("cannot list /proc/{pid}/task: {e}"));
    let mut names: Vec<String> = dir
        .flatten()
        .filter_map(|t| fs::read_to_string(t.path().join("comm")).ok())
        .map(|name| name.trim().to_owned())
        .collect();
    names.sort();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_seen_as_it_is() {
        let me = i32::try_from(std::process::id()).expect("a pid");
        assert!(alive(me));
        assert!(matches!(state(me), Some('R' | 'S')));
        assert!(parent(me).is_some_and(|p| p > 0));
        assert!(process_group(me).is_some());
        assert!(fd_count(me) >= 3);
        assert!(status_bytes(me, "VmRSS") > 0);
        assert!(!thread_names(me).is_empty());
        assert_eq!(state(-1), None);
    }
}
