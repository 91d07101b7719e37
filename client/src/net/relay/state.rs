//! What the status line says about a relayed run: the connection state
//! from the relay's connection and the processes' news.

use crate::model::{Connection, ProcessEnd, RunSet};

/// Where the relay connection stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// Connected to a node.
    Up,
    /// Lost the node; async-nats is reconnecting to any node.
    Down {
        /// Reconnect attempts so far.
        attempt: u32,
        /// Why, in words.
        reason: String,
    },
}

/// `waiting for run sweep-17 on host:4222`.
pub fn waiting_text(run: &str, server: &str) -> String {
    if run.contains('*') {
        format!("waiting for a run matching {run} on {server}")
    } else {
        format!("waiting for run {run} on {server}")
    }
}

/// The connection as the status line shows it.
pub fn connection(link: &Link, runs: &RunSet, run: &str, server: &str) -> Connection {
    if let Link::Down { attempt, reason } = link {
        return Connection::Reconnecting {
            attempt: *attempt,
            reason: reason.clone(),
        };
    }
    let shown: Vec<_> = runs.processes().values().filter(|p| p.is_shown()).collect();
    if shown.is_empty() {
        return Connection::Unreachable {
            attempt: 1,
            reason: waiting_text(run, server),
            retrying: true,
        };
    }
    let ends: Vec<&ProcessEnd> = shown.iter().filter_map(|p| p.end.as_ref()).collect();
    if ends.len() == shown.len() {
        let interrupted: Vec<&str> = ends
            .iter()
            .filter_map(|e| match e {
                ProcessEnd::Interrupted(why) => Some(why.as_str()),
                ProcessEnd::Finished(_) => None,
            })
            .collect();
        return match (shown.len(), interrupted.first()) {
            (1, None) => Connection::Ended {
                reason: match ends[0] {
                    ProcessEnd::Finished(why) if !why.is_empty() => why.clone(),
                    _ => "the computation finished".into(),
                },
            },
            (1, Some(why)) => Connection::Interrupted {
                reason: (*why).to_owned(),
            },
            (n, None) => Connection::Ended {
                reason: format!("all {n} processes finished"),
            },
            (n, Some(why)) => Connection::Interrupted {
                reason: format!("{} of {n} processes interrupted: {why}", interrupted.len()),
            },
        };
    }
    if shown.iter().all(|p| p.end.is_some() || p.stale) {
        return Connection::Stopped;
    }
    Connection::Connected
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use plotcast_protocol::relay::{Names, ProcessInfo, RELAY_VERSION};
    use plotcast_protocol::{encode, Goodbye, GoodbyeCode, Layout, Message, LENGTH_PREFIX_BYTES};
    use std::time::Instant;

    fn put_process(runs: &mut RunSet, label: &str) {
        let names = Names::new("r", label).unwrap();
        let info = ProcessInfo {
            relay_version: RELAY_VERSION,
            protocol_version: plotcast_protocol::VERSION,
            title: String::new(),
            process: label.into(),
            host: "h".into(),
            pid: 1,
            session_id: 1,
            started_us: 0,
        };
        let now = Instant::now();
        runs.apply_entry(
            &names.key(plotcast_protocol::relay::Entry::Hello),
            Some(&info.encode().unwrap().into()),
            now,
        );
        let layout = encode(&Message::Layout(Layout::default()))
            .unwrap()
            .slice(LENGTH_PREFIX_BYTES..);
        runs.apply_entry(
            &names.key(plotcast_protocol::relay::Entry::Layout),
            Some(&layout),
            now,
        );
    }

    fn bye(runs: &mut RunSet, label: &str, code: GoodbyeCode, reason: &str) {
        let names = Names::new("r", label).unwrap();
        let body = encode(&Message::Goodbye(Goodbye {
            code,
            reason: reason.into(),
        }))
        .unwrap()
        .slice(LENGTH_PREFIX_BYTES..);
        runs.apply_entry(
            &names.key(plotcast_protocol::relay::Entry::Bye),
            Some(&body),
            Instant::now(),
        );
    }

    #[test]
    fn states_follow_the_processes() {
        let mut runs = RunSet::new("r");
        let state = |runs: &RunSet| connection(&Link::Up, runs, "r", "h:4222");
        assert_eq!(
            state(&runs),
            Connection::Unreachable {
                attempt: 1,
                reason: "waiting for run r on h:4222".into(),
                retrying: true
            }
        );
        put_process(&mut runs, "a");
        put_process(&mut runs, "b");
        assert_eq!(state(&runs), Connection::Connected);
        bye(&mut runs, "a", GoodbyeCode::ComputationEnded, "done");
        assert_eq!(state(&runs), Connection::Connected);
        bye(
            &mut runs,
            "b",
            GoodbyeCode::Interrupted,
            "KeyboardInterrupt",
        );
        assert_eq!(
            state(&runs),
            Connection::Interrupted {
                reason: "1 of 2 processes interrupted: KeyboardInterrupt".into()
            }
        );
        let down = Link::Down {
            attempt: 2,
            reason: "x".into(),
        };
        assert!(matches!(
            connection(&down, &runs, "r", "h"),
            Connection::Reconnecting { attempt: 2, .. }
        ));
        assert_eq!(
            waiting_text("s-*", "h:1"),
            "waiting for a run matching s-* on h:1"
        );
    }
}
