//! What a launch needs to know: [`LaunchRequest`], built from the
//! server's address and the builder's and environment's choices.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// What the viewer is pointed at.
#[derive(Debug, Clone)]
pub(crate) enum ViewerSource {
    /// The server's own socket, with its access token (passed in the
    /// viewer's environment).
    Direct {
        addr: SocketAddr,
        token: Option<String>,
    },
    /// The run through NATS: `nats://host:port/run`, with what the viewer
    /// needs to authenticate (`PLOTCAST_NATS_*` variables: secrets never
    /// go on a command line).
    Nats {
        url: String,
        env: Vec<(&'static str, String)>,
    },
}

/// The `PLOTCAST_NATS_*` variables a viewer reads to authenticate to NATS:
/// removed from a launched viewer's environment unless set for it.
pub(crate) const VIEWER_NATS_ENV: [&str; 4] = [
    "PLOTCAST_NATS_USER",
    "PLOTCAST_NATS_PASSWORD",
    "PLOTCAST_NATS_TOKEN",
    "PLOTCAST_NATS_CREDS",
];

impl ViewerSource {
    /// How a user starts such a viewer by hand, for messages.
    pub(crate) fn hint(&self) -> String {
        match self {
            Self::Direct { addr, token: None } => addr.to_string(),
            Self::Direct {
                addr,
                token: Some(_),
            } => format!("{addr} --token TOKEN"),
            Self::Nats { url, .. } => url.clone(),
        }
    }
}

/// What the launch needs to know.
#[derive(Debug, Clone)]
pub(crate) struct LaunchRequest {
    /// What the viewer watches.
    pub(crate) source: ViewerSource,
    pub(crate) explicit_path: Option<PathBuf>,
    /// A viewer of the user's own, by binary name (`viewer_bin`).
    pub(crate) bin_name: Option<String>,
    pub(crate) env_path: Option<PathBuf>,
    /// Before the viewer's own arguments (`viewer_command`: `-m
    /// plotcast.view --plotter ...` for a Python plotter).
    pub(crate) lead_args: Vec<String>,
    /// Appended to the viewer's command line (`PLOTCAST_VIEWER_ARGS`).
    pub(crate) extra_args: Vec<String>,
    /// False once the server is dropped: a late build does not launch.
    pub(crate) alive: Arc<AtomicBool>,
}

#[cfg(test)]
impl LaunchRequest {
    /// A request for tests: a viewer that would dial a port nobody listens
    /// on, named `bin_name` or found by the search.
    pub(crate) fn for_test(bin_name: Option<&str>) -> Self {
        Self {
            source: ViewerSource::Direct {
                addr: SocketAddr::new(Ipv4Addr::LOCALHOST.into(), 9),
                token: None,
            },
            explicit_path: None,
            bin_name: bin_name.map(str::to_owned),
            env_path: None,
            lead_args: Vec::new(),
            extra_args: Vec::new(),
            alive: Arc::new(AtomicBool::new(true)),
        }
    }
}

/// The address a local viewer should dial for a server bound to `addr`.
pub(crate) fn connect_addr(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(Ipv4Addr::LOCALHOST.into(), addr.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(Ipv6Addr::LOCALHOST.into(), addr.port())
        }
        _ => addr,
    }
}

/// Extra viewer arguments from `PLOTCAST_VIEWER_ARGS`, split on whitespace
/// (no quoting: paths with spaces cannot be passed this way). Lets a user or
/// a test change how the launched viewer runs, e.g. `--headless --out f.png`,
/// without code changes.
pub(crate) fn extra_args(var: Option<&str>) -> Vec<String> {
    var.map(|v| v.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    // The full path, not `super::*`: modcycles.py reads a nested file's
    // `super` as its folder's module.
    use crate::launch::request::*;

    #[test]
    fn unspecified_addresses_dial_loopback() {
        let a: SocketAddr = "0.0.0.0:9000".parse().unwrap();
        assert_eq!(connect_addr(a), "127.0.0.1:9000".parse().unwrap());
        let b: SocketAddr = "[::]:9".parse().unwrap();
        assert_eq!(connect_addr(b), "[::1]:9".parse().unwrap());
        let c: SocketAddr = "10.1.2.3:5".parse().unwrap();
        assert_eq!(connect_addr(c), c);
    }

    #[test]
    fn viewer_args_split_on_whitespace() {
        assert!(extra_args(None).is_empty());
        assert!(extra_args(Some("  ")).is_empty());
        assert_eq!(
            extra_args(Some(" --headless  --out /tmp/f{n}.png\t--frames 3 ")),
            ["--headless", "--out", "/tmp/f{n}.png", "--frames", "3"]
        );
    }
}
