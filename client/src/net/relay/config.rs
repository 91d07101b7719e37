//! [`RelayConfig`]: what the viewer needs to read a relayed run: its
//! address and the NATS credentials and TLS files the user gave.

use std::path::PathBuf;

use super::address::RelayAddress;

/// How to reach a relayed run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayConfig {
    /// The nodes, the run and any credentials written in the address.
    pub address: RelayAddress,
    /// `--nats-creds FILE`: a NATS credentials file (JWT and nkey seed).
    pub creds: Option<PathBuf>,
    /// `--nats-token TOKEN`.
    pub token: Option<String>,
    /// `--tls-ca FILE`: the CA that signed the servers' certificates
    /// (requires TLS).
    pub tls_ca: Option<PathBuf>,
    /// `--tls-cert FILE --tls-key FILE`: this viewer's certificate, for
    /// servers that verify clients.
    pub tls_client: Option<(PathBuf, PathBuf)>,
}

impl RelayConfig {
    /// A run's address with no further credentials.
    pub fn new(address: RelayAddress) -> Self {
        Self {
            address,
            creds: None,
            token: None,
            tls_ca: None,
            tls_client: None,
        }
    }
}
