//! Where the paper's numbers fall in the distribution of our replicates: per point, the marks
//! of `REPLICATION.md`; per figure and overall, the shares of paper points inside our 95%
//! prediction interval, inside our min-max, within 5% of our mean, and within the tolerance rule.

use std::fmt::Write as _;

use crate::reference::{ComparedPoint, Comparison};

/// Counts behind the shares of one figure (or of all figures, by [`Shares::add`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Shares {
    /// Paper points compared with at least one result.
    pub points: usize,
    /// Of those, within the replication tolerance (our mean against the paper).
    pub within: usize,
    /// Of those, within 5% of our mean (`|paper - mean| <= 0.05 |mean|`).
    pub within_5pct: usize,
    /// Paper points whose result has at least two replicates (trained points run with
    /// replicates; deterministic series have one value and no spread).
    pub replicated: usize,
    /// Of the replicated points, the paper's value inside our 95% prediction interval.
    pub in_interval: usize,
    /// Of the replicated points, the paper's value inside our `[min, max]`.
    pub in_range: usize,
}

impl Shares {
    /// The counts of one figure's comparison.
    pub fn of(c: &Comparison) -> Self {
        let mut s = Self::default();
        for p in &c.points {
            s.points += 1;
            s.within += usize::from(p.within);
            s.within_5pct += usize::from(within_5pct(p));
            if p.stats.n >= 2 {
                s.replicated += 1;
                s.in_interval += usize::from(p.stats.in_prediction_interval(p.paper));
                s.in_range += usize::from(p.stats.in_range(p.paper));
            }
        }
        s
    }

    /// Adds `other`'s counts.
    pub fn add(&mut self, other: Shares) {
        self.points += other.points;
        self.within += other.within;
        self.within_5pct += other.within_5pct;
        self.replicated += other.replicated;
        self.in_interval += other.in_interval;
        self.in_range += other.in_range;
    }

    /// `in PI a/b (p%)` for the prediction-interval share, or a note that no point has
    /// replicates.
    pub fn interval_text(&self) -> String {
        if self.replicated == 0 {
            "no point with 2 or more replicates".to_string()
        } else {
            format!(
                "{}/{} paper points inside our 95% prediction interval ({:.1}%)",
                self.in_interval,
                self.replicated,
                pct(self.in_interval, self.replicated)
            )
        }
    }

    /// The Markdown table row `| name | within | within 5% | in PI | in min-max |`.
    pub fn markdown_row(&self, name: &str) -> String {
        let rep = |k: usize| {
            if self.replicated == 0 {
                "-".to_string()
            } else {
                format!("{k}/{} ({:.0}%)", self.replicated, pct(k, self.replicated))
            }
        };
        format!(
            "| {name} | {}/{} ({:.0}%) | {}/{} ({:.0}%) | {} | {} |",
            self.within,
            self.points,
            pct(self.within, self.points),
            self.within_5pct,
            self.points,
            pct(self.within_5pct, self.points),
            rep(self.in_interval),
            rep(self.in_range)
        )
    }
}

/// Header of the table of [`Shares::markdown_row`] rows.
pub const SHARES_HEADER: &str = "| figure | within the tolerance rule | within 5% of our mean | \
    inside our 95% prediction interval | inside our min-max |\n|---|---|---|---|---|";

fn within_5pct(p: &ComparedPoint) -> bool {
    (p.paper - p.stats.mean).abs() <= 0.05 * p.stats.mean.abs()
}

/// `100 a / b` (0 for `b = 0`).
pub fn pct(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        100.0 * a as f64 / b as f64
    }
}

/// Compact number formatting: fixed for ordinary magnitudes, scientific otherwise.
fn num(v: f64) -> String {
    if v == 0.0 || (v.is_finite() && (1e-3..1e4).contains(&v.abs())) {
        format!("{v:.6}")
    } else {
        format!("{v:.4e}")
    }
}

/// The per-point table of one figure: paper, our mean +/- sd (n), min-max, the 95% prediction
/// interval, and the marks "in PI" and "within" (the tolerance rule).
pub fn point_table(c: &Comparison) -> String {
    let mut md = String::from(
        "| series | x | paper | ours: mean +/- sd (n) | min - max | 95% prediction interval | \
         paper in PI | within |\n|---|---|---|---|---|---|---|---|\n",
    );
    for p in &c.points {
        let s = &p.stats;
        let (spread, range, interval, in_pi) = match (s.sd, s.prediction_interval) {
            (Some(sd), Some((lo, hi))) => (
                format!("{} +/- {} ({})", num(s.mean), num(sd), s.n),
                format!("{} - {}", num(s.min), num(s.max)),
                format!("[{}, {}]", num(lo), num(hi)),
                if s.in_prediction_interval(p.paper) {
                    "yes"
                } else {
                    "**no**"
                },
            ),
            _ => (
                format!("{} (1)", num(s.mean)),
                "-".to_string(),
                "-".to_string(),
                "-",
            ),
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} | {spread} | {range} | {interval} | {in_pi} | {} |",
            p.series,
            p.x,
            num(p.paper),
            if p.within { "yes" } else { "**no**" }
        );
    }
    md
}

/// One line per replicated point whose paper value lies outside our prediction interval, with
/// the numbers; empty when there is none.
pub fn outside_interval_lines(c: &Comparison) -> Vec<String> {
    c.points
        .iter()
        .filter(|p| p.stats.n >= 2 && !p.stats.in_prediction_interval(p.paper))
        .map(|p| {
            let (lo, hi) = p.stats.prediction_interval.unwrap_or((f64::NAN, f64::NAN));
            format!(
                "{} {} at x = {}: paper {} vs ours {} +/- {} (n = {}), interval [{}, {}], paper / \
                 mean = {:.3}",
                c.figure,
                p.series,
                p.x,
                num(p.paper),
                num(p.stats.mean),
                num(p.stats.sd.unwrap_or(f64::NAN)),
                p.stats.n,
                num(lo),
                num(hi),
                p.paper / p.stats.mean
            )
        })
        .collect()
}
