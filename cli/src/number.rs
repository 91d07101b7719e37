//! One text field as a number: what counts as a value, a gap, or not a
//! number at all.
//!
//! The float syntax is Rust's own (`f64::from_str`: decimal, exponent,
//! `inf`, `infinity`, `nan`, any case, optional sign; read by `fast-float2`
//! first, which is faster on the common case), plus Fortran's `D`
//! exponent (`1.5D+03`), which Fortran programs print for double precision.
//! Empty fields and non-finite values (`nan`, `-nan` as C prints it, `inf`)
//! are gaps: the plot breaks its line there.

/// A parsed field: a value (NaN for a gap), or `None` when the text is not
/// a number.
pub fn parse_field(field: &[u8]) -> Option<f64> {
    let field = field.trim_ascii();
    if field.is_empty() {
        return Some(f64::NAN);
    }
    let value = match fast_float2::parse::<f64, _>(field) {
        Ok(v) => v,
        Err(_) => {
            let text = std::str::from_utf8(field).ok()?;
            text.parse::<f64>().ok().or_else(|| fortran(text))?
        }
    };
    Some(if value.is_finite() { value } else { f64::NAN })
}

/// `1.5D+03` (Fortran double precision) read as `1.5E+03`; only tried when
/// the plain parse failed, so it costs nothing on ordinary input.
fn fortran(text: &str) -> Option<f64> {
    let pos = text.find(['d', 'D'])?;
    // "nand", "d1" and the like are not numbers: digits must come first.
    if pos == 0 || !text.as_bytes()[pos - 1].is_ascii_digit() && text.as_bytes()[pos - 1] != b'.' {
        return None;
    }
    let mut fixed = String::with_capacity(text.len());
    fixed.push_str(&text[..pos]);
    fixed.push('e');
    fixed.push_str(&text[pos + 1..]);
    fixed.parse().ok()
}

/// Whether a field reads as a number or a gap (used to tell a header line
/// from data).
pub fn is_number(field: &[u8]) -> bool {
    parse_field(field).is_some()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_field(b"1.5"), Some(1.5));
        assert_eq!(parse_field(b" -2e3 "), Some(-2000.0));
        assert_eq!(parse_field(b"+7"), Some(7.0));
        assert_eq!(parse_field(b".5"), Some(0.5));
        assert_eq!(parse_field(b"1.5D+03"), Some(1500.0));
        assert_eq!(parse_field(b"2.d-1"), Some(0.2));
    }

    #[test]
    fn gaps() {
        for gap in [
            &b""[..],
            b"  ",
            b"nan",
            b"NaN",
            b"-nan",
            b"inf",
            b"-inf",
            b"Infinity",
        ] {
            let v = parse_field(gap);
            assert!(
                v.is_some_and(f64::is_nan),
                "{:?} should be a gap, got {v:?}",
                String::from_utf8_lossy(gap)
            );
        }
    }

    #[test]
    fn not_numbers() {
        for bad in [&b"abc"[..], b"1.2.3", b"t", b"d5", b"nand", b"1,5", b"\xff"] {
            assert_eq!(parse_field(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }
}
