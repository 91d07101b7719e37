//! Custom channels over real sockets: named arrays with grid dimensions,
//! the built-in quiver and image handles, latest value wins, and refused
//! publishes.
#![allow(clippy::unwrap_used)]

use plotcast_protocol::{ChannelKind, DType};
use plotcast_testkit::{start_server, TestPeer};

#[test]
fn custom_arrays_arrive_named_with_their_grid_and_dtype() {
    let server = start_server("test");
    let flow = server.custom("flow", "flow-arrows");
    assert_eq!(flow.plot_type(), "flow-arrows");
    let mut viewer = TestPeer::connect(server.local_addr());
    let (nx, ny) = (4, 3);
    let u: Vec<f64> = (0..nx * ny).map(|i| i as f64).collect();
    let v: Vec<f32> = (0..nx * ny).map(|i| -(i as f32)).collect();
    let marks = [0.5f64, 1.5];
    let slice: &[f64] = &u[..2];
    flow.publish(
        &[("u", &u), ("v", &v), ("marks", &marks), ("head", &slice)],
        nx,
        ny,
    );
    let batch = viewer.batch();
    let layout = batch.layout.as_ref().unwrap_or(&viewer.layout);
    let spec = &layout.channels[0];
    assert_eq!(
        (spec.kind, spec.plot_type.as_str()),
        (ChannelKind::Custom, "flow-arrows")
    );
    let frame = batch.frame(flow.id()).expect("the custom frame");
    assert_eq!(
        (frame.kind, frame.nx, frame.ny),
        (ChannelKind::Custom, 4, 3)
    );
    let names: Vec<&str> = frame.parts.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["u", "v", "marks", "head"]);
    assert_eq!(frame.parts[0].y.to_f64().as_ref(), u.as_slice());
    assert_eq!(frame.parts[1].y.dtype(), DType::F32);
    assert_eq!(frame.parts[1].y.iter().nth(5), Some(-5.0));
    assert_eq!(frame.parts[2].y.len(), 2);
    assert!(frame.parts.iter().all(|p| p.x.is_none()));

    // Latest value wins: of three publishes, the viewer gets the last.
    for k in 1..=3 {
        flow.publish(&[("u", &[f64::from(k)])], 1, 1);
    }
    let batch = viewer.batch();
    let frame = batch.frame(flow.id()).unwrap();
    assert_eq!(frame.parts[0].y.iter().next(), Some(3.0));
    assert_eq!(batch.end.skipped, 2);
}

#[test]
fn bad_publishes_are_dropped_and_counted() {
    let server = start_server("test");
    let flow = server.custom("flow", "x");
    let quiver = server.quiver("field");
    let image = server.image("picture");
    let a = [1.0f64; 4];
    flow.publish(&[("u", &a), ("u", &a)], 2, 2); // one name twice
    quiver.publish(&a, &a[..3], 2, 2); // v too short
    quiver.publish(&[], &[], 0, 0); // no cells
    image.publish_rgb(&[0; 11], 2, 2); // 12 bytes needed
    let stats = server.stats();
    let invalid: Vec<u64> = stats.channels.iter().map(|c| c.invalid).collect();
    assert_eq!(invalid, [1, 2, 1]);
    assert!(stats.channels.iter().all(|c| c.publishes == 0));
}

#[test]
fn quiver_and_image_use_the_built_in_plot_types() {
    let server = start_server("test");
    let quiver = server.quiver("field");
    let image = server.image("picture");
    assert_eq!(quiver.name(), "field");
    let mut viewer = TestPeer::connect(server.local_addr());
    quiver.publish_f32(&[1.0, 2.0], &[3.0, 4.0], 2, 1);
    // A 1×2 image: top pixel red, bottom pixel blue, in image order.
    image.publish_rgb(&[255, 0, 0, 0, 0, 255], 1, 2);
    let batch = viewer.batch();
    let layout = batch.layout.clone().unwrap_or(viewer.layout.clone());
    let types: Vec<&str> = layout
        .channels
        .iter()
        .map(|c| c.plot_type.as_str())
        .collect();
    assert_eq!(types, ["quiver", "image"]);
    let q = batch.frame(quiver.id()).unwrap();
    let names: Vec<&str> = q.parts.iter().map(|p| p.name.as_str()).collect();
    assert_eq!((names, q.nx, q.ny), (vec!["u", "v"], 2, 1));
    let img = batch.frame(image.id()).unwrap();
    assert_eq!((img.parts[0].name.as_str(), img.nx, img.ny), ("rgb", 1, 2));
    // On the wire row 0 is the bottom row: blue first, then red.
    let rgb: Vec<f64> = img.parts[0].y.iter().collect();
    assert_eq!(rgb, [0.0, 0.0, 1.0, 1.0, 0.0, 0.0]);
}

#[test]
fn a_channel_keeps_its_plot_type() {
    let server = start_server("test");
    let a = server.custom("flow", "quiver");
    let same = server.custom("flow", "quiver");
    assert_eq!(a.id(), same.id());
    // Another plot type under the same name is another channel.
    let other = server.custom("flow", "streamlines");
    assert_ne!(other.id(), a.id());
    assert_eq!(other.name(), "flow (custom 2)");
    assert_eq!(other.plot_type(), "streamlines");
    // A name the protocol cannot carry is made valid, not refused.
    let odd = server.custom("odd", "my plot");
    assert_eq!(odd.plot_type(), "my_plot");
    let mut viewer = TestPeer::connect(server.local_addr());
    odd.publish(&[("y", &[1.0f64])], 0, 0);
    let batch = viewer.batch();
    assert!(batch.frame(odd.id()).is_some());
    assert_eq!(viewer.layout.channels.len(), 3);
}
