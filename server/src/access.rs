//! Access control: tokens, their constant-time check, random ids.

use std::fs::File;
use std::io::{self, Read};

/// `N` random bytes from the system's random source.
pub(crate) fn random_bytes<const N: usize>() -> io::Result<[u8; N]> {
    let mut buf = [0u8; N];
    File::open("/dev/urandom")?.read_exact(&mut buf)?;
    Ok(buf)
}

/// A random session id.
pub(crate) fn random_u64() -> io::Result<u64> {
    random_bytes::<8>().map(u64::from_le_bytes)
}

/// A random access token: 32 lower-case hex digits (128 bits).
pub(crate) fn random_token() -> io::Result<String> {
    use std::fmt::Write;
    let bytes = random_bytes::<16>()?;
    Ok(bytes.iter().fold(String::with_capacity(32), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    }))
}

/// Compares `given` with `expected` in time that depends only on the length
/// of `expected`, so response timing reveals nothing about how much of a
/// guess was right.
pub(crate) fn ct_eq(expected: &[u8], given: &[u8]) -> bool {
    let mut diff = expected.len() ^ given.len();
    for (i, e) in expected.iter().enumerate() {
        let g = given.get(i).copied().unwrap_or(!*e);
        diff |= usize::from(e ^ g);
    }
    std::hint::black_box(diff) == 0
}

/// Whether a handshake's token is acceptable.
pub(crate) fn token_ok(expected: Option<&str>, given: Option<&str>) -> bool {
    match expected {
        None => true,
        Some(expected) => ct_eq(expected.as_bytes(), given.unwrap_or("").as_bytes()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn compare() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
        assert!(!ct_eq(b"abc", b"abcd"));
        assert!(!ct_eq(b"", b"x"));
        assert!(ct_eq(b"", b""));
        assert!(token_ok(None, Some("anything")));
        assert!(!token_ok(Some("t"), None));
        assert!(token_ok(Some("t"), Some("t")));
    }

    #[test]
    fn tokens_are_random_hex() {
        let a = random_token().unwrap();
        let b = random_token().unwrap();
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
