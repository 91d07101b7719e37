//! [`RelayAddress`]: `nats://[user:pass@]host:port[,host2:port2]/RUN`, the
//! address of a run relayed through NATS, read by the viewer itself
//! (async-nats ignores credentials written in a URL).
//!
//! ```text
//! nats://alice:s3cret@login1:4222,login2:4222/sweep-*
//! └─┬──┘ └────┬─────┘ └──────────┬─────────┘ └──┬───┘
//! scheme  user:password    every node (failover)  run, or a pattern with *
//!         (or a token alone)    port 4222 unless given
//! ```
//!
//! `tls://` instead of `nats://` requires TLS. The password never reaches
//! the status line, logs or messages: [`RelayAddress::display`] leaves it
//! out.

use plotcast_protocol::relay::MAX_NAME_CHARS;

/// The port of a NATS server unless the address gives one.
pub const DEFAULT_NATS_PORT: u16 = 4222;

/// Credentials written in the address.
#[derive(Clone, PartialEq, Eq)]
pub enum UrlAuth {
    /// `user:password@`.
    UserPassword(String, String),
    /// `token@`.
    Token(String),
}

impl std::fmt::Debug for UrlAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UrlAuth::UserPassword(user, _) => write!(f, "UserPassword({user:?}, ***)"),
            UrlAuth::Token(_) => write!(f, "Token(***)"),
        }
    }
}

/// A relayed run's address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayAddress {
    /// `host:port` of every node given.
    pub servers: Vec<String>,
    /// The run, or a pattern of runs with `*`.
    pub run: String,
    /// Credentials from the address.
    pub auth: Option<UrlAuth>,
    /// `tls://`: TLS required.
    pub tls: bool,
}

/// True when `text` is meant as a relay address (it starts with
/// `nats://` or `tls://`), right or wrong.
pub fn is_relay_address(text: &str) -> bool {
    let lower = text.trim().to_ascii_lowercase();
    lower.starts_with("nats://") || lower.starts_with("tls://")
}

impl RelayAddress {
    /// Reads `nats://[user:pass@]host[:port][,host2[:port2]]/RUN`.
    ///
    /// # Errors
    /// A one-line message saying what is wrong and what the form is.
    pub fn parse(text: &str) -> Result<Self, String> {
        const FORM: &str = "nats://[user:password@]host[:port][,host2[:port2]]/RUN";
        let text = text.trim();
        let (tls, rest) = match text.split_once("://") {
            Some((s, rest)) if s.eq_ignore_ascii_case("nats") => (false, rest),
            Some((s, rest)) if s.eq_ignore_ascii_case("tls") => (true, rest),
            _ => return Err(format!("not a relay address: expected {FORM}")),
        };
        let Some((authority, run)) = rest.split_once('/') else {
            return Err(format!("no run in the address: expected {FORM}"));
        };
        let run = run.trim_end_matches('/');
        check_run(run)?;
        let (auth, hosts) = match authority.rsplit_once('@') {
            Some((creds, hosts)) => (Some(parse_auth(creds)?), hosts),
            None => (None, authority),
        };
        let servers = hosts
            .split(',')
            .map(parse_server)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            servers,
            run: run.to_owned(),
            auth,
            tls,
        })
    }

    /// The address without credentials: `nats://host:4222,host2:4222/run`.
    pub fn display(&self) -> String {
        let scheme = if self.tls { "tls" } else { "nats" };
        format!("{scheme}://{}/{}", self.servers.join(","), self.run)
    }

    /// The first node, for the status line (`host:4222`).
    pub fn server(&self) -> &str {
        self.servers.first().map_or("", String::as_str)
    }

    /// The URLs for async-nats, one per node, without credentials.
    pub fn urls(&self) -> Vec<String> {
        let scheme = if self.tls { "tls" } else { "nats" };
        self.servers
            .iter()
            .map(|s| format!("{scheme}://{s}"))
            .collect()
    }

    /// True when the run is a pattern (`sweep-*`).
    pub fn is_pattern(&self) -> bool {
        self.run.contains('*')
    }
}

/// A run or pattern: 1 to 64 of `A-Z a-z 0-9 _ -` and `*`.
fn check_run(run: &str) -> Result<(), String> {
    if run.is_empty() {
        return Err(
            "no run in the address: name it after the last '/' (nats://host:4222/RUN)".into(),
        );
    }
    let ok = run.chars().count() <= MAX_NAME_CHARS
        && run
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '*');
    if ok {
        Ok(())
    } else {
        let shown: String = run.chars().take(80).collect();
        Err(format!(
            "{shown:?} is not a run name: use 1 to {MAX_NAME_CHARS} letters, digits, '_', '-', or '*' for any"
        ))
    }
}

fn parse_auth(creds: &str) -> Result<UrlAuth, String> {
    match creds.split_once(':') {
        Some(("", _)) => Err("empty user name before ':' in the address".into()),
        Some((user, pass)) => Ok(UrlAuth::UserPassword(user.to_owned(), pass.to_owned())),
        None if creds.is_empty() => Err("empty credentials before '@' in the address".into()),
        None => Ok(UrlAuth::Token(creds.to_owned())),
    }
}

/// `host`, `host:port`, `[v6]` or `[v6]:port`, as `host:port`.
fn parse_server(text: &str) -> Result<String, String> {
    let port = |p: &str| -> Result<u16, String> {
        match p.parse::<u16>() {
            Ok(0) | Err(_) => Err(format!(
                "{p:?} is not a port number (1-65535) in the address"
            )),
            Ok(v) => Ok(v),
        }
    };
    let text = text.trim();
    if text.is_empty() {
        return Err(
            "a server is missing in the address (nothing before '/' or between commas)".into(),
        );
    }
    if text.starts_with('[') {
        return match text.rsplit_once("]:") {
            Some((host, p)) => Ok(format!("{host}]:{}", port(p)?)),
            None if text.ends_with(']') => Ok(format!("{text}:{DEFAULT_NATS_PORT}")),
            None => Err(format!("{text:?}: unclosed '[' in the address")),
        };
    }
    let (host, p) = match text.split_once(':') {
        Some((host, p)) => (host, port(p)?),
        None => (text, DEFAULT_NATS_PORT),
    };
    let valid_host = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_');
    if !valid_host {
        return Err(format!("{host:?} is not a host name in the address"));
    }
    Ok(format!("{host}:{p}"))
}

#[cfg(test)]
mod tests {
    use crate::net::relay::address::{is_relay_address, RelayAddress, UrlAuth};

    #[test]
    fn addresses_are_read_with_credentials_nodes_and_runs() {
        let a = RelayAddress::parse("nats://alice:s3:cret@n1:4223,n2/sweep-*")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.servers, ["n1:4223", "n2:4222"]);
        assert_eq!(a.run, "sweep-*");
        assert_eq!(
            a.auth,
            Some(UrlAuth::UserPassword("alice".into(), "s3:cret".into()))
        );
        assert!(a.is_pattern() && !a.tls);
        assert_eq!(a.display(), "nats://n1:4223,n2:4222/sweep-*");
        assert!(
            !format!("{a:?}").contains("s3"),
            "no password in debug output"
        );
        assert_eq!(a.urls(), ["nats://n1:4223", "nats://n2:4222"]);
        let t = RelayAddress::parse("tls://tok@[::1]:5/run1").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((t.servers[0].as_str(), t.tls), ("[::1]:5", true));
        assert_eq!(t.auth, Some(UrlAuth::Token("tok".into())));
        assert!(is_relay_address("NATS://x/y") && !is_relay_address("host:4222"));
    }

    #[test]
    fn wrong_addresses_say_what_is_wrong() {
        for (bad, says) in [
            ("nats://host:4222", "no run"),
            ("nats://host:4222/", "no run"),
            ("nats://host:99999/r", "not a port"),
            ("nats://host:x/r", "not a port"),
            ("nats://a b/r", "not a host"),
            ("nats://h/r.x", "not a run name"),
            ("nats://,h/r", "missing"),
            ("nats://:pw@h/r", "empty user"),
            ("http://h/r", "not a relay address"),
        ] {
            let err = RelayAddress::parse(bad).expect_err(bad);
            assert!(err.contains(says), "{bad}: {err}");
            assert!(!err.contains('\n'), "one line: {err}");
        }
    }
}
