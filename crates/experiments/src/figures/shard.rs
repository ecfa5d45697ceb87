//! Splitting a sweep into `N` independent shards (`--shard I/N`), for array jobs of a cluster
//! scheduler (Slurm's `SLURM_ARRAY_TASK_ID`, Kubernetes Indexed Jobs' `JOB_COMPLETION_INDEX`).
//!
//! The partition is a pure function of the sweep: the task list (every point of every replicate,
//! in the runner's fixed order) and each task's static cost ([`super::sweep::Figure::task_cost`]),
//! never measured times, so every task of an array computes the same partition and a resubmitted
//! shard computes exactly the points it computed before.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use super::sweep::{Figure, Task};

/// Shard `index` of `count` (`--shard I/N`, `0 <= I < N`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which shard, from 0 (the array task id).
    pub index: usize,
    /// How many shards the sweep is split into (always given explicitly: never derived from
    /// the size of the array, so that a resubmitted single task keeps its partition).
    pub count: usize,
}

impl FromStr for Shard {
    type Err = String;

    /// Parses `I/N`.
    fn from_str(s: &str) -> Result<Self, String> {
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| format!("`{s}` is not I/N (e.g. 3/8: shard 3 of 8, counted from 0)"))?;
        let index: usize = i
            .trim()
            .parse()
            .map_err(|_| format!("shard index `{i}` in `{s}` is not a non-negative integer"))?;
        let count: usize = n
            .trim()
            .parse()
            .map_err(|_| format!("shard count `{n}` in `{s}` is not a positive integer"))?;
        if count == 0 {
            return Err(format!("shard count in `{s}` is 0; it must be at least 1"));
        }
        if index >= count {
            return Err(format!(
                "shard index {index} in `{s}` is out of range: shards are 0 to {} (array task \
                 ids start at 0)",
                count - 1
            ));
        }
        Ok(Self { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// The fragment's file stem, `<I>-of-<N>`.
    pub fn stem(&self) -> String {
        format!("{}-of-{}", self.index, self.count)
    }

    /// Parses a fragment stem `<I>-of-<N>` back (None for any other name).
    pub fn from_stem(stem: &str) -> Option<Self> {
        Self::parse_stem(stem).ok()
    }

    /// Parses a fragment stem `<I>-of-<N>`, saying why another name is not one.
    fn parse_stem(stem: &str) -> Result<Self, String> {
        let (i, n) = stem
            .split_once("-of-")
            .ok_or_else(|| "names are <I>-of-<N>.csv".to_string())?;
        format!("{i}/{n}").parse()
    }
}

/// The directory holding the fragments of `figure`: `<results_dir>/<figure>.shards`.
pub fn fragments_dir(results_dir: &Path, figure: &str) -> PathBuf {
    results_dir.join(format!("{figure}.shards"))
}

/// The fragments in `dir` (`<I>-of-<N>.csv`), sorted by (N, I).
///
/// # Errors
/// An unreadable directory, or a `.csv` file that is not named as a fragment (named, with why).
pub fn list_fragments(dir: &Path) -> anyhow::Result<Vec<(Shard, PathBuf)>> {
    use anyhow::Context;
    let mut found = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(found),
        Err(e) => return Err(e).with_context(|| format!("listing {}", dir.display())),
    };
    for entry in entries {
        let path = entry
            .with_context(|| format!("listing {}", dir.display()))?
            .path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let Some(stem) = name.as_deref().and_then(|n| n.strip_suffix(".csv")) else {
            continue;
        };
        let shard = Shard::parse_stem(stem).map_err(|e| {
            anyhow::anyhow!(
                "{} is not a fragment ({e}); move it out of {}",
                path.display(),
                dir.display()
            )
        })?;
        found.push((shard, path));
    }
    found.sort_by_key(|(s, _)| (s.count, s.index));
    Ok(found)
}

/// Checks, before a shard computes anything, that `dir` holds no fragments of another shard
/// count (they would only fail the merge after all the compute), and warns when there are more
/// shards than tasks (`n_tasks`): those shards are empty.
///
/// # Errors
/// Fragments of another count, named.
pub fn check_split(dir: &Path, shard: Shard, n_tasks: usize) -> anyhow::Result<()> {
    let other: Vec<String> = list_fragments(dir)?
        .into_iter()
        .filter(|(s, _)| s.count != shard.count)
        .map(|(_, p)| p.display().to_string())
        .collect();
    if !other.is_empty() {
        anyhow::bail!(
            "{} holds fragments of another split than N = {} ({}): a sweep is merged from one \
             split; finish that run with its N, or delete them",
            dir.display(),
            shard.count,
            other.join(", ")
        );
    }
    if shard.count > n_tasks {
        eprintln!(
            "warning: the sweep has {n_tasks} tasks, so shards {n_tasks} to {} of {} are empty",
            shard.count - 1,
            shard.count
        );
    }
    Ok(())
}

/// Where the shards of `figure` write the side files of their tasks (Figure 5's embeddings):
/// `<results_dir>/<figure>.shards/side-files`; the merge copies them into `results_dir`.
pub fn side_files_dir(results_dir: &Path, figure: &str) -> PathBuf {
    fragments_dir(results_dir, figure).join("side-files")
}

/// The shard each task belongs to, for `count` shards: longest-processing-time-first over the
/// static `costs` (tasks in decreasing cost, ties in list order, each to the least-loaded shard,
/// ties to the lowest index). A pure function of `costs` and `count`.
///
/// # Panics
/// Never for `count >= 1`; `count == 0` gives every task shard 0 (callers parse [`Shard`], which
/// refuses 0).
pub fn assign(costs: &[f64], count: usize) -> Vec<usize> {
    // Shards beyond the number of tasks stay empty whatever the costs (each task goes to the
    // least-loaded shard, ties to the lowest index), so only that many need tracking: a huge N
    // costs nothing.
    let count = count.min(costs.len()).max(1);
    let mut order: Vec<usize> = (0..costs.len()).collect();
    // NaN or negative costs count as 0 so that the order stays total.
    let cost = |i: usize| {
        let c = costs[i];
        if c.is_finite() && c > 0.0 {
            c
        } else {
            0.0
        }
    };
    order.sort_by(|&a, &b| cost(b).total_cmp(&cost(a)).then(a.cmp(&b)));
    let mut load = vec![0.0f64; count];
    let mut owner = vec![0; costs.len()];
    for i in order {
        let least = (0..count)
            .min_by(|&a, &b| load[a].total_cmp(&load[b]).then(a.cmp(&b)))
            .unwrap_or(0);
        load[least] += cost(i);
        owner[i] = least;
    }
    owner
}

/// The items of `items` (with their `costs`) that belong to `shard`, in their original order.
pub fn select<T>(items: Vec<T>, costs: &[f64], shard: Shard) -> Vec<T> {
    let owner = assign(costs, shard.count);
    items
        .into_iter()
        .zip(owner)
        .filter(|(_, o)| *o == shard.index)
        .map(|(t, _)| t)
        .collect()
}

/// The tasks of a figure's whole sweep `tasks` that belong to `shard`, split by the figure's
/// static costs ([`Figure::task_cost`]), in sweep order.
pub fn shard_tasks<F: Figure>(
    profile: &F,
    tasks: Vec<Task<F::Key>>,
    shard: Shard,
) -> Vec<Task<F::Key>> {
    let costs: Vec<f64> = tasks.iter().map(|t| profile.task_cost(t)).collect();
    select(tasks, &costs, shard)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// For any N, the shards partition the tasks: every task in exactly one shard, each shard's
    /// tasks in list order; the partition depends on the costs alone.
    #[test]
    fn shards_partition_the_sweep_exactly() {
        let costs: Vec<f64> = (0..37)
            .map(|i| f64::from((i * 7919 % 13) as u32) + 0.5)
            .collect();
        for n in 1..=40 {
            let mut seen = vec![0; costs.len()];
            for i in 0..n {
                let mine = select(
                    (0..costs.len()).collect(),
                    &costs,
                    Shard { index: i, count: n },
                );
                assert!(mine.windows(2).all(|w| w[0] < w[1]), "order kept");
                for t in mine {
                    seen[t] += 1;
                }
            }
            assert!(seen.iter().all(|&c| c == 1), "N = {n}: {seen:?}");
            assert_eq!(assign(&costs, n), assign(&costs, n), "pure");
        }
    }

    /// Balance: the heaviest shard carries at most the mean load plus the largest task (the LPT
    /// bound), and shards are never empty while there are at least as many tasks as shards.
    #[test]
    fn shards_are_balanced_by_cost() {
        let costs: Vec<f64> = (1..=20).map(f64::from).collect();
        for n in 1..=20 {
            let owner = assign(&costs, n);
            let mut load = vec![0.0; n];
            for (t, &o) in owner.iter().enumerate() {
                load[o] += costs[t];
            }
            let mean = costs.iter().sum::<f64>() / n as f64;
            let max = load.iter().copied().fold(0.0, f64::max);
            assert!(max <= mean + 20.0, "N = {n}: {load:?}");
            assert!(load.iter().all(|&l| l > 0.0), "N = {n}: {load:?}");
        }
        // A huge shard count gives the same split as one shard per task, at once.
        let costs: Vec<f64> = (1..=5).map(f64::from).collect();
        assert_eq!(assign(&costs, usize::MAX), assign(&costs, 5));
        assert_eq!(assign(&costs, 1_000_000_000), assign(&costs, 7));
        // NaN and negative costs do not break the order.
        let owner = assign(&[f64::NAN, -1.0, 2.0], 2);
        assert_eq!(owner.len(), 3);
    }

    #[test]
    fn shard_specs_parse_with_clear_errors() {
        assert_eq!("3/8".parse::<Shard>(), Ok(Shard { index: 3, count: 8 }));
        assert_eq!("0/1".parse::<Shard>(), Ok(Shard { index: 0, count: 1 }));
        for (bad, says) in [
            ("8/8", "out of range"),
            ("1/0", "is 0"),
            ("3", "not I/N"),
            ("-1/4", "non-negative"),
            ("a/4", "non-negative"),
            ("1/x", "positive"),
        ] {
            let e = bad.parse::<Shard>().unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
        let s = Shard { index: 2, count: 5 };
        assert_eq!(s.stem(), "2-of-5");
        assert_eq!(Shard::from_stem("2-of-5"), Some(s));
        assert_eq!(Shard::from_stem("5-of-5"), None);
        assert_eq!(Shard::from_stem("fig3"), None);
    }
}
