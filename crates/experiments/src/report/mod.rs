//! `results/REPLICATION.md`: every paper point beside the distribution of our replicates, per
//! figure, with the tolerance rule of `experiments/replication.toml` and the shares of
//! [`distribution`].

mod distribution;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;

use crate::reference::{compare, Comparison, RefRow};
use crate::results::{repo_root, ResultsFile};
pub use distribution::Shares;
use distribution::{outside_interval_lines, pct, point_table, SHARES_HEADER};

/// Tolerance of the replication check: a point is within when
/// `|ours - paper| <= max(rel * |paper|, abs_floor[figure])`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplicationTolerance {
    /// Relative tolerance (0.2 = 20%).
    pub rel: f64,
    /// Absolute floor per figure id (`fig3`, `fig4_lambda`, ...).
    pub abs_floor: BTreeMap<String, f64>,
    /// Share of all the paper's points that must be within tolerance for `check-replication`
    /// to pass (a paper point without a result counts as not within).
    pub min_share: f64,
    /// The same share per figure id; every figure the paper prints numbers for needs one.
    pub min_figure_share: BTreeMap<String, f64>,
}

impl ReplicationTolerance {
    /// Reads `experiments/replication.toml` (or another file).
    ///
    /// # Errors
    /// Unreadable file, bad TOML or an unknown key (named).
    pub fn load(path: &Path) -> Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
    }

    /// `<repo>/experiments/replication.toml`.
    pub fn default_path() -> PathBuf {
        repo_root().join("experiments").join("replication.toml")
    }

    fn floor(&self, figure: &str) -> f64 {
        self.abs_floor.get(figure).copied().unwrap_or(0.0)
    }
}

/// The comparison of every figure of the paper with our results CSV in `results_dir`.
pub struct Report {
    /// One entry per paper figure id, in the paper's order; `None` when we have no CSV for it.
    pub figures: Vec<(String, Option<Comparison>)>,
    /// The number of paper points per figure id (whether or not we have a CSV for it).
    pub paper_points: BTreeMap<String, usize>,
    /// The tolerance used.
    pub tolerance: ReplicationTolerance,
}

impl Report {
    /// Compares `results_dir/<figure>.csv` with the paper's rows for every figure id in `paper`.
    /// A figure's CSV may hold several sub-figures' rows; only the matching `figure` rows count.
    ///
    /// # Errors
    /// A results CSV exists but cannot be read.
    pub fn build(
        results_dir: &Path,
        paper: &[RefRow],
        tolerance: ReplicationTolerance,
    ) -> Result<Self> {
        let mut ids: Vec<String> = Vec::new();
        let mut paper_points = BTreeMap::new();
        for r in paper {
            if !ids.contains(&r.figure) {
                ids.push(r.figure.clone());
            }
            *paper_points.entry(r.figure.clone()).or_insert(0) += 1;
        }
        let mut figures = Vec::new();
        for id in ids {
            let csv = results_dir.join(format!("{id}.csv"));
            let cmp = if csv.exists() {
                let file = ResultsFile::open(&csv)?;
                Some(compare(
                    file.rows(),
                    paper,
                    &id,
                    tolerance.rel,
                    tolerance.floor(&id),
                ))
            } else {
                None
            };
            figures.push((id, cmp));
        }
        Ok(Self {
            figures,
            paper_points,
            tolerance,
        })
    }

    /// (paper points within tolerance, paper points) over all the paper's figures; paper points
    /// without a result (a missing CSV, series or point) count as not within.
    pub fn total_share(&self) -> (usize, usize) {
        let within = self
            .figures
            .iter()
            .filter_map(|(_, c)| c.as_ref())
            .map(Comparison::within_count)
            .sum();
        (within, self.paper_points.values().sum())
    }

    /// Why `check-replication` fails, one line per reason; empty when it passes. It fails on a
    /// figure without a results CSV, every paper point without a result (series and x named),
    /// a figure's share within tolerance under its `min_figure_share` (or without one), and the
    /// share over all the paper's points under `min_share`.
    pub fn check(&self) -> Vec<String> {
        let mut failures = Vec::new();
        for (id, c) in &self.figures {
            let points = self.paper_points.get(id).copied().unwrap_or(0);
            let Some(c) = c else {
                failures.push(format!("{id}: no results CSV ({points} paper points)"));
                continue;
            };
            failures.extend(missing_lines(id, c));
            match self.tolerance.min_figure_share.get(id) {
                None => failures.push(format!(
                    "{id}: no min_figure_share for it in the replication tolerance file"
                )),
                Some(&min) if (c.within_count() as f64) < min * points as f64 => {
                    failures.push(format!(
                        "{id}: {}/{points} paper points within tolerance ({:.1}%), under the \
                         required {:.1}%",
                        c.within_count(),
                        pct(c.within_count(), points),
                        100.0 * min
                    ))
                }
                Some(_) => {}
            }
        }
        let (w, t) = self.total_share();
        if t == 0 || (w as f64) < self.tolerance.min_share * t as f64 {
            failures.push(format!(
                "overall: {w}/{t} paper points within tolerance ({:.1}%), under the required {:.1}%",
                pct(w, t),
                100.0 * self.tolerance.min_share
            ));
        }
        failures
    }

    /// (paper points within tolerance, paper points) over the figures that have results; paper
    /// points without a result count as not within.
    pub fn share(&self) -> (usize, usize) {
        self.figures
            .iter()
            .filter_map(|(_, c)| c.as_ref())
            .fold((0, 0), |(w, t), c| {
                (
                    w + c.within_count(),
                    t + c.compared() + c.missing_ours.len(),
                )
            })
    }

    /// The [`Shares`] of every figure with results, and their sum.
    pub fn shares(&self) -> (Vec<(&str, Shares)>, Shares) {
        let mut total = Shares::default();
        let per: Vec<(&str, Shares)> = self
            .figures
            .iter()
            .filter_map(|(id, c)| c.as_ref().map(|c| (id.as_str(), Shares::of(c))))
            .inspect(|(_, s)| total.add(*s))
            .collect();
        (per, total)
    }

    /// The section on where the paper's numbers fall in our replicates: the shares per figure
    /// and overall, and every paper point outside our prediction interval.
    fn write_shares(&self, md: &mut String) {
        let (per, total) = self.shares();
        let _ = writeln!(
            md,
            "\n## Where the paper's numbers fall in our replicates\n\n\
             Trained points run with several seeds (replicates: the SimEc's initialization and \
             shuffling vary; data subsets and missing-value masks do not). The paper's number is one \
             more draw: with perfect replication about 95% of the paper's points fall inside our \
             95% prediction interval for one more run (mean +/- t(n-1) sd sqrt(1 + 1/n)), while \
             only (n-1)/(n+1) fall inside our min-max (67% for n = 5). \"within\" compares our \
             mean with the paper by the tolerance rule above; deterministic series (one value) \
             count there but have no interval.\n\n{SHARES_HEADER}"
        );
        for (id, s) in &per {
            let _ = writeln!(md, "{}", s.markdown_row(id));
        }
        let _ = writeln!(md, "{}", total.markdown_row("**all**"));
        let outside: Vec<String> = self
            .figures
            .iter()
            .filter_map(|(_, c)| c.as_ref())
            .flat_map(outside_interval_lines)
            .collect();
        if total.replicated > 0 {
            let _ = writeln!(
                md,
                "\nPaper points outside our 95% prediction interval ({} of {}):\n",
                outside.len(),
                total.replicated
            );
            for line in &outside {
                let _ = writeln!(md, "- {line}");
            }
            if outside.is_empty() {
                let _ = writeln!(md, "None.");
            }
        }
    }

    /// The report as Markdown.
    pub fn to_markdown(&self) -> String {
        let mut md = String::new();
        let (w, t) = self.share();
        let _ = writeln!(
            md,
            "# Replication of Horn & Müller (2018): our MSEs vs the paper's\n"
        );
        let _ = writeln!(
            md,
            "Generated by `just report` from `results/*.csv` (paper profiles) and \
             `experiments/reference/paper_mse.csv`. A point is within tolerance when \
             |ours - paper| <= max({:.0}% of paper, the figure's absolute floor); floors and their \
             reasons are in `experiments/replication.toml`.\n",
            self.tolerance.rel * 100.0
        );
        let _ = writeln!(
            md,
            "**Overall: {w}/{t} paper points within tolerance ({:.1}%).**\n",
            pct(w, t)
        );
        let _ = writeln!(
            md,
            "| figure | within | points | missing results | abs floor |"
        );
        let _ = writeln!(md, "|---|---|---|---|---|");
        for (id, c) in &self.figures {
            match c {
                Some(c) => {
                    let _ = writeln!(
                        md,
                        "| {id} | {} | {} | {} | {} |",
                        c.within_count(),
                        c.compared() + c.missing_ours.len(),
                        c.missing_ours.len(),
                        self.tolerance.floor(id)
                    );
                }
                None => {
                    let _ = writeln!(md, "| {id} | not run | | | {} |", self.tolerance.floor(id));
                }
            }
        }
        self.write_shares(&mut md);
        for (id, c) in &self.figures {
            let Some(c) = c else { continue };
            let _ = writeln!(md, "\n## {id}\n");
            md.push_str(&point_table(c));
            for (s, x) in &c.missing_ours {
                let _ = writeln!(md, "| {s} | {x} | | (not run) | | | | **no** |");
            }
            let _ = writeln!(
                md,
                "\n{id}: {}/{} within tolerance; {}.",
                c.within_count(),
                c.compared() + c.missing_ours.len(),
                Shares::of(c).interval_text()
            );
        }
        md
    }
}

/// One line per series with paper points but no result: the whole series, or its missing x.
fn missing_lines(id: &str, c: &Comparison) -> Vec<String> {
    let mut by_series: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for (series, x) in &c.missing_ours {
        by_series.entry(series).or_default().push(*x);
    }
    by_series
        .into_iter()
        .map(|(series, xs)| {
            if c.points.iter().any(|p| p.series == series) {
                let xs: Vec<String> = xs.iter().map(f64::to_string).collect();
                format!(
                    "{id}: series {series} has no result at x = {}",
                    xs.join(", ")
                )
            } else {
                format!(
                    "{id}: series {series} is missing ({} paper points)",
                    xs.len()
                )
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::ResultRow;

    /// Paper rows: `(figure, series, xs)`, mse = 0.01 * x.
    fn paper(spec: &[(&str, &str, usize)]) -> Vec<RefRow> {
        spec.iter()
            .flat_map(|&(figure, series, n)| {
                (1..=n).map(move |x| RefRow {
                    figure: figure.into(),
                    series: series.into(),
                    x_name: "d".into(),
                    x: x as f64,
                    mse: 0.01 * x as f64,
                })
            })
            .collect()
    }

    /// Writes our results CSVs into a fresh directory: the paper's rows, scaled by `factor(row)`,
    /// without the rows `keep` rejects.
    fn results(
        name: &str,
        paper: &[RefRow],
        keep: impl Fn(&RefRow) -> bool,
        factor: impl Fn(&RefRow) -> f64,
    ) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("simec-report-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut ids: Vec<&str> = paper.iter().map(|r| r.figure.as_str()).collect();
        ids.dedup();
        for id in ids {
            let rows: Vec<ResultRow> = paper
                .iter()
                .filter(|r| r.figure == id && keep(r))
                .map(|r| ResultRow {
                    figure: r.figure.clone(),
                    series: r.series.clone(),
                    x_name: r.x_name.clone(),
                    x: r.x,
                    mse: r.mse * factor(r),
                    seed: 1,
                    replicate: 0,
                    backend: "flex-cpu".into(),
                    wall_s: 0.0,
                })
                .collect();
            let mut f = ResultsFile::create_fresh(dir.join(format!("{id}.csv"))).unwrap();
            f.push_and_save(&rows).unwrap();
        }
        dir
    }

    fn tolerance(figures: &[&str]) -> ReplicationTolerance {
        ReplicationTolerance {
            rel: 0.2,
            abs_floor: BTreeMap::new(),
            min_share: 0.95,
            min_figure_share: figures.iter().map(|f| (f.to_string(), 0.9)).collect(),
        }
    }

    const SMALL: &[(&str, &str, usize)] = &[("fa", "ed", 4), ("fa", "simec_a", 4), ("fb", "ed", 2)];

    fn check(dir: &Path, paper: &[RefRow], figures: &[&str]) -> Vec<String> {
        Report::build(dir, paper, tolerance(figures))
            .unwrap()
            .check()
    }

    #[test]
    fn every_point_present_and_within_passes() {
        let p = paper(SMALL);
        let dir = results("pass", &p, |_| true, |_| 1.1);
        assert_eq!(check(&dir, &p, &["fa", "fb"]), Vec::<String>::new());
    }

    #[test]
    fn a_missing_csv_fails_and_counts_its_points_as_not_within() {
        let p = paper(SMALL);
        let dir = results("nocsv", &p, |_| true, |_| 1.0);
        std::fs::remove_file(dir.join("fb.csv")).unwrap();
        let report = Report::build(&dir, &p, tolerance(&["fa", "fb"])).unwrap();
        assert_eq!(report.total_share(), (8, 10));
        let failures = report.check();
        assert!(failures.contains(&"fb: no results CSV (2 paper points)".to_string()));
        assert!(failures.iter().any(|f| f.starts_with("overall: 8/10")));
    }

    #[test]
    fn a_missing_series_or_point_fails() {
        let p = paper(SMALL);
        let dir = results("noseries", &p, |r| r.series != "simec_a", |_| 1.0);
        let failures = check(&dir, &p, &["fa", "fb"]);
        assert!(failures.contains(&"fa: series simec_a is missing (4 paper points)".to_string()));
        let dir = results("nopoint", &p, |r| r.series != "ed" || r.x != 3.0, |_| 1.0);
        let failures = check(&dir, &p, &["fa", "fb"]);
        assert!(
            failures.contains(&"fa: series ed has no result at x = 3".to_string()),
            "{failures:?}"
        );
    }

    #[test]
    fn every_simec_point_of_one_figure_off_fails_although_the_overall_share_passes() {
        let p = paper(&[
            ("big", "ed", 100),
            ("small", "ed", 3),
            ("small", "simec", 2),
        ]);
        let dir = results(
            "simecoff",
            &p,
            |_| true,
            |r| {
                if r.series == "simec" {
                    1.5
                } else {
                    1.0
                }
            },
        );
        let report = Report::build(&dir, &p, tolerance(&["big", "small"])).unwrap();
        assert_eq!(report.total_share(), (103, 105)); // 98% >= min_share 95%
        assert_eq!(
            report.check(),
            ["small: 3/5 paper points within tolerance (60.0%), under the required 90.0%"]
        );
    }

    #[test]
    fn a_figure_without_its_own_minimum_share_fails() {
        let p = paper(SMALL);
        let dir = results("nomin", &p, |_| true, |_| 1.0);
        assert_eq!(
            check(&dir, &p, &["fa"]),
            ["fb: no min_figure_share for it in the replication tolerance file"]
        );
    }

    #[test]
    fn the_committed_tolerance_file_names_every_paper_figure() {
        let t = ReplicationTolerance::load(&ReplicationTolerance::default_path()).unwrap();
        let paper =
            crate::reference::load_reference(&crate::reference::default_reference_path()).unwrap();
        for r in &paper {
            assert!(t.min_figure_share.contains_key(&r.figure), "{}", r.figure);
        }
        assert_eq!(paper.len(), 340);
    }
}
