//! The relay's settings: what the builder collects ([`RelaySettings`]) and
//! what a relay starts from once the environment, the defaults and the
//! checks are applied ([`RelayConfig`]).
//!
//! ```text
//! .nats("nats://alice:s3cret@n1:4222,nats://n2:4222")   or PLOTCAST_NATS (wins)
//!        │ split on ',', credentials taken out of the URL
//!        ▼
//! servers  ["nats://n1:4222", "nats://n2:4222"]   (what is dialled and logged)
//! auth     user alice / password s3cret            (async-nats ignores URL credentials)
//! names    <run>.<process>                         (.run / PLOTCAST_RUN, .process / PLOTCAST_PROCESS)
//! ```
//!
//! A leaf: no async-nats types (the crate's `nats` feature may be off),
//! only text, paths and the protocol's names.

use std::fmt;
use std::path::PathBuf;

use plotcast_protocol::relay::{default_process_label, sanitize_name, Names};
use plotcast_protocol::ProtocolError;

use crate::ServerError;

/// Default replicas of the bucket and the stream (a single server).
pub(crate) const DEFAULT_REPLICAS: usize = 1;

/// NATS authentication, passed through to the client. Secrets never show
/// in `Debug`.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct NatsAuth {
    /// User and password.
    pub(crate) user: Option<(String, String)>,
    /// A token.
    pub(crate) token: Option<String>,
    /// A `.creds` file (JWT and nkey seed, from `nsc`).
    pub(crate) creds: Option<PathBuf>,
    /// The CA that signed the servers' certificates (turns TLS on).
    pub(crate) tls_ca: Option<PathBuf>,
    /// A client certificate and its key, for servers that verify clients.
    pub(crate) tls_client: Option<(PathBuf, PathBuf)>,
}

impl NatsAuth {
    /// The files named, with what each is (for messages).
    fn files(&self) -> Vec<(&'static str, &PathBuf)> {
        let mut files = Vec::new();
        if let Some(creds) = &self.creds {
            files.push(("credentials file", creds));
        }
        if let Some(ca) = &self.tls_ca {
            files.push(("TLS root CA", ca));
        }
        if let Some((cert, key)) = &self.tls_client {
            files.push(("TLS client certificate", cert));
            files.push(("TLS client key", key));
        }
        files
    }
}

impl fmt::Debug for NatsAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NatsAuth")
            .field("user", &self.user.as_ref().map(|(user, _)| user))
            .field("password", &self.user.as_ref().map(|_| "<hidden>"))
            .field("token", &self.token.as_ref().map(|_| "<hidden>"))
            .field("creds", &self.creds)
            .field("tls_ca", &self.tls_ca)
            .field("tls_client", &self.tls_client)
            .finish()
    }
}

/// What the builder collects about NATS, before the environment and the
/// defaults are applied.
#[derive(Debug, Clone, Default)]
pub(crate) struct RelaySettings {
    /// Server URLs, comma-separated.
    pub(crate) urls: Option<String>,
    pub(crate) run: Option<String>,
    pub(crate) process: Option<String>,
    pub(crate) auth: NatsAuth,
    /// `None`: [`DEFAULT_REPLICAS`].
    pub(crate) replicas: Option<usize>,
    /// The JetStream domain (a leaf node's clients reach the hub's
    /// JetStream through it).
    pub(crate) domain: Option<String>,
}

/// Where a relay dials and what it publishes under: the settings with the
/// environment, the defaults and the checks applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RelayConfig {
    /// Server URLs without credentials, checked.
    pub(crate) servers: Vec<String>,
    /// Run and process.
    pub(crate) names: Names,
    pub(crate) auth: NatsAuth,
    /// Replicas of the bucket and the stream when this process creates them.
    pub(crate) replicas: usize,
    pub(crate) domain: Option<String>,
}

impl RelaySettings {
    /// The relay's configuration, or `None` when no NATS server is named.
    /// `env` reads a `PLOTCAST_*` variable (`None` when unset, empty, or
    /// the environment is turned off); `title` names the run by default.
    ///
    /// # Errors
    /// [`ServerError::NatsUrl`] for a URL that is not a NATS server's,
    /// [`ServerError::NatsName`] for a run or process name that is not a
    /// single NATS token, [`ServerError::Config`] for zero replicas or an
    /// empty domain.
    pub(crate) fn resolve(
        &self,
        env: impl Fn(&str) -> Option<String>,
        title: &str,
    ) -> Result<Option<RelayConfig>, ServerError> {
        let (urls, origin) = match (env("PLOTCAST_NATS"), &self.urls) {
            (Some(env), _) => (env, "PLOTCAST_NATS"),
            (None, Some(urls)) => (urls.clone(), "ServerBuilder::nats"),
            (None, None) => return Ok(None),
        };
        let mut servers = Vec::new();
        let mut url_auth: Option<UrlAuth> = None;
        for text in urls.split(',').map(str::trim) {
            let url = ServerUrl::parse(text).map_err(|reason| ServerError::NatsUrl {
                value: mask_credentials(text),
                origin,
                reason,
            })?;
            if let Some(auth) = url.auth {
                if url_auth.as_ref().is_some_and(|a| *a != auth) {
                    return Err(ServerError::NatsUrl {
                        value: mask_credentials(&urls),
                        origin,
                        reason: "the URLs carry different credentials".into(),
                    });
                }
                url_auth = Some(auth);
            }
            servers.push(url.clean);
        }
        let run = pick(
            &self.run,
            env("PLOTCAST_RUN"),
            "ServerBuilder::run",
            "PLOTCAST_RUN",
        )
        .unwrap_or_else(|| (sanitize_name(title), "the title"));
        let process = pick(
            &self.process,
            env("PLOTCAST_PROCESS"),
            "ServerBuilder::process",
            "PLOTCAST_PROCESS",
        )
        .unwrap_or_else(|| (default_process_label(), "the default"));
        let names = checked_names(&run, &process)?;
        let mut auth = self.auth.clone();
        if auth.token.is_none() {
            auth.token = env("PLOTCAST_NATS_TOKEN");
        }
        if auth.creds.is_none() {
            auth.creds = env("PLOTCAST_NATS_CREDS").map(PathBuf::from);
        }
        match url_auth {
            Some(UrlAuth::User(user, password)) if auth.user.is_none() => {
                auth.user = Some((user, password));
            }
            Some(UrlAuth::Token(token)) if auth.token.is_none() => auth.token = Some(token),
            _ => {}
        }
        for (what, path) in auth.files() {
            std::fs::File::open(path).map_err(|source| ServerError::NatsFile {
                what,
                path: path.clone(),
                source,
            })?;
        }
        let replicas = self.replicas.unwrap_or(DEFAULT_REPLICAS);
        if replicas == 0 {
            return Err(ServerError::Config {
                name: "nats_replicas",
                reason: "must be at least 1".into(),
            });
        }
        if self.domain.as_deref().is_some_and(|d| d.trim().is_empty()) {
            return Err(ServerError::Config {
                name: "nats_domain",
                reason: "must not be empty".into(),
            });
        }
        Ok(Some(RelayConfig {
            servers,
            names,
            auth,
            replicas,
            domain: self.domain.clone(),
        }))
    }
}

/// The builder's value, else the environment's, with where it came from.
fn pick(
    set: &Option<String>,
    env: Option<String>,
    set_origin: &'static str,
    env_origin: &'static str,
) -> Option<(String, &'static str)> {
    match (set, env) {
        (Some(value), _) => Some((value.clone(), set_origin)),
        (None, Some(value)) => Some((value, env_origin)),
        (None, None) => None,
    }
}

fn checked_names(
    (run, run_origin): &(String, &'static str),
    (process, process_origin): &(String, &'static str),
) -> Result<Names, ServerError> {
    Names::new(run, process).map_err(|err| {
        let (what, reason) = match err {
            ProtocolError::Invalid { what, reason } => (what, reason),
            other => ("run", other.to_string()),
        };
        let origin = if what == "process" {
            process_origin
        } else {
            run_origin
        };
        ServerError::NatsName {
            what,
            origin,
            reason,
        }
    })
}

impl RelayConfig {
    /// What a viewer started for this run is given: `nats://host:port/run`
    /// (the first server; credentials travel in its environment, never on
    /// its command line).
    pub(crate) fn viewer_url(&self) -> String {
        let first = self
            .servers
            .first()
            .map_or("nats://127.0.0.1:4222", String::as_str);
        format!("{first}/{}", self.names.run)
    }

    /// The environment a viewer started for this run needs to
    /// authenticate as this process does.
    pub(crate) fn viewer_env(&self) -> Vec<(&'static str, String)> {
        let mut env = Vec::new();
        if let Some((user, password)) = &self.auth.user {
            env.push(("PLOTCAST_NATS_USER", user.clone()));
            env.push(("PLOTCAST_NATS_PASSWORD", password.clone()));
        }
        if let Some(token) = &self.auth.token {
            env.push(("PLOTCAST_NATS_TOKEN", token.clone()));
        }
        if let Some(creds) = &self.auth.creds {
            env.push(("PLOTCAST_NATS_CREDS", creds.display().to_string()));
        }
        env
    }
}

/// Credentials written in a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
enum UrlAuth {
    /// `user:password@`.
    User(String, String),
    /// `token@` (NATS's convention for a user without a password).
    Token(String),
}

/// One server URL taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ServerUrl {
    /// `scheme://host:port`, without credentials.
    clean: String,
    auth: Option<UrlAuth>,
}

impl ServerUrl {
    /// `[nats|tls://][user[:password]@]host[:port][/]`.
    fn parse(text: &str) -> Result<Self, String> {
        if text.is_empty() {
            return Err("no server named".into());
        }
        let (scheme, rest) = match text.split_once("://") {
            Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
            None => ("nats".to_owned(), text),
        };
        if scheme != "nats" && scheme != "tls" {
            return Err(format!(
                "the scheme {scheme}:// is not supported (nats:// or tls://)"
            ));
        }
        let authority = match rest.split_once('/') {
            Some((authority, "")) => authority,
            Some(_) => {
                return Err(
                    "a server URL has no path (the run is named with ServerBuilder::run or PLOTCAST_RUN)"
                        .into(),
                )
            }
            None => rest,
        };
        let (userinfo, host) = match authority.rsplit_once('@') {
            Some((userinfo, host)) => (Some(userinfo), host),
            None => (None, authority),
        };
        if host.is_empty() || host.starts_with(':') {
            return Err("no host".into());
        }
        let auth = match userinfo {
            None => None,
            Some(info) => Some(match info.split_once(':') {
                Some((user, password)) => {
                    UrlAuth::User(percent_decode(user)?, percent_decode(password)?)
                }
                None => UrlAuth::Token(percent_decode(info)?),
            }),
        };
        let clean = format!("{scheme}://{host}");
        check_server_url(&clean)?;
        Ok(Self { clean, auth })
    }
}

/// The client's own check of a server URL (host, port).
#[cfg(feature = "nats")]
fn check_server_url(url: &str) -> Result<(), String> {
    url.parse::<async_nats::ServerAddr>()
        .map(drop)
        .map_err(|e| e.to_string())
}

#[cfg(not(feature = "nats"))]
fn check_server_url(_url: &str) -> Result<(), String> {
    Ok(())
}

/// `%XX` escapes decoded (a password with `@` or `:` in a URL).
fn percent_decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or("a bad %-escape in the credentials")?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "credentials that are not UTF-8".into())
}

/// `text` with any password or token replaced by `***`, for messages.
pub(crate) fn mask_credentials(text: &str) -> String {
    text.split(',')
        .map(|url| {
            let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
            let prefix = if scheme.is_empty() {
                String::new()
            } else {
                format!("{scheme}://")
            };
            match rest.rsplit_once('@') {
                Some((info, host)) => match info.split_once(':') {
                    Some((user, _)) => format!("{prefix}{user}:***@{host}"),
                    None => format!("{prefix}***@{host}"),
                },
                None => url.to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    // The full path, not `super::*`: modcycles.py reads a nested file's
    // `super` as its folder's module.
    use crate::relay::settings::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    fn settings(urls: &str) -> RelaySettings {
        RelaySettings {
            urls: Some(urls.into()),
            ..RelaySettings::default()
        }
    }

    #[test]
    fn credentials_come_out_of_the_url() {
        let cfg = settings("nats://alice:s%40cret@127.0.0.1:4222, nats://127.0.0.1:4223/")
            .resolve(env_of(&[]), "heat")
            .unwrap()
            .unwrap();
        assert_eq!(
            cfg.servers,
            ["nats://127.0.0.1:4222", "nats://127.0.0.1:4223"]
        );
        assert_eq!(cfg.auth.user, Some(("alice".into(), "s@cret".into())));
        assert_eq!(cfg.names.run, "heat");
        assert_eq!(cfg.viewer_url(), "nats://127.0.0.1:4222/heat");
        let token = settings("t0ken@host")
            .resolve(env_of(&[]), "t")
            .unwrap()
            .unwrap();
        assert_eq!(token.servers, ["nats://host"]);
        assert_eq!(token.auth.token.as_deref(), Some("t0ken"));
        assert!(!format!("{:?}", cfg.auth).contains("s@cret"));
    }

    #[test]
    fn bad_urls_and_names_are_refused_with_their_origin() {
        let err = |s: RelaySettings, env: &[(&str, &str)]| {
            s.resolve(env_of(env), "t").unwrap_err().to_string()
        };
        let e = err(settings("http://host:4222"), &[]);
        assert!(
            e.contains("http://") && e.contains("ServerBuilder::nats"),
            "{e}"
        );
        let e = err(settings("nats://host:4222/run"), &[]);
        assert!(e.contains("no path"), "{e}");
        let e = err(settings("nats://u:pw@host:99999"), &[]);
        assert!(e.contains("u:***@") && !e.contains("pw"), "{e}");
        let e = err(settings("nats://h"), &[("PLOTCAST_RUN", "a.b")]);
        assert!(e.contains("run") && e.contains("PLOTCAST_RUN"), "{e}");
        let mut s = settings("nats://h");
        s.process = Some("rank 3".into());
        let e = err(s, &[]);
        assert!(
            e.contains("process") && e.contains("ServerBuilder::process"),
            "{e}"
        );
        let e = err(settings("nats://a:b@h,nats://c:d@h2"), &[]);
        assert!(e.contains("different credentials"), "{e}");
    }

    #[test]
    fn the_environment_names_the_server_and_fills_in_the_rest() {
        let mut s = settings("nats://code:4222");
        s.run = Some("from-code".into());
        let cfg = s
            .resolve(
                env_of(&[
                    ("PLOTCAST_NATS", "nats://env:4222"),
                    ("PLOTCAST_RUN", "from-env"),
                    ("PLOTCAST_PROCESS", "rank7"),
                    ("PLOTCAST_NATS_TOKEN", "tok"),
                    ("PLOTCAST_NATS_CREDS", "/dev/null"),
                ]),
                "t",
            )
            .unwrap()
            .unwrap();
        assert_eq!(cfg.servers, ["nats://env:4222"]);
        assert_eq!(
            (cfg.names.run.as_str(), cfg.names.process.as_str()),
            ("from-code", "rank7")
        );
        assert_eq!(cfg.auth.token.as_deref(), Some("tok"));
        assert_eq!(cfg.auth.creds, Some(PathBuf::from("/dev/null")));
        let mut s = settings("nats://h");
        s.auth.creds = Some("/nonexistent/x.creds".into());
        let e = s.resolve(env_of(&[]), "t").unwrap_err().to_string();
        assert!(e.contains("credentials file /nonexistent/x.creds"), "{e}");
        assert_eq!(
            cfg.viewer_env().iter().map(|(k, _)| *k).collect::<Vec<_>>(),
            ["PLOTCAST_NATS_TOKEN", "PLOTCAST_NATS_CREDS"]
        );
        assert_eq!(
            RelaySettings::default().resolve(env_of(&[]), "t").unwrap(),
            None
        );
    }
}
