//! What a command line asks the viewer to do: watch a server (and maybe
//! record it), record without drawing, replay a recording in a window or
//! to PNGs, or export a recorded plot as CSV. Options that make no sense
//! together are refused here, with a message saying why.

use std::path::PathBuf;

use crate::cli::Cli;
use crate::recording::recorder::RecordOptions;

/// One way of running the viewer.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    /// Watch a server in a window, or render it to PNGs (`--headless`);
    /// with `--record`, the window also records.
    Live,
    /// `--headless --record FILE`: record, draw nothing.
    Record(RecordOptions),
    /// `plotcast-viewer FILE`: replay in a window.
    ReplayWindow(PathBuf),
    /// `plotcast-viewer FILE --headless`: the state at `--at` (default:
    /// the end), or `--frames N` evenly spaced, as PNGs.
    ReplayHeadless(PathBuf),
    /// `plotcast-viewer FILE --export CHANNEL`: CSV of one plot.
    Export {
        /// The recording.
        file: PathBuf,
        /// The plot's name.
        channel: String,
    },
}

impl Mode {
    /// The mode the command line asks for.
    ///
    /// # Errors
    /// A message when options do not fit together.
    pub fn from_cli(cli: &Cli) -> Result<Self, String> {
        // (NATS credentials are left out: PLOTCAST_NATS_TOKEN and the like
        // may be set for every viewer, and a computation passes its own to
        // the viewer it launches that way.)
        if cli.relay_address().is_none() {
            for (given, option) in [
                (cli.tls_ca.is_some(), "--tls-ca"),
                (cli.tls_cert.is_some(), "--tls-cert"),
            ] {
                if given {
                    return Err(format!(
                        "{option} is for a run relayed through NATS: give its address, nats://host:4222/RUN ({:?} is not one)",
                        cli.addr
                    ));
                }
            }
        }
        let Some(file) = cli.replay_file() else {
            for (given, option) in [
                (cli.at.is_some(), "--at"),
                (cli.export.is_some(), "--export"),
                (cli.salvage, "--salvage"),
            ] {
                if given {
                    return Err(format!(
                        "{option} reads a recording: plotcast-viewer FILE {option} ... ({:?} is a server address)",
                        cli.addr
                    ));
                }
            }
            return Ok(match (&cli.record, cli.headless) {
                (Some(path), true) => Mode::Record(RecordOptions {
                    rate_hz: cli.rate,
                    ..RecordOptions::new(path)
                }),
                _ => Mode::Live,
            });
        };
        if cli.record.is_some() {
            return Err("--record records a server: give its address, not a recording".into());
        }
        if let Some(channel) = &cli.export {
            if cli.headless || cli.frames.is_some() {
                return Err("--export writes CSV only: leave out --headless and --frames".into());
            }
            return Ok(Mode::Export {
                file,
                channel: channel.clone(),
            });
        }
        Ok(if cli.headless {
            Mode::ReplayHeadless(file)
        } else {
            Mode::ReplayWindow(file)
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use clap::Parser;

    fn mode(args: &[&str]) -> Result<Mode, String> {
        let cli =
            Cli::try_parse_from(std::iter::once("plotcast-viewer").chain(args.iter().copied()))
                .map_err(|e| e.to_string())?;
        Mode::from_cli(&cli)
    }

    #[test]
    fn modes_follow_the_arguments() {
        assert_eq!(mode(&[]).unwrap(), Mode::Live);
        assert_eq!(mode(&["--record", "r.plotcast"]).unwrap(), Mode::Live);
        match mode(&["--headless", "--record", "r.plotcast", "--rate", "4"]).unwrap() {
            Mode::Record(opts) => {
                assert_eq!(opts.rate_hz, 4.0);
                assert_eq!(opts.path, PathBuf::from("r.plotcast"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            mode(&["run.plotcast"]).unwrap(),
            Mode::ReplayWindow("run.plotcast".into())
        );
        assert_eq!(
            mode(&["./run", "--headless", "--at", "2"]).unwrap(),
            Mode::ReplayHeadless("./run".into())
        );
        assert_eq!(
            mode(&["run.plotcast", "--export", "energy", "--csv", "e.csv"]).unwrap(),
            Mode::Export {
                file: "run.plotcast".into(),
                channel: "energy".into()
            }
        );
    }

    #[test]
    fn options_that_do_not_fit_are_refused() {
        assert!(mode(&["--at", "3"])
            .unwrap_err()
            .contains("--at reads a recording"));
        assert!(mode(&[":4000", "--export", "x"])
            .unwrap_err()
            .contains("--export reads a recording"));
        assert!(mode(&["run.plotcast", "--record", "b.plotcast"])
            .unwrap_err()
            .contains("--record records a server"));
        assert!(mode(&["run.plotcast", "--export", "x", "--headless"]).is_err());
        assert!(mode(&["--rate", "5"]).is_err(), "--rate needs --record");
        assert!(mode(&["--record", "a", "--rate", "0"]).is_err());
        assert!(mode(&["r.plotcast", "--at", "-1"]).is_err());
        assert!(mode(&["r.plotcast", "--headless", "--at", "1", "--frames", "3"]).is_err());
        assert!(mode(&[":4000", "--tls-ca", "ca.pem"])
            .unwrap_err()
            .contains("--tls-ca is for a run relayed through NATS"));
        // NATS credentials may come from the environment of every viewer
        // (PLOTCAST_NATS_CREDS): a direct viewer ignores them.
        assert_eq!(
            mode(&[":4000", "--nats-creds", "x.creds"]).unwrap(),
            Mode::Live
        );
        assert_eq!(
            mode(&["nats://h/r", "--nats-creds", "x.creds", "--headless"]).unwrap(),
            Mode::Live
        );
    }
}
