//! Colors, the embedded font, axis ranges and tick labels shared by all figures.

use std::sync::OnceLock;

use plotters::style::{register_font, FontStyle, RGBColor};

use super::PlotError;

/// The DejaVu Sans TTF shipped in `crates/experiments/assets` (DejaVu/Bitstream Vera license).
static FONT_BYTES: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// Distinguishable series colors (matplotlib's tab10, then black and navy).
pub const PALETTE: [RGBColor; 12] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
    RGBColor(0, 0, 0),
    RGBColor(0, 0, 128),
];

/// The palette color for index `i` (wrapping around).
pub fn palette(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Registers the embedded font as `sans-serif` once per process.
pub(crate) fn ensure_font() -> Result<(), PlotError> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            register_font("sans-serif", FontStyle::Normal, FONT_BYTES)
                .map_err(|_| "DejaVuSans.ttf is not a valid font".to_string())
        })
        .clone()
        .map_err(PlotError::Font)
}

/// An axis range covering `values` with a 5% margin (in log10 space for log axes). Non-finite
/// values, and non-positive ones on a log axis, are ignored; with nothing left the range is
/// `0..1` (`1..10` on a log axis).
pub(crate) fn auto_range(values: impl Iterator<Item = f64>, log: bool) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| usable(*v, log)) {
        let v = if log { v.log10() } else { v };
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if lo > hi {
        return if log { (1.0, 10.0) } else { (0.0, 1.0) };
    }
    let span = hi - lo;
    let pad = if span > 0.0 {
        0.05 * span
    } else if log {
        0.5
    } else if lo != 0.0 {
        0.1 * lo.abs()
    } else {
        1.0
    };
    let (lo, hi) = (lo - pad, hi + pad);
    if log {
        (10f64.powf(lo), 10f64.powf(hi))
    } else {
        (lo, hi)
    }
}

/// Checks a caller-given range.
pub(crate) fn check_range(range: (f64, f64), log: bool, what: &str) -> Result<(), PlotError> {
    let (lo, hi) = range;
    if !(lo.is_finite() && hi.is_finite() && lo < hi) || (log && lo <= 0.0) {
        return Err(PlotError::InvalidInput(format!(
            "{what} range ({lo}, {hi}) must be finite and increasing{}",
            if log {
                " with a positive lower bound (log axis)"
            } else {
                ""
            }
        )));
    }
    Ok(())
}

/// Whether a value can be placed on an axis.
pub(crate) fn usable(v: f64, log: bool) -> bool {
    v.is_finite() && (!log || v > 0.0)
}

/// Tick label text with at most 4 significant digits: fixed notation for exponents -3..=4
/// (`0.00125`, `4500`), scientific otherwise (`6.5e-5`). Float noise such as
/// `0.30000000000000004` prints as `0.3`.
pub(crate) fn tick_label(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return if v == 0.0 { "0".into() } else { format!("{v}") };
    }
    let sci = format!("{v:.3e}");
    let Some((mantissa, exp)) = sci.split_once('e') else {
        return sci;
    };
    let exp: i32 = exp.parse().unwrap_or(0);
    let mantissa = if mantissa.contains('.') {
        mantissa.trim_end_matches('0').trim_end_matches('.')
    } else {
        mantissa
    };
    let decimals = mantissa.split_once('.').map_or(0, |(_, d)| d.len()) as i32;
    if (-3..=4).contains(&exp) {
        format!("{v:.*}", (decimals - exp).max(0) as usize)
    } else {
        format!("{mantissa}e{exp}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_range_pads_and_handles_degenerate_input() {
        let (lo, hi) = auto_range([0.0, 10.0, f64::NAN].into_iter(), false);
        assert!((lo + 0.5).abs() < 1e-12 && (hi - 10.5).abs() < 1e-12);
        assert_eq!(auto_range(std::iter::empty(), false), (0.0, 1.0));
        let (lo, hi) = auto_range([2.0, 2.0].into_iter(), false);
        assert!(lo < 2.0 && hi > 2.0);
        let (lo, hi) = auto_range([0.0, 1e-3, 1e-1].into_iter(), true);
        assert!(lo > 0.0 && lo < 1e-3 && hi > 1e-1);
    }

    #[test]
    fn tick_labels_are_short() {
        assert_eq!(tick_label(0.0), "0");
        assert_eq!(tick_label(0.05), "0.05");
        assert_eq!(tick_label(10.0), "10");
        assert_eq!(tick_label(1e-6), "1e-6");
        assert_eq!(tick_label(0.00125), "0.00125");
        assert_eq!(tick_label(6.5e-4), "6.5e-4");
        assert_eq!(tick_label(6.5e-5), "6.5e-5");
        assert_eq!(tick_label(0.1 * 3.0), "0.3");
        assert_eq!(tick_label(4500.0), "4500");
        assert_eq!(tick_label(-2.5), "-2.5");
        assert_eq!(tick_label(1e6), "1e6");
    }
}
