//! `--merge`: the fragments of a sharded run (`<results>/<figure>.shards/<I>-of-<N>.csv`, one per
//! shard) become `<results>/<figure>.csv`, its metadata, summary and drawing, exactly as a
//! single run of the same profile, seed and replicates would write them.
//!
//! Nothing is merged unless every shard 0..N has a completed fragment of this run identity and
//! every point of the sweep is in exactly one fragment; each violation is an error naming the
//! fragments and points.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use super::figure_run::{FigureRun, RunFiles};
use super::resume::{self, Plan};
use super::runner::Prepared;
use super::shard::{fragments_dir, list_fragments, side_files_dir, Shard};
use super::sweep::{Figure, Task, TaskKind};
use crate::cli::FigureArgs;
use crate::results::{
    atomic_write, MetadataFile, ResultRow, ResultsError, ResultsFile, RunIdentity, RunLock,
    RunMetadata, ShardRun,
};

/// One shard's fragment as read from disk.
struct Fragment {
    shard: Shard,
    csv: PathBuf,
    rows: Vec<ResultRow>,
    runs: Vec<RunMetadata>,
}

/// Merges the fragments of figure `F` (see the module docs) and finishes like a single run:
/// writes the CSV and metadata (with every shard's runs: host, commit, wall time), the summary
/// and the drawing, and prints the comparison with the paper and with the CSV it replaces.
///
/// # Errors
/// No fragments; fragments of several shard counts; a missing, interrupted or foreign-identity
/// fragment; a point missing, duplicated or not in the sweep; a file a task writes (Figure 5's
/// scatter embedding) missing; and the errors of writing and drawing.
pub(super) fn merge_figure<F: Figure>(args: &FigureArgs, p: Prepared<F>) -> Result<()> {
    let dir = fragments_dir(&p.results_dir, F::NAME);
    let fragments = read_fragments(&dir, &p.identity)?;
    let count = fragments.len();
    let rows = collect_points::<F>(&p, &fragments)?;
    copy_side_files(&p.tasks, &side_files_dir(&p.results_dir, F::NAME))?;
    let shard_runs = shard_runs(F::NAME, &dir, &fragments);
    let total: f64 = shard_runs.iter().map(|r| r.total_wall_s).sum();
    let slowest = shard_runs
        .iter()
        .map(|r| r.total_wall_s)
        .fold(0.0, f64::max);
    let Prepared {
        results_dir,
        profile,
        identity,
        replicates,
        ctx,
        ..
    } = p;
    let files = RunFiles::new(&results_dir, F::NAME, None);
    // As a single run would: the figure's CSV of the same run identity keeps its other points
    // (other replicates), one of another identity is replaced.
    let plan = match resume::plan(&files.csv, &files.meta, &identity, false)? {
        Plan::Fresh { reason, previous } => Plan::Fresh {
            reason: format!("{reason}; merging the {count} shards of {}", dir.display()),
            previous,
        },
        same_identity => same_identity,
    };
    let mut run = FigureRun::start(F::NAME, F::X_NAME, args, identity, plan, &replicates, files)?;
    run.adopt_shards(&rows, shard_runs)?;
    run.note(format!(
        "merged {count} shards ({} points); shard wall times: {total:.1} s in all, slowest \
         {slowest:.1} s",
        rows.len()
    ));
    let setup = if F::DRAW_NEEDS_SETUP {
        Some(profile.setup(&ctx)?.0)
    } else {
        None
    };
    run.finish(F::HAS_PAPER_NUMBERS, |rows, out| {
        profile.draw(setup.as_ref(), rows, out)
    })
}

/// Every run of every shard, printed as a table (and a warning when the shards ran different
/// commits).
fn shard_runs(figure: &str, dir: &Path, fragments: &[Fragment]) -> Vec<ShardRun> {
    println!(
        "{figure}: the {} shards of {}:\n  {:<8} {:<20} {:>10} {:>7}  commit",
        fragments.len(),
        dir.display(),
        "shard",
        "host",
        "wall_s",
        "points"
    );
    let mut runs = Vec::new();
    for f in fragments {
        for run in &f.runs {
            let r = ShardRun::of(&f.shard.to_string(), run);
            println!(
                "  {:<8} {:<20} {:>10.1} {:>7}  {}{}",
                r.shard,
                r.hostname,
                r.total_wall_s,
                r.points_computed,
                r.git_commit,
                if r.completed { "" } else { " (interrupted)" }
            );
            runs.push(r);
        }
    }
    let mut commits: Vec<&str> = runs.iter().map(|r| r.git_commit.as_str()).collect();
    commits.sort_unstable();
    commits.dedup();
    if commits.len() > 1 {
        eprintln!(
            "warning: the shards ran {} commits ({}); they share one run identity, so their \
             numerics are the same, but the record keeps each",
            commits.len(),
            commits.join(", ")
        );
    }
    runs
}

/// Copies the side files the tasks write (Figure 5's embeddings), which the shards write into
/// `dir` ([`side_files_dir`]), to where the figure reads them.
///
/// # Errors
/// A side file missing in `dir` (its shard did not write it), or the copy failing.
fn copy_side_files<K>(tasks: &[Task<K>], dir: &Path) -> Result<()> {
    for task in tasks {
        for file in &task.files {
            let name = file.file_name().context("a side file without a name")?;
            let from = dir.join(name);
            if !from.is_file() {
                bail!(
                    "{} is missing: the shard that computed {} writes it; rerun that shard",
                    from.display(),
                    task.label
                );
            }
            let bytes = fs::read(&from).with_context(|| format!("reading {}", from.display()))?;
            atomic_write(file, &bytes)?;
        }
    }
    Ok(())
}

/// Reads every fragment in `dir`: all of one shard count N, every shard 0..N present, each
/// completed with `identity`. Returned in shard order.
fn read_fragments(dir: &Path, identity: &RunIdentity) -> Result<Vec<Fragment>> {
    let found = list_fragments(dir)?;
    if found.is_empty() {
        bail!(
            "no fragments to merge in {} (run the shards first, with --shard I/N)",
            dir.display()
        );
    }
    let mut counts: Vec<usize> = found.iter().map(|(s, _)| s.count).collect();
    counts.dedup();
    if counts.len() > 1 {
        bail!(
            "{} holds fragments of {} shard counts ({}); a sweep is merged from one split: remove \
             the fragments of the other runs",
            dir.display(),
            counts.len(),
            counts
                .iter()
                .map(|n| format!("N = {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let count = counts[0];
    let missing: Vec<String> = (0..count)
        .filter(|i| !found.iter().any(|(s, _)| s.index == *i))
        .map(|i| format!("{i}/{count}"))
        .collect();
    if !missing.is_empty() {
        bail!(
            "shards {} have no fragment in {}: run them (--shard I/{count}; in Slurm, resubmit \
             those array indices) and merge again",
            missing.join(", "),
            dir.display()
        );
    }
    found
        .into_iter()
        .map(|(shard, csv)| read_fragment(shard, csv, identity))
        .collect()
}

/// Reads one fragment and checks that its last run completed with `identity`.
fn read_fragment(shard: Shard, csv: PathBuf, identity: &RunIdentity) -> Result<Fragment> {
    let meta = csv.with_extension("meta.toml");
    let runs = MetadataFile::open(&meta)?.runs().to_vec();
    let Some(last) = runs.last() else {
        bail!(
            "fragment {} has no run record ({} is missing or empty): rerun shard {shard}",
            csv.display(),
            meta.display()
        );
    };
    match &last.identity {
        Some(id) if id == identity => {}
        Some(id) => bail!(
            "fragment {} was computed with another run identity than this merge: {}; merge with \
             the profile, --seed and --backend the shards ran with, or rerun shard {shard}",
            csv.display(),
            identity.differences(id).join(", ")
        ),
        None => bail!("fragment {} records no run identity", csv.display()),
    }
    if !last.completed {
        let stem = shard.stem();
        let dir = csv.parent().unwrap_or(Path::new("."));
        if let Err(ResultsError::LockHeld { pid, host, .. }) = RunLock::acquire(dir, &stem) {
            bail!(
                "shard {shard} is still running ({}{}); merge when it has finished",
                pid.map_or("pid unknown".to_string(), |p| format!("pid {p}")),
                host.map(|h| format!(" on {h}")).unwrap_or_default()
            );
        }
        bail!(
            "shard {shard} did not finish: its last run (started {} on {}) was interrupted; rerun \
             it (--shard {shard}; it resumes from {}) and merge again",
            last.started_at,
            last.machine.hostname,
            csv.display()
        );
    }
    let rows = ResultsFile::open(&csv)
        .with_context(|| format!("reading fragment {}", csv.display()))?
        .rows()
        .to_vec();
    Ok(Fragment {
        shard,
        csv,
        rows,
        runs,
    })
}

/// Every point of the sweep, each from exactly one fragment; deterministic tasks' rows first,
/// then the trained ones, each in sweep order.
fn collect_points<F: Figure>(p: &Prepared<F>, fragments: &[Fragment]) -> Result<Vec<ResultRow>> {
    type Key = (String, u64, u32);
    let key = |series: &str, x: f64, replicate: u32| (series.to_string(), x.to_bits(), replicate);
    let mut by_key: HashMap<Key, (&ResultRow, &Fragment)> = HashMap::new();
    for f in fragments {
        for row in &f.rows {
            if row.figure != F::NAME || row.backend != p.identity.backend {
                bail!(
                    "{}: a row of figure `{}` on backend `{}` ({} at x = {}), expected `{}` on \
                     `{}`: the fragment was edited or mixed up",
                    f.csv.display(),
                    row.figure,
                    row.backend,
                    row.series,
                    row.x,
                    F::NAME,
                    p.identity.backend
                );
            }
            let k = key(&row.series, row.x, row.replicate);
            if let Some((_, other)) = by_key.insert(k, (row, f)) {
                bail!(
                    "point {} at {} = {} (replicate {}) is in two fragments, {} and {}: the \
                     fragments come from different splits of the sweep; rerun the shards",
                    row.series,
                    row.x_name,
                    row.x,
                    row.replicate,
                    other.csv.display(),
                    f.csv.display()
                );
            }
        }
    }
    let (deterministic, trained): (Vec<_>, Vec<_>) = p
        .tasks
        .iter()
        .partition(|t| t.kind == TaskKind::Deterministic);
    let mut rows = Vec::with_capacity(by_key.len());
    let mut missing = Vec::new();
    for task in deterministic.into_iter().chain(trained) {
        for (series, x) in &task.points {
            let name = series.to_string();
            match by_key.remove(&key(&name, *x, task.replicate)) {
                Some((row, _)) => rows.push(row.clone()),
                None => missing.push(format!("{name} at x = {x} (replicate {})", task.replicate)),
            }
        }
    }
    if !missing.is_empty() {
        bail!(
            "{} point(s) of the sweep are in no fragment: {}{}; merge with the --replicates the \
             shards ran with, or rerun the shards",
            missing.len(),
            missing[..missing.len().min(5)].join(", "),
            if missing.len() > 5 { ", ..." } else { "" }
        );
    }
    if let Some(((series, bits, replicate), (_, f))) = by_key.iter().next() {
        bail!(
            "{} point(s) of the fragments are not in this sweep, e.g. {series} at x = {} \
             (replicate {replicate}) in {}: merge with the profile and --replicates the shards \
             ran with",
            by_key.len(),
            f64::from_bits(*bits),
            f.csv.display()
        );
    }
    Ok(rows)
}
