//! Small helpers every plotcast crate needs, defined once: wall-clock
//! timestamps as the protocol carries them, the host's name, and a mutex
//! lock that survives poisoning.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

/// Microseconds since the Unix epoch: the unit of every timestamp on the
/// wire (`Frame::timestamp_us`, `BatchEnd::server_time_us`). A clock set
/// before 1970 reads 0; one past the year 584 554 reads `u64::MAX`.
pub fn unix_now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

/// This machine's host name, when it has one: the kernel's
/// (`/proc/sys/kernel/hostname`), else the `HOSTNAME` variable.
pub fn host_name() -> Option<String> {
    let clean = |name: String| Some(name.trim().to_owned()).filter(|n| !n.is_empty());
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .and_then(clean)
        .or_else(|| std::env::var("HOSTNAME").ok().and_then(clean))
}

/// Locks a mutex, ignoring poisoning. Use it where every critical section
/// leaves the data consistent even if a panic interrupts it (plain
/// assignments, pushes, counters), so one panicking thread cannot take
/// every later user down with it.
pub fn lock<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn now_is_after_2020_and_moves_forward() {
        let a = unix_now_us();
        assert!(a > 1_577_836_800_000_000, "{a} µs is before 2020");
        let b = unix_now_us();
        assert!(b >= a);
    }

    #[test]
    fn host_name_is_trimmed_and_not_empty() {
        if let Some(name) = host_name() {
            assert!(!name.is_empty());
            assert_eq!(name, name.trim());
        }
    }

    #[test]
    fn a_poisoned_lock_still_locks() {
        let m = std::sync::Arc::new(Mutex::new(1));
        let poisoner = std::sync::Arc::clone(&m);
        let _ = std::thread::spawn(move || {
            let _guard = poisoner.lock().unwrap();
            panic!("poison the mutex");
        })
        .join();
        assert!(m.is_poisoned());
        *lock(&m) += 1;
        assert_eq!(*lock(&m), 2);
    }
}
