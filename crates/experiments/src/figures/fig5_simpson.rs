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

use anyhow::{ensure, Context, Result};
use nalgebra::DMatrix;
use serde::Deserialize;

use super::simpson::{simec_params, simec_targets, validate_arch, SimpsonSetup, TrainedSimec};
use super::sweep::{
    Computed, Figure, Method, MethodKind, Outputs, Readout, RunContext, SeriesId, Step, Task,
};
use crate::config::SimecArch;
use crate::convert::to_simec;
use crate::data::ZeroSeven;
use crate::plot::{LinePlot, LineSeries, ScatterPlot, ScatterPoint, Thumbnail};
use crate::results::ResultRow;
use crate::similarity::{normalized_parts, part_eigen, Normalization, Part};

/// Figure name: results file stem, `figure` column, config file stem.
pub const FIGURE: &str = "fig5_simpson";
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

/// A task of Figure 5.
pub enum Fig5Task {
    /// The eigen-embedding files and the optimum rank-2 approximation of S1 + S2.
    Eigen,
    /// The 2-dim SimEc on S1 + S2 and its embedding file.
    Simec(Box<simec::SimecValidParams>),
}

/// MNIST 0/7, the spectrum, the two eigen-embeddings and S1 + S2.
pub struct Fig5Setup {
    data: ZeroSeven,
    /// Every eigenvalue of S, descending, `[m]`.
    values: nalgebra::DVector<f64>,
    eig: baselines::Eigen,
    norm: Normalization,
    /// The normalized `S1 + S2`, `[m, m]`.
    sum: DMatrix<f64>,
    y_largest: DMatrix<f64>,  // [m, 2]
    y_negative: DMatrix<f64>, // [m, 2]
    results_dir: PathBuf,
}

fn series() -> Vec<SeriesId> {
    let sum = Part::Sum.name();
    let simec = |readout| SeriesId {
        against: None,
        method: Some(Method::variant(MethodKind::Simec, sum)),
        readout: Some(readout),
        split: None,
    };
    vec![
        SeriesId {
            against: None,
            method: Some(Method::variant(MethodKind::Eigendecomposition, sum)),
            readout: None,
            split: None,
        },
        simec(Readout::YWl),
        simec(Readout::YYt),
    ]
}

impl Figure for Fig5Profile {
    const NAME: &'static str = FIGURE;
    const X_NAME: &'static str = "embedding_dim";
    const ABOUT: &'static str = "Figure 5: 2-dim embeddings of MNIST 0/7 under the non-metric Simpson similarity (eigenvectors of the largest and most negative eigenvalues, a SimEc on S1 + S2; paper section 4.3).";
    /// 1: the dense S_ll closed form computes W S on the host for embedding_dim <= 32 (float
    /// summation order; issue 18).
    /// 2: the host's W S is one sequential FMA chain per entry (its own SIMD kernel instead of
    /// gemm's blocked sums; issue 18).
    const NUMERICS_REVISION: u32 = 2;
    const HAS_PAPER_NUMBERS: bool = false;
    const DRAW_NEEDS_SETUP: bool = true;
    type Setup = Fig5Setup;
    type Key = Fig5Task;

    fn check(&self) -> Result<()> {
        validate_arch(self.m, &self.simec)?;
        ensure!(
            self.simec.n_targets >= D,
            "simec.n_targets = {} must be at least the embedding dimension {D}",
            self.simec.n_targets
        );
        Ok(())
    }

    fn base_seed(&self) -> u64 {
        self.seed
    }

    fn tasks(&self, base_seed: u64, ctx: &RunContext) -> Result<Vec<Task<Self::Key>>> {
        let all = series();
        let x = D as f64;
        let mut eig = Task::deterministic(
            Fig5Task::Eigen,
            "eigen-embeddings",
            vec![(all[0].clone(), x)],
        );
        eig.files = ["eig_largest", "eig_negative"]
            .map(|w| embedding_path(&ctx.results_dir, w))
            .to_vec();
        let method = Method::variant(MethodKind::Simec, Part::Sum.name());
        let point = method.at(base_seed, x);
        let params = simec_params(&self.simec, D, 1, point.seed)?;
        let epochs = params.epochs();
        let mut simec = point
            .task(Fig5Task::Simec(Box::new(params)), epochs, all[1..].to_vec())
            .labelled("simec S1plusS2 d=2");
        simec.files = vec![embedding_path(&ctx.results_dir, "simec")];
        Ok(vec![eig, simec])
    }

    fn setup(&self, ctx: &RunContext) -> Result<(Self::Setup, Vec<String>)> {
        let setup = SimpsonSetup::load(ctx.data_dir.as_deref(), self.m)?;
        let mut notes = vec![setup.spectrum_summary()];
        setup.check_paper_spectrum()?;
        let y_largest = setup.eig.embedding(D)?; // [m, 2]
        let y_negative = setup.most_negative_embedding()?; // [m, 2]
        let SimpsonSetup { data, s, eig } = setup;
        drop(s);
        let parts = normalized_parts(&eig).context("normalizing S1 and S2")?;
        notes.push(parts.summary());
        let setup = Fig5Setup {
            values: eig.values.clone(),
            sum: parts.sum(),
            norm: parts.norm,
            data,
            eig,
            y_largest,
            y_negative,
            results_dir: ctx.results_dir.clone(),
        };
        Ok((setup, notes))
    }

    fn compute(&self, task: &Task<Self::Key>, step: Step<'_, Self::Setup>) -> Result<Computed> {
        let setup = step.setup;
        let labels = &setup.data.labels;
        match &task.key {
            Fig5Task::Eigen => {
                for (which, y) in [
                    ("eig_largest", &setup.y_largest),
                    ("eig_negative", &setup.y_negative),
                ] {
                    write_embedding(&embedding_path(&step.ctx.results_dir, which), labels, y)?;
                }
                let y = part_eigen(&setup.eig, &setup.norm, Part::Sum, D)?.embedding(D)?; // [m, 2]
                Ok(vec![baselines::mse_gram(&y, &setup.sum)?].into())
            }
            Fig5Task::Simec(params) => {
                let results_dir = &step.ctx.results_dir;
                let model = train(self, params, step)?;
                // The scatter shows one seed: replicate 0's embedding.
                if task.replicate == 0 {
                    write_embedding(&embedding_path(results_dir, "simec"), labels, &model.y)?;
                }
                Ok(vec![model.mse_ywl(0, &setup.sum)?, model.mse_yyt(&setup.sum)?].into())
            }
        }
    }

    fn draw(&self, setup: Option<&Self::Setup>, _rows: &[ResultRow], out: &Outputs) -> Result<()> {
        let setup = setup.context("Figure 5 is drawn from its setup")?;
        let path = embedding_path(&setup.results_dir, "simec");
        let y_simec = read_embedding(&path, &setup.data.labels)?;
        crate::plot::draw_scatter_panels(
            &scatter_panels(self, setup, &y_simec),
            &out.svg,
            &out.png,
        )?;
        let (svg_s, png_s) = (
            sibling(&out.svg, "_spectrum"),
            sibling(&out.png, "_spectrum"),
        );
        crate::plot::draw_line_plot(&spectrum_plot(&setup.values), &svg_s, &png_s)
            .with_context(|| format!("drawing {}", svg_s.display()))?;
        Ok(())
    }
}

/// Trains the 2-dim SimEc on the first `n_targets` columns of S1 + S2 (with its S_ll).
fn train(
    p: &Fig5Profile,
    params: &simec::SimecValidParams,
    step: Step<'_, Fig5Setup>,
) -> Result<TrainedSimec> {
    let setup = step.setup;
    let x = to_simec(&setup.data.x); // [m, 784]
    let n = p.simec.n_targets;
    let targets = simec_targets(&[&setup.sum], n)?; // [m, n]
    let s_ll_block = if p.simec.model().s_ll_reg() > 0.0 && n < setup.data.x.nrows() {
        Some(super::simpson::simec_s_ll(&setup.sum, n)?) // [n, n]
    } else {
        None
    };
    let s_ll = (p.simec.model().s_ll_reg() > 0.0)
        .then(|| simec::SllTarget::single(s_ll_block.as_ref().unwrap_or(&targets)));
    TrainedSimec::fit(params, &x, &targets, s_ll, &step.ctx.device, step.progress)
}

/// The three scatter plots: largest eigenvalues, most negative ones, the SimEc.
fn scatter_panels(p: &Fig5Profile, setup: &Fig5Setup, y_simec: &DMatrix<f64>) -> Vec<ScatterPlot> {
    let (data, values, grid) = (&setup.data, &setup.values, p.thumbnail_grid);
    let fmt_l = |i: usize| format!("{:.1}", values[i]);
    let m = values.len();
    vec![
        scatter(
            data,
            &setup.y_largest,
            grid,
            "2 largest eigenvalues".into(),
            format!("eigenvector 1 (lambda = {})", fmt_l(0)),
            format!("eigenvector 2 (lambda = {})", fmt_l(1)),
        ),
        scatter(
            data,
            &setup.y_negative,
            grid,
            "2 most negative eigenvalues".into(),
            format!("eigenvector {m} (lambda = {})", fmt_l(m - 1)),
            format!("eigenvector {} (lambda = {})", m - 1, fmt_l(m - 2)),
        ),
        scatter(
            data,
            y_simec,
            grid,
            "SimEc on S1 + S2 (d = 2)".into(),
            "SimEc y1".into(),
            "SimEc y2".into(),
        ),
    ]
}

/// Every eigenvalue of S, descending.
fn spectrum_plot(values: &nalgebra::DVector<f64>) -> LinePlot {
    LinePlot {
        title: format!(
            "Eigenvalues of the centered Simpson similarity (MNIST 0/7, m = {})",
            values.len()
        ),
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
        paper: Vec::new(),
        x_range: None,
        y_range: None,
        log_x: false,
        log_y: false,
    }
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
