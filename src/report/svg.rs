//! Small helpers for charts written by hand as inline SVG: escaping, scales
//! and tick marks. Amounts arrive exact and are turned into `f64` only here,
//! to place a point on a chart; every number a reader sees as text is printed
//! from the exact value.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

/// Escapes text for HTML, SVG and XML (element content and attribute values).
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // XML 1.0 forbids most control characters, even escaped.
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{FFFD}'),
            _ => out.push(c),
        }
    }
    out
}

/// A position on a chart (never used for a figure shown as text).
pub fn position(value: Decimal) -> f64 {
    value.to_f64().unwrap_or(0.0)
}

/// How amounts on an axis are scaled for reading: the divisor and its word.
pub fn money_scale(max: f64) -> (f64, &'static str) {
    if max >= 1e9 {
        (1e9, "billions")
    } else if max >= 1e6 {
        (1e6, "millions")
    } else if max >= 1e4 {
        (1e3, "thousands")
    } else {
        (1.0, "")
    }
}

/// Tick values from 0 to at least `max`, about five of them, on round steps.
pub fn ticks(max: f64) -> Vec<f64> {
    if !(max.is_finite()) || max <= 0.0 {
        return vec![0.0, 1.0];
    }
    let rough = max / 5.0;
    let magnitude = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= rough)
        .unwrap_or(10.0 * magnitude);
    let mut out = Vec::new();
    let mut v = 0.0;
    while v < max + step * 0.999 && out.len() < 12 {
        out.push(v);
        v += step;
    }
    out
}

/// A tick label: at most two decimals, no trailing zeros.
pub fn tick_label(v: f64) -> String {
    let text = format!("{v:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_owned()
    } else {
        text.to_owned()
    }
}

/// Colours for series and versions, readable on white and distinct in grey.
pub const PALETTE: [&str; 8] = [
    "#1f5fa8", "#d9822b", "#2e8b57", "#8e44ad", "#c0392b", "#16a085", "#7f8c8d", "#b8860b",
];

/// The colour of series `i`.
pub fn colour(i: usize) -> &'static str {
    PALETTE.get(i % PALETTE.len()).copied().unwrap_or("#333")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_maximum() {
        assert_eq!(ticks(31.0), vec![0.0, 10.0, 20.0, 30.0, 40.0]);
        assert_eq!(ticks(12.0), vec![0.0, 2.5, 5.0, 7.5, 10.0, 12.5]);
        assert_eq!(tick_label(2.5), "2.5");
        assert_eq!(tick_label(10.0), "10");
        assert_eq!(esc("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }
}
