//! Regression check of the quick-profile results against committed references
//! (`results/quick/<figure>.csv`), with the tolerances of one tier of
//! `experiments/regression.toml`: `tight` (same seed, same backend; what CI runs) or `spread`
//! (three seed standard deviations per series, for comparisons across backends or machines).
//!
//! A point drifts when `|new - ref| > max(abs, rel * |ref|)` for its series' tolerance; a point or
//! series present on one side only is drift too, and so is a series without a tolerance.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;

use crate::results::{repo_root, same_x, ResultRow};

mod provenance;
mod spread;
mod variant;

pub use provenance::{check_backends, Provenance};
pub use spread::{seed_spread, SeriesSpread};
pub use variant::{compare_to_seed_spread, VariantPoint, VariantReport, MIN_REPLICATES};

/// The tolerance of one series.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SeriesTolerance {
    /// Absolute tolerance (same unit as the MSE).
    #[serde(default)]
    pub abs: f64,
    /// Relative tolerance (fraction of the reference value).
    #[serde(default)]
    pub rel: f64,
}

impl SeriesTolerance {
    /// The allowed |new - ref| at reference value `reference`.
    pub fn width(&self, reference: f64) -> f64 {
        self.abs.max(self.rel * reference.abs())
    }
}

/// One tier of `experiments/regression.toml`: a default tolerance for every series, per-series
/// entries (which replace the default), and whether both sides must come from the same backend.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tolerances {
    /// The tolerance of a series without its own entry; without it such a series is drift
    /// ([`DriftKind::NoTolerance`]).
    #[serde(default)]
    pub default: Option<SeriesTolerance>,
    /// Per-series tolerances by figure, then series.
    #[serde(default)]
    pub series: BTreeMap<String, BTreeMap<String, SeriesTolerance>>,
    /// Whether the tier applies only to results of the same backend as the reference (the tight
    /// same-seed tier: another backend reorders float operations beyond its width).
    #[serde(default)]
    pub same_backend: bool,
}

/// The tier `compare` and `check-regression` use unless told otherwise: same seed, same backend.
pub const DEFAULT_TIER: &str = "tight";

impl Tolerances {
    /// `<repo>/experiments/regression.toml`.
    pub fn default_path() -> PathBuf {
        repo_root().join("experiments").join("regression.toml")
    }

    /// Reads tier `tier` of a tolerance file (top-level tables are tiers: `[tight]`,
    /// `[spread.series.fig3]`, ...).
    ///
    /// # Errors
    /// Unreadable file, bad TOML or unknown key, an unknown tier (the known ones are listed),
    /// negative or non-finite widths (named by tier, figure and series).
    pub fn load(path: &Path, tier: &str) -> Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let mut tiers: BTreeMap<String, Self> =
            toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        let known = tiers.keys().cloned().collect::<Vec<_>>().join(", ");
        let t = tiers.remove(tier).with_context(|| {
            format!(
                "unknown tolerance tier '{tier}': {} defines the tiers {known}",
                path.display()
            )
        })?;
        let defaults = t.default.iter().map(|d| ("default".to_string(), d));
        let entries = t.series.iter().flat_map(|(fig, series)| {
            series
                .iter()
                .map(move |(name, tol)| (format!("series.{fig}.{name}"), tol))
        });
        for (name, tol) in defaults.chain(entries) {
            if !(tol.abs >= 0.0 && tol.rel >= 0.0 && tol.abs.is_finite() && tol.rel.is_finite()) {
                anyhow::bail!(
                    "{}: tolerance {tier}.{name} must be finite and >= 0, got abs = {}, rel = {}",
                    path.display(),
                    tol.abs,
                    tol.rel
                );
            }
        }
        Ok(t)
    }

    fn get(&self, figure: &str, series: &str) -> Option<SeriesTolerance> {
        self.series
            .get(figure)
            .and_then(|s| s.get(series))
            .copied()
            .or(self.default)
    }
}

/// Why a point counts as drift.
#[derive(Debug, Clone, PartialEq)]
pub enum DriftKind {
    /// Both sides have the point; the change exceeds the tolerance.
    Moved,
    /// Only the reference has it.
    MissingInNew,
    /// Only the new results have it.
    MissingInReference,
    /// The series has no tolerance in the tolerance file.
    NoTolerance,
}

/// One drifting point.
#[derive(Debug, Clone)]
pub struct Drift {
    /// Figure id.
    pub figure: String,
    /// Series.
    pub series: String,
    /// x value.
    pub x: f64,
    /// Replicate (see [`ResultRow::replicate`]).
    pub replicate: u32,
    /// Reference MSE, when present.
    pub reference: Option<f64>,
    /// New MSE, when present.
    pub new: Option<f64>,
    /// Allowed |new - ref|, when known.
    pub tolerance: Option<f64>,
    /// The kind of drift.
    pub kind: DriftKind,
}

/// The result of comparing two result sets.
#[derive(Debug, Clone, Default)]
pub struct RegressionReport {
    /// Points compared on both sides.
    pub compared: usize,
    /// The drifting points.
    pub drifts: Vec<Drift>,
    /// The largest `|new - ref| / |ref|` over the points compared on both sides whose reference
    /// exceeds its absolute floor (below it, e.g. the ~1e-30 of an exact zero, a relative change
    /// means nothing), with its series and x; `None` when there is no such point.
    pub worst: Option<(String, f64, f64)>,
}

impl RegressionReport {
    /// No drift at all.
    pub fn passed(&self) -> bool {
        self.drifts.is_empty()
    }
}

/// Compares `new` against `reference` row by row (keyed by figure, series, x, replicate).
pub fn compare_results(
    reference: &[ResultRow],
    new: &[ResultRow],
    tolerances: &Tolerances,
) -> RegressionReport {
    let mut report = RegressionReport::default();
    let find = |rows: &[ResultRow], r: &ResultRow| -> Option<f64> {
        rows.iter()
            .find(|o| {
                o.figure == r.figure
                    && o.series == r.series
                    && same_x(o.x, r.x)
                    && o.replicate == r.replicate
            })
            .map(|o| o.mse)
    };
    for r in reference {
        let tol = tolerances.get(&r.figure, &r.series);
        let drift = |kind, new: Option<f64>| Drift {
            figure: r.figure.clone(),
            series: r.series.clone(),
            x: r.x,
            replicate: r.replicate,
            reference: Some(r.mse),
            new,
            tolerance: tol.map(|t| t.width(r.mse)),
            kind,
        };
        match (find(new, r), tol) {
            (None, _) => report.drifts.push(drift(DriftKind::MissingInNew, None)),
            (Some(v), None) => report.drifts.push(drift(DriftKind::NoTolerance, Some(v))),
            (Some(v), Some(t)) => {
                report.compared += 1;
                let rel = (v - r.mse).abs() / r.mse.abs();
                let worst = report.worst.as_ref().map_or(-1.0, |w| w.2);
                if r.mse.abs() > t.abs && (rel > worst || rel.is_nan()) && worst.is_finite() {
                    report.worst = Some((r.series.clone(), r.x, rel));
                }
                // NaN on either side is never within tolerance.
                let change = (v - r.mse).abs().partial_cmp(&t.width(r.mse));
                if !matches!(change, Some(Ordering::Less | Ordering::Equal)) {
                    report.drifts.push(drift(DriftKind::Moved, Some(v)));
                }
            }
        }
    }
    for n in new {
        if find(reference, n).is_none() {
            report.drifts.push(Drift {
                figure: n.figure.clone(),
                series: n.series.clone(),
                x: n.x,
                replicate: n.replicate,
                reference: None,
                new: Some(n.mse),
                tolerance: None,
                kind: DriftKind::MissingInReference,
            });
        }
    }
    report
}

fn opt(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |v| format!("{v:.6e}"))
}

impl fmt::Display for RegressionReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.drifts.is_empty() {
            writeln!(
                f,
                "{:<16} {:<32} {:>8} {:>13} {:>13} {:>10} {:>11}  what",
                "figure", "series", "x", "reference", "new", "rel.change", "tolerance"
            )?;
            for d in &self.drifts {
                let rel = match (d.reference, d.new) {
                    (Some(r), Some(n)) if r != 0.0 => format!("{:+.2}%", 100.0 * (n - r) / r.abs()),
                    _ => "-".to_string(),
                };
                let what = match d.kind {
                    DriftKind::Moved => "moved beyond tolerance",
                    DriftKind::MissingInNew => "missing in new results",
                    DriftKind::MissingInReference => "missing in reference",
                    DriftKind::NoTolerance => "no tolerance for this series",
                };
                writeln!(
                    f,
                    "{:<16} {:<32} {:>8} {:>13} {:>13} {:>10} {:>11}  {what}",
                    d.figure,
                    // Replicates past 0 are marked on the series, keeping the columns in place.
                    if d.replicate == 0 {
                        d.series.clone()
                    } else {
                        format!("{}[r{}]", d.series, d.replicate)
                    },
                    d.x,
                    opt(d.reference),
                    opt(d.new),
                    rel,
                    d.tolerance
                        .map_or_else(|| "-".to_string(), |t| format!("{t:.2e}"))
                )?;
            }
        }
        let worst = self.worst.as_ref().map_or_else(String::new, |(s, x, rel)| {
            format!(", worst relative change {rel:.1e} ({s} at x = {x})")
        });
        write!(
            f,
            "{} points compared{worst}, {} drifting: {}",
            self.compared,
            self.drifts.len(),
            if self.passed() { "OK" } else { "DRIFT" }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(series: &str, x: f64, mse: f64) -> ResultRow {
        ResultRow {
            figure: "fig3".into(),
            series: series.into(),
            x_name: "embedding_dim".into(),
            x,
            mse,
            seed: 1,
            replicate: 0,
            backend: "flex-cpu".into(),
            wall_s: 0.0,
        }
    }

    fn tolerances() -> Tolerances {
        let mut s = BTreeMap::new();
        s.insert(
            "a".to_string(),
            SeriesTolerance {
                abs: 0.01,
                rel: 0.0,
            },
        );
        s.insert("b".to_string(), SeriesTolerance { abs: 0.0, rel: 0.1 });
        let mut f = BTreeMap::new();
        f.insert("fig3".to_string(), s);
        Tolerances {
            series: f,
            ..Default::default()
        }
    }

    #[test]
    fn identical_results_pass() {
        let r = vec![row("a", 2.0, 0.5), row("b", 2.0, 0.3)];
        let rep = compare_results(&r, &r.clone(), &tolerances());
        assert!(rep.passed(), "{rep}");
        assert_eq!(rep.compared, 2);
        assert_eq!(rep.worst, Some(("a".to_string(), 2.0, 0.0)));
    }

    #[test]
    fn changes_within_and_beyond_tolerance() {
        let r = vec![row("a", 2.0, 0.5), row("b", 2.0, 0.3)];
        let ok = vec![row("a", 2.0, 0.509), row("b", 2.0, 0.32)];
        assert!(compare_results(&r, &ok, &tolerances()).passed());
        let bad = vec![row("a", 2.0, 0.52), row("b", 2.0, 0.6)];
        let rep = compare_results(&r, &bad, &tolerances());
        assert_eq!(rep.drifts.len(), 2);
        assert!(rep.drifts.iter().all(|d| d.kind == DriftKind::Moved));
        assert!(rep.to_string().contains("DRIFT"));
    }

    #[test]
    fn missing_points_and_series_drift() {
        let r = vec![row("a", 2.0, 0.5), row("a", 3.0, 0.4), row("b", 2.0, 0.3)];
        let new = vec![row("a", 2.0, 0.5), row("c", 2.0, 0.1)];
        let rep = compare_results(&r, &new, &tolerances());
        let kinds: Vec<_> = rep.drifts.iter().map(|d| d.kind.clone()).collect();
        assert!(kinds.contains(&DriftKind::MissingInNew));
        assert!(kinds.contains(&DriftKind::MissingInReference));
        assert_eq!(rep.drifts.len(), 3);
    }

    #[test]
    fn nan_and_unknown_series_drift() {
        let r = vec![row("a", 2.0, 0.5), row("z", 2.0, 0.1)];
        let new = vec![row("a", 2.0, f64::NAN), row("z", 2.0, 0.1)];
        let rep = compare_results(&r, &new, &tolerances());
        assert_eq!(rep.drifts.len(), 2);
        assert!(rep.drifts.iter().any(|d| d.kind == DriftKind::NoTolerance));
    }

    fn write_tiers(name: &str, text: &str) -> PathBuf {
        let p =
            std::env::temp_dir().join(format!("simec-tiers-{name}-{}.toml", std::process::id()));
        std::fs::write(&p, text).unwrap();
        p
    }

    const TIERS: &str = "[tight]\nsame_backend = true\ndefault = { abs = 1e-10, rel = 1e-3 }\n\
                         [tight.series.fig3]\nb = { rel = 0.5 }\n\
                         [spread.series.fig3]\na = { abs = 0.01 }\n";

    #[test]
    fn a_point_off_by_2e_3_relative_drifts_under_tight_and_passes_under_spread() {
        let p = write_tiers("2e-3", TIERS);
        let (tight, spread) = (
            Tolerances::load(&p, "tight").unwrap(),
            Tolerances::load(&p, "spread").unwrap(),
        );
        assert!(tight.same_backend && !spread.same_backend);
        let r = vec![row("a", 2.0, 0.5)];
        let new = vec![row("a", 2.0, 0.5 * (1.0 + 2e-3))];
        let rep = compare_results(&r, &new, &tight);
        assert_eq!(rep.drifts.len(), 1, "{rep}");
        assert_eq!(rep.drifts[0].kind, DriftKind::Moved);
        assert!(compare_results(&r, &new, &spread).passed());
        // 5e-4 relative is within the tight default.
        let close = vec![row("a", 2.0, 0.5 * (1.0 + 5e-4))];
        assert!(compare_results(&r, &close, &tight).passed());
        // A per-series entry replaces the default.
        let b = (vec![row("b", 2.0, 0.5)], vec![row("b", 2.0, 0.7)]);
        assert!(compare_results(&b.0, &b.1, &tight).passed());
        let rep = compare_results(&b.0, &b.1, &spread);
        assert_eq!(rep.drifts[0].kind, DriftKind::NoTolerance);
    }

    #[test]
    fn near_zero_references_use_the_absolute_floor_and_real_values_do_not() {
        let tight = Tolerances::load(&write_tiers("zero", TIERS), "tight").unwrap();
        // The d >= 9 eigendecomposition's float noise: 1e-30 on one machine, 5e-28 on another.
        let r = vec![row("a", 10.0, 9.6e-31), row("a", 2.0, 9.1e-5)];
        assert!(compare_results(&r, &[row("a", 10.0, 5e-28), r[1].clone()], &tight).passed());
        assert!(!compare_results(&r, &[row("a", 10.0, 1e-6), r[1].clone()], &tight).passed());
        // The smallest real quick value (9.1e-5) is still held to 1e-3 relative, not to the floor.
        let moved = vec![row("a", 10.0, 5e-28), row("a", 2.0, 9.1e-5 * 1.002)];
        let rep = compare_results(&r, &moved, &tight);
        assert_eq!(rep.drifts.len(), 1);
        // The worst relative change skips the near-zero point (its 500x change is noise).
        let (series, x, rel) = rep.worst.clone().unwrap();
        assert_eq!((series.as_str(), x), ("a", 2.0));
        assert!((rel - 2e-3).abs() < 1e-9, "{rel}");
        assert!(
            rep.to_string()
                .contains("worst relative change 2.0e-3 (a at x = 2)"),
            "{rep}"
        );
    }

    #[test]
    fn an_unknown_tier_or_a_negative_width_is_a_clear_error() {
        let p = write_tiers("unknown", TIERS);
        let e = format!("{:#}", Tolerances::load(&p, "tigth").unwrap_err());
        assert!(e.contains("unknown tolerance tier 'tigth'"), "{e}");
        assert!(e.contains("spread, tight"), "{e}");
        let p = write_tiers("negative", "[tight]\ndefault = { rel = -1e-3 }\n");
        let e = format!("{:#}", Tolerances::load(&p, "tight").unwrap_err());
        assert!(e.contains("tight.default must be finite and >= 0"), "{e}");
        let p = write_tiers("typo", "[tight]\ndefualt = { rel = 1e-3 }\n");
        let e = format!("{:#}", Tolerances::load(&p, "tight").unwrap_err());
        assert!(e.contains("defualt"), "{e}");
    }

    #[test]
    fn the_committed_tiers_cover_every_quick_reference_series() {
        let path = Tolerances::default_path();
        let tight = Tolerances::load(&path, DEFAULT_TIER).unwrap();
        assert!(tight.same_backend);
        assert_eq!(tight.default.map(|d| d.rel), Some(1e-3));
        let spread = Tolerances::load(&path, "spread").unwrap();
        let quick = repo_root().join("results").join("quick");
        for fig in spread.series.keys() {
            let file = crate::results::ResultsFile::open(quick.join(format!("{fig}.csv"))).unwrap();
            for r in file.rows() {
                assert!(
                    spread.get(fig, &r.series).is_some(),
                    "spread: {fig}.{}",
                    r.series
                );
                assert!(tight.get(fig, &r.series).is_some());
            }
        }
        assert_eq!(spread.series.len(), 7, "one spread table per quick profile");
    }
}
