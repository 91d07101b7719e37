//! Sections 3 and 4: how many bytes and frames reach viewers.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::{server, wait_viewers, Scale};
use crate::procfs::thread_cpu_secs;
use crate::report::{Report, Row};
use crate::viewer::{spawn_reader, ReaderTotals};

const MIB: usize = 1024 * 1024;

/// Publishes `values`-long frames on a named thread until `stop`, pausing
/// `pause` between publishes; returns the number of publishes.
fn publisher(
    line: plotcast::Line,
    values: usize,
    pause: Duration,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<u64> {
    std::thread::Builder::new()
        .name("bench-publisher".into())
        .spawn(move || {
            let mut ys: Vec<f64> = (0..values).map(|i| i as f64).collect();
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                ys[0] = n as f64;
                line.publish(&ys);
                n += 1;
                if !pause.is_zero() {
                    std::thread::sleep(pause);
                }
            }
            n
        })
        .expect("spawning the publisher thread")
}

/// Plain tokio TCP on loopback: one task writes 1 MiB chunks, another reads,
/// for `secs`; returns bytes received per second.
fn raw_tcp(secs: f64) -> Result<f64> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let sender = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await?;
            s.set_nodelay(true)?;
            let chunk = vec![7u8; MIB];
            let deadline = Instant::now() + Duration::from_secs_f64(secs);
            while Instant::now() < deadline {
                s.write_all(&chunk).await?;
            }
            anyhow::Ok(())
        });
        let mut r = tokio::net::TcpStream::connect(addr).await?;
        let mut buf = vec![0u8; 256 * 1024];
        let start = Instant::now();
        let mut got = 0u64;
        loop {
            let n = r.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            got += n as u64;
        }
        let elapsed = start.elapsed().as_secs_f64();
        sender.await??;
        Ok(got as f64 / elapsed)
    })
}

/// Plain tokio TCP on loopback, the floor under fan-out: a thread
/// (current-thread runtime) writes `bytes`-long chunks to `sockets`
/// connections in turn for `secs` while another thread reads them all;
/// returns the writing thread's CPU microseconds per chunk (on loopback the
/// writer's system calls also carry the receiving side's TCP work, as
/// the network thread's do).
fn raw_tcp_send_cpu(sockets: usize, bytes: usize, secs: f64) -> Result<f64> {
    const WRITER: &str = "bench-tcp-send";
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let reader = std::thread::Builder::new()
        .name("bench-tcp-recv".into())
        .spawn(move || -> Result<()> {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            rt.block_on(async move {
                let mut tasks = Vec::new();
                for _ in 0..sockets {
                    let mut s = tokio::net::TcpStream::connect(addr).await?;
                    tasks.push(tokio::spawn(async move {
                        let mut buf = vec![0u8; 256 * 1024];
                        while s.read(&mut buf).await.is_ok_and(|n| n > 0) {}
                    }));
                }
                for t in tasks {
                    t.await?;
                }
                anyhow::Ok(())
            })
        })?;
    let writer =
        std::thread::Builder::new()
            .name(WRITER.into())
            .spawn(move || -> Result<(u64, f64)> {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?;
                rt.block_on(async move {
                    listener.set_nonblocking(true)?;
                    let listener = tokio::net::TcpListener::from_std(listener)?;
                    let mut streams = Vec::new();
                    for _ in 0..sockets {
                        let (s, _) = listener.accept().await?;
                        s.set_nodelay(true)?;
                        streams.push(s);
                    }
                    let chunk = vec![7u8; bytes];
                    let cpu = thread_cpu_secs(WRITER);
                    let deadline = Instant::now() + Duration::from_secs_f64(secs);
                    let mut writes = 0u64;
                    while Instant::now() < deadline {
                        for s in &mut streams {
                            s.write_all(&chunk).await?;
                            writes += 1;
                        }
                    }
                    let cpu = thread_cpu_secs(WRITER) - cpu;
                    Ok((writes, cpu))
                })
            })?;
    let (writes, cpu) = writer
        .join()
        .map_err(|_| anyhow::anyhow!("the plain TCP writer panicked"))??;
    reader
        .join()
        .map_err(|_| anyhow::anyhow!("the plain TCP reader panicked"))??;
    Ok(cpu / writes.max(1) as f64 * 1e6)
}

/// Section 3: one viewer, 1 MiB frames on loopback, against plain TCP.
///
/// Two runs: the publisher flat out (it then keeps one of the two cores busy
/// copying frames, so three busy threads share two cores where the plain
/// TCP pair has two), and the publisher sleeping 50 µs between frames
/// (still offering more than loopback carries), which leaves the cores to the
/// network thread and the viewer as a real computation between publishes
/// would.
pub fn throughput(report: &mut Report, scale: Scale) -> Result<()> {
    let secs = scale.pick(3.0, 0.3);
    // Loopback speed drifts on a shared machine: the reference is the
    // better of two plain-TCP runs, one before and one after ours, so a
    // slow moment cannot flatter the ratio.
    let before = raw_tcp(secs)?;
    let mut runs = Vec::new();
    for (pause, how) in [
        (Duration::ZERO, "publisher flat out"),
        (
            Duration::from_micros(50),
            "publisher sleeping 50 µs between frames",
        ),
    ] {
        runs.push((delivered(secs, pause)?, how));
    }
    let reference = before.max(raw_tcp(secs)?);
    for ((got, publishes), how) in runs {
        report.add(Row {
            section: "3 throughput".into(),
            figure: format!("1 viewer, 1 MiB frames, loopback, {how} ({publishes} published)"),
            value: got / MIB as f64,
            unit: "MiB/s",
            reference: Some(("plain tokio TCP".into(), reference / MIB as f64)),
            target: Some(("≥ 80% of plain TCP".into(), got >= 0.8 * reference)),
        });
    }
    Ok(())
}

/// Bytes per second one reading viewer receives while 1 MiB frames are
/// published with `pause` between them; and how many were published.
fn delivered(secs: f64, pause: Duration) -> Result<(f64, u64)> {
    let server = server("bench-throughput")?;
    let line = server.line("y");
    let stop = Arc::new(AtomicBool::new(false));
    let totals = Arc::new(ReaderTotals::default());
    let reader = spawn_reader(server.local_addr(), stop.clone(), totals.clone(), |_| {})?;
    wait_viewers(&server, 1)?;
    let publisher = publisher(line, MIB / 8, pause, stop.clone());
    let start = Instant::now();
    std::thread::sleep(Duration::from_secs_f64(secs));
    let bytes = totals.bytes.load(Ordering::Relaxed);
    let elapsed = start.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let publishes = publisher.join().unwrap_or(0);
    drop(server);
    let _ = reader.join();
    Ok((bytes as f64 / elapsed, publishes))
}

/// Section 4: 100 viewers reading as fast as they can.
pub fn fan_out(report: &mut Report, scale: Scale) -> Result<()> {
    let secs = scale.pick(3.0, 0.3);
    let viewers = scale.pick(100, 10);
    let values = 8192; // 64 KiB frames
    let server = server("bench-fanout")?;
    let line = server.line("y");
    let stop = Arc::new(AtomicBool::new(false));
    let mut readers = Vec::new();
    let mut totals = Vec::new();
    for _ in 0..viewers {
        let t = Arc::new(ReaderTotals::default());
        readers.push(spawn_reader(
            server.local_addr(),
            stop.clone(),
            t.clone(),
            |_| {},
        )?);
        totals.push(t);
    }
    wait_viewers(&server, viewers)?;
    let cpu0 = thread_cpu_secs("plotcast-net");
    let publisher = publisher(line, values, Duration::from_micros(500), stop.clone());
    let start = Instant::now();
    std::thread::sleep(Duration::from_secs_f64(secs));
    let frames: Vec<u64> = totals
        .iter()
        .map(|t| t.frames.load(Ordering::Relaxed))
        .collect();
    let elapsed = start.elapsed().as_secs_f64();
    let cpu = thread_cpu_secs("plotcast-net") - cpu0;
    stop.store(true, Ordering::Relaxed);
    let publishes = publisher.join().unwrap_or(0);
    let stats = server.stats();
    drop(server);
    for r in readers {
        let _ = r.join();
    }
    let total: u64 = frames.iter().sum();
    let per_viewer = total as f64 / viewers as f64 / elapsed;
    let slowest = frames.iter().copied().min().unwrap_or(0) as f64 / elapsed;
    let sent: u64 = stats.viewers.iter().map(|v| v.frames_sent).sum();
    let encodes = stats.channels.iter().map(|c| c.publishes).sum::<u64>();
    report.add(Row {
        section: "4 fan-out".into(),
        figure: format!(
            "{viewers} viewers, 64 KiB frames: frames/s per viewer (slowest {slowest:.0})"
        ),
        value: per_viewer,
        unit: "frames/s",
        reference: Some(("publishes/s".into(), publishes as f64 / elapsed)),
        target: None,
    });
    let per_frame = if total > 0 {
        cpu / total as f64 * 1e6
    } else {
        f64::NAN
    };
    let plain = raw_tcp_send_cpu(viewers, values * 8, secs)?;
    report.add(Row {
        section: "4 fan-out".into(),
        figure: format!(
            "server network-thread CPU per frame delivered (plain TCP: a tokio thread writing 64 KiB to {viewers} sockets in turn)"
        ),
        value: per_frame,
        unit: "µs",
        reference: Some(("plain TCP sender CPU per 64 KiB write".into(), plain)),
        target: Some((
            "≤ 10 µs (issue 22)".into(),
            per_frame <= 10.0,
        )),
    });
    report.add(Row {
        section: "4 fan-out".into(),
        figure: format!("frames sent per encode ({sent} sent, {encodes} encodes = publishes)"),
        value: if encodes > 0 {
            sent as f64 / encodes as f64
        } else {
            0.0
        },
        unit: "x",
        reference: None,
        target: Some((
            "encoded once per publish, shared by all viewers".into(),
            encodes == publishes,
        )),
    });
    Ok(())
}
