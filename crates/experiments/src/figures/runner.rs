//! The one runner every figure goes through ([`run_figure`]): profile check before any side
//! effect, lock, resume, the shared setup only when something is left to compute, deterministic
//! tasks on all cores, trained tasks `--jobs` at a time, saving each finished task at once,
//! metadata, the drawing and the comparison with the paper.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use super::printout::{print_results, replicate_tag};
use super::replicates::{ids_text, replicate_tasks, task_done};
use super::resume::{self, Plan};
use super::sweep::{Computed, Figure, Outputs, RunContext, Step, Task, TaskKind};
use crate::cli::FigureArgs;
use crate::reference;
use crate::results::{
    summary_path, write_summary, MetadataFile, ResultRow, ResultsFile, RunIdentity, RunLock,
    RunMetadata,
};

/// Parses the command line of a figure binary, runs the figure and turns an error into exit
/// status 1 with the error chain on stderr.
pub fn main<F: Figure>() -> std::process::ExitCode {
    use clap::{Args, FromArgMatches};
    let command = FigureArgs::augment_args(
        clap::Command::new(F::NAME)
            .about(F::ABOUT)
            .version(env!("CARGO_PKG_VERSION")),
    );
    let args = match FigureArgs::from_arg_matches(&command.get_matches()) {
        Ok(args) => args,
        Err(e) => e.exit(),
    };
    match run_figure::<F>(&args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Runs figure `F` end to end (see the module docs); resumes from the points already in
/// `<results-dir>/<figure>.csv` unless `--force`.
///
/// # Errors
/// A backend that is not compiled in or does not start, an unknown profile or config key, an
/// impossible profile value, an unwritable results directory, a concurrent run, missing or corrupt
/// data, and the errors of the figure's tasks (naming the task).
pub fn run_figure<F: Figure>(args: &FigureArgs) -> Result<()> {
    crate::results::init_repo_root(args.root.as_deref())?;
    let device = args.backend.try_device()?;
    let config_path = args
        .config
        .clone()
        .unwrap_or_else(|| crate::config::default_config_path(F::NAME));
    let (profile, resolved): (F, toml::Table) =
        crate::config::load_profile_resolved(&config_path, &args.profile)?;
    profile
        .check()
        .with_context(|| format!("invalid profile `{}` of {}", args.profile, F::NAME))?;
    let seed = args.seed.unwrap_or_else(|| profile.base_seed());
    let replicates = args.replicate_ids()?;
    let identity = RunIdentity::new(&resolved, F::NUMERICS_REVISION, args.backend.name(), seed);
    let ctx = RunContext {
        data_dir: args.data_dir.clone(),
        results_dir: args.results_dir(),
        device,
    };
    let csv_path = ctx.results_dir.join(format!("{}.csv", F::NAME));
    let meta_path = ctx.results_dir.join(format!("{}.meta.toml", F::NAME));
    let plan = resume::plan(&csv_path, &meta_path, &identity, args.force)?;
    let tasks = replicate_tasks(&profile, seed, &replicates, &ctx)?;
    if let Plan::UpToDate(last) = &plan {
        let file = ResultsFile::open(&csv_path)?;
        if tasks.iter().all(|t| task_done(&file, t)) {
            println!(
                "{}: {} is up to date (run identity {}, replicates {}, completed by the run \
                 started {} at commit {}); nothing to compute (--force recomputes)",
                F::NAME,
                csv_path.display(),
                identity.config_hash,
                ids_text(&replicates),
                last.started_at,
                last.git_commit
            );
            print_results(F::NAME, &args.profile, F::HAS_PAPER_NUMBERS, file.rows())?;
            return Ok(());
        }
    }
    let mut run = FigureRun::start(F::NAME, F::X_NAME, args, identity, plan, &replicates)?;
    let setup = compute_pending(&profile, &tasks, &ctx, &mut run, args.sweep_jobs())?;
    run.finish(F::HAS_PAPER_NUMBERS, |rows, out| {
        profile.draw(setup.as_ref(), rows, out)
    })
}

/// Computes every task of `tasks` not yet in the run's CSV: builds the setup (also when drawing
/// needs it), runs the deterministic tasks one at a time, then the trained ones `jobs` at a time,
/// saving each as it finishes. Returns the setup if it was built.
fn compute_pending<F: Figure>(
    profile: &F,
    tasks: &[Task<F::Key>],
    ctx: &RunContext,
    run: &mut FigureRun,
    jobs: usize,
) -> Result<Option<F::Setup>> {
    let pending: Vec<&Task<F::Key>> = tasks.iter().filter(|t| !run.is_done(t)).collect();
    if pending.is_empty() && !F::DRAW_NEEDS_SETUP {
        return Ok(None);
    }
    let t0 = Instant::now();
    let (setup, notes) = profile.setup(ctx)?;
    for n in notes {
        run.note(n);
    }
    run.note(format!("setup took {:.1} s", t0.elapsed().as_secs_f64()));
    let (deterministic, trained): (Vec<_>, Vec<_>) = pending
        .into_iter()
        .partition(|t| t.kind == TaskKind::Deterministic);
    for task in deterministic {
        let t0 = Instant::now();
        let step = Step {
            setup: &setup,
            ctx,
            progress: &mut |_| {},
        };
        let mses = profile
            .compute(task, step)
            .with_context(|| format!("computing {}", task.label))?;
        run.save_task(task, mses, t0)?;
    }
    if trained.len() > 1 && jobs > 1 {
        run.note(format!("{} SimEc points, {jobs} at a time", trained.len()));
    }
    run.train_tasks(
        jobs,
        &trained,
        |task, progress| {
            let t0 = Instant::now();
            let step = Step {
                setup: &setup,
                ctx,
                progress,
            };
            Ok((profile.compute(task, step)?, t0))
        },
        |run, task, (mses, t0)| run.save_task(task, mses, t0),
    )?;
    Ok(Some(setup))
}

/// The state of one figure run: output locations, lock, results CSV, progress bars, notes.
struct FigureRun {
    figure: &'static str,
    x_name: &'static str,
    args: FigureArgs,
    results: ResultsFile,
    csv_path: PathBuf,
    /// The run's record, written when it starts (`completed = false`) and updated at the end.
    meta: MetadataFile,
    /// The rows of the CSV a fresh run replaces, to compare with at the end.
    previous: Vec<ResultRow>,
    _lock: RunLock,
    started: Instant,
    points_computed: usize,
    notes: Vec<String>,
    bars: MultiProgress,
}

impl FigureRun {
    /// Prepares the output directories (failing before any training when they are not
    /// writable), takes the run lock, opens the results CSV (fresh unless the plan resumes) and
    /// records the run as begun in the metadata file. Prints what the plan is on the first line.
    fn start(
        figure: &'static str,
        x_name: &'static str,
        args: &FigureArgs,
        identity: RunIdentity,
        plan: Plan,
        replicates: &[u32],
    ) -> Result<Self> {
        let results_dir = args.results_dir();
        let figures_dir = args.figures_dir();
        std::fs::create_dir_all(&figures_dir).with_context(|| {
            format!("cannot create figures directory {}", figures_dir.display())
        })?;
        let csv_path = results_dir.join(format!("{figure}.csv"));
        let lock = RunLock::acquire(&results_dir, figure)?;
        let (results, previous) = match plan {
            Plan::Resume(last) => {
                println!(
                    "{figure}: resuming the interrupted run started {} (same run identity)",
                    last.started_at
                );
                (ResultsFile::open(&csv_path), Vec::new())
            }
            Plan::Fresh { reason, previous } => {
                println!("{figure}: {reason}");
                (ResultsFile::create_fresh(&csv_path), previous)
            }
            Plan::UpToDate(last) => {
                println!(
                    "{figure}: computing what the completed run started {} lacks for replicates \
                     {} (same run identity)",
                    last.started_at,
                    ids_text(replicates)
                );
                (ResultsFile::open(&csv_path), Vec::new())
            }
        };
        let results = results.with_context(|| format!("opening results {}", csv_path.display()))?;
        let mut meta = MetadataFile::open(results_dir.join(format!("{figure}.meta.toml")))?;
        let seed = identity.seed.parse().unwrap_or_default();
        let mut record = RunMetadata::collect(figure, &args.profile, seed, args.backend.name());
        record.device = args.backend.device_description();
        record.identity = Some(identity);
        record.replicates = replicates.to_vec();
        meta.begin_run(record)?;
        Ok(Self {
            figure,
            x_name,
            args: args.clone(),
            results,
            csv_path,
            meta,
            previous,
            _lock: lock,
            started: Instant::now(),
            points_computed: 0,
            notes: Vec::new(),
            bars: MultiProgress::new(),
        })
    }

    /// Whether every point of `task` is in the CSV and every file it writes exists.
    fn is_done<K>(&self, task: &Task<K>) -> bool {
        task_done(&self.results, task)
    }

    /// Writes the rows of a finished task (its seed, the backend and the seconds since `t0`) to
    /// the CSV atomically.
    fn save_task<K>(&mut self, task: &Task<K>, out: Computed, t0: Instant) -> Result<()> {
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
            .with_context(|| format!("writing {}", self.csv_path.display()))?;
        self.points_computed += rows.len();
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
    fn note(&mut self, msg: String) {
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
    fn train_tasks<K: Sync, T: Send>(
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
    fn finish(
        mut self,
        has_paper_numbers: bool,
        draw: impl FnOnce(&[ResultRow], &Outputs) -> Result<()>,
    ) -> Result<()> {
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
        print_results(self.figure, &self.args.profile, has_paper_numbers, &rows)?;
        print!("{}", resume::compare_with_previous(&self.previous, &rows));
        println!(
            "wrote {} ({} rows), {}, {}; {} points computed in {:.1} s",
            self.csv_path.display(),
            rows.len(),
            out.svg.display(),
            out.png.display(),
            self.points_computed,
            self.started.elapsed().as_secs_f64()
        );
        Ok(())
    }
}

/// Runs `train` under an epoch progress bar labelled by the task.
fn train_with_bar<K, T>(
    bars: &MultiProgress,
    task: &Task<K>,
    train: impl FnOnce(&mut dyn FnMut(simec::EpochReport)) -> Result<T>,
) -> Result<T> {
    let epochs = match task.kind {
        TaskKind::Trained { epochs, .. } => epochs,
        TaskKind::Deterministic => 0,
    };
    let bar = bars.add(ProgressBar::new(epochs as u64));
    bar.set_style(
        ProgressStyle::with_template(
            "{prefix:>22} [{bar:30}] {pos}/{len} epochs {msg} ({elapsed}, eta {eta})",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar.set_prefix(task.label.clone());
    bar.enable_steady_tick(Duration::from_millis(500));
    let mut callback = |r: simec::EpochReport| {
        bar.set_position(r.epoch as u64);
        bar.set_message(format!("loss {:.5}", r.loss));
    };
    let out = train(&mut callback).with_context(|| format!("training {}", task.label));
    bar.finish_and_clear();
    out
}
