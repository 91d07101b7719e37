//! [`RelayStatus`]: the status line's relay part, as plain values: which
//! NATS server and run, how many processes, how many of them ended or
//! went quiet, how many values were refused.

/// The relay a viewer reads, for the status line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RelayStatus {
    /// The NATS server as the user named it (`host:4222`).
    pub server: String,
    /// The run, or the pattern of runs (`sweep-*`).
    pub run: String,
    /// Runs shown (several for a pattern).
    pub runs: usize,
    /// Processes shown.
    pub processes: usize,
    /// Of those, processes that said goodbye.
    pub ended: usize,
    /// Of those, processes not heard from for a while (no goodbye).
    pub stale: usize,
    /// Values refused: bad keys, undecodable or oversized values.
    pub refused: u64,
}

impl RelayStatus {
    /// `relay host:4222 · run sweep-17 · 4 processes (1 finished)`, as
    /// pieces.
    pub fn pieces(&self) -> Vec<String> {
        let mut out = vec![
            format!("relay {}", self.server),
            format!("run {}", self.run),
        ];
        if self.runs > 1 {
            out.push(format!("{} runs", self.runs));
        }
        let mut processes = match self.processes {
            1 => "1 process".to_owned(),
            n => format!("{n} processes"),
        };
        let mut notes = Vec::new();
        if self.ended > 0 {
            notes.push(format!("{} ended", self.ended));
        }
        if self.stale > 0 {
            notes.push(format!("{} silent", self.stale));
        }
        if !notes.is_empty() {
            processes += &format!(" ({})", notes.join(", "));
        }
        out.push(processes);
        if self.refused > 0 {
            out.push(format!("{} bad values skipped", self.refused));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_name_the_relay_the_run_and_the_processes() {
        let mut s = RelayStatus {
            server: "host:4222".into(),
            run: "sweep-17".into(),
            runs: 1,
            processes: 4,
            ..RelayStatus::default()
        };
        assert_eq!(
            s.pieces().join(" · "),
            "relay host:4222 · run sweep-17 · 4 processes"
        );
        s.ended = 1;
        s.stale = 2;
        s.refused = 3;
        assert_eq!(
            s.pieces().join(" · "),
            "relay host:4222 · run sweep-17 · 4 processes (1 ended, 2 silent) · 3 bad values skipped"
        );
    }
}
