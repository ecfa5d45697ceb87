//! What every figure run shares: config profile, output directories, lock, resumable results CSV,
//! progress bars, metadata, the line plot and the comparison with the paper.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use serde::de::DeserializeOwned;

use crate::cli::FigureArgs;
use crate::plot::{LinePlot, LineSeries};
use crate::reference;
use crate::report::ReplicationTolerance;
use crate::results::{ResultRow, ResultsFile, RunLock, RunMetadata};

/// Axis labels and ranges of a figure's line plot.
pub struct PlotSpec {
    /// Title above the plot.
    pub title: &'static str,
    /// x-axis label.
    pub x_label: &'static str,
    /// y-axis label.
    pub y_label: &'static str,
    /// Fixed x range, or automatic.
    pub x_range: Option<(f64, f64)>,
}

/// Train and test MSE of one trained sweep point.
#[derive(Debug, Clone, Copy)]
pub struct PointOutcome {
    /// MSE on the training split.
    pub train: f64,
    /// MSE on the test split.
    pub test: f64,
}

/// One run of a figure binary.
pub struct FigureRun<P> {
    /// The figure's name (`fig3`, ...).
    pub figure: &'static str,
    /// The loaded profile.
    pub profile: P,
    args: FigureArgs,
    results: ResultsFile,
    csv_path: PathBuf,
    _lock: RunLock,
    started: Instant,
    started_at: String,
    /// The commit checked out when the run started (`git rev-parse HEAD`, `-dirty` if sources
    /// changed); a long run may outlive the HEAD it
    /// started from, and the metadata must name the start.
    git_commit: String,
    points_computed: usize,
    notes: Vec<String>,
    bars: MultiProgress,
    compare_with_paper: bool,
}

impl<P: DeserializeOwned + Clone> FigureRun<P> {
    /// Loads the profile, prepares the output directories (failing before any training when they
    /// are not writable), takes the run lock and opens the results CSV (fresh with `--force`).
    ///
    /// # Errors
    /// Unknown profile or config key, unwritable results directory, a concurrent run, a backend
    /// that is not compiled in or whose device fails to start.
    pub fn start(figure: &'static str, args: &FigureArgs) -> Result<Self> {
        // Fail before any work when the backend is not compiled in or its device cannot start.
        args.backend.try_device()?;
        let config_path = args
            .config
            .clone()
            .unwrap_or_else(|| crate::config::default_config_path(figure));
        let profile: P = crate::config::load_profile(&config_path, &args.profile)?;
        let results_dir = args.results_dir();
        let figures_dir = args.figures_dir();
        std::fs::create_dir_all(&figures_dir).with_context(|| {
            format!("cannot create figures directory {}", figures_dir.display())
        })?;
        let csv_path = results_dir.join(format!("{figure}.csv"));
        let lock = RunLock::acquire(&results_dir, figure)?;
        let results = if args.force {
            ResultsFile::create_fresh(&csv_path)
        } else {
            ResultsFile::open(&csv_path)
        }
        .with_context(|| format!("opening results {}", csv_path.display()))?;
        Ok(Self {
            figure,
            profile,
            args: args.clone(),
            results,
            csv_path,
            _lock: lock,
            started: Instant::now(),
            started_at: crate::results::format_rfc3339_utc(std::time::SystemTime::now()),
            git_commit: crate::results::git_commit(&crate::results::repo_root()),
            points_computed: 0,
            notes: Vec::new(),
            bars: MultiProgress::new(),
            compare_with_paper: true,
        })
    }

    /// Whether the CSV already has the point (series, x).
    pub fn is_done(&self, series: &str, x: f64) -> bool {
        self.results.contains(series, x)
    }

    /// Whether every (series, d) pair is already in the CSV.
    pub fn all_done(&self, series: &[&str], dims: &[usize]) -> bool {
        series
            .iter()
            .all(|s| dims.iter().all(|&d| self.is_done(s, d as f64)))
    }

    /// A result row for this run (backend, seed and wall seconds since `t0` filled in).
    pub fn row(
        &self,
        series: &str,
        x_name: &str,
        x: f64,
        mse: f64,
        seed: u64,
        t0: Instant,
    ) -> ResultRow {
        ResultRow {
            figure: self.figure.to_string(),
            series: series.to_string(),
            x_name: x_name.to_string(),
            x,
            mse,
            seed,
            backend: self.args.backend.name().to_string(),
            wall_s: t0.elapsed().as_secs_f64(),
        }
    }

    /// Adds finished rows to the CSV and writes it atomically at once.
    ///
    /// # Errors
    /// The results file cannot be written.
    pub fn save(&mut self, rows: &[ResultRow]) -> Result<()> {
        self.results
            .push_and_save(rows)
            .with_context(|| format!("writing {}", self.csv_path.display()))?;
        self.points_computed += rows.len();
        for r in rows {
            self.say(format!(
                "  {:<28} {:>6} {:>12.6}  ({:.1} s)",
                r.series, r.x, r.mse, r.wall_s
            ));
        }
        Ok(())
    }

    /// For figures the paper prints no numbers for (e.g. Figure 5's scatter plots): `finish` then
    /// lists the rows instead of comparing them with `paper_mse.csv`, whatever the profile.
    pub fn skip_paper_comparison(&mut self) {
        self.compare_with_paper = false;
    }

    /// Prints a note and keeps it for the metadata file.
    pub fn note(&mut self, msg: String) {
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

    /// Trains one sweep point under an epoch progress bar; `train` gets the per-epoch callback.
    ///
    /// # Errors
    /// Whatever `train` returns, with the point's label as context.
    pub fn train_point<T>(
        &self,
        label: &str,
        epochs: usize,
        train: impl FnOnce(&mut dyn FnMut(simec::EpochReport)) -> Result<T>,
    ) -> Result<T> {
        train_with_bar(&self.bars, label, epochs, train)
    }

    /// Trains independent sweep points, `jobs` at a time, and hands each outcome to `finished`
    /// (on this thread, in completion order) as soon as it is ready, so that an interrupted run
    /// keeps every finished point.
    ///
    /// `points` are `(label, epochs, payload)`. With `jobs <= 1` the points run one after the other
    /// on the global rayon pool (all cores inside each point); with `jobs > 1` each of `jobs`
    /// worker threads trains its points in its own rayon pool of `max(1, threads / jobs)` threads.
    /// Burn's flex backend gives bit-identical results whatever the thread count, so `jobs` changes
    /// the wall time only (`fig3_2hl_2points_*` in `just bench`: 2 points at once, 1 thread each,
    /// 1.5x faster than one after the other on 2 threads).
    ///
    /// # Errors
    /// The first error of `train` (with the point's label; a panic counts as an error) or
    /// `finished`; workers then take no new points, the points in flight finish before this
    /// returns, and their errors are printed.
    pub fn train_points<J, T>(
        &mut self,
        jobs: usize,
        points: &[(String, usize, J)],
        train: impl Fn(&J, &mut dyn FnMut(simec::EpochReport)) -> Result<T> + Sync,
        mut finished: impl FnMut(&mut Self, &J, T) -> Result<()>,
    ) -> Result<()>
    where
        J: Sync,
        T: Send,
    {
        if jobs <= 1 || points.len() <= 1 {
            for (label, epochs, payload) in points {
                let out = self.train_point(label, *epochs, |cb| train(payload, cb))?;
                finished(self, payload, out)?;
            }
            return Ok(());
        }
        let threads_each = (rayon::current_num_threads() / jobs).max(1);
        let next = AtomicUsize::new(0);
        let stop = AtomicBool::new(false);
        let bars = self.bars.clone();
        let (tx, rx) = mpsc::channel::<(usize, Result<T>)>();
        std::thread::scope(|scope| -> Result<()> {
            for _ in 0..jobs.min(points.len()) {
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
                        let Some((label, epochs, payload)) = points.get(i) else {
                            break;
                        };
                        // A panic becomes this point's error, so that the others stop early.
                        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            pool.install(|| {
                                train_with_bar(bars, label, *epochs, |cb| train(payload, cb))
                            })
                        }))
                        .unwrap_or_else(|_| Err(anyhow::anyhow!("training {label} panicked")));
                        if tx.send((i, out)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(tx);
            let mut first_error: Option<anyhow::Error> = None;
            for (i, out) in rx {
                let handled = match points.get(i) {
                    Some(point) => out.and_then(|t| finished(self, &point.2, t)),
                    None => out.map(|_| ()), // a worker that could not start (no point taken)
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

    /// Writes the metadata (with the run's base `seed`), draws the standard line figure from the
    /// CSV and prints the comparison with the paper's numbers.
    ///
    /// # Errors
    /// Metadata or figure files cannot be written; the reference CSV is unreadable.
    pub fn finish(self, spec: &PlotSpec, seed: u64) -> Result<()> {
        self.finish_with(seed, |rows, svg, png| {
            crate::plot::draw_line_plot(&line_plot(spec, rows), svg, png)?;
            Ok(())
        })
    }

    /// Like [`finish`](Self::finish), with a figure-specific `draw(rows, svg_path, png_path)`
    /// (multi-panel or scatter figures). The paths are `<figures-dir>/<figure>.{svg,png}`.
    ///
    /// # Errors
    /// Metadata or figure files cannot be written; the reference CSV is unreadable; `draw` fails.
    pub fn finish_with(
        self,
        seed: u64,
        draw: impl FnOnce(&[ResultRow], &std::path::Path, &std::path::Path) -> Result<()>,
    ) -> Result<()> {
        let results_dir = self.args.results_dir();
        let figures_dir = self.args.figures_dir();
        let rows = self.results.rows().to_vec();
        let mut meta = RunMetadata::collect(
            self.figure,
            &self.args.profile,
            seed,
            self.args.backend.name(),
        );
        meta.device = self.args.backend.device_description();
        meta.started_at = self.started_at.clone();
        meta.git_commit = self.git_commit.clone();
        meta.total_wall_s = self.started.elapsed().as_secs_f64();
        meta.points_computed = self.points_computed;
        meta.completed = true;
        meta.notes = self.notes.clone();
        meta.append_to(&results_dir.join(format!("{}.meta.toml", self.figure)))?;

        let svg = figures_dir.join(format!("{}.svg", self.figure));
        let png = figures_dir.join(format!("{}.png", self.figure));
        draw(&rows, &svg, &png).with_context(|| format!("drawing {}", svg.display()))?;

        if self.args.profile == "paper" && self.compare_with_paper {
            let tolerance = ReplicationTolerance::load(&ReplicationTolerance::default_path())?;
            let paper = reference::load_reference(&reference::default_reference_path())?;
            let floor = tolerance.abs_floor.get(self.figure).copied().unwrap_or(0.0);
            println!(
                "{}",
                reference::compare(&rows, &paper, self.figure, tolerance.rel, floor)
            );
        } else {
            if self.compare_with_paper {
                println!(
                    "profile `{}` (not the paper's setup; no comparison with the paper):",
                    self.args.profile
                );
            } else {
                println!("{} (the paper prints no numbers for it):", self.figure);
            }
            for r in &rows {
                println!("  {:<28} {:>6} {:>12.6}", r.series, r.x, r.mse);
            }
        }
        println!(
            "wrote {} ({} rows), {}, {}; {} points computed in {:.1} s",
            self.csv_path.display(),
            rows.len(),
            svg.display(),
            png.display(),
            self.points_computed,
            self.started.elapsed().as_secs_f64()
        );
        Ok(())
    }
}

/// One line per series, grouped by method: `<method>_train` solid, `<method>_test` dashed, same
/// color.
pub fn line_plot(spec: &PlotSpec, rows: &[ResultRow]) -> LinePlot {
    let mut methods: Vec<String> = Vec::new();
    let mut series: Vec<LineSeries> = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    for r in rows {
        if !names.contains(&r.series.as_str()) {
            names.push(&r.series);
        }
    }
    for name in names {
        let (method, dashed) = match name.strip_suffix("_test") {
            Some(m) => (m.to_string(), true),
            None => (
                name.strip_suffix("_train").unwrap_or(name).to_string(),
                false,
            ),
        };
        let color = match methods.iter().position(|m| *m == method) {
            Some(i) => i,
            None => {
                methods.push(method);
                methods.len() - 1
            }
        };
        let mut points: Vec<(f64, f64)> = rows
            .iter()
            .filter(|r| r.series == name)
            .map(|r| (r.x, r.mse))
            .collect();
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        series.push(LineSeries {
            label: name.to_string(),
            points,
            color,
            dashed,
        });
    }
    LinePlot {
        title: spec.title.to_string(),
        x_label: spec.x_label.to_string(),
        y_label: spec.y_label.to_string(),
        series,
        x_range: spec.x_range,
        y_range: None,
        log_x: false,
        log_y: false,
    }
}

/// [`FigureRun::train_point`] on any progress-bar set (the worker threads of
/// [`FigureRun::train_points`] hold a clone of the run's).
fn train_with_bar<T>(
    bars: &MultiProgress,
    label: &str,
    epochs: usize,
    train: impl FnOnce(&mut dyn FnMut(simec::EpochReport)) -> Result<T>,
) -> Result<T> {
    let bar = bars.add(ProgressBar::new(epochs as u64));
    bar.set_style(
        ProgressStyle::with_template(
            "{prefix:>22} [{bar:30}] {pos}/{len} epochs {msg} ({elapsed}, eta {eta})",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar.set_prefix(label.to_string());
    bar.enable_steady_tick(Duration::from_millis(500));
    let mut callback = |r: simec::EpochReport| {
        bar.set_position(r.epoch as u64);
        bar.set_message(format!("loss {:.5}", r.loss));
    };
    let out = train(&mut callback).with_context(|| format!("training {label}"));
    bar.finish_and_clear();
    out
}
