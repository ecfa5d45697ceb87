//! What a figure run does with the results already on disk, decided from the run identity
//! ([`RunIdentity`]) of the last run recorded in `<figure>.meta.toml`:
//! - the same identity, completed: up to date, nothing is computed and no file is written;
//! - the same identity, interrupted: resumed (only the missing points are computed);
//! - another identity (or none recorded, or `--force`): the old CSV is a reference, not a partial
//!   result: every point is recomputed, and the end of the run compares the new numbers with it.

use std::path::Path;

use anyhow::{Context, Result};

use crate::results::{same_x, MetadataFile, ResultRow, ResultsFile, RunIdentity, RunMetadata};

/// What to do with the results on disk.
#[derive(Debug)]
pub enum Plan {
    /// The last run has this identity and completed.
    UpToDate(Box<RunMetadata>),
    /// The last run has this identity and was interrupted: keep its points.
    Resume(Box<RunMetadata>),
    /// Compute every point; `previous` holds the rows of the CSV being replaced.
    Fresh {
        /// Why (shown on the run's first line).
        reason: String,
        /// The old rows, to compare with at the end.
        previous: Vec<ResultRow>,
    },
}

/// Decides the [`Plan`] for a run with `identity` writing `csv` and `meta`.
///
/// # Errors
/// An unreadable or malformed CSV or metadata file (named).
pub fn plan(csv: &Path, meta: &Path, identity: &RunIdentity, force: bool) -> Result<Plan> {
    let previous = || -> Result<Vec<ResultRow>> {
        if !csv.exists() {
            return Ok(Vec::new());
        }
        let file = ResultsFile::open(csv).with_context(|| format!("reading {}", csv.display()))?;
        Ok(file.rows().to_vec())
    };
    if force {
        return Ok(Plan::Fresh {
            reason: "--force: recomputing every point".into(),
            previous: previous()?,
        });
    }
    let last = if meta.exists() {
        MetadataFile::open(meta)?.runs().last().cloned()
    } else {
        None
    };
    let reason = match last {
        None if !csv.exists() => "no earlier results".to_string(),
        None => format!("{} has no run record", meta.display()),
        Some(run) => match &run.identity {
            Some(id) if id == identity && run.completed => {
                return Ok(Plan::UpToDate(Box::new(run)))
            }
            Some(id) if id == identity => return Ok(Plan::Resume(Box::new(run))),
            Some(id) => format!(
                "the results on disk came from another run identity: {}",
                identity.differences(id).join(", ")
            ),
            None => "the results on disk predate run identities".to_string(),
        },
    };
    Ok(Plan::Fresh {
        reason: format!("{reason}; computing every point"),
        previous: previous()?,
    })
}

/// A table of every new row beside the previous one with the same series, x and replicate:
/// previous, new, relative change; and the largest change. Empty when there were no previous rows.
pub fn compare_with_previous(previous: &[ResultRow], new: &[ResultRow]) -> String {
    if previous.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "compared with the previous results:\n  {:<28} {:>8} {:>14} {:>14} {:>10}\n",
        "series", "x", "previous", "new", "change"
    );
    let mut largest: f64 = 0.0;
    let mut matched = 0;
    for r in new {
        let Some(p) = previous
            .iter()
            .find(|p| p.series == r.series && same_x(p.x, r.x) && p.replicate == r.replicate)
        else {
            continue;
        };
        matched += 1;
        let change = if p.mse == r.mse {
            0.0
        } else {
            (r.mse - p.mse) / p.mse.abs().max(f64::MIN_POSITIVE)
        };
        largest = largest.max(change.abs());
        out.push_str(&format!(
            "  {:<28} {:>8} {:>14.6e} {:>14.6e} {:>+10.2e}\n",
            r.series, r.x, p.mse, r.mse, change
        ));
    }
    out.push_str(&format!(
        "  {matched} of {} points had a previous value; largest relative change {largest:.2e}\n",
        new.len()
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(seed: u64) -> RunIdentity {
        RunIdentity::new(&"m = 1\n".parse().unwrap(), 0, "flex-cpu", seed)
    }

    fn record(id: Option<RunIdentity>, completed: bool) -> RunMetadata {
        let mut r = RunMetadata::collect("fig", "quick", 42, "flex-cpu");
        r.identity = id;
        r.completed = completed;
        r
    }

    fn dir(name: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("simec-plan-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    /// The last record decides: completed -> up to date, interrupted -> resume, another identity
    /// or none -> fresh; `--force` always fresh.
    #[test]
    fn the_last_run_record_decides_the_plan() {
        let d = dir("plan");
        let (csv, meta) = (d.join("fig.csv"), d.join("fig.meta.toml"));
        let id = identity(42);
        assert!(matches!(
            plan(&csv, &meta, &id, false).unwrap(),
            Plan::Fresh { .. }
        ));
        let cases = [
            (Some(id.clone()), true, "up to date"),
            (Some(id.clone()), false, "resume"),
            (Some(identity(43)), true, "fresh"),
            (None, true, "fresh"),
        ];
        for (rid, completed, want) in cases {
            let _ = std::fs::remove_file(&meta);
            MetadataFile::open(&meta)
                .unwrap()
                .begin_run(record(rid, completed))
                .unwrap();
            let got = match plan(&csv, &meta, &id, false).unwrap() {
                Plan::UpToDate(_) => "up to date",
                Plan::Resume(_) => "resume",
                Plan::Fresh { .. } => "fresh",
            };
            assert_eq!(got, want);
            assert!(matches!(
                plan(&csv, &meta, &id, true).unwrap(),
                Plan::Fresh { .. }
            ));
        }
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn the_comparison_lists_the_largest_change() {
        let row = |mse| ResultRow {
            figure: "f".into(),
            series: "s".into(),
            x_name: "d".into(),
            x: 2.0,
            mse,
            seed: 0,
            replicate: 0,
            backend: "flex-cpu".into(),
            wall_s: 0.0,
        };
        let t = compare_with_previous(&[row(1.0)], &[row(1.5)]);
        assert!(t.contains("largest relative change 5.00e-1"), "{t}");
        assert!(compare_with_previous(&[], &[row(1.0)]).is_empty());
    }
}
