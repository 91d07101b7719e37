//! The reference implementation as a conformance peer: the command
//! `protocol/conformance/run_peer.py` drives, so the runner is checked
//! against the implementation the suite was made from. Another
//! implementation provides the same two commands (see
//! `protocol/conformance/README.md`):
//!
//! ```text
//! conformance_peer decode frame|record [--max-frame-bytes N] < FILE.bin
//!     exit 0, the decoded message's description on stdout; or exit 1,
//!     the error kind then the reason on stderr
//! conformance_peer encode frame|record < MESSAGE.json
//!     exit 0, the bytes on stdout
//! ```
//!
//! ```sh
//! cargo build -p plotcast-protocol --example conformance_peer
//! python3 protocol/conformance/run_peer.py target/debug/examples/conformance_peer
//! ```

use std::io::{Read, Write};
use std::process::ExitCode;

use plotcast_protocol::relay::ProcessInfo;
use plotcast_protocol::{compress_data, decode, encode, ProtocolError, DEFAULT_MAX_FRAME_BYTES};

#[allow(dead_code)]
#[path = "../tests/conformance/describe.rs"]
mod describe;

use describe::Item;

fn decode_input(bytes: &[u8], framing: &str, max: usize) -> Result<Item, ProtocolError> {
    if framing == "record" {
        return ProcessInfo::decode(bytes).map(Item::ProcessInfo);
    }
    let body = describe::split_frame(bytes, max)?;
    decode(body).map(Item::Message)
}

fn encode_input(text: &str) -> Result<Vec<u8>, String> {
    let desc: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let (item, codec) = describe::read_item(&desc)?;
    match item {
        Item::ProcessInfo(info) => info.encode().map_err(|e| e.to_string()),
        Item::Message(msg) => {
            let bytes = encode(&msg).map_err(|e| e.to_string())?;
            if codec == 0 {
                return Ok(bytes.to_vec());
            }
            match compress_data(&bytes).map_err(|e| e.to_string())? {
                Some(packed) => Ok(packed.to_vec()),
                None => Err("compression does not pay for this frame".into()),
            }
        }
    }
}

fn run(args: &[String]) -> Result<(), String> {
    let usage = "usage: conformance_peer decode|encode frame|record [--max-frame-bytes N]";
    let (Some(command), Some(framing)) = (args.first(), args.get(1)) else {
        return Err(usage.into());
    };
    let max = match args.get(2).map(String::as_str) {
        Some("--max-frame-bytes") => args
            .get(3)
            .and_then(|n| n.parse().ok())
            .ok_or(usage.to_owned())?,
        _ => DEFAULT_MAX_FRAME_BYTES,
    };
    let mut input = Vec::new();
    std::io::stdin()
        .read_to_end(&mut input)
        .map_err(|e| e.to_string())?;
    let output = match command.as_str() {
        "decode" => match decode_input(&input, framing, max) {
            Ok(item) => describe::to_text(&describe::decoded(&item)).into_bytes(),
            Err(err) => return Err(format!("{} {err}", describe::error_kind(&err))),
        },
        "encode" => encode_input(&String::from_utf8_lossy(&input))?,
        _ => return Err(usage.into()),
    };
    std::io::stdout()
        .write_all(&output)
        .map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{err}");
            ExitCode::FAILURE
        }
    }
}
