//! A server refuses, when it is created, a channel its viewers could not
//! read: the layout (every channel's name and options) stays within the
//! protocol's header limit, every way of adding a channel says so with a
//! typed error, and a viewer connected all along reads the layout and the
//! data of every channel that was added.
#![allow(clippy::unwrap_used)]

use plotcast::ChannelError;
use plotcast_protocol::MAX_HEADER_BYTES;
use plotcast_testkit::{start_server, TestPeer};

#[test]
fn channels_beyond_the_layout_limit_are_refused_at_creation() {
    let server = start_server("many");
    let mut viewer = TestPeer::connect(server.local_addr());
    // Long labels reach the limit in about two thousand channels.
    let label = "y".repeat(500);
    let builder = |name: &str| server.channel(name).y_label(&label);
    let mut lines = Vec::new();
    let err = loop {
        match builder(&format!("c{}", lines.len())).try_line() {
            Ok(line) => lines.push(line),
            Err(err) => break err,
        }
    };
    let added = lines.len();
    assert!(added > 1000, "only {added} channels fit");
    let refused = |err: &ChannelError, what: &str| {
        let ChannelError::LayoutTooLarge {
            name,
            channels,
            len,
            max,
        } = err
        else {
            panic!("{what}: {err}");
        };
        assert_eq!(*channels, added, "{what}: {err}");
        assert!(
            *len > *max && *max == MAX_HEADER_BYTES as u64,
            "{what}: {err}"
        );
        let text = err.to_string();
        assert!(
            text.contains(name.as_str()) && text.contains("more than the 1048576 a viewer accepts"),
            "{what}: {text}"
        );
    };
    refused(&err, "try_line");
    // Every way of adding a channel refuses it.
    refused(&builder("h").try_heatmap().unwrap_err(), "try_heatmap");
    refused(&builder("s").try_scatter().unwrap_err(), "try_scatter");
    refused(&builder("b").try_bars().unwrap_err(), "try_bars");
    refused(&builder("t").try_series().unwrap_err(), "try_series");
    refused(&builder("f").try_custom("flow").unwrap_err(), "try_custom");
    refused(&builder("q").try_quiver().unwrap_err(), "try_quiver");
    refused(&builder("i").try_image().unwrap_err(), "try_image");
    // The kind methods that cannot fail give a handle that drops what is
    // published, and add nothing.
    let dropped = builder("late").line();
    assert_eq!(dropped.id(), u32::MAX);
    dropped.publish(&[1.0, 2.0]);
    let quiver = builder("late field").quiver();
    assert_eq!(quiver.id(), u32::MAX);
    quiver.publish(&[1.0], &[1.0], 1, 1);
    assert_eq!(server.stats().channels.len(), added);

    // The viewer reads the layout of every channel added, and their data.
    let last = lines.last().unwrap();
    last.publish(&[3.0, 4.0]);
    let batch = viewer.batch();
    let layout = batch.layout.as_ref().expect("the grown layout");
    assert_eq!(layout.channels.len(), added);
    assert_eq!(
        layout.channels[added - 1].options.y_label,
        label,
        "the last channel's options"
    );
    let frame = batch.frame(last.id()).expect("the last channel's data");
    assert_eq!(frame.parts[0].y.to_f64().as_ref(), [3.0, 4.0]);
}
