//! A test publisher for the relay: one process of a run, writing the keys,
//! stream messages and replies of PROTOCOL.md ("Relay through NATS")
//! with async-nats directly and the protocol crate's encoders, so the
//! viewer's relay tests do not depend on the computation's own relay code
//! (and check the spec from a second side).
//!
//! ```text
//! RelayPublisher::start(url, "run", "rank0")   a named thread: connection, bucket
//!   .hello("title") .layout(&l) .data(&f)       `run.rank0.hello|layout|d.<id>` (awaited puts)
//!   .chunk(&series_frame)                        `plotcast.series.run.rank0.<id>` (acked)
//!   .overview(&small, &detail)                   overview in the bucket, detail on request
//!   .bye(code, reason)   .put_raw(key, bytes)    goodbye; anything under any key
//! requests `plotcast.rpc.run.rank0.clock|view`   answered on the thread (Pong; a frame,
//!                                                cut in `Plotcast-Part: i/n` messages)
//! ```
//!
//! Every method waits for the server's acknowledgement and panics with
//! the reason when it fails: a test cannot go on without its data.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc as std_mpsc, Arc};
use std::thread;
use std::time::Duration;

use async_nats::jetstream::{self, kv, stream};
use async_nats::{Client, HeaderMap};
use bytes::Bytes;
use futures_util::StreamExt;
use plotcast_protocol::relay::{
    Entry, Names, ProcessInfo, BUCKET, MAX_MESSAGE_BYTES, RELAY_VERSION, SERIES_CHUNKS_KEPT,
    SERIES_PREFIX, SERIES_STREAM,
};
use plotcast_protocol::{
    compress_data, decode, encode, Frame, Goodbye, GoodbyeCode, Layout, Message, Pong,
    LENGTH_PREFIX_BYTES,
};
use tokio::sync::mpsc;

/// How long one command may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// Where and as whom a test publisher publishes.
#[derive(Debug, Clone)]
pub struct PublisherSpec {
    /// Node URLs (`nats://127.0.0.1:4222`).
    pub urls: Vec<String>,
    /// The run.
    pub run: String,
    /// The process label.
    pub process: String,
    /// Replicas of the bucket and stream it creates if missing.
    pub replicas: usize,
    /// Reach JetStream through this domain (a publisher behind a leaf).
    pub domain: Option<String>,
    /// `user`, `password`.
    pub user: Option<(String, String)>,
    /// The CA of a TLS server (TLS required).
    pub tls_ca: Option<std::path::PathBuf>,
}

impl PublisherSpec {
    /// `process` of `run` on the server at `url`, one replica.
    pub fn new(url: &str, run: &str, process: &str) -> Self {
        Self {
            urls: vec![url.to_owned()],
            run: run.to_owned(),
            process: process.to_owned(),
            replicas: 1,
            domain: None,
            user: None,
            tls_ca: None,
        }
    }
}

type Done = std_mpsc::SyncSender<Result<(), String>>;

enum Command {
    Put(String, Bytes, Done),
    Publish(String, Bytes, Done),
}

/// What the reply side knows: the frames it answers views with.
#[derive(Default)]
struct Answers {
    frames: std::sync::Mutex<HashMap<u32, Frame>>,
    /// Replies longer than this go in several messages.
    part_bytes: AtomicU64,
    answering: AtomicBool,
    views_asked: AtomicU64,
    clocks_asked: AtomicU64,
}

/// One test process of a relayed run.
pub struct RelayPublisher {
    names: Names,
    session_id: u64,
    commands: Option<mpsc::Sender<Command>>,
    answers: Arc<Answers>,
    thread: Option<thread::JoinHandle<()>>,
}

impl std::fmt::Debug for RelayPublisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "RelayPublisher({}.{})",
            self.names.run, self.names.process
        )
    }
}

impl RelayPublisher {
    /// `process` of `run`, publishing to the server at `url`.
    ///
    /// # Panics
    /// When it cannot connect or create the bucket and stream.
    pub fn start(url: &str, run: &str, process: &str) -> Self {
        Self::start_with(PublisherSpec::new(url, run, process))
    }

    /// A publisher as `spec` says.
    ///
    /// # Panics
    /// When it cannot connect or create the bucket and stream.
    pub fn start_with(spec: PublisherSpec) -> Self {
        let names = Names::new(&spec.run, &spec.process).expect("valid run and process names");
        let answers = Arc::new(Answers {
            part_bytes: AtomicU64::new(MAX_MESSAGE_BYTES as u64),
            answering: AtomicBool::new(true),
            ..Answers::default()
        });
        let (tx, rx) = mpsc::channel(16);
        let (ready_tx, ready_rx) = std_mpsc::sync_channel(1);
        let (thread_names, thread_answers) = (names.clone(), Arc::clone(&answers));
        let thread = thread::Builder::new()
            .name(format!("relay-publisher-{}", spec.process))
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime for the test publisher");
                rt.block_on(serve(spec, thread_names, thread_answers, rx, ready_tx));
            })
            .expect("starting the test publisher's thread");
        match ready_rx.recv_timeout(COMMAND_TIMEOUT) {
            Ok(Ok(())) => {}
            Ok(Err(err)) => panic!("test publisher {}: {err}", names.process),
            Err(_) => panic!("test publisher {}: not ready within 30 s", names.process),
        }
        let session_id = plotcast_protocol::util::unix_now_us() ^ u64::from(std::process::id());
        Self {
            names,
            session_id,
            commands: Some(tx),
            answers,
            thread: Some(thread),
        }
    }

    /// Its names.
    pub fn names(&self) -> &Names {
        &self.names
    }

    fn run(&self, command: impl FnOnce(Done) -> Command, what: &str) {
        if let Err(err) = self.try_run(command, what) {
            panic!("test publisher {}: {err}", self.names.process);
        }
    }

    fn try_run(&self, command: impl FnOnce(Done) -> Command, what: &str) -> Result<(), String> {
        let (done, wait) = std_mpsc::sync_channel(1);
        let commands = self.commands.as_ref().expect("a running publisher");
        commands
            .blocking_send(command(done))
            .map_err(|_| format!("gone before {what}"))?;
        match wait.recv_timeout(COMMAND_TIMEOUT) {
            Ok(result) => result.map_err(|err| format!("{what}: {err}")),
            Err(_) => Err(format!("{what} took over 30 s")),
        }
    }

    /// [`data`](Self::data) that returns a failed put instead of
    /// panicking (a node going down while a test keeps publishing).
    ///
    /// # Errors
    /// What NATS said.
    pub fn try_data(&self, frame: &Frame) -> Result<(), String> {
        let key = self.names.key(Entry::Data(frame.channel));
        let value = body(&Message::Data(frame.clone()));
        self.try_run(|done| Command::Put(key, value, done), "a put")
    }

    /// Puts `value` under `key`, whatever they are.
    pub fn put_raw(&self, key: &str, value: impl Into<Bytes>) {
        let (key, value) = (key.to_owned(), value.into());
        self.run(|done| Command::Put(key, value, done), "a put");
    }

    /// Publishes `body` on `subject` of the series stream, whatever it is.
    pub fn publish_raw(&self, subject: &str, body: impl Into<Bytes>) {
        let (subject, body) = (subject.to_owned(), body.into());
        self.run(
            |done| Command::Publish(subject, body, done),
            "a stream publish",
        );
    }

    /// Its hello, as a computation titled `title` that started now.
    pub fn hello(&self, title: &str) {
        let info = ProcessInfo {
            relay_version: RELAY_VERSION,
            protocol_version: plotcast_protocol::VERSION,
            title: title.to_owned(),
            process: self.names.process.clone(),
            host: "testhost".into(),
            pid: std::process::id(),
            session_id: self.session_id,
            started_us: plotcast_protocol::util::unix_now_us().saturating_sub(60_000_000),
        };
        self.hello_info(&info);
    }

    /// A hello as given.
    pub fn hello_info(&self, info: &ProcessInfo) {
        let body = info.encode().expect("encoding a process info");
        self.put_raw(&self.names.key(Entry::Hello), body);
    }

    /// Its layout.
    pub fn layout(&self, layout: &Layout) {
        self.put_raw(
            &self.names.key(Entry::Layout),
            body(&Message::Layout(layout.clone())),
        );
    }

    /// The newest value of a snapshot channel, compressed when that is
    /// smaller (as PROTOCOL.md says); it also answers views of it.
    pub fn data(&self, frame: &Frame) {
        let wire = encode(&Message::Data(frame.clone())).expect("encoding a frame");
        let wire = compress_data(&wire)
            .expect("compressing a frame")
            .unwrap_or(wire);
        self.put_raw(
            &self.names.key(Entry::Data(frame.channel)),
            wire.slice(LENGTH_PREFIX_BYTES..),
        );
        self.answer_views_with(frame);
    }

    /// An overview in the bucket (a frame with `lod` set) and the frame
    /// that answers every view of the channel.
    pub fn overview(&self, overview: &Frame, detail: &Frame) {
        self.put_raw(
            &self.names.key(Entry::Data(overview.channel)),
            body(&Message::Data(overview.clone())),
        );
        self.answer_views_with(detail);
    }

    fn answer_views_with(&self, frame: &Frame) {
        plotcast_protocol::util::lock(&self.answers.frames).insert(frame.channel, frame.clone());
    }

    /// A chunk of an append series on the stream.
    pub fn chunk(&self, frame: &Frame) {
        self.publish_raw(
            &self.names.series_subject(frame.channel),
            body(&Message::Data(frame.clone())),
        );
    }

    /// Its goodbye.
    pub fn bye(&self, code: GoodbyeCode, reason: &str) {
        let bye = Message::Goodbye(Goodbye {
            code,
            reason: reason.to_owned(),
        });
        self.put_raw(&self.names.key(Entry::Bye), body(&bye));
    }

    /// Replies to views longer than `bytes` go in several messages.
    pub fn split_replies(&self, bytes: usize) {
        self.answers
            .part_bytes
            .store(bytes as u64, Ordering::Relaxed);
    }

    /// Stops (or resumes) answering requests, as a hung process would.
    pub fn answer(&self, yes: bool) {
        self.answers.answering.store(yes, Ordering::Relaxed);
    }

    /// View requests received so far.
    pub fn views_asked(&self) -> u64 {
        self.answers.views_asked.load(Ordering::Relaxed)
    }

    /// Clock pings received so far.
    pub fn clocks_asked(&self) -> u64 {
        self.answers.clocks_asked.load(Ordering::Relaxed)
    }
}

impl Drop for RelayPublisher {
    fn drop(&mut self) {
        self.commands = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A message body: the frame after its length prefix.
pub fn body(msg: &Message) -> Bytes {
    encode(msg)
        .expect("encoding a message")
        .slice(LENGTH_PREFIX_BYTES..)
}

async fn connect(spec: &PublisherSpec) -> Result<(Client, kv::Store, jetstream::Context), String> {
    let mut opts =
        async_nats::ConnectOptions::new().name(format!("test-publisher-{}", spec.process));
    if let Some((user, pass)) = &spec.user {
        opts = opts.user_and_password(user.clone(), pass.clone());
    }
    if let Some(ca) = &spec.tls_ca {
        opts = opts.add_root_certificates(ca.clone()).require_tls(true);
    }
    let addrs = spec
        .urls
        .iter()
        .map(|u| u.parse::<async_nats::ServerAddr>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    let client = opts.connect(addrs).await.map_err(|e| e.to_string())?;
    let js = match &spec.domain {
        Some(domain) => jetstream::with_domain(client.clone(), domain),
        None => jetstream::new(client.clone()),
    };
    // A cluster that just formed may still be electing its JetStream
    // leader: creating the bucket times out until it is done.
    let deadline = tokio::time::Instant::now() + COMMAND_TIMEOUT;
    let store = loop {
        let config = kv::Config {
            bucket: BUCKET.into(),
            history: 1,
            max_value_size: MAX_MESSAGE_BYTES as i32,
            storage: stream::StorageType::File,
            num_replicas: spec.replicas,
            ..kv::Config::default()
        };
        match js.create_key_value(config).await {
            Ok(store) => break store,
            Err(e) if tokio::time::Instant::now() >= deadline => {
                return Err(format!("creating the bucket: {e}"))
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    };
    loop {
        let config = stream::Config {
            name: SERIES_STREAM.into(),
            subjects: vec![format!("{SERIES_PREFIX}.>")],
            max_messages_per_subject: SERIES_CHUNKS_KEPT,
            discard: stream::DiscardPolicy::Old,
            storage: stream::StorageType::File,
            num_replicas: spec.replicas,
            ..stream::Config::default()
        };
        match js.get_or_create_stream(config).await {
            Ok(_) => break,
            Err(e) if tokio::time::Instant::now() >= deadline => {
                return Err(format!("creating the series stream: {e}"))
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
    Ok((client, store, js))
}

async fn serve(
    spec: PublisherSpec,
    names: Names,
    answers: Arc<Answers>,
    mut commands: mpsc::Receiver<Command>,
    ready: std_mpsc::SyncSender<Result<(), String>>,
) {
    let (client, store, js) = match connect(&spec).await {
        Ok(c) => c,
        Err(err) => {
            let _ = ready.send(Err(err));
            return;
        }
    };
    let rpc = format!("{}.>", names.rpc_subject("").trim_end_matches('.'));
    let mut requests = match client.subscribe(rpc).await {
        Ok(s) => s,
        Err(err) => {
            let _ = ready.send(Err(err.to_string()));
            return;
        }
    };
    let _ = ready.send(Ok(()));
    loop {
        tokio::select! {
            command = commands.recv() => match command {
                None => return,
                Some(Command::Put(key, value, done)) => {
                    let result = store.put(key, value).await.map(drop).map_err(|e| e.to_string());
                    let _ = done.send(result);
                }
                Some(Command::Publish(subject, body, done)) => {
                    let result = match js.publish(subject, body).await {
                        Ok(ack) => ack.await.map(drop).map_err(|e| e.to_string()),
                        Err(e) => Err(e.to_string()),
                    };
                    let _ = done.send(result);
                }
            },
            Some(request) = requests.next() => answer(&client, &answers, request).await,
        }
    }
}

/// Answers a clock ping or a view request (unless told not to).
async fn answer(client: &Client, answers: &Answers, request: async_nats::Message) {
    let received_us = plotcast_protocol::util::unix_now_us();
    let Some(reply) = request.reply.clone() else {
        return;
    };
    if request.subject.ends_with(".clock") {
        answers.clocks_asked.fetch_add(1, Ordering::Relaxed);
    } else {
        answers.views_asked.fetch_add(1, Ordering::Relaxed);
    }
    if !answers.answering.load(Ordering::Relaxed) {
        return;
    }
    match decode(request.payload) {
        Ok(Message::Ping(ping)) => {
            let pong = Pong::answer(&ping, received_us, plotcast_protocol::util::unix_now_us());
            let _ = client.publish(reply, body(&Message::Pong(pong))).await;
        }
        Ok(Message::View(view)) => {
            let frame = plotcast_protocol::util::lock(&answers.frames)
                .get(&view.channel)
                .cloned();
            let Some(frame) = frame else {
                return;
            };
            let whole = body(&Message::Data(frame));
            let size = usize::try_from(answers.part_bytes.load(Ordering::Relaxed))
                .unwrap_or(usize::MAX)
                .max(1);
            let n = whole.len().div_ceil(size).max(1);
            if n == 1 {
                let _ = client.publish(reply, whole).await;
                return;
            }
            for i in 0..n {
                let mut headers = HeaderMap::new();
                headers.insert("Plotcast-Part", format!("{}/{n}", i + 1).as_str());
                let part = whole.slice(i * size..((i + 1) * size).min(whole.len()));
                let _ = client
                    .publish_with_headers(reply.clone(), headers, part)
                    .await;
            }
        }
        _ => {}
    }
}
