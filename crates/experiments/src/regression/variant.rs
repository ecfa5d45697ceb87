//! A same-seed comparison of a variant run (e.g. a truncated S_ll) against a multi-replicate
//! reference run, judged by the reference's seed spread (issue 18: a truncation may replace the
//! exact objective in a paper profile only when every point moves by less than its seed spread).
//!
//! Each variant point must carry the same seed as the reference's point of the same replicate, so
//! that each difference is the variant's alone; the spread is the sample standard deviation of the
//! reference's replicates at that point (at least [`MIN_REPLICATES`]).

use std::fmt;

use anyhow::{bail, Result};

use crate::results::{same_x, PointStats, ResultRow};

/// Fewest reference replicates that give a seed spread worth judging by.
pub const MIN_REPLICATES: usize = 3;

/// One trained point of the variant beside the reference.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantPoint {
    /// Series id.
    pub series: String,
    /// The x value.
    pub x: f64,
    /// The replicate (the same in both runs).
    pub replicate: u32,
    /// The reference's MSE of the same replicate (same seed as the variant).
    pub reference: f64,
    /// The variant's MSE.
    pub variant: f64,
    /// The reference's replicates at this point.
    pub spread: PointStats,
}

impl VariantPoint {
    /// `variant - reference`.
    pub fn change(&self) -> f64 {
        self.variant - self.reference
    }

    /// `|change|` in units of the reference's seed standard deviation (infinite for a zero sd
    /// and a nonzero change).
    pub fn change_in_sd(&self) -> f64 {
        let sd = self.spread.sd.unwrap_or(0.0);
        match (self.change().abs(), sd) {
            (0.0, _) => 0.0,
            (c, sd) => c / sd,
        }
    }

    /// Whether the variant moved the point by less than one seed standard deviation.
    pub fn within_spread(&self) -> bool {
        self.change_in_sd() < 1.0
    }
}

/// The variant's trained points beside the reference, and how many deterministic points agree.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantReport {
    /// Every trained (seeded) point of the variant, in the variant's order.
    pub points: Vec<VariantPoint>,
    /// Deterministic points (seed 0) of the variant equal to the reference bit for bit.
    pub deterministic_equal: usize,
    /// Deterministic points that differ: `(series, x, reference, variant)`.
    pub deterministic_differ: Vec<(String, f64, f64, f64)>,
}

impl VariantReport {
    /// Every trained point within its seed spread and every deterministic point unchanged.
    pub fn passed(&self) -> bool {
        self.points.iter().all(VariantPoint::within_spread) && self.deterministic_differ.is_empty()
    }
}

/// Compares every point of `variant` with the same replicate's point of `reference` (several
/// replicates of the same profile apart from the variant's change).
///
/// # Errors
/// A variant point the reference lacks, a seed that differs from the reference's (not a same-seed
/// comparison), fewer than [`MIN_REPLICATES`] reference replicates at a trained point, or a
/// variant without points.
pub fn compare_to_seed_spread(
    reference: &[ResultRow],
    variant: &[ResultRow],
) -> Result<VariantReport> {
    let mut report = VariantReport {
        points: Vec::new(),
        deterministic_equal: 0,
        deterministic_differ: Vec::new(),
    };
    for v in variant {
        let at: Vec<&ResultRow> = reference
            .iter()
            .filter(|r| r.figure == v.figure && r.series == v.series && same_x(r.x, v.x))
            .collect();
        let Some(r0) = at.iter().find(|r| r.replicate == v.replicate) else {
            bail!(
                "the reference has no replicate-{} point {} {} = {}",
                v.replicate,
                v.series,
                v.x_name,
                v.x
            );
        };
        if r0.seed != v.seed {
            bail!(
                "{} {} = {} (replicate {}): seed {} in the variant, {} in the reference (not a \
                 same-seed comparison)",
                v.series,
                v.x_name,
                v.x,
                v.replicate,
                v.seed,
                r0.seed
            );
        }
        if v.seed == 0 {
            if r0.mse.to_bits() == v.mse.to_bits() {
                report.deterministic_equal += 1;
            } else {
                let d = (v.series.clone(), v.x, r0.mse, v.mse);
                report.deterministic_differ.push(d);
            }
            continue;
        }
        let values: Vec<f64> = at.iter().map(|r| r.mse).collect();
        if values.len() < MIN_REPLICATES {
            bail!(
                "{} {} = {}: {} reference replicate(s), at least {MIN_REPLICATES} needed for a \
                 seed spread",
                v.series,
                v.x_name,
                v.x,
                values.len()
            );
        }
        let spread = PointStats::of(&values).expect("at least one value");
        report.points.push(VariantPoint {
            series: v.series.clone(),
            x: v.x,
            replicate: v.replicate,
            reference: r0.mse,
            variant: v.mse,
            spread,
        });
    }
    if report.points.is_empty()
        && report.deterministic_equal + report.deterministic_differ.len() == 0
    {
        bail!("the variant has no points");
    }
    Ok(report)
}

impl fmt::Display for VariantReport {
    /// A Markdown table of the trained points, then the deterministic points and the verdict.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "| series | x | replicate | reference | variant (same seed) | relative change | seed sd \
             (n) | \\|change\\| / sd | within |"
        )?;
        writeln!(f, "|---|---|---|---|---|---|---|---|---|")?;
        for p in &self.points {
            let sd = p.spread.sd.unwrap_or(0.0);
            writeln!(
                f,
                "| {} | {} | {} | {:.4e} | {:.4e} | {:+.1e} | {:.2e} ({}) | {:.3} | {} |",
                p.series,
                p.x,
                p.replicate,
                p.reference,
                p.variant,
                p.change() / p.reference,
                sd,
                p.spread.n,
                p.change_in_sd(),
                if p.within_spread() { "yes" } else { "**no**" }
            )?;
        }
        let inside = self.points.iter().filter(|p| p.within_spread()).count();
        writeln!(
            f,
            "\n{inside} of {} trained points moved by less than one seed sd; {} deterministic \
             points equal bit for bit, {} differ{}",
            self.points.len(),
            self.deterministic_equal,
            self.deterministic_differ.len(),
            if self.deterministic_differ.is_empty() {
                ""
            } else {
                ":"
            }
        )?;
        for (series, x, r, v) in &self.deterministic_differ {
            writeln!(f, "  {series} at {x}: {r:e} -> {v:e}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(series: &str, x: f64, mse: f64, seed: u64, replicate: u32) -> ResultRow {
        ResultRow {
            seed,
            replicate,
            ..ResultRow::for_test("fig", series, x, mse)
        }
    }

    fn reference() -> Vec<ResultRow> {
        vec![
            row("eig", 2.0, 0.5, 0, 0),
            row("simec", 2.0, 1.0, 11, 0),
            row("simec", 2.0, 1.1, 12, 1),
            row("simec", 2.0, 0.9, 13, 2),
        ]
    }

    #[test]
    fn a_change_below_one_sd_passes_and_one_above_fails() {
        // sd of 1.0, 1.1, 0.9 is 0.1.
        let small = [row("eig", 2.0, 0.5, 0, 0), row("simec", 2.0, 1.05, 11, 0)];
        let report = compare_to_seed_spread(&reference(), &small).unwrap();
        assert_eq!(report.points.len(), 1);
        assert!((report.points[0].change_in_sd() - 0.5).abs() < 1e-9);
        assert!(report.passed(), "{report}");
        assert_eq!(report.deterministic_equal, 1);
        let large = [row("simec", 2.0, 1.25, 11, 0)];
        let report = compare_to_seed_spread(&reference(), &large).unwrap();
        assert!(!report.passed());
        assert!(report.to_string().contains("**no**"), "{report}");
    }

    #[test]
    fn each_replicate_is_compared_with_its_own_seed() {
        let rep1 = [row("simec", 2.0, 1.12, 12, 1)];
        let report = compare_to_seed_spread(&reference(), &rep1).unwrap();
        assert!((report.points[0].change() - 0.02).abs() < 1e-12);
        assert_eq!(report.points[0].replicate, 1);
        let wrong_seed = [row("simec", 2.0, 1.12, 11, 1)];
        assert!(compare_to_seed_spread(&reference(), &wrong_seed).is_err());
    }

    #[test]
    fn a_moved_deterministic_point_fails() {
        let moved = [row("eig", 2.0, 0.5000001, 0, 0)];
        let report = compare_to_seed_spread(&reference(), &moved).unwrap();
        assert!(!report.passed());
        assert_eq!(report.deterministic_differ.len(), 1);
    }

    #[test]
    fn other_seeds_missing_points_and_too_few_replicates_are_errors() {
        let other_seed = [row("simec", 2.0, 1.0, 99, 0)];
        let e = compare_to_seed_spread(&reference(), &other_seed).unwrap_err();
        assert!(e.to_string().contains("not a same-seed comparison"), "{e}");
        let missing = [row("simec", 5.0, 1.0, 11, 0)];
        let e = compare_to_seed_spread(&reference(), &missing).unwrap_err();
        assert!(e.to_string().contains("no replicate-0 point simec"), "{e}");
        let e = compare_to_seed_spread(&reference(), &[row("simec", 2.0, 1.1, 12, 3)]).unwrap_err();
        assert!(e.to_string().contains("no replicate-3 point simec"), "{e}");
        let e = compare_to_seed_spread(&reference()[..3], &[row("simec", 2.0, 1.0, 11, 0)])
            .unwrap_err();
        assert!(e.to_string().contains("2 reference replicate(s)"), "{e}");
    }
}
