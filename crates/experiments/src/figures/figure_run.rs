//! [`FigureRun`]: the state of one figure run (or one shard's run, or a merge) between its
//! start and its end: where it writes ([`RunFiles`]), its lock, results CSV, metadata record,
//! progress bars and notes.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Instant;

use anyhow::{Context, Result};
use indicatif::MultiProgress;

use super::printout::{print_results, replicate_tag};
use super::replicates::{ids_text, task_done};
use super::resume::{self, Plan};
use super::runner::train_with_bar;
use super::shard::{fragments_dir, Shard};
use super::sweep::{Computed, Outputs, Task};
use crate::cli::FigureArgs;
use crate::reference;
use crate::results::{
    summary_path, write_summary, MetadataFile, ResultRow, ResultsFile, RunIdentity, RunLock,
    RunMetadata,
};

/// Where a run writes: the whole figure's `<results>/<figure>.csv` and `.meta.toml`, or one
/// shard's fragment `<results>/<figure>.shards/<I>-of-<N>.csv` and `.meta.toml`; the lock is
/// the CSV's name with `.lock` beside it (shards never share a file).
#[derive(Debug, Clone)]
pub struct RunFiles {
    /// The results CSV.
    pub csv: PathBuf,
    /// The run records.
    pub meta: PathBuf,
    /// The shard, for a fragment.
    pub shard: Option<Shard>,
}

impl RunFiles {
    /// Takes the run's lock: `<csv stem>.lock` in the CSV's directory.
    ///
    /// # Errors
    /// See [`RunLock::acquire`].
    fn lock(&self) -> Result<RunLock> {
        let dir = self.csv.parent().unwrap_or(std::path::Path::new("."));
        let name = self.csv.file_stem().unwrap_or_default().to_string_lossy();
        Ok(RunLock::acquire(dir, &name)?)
    }

    /// The files of `figure` in `results_dir`: the whole figure's, or `shard`'s fragment.
    pub fn new(results_dir: &std::path::Path, figure: &str, shard: Option<Shard>) -> Self {
        match shard {
            None => Self {
                csv: results_dir.join(format!("{figure}.csv")),
                meta: results_dir.join(format!("{figure}.meta.toml")),
                shard: None,
            },
            Some(s) => {
                let dir = fragments_dir(results_dir, figure);
                Self {
                    csv: dir.join(format!("{}.csv", s.stem())),
                    meta: dir.join(format!("{}.meta.toml", s.stem())),
                    shard: Some(s),
                }
            }
        }
    }
}

/// The state of one figure run: output locations, lock, results CSV, progress bars, notes.
pub(super) struct FigureRun {
    figure: &'static str,
    x_name: &'static str,
    args: FigureArgs,
    results: ResultsFile,
    files: RunFiles,
    /// The run's record, written when it starts (`completed = false`) and updated at the end.
    meta: MetadataFile,
    /// The rows of the CSV a fresh run replaces, to compare with at the end.
    previous: Vec<ResultRow>,
    _lock: RunLock,
    started: Instant,
    points_computed: usize,
    notes: Vec<String>,
    bars: MultiProgress,
    /// Whether the rows came from shards (a merge) rather than from this run's own computation.
    merged: bool,
}

impl FigureRun {
    /// Prepares the output directories (failing before any training when they are not
    /// writable), takes the run lock, opens the results CSV (fresh unless the plan resumes) and
    /// records the run as begun in the metadata file. Prints what the plan is on the first line.
    pub(super) fn start(
        figure: &'static str,
        x_name: &'static str,
        args: &FigureArgs,
        identity: RunIdentity,
        plan: Plan,
        replicates: &[u32],
        files: RunFiles,
    ) -> Result<Self> {
        if files.shard.is_none() {
            let figures_dir = args.figures_dir();
            std::fs::create_dir_all(&figures_dir).with_context(|| {
                format!("cannot create figures directory {}", figures_dir.display())
            })?;
        }
        let lock = files.lock()?;
        let what = match files.shard {
            Some(s) => format!("{figure} shard {s}"),
            None => figure.to_string(),
        };
        let csv_path = &files.csv;
        let (results, previous) = match plan {
            Plan::Resume(last) => {
                println!(
                    "{what}: resuming the interrupted run started {} (same run identity)",
                    last.started_at
                );
                (ResultsFile::open(csv_path), Vec::new())
            }
            Plan::Fresh { reason, previous } => {
                println!("{what}: {reason}");
                (ResultsFile::create_fresh(csv_path), previous)
            }
            Plan::UpToDate(last) => {
                println!(
                    "{what}: computing what the completed run started {} lacks for replicates \
                     {} (same run identity)",
                    last.started_at,
                    ids_text(replicates)
                );
                (ResultsFile::open(csv_path), Vec::new())
            }
        };
        let results = results.with_context(|| format!("opening results {}", csv_path.display()))?;
        if files.shard.is_some() && !csv_path.exists() {
            // A shard's fragment exists from its start, so that one without points (more shards
            // than tasks) still counts as present at the merge.
            results
                .save()
                .with_context(|| format!("writing {}", csv_path.display()))?;
        }
        let mut meta = MetadataFile::open(&files.meta)?;
        let seed = identity.seed.parse().unwrap_or_default();
        let mut record = RunMetadata::collect(figure, &args.profile, seed, args.backend.name());
        record.device = args.backend.device_description();
        record.identity = Some(identity);
        record.replicates = replicates.to_vec();
        record.shard = files.shard.map(|s| s.to_string());
        meta.begin_run(record)?;
        Ok(Self {
            figure,
            x_name,
            args: args.clone(),
            results,
            files,
            meta,
            previous,
            _lock: lock,
            started: Instant::now(),
            points_computed: 0,
            notes: Vec::new(),
            bars: MultiProgress::new(),
            merged: false,
        })
    }

    /// Whether every point of `task` is in the CSV and every file it writes exists.
    pub(super) fn is_done<K>(&self, task: &Task<K>) -> bool {
        task_done(&self.results, task)
    }

    /// Writes the rows of a finished task (its seed, the backend and the seconds since `t0`) to
    /// the CSV atomically.
    pub(super) fn save_task<K>(
        &mut self,
        task: &Task<K>,
        out: Computed,
        t0: Instant,
    ) -> Result<()> {
        let mses = &out.mses;
        anyhow::ensure!(
            mses.len() == task.points.len(),
            "{} returned {} MSEs for {} points",
            task.label,
            mses.len(),
            task.points.len()
        );
        let wall_s = t0.elapsed().as_secs_f64();
        let rows: Vec<ResultRow> = task
            .points
            .iter()
            .zip(mses)
            .map(|((series, x), &mse)| ResultRow {
                figure: self.figure.to_string(),
                series: series.to_string(),
                x_name: self.x_name.to_string(),
                x: *x,
                mse,
                seed: task.seed(),
                replicate: task.replicate,
                backend: self.args.backend.name().to_string(),
                wall_s,
            })
            .collect();
        self.results
            .push_and_save(&rows)
            .with_context(|| format!("writing {}", self.files.csv.display()))?;
        self.points_computed += rows.len();
        // The record follows every saved task, so that a killed run's says how far it got.
        let (points, wall_s) = (self.points_computed, self.started.elapsed().as_secs_f64());
        self.meta.update_current(|r| {
            r.points_computed = points;
            r.total_wall_s = wall_s;
        })?;
        for n in out.notes {
            self.note(n);
        }
        for r in &rows {
            self.say(format!(
                "  {:<28} {:>6} {:>12.6e}  ({:.1} s){}",
                r.series,
                r.x,
                r.mse,
                r.wall_s,
                replicate_tag(r.replicate)
            ));
        }
        Ok(())
    }

    /// Prints a note and keeps it for the metadata file.
    pub(super) fn note(&mut self, msg: String) {
        self.say(format!("  {msg}"));
        self.notes.push(msg);
    }

    /// Prints a line above the progress bars; plain stdout when they are hidden (not a
    /// terminal, e.g. CI logs or `nohup`), where indicatif would drop it.
    fn say(&self, line: String) {
        if self.bars.is_hidden() {
            println!("{line}");
        } else {
            self.bars.println(line).ok();
        }
    }

    /// Trains independent tasks, `jobs` at a time, and hands each outcome to `finished` (on this
    /// thread, in completion order) as soon as it is ready, so that an interrupted run keeps every
    /// finished point.
    ///
    /// With `jobs <= 1` the tasks run one after the other on the global rayon pool (all cores
    /// inside each); with `jobs > 1` each of `jobs` worker threads trains its tasks in its own
    /// rayon pool of `max(1, threads / jobs)` threads. Burn's flex backend gives bit-identical
    /// results whatever the thread count, so `jobs` changes the wall time only.
    ///
    /// # Errors
    /// The first error of `train` (with the task's label; a panic counts as an error) or
    /// `finished`; workers then take no new tasks, the tasks in flight finish before this
    /// returns, and their errors are printed.
    pub(super) fn train_tasks<K: Sync, T: Send>(
        &mut self,
        jobs: usize,
        tasks: &[&Task<K>],
        train: impl Fn(&Task<K>, &mut dyn FnMut(simec::EpochReport)) -> Result<T> + Sync,
        mut finished: impl FnMut(&mut Self, &Task<K>, T) -> Result<()>,
    ) -> Result<()> {
        if jobs <= 1 || tasks.len() <= 1 {
            for task in tasks {
                let out = train_with_bar(&self.bars, task, |cb| train(task, cb))?;
                finished(self, task, out)?;
            }
            return Ok(());
        }
        let threads_each = (rayon::current_num_threads() / jobs).max(1);
        let next = AtomicUsize::new(0);
        let stop = AtomicBool::new(false);
        let bars = self.bars.clone();
        let (tx, rx) = mpsc::channel::<(usize, Result<T>)>();
        std::thread::scope(|scope| -> Result<()> {
            for _ in 0..jobs.min(tasks.len()) {
                let tx = tx.clone();
                let (next, stop, bars, train) = (&next, &stop, &bars, &train);
                scope.spawn(move || {
                    let pool = match rayon::ThreadPoolBuilder::new()
                        .num_threads(threads_each)
                        .build()
                    {
                        Ok(pool) => pool,
                        Err(e) => {
                            let _ = tx.send((usize::MAX, Err(e.into())));
                            return;
                        }
                    };
                    while !stop.load(Ordering::SeqCst) {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        let Some(task) = tasks.get(i) else {
                            break;
                        };
                        // A panic becomes this task's error, so that the others stop early.
                        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            pool.install(|| train_with_bar(bars, task, |cb| train(task, cb)))
                        }))
                        .unwrap_or_else(|_| {
                            Err(anyhow::anyhow!("training {} panicked", task.label))
                        });
                        if tx.send((i, out)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(tx);
            let mut first_error: Option<anyhow::Error> = None;
            for (i, out) in rx {
                let handled = match tasks.get(i) {
                    Some(task) => out.and_then(|t| finished(self, task, t)),
                    None => out.map(|_| ()), // a worker that could not start (no task taken)
                };
                if let Err(e) = handled {
                    stop.store(true, Ordering::SeqCst);
                    if first_error.is_some() {
                        self.say(format!("  also failed: {e:#}"));
                    } else {
                        first_error = Some(e);
                    }
                }
            }
            first_error.map_or(Ok(()), Err)
        })
    }

    /// Marks the run's record completed, draws the figure from the CSV with `draw(rows, out)`
    /// into `<figures-dir>/<figure>.{svg,png}`, and prints the comparison with the paper's numbers
    /// (paper profile, figures the paper prints numbers for) or the rows, and with the results
    /// this run replaced.
    pub(super) fn finish(
        mut self,
        has_paper_numbers: bool,
        draw: impl FnOnce(&[ResultRow], &Outputs) -> Result<()>,
    ) -> Result<()> {
        if let Some(shard) = self.files.shard {
            return self.finish_shard(shard);
        }
        let figures_dir = self.args.figures_dir();
        let rows = self.results.rows().to_vec();
        let paper = if self.args.profile == "paper" && has_paper_numbers {
            reference::load_reference(&reference::default_reference_path())?
                .into_iter()
                .filter(|r| r.figure == self.figure)
                .collect()
        } else {
            Vec::new()
        };
        let out = Outputs {
            svg: figures_dir.join(format!("{}.svg", self.figure)),
            png: figures_dir.join(format!("{}.png", self.figure)),
            paper,
        };
        draw(&rows, &out).with_context(|| format!("drawing {}", out.svg.display()))?;
        let summary = summary_path(&self.args.results_dir(), self.figure);
        write_summary(&summary, &rows).with_context(|| format!("writing {}", summary.display()))?;
        self.mark_completed()?;
        print_results(self.figure, &self.args.profile, has_paper_numbers, &rows)?;
        print!("{}", resume::compare_with_previous(&self.previous, &rows));
        println!(
            "wrote {} ({} rows), {}, {}; {} points {} in {:.1} s",
            self.files.csv.display(),
            rows.len(),
            out.svg.display(),
            out.png.display(),
            self.points_computed,
            if self.merged {
                "merged from the shards"
            } else {
                "computed"
            },
            self.started.elapsed().as_secs_f64()
        );
        Ok(())
    }

    /// Marks a shard's record completed and says how to merge; the figure's CSV, metadata,
    /// summary and drawing are the merge's.
    fn finish_shard(mut self, shard: Shard) -> Result<()> {
        self.mark_completed()?;
        println!(
            "{} shard {shard}: wrote {} ({} rows); {} points computed in {:.1} s. When all {} \
             shards are done: `just merge {} {}` with the options the shards ran with (or the \
             binary with --merge)",
            self.figure,
            self.files.csv.display(),
            self.results.rows().len(),
            self.points_computed,
            self.started.elapsed().as_secs_f64(),
            shard.count,
            self.figure,
            self.args.profile,
        );
        Ok(())
    }

    /// Records the run as completed with its wall time, points and notes.
    fn mark_completed(&mut self) -> Result<()> {
        let (wall_s, points, notes) = (
            self.started.elapsed().as_secs_f64(),
            self.points_computed,
            self.notes.clone(),
        );
        self.meta.update_current(|r| {
            r.total_wall_s = wall_s;
            r.points_computed = points;
            r.completed = true;
            r.notes = notes;
        })?;
        Ok(())
    }

    /// Takes the rows the shards computed (a merge): saves them as this run's CSV and records
    /// each shard's runs in the metadata.
    pub(super) fn adopt_shards(
        &mut self,
        rows: &[ResultRow],
        shards: Vec<crate::results::ShardRun>,
    ) -> Result<()> {
        self.results
            .push_and_save(rows)
            .with_context(|| format!("writing {}", self.files.csv.display()))?;
        self.points_computed = rows.len();
        self.merged = true;
        self.meta.update_current(|r| r.shards = shards)?;
        Ok(())
    }
}
