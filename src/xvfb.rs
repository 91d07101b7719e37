//! A private X server (Xvfb) for real-window tests, and screenshots of its
//! root window through `xwd`.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

pub use crate::image::Rgb;
use crate::procs::{wait_until, KillOnDrop};

/// A running Xvfb on its own display; killed on drop.
#[derive(Debug)]
pub struct Xvfb {
    display: u32,
    _server: KillOnDrop,
}

/// Why no X server could be started (the test says so and skips).
pub type Unavailable = String;

impl Xvfb {
    /// Starts `Xvfb :N -screen 0 WxHx24` on a free display number and waits
    /// until its socket is there.
    ///
    /// # Errors
    /// When Xvfb is not installed or does not come up within 10 s.
    pub fn start(width: u32, height: u32) -> Result<Self, Unavailable> {
        if Command::new("Xvfb")
            .arg("-help")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_err()
        {
            return Err("Xvfb is not installed (apt-get install xvfb x11-apps)".into());
        }
        // Start after the displays other tests or sessions may hold.
        let base = 90 + (std::process::id() % 400);
        for display in base..base + 50 {
            let socket = format!("/tmp/.X11-unix/X{display}");
            if Path::new(&socket).exists() || Path::new(&format!("/tmp/.X{display}-lock")).exists()
            {
                continue;
            }
            let child = Command::new("Xvfb")
                .arg(format!(":{display}"))
                .args(["-screen", "0", &format!("{width}x{height}x24")])
                .args(["-nolisten", "tcp", "-noreset"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| format!("cannot run Xvfb: {e}"))?;
            let mut server = KillOnDrop(child);
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            while std::time::Instant::now() < deadline {
                if Path::new(&socket).exists() {
                    return Ok(Self {
                        display,
                        _server: server,
                    });
                }
                if let Ok(Some(_)) = server.0.try_wait() {
                    break; // lost a race for this display: try the next
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        Err("Xvfb did not start on any display".into())
    }

    /// The `DISPLAY` value, e.g. `:93`.
    pub fn display(&self) -> String {
        format!(":{}", self.display)
    }

    /// A screenshot of the root window.
    ///
    /// # Panics
    /// When `xwd` fails or its output is not a 24/32-bit ZPixmap.
    pub fn screenshot(&self) -> Rgb {
        let out = Command::new("xwd")
            .args(["-root", "-silent", "-display", &self.display()])
            .stdin(Stdio::null())
            .output()
            .expect("running xwd (apt-get install x11-apps)");
        assert!(
            out.status.success(),
            "xwd failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        parse_xwd(&out.stdout).unwrap_or_else(|e| panic!("unreadable xwd output: {e}"))
    }

    /// Waits until a screenshot satisfies `cond`, and returns it.
    ///
    /// # Panics
    /// After `timeout`, with `what` in the message.
    pub fn wait_for_screen(
        &self,
        timeout: Duration,
        what: &str,
        mut cond: impl FnMut(&Rgb) -> bool,
    ) -> Rgb {
        let mut last = None;
        wait_until(timeout, what, || {
            let shot = self.screenshot();
            let ok = cond(&shot);
            last = Some(shot);
            ok
        });
        last.expect("at least one screenshot was taken")
    }
}

/// Decodes an X Window Dump (the format `xwd` writes) of a 24- or 32-bit
/// true-colour ZPixmap.
///
/// # Errors
/// A message saying which part is unexpected.
pub fn parse_xwd(data: &[u8]) -> Result<Rgb, String> {
    let field = |i: usize| -> Result<u32, String> {
        data.get(i * 4..i * 4 + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or_else(|| "header too short".to_string())
    };
    let header_size = field(0)? as usize;
    let (format, width, height) = (field(2)?, field(4)?, field(5)?);
    let (byte_order, bpp, stride) = (field(7)?, field(11)?, field(12)? as usize);
    // Field 13 is the visual class; the masks follow it.
    let (red_mask, green_mask, blue_mask) = (field(14)?, field(15)?, field(16)?);
    let ncolors = field(19)? as usize;
    if format != 2 || bpp != 32 {
        return Err(format!(
            "format {format}, {bpp} bits per pixel; want ZPixmap, 32"
        ));
    }
    let start = header_size + ncolors * 12;
    let need = start + stride * height as usize;
    if data.len() < need {
        return Err(format!("{} bytes, need {need}", data.len()));
    }
    let channel = |px: u32, mask: u32| -> u8 { ((px & mask) >> mask.trailing_zeros()) as u8 };
    let mut rgb = Vec::with_capacity(width as usize * height as usize * 3);
    for y in 0..height as usize {
        let row = &data[start + y * stride..];
        for x in 0..width as usize {
            let b = [row[x * 4], row[x * 4 + 1], row[x * 4 + 2], row[x * 4 + 3]];
            let px = if byte_order == 0 {
                u32::from_le_bytes(b)
            } else {
                u32::from_be_bytes(b)
            };
            rgb.extend_from_slice(&[
                channel(px, red_mask),
                channel(px, green_mask),
                channel(px, blue_mask),
            ]);
        }
    }
    Ok(Rgb {
        width,
        height,
        data: rgb,
    })
}
