//! Section 9: recording the heat demo at 10 Hz (`--headless --record`):
//! bytes per minute, shuffled-lz4 compressed beside the same frames
//! stored as they are; the CPU the compression costs; the time to open the
//! recording for replay.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use plotcast_protocol::{FileHeader, RecordReader, RecordWriter, RECORD_HEADER_BYTES};
use plotcast_viewer::net::NetConfig;
use plotcast_viewer::options::RunOptions;
use plotcast_viewer::recording::RecordOptions;
use plotcast_viewer::recording::{Recording, Replay};
use plotcast_workloads::heat::{Plate, NX, NY, STEPS_PER_PUBLISH};

use crate::common::{self, Scale};
use crate::report::{Report, Row};

const SECTION: &str = "10 recording";

/// Runs the heat demo for a while with a headless recorder at 10 Hz.
pub fn recording(report: &mut Report, scale: Scale) -> Result<()> {
    let seconds = scale.pick(20.0, 2.0);
    let dir = std::env::temp_dir().join(format!("plotcast-bench-rec-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("heat.plotcast");

    let server = common::server("heat")?;
    let addr = server.local_addr().to_string();
    let temperature = server.heatmap("temperature");
    let profile = server.line("profile");
    let energy = server.series("energy");
    let stop = Arc::new(AtomicBool::new(false));
    let computing = {
        let stop = stop.clone();
        std::thread::Builder::new()
            .name("bench-heat".into())
            .spawn(move || {
                let mut plate = Plate::new();
                let started = Instant::now();
                while !stop.load(Ordering::Relaxed) {
                    plate.step();
                    if plate.steps().is_multiple_of(STEPS_PER_PUBLISH) {
                        temperature.publish(plate.grid(), NX, NY);
                        profile.publish(plate.profile());
                        energy.push(started.elapsed().as_secs_f64(), plate.energy());
                    }
                }
                plate.steps()
            })?
    };
    let record = RecordOptions::new(&path);
    let recorder = {
        let record = record.clone();
        std::thread::Builder::new()
            .name("bench-recorder".into())
            .spawn(move || {
                let cfg = NetConfig {
                    addr,
                    reconnect: false,
                    ..NetConfig::default()
                };
                plotcast_viewer::headless::record::run(cfg, &RunOptions::default(), &record)
            })?
    };
    std::thread::sleep(Duration::from_secs_f64(seconds));
    stop.store(true, Ordering::Relaxed);
    let steps = computing
        .join()
        .map_err(|_| anyhow::anyhow!("heat thread panicked"))?;
    drop(server);
    let summary = recorder
        .join()
        .map_err(|_| anyhow::anyhow!("recorder thread panicked"))?
        .context("recording")?;
    let span = summary.recording.span.as_secs_f64().max(1e-3);

    // The same frames stored as they are, and the cost of compressing them.
    let file = std::fs::File::open(&path)?;
    let mut reader = RecordReader::new(std::io::BufReader::new(file))?;
    let mut records = Vec::new();
    while let Some(r) = reader.next_record()? {
        records.push(r);
    }
    let stored_bytes: u64 = records
        .iter()
        .map(|r| (RECORD_HEADER_BYTES + 4 + r.body.len()) as u64)
        .sum::<u64>()
        + plotcast_protocol::FILE_HEADER_BYTES as u64;
    let write_all = |compress: bool| -> Result<(f64, u64)> {
        let mut w = RecordWriter::new(Vec::new(), &FileHeader::new(0), compress)?;
        let t = Instant::now();
        for r in &records {
            w.write_body(r.time_us, &r.body)?;
        }
        Ok((t.elapsed().as_secs_f64(), w.bytes_written()))
    };
    let (plain_s, _) = write_all(false)?;
    let (packed_s, packed_bytes) = write_all(true)?;
    let per_min = |bytes: u64| bytes as f64 / span * 60.0 / 1e6;
    report.add(Row {
        section: SECTION.into(),
        figure: format!(
            "heat demo recorded at 10 Hz ({:.0} s, {} steps): MB per minute, compressed",
            span, steps
        ),
        value: per_min(summary.recording.bytes),
        unit: "MB/min",
        reference: Some(("same frames stored".into(), per_min(stored_bytes))),
        target: None,
    });
    report.add(Row {
        section: SECTION.into(),
        figure: "compressing a recorded second (share of one core)".into(),
        value: packed_s / span * 100.0,
        unit: "%",
        reference: Some(("storing it uncompressed".into(), plain_s / span * 100.0)),
        target: None,
    });
    debug_assert!(packed_bytes <= stored_bytes);

    let t = Instant::now();
    let rec = Recording::open(&path, false)?;
    let end = rec.span();
    let mut replay = Replay::new(rec);
    replay.seek(end)?;
    let open_ms = t.elapsed().as_secs_f64() * 1e3;
    report.add(Row {
        section: SECTION.into(),
        figure: format!(
            "open the recording ({:.1} MB) and show its end",
            summary.recording.bytes as f64 / 1e6
        ),
        value: open_ms,
        unit: "ms",
        reference: None,
        target: None,
    });
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
