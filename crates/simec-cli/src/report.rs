//! What the tool prints: numbers with significant digits, the architecture line, times and
//! the command line.

use simec::Simec;

/// `v` with 6 significant digits: fixed-point for `1e-3 <= |v| < 1e6`, scientific notation
/// otherwise (`1.00000e-8`), so that a small MSE never prints as `0.000000`. `0`, `NaN` and
/// infinities print as Rust does (`0`, `NaN`, `inf`).
pub fn sig(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 || !a.is_finite() {
        return format!("{v}");
    }
    if (1e-3..1e6).contains(&a) {
        let decimals = (5 - a.log10().floor() as i32).max(0) as usize;
        let fixed = format!("{v:.decimals$}");
        // Rounding up to the next power of ten (999.9996 -> 1000.000) adds a digit; drop it.
        match fixed.parse::<f64>() {
            Ok(r) if r.abs() >= 10f64.powi(a.log10().floor() as i32 + 1) && decimals > 0 => {
                format!("{v:.prec$}", prec = decimals - 1)
            }
            _ => fixed,
        }
    } else {
        format!("{v:.5e}")
    }
}

/// [`sig`] of an optional value, `-` for none.
pub fn sig_opt(v: Option<f64>) -> String {
    v.map_or("-".to_string(), sig)
}

/// One line: `D features -> 200 tanh -> 10 (embedding) -> n targets, linear output, W_l
/// trained`.
pub fn architecture(s: &Simec) -> String {
    let p = s.params();
    let mut parts = vec![format!("{} features", s.input_dim())];
    for l in p.hidden_layers() {
        parts.push(format!("{} {}", l.units, l.activation));
    }
    parts.push(format!("{} (embedding)", s.embedding_dim()));
    let k = s.n_slices();
    let outputs = if k == 1 {
        format!("{} targets", s.n_targets())
    } else {
        format!("{k} x {} targets", s.n_targets())
    };
    let w_l = if p.fixed_last_layer().is_some() {
        "fixed"
    } else {
        "trained"
    };
    parts.push(format!(
        "{outputs}, {} output, W_l {w_l}",
        p.output_activation()
    ));
    parts.join(" -> ")
}

/// `YYYY-MM-DD HH:MM:SS UTC` of Unix seconds.
pub fn utc_time(unix_s: u64) -> String {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(unix_s);
    chrono::DateTime::<chrono::Utc>::from(t)
        .format("%Y-%m-%d %H:%M:%S UTC")
        .to_string()
}

/// The command line, shell-quoted where needed, for the record in `config.toml`.
pub fn command_line() -> String {
    std::env::args()
        .map(|a| {
            if a.is_empty() || a.contains(|c: char| c.is_whitespace() || "'\"\\$`".contains(c)) {
                format!("'{}'", a.replace('\'', "'\\''"))
            } else {
                a
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_time_matches_known_dates() {
        assert_eq!(utc_time(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc_time(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc_time(1_700_000_000), "2023-11-14 22:13:20 UTC");
    }

    #[test]
    fn small_numbers_keep_six_significant_digits() {
        assert_eq!(sig(1e-8), "1.00000e-8");
        assert_eq!(sig(5.2e-8), "5.20000e-8");
        assert_ne!(sig(1e-8), sig(5e-8));
        assert_eq!(sig(0.0123456789), "0.0123457");
        assert_eq!(sig(0.001), "0.00100000");
        assert_eq!(sig(-2.5), "-2.50000");
        assert_eq!(sig(123456.7), "123457");
        assert_eq!(sig(999.9996), "1000.00");
        assert_eq!(sig(2.5e7), "2.50000e7");
        assert_eq!(sig(0.0), "0");
        assert_eq!(sig(f64::NAN), "NaN");
        assert_eq!(sig_opt(None), "-");
    }
}
