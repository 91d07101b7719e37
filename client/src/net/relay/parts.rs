//! A reply of several messages put back together: a computation answers
//! a `view` request with one Data body, or, when it is longer than
//! `MAX_MESSAGE_BYTES`, with several messages whose header says
//! `Plotcast-Part: i/n` (PROTOCOL.md, "Relay through NATS").
//!
//! ```text
//! Plotcast-Part: 1/3 ─┐
//! Plotcast-Part: 3/3 ─┼─▶ in order ─▶ bytes joined ─▶ decode ─▶ Data
//! Plotcast-Part: 2/3 ─┘               (or: each a Data body of some of
//!                                      the parts, parts lists joined)
//! ```
//!
//! The reading of the spec this viewer takes first is that the parts are
//! the bytes of one Data body cut in order; if the joined bytes do not
//! decode, each part is taken as a Data body of its own carrying some of
//! the frame's parts (lines, scatter, bars). Parts are counted and their
//! bytes bounded before anything is kept.

use bytes::{Bytes, BytesMut};
use plotcast_protocol::relay::MAX_MESSAGE_BYTES;
use plotcast_protocol::{decode, Frame, Message, DEFAULT_MAX_FRAME_BYTES};

/// The header naming a part.
pub const PART_HEADER: &str = "Plotcast-Part";

/// Most parts a reply may have: a frame of the viewer's largest size.
pub const MAX_PARTS: usize = DEFAULT_MAX_FRAME_BYTES / MAX_MESSAGE_BYTES + 1;

/// Reads `i/n` (1 ≤ i ≤ n ≤ [`MAX_PARTS`]).
pub fn part_number(value: &str) -> Option<(usize, usize)> {
    let (i, n) = value.trim().split_once('/')?;
    let (i, n): (usize, usize) = (i.trim().parse().ok()?, n.trim().parse().ok()?);
    (1 <= i && i <= n && n <= MAX_PARTS).then_some((i, n))
}

/// The parts of one reply received so far.
#[derive(Debug, Default)]
pub struct Assembly {
    parts: Vec<Option<Bytes>>,
    bytes: usize,
}

impl Assembly {
    /// Adds a message (`part`: its `Plotcast-Part`, `None` for a reply of
    /// one message). Returns the parts in order once all are here.
    ///
    /// # Errors
    /// A part number that disagrees with the earlier ones, a repeated
    /// part, or more bytes than a frame may have.
    pub fn add(
        &mut self,
        part: Option<(usize, usize)>,
        payload: Bytes,
    ) -> Result<Option<Vec<Bytes>>, String> {
        let (i, n) = part.unwrap_or((1, 1));
        if self.parts.is_empty() {
            self.parts = vec![None; n];
        }
        if self.parts.len() != n {
            return Err(format!(
                "part {i}/{n} of a reply of {} parts",
                self.parts.len()
            ));
        }
        self.bytes = self.bytes.saturating_add(payload.len());
        if self.bytes > DEFAULT_MAX_FRAME_BYTES {
            return Err(format!(
                "a reply longer than {DEFAULT_MAX_FRAME_BYTES} bytes"
            ));
        }
        let slot = &mut self.parts[i - 1];
        if slot.is_some() {
            return Err(format!("part {i}/{n} twice"));
        }
        *slot = Some(payload);
        if self.parts.iter().all(Option::is_some) {
            return Ok(Some(self.parts.drain(..).flatten().collect()));
        }
        Ok(None)
    }
}

/// The frame the parts of a reply hold.
///
/// # Errors
/// When they hold no Data frame, in either reading.
pub fn frame_of(parts: &[Bytes]) -> Result<Frame, String> {
    let joined = match parts {
        [one] => one.clone(),
        _ => {
            let mut all = BytesMut::with_capacity(parts.iter().map(Bytes::len).sum());
            for p in parts {
                all.extend_from_slice(p);
            }
            all.freeze()
        }
    };
    let first_error = match decode(joined) {
        Ok(Message::Data(frame)) => return Ok(frame),
        Ok(other) => format!("a {} message instead of data", other.name()),
        Err(err) => err.to_string(),
    };
    if parts.len() < 2 {
        return Err(first_error);
    }
    let mut frames = parts.iter().map(|p| match decode(p.clone()) {
        Ok(Message::Data(frame)) => Ok(frame),
        _ => Err(first_error.clone()),
    });
    let mut whole = frames.next().ok_or_else(|| first_error.clone())??;
    for frame in frames {
        let frame = frame?;
        if frame.channel != whole.channel || frame.kind != whole.kind || frame.nx != 0 {
            return Err(first_error);
        }
        whole.parts.extend(frame.parts);
    }
    Ok(whole)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use plotcast_protocol::{encode, LENGTH_PREFIX_BYTES};

    fn line(parts: &[&str]) -> Frame {
        let traces: Vec<(&str, &[f64])> =
            parts.iter().map(|n| (*n, &[1.0, 2.0, 3.0][..])).collect();
        plotcast_testkit::frames::lines_frame(4, 9, &traces)
    }

    fn body(frame: &Frame) -> Bytes {
        encode(&Message::Data(frame.clone()))
            .unwrap()
            .slice(LENGTH_PREFIX_BYTES..)
    }

    #[test]
    fn a_body_cut_in_parts_comes_back_in_any_order() {
        let frame = line(&["a", "b"]);
        let bytes = body(&frame);
        let cut = [bytes.slice(..10), bytes.slice(10..30), bytes.slice(30..)];
        let mut asm = Assembly::default();
        assert!(asm.add(Some((3, 3)), cut[2].clone()).unwrap().is_none());
        assert!(asm.add(Some((1, 3)), cut[0].clone()).unwrap().is_none());
        assert!(
            asm.add(Some((1, 3)), cut[0].clone()).is_err(),
            "a part twice"
        );
        let parts = asm.add(Some((2, 3)), cut[1].clone()).unwrap().unwrap();
        assert_eq!(frame_of(&parts).unwrap(), frame);
        let mut one = Assembly::default();
        let parts = one.add(None, bytes).unwrap().unwrap();
        assert_eq!(frame_of(&parts).unwrap(), frame);
    }

    #[test]
    fn data_bodies_of_some_parts_each_are_joined() {
        let parts = [body(&line(&["a"])), body(&line(&["b"]))];
        assert_eq!(frame_of(&parts).unwrap(), line(&["a", "b"]));
        assert!(frame_of(&[Bytes::from_static(b"garbage")]).is_err());
        assert_eq!(part_number("2/3"), Some((2, 3)));
        for bad in ["0/3", "4/3", "x/3", "1/100000", "3"] {
            assert_eq!(part_number(bad), None, "{bad}");
        }
        let mut asm = Assembly::default();
        asm.add(Some((1, 2)), Bytes::new()).unwrap();
        assert!(asm.add(Some((1, 5)), Bytes::new()).is_err());
    }
}
