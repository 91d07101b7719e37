//! Where a viewer on another machine dials a server: the addresses behind
//! the one it is bound to, for the "connect with: ..." hint.
//!
//! A server bound to `0.0.0.0` listens on every interface, but that
//! address cannot be dialed, and the host name may not resolve on the
//! viewer's machine (a VM called `vm`, a laptop on a hotel network). So
//! the hint names the machine's own non-loopback addresses, read the way
//! `ip addr` would without a new dependency:
//!
//! ```text
//! /proc/net/fib_trie    IPv4: a "|-- 192.0.2.2" line followed by "/32 host LOCAL"
//! /proc/net/if_inet6    IPv6: "fd000000000000000000000000000002 04 40 00 82  eth0"
//!                             (address, index, prefix, scope 00 = global, ...)
//! ```
//!
//! Where those files do not exist (not Linux), a UDP socket "connected" to
//! a documentation address (no packet is sent) tells the address of the
//! default route's interface.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};

use plotcast_protocol::util::host_name;

/// The addresses a viewer on another machine can dial for a server bound
/// to `bound`: `bound` itself unless it is unspecified; for `0.0.0.0`
/// every non-loopback IPv4 address of this machine, for `[::]` its global
/// IPv6 addresses and then (IPv4 reaching an IPv6 socket unless
/// `bindv6only` is set) the IPv4 ones. Empty when none is found.
pub(crate) fn reachable_addrs(bound: SocketAddr) -> Vec<SocketAddr> {
    let port = bound.port();
    let ips: Vec<IpAddr> = match bound.ip() {
        ip if !ip.is_unspecified() => vec![ip],
        IpAddr::V4(_) => ipv4_addrs().into_iter().map(IpAddr::V4).collect(),
        IpAddr::V6(_) => {
            let v6 = ipv6_addrs().into_iter().map(IpAddr::V6);
            let dual = std::fs::read_to_string("/proc/sys/net/ipv6/bindv6only")
                .map_or(true, |v| v.trim() == "0");
            let v4 = ipv4_addrs().into_iter().map(IpAddr::V4);
            v6.chain(v4.filter(|_| dual)).collect()
        }
    };
    ips.into_iter()
        .map(|ip| SocketAddr::new(ip, port))
        .collect()
}

/// What a viewer on another machine types to connect, one line per
/// address (`plotcast-viewer 192.0.2.2:47800 --token T`); the host name
/// (or `HOST`) when no address is known.
pub(crate) fn viewer_commands(bin: &str, bound: SocketAddr, token: Option<&str>) -> Vec<String> {
    let token = token.map(|t| format!(" --token {t}")).unwrap_or_default();
    let addrs: Vec<String> = match reachable_addrs(bound) {
        addrs if addrs.is_empty() => {
            let host = host_name().unwrap_or_else(|| "HOST".into());
            vec![format!("{host}:{}", bound.port())]
        }
        addrs => addrs.iter().map(SocketAddr::to_string).collect(),
    };
    addrs
        .into_iter()
        .map(|addr| format!("{bin} {addr}{token}"))
        .collect()
}

/// `connect with: CMD`, then `          or: CMD` for each further one.
pub(crate) fn hint_lines(commands: &[String]) -> Vec<String> {
    commands
        .iter()
        .enumerate()
        .map(|(i, cmd)| {
            let head = if i == 0 {
                "connect with"
            } else {
                "          or"
            };
            format!("{head}: {cmd}")
        })
        .collect()
}

/// This machine's non-loopback IPv4 addresses.
fn ipv4_addrs() -> Vec<Ipv4Addr> {
    match std::fs::read_to_string("/proc/net/fib_trie") {
        Ok(text) => local_ipv4(&text),
        Err(_) => default_route_ipv4().into_iter().collect(),
    }
}

/// The local addresses a `/proc/net/fib_trie` lists (each appears in the
/// main and the local table: listed once), loopback left out.
fn local_ipv4(fib_trie: &str) -> Vec<Ipv4Addr> {
    let mut last: Option<Ipv4Addr> = None;
    let mut out = Vec::new();
    for line in fib_trie.lines() {
        let line = line.trim();
        if let Some(ip) = line.strip_prefix("|-- ") {
            last = ip.trim().parse().ok();
        } else if line.starts_with("/32 host LOCAL") {
            if let Some(ip) = last.filter(|ip| !ip.is_loopback() && !out.contains(ip)) {
                out.push(ip);
            }
        }
    }
    out
}

/// The address of the interface the default route leaves by.
fn default_route_ipv4() -> Option<Ipv4Addr> {
    let socket = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).ok()?;
    // TEST-NET-2: never routed anywhere; connecting a UDP socket sends
    // nothing, it only picks the route.
    socket.connect((Ipv4Addr::new(198, 51, 100, 1), 9)).ok()?;
    match socket.local_addr().ok()?.ip() {
        IpAddr::V4(ip) if !ip.is_unspecified() && !ip.is_loopback() => Some(ip),
        _ => None,
    }
}

/// This machine's global IPv6 addresses (link-local ones need an
/// interface name to be dialed: left out).
fn ipv6_addrs() -> Vec<Ipv6Addr> {
    std::fs::read_to_string("/proc/net/if_inet6")
        .map(|text| global_ipv6(&text))
        .unwrap_or_default()
}

/// The global-scope addresses a `/proc/net/if_inet6` lists.
fn global_ipv6(if_inet6: &str) -> Vec<Ipv6Addr> {
    let mut out = Vec::new();
    for line in if_inet6.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [hex, _index, _prefix, scope, ..] = fields[..] else {
            continue;
        };
        let Ok(bits) = u128::from_str_radix(hex, 16) else {
            continue;
        };
        let ip = Ipv6Addr::from(bits);
        if scope == "00" && !ip.is_loopback() && !ip.is_unspecified() && !out.contains(&ip) {
            out.push(ip);
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const FIB_TRIE: &str = "\
Main:
  +-- 0.0.0.0/0 3 0 5
     |-- 0.0.0.0
        /0 universe UNICAST
     +-- 127.0.0.0/8 2 0 2
        +-- 127.0.0.0/31 1 0 0
           |-- 127.0.0.0
              /8 host LOCAL
           |-- 127.0.0.1
              /32 host LOCAL
        |-- 127.255.255.255
           /32 link BROADCAST
     +-- 192.0.2.0/24 2 0 2
        +-- 192.0.2.0/30 2 0 2
           |-- 192.0.2.0
              /24 link UNICAST
           |-- 192.0.2.2
              /32 host LOCAL
        |-- 192.0.2.255
           /32 link BROADCAST
     |-- 10.1.2.3
        /32 host LOCAL
Local:
     +-- 192.0.2.0/24 2 0 2
           |-- 192.0.2.2
              /32 host LOCAL
";

    #[test]
    fn ipv4_addresses_from_fib_trie() {
        assert_eq!(
            local_ipv4(FIB_TRIE),
            [Ipv4Addr::new(192, 0, 2, 2), Ipv4Addr::new(10, 1, 2, 3)]
        );
        assert!(local_ipv4("").is_empty());
    }

    #[test]
    fn global_ipv6_addresses_from_if_inet6() {
        let text = "\
fe8000000000000000fc00fffe000001 04 40 20 80     eth0
00000000000000000000000000000001 01 80 10 80       lo
fd000000000000000000000000000002 04 40 00 82     eth0
not a line
";
        assert_eq!(global_ipv6(text), ["fd00::2".parse::<Ipv6Addr>().unwrap()]);
    }

    #[test]
    fn a_specific_address_is_its_own_and_unspecified_ones_are_not_listed() {
        let bound: SocketAddr = "10.9.8.7:47800".parse().unwrap();
        assert_eq!(reachable_addrs(bound), [bound]);
        for bound in ["0.0.0.0:47800", "[::]:47800"] {
            let bound: SocketAddr = bound.parse().unwrap();
            for addr in reachable_addrs(bound) {
                assert_eq!(addr.port(), 47800);
                assert!(
                    !addr.ip().is_unspecified() && !addr.ip().is_loopback(),
                    "{addr}"
                );
            }
        }
    }

    #[test]
    fn the_hint_names_each_address() {
        let bound: SocketAddr = "10.9.8.7:47800".parse().unwrap();
        let commands = viewer_commands("plotcast-viewer", bound, Some("T"));
        assert_eq!(commands, ["plotcast-viewer 10.9.8.7:47800 --token T"]);
        let two = ["a".to_owned(), "b".to_owned()];
        assert_eq!(hint_lines(&two), ["connect with: a", "          or: b"]);
    }
}
