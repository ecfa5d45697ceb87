//! The one runner every figure goes through ([`run_figure`]): profile check before any side
//! effect, lock, resume, the shared setup only when something is left to compute, deterministic
//! tasks on all cores, trained tasks `--jobs` at a time, saving each finished task at once,
//! metadata, the drawing and the comparison with the paper.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use super::figure_run::{FigureRun, RunFiles};
use super::printout::print_results;
use super::replicates::{ids_text, replicate_tasks, task_done};
use super::resume::{self, Plan};
use super::sweep::{Figure, RunContext, Step, Task, TaskKind};
use crate::cli::FigureArgs;
use crate::results::{ResultsFile, RunIdentity};

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
    match threads_from_scheduler().and_then(|()| run_figure::<F>(&args)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Sizes the global rayon pool (burn flex's training, the baselines' parallel loops and the
/// `--jobs` default) from `SLURM_CPUS_PER_TASK` when the scheduler sets it and
/// `RAYON_NUM_THREADS` does not override it, so that a task uses the cores it was given rather
/// than every core of the node. OpenBLAS sizes itself when it is loaded, from
/// `OPENBLAS_NUM_THREADS`: the sbatch scripts export it.
///
/// # Errors
/// `SLURM_CPUS_PER_TASK` that is not a positive integer.
fn threads_from_scheduler() -> Result<()> {
    let Ok(value) = std::env::var("SLURM_CPUS_PER_TASK") else {
        return Ok(());
    };
    if std::env::var_os("RAYON_NUM_THREADS").is_some() {
        return Ok(());
    }
    let threads: usize = match value.trim().parse() {
        Ok(n) if n > 0 => n,
        _ => anyhow::bail!("SLURM_CPUS_PER_TASK = `{value}` is not a positive integer"),
    };
    // Fails only if the pool was built already, which leaves it as it was.
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global();
    Ok(())
}

/// What every figure run (whole, shard or merge) resolves first, before any side effect: the
/// checked profile, the run identity, the replicates, the context and the whole sweep's tasks.
pub(super) struct Prepared<F: Figure> {
    /// The results directory (`--results-dir` or the profile's default).
    pub(super) results_dir: std::path::PathBuf,
    pub(super) profile: F,
    pub(super) identity: RunIdentity,
    pub(super) replicates: Vec<u32>,
    pub(super) ctx: RunContext,
    /// Every task of the sweep (all shards), in the runner's fixed order.
    pub(super) tasks: Vec<Task<F::Key>>,
}

impl<F: Figure> Prepared<F> {
    /// Resolves `args`: the repository root, the backend's device, the profile (checked), the
    /// seed, the replicates, the identity and the tasks.
    ///
    /// # Errors
    /// See [`run_figure`].
    fn resolve(args: &FigureArgs) -> Result<Self> {
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
        let results_dir = args.results_dir();
        // A shard's tasks write their side files (Figure 5's embeddings) beside its fragment;
        // the merge copies them into the results directory.
        let side_dir = match args.shard {
            Some(_) => super::shard::side_files_dir(&results_dir, F::NAME),
            None => results_dir.clone(),
        };
        let ctx = RunContext {
            data_dir: args.data_dir.clone(),
            results_dir: side_dir,
            device,
        };
        let tasks = replicate_tasks(&profile, seed, &replicates, &ctx)?;
        Ok(Self {
            results_dir,
            profile,
            identity,
            replicates,
            ctx,
            tasks,
        })
    }
}

/// Runs figure `F` end to end (see the module docs); resumes from the points already in
/// `<results-dir>/<figure>.csv` unless `--force`. With `--shard I/N` computes only that shard's
/// tasks into its fragment (`<results-dir>/<figure>.shards/<I>-of-<N>.csv`, resumed the same
/// way); with `--merge` merges the fragments instead ([`super::merge`]).
///
/// # Errors
/// A backend that is not compiled in or does not start, an unknown profile or config key, an
/// impossible profile value, an unwritable results directory, a concurrent run, missing or corrupt
/// data, and the errors of the figure's tasks (naming the task).
pub fn run_figure<F: Figure>(args: &FigureArgs) -> Result<()> {
    let p = Prepared::<F>::resolve(args)?;
    if args.merge {
        return super::merge::merge_figure(args, p);
    }
    let Prepared {
        results_dir,
        profile,
        identity,
        replicates,
        ctx,
        mut tasks,
    } = p;
    let files = RunFiles::new(&results_dir, F::NAME, args.shard);
    if let Some(shard) = args.shard {
        let dir = super::shard::fragments_dir(&results_dir, F::NAME);
        super::shard::check_split(&dir, shard, tasks.len())?;
        std::fs::create_dir_all(&ctx.results_dir)
            .with_context(|| format!("creating {}", ctx.results_dir.display()))?;
        tasks = super::shard::shard_tasks(&profile, tasks, shard);
    }
    let plan = resume::plan(&files.csv, &files.meta, &identity, args.force)?;
    if let (Some(shard), Plan::UpToDate(last) | Plan::Resume(last)) = (args.shard, &plan) {
        anyhow::ensure!(
            last.replicates == replicates,
            "shard {shard}'s fragment {} was split with replicates {} and this run asks for {}: \
             the split depends on the replicates, so every shard (and every resubmission) must \
             use the same --replicates / --replicate (or delete {} to start over)",
            files.csv.display(),
            ids_text(&last.replicates),
            ids_text(&replicates),
            super::shard::fragments_dir(&results_dir, F::NAME).display()
        );
    }
    if let Plan::UpToDate(last) = &plan {
        let file = ResultsFile::open(&files.csv)?;
        if tasks.iter().all(|t| task_done(&file, t)) {
            println!(
                "{}: {} is up to date (run identity {}, replicates {}, completed by the run \
                 started {} at commit {}); nothing to compute (--force recomputes)",
                F::NAME,
                files.csv.display(),
                identity.config_hash,
                ids_text(&replicates),
                last.started_at,
                last.git_commit
            );
            if args.shard.is_none() {
                print_results(F::NAME, &args.profile, F::HAS_PAPER_NUMBERS, file.rows())?;
            }
            return Ok(());
        }
    }
    let sharded = args.shard.is_some();
    let mut run = FigureRun::start(F::NAME, F::X_NAME, args, identity, plan, &replicates, files)?;
    let draw_setup = F::DRAW_NEEDS_SETUP && !sharded;
    let setup = compute_pending(
        &profile,
        &tasks,
        &ctx,
        &mut run,
        args.sweep_jobs(),
        draw_setup,
    )?;
    run.finish(F::HAS_PAPER_NUMBERS, |rows, out| {
        profile.draw(setup.as_ref(), rows, out)
    })
}

/// Computes every task of `tasks` not yet in the run's CSV: builds the setup (also when
/// `draw_setup`: drawing needs it), runs the deterministic tasks one at a time, then the trained
/// ones `jobs` at a time, saving each as it finishes. Returns the setup if it was built.
fn compute_pending<F: Figure>(
    profile: &F,
    tasks: &[Task<F::Key>],
    ctx: &RunContext,
    run: &mut FigureRun,
    jobs: usize,
    draw_setup: bool,
) -> Result<Option<F::Setup>> {
    let pending: Vec<&Task<F::Key>> = tasks.iter().filter(|t| !run.is_done(t)).collect();
    if pending.is_empty() && !draw_setup {
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

/// Runs `train` under an epoch progress bar labelled by the task.
pub(super) fn train_with_bar<K, T>(
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
