//! The relay through NATS against real nats-server processes (the test
//! kit starts them on free loopback ports; never a mock): the keys and
//! subjects PROTOCOL.md names, latest value wins, a NATS that is down,
//! killed, stopped or refusing, authentication, the goodbye, requests, and
//! frames longer than one NATS message.
//!
//! What the computation put is read back with a plain async-nats client,
//! as any viewer would, and decoded with `plotcast_protocol::decode`.
//!
//! The tests run one at a time (`serial`): they time `publish`, measure
//! the process's memory, and start nats-server processes on few cores.

use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use async_nats::jetstream::{self, kv, stream};
use async_nats::HeaderMap;
use bytes::Bytes;
use futures_util::StreamExt;
use plotcast::{Server, ServerError};
use plotcast_protocol::relay::{
    parse_part, Names, ProcessInfo, BUCKET, MAX_MESSAGE_BYTES, PART_HEADER, RELAY_VERSION,
    SERIES_CHUNKS_KEPT, SERIES_STREAM,
};
use plotcast_protocol::{decode, encode, ChannelKind, Frame, GoodbyeCode, Message, Ping, View};
use plotcast_testkit::nats_server::NodeSpec;
use plotcast_testkit::{server_builder, NatsServer, Wait};

/// How long anything the relay should do may take on a loaded machine.
const PATIENCE: Duration = Duration::from_secs(30);

/// A `publish` may take this long at most, whatever NATS does (it is a
/// copy into the hub; the bound is loose for a busy machine).
const PUBLISH_BOUND: Duration = Duration::from_millis(50);

static SERIAL: Mutex<()> = Mutex::new(());

/// One test at a time, with the log captured (see [`relay_warnings`]).
fn serial() -> MutexGuard<'static, ()> {
    LOG.get_or_init(|| {
        let sink = Arc::new(Mutex::new(Vec::new()));
        let writer = Arc::clone(&sink);
        tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .with_writer(move || LogWriter(Arc::clone(&writer)))
            .init();
        sink
    });
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The relay's warnings logged so far (and forgets them).
fn relay_warnings() -> Vec<String> {
    let Some(log) = LOG.get() else {
        return Vec::new();
    };
    let text = std::mem::take(&mut *log.lock().unwrap_or_else(PoisonError::into_inner));
    String::from_utf8_lossy(&text)
        .lines()
        .filter(|l| l.contains("WARN") && l.contains("plotcast::relay"))
        .map(str::to_owned)
        .collect()
}

/// A computation publishing through NATS at `url` as `run`/`process`.
fn relay_server(url: &str, run: &str, process: &str) -> Server {
    server_builder(run)
        .nats(url)
        .run(run)
        .process(process)
        .start()
        .unwrap_or_else(|e| panic!("the {run} computation starts: {e}"))
}

fn relay_stats(server: &Server) -> plotcast::RelayStats {
    server
        .stats()
        .relay
        .expect("a server publishing through NATS has relay stats")
}

/// A plain NATS client, as a viewer would have: blocking calls on a
/// runtime of its own.
struct Reader {
    rt: tokio::runtime::Runtime,
    client: async_nats::Client,
    js: jetstream::Context,
}

impl Reader {
    fn connect(url: &str) -> Self {
        Self::connect_with(url, async_nats::ConnectOptions::new())
    }

    fn connect_with(url: &str, options: async_nats::ConnectOptions) -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for the test client");
        let client = rt
            .block_on(options.connect(url))
            .unwrap_or_else(|e| panic!("the test client connects to {url}: {e}"));
        // The context spawns its acknowledgement task: inside the runtime.
        let js = {
            let _inside = rt.enter();
            jetstream::new(client.clone())
        };
        Self { rt, client, js }
    }

    fn bucket(&self) -> Option<kv::Store> {
        self.rt.block_on(self.js.get_key_value(BUCKET)).ok()
    }

    /// The value of `key` now, if any.
    fn value(&self, key: &str) -> Option<Bytes> {
        let store = self.bucket()?;
        self.rt.block_on(store.get(key)).ok().flatten()
    }

    /// The value of `key` decoded, once `accept` takes it.
    fn wait_message(&self, key: &str, what: &str, accept: impl Fn(&Message) -> bool) -> Message {
        Wait::new(format!("{what} ({key})"), PATIENCE)
            .every(Duration::from_millis(50))
            .for_state(|| {
                let value = self.value(key).ok_or("no value yet")?;
                let msg = decode(value).map_err(|e| format!("undecodable: {e}"))?;
                if accept(&msg) {
                    Ok(msg)
                } else {
                    Err(format!("{} message", msg.name()))
                }
            })
    }

    /// A snapshot channel's data, once its sequence number reaches `seq`.
    fn wait_data(&self, key: &str, seq: u64) -> Frame {
        let what = format!("the frame of sequence {seq}");
        match self.wait_message(
            key,
            &what,
            |m| matches!(m, Message::Data(f) if f.seq >= seq),
        ) {
            Message::Data(frame) => frame,
            other => panic!("not data: {other:?}"),
        }
    }

    fn hello(&self, names: &Names) -> ProcessInfo {
        let key = names.key(plotcast_protocol::relay::Entry::Hello);
        let bytes = Wait::new(format!("the hello ({key})"), PATIENCE)
            .every(Duration::from_millis(50))
            .for_value(|| self.value(&key));
        ProcessInfo::decode(&bytes).expect("the hello is a ProcessInfo")
    }

    /// Every message the series stream keeps on `subject`, decoded.
    fn chunks(&self, subject: &str) -> Vec<Frame> {
        self.rt.block_on(async {
            let Ok(stream) = self.js.get_stream(SERIES_STREAM).await else {
                return Vec::new();
            };
            let mut out = Vec::new();
            let mut seq = 1;
            while let Ok(msg) = stream.direct_get_next_for_subject(subject, Some(seq)).await {
                seq = msg.sequence + 1;
                match decode(msg.payload) {
                    Ok(Message::Data(frame)) => out.push(frame),
                    other => panic!("a series chunk that is not data: {other:?}"),
                }
            }
            out
        })
    }

    /// Sends a request to `subject` and collects the reply, joining its
    /// parts: the body and the number of parts.
    fn request(&self, subject: &str, body: Bytes) -> (Bytes, usize) {
        self.rt.block_on(async {
            let inbox = self.client.new_inbox();
            let mut replies = self
                .client
                .subscribe(inbox.clone())
                .await
                .expect("subscribing");
            self.client
                .publish_with_reply(subject.to_owned(), inbox, body)
                .await
                .expect("requesting");
            let mut parts: Vec<Option<Bytes>> = Vec::new();
            loop {
                let msg = tokio::time::timeout(Duration::from_secs(10), replies.next())
                    .await
                    .unwrap_or_else(|_| panic!("no reply on {subject} within 10 s"))
                    .expect("the reply subscription ends");
                let (i, n) = part_of(msg.headers.as_ref());
                parts.resize(n, None);
                parts[i - 1] = Some(msg.payload);
                if parts.iter().all(Option::is_some) {
                    let joined: Vec<u8> = parts.iter().flatten().flat_map(|b| b.to_vec()).collect();
                    return (Bytes::from(joined), n);
                }
            }
        })
    }
}

/// `(i, n)` from a reply's `Plotcast-Part` header (`(1, 1)` without one).
fn part_of(headers: Option<&HeaderMap>) -> (usize, usize) {
    match headers.and_then(|h| h.get(PART_HEADER)) {
        Some(value) => parse_part(value.as_str()).expect("a valid part header"),
        None => (1, 1),
    }
}

/// A message body as the relay stores it.
fn body(msg: &Message) -> Bytes {
    encode(msg).expect("encodes").slice(4..)
}

/// The resident memory of this process, in bytes.
fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/self/status");
    kb * 1024
}

/// Noise that does not compress, from a seed.
fn noise(n: usize, mut seed: u64) -> Vec<f64> {
    (0..n)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 11) as f64 / (1u64 << 53) as f64
        })
        .collect()
}

/// Publishes `count` values with `publish`, returning the longest
/// publish.
fn timed(count: usize, mut publish: impl FnMut(usize)) -> Duration {
    (0..count)
        .map(|i| {
            let start = Instant::now();
            publish(i);
            start.elapsed()
        })
        .max()
        .unwrap_or_default()
}

/// Publishes with `publish` for `time`, pausing `pause` between
/// publishes: how many, and the longest publish.
fn publish_for(time: Duration, pause: Duration, mut publish: impl FnMut()) -> (u64, Duration) {
    let start = Instant::now();
    let (mut count, mut longest) = (0, Duration::ZERO);
    while start.elapsed() < time {
        longest = longest.max(timed(1, |_| publish()));
        count += 1;
        std::thread::sleep(pause);
    }
    (count, longest)
}

/// A fresh nats-server and a computation relaying to it as `<run>.p0`,
/// whose line `wave` (channel 0) has had its first value stored.
fn relaying(run: &str) -> (NatsServer, Server, plotcast::Line, Reader) {
    let nats = NatsServer::start(&format!("relay-{run}"));
    let server = relay_server(&nats.url, run, "p0");
    let line = server.line("wave");
    let reader = Reader::connect(&nats.url);
    line.publish(&[1.0]);
    reader.wait_data(&format!("{run}.p0.d.0"), 1);
    (nats, server, line, reader)
}

#[test]
fn keys_and_subjects_are_the_protocols() {
    let _serial = serial();
    let nats = NatsServer::start("relay-keys");
    let server = relay_server(&nats.url, "sweep-17", "rank3");
    assert_eq!(
        server.listen_addr(),
        None,
        "through NATS nothing listens unless asked"
    );
    let wave = server.line("wave");
    let temp = server.heatmap("T");
    let energy = server.series("energy");
    wave.publish(&[1.0, 2.0, 3.0]);
    temp.publish(&(0..12).map(f64::from).collect::<Vec<_>>(), 4, 3);
    for i in 0..100 {
        energy.push(f64::from(i), f64::from(i) * 2.0);
    }
    let names = Names::new("sweep-17", "rank3").expect("names");
    let reader = Reader::connect(&nats.url);

    let hello = reader.hello(&names);
    assert_eq!(
        (
            hello.relay_version,
            hello.protocol_version,
            hello.process.as_str()
        ),
        (RELAY_VERSION, plotcast_protocol::VERSION, "rank3")
    );
    assert_eq!(
        (hello.session_id, hello.pid),
        (server.session_id(), std::process::id())
    );
    assert_eq!(hello.title, "sweep-17");
    let layout = reader.wait_message(
        "sweep-17.rank3.layout",
        "the layout with 3 channels",
        |m| matches!(m, Message::Layout(l) if l.channels.len() == 3),
    );
    let Message::Layout(layout) = layout else {
        unreachable!()
    };
    let listed: Vec<_> = layout
        .channels
        .iter()
        .map(|c| (c.id, c.name.as_str(), c.kind))
        .collect();
    assert_eq!(
        listed,
        [
            (0, "wave", ChannelKind::Line),
            (1, "T", ChannelKind::Heatmap),
            (2, "energy", ChannelKind::Series)
        ]
    );
    // A channel added later: the layout is put again, before its data.
    server.bars("late").publish(&[5.0]);
    reader.wait_message(
        "sweep-17.rank3.layout",
        "the layout with the late channel",
        |m| matches!(m, Message::Layout(l) if l.channels.len() == 4),
    );
    assert_eq!(
        reader.wait_data("sweep-17.rank3.d.3", 1).kind,
        ChannelKind::Bars
    );
    let line = reader.wait_data("sweep-17.rank3.d.0", 1);
    assert_eq!(line.parts[0].y.to_f64().into_owned(), [1.0, 2.0, 3.0]);
    let grid = reader.wait_data("sweep-17.rank3.d.1", 1);
    assert_eq!((grid.nx, grid.ny, grid.lod.is_none()), (4, 3, true));
    assert_eq!(
        reader.value("sweep-17.rank3.d.2"),
        None,
        "series go to the stream"
    );

    // The series: chunks on plotcast.series.<run>.<process>.<channel>, each
    // part numbered by its first point.
    let subject = names.series_subject(2);
    assert_eq!(subject, "plotcast.series.sweep-17.rank3.2");
    let points = Wait::new("100 series points in the stream", PATIENCE).for_value(|| {
        let chunks = reader.chunks(&subject);
        let mut points = Vec::new();
        for chunk in &chunks {
            assert_eq!((chunk.kind, chunk.channel), (ChannelKind::Series, 2));
            for part in &chunk.parts {
                assert_eq!(part.first_index, points.len() as u64, "chunks follow on");
                points.extend(part.y.to_f64().iter().copied());
            }
        }
        (points.len() == 100).then_some(points)
    });
    assert_eq!(points[99], 198.0);

    // The bucket and the stream as PROTOCOL.md describes them.
    let bucket = reader.bucket().expect("the bucket exists");
    let config = reader.rt.block_on(async {
        let mut s = bucket.stream.clone();
        s.info().await.expect("bucket info").config.clone()
    });
    assert_eq!(config.max_messages_per_subject, 1, "history 1");
    assert_eq!(config.storage, stream::StorageType::File);
    assert_eq!(config.max_message_size, MAX_MESSAGE_BYTES as i32);
    let series = reader.rt.block_on(async {
        let mut s = reader
            .js
            .get_stream(SERIES_STREAM)
            .await
            .expect("the series stream");
        s.info().await.expect("stream info").config.clone()
    });
    assert_eq!(series.subjects, ["plotcast.series.>"]);
    assert_eq!(series.max_messages_per_subject, SERIES_CHUNKS_KEPT);
    assert_eq!(series.discard, stream::DiscardPolicy::Old);
    assert_eq!(series.storage, stream::StorageType::File);

    let stats = relay_stats(&server);
    assert!(
        stats.connected && stats.puts >= 5 && stats.series_chunks >= 1,
        "{stats:?}"
    );
    assert_eq!(
        (stats.run.as_str(), stats.process.as_str()),
        ("sweep-17", "rank3")
    );
    drop(server);
    let bye = reader.wait_message("sweep-17.rank3.bye", "the goodbye", |m| {
        matches!(m, Message::Goodbye(_))
    });
    let Message::Goodbye(bye) = bye else {
        unreachable!()
    };
    assert_eq!(bye.code, GoodbyeCode::ComputationEnded);
}

#[test]
fn a_new_run_of_a_process_clears_what_the_last_one_left() {
    let _serial = serial();
    let nats = NatsServer::start("relay-rerun");
    let reader = Reader::connect(&nats.url);
    let first = relay_server(&nats.url, "rerun", "p0");
    first.line("a").publish(&[1.0]);
    first.line("b").publish(&[2.0]);
    reader.wait_data("rerun.p0.d.1", 1);
    drop(first);
    let second = relay_server(&nats.url, "rerun", "p0");
    second.line("only").publish(&[3.0]);
    let hello = Wait::new("the second run's hello", PATIENCE).for_value(|| {
        let h = ProcessInfo::decode(&reader.value("rerun.p0.hello")?).ok()?;
        (h.session_id == second.session_id()).then_some(h)
    });
    assert_eq!(hello.process, "p0");
    reader.wait_data("rerun.p0.d.0", 1);
    assert_eq!(
        reader.value("rerun.p0.d.1"),
        None,
        "the first run's channel b is gone"
    );
    assert_eq!(reader.value("rerun.p0.bye"), None, "and so is its goodbye");
}

#[test]
fn latest_value_wins_and_a_slow_watcher_gets_the_newest() {
    let _serial = serial();
    let (_nats, server, line, reader) = relaying("latest");
    let values = noise(8192, 7);
    let mut published: u64 = 1;

    // The put rate of 64 KiB values, publishing every millisecond (the
    // computation leaves the relay and nats-server some CPU).
    let before = relay_stats(&server);
    let start = Instant::now();
    let (count, _) = publish_for(Duration::from_secs(2), Duration::from_millis(1), || {
        line.publish(&values);
    });
    published += count;
    let paced = relay_stats(&server);
    let rate = (paced.puts - before.puts) as f64 / start.elapsed().as_secs_f64();
    eprintln!(
        "paced: {published} publishes in 2 s, {rate:.0} puts/s of 64 KiB, {} skipped",
        paced.skipped - before.skipped
    );

    // A watcher that takes 20 ms per value, and a computation publishing
    // 64 KiB values as fast as it can for two seconds.
    assert!(server.wait_synced(PATIENCE), "the relay catches up");
    let before = relay_stats(&server);
    let store = reader.bucket().expect("the bucket");
    let mut watch = reader
        .rt
        .block_on(store.watch_with_history("latest.p0.d.0"))
        .expect("watching");
    let start = Instant::now();
    let mut longest = Duration::ZERO;
    let first = published + 1;
    while start.elapsed() < Duration::from_secs(2) {
        let t = Instant::now();
        line.publish(&values);
        longest = longest.max(t.elapsed());
        published += 1;
    }
    let elapsed = start.elapsed();
    let mut seen = 0u64;
    let last_seen = reader.rt.block_on(async {
        loop {
            let entry = tokio::time::timeout(PATIENCE, watch.next())
                .await
                .expect("the watcher gets values")
                .expect("the watch goes on")
                .expect("a watch entry");
            seen += 1;
            let Ok(Message::Data(frame)) = decode(entry.value) else {
                panic!("a value that is not data")
            };
            if frame.seq == published {
                return frame.seq;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    let stats = relay_stats(&server);
    let (puts, skipped) = (stats.puts - before.puts, stats.skipped - before.skipped);
    let burst = published - first + 1;
    eprintln!(
        "flat out: {burst} publishes in {:.1} s (longest {longest:?}), {puts} puts ({:.0}/s), {skipped} skipped; the slow watcher saw {seen}",
        elapsed.as_secs_f64(),
        puts as f64 / elapsed.as_secs_f64(),
    );
    assert_eq!(last_seen, published, "the newest value arrives");
    assert!(
        skipped > 0,
        "values published while a put was in flight are skipped: {stats:?}"
    );
    assert_eq!(
        skipped + puts,
        burst,
        "each value is put or skipped, once: {stats:?}"
    );
    assert!(
        seen < burst,
        "the slow watcher skips values ({seen} of {burst})"
    );
}

#[test]
fn nats_down_at_start_then_relaying_starts_when_it_comes() {
    let _serial = serial();
    let mut nats = NatsServer::start("relay-down");
    nats.kill();
    relay_warnings();
    let server = relay_server(&nats.url, "down", "p0");
    let temp = server.heatmap("T");
    let (nx, ny) = (256, 512); // 1 MiB of f64 per frame
    let values = noise(nx * ny, 3);
    // Warm up the hub's buffers, then measure.
    temp.publish(&values, nx, ny);
    let rss_before = rss_bytes();
    let longest = timed(300, |_| temp.publish(&values, nx, ny));
    let rss_after = rss_bytes();
    let grown = rss_after.saturating_sub(rss_before);
    let stats = Wait::new("the relay to say NATS is away", PATIENCE).for_value(|| {
        let stats = relay_stats(&server);
        stats.last_error.is_some().then_some(stats)
    });
    eprintln!(
        "NATS down: 300 publishes of 1 MiB, longest {longest:?}; memory grew {} KiB; relay says: {:?}",
        grown / 1024,
        stats.last_error
    );
    assert!(
        longest < PUBLISH_BOUND,
        "a publish took {longest:?} with NATS down"
    );
    assert!(
        grown < 64 << 20,
        "300 MiB published grew memory by {} MiB",
        grown >> 20
    );
    assert!(!stats.connected && stats.puts == 0, "{stats:?}");
    // Away for a while: each failure said once, not at every retry.
    std::thread::sleep(Duration::from_secs(4));
    let warnings = relay_warnings();
    eprintln!("NATS down, the log: {warnings:#?}");
    assert!(
        (1..=3).contains(&warnings.len()),
        "the relay's warnings while NATS is down: {warnings:#?}"
    );

    let up = Instant::now();
    nats.restart(true);
    let reader = Reader::connect(&nats.url);
    let frame = reader.wait_data("down.p0.d.0", 301);
    eprintln!(
        "NATS up: the newest frame was there {:?} after the server started",
        up.elapsed()
    );
    assert_eq!((frame.nx, frame.ny), (256, 512));
    temp.publish(&values, nx, ny);
    reader.wait_data("down.p0.d.0", 302);
    let stats = relay_stats(&server);
    assert!(stats.connected && stats.skipped >= 299, "{stats:?}");
}

#[test]
fn a_killed_nats_server_restarted_gets_the_newest_values_again() {
    let _serial = serial();
    let (mut nats, server, line, reader) = relaying("kill");
    // A series keeping 1000 points: the outage loses what leaves it.
    let series = server.channel("energy").history_points(1000).series();
    let names = Names::new("kill", "p0").expect("names");
    let t: Vec<f64> = (0..500).map(f64::from).collect();
    series.extend(&t, &t);
    let stream_points = |reader: &Reader| -> Vec<u64> {
        let mut indices = Vec::new();
        for chunk in reader.chunks(&names.series_subject(1)) {
            for part in &chunk.parts {
                indices.extend((0..part.y.len() as u64).map(|k| part.first_index + k));
            }
        }
        indices
    };
    Wait::new("500 points in the stream", PATIENCE).until(|| stream_points(&reader).len() == 500);
    drop(reader);
    nats.kill();
    let values = noise(4096, 5);
    let mut pushed = 500u32;
    let (count, longest) = publish_for(Duration::from_secs(2), Duration::from_millis(5), || {
        line.publish(&values);
        let t: Vec<f64> = (pushed..pushed + 10).map(f64::from).collect();
        series.extend(&t, &t);
        pushed += 10;
    });
    let mut published = 1 + count;
    eprintln!("NATS killed: {published} publishes in 2 s, longest {longest:?}");
    assert!(
        longest < PUBLISH_BOUND,
        "a publish took {longest:?} with NATS killed"
    );
    nats.restart(true);
    let reader = Reader::connect(&nats.url);
    line.publish(&[2.0]);
    published += 1;
    let frame = reader.wait_data("kill.p0.d.0", published);
    assert_eq!(frame.parts[0].y.to_f64().into_owned(), [2.0]);
    let hello = reader.hello(&names);
    assert_eq!(
        hello.session_id,
        server.session_id(),
        "the same run goes on"
    );
    // The series: every point up to the outage, then a gap, then the
    // window's points; the gap counted.
    let total = u64::from(pushed);
    let indices = Wait::new("the series' newest point in the stream", PATIENCE).for_value(|| {
        let indices = stream_points(&reader);
        (indices.last() == Some(&(total - 1))).then_some(indices)
    });
    let kept: Vec<u64> = indices.iter().copied().filter(|&i| i >= 500).collect();
    let lost = relay_stats(&server).series_points_skipped;
    eprintln!(
        "series through the outage: {total} points pushed, {} in the stream, {lost} lost",
        indices.len()
    );
    assert_eq!(&indices[..500], &(0..500).collect::<Vec<_>>()[..]);
    assert!(
        kept.windows(2).all(|w| w[1] > w[0]),
        "no point twice, in order"
    );
    assert!(
        kept.len() >= 1000,
        "at least the window's points after the outage"
    );
    assert_eq!(
        lost + indices.len() as u64,
        total,
        "every point is in the stream or counted lost"
    );
}

#[test]
fn a_stopped_nats_server_blocks_neither_publish_nor_drop() {
    let _serial = serial();
    let (nats, server, line, _reader) = relaying("stop");
    nats.pause(true);
    let values = noise(65536, 9);
    let (published, longest) =
        publish_for(Duration::from_secs(3), Duration::from_millis(2), || {
            line.publish(&values);
        });
    let drop_start = Instant::now();
    drop(server);
    let dropping = drop_start.elapsed();
    nats.pause(false);
    eprintln!("NATS stopped: {published} publishes of 512 KiB in 3 s, longest {longest:?}; drop took {dropping:?}");
    assert!(
        longest < PUBLISH_BOUND,
        "a publish took {longest:?} with NATS stopped"
    );
    assert!(
        dropping < Duration::from_secs(3),
        "drop took {dropping:?} with NATS stopped"
    );
}

#[test]
fn credentials_in_the_url_and_a_token_authenticate_and_a_wrong_password_is_said() {
    let _serial = serial();
    let users = NatsServer::start_node(
        "relay-auth-user",
        NodeSpec {
            jetstream_domain: Some("hub".into()),
            extra: "authorization { user: alice, password: \"s3cr@t\" }\n".into(),
            ..NodeSpec::default()
        },
    );
    let host = users.url.trim_start_matches("nats://");
    let server = relay_server(&format!("nats://alice:s3cr%40t@{host}"), "auth", "user");
    server.line("l").publish(&[1.0]);
    let reader = Reader::connect_with(
        &users.url,
        async_nats::ConnectOptions::with_user_and_password("alice".into(), "s3cr@t".into()),
    );
    reader.wait_data("auth.user.d.0", 1);
    drop(server);

    let start = Instant::now();
    let wrong = relay_server(&format!("nats://alice:wrong@{host}"), "auth", "wrong");
    let line = wrong.line("l");
    let longest = timed(100, |_| line.publish(&[1.0; 1000]));
    let error = Wait::new("the relay to say authentication failed", PATIENCE).for_value(|| {
        relay_stats(&wrong)
            .last_error
            .filter(|e| e.to_lowercase().contains("authorization"))
    });
    eprintln!("wrong password: {error:?} after {:?}", start.elapsed());
    let warnings = relay_warnings();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("authorization violation")),
        "the log says why: {warnings:#?}"
    );
    assert!(
        longest < PUBLISH_BOUND,
        "a publish took {longest:?} with NATS refusing"
    );
    let drop_start = Instant::now();
    drop(wrong);
    assert!(drop_start.elapsed() < Duration::from_secs(3));

    let tokens = NatsServer::start_node(
        "relay-auth-token",
        NodeSpec {
            jetstream_domain: Some("hub".into()),
            extra: "authorization { token: t0k3n }\n".into(),
            ..NodeSpec::default()
        },
    );
    let server = server_builder("auth")
        .nats(&tokens.url)
        .nats_token("t0k3n")
        .run("auth")
        .process("token")
        .start()
        .expect("starts");
    server.line("l").publish(&[1.0]);
    let reader = Reader::connect_with(
        &tokens.url,
        async_nats::ConnectOptions::with_token("t0k3n".into()),
    );
    reader.wait_data("auth.token.d.0", 1);
    assert!(relay_stats(&server).connected);
}

#[test]
fn the_goodbye_says_finished_or_interrupted() {
    let _serial = serial();
    let nats = NatsServer::start("relay-bye");
    let reader = Reader::connect(&nats.url);
    let finished = relay_server(&nats.url, "bye", "done");
    let line = finished.line("l");
    for i in 0..50 {
        line.publish(&[f64::from(i)]);
    }
    assert!(
        finished.finish(PATIENCE),
        "finish waits for the relay to put everything"
    );
    let last = reader.wait_data("bye.done.d.0", 50);
    assert_eq!(last.seq, 50, "the final value was put before the goodbye");
    let interrupted = relay_server(&nats.url, "bye", "cut");
    interrupted.line("l").publish(&[1.0]);
    reader.wait_data("bye.cut.d.0", 1);
    interrupted.interrupted("interrupted: SIGINT");
    drop(interrupted);
    for (key, code, reason) in [
        (
            "bye.done.bye",
            GoodbyeCode::ComputationEnded,
            "the computation finished",
        ),
        (
            "bye.cut.bye",
            GoodbyeCode::Interrupted,
            "interrupted: SIGINT",
        ),
    ] {
        let msg = reader.wait_message(key, "the goodbye", |m| matches!(m, Message::Goodbye(_)));
        let Message::Goodbye(bye) = msg else {
            unreachable!()
        };
        assert_eq!((bye.code, bye.reason.as_str()), (code, reason), "{key}");
    }
}

#[test]
fn clock_and_view_requests_are_answered() {
    let _serial = serial();
    let nats = NatsServer::start("relay-rpc");
    let server = relay_server(&nats.url, "rpc", "p0");
    let y = noise(100_000, 11);
    server.line("wave").publish(&y);
    let names = Names::new("rpc", "p0").expect("names");
    let reader = Reader::connect(&nats.url);
    reader.wait_data("rpc.p0.d.0", 1);

    let ping = Ping::at(42, plotcast_protocol::util::unix_now_us());
    let (reply, parts) = reader.request(&names.rpc_subject("clock"), body(&Message::Ping(ping)));
    let Ok(Message::Pong(pong)) = decode(reply) else {
        panic!("the clock answers a Pong")
    };
    assert_eq!(
        (pong.nonce, pong.ping_sent_us, parts),
        (42, ping.sent_us, 1)
    );
    assert!(pong.sent_us >= pong.received_us && pong.received_us > 0);

    let view = View {
        width_px: 400,
        height_px: 300,
        ..View::full(0)
    };
    let (reply, parts) = reader.request(&names.rpc_subject("view"), body(&Message::View(view)));
    let Ok(Message::Data(frame)) = decode(reply) else {
        panic!("the view answers data")
    };
    let kept = frame.parts[0].y.len();
    assert_eq!(parts, 1);
    assert!(
        frame.lod.is_some() && kept <= 4 * 402,
        "{kept} points for 400 px"
    );
    // The same view again: the channel's cache answers, no new reduction.
    let reductions = server.stats().channels[0].reductions;
    reader.request(&names.rpc_subject("view"), body(&Message::View(view)));
    assert_eq!(server.stats().channels[0].reductions, reductions);
    let stats = relay_stats(&server);
    assert!(stats.requests >= 3, "{stats:?}");
    // Garbage is not answered, only counted.
    reader.rt.block_on(async {
        reader
            .client
            .publish(names.rpc_subject("view"), Bytes::from_static(b"garbage"))
            .await
            .expect("publishing garbage");
        reader.client.flush().await.expect("flushing");
    });
    Wait::new("the garbage to be counted", PATIENCE)
        .until(|| relay_stats(&server).bad_requests >= 1);
}

#[test]
fn a_frame_longer_than_a_message_is_put_as_an_overview_and_views_come_in_parts() {
    let _serial = serial();
    let nats = NatsServer::start("relay-big");
    let server = relay_server(&nats.url, "big", "p0");
    let (nx, ny) = (2048, 2048);
    let values = noise(nx * ny, 13);
    server.heatmap("T").publish(&values, nx, ny);
    let names = Names::new("big", "p0").expect("names");
    let reader = Reader::connect(&nats.url);
    let overview = reader.wait_data("big.p0.d.0", 1);
    let grid = overview
        .lod
        .as_ref()
        .and_then(|l| l.grid)
        .expect("an overview says what it stands for");
    assert_eq!((grid.full_nx, grid.full_ny), (2048, 2048));
    assert!(
        overview.nx <= 512 && overview.ny <= 512,
        "{}x{}",
        overview.nx,
        overview.ny
    );
    // 16-bit codes (decoders turn them into f32): 2 bytes a cell.
    let stored = reader.value("big.p0.d.0").expect("the overview").len();
    assert!(
        stored <= 512 * 512 * 2 + 4096,
        "{stored} bytes for 512² cells"
    );
    assert_eq!(relay_stats(&server).overviews, 1);

    let view = View {
        width_px: 1200,
        height_px: 1000,
        ..View::full(0)
    };
    let start = Instant::now();
    let (reply, parts) = reader.request(&names.rpc_subject("view"), body(&Message::View(view)));
    let Ok(Message::Data(frame)) = decode(reply) else {
        panic!("the view answers data")
    };
    eprintln!(
        "a 1200x1000 view of a 2048² heatmap: {parts} parts in {:?}",
        start.elapsed()
    );
    assert!(
        parts >= 2,
        "1.2 million cells of noise take several messages"
    );
    assert_eq!((frame.nx, frame.ny), (1200, 1000));
    assert_eq!(
        frame.lod.and_then(|l| l.grid).map(|g| g.full_nx),
        Some(2048)
    );
}

#[test]
fn a_computation_behind_a_leaf_node_reaches_the_clusters_jetstream() {
    let _serial = serial();
    let cluster = NatsServer::cluster("relay-hub");
    let hub_urls: Vec<String> = cluster.iter().filter_map(|n| n.leaf_url.clone()).collect();
    let leaf = NatsServer::leaf("relay-leaf", &hub_urls);
    leaf.wait_ready(false);
    let server = server_builder("leaf")
        .nats(&leaf.url)
        .nats_domain("hub")
        .nats_replicas(3)
        .run("leafrun")
        .process("node7")
        .start()
        .expect("starts");
    server.line("l").publish(&[7.0]);
    // A viewer on another node of the cluster; every node's URL given.
    let all: Vec<&str> = cluster.iter().map(|n| n.url.as_str()).collect();
    let reader = Reader::connect(&all[2..].join(","));
    let frame = reader.wait_data("leafrun.node7.d.0", 1);
    assert_eq!(frame.parts[0].y.to_f64().into_owned(), [7.0]);
    let mut bucket = reader.bucket().expect("the bucket").stream;
    let replicas = reader
        .rt
        .block_on(bucket.info())
        .expect("info")
        .config
        .num_replicas;
    assert_eq!(replicas, 3);
    assert_eq!(server.listen_addr(), None);
}

#[test]
fn bad_nats_settings_are_clear_errors() {
    let err = |b: plotcast::ServerBuilder| b.start().expect_err("refused");
    let e = err(server_builder("bad").nats("http://127.0.0.1:4222"));
    assert!(matches!(e, ServerError::NatsUrl { .. }), "{e}");
    let e = err(server_builder("bad")
        .nats("nats://127.0.0.1:4222")
        .run("a.b"));
    assert!(
        matches!(e, ServerError::NatsName { what: "run", .. }),
        "{e}"
    );
    assert!(e.to_string().contains("\"a.b\""), "{e}");
    let e = err(server_builder("bad")
        .nats("nats://127.0.0.1:4222")
        .process(""));
    assert!(
        matches!(
            e,
            ServerError::NatsName {
                what: "process",
                ..
            }
        ),
        "{e}"
    );
    let e = err(server_builder("bad")
        .nats("nats://127.0.0.1:4222")
        .nats_creds("/nonexistent.creds"));
    assert!(matches!(e, ServerError::NatsFile { .. }), "{e}");
    // One line each.
    assert!(!e.to_string().contains('\n'));
    // With NATS and an address asked for, direct viewers are served too.
    let both = server_builder("both")
        .nats("nats://127.0.0.1:9")
        .bind("127.0.0.1:0")
        .start()
        .expect("starts");
    assert!(both.listen_addr().is_some());
    let commands = both.viewer_commands();
    assert_eq!(commands[0], "plotcast-viewer nats://127.0.0.1:9/both");
    assert!(commands.len() >= 2, "and the direct way: {commands:?}");
    let only = server_builder("only")
        .nats("nats://u:secret@127.0.0.1:9")
        .start()
        .expect("starts");
    assert_eq!(
        only.viewer_commands(),
        ["plotcast-viewer nats://127.0.0.1:9/only"]
    );
}
