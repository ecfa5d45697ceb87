//! Figure 5: two-dimensional embeddings of MNIST 0/7 under the non-metric Simpson similarity
//! (paper section 4.3, PAPER_SETUP.md "Figures 5-7"), drawn as class-colored scatter plots with
//! digit thumbnails at a spread subset of the points:
//!
//! 1. `eig_largest`: the eigen-embedding by the 2 largest eigenvalues of S (axis 1 = class);
//! 2. `eig_negative`: by the 2 most negative eigenvalues (x = most negative: stroke weight);
//! 3. `simec`: a 2-dim SimEc trained on the normalized S1 + S2 of Figure 7 (all m columns,
//!    s_ll term with S_ll = S1 + S2).
//!
//! Writes `figures/fig5_simpson.{svg,png}` (the three scatter plots side by side),
//! `figures/fig5_simpson_spectrum.{svg,png}` (every eigenvalue of S, descending), the embeddings
//! to `results/fig5_simpson_<which>.csv` (columns `index,label,y1,y2`; index = row of the
//! MNIST 0/7 subset), and `results/fig5_simpson.csv` with three MSEs at d = 2 against the
//! normalized S1 + S2: `eigendecomposition_S1plusS2` (its best rank-2 PSD approximation, the
//! optimum), `simec_S1plusS2_YWl` and `simec_S1plusS2_YYt`. The paper prints no numbers for
//! Figure 5, so there is no comparison; the MSEs show how close the SimEc behind the third plot
//! gets to that optimum. A finished run resumes: the SimEc is not retrained while its rows and
//! embedding file exist.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{ensure, Context, Result};
use nalgebra::DMatrix;
use serde::Deserialize;

use super::runner::FigureRun;
use super::simpson::{
    normalized_parts, part_eigen, simec_params, simec_targets, validate_arch, Part, SimpsonSetup,
    TrainedSimec,
};
use crate::cli::FigureArgs;
use crate::config::{point_seed, SimecArch};
use crate::convert::to_simec;
use crate::data::ZeroSeven;
use crate::plot::{LinePlot, LineSeries, ScatterPlot, ScatterPoint, Thumbnail};

/// Figure name: results file stem, `figure` column, config file stem.
pub const FIGURE: &str = "fig5_simpson";
const X_NAME: &str = "embedding_dim";
/// The embedding dimension of every plot.
const D: usize = 2;
/// MNIST images are 28 x 28.
const SIDE: usize = 28;

/// The `[profiles.NAME]` table of `experiments/fig5_simpson.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fig5Profile {
    /// MNIST 0/7 points (5,000 in the paper).
    pub m: usize,
    /// Base seed for SimEc initialization and shuffling.
    pub seed: u64,
    /// Thumbnails: at most one per cell of a `grid x grid` lattice over each plot.
    pub thumbnail_grid: usize,
    /// The 2-dim SimEc on S1 + S2 (targets: its first `n_targets` columns).
    pub simec: SimecArch,
}

impl Fig5Profile {
    fn validate(&self) -> Result<()> {
        validate_arch(self.m, &self.simec)?;
        ensure!(
            self.simec.n_targets >= D,
            "simec.n_targets = {} must be at least the embedding dimension {D}",
            self.simec.n_targets
        );
        Ok(())
    }
}

/// Runs Figure 5 end to end: spectrum, eigen-embeddings, the SimEc (resumed when done),
/// embedding CSVs, MSE CSV, metadata and the figures.
///
/// # Errors
/// Bad config, missing or corrupt MNIST, unwritable output directories, a spectrum that does
/// not match the paper's at m = 5000, model errors, an unwritable embedding file.
pub fn run(args: &FigureArgs) -> Result<()> {
    let mut run = FigureRun::<Fig5Profile>::start(FIGURE, args)?;
    run.skip_paper_comparison();
    let profile = run.profile.clone();
    profile
        .validate()
        .with_context(|| format!("invalid profile `{}` of {FIGURE}", args.profile))?;
    let seed = args.seed.unwrap_or(profile.seed);
    let arch = &profile.simec;
    // Fail on an unusable backend before the minute of data setup.
    let device = args
        .backend
        .try_device()
        .context("starting the compute backend")?;
    let results_dir = args.results_dir();

    let t0 = Instant::now();
    let setup = SimpsonSetup::load(args.data_dir.as_deref(), profile.m)?;
    run.note(format!(
        "{} [{:.1} s]",
        setup.spectrum_summary(),
        t0.elapsed().as_secs_f64()
    ));
    setup.check_paper_spectrum()?;

    // --- Eigen-embeddings -----------------------------------------------------------------------
    let y_largest = setup.eig.embedding(D)?; // [m, 2]
    let y_negative = setup.most_negative_embedding()?; // [m, 2]
    let values = setup.eig.values.clone(); // [m]
    let SimpsonSetup { data, s, eig } = setup;
    drop(s);
    for (which, y) in [("eig_largest", &y_largest), ("eig_negative", &y_negative)] {
        write_embedding(&embedding_path(&results_dir, which), &data.labels, y)?;
    }

    // --- S1 + S2 and its optimum rank-2 approximation -------------------------------------------
    let parts = normalized_parts(&eig).context("normalizing S1 and S2")?;
    run.note(parts.summary());
    let sum = parts.sum(); // [m, m]
    let norm = parts.norm;
    drop(parts);
    let eig_series = "eigendecomposition_S1plusS2";
    if !run.is_done(eig_series, D as f64) {
        let t0 = Instant::now();
        let y = part_eigen(&eig, &norm, Part::Sum, D)?.embedding(D)?; // [m, 2]
        let mse = baselines::mse_gram(&y, &sum)?;
        let row = run.row(eig_series, X_NAME, D as f64, mse, 0, t0);
        run.save(&[row])?;
    }
    drop(eig);

    // --- SimEc on S1 + S2 -----------------------------------------------------------------------
    let (ywl, yyt) = ("simec_S1plusS2_YWl", "simec_S1plusS2_YYt");
    let simec_path = embedding_path(&results_dir, "simec");
    let resumed = if run.is_done(ywl, D as f64) && run.is_done(yyt, D as f64) {
        match read_embedding(&simec_path, &data.labels) {
            Ok(y) => Some(y),
            Err(e) => {
                run.note(format!("retraining the SimEc: {e:#}"));
                None
            }
        }
    } else {
        None
    };
    let y_simec = match resumed {
        Some(y) => y,
        None => {
            let t0 = Instant::now();
            let x = to_simec(&data.x); // [m, 784]
            let n = arch.n_targets;
            let targets = simec_targets(&[&sum], n)?; // [m, n]
            let s_ll_block = if arch.s_ll_reg > 0.0 && n < data.x.nrows() {
                Some(super::simpson::simec_s_ll(&sum, n)?) // [n, n]
            } else {
                None
            };
            let s_ll = if arch.s_ll_reg <= 0.0 {
                None
            } else {
                Some(simec::SllTarget::single(
                    s_ll_block.as_ref().unwrap_or(&targets),
                ))
            };
            let point_seed = point_seed(seed, "simec_S1plusS2", D as f64);
            let params = simec_params(arch, D, 1, point_seed)?;
            let model = TrainedSimec::fit(
                &run,
                "simec S1plusS2 d=2",
                &params,
                &x,
                &targets,
                s_ll,
                &device,
            )?;
            write_embedding(&simec_path, &data.labels, &model.y)?;
            let rows = [
                run.row(
                    ywl,
                    X_NAME,
                    D as f64,
                    model.mse_ywl(0, &sum)?,
                    point_seed,
                    t0,
                ),
                run.row(yyt, X_NAME, D as f64, model.mse_yyt(&sum)?, point_seed, t0),
            ];
            run.save(&rows)?;
            model.y
        }
    };
    drop(sum);

    // --- Figures --------------------------------------------------------------------------------
    let grid = profile.thumbnail_grid;
    let fmt_l = |i: usize| format!("{:.1}", values[i]);
    let m = values.len();
    let panels = vec![
        scatter(
            &data,
            &y_largest,
            grid,
            "2 largest eigenvalues".into(),
            format!("eigenvector 1 (lambda = {})", fmt_l(0)),
            format!("eigenvector 2 (lambda = {})", fmt_l(1)),
        ),
        scatter(
            &data,
            &y_negative,
            grid,
            "2 most negative eigenvalues".into(),
            format!("eigenvector {m} (lambda = {})", fmt_l(m - 1)),
            format!("eigenvector {} (lambda = {})", m - 1, fmt_l(m - 2)),
        ),
        scatter(
            &data,
            &y_simec,
            grid,
            "SimEc on S1 + S2 (d = 2)".into(),
            "SimEc y1".into(),
            "SimEc y2".into(),
        ),
    ];
    let spectrum = LinePlot {
        title: format!("Eigenvalues of the centered Simpson similarity (MNIST 0/7, m = {m})"),
        x_label: "index (eigenvalues descending)".into(),
        y_label: "eigenvalue".into(),
        series: vec![LineSeries::solid(
            "eigenvalues",
            values
                .iter()
                .enumerate()
                .map(|(i, &l)| ((i + 1) as f64, l))
                .collect(),
            0,
        )],
        x_range: None,
        y_range: None,
        log_x: false,
        log_y: false,
    };
    run.finish_with(seed, |_rows, svg, png| {
        crate::plot::draw_scatter_panels(&panels, svg, png)?;
        let (svg_s, png_s) = (sibling(svg, "_spectrum"), sibling(png, "_spectrum"));
        crate::plot::draw_line_plot(&spectrum, &svg_s, &png_s)
            .with_context(|| format!("drawing {}", svg_s.display()))?;
        Ok(())
    })
}

/// `<results_dir>/fig5_simpson_<which>.csv`.
pub fn embedding_path(results_dir: &Path, which: &str) -> PathBuf {
    results_dir.join(format!("{FIGURE}_{which}.csv"))
}

/// `dir/<stem><suffix>.<ext>` for `dir/<stem>.<ext>`.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
    let ext = path.extension().map(|s| s.to_string_lossy().into_owned());
    let name = match ext {
        Some(e) => format!("{}{suffix}.{e}", stem.unwrap_or_default()),
        None => format!("{}{suffix}", stem.unwrap_or_default()),
    };
    path.with_file_name(name)
}

#[derive(serde::Serialize, Deserialize)]
struct EmbeddingRow {
    index: usize,
    label: u8,
    y1: f64,
    y2: f64,
}

/// Writes a 2-dim embedding (`[m, 2]`) with the points' labels as `index,label,y1,y2`,
/// atomically.
///
/// # Errors
/// Shape mismatch, unwritable file.
pub fn write_embedding(path: &Path, labels: &[u8], y: &DMatrix<f64>) -> Result<()> {
    ensure!(
        y.nrows() == labels.len() && y.ncols() == 2,
        "embedding is {} x {}, expected {} x 2",
        y.nrows(),
        y.ncols(),
        labels.len()
    );
    let mut w = csv::Writer::from_writer(Vec::new());
    for (i, &label) in labels.iter().enumerate() {
        w.serialize(EmbeddingRow {
            index: i,
            label,
            y1: y[(i, 0)],
            y2: y[(i, 1)],
        })
        .with_context(|| format!("serializing {}", path.display()))?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| anyhow::anyhow!("serializing {}: {e}", path.display()))?;
    crate::results::atomic_write(path, &bytes)
        .with_context(|| format!("writing {}", path.display()))
}

/// Reads an embedding written by [`write_embedding`], checking that it holds exactly the
/// points of `labels` in order. Returns `[m, 2]`.
///
/// # Errors
/// Missing or malformed file, or one for other points.
pub fn read_embedding(path: &Path, labels: &[u8]) -> Result<DMatrix<f64>> {
    let mut r =
        csv::Reader::from_path(path).with_context(|| format!("opening {}", path.display()))?;
    let mut y = DMatrix::<f64>::zeros(labels.len(), 2); // [m, 2]
    let mut count = 0;
    for (i, row) in r.deserialize::<EmbeddingRow>().enumerate() {
        let row = row.with_context(|| format!("reading {} row {}", path.display(), i + 1))?;
        ensure!(
            i < labels.len() && row.index == i && row.label == labels[i],
            "{} row {} (index {}, label {}) does not match point {i} of this run's {} points",
            path.display(),
            i + 1,
            row.index,
            row.label,
            labels.len()
        );
        ensure!(
            row.y1.is_finite() && row.y2.is_finite(),
            "{} row {}: non-finite coordinate",
            path.display(),
            i + 1
        );
        y[(i, 0)] = row.y1;
        y[(i, 1)] = row.y2;
        count += 1;
    }
    ensure!(
        count == labels.len(),
        "{} holds {count} points, expected {}",
        path.display(),
        labels.len()
    );
    Ok(y)
}

/// A class-colored scatter plot of `y` (`[m, 2]`) with thumbnails at a spread subset.
fn scatter(
    data: &ZeroSeven,
    y: &DMatrix<f64>,
    grid: usize,
    title: String,
    x_label: String,
    y_label: String,
) -> ScatterPlot {
    let xy: Vec<(f64, f64)> = (0..y.nrows()).map(|i| (y[(i, 0)], y[(i, 1)])).collect();
    let points = xy
        .iter()
        .zip(&data.labels)
        .map(|(&(x, y), &l)| ScatterPoint {
            x,
            y,
            class: usize::from(l != 0),
        })
        .collect();
    let thumbnails = crate::plot::spread_subset(&xy, grid)
        .into_iter()
        .map(|i| Thumbnail {
            x: xy[i].0,
            y: xy[i].1,
            width: SIDE,
            height: SIDE,
            pixels: pixels(data, i),
        })
        .collect();
    ScatterPlot {
        title,
        x_label,
        y_label,
        points,
        class_labels: vec!["0".into(), "7".into()],
        thumbnails,
        thumbnail_scale: 1,
        x_range: None,
        y_range: None,
    }
}

/// The 28 x 28 gray values of point `i`, recovered from the centered features
/// (`x + mean = pixel / 255`).
fn pixels(data: &ZeroSeven, i: usize) -> Vec<u8> {
    (0..SIDE * SIDE)
        .map(|j| {
            ((data.x[(i, j)] + data.x_mean[j]) * 255.0)
                .round()
                .clamp(0.0, 255.0) as u8
        })
        .collect()
}
