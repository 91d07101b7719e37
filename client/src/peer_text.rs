//! Text that came from a peer, made safe to print and to draw.
//!
//! A viewer talks to servers on other machines: a reason, a title or a
//! series name is whatever that server chose to send. Printed raw, control
//! characters would reach the user's terminal (escape sequences can retitle
//! it, move the cursor or worse) and a megabyte-long reason would become a
//! megabyte-long line. Every peer string goes through [`clean`] once, where
//! it enters the viewer's state or an error.

use std::borrow::Cow;

/// Longest name or label kept (characters): titles, axis labels, series
/// and channel names, the server's name.
pub const MAX_LABEL_CHARS: usize = 200;

/// Longest reason kept (characters): a Reject or Goodbye reason.
pub const MAX_REASON_CHARS: usize = 500;

/// `text` with control characters escaped (`\u{1b}`, `\n`, ...) and cut to
/// `max_chars` characters (an ellipsis marks the cut). Borrows when the
/// text is already clean, so the common case costs one scan.
pub fn clean(text: &str, max_chars: usize) -> Cow<'_, str> {
    let dirty = text.chars().any(char::is_control);
    if !dirty && text.len() <= max_chars {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len().min(max_chars * 4));
    let mut count = 0;
    for c in text.chars() {
        let piece: Cow<'_, str> = if c.is_control() {
            Cow::Owned(c.escape_default().to_string())
        } else {
            Cow::Owned(c.to_string())
        };
        let len = piece.chars().count();
        if count + len > max_chars {
            out.push('…');
            return Cow::Owned(out);
        }
        out.push_str(&piece);
        count += len;
    }
    Cow::Owned(out)
}

/// [`clean`] in place: allocates only when something had to change.
pub fn clean_in_place(text: &mut String, max_chars: usize) {
    if let Cow::Owned(cleaned) = clean(text, max_chars) {
        *text = cleaned;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls_and_caps_length() {
        assert!(matches!(clean("heat run 3", 50), Cow::Borrowed(_)));
        assert_eq!(
            clean("evil\u{1b}]0;pwned\u{7}\nnext", 100),
            "evil\\u{1b}]0;pwned\\u{7}\\nnext"
        );
        let long = "x".repeat(1 << 20);
        let cut = clean(&long, 10);
        assert_eq!(cut.chars().count(), 11);
        assert!(cut.ends_with('…'));
        // Multi-byte characters count as one and are never split.
        assert_eq!(clean("ααααα", 3), "ααα…");
        let mut s = String::from("a\tb");
        clean_in_place(&mut s, 10);
        assert_eq!(s, "a\\tb");
    }
}
