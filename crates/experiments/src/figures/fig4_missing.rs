//! Figure 4, right: RBF kernel on MNIST with missing targets, MSE vs the missing fraction f
//! (paper section 4.2, PAPER_SETUP.md "Figure 4").
//!
//! Missing pattern (see [`super::mean_filled`]): the companion notebook seeds NumPy's global
//! generator once (`RandomState(15)`) and, for each f of the sweep in turn, marks
//! `rand(m, m) <= f` of the whole training kernel `K` as missing (row-major, not symmetric), then
//! trains a keras SimEc that draws from the same generator; [`NotebookMaskStream`] replays those
//! draws, so the i-th fraction of the profile gets the notebook's i-th pattern (with the paper's
//! fraction list, exactly the paper's patterns). Every consumer sees the same masked `K`:
//! - SimEc: targets the masked `K[:, :n]` (n = 1500 in the paper), `S_ll` the masked
//!   `K[:n, :n]` (s_ll_reg 5), missing entries skipped by the loss (`allow_missing`); scored as
//!   `Y Y^T` vs the complete `K` (`simec_train`) and `Y_test Y_test^T` vs `K_test`
//!   (`simec_test`).
//! - `mean_filled_ed_train`: missing entries filled with the mean of the complete `K`, top-d
//!   eigen-embedding `V sqrt(|D|)`, `Y Y^T` vs the complete `K`. The filled matrix is not
//!   symmetric; the notebook decomposes it with `np.linalg.eig` (general solver, eigenvalues
//!   sorted by real part), which the profile's `mean_filled_eigensolver = "general"` reproduces
//!   (to all printed digits). The alternatives `lower` (mirror the lower triangle, what
//!   `np.linalg.eigh` would do), `average` (`(A + A^T) / 2`) and `upper` use the symmetric solver
//!   and land 0.1-0.3% below the paper's numbers.
//! - `kpca_full_train`, `kpca_full_test`: the kPCA reference on the complete `K`, independent of f,
//!   written for every x.
//!
//! Plot: linear x = f, linear y.

use std::time::Instant;

use anyhow::{bail, Context, Result};
use nalgebra::DMatrix;
use serde::Deserialize;

use super::mean_filled::{mean_filled_general_embedding, NotebookMaskStream};
use super::rbf::{self, RbfData, RbfSetup, SeriesStyle};
use super::runner::{FigureRun, PointOutcome};
use crate::cli::FigureArgs;
use crate::config::{point_seed, SimecArch};
use crate::convert::from_simec;

/// Figure name: results file stem, `figure` column, config file stem.
pub const FIGURE: &str = "fig4_missing";
const X_NAME: &str = "missing_fraction";

/// How the mean-filled (non-symmetric) kernel is eigendecomposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MeanFilledSolver {
    /// General (non-symmetric) eigenproblem, as the notebook's `np.linalg.eig`.
    General,
    /// Symmetric solver on the mirrored lower triangle (what `np.linalg.eigh` would use).
    Lower,
    /// Symmetric solver on `(A + A^T) / 2`.
    Average,
    /// Symmetric solver on the mirrored upper triangle.
    Upper,
}

/// The `[profiles.NAME]` table of `experiments/fig4_missing.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fig4MissingProfile {
    /// Training points (at most 8000, the paper's).
    pub m_train: usize,
    /// Test points (at most 2000, the paper's).
    pub m_test: usize,
    /// Base seed for SimEc initialization and shuffling.
    pub seed: u64,
    /// Embedding dimension d (also the mean-filled ED and kPCA dimension).
    pub embedding_dim: usize,
    /// The swept missing fractions f, each in `[0, 1)`.
    pub fractions: Vec<f64>,
    /// Seed of NumPy's global generator drawing the missing patterns (15 in the paper), seeded
    /// once for the whole sweep (see [`NotebookMaskStream`]).
    pub mask_seed: u32,
    /// Eigensolver of the mean-filled (non-symmetric) kernel.
    pub mean_filled_eigensolver: MeanFilledSolver,
    /// The SimEc (`allow_missing` is always on).
    pub simec: SimecArch,
}

impl Fig4MissingProfile {
    fn validate(&self) -> Result<()> {
        RbfData {
            m_train: self.m_train,
            m_test: self.m_test,
        }
        .validate()?;
        if self.fractions.is_empty() {
            bail!("fractions is empty");
        }
        if let Some(f) = self
            .fractions
            .iter()
            .find(|f| !(f.is_finite() && (0.0..1.0).contains(*f)))
        {
            bail!("fractions holds {f}; expected values in [0, 1)");
        }
        if self.embedding_dim > self.m_train {
            bail!(
                "embedding_dim = {} exceeds m_train = {}",
                self.embedding_dim,
                self.m_train
            );
        }
        rbf::validate_arch(&self.simec, self.embedding_dim, self.m_train, true)
    }
}

/// `K` with NaN at the missing entries of the row-major `m x m` `mask`, `[m, m]` f64.
///
/// # Errors
/// `mask` does not have `m * m` entries.
pub fn masked_kernel(k: &DMatrix<f64>, mask: &[bool]) -> Result<DMatrix<f64>> {
    let m = k.nrows();
    if mask.len() != m * k.ncols() {
        bail!(
            "missing mask has {} entries, expected {} for a {m} x {} kernel",
            mask.len(),
            m * k.ncols(),
            k.ncols()
        );
    }
    let cols = k.ncols();
    Ok(DMatrix::from_fn(m, cols, |i, j| {
        if mask[i * cols + j] {
            f64::NAN
        } else {
            k[(i, j)]
        }
    }))
}

/// Rows `..rows`, columns `..cols` of `K` with NaN at the missing entries of the row-major mask
/// (`K.ncols()` wide), as f32 for SimEc, `[rows, cols]`.
///
/// # Errors
/// `mask` is not `K`-shaped or the block exceeds `K`.
pub fn masked_block(
    k: &DMatrix<f64>,
    mask: &[bool],
    rows: usize,
    cols: usize,
) -> Result<simec::Matrix> {
    let width = k.ncols();
    if mask.len() != k.nrows() * width || rows > k.nrows() || cols > width {
        bail!(
            "masked block {rows} x {cols} of a {} x {width} kernel with a mask of {} entries",
            k.nrows(),
            mask.len()
        );
    }
    Ok(simec::Matrix::from_fn(rows, cols, |i, j| {
        if mask[i * width + j] {
            f32::NAN
        } else {
            k[(i, j)] as f32
        }
    }))
}

/// The mean-filled eigen-embedding of `K` with the missing entries of the row-major `mask`
/// replaced by `fill`, `[m, d]`, by the chosen solver.
///
/// # Errors
/// A mask of the wrong size, or the eigensolver's errors.
pub fn mean_filled_embedding(
    k: &DMatrix<f64>,
    mask: &[bool],
    fill: f64,
    d: usize,
    solver: MeanFilledSolver,
) -> Result<DMatrix<f64>> {
    let symmetrize = match solver {
        MeanFilledSolver::General => return mean_filled_general_embedding(k, mask, fill, d),
        MeanFilledSolver::Lower => baselines::Symmetrize::Lower,
        MeanFilledSolver::Average => baselines::Symmetrize::Average,
        MeanFilledSolver::Upper => baselines::Symmetrize::Upper,
    };
    let k_nan = masked_kernel(k, mask)?; // [m, m]
    Ok(baselines::mean_filled_embedding_with(
        &k_nan, fill, d, symmetrize,
    )?)
}

/// Runs Figure 4 (right) end to end: kernels, the mean-filled and kPCA baselines, one SimEc per
/// missing fraction (resuming finished points), CSV, metadata, plot, and the comparison with the
/// paper's numbers.
///
/// # Errors
/// Bad config, missing or corrupt MNIST, unwritable output directories, and model errors, each
/// with context naming what failed.
pub fn run(args: &FigureArgs) -> Result<()> {
    let mut run = FigureRun::<Fig4MissingProfile>::start(FIGURE, args)?;
    let profile = run.profile.clone();
    profile
        .validate()
        .with_context(|| format!("invalid profile `{}` of {}", args.profile, FIGURE))?;
    let seed = args.seed.unwrap_or(profile.seed);
    let d = profile.embedding_dim;
    let xs = profile.fractions.clone();
    let all = [
        "simec_train",
        "simec_test",
        "mean_filled_ed_train",
        "kpca_full_train",
        "kpca_full_test",
    ];

    if !rbf::all_done(&run, &all, &xs) {
        let setup = RbfSetup::load(
            args.data_dir.as_deref(),
            RbfData {
                m_train: profile.m_train,
                m_test: profile.m_test,
            },
        )?;
        run.note(setup.describe());
        let kern = &setup.kernels;
        let m = kern.k.nrows();
        let fill = kern.k.mean();
        // The notebook's generator: after each pattern, the keras SimEc's draws (one seed per
        // Dense layer: hidden + embedding + output; one shuffle of the m rows per epoch).
        let new_stream = || {
            NotebookMaskStream::new(
                profile.mask_seed,
                m,
                profile.simec.hidden.len() + 2,
                profile.simec.epochs,
            )
        };

        // --- kPCA on the complete K (independent of f) --------------------------------------
        if !rbf::all_done(&run, &["kpca_full_train", "kpca_full_test"], &xs) {
            let t0 = Instant::now();
            let (train, test) = rbf::kpca_reference(kern, d)?;
            let mut rows = Vec::new();
            for &x in &xs {
                rows.push(run.row("kpca_full_train", X_NAME, x, train, 0, t0));
                rows.push(run.row("kpca_full_test", X_NAME, x, test, 0, t0));
            }
            run.save(&rows)?;
        }

        // --- Mean-filled eigendecomposition -------------------------------------------------
        let mut stream = new_stream();
        for &f in &xs {
            if run.is_done("mean_filled_ed_train", f) {
                stream.skip_mask();
                continue;
            }
            let t0 = Instant::now();
            let mask = stream.next_mask(f); // [m * m]
            let y = mean_filled_embedding(&kern.k, &mask, fill, d, profile.mean_filled_eigensolver)
                .with_context(|| format!("mean-filled eigen-embedding at f = {f}"))?; // [m, d]
            drop(mask);
            let mse = baselines::mse_gram(&y, &kern.k)?; // Y Y^T vs complete K: [m, m]
            let row = run.row("mean_filled_ed_train", X_NAME, f, mse, 0, t0);
            run.save(&[row])?;
        }

        // --- SimEcs -------------------------------------------------------------------------
        let device = args.backend.try_device()?;
        let n = profile.simec.n_targets;
        let mut stream = new_stream();
        for &f in &xs {
            if run.is_done("simec_train", f) && run.is_done("simec_test", f) {
                stream.skip_mask();
                continue;
            }
            let t0 = Instant::now();
            let point_seed = point_seed(seed, "simec", f);
            let params = simec::SimecParams::from(
                profile
                    .simec
                    .params(d, point_seed)
                    .with_context(|| format!("SimEc hyperparameters at f = {f}"))?,
            )
            .allow_missing(true)
            .check()?;
            let mask = stream.next_mask(f); // [m * m]
            let targets = masked_block(&kern.k, &mask, m, n)?; // [m, n]
            let s_ll = masked_block(&kern.k, &mask, n, n)?; // [n, n]
            drop(mask);
            let label = format!("simec f={f}");
            let outcome = run.train_point(&label, profile.simec.epochs, |progress| {
                let sll = (profile.simec.s_ll_reg > 0.0).then(|| simec::SllTarget::single(&s_ll));
                let model =
                    params.fit_with_callback(&setup.x_train, &targets, sll, &device, progress)?;
                let y_tr = from_simec(&model.transform(&setup.x_train)?); // [m, d]
                let y_te = from_simec(&model.transform(&setup.x_test)?); // [m_test, d]
                Ok(PointOutcome {
                    train: baselines::mse_gram(&y_tr, &kern.k)?, // vs complete K: [m, m]
                    test: baselines::mse_gram(&y_te, &kern.k_test)?, // [m_test, m_test]
                })
            })?;
            let rows = [
                run.row("simec_train", X_NAME, f, outcome.train, point_seed, t0),
                run.row("simec_test", X_NAME, f, outcome.test, point_seed, t0),
            ];
            run.save(&rows)?;
        }
    }

    run.finish_with(seed, |rows, svg, png| {
        crate::plot::draw_line_plot(&plot(rows), svg, png)?;
        Ok(())
    })
}

/// The panel: x = f; SimEc, mean-filled ED and kPCA, train solid / test dashed.
pub fn plot(rows: &[crate::results::ResultRow]) -> crate::plot::LinePlot {
    let styles = [
        SeriesStyle {
            series: "simec_train",
            color: 0,
            dashed: false,
        },
        SeriesStyle {
            series: "simec_test",
            color: 0,
            dashed: true,
        },
        SeriesStyle {
            series: "mean_filled_ed_train",
            color: 2,
            dashed: false,
        },
        SeriesStyle {
            series: "kpca_full_train",
            color: 1,
            dashed: false,
        },
        SeriesStyle {
            series: "kpca_full_test",
            color: 1,
            dashed: true,
        },
    ];
    rbf::panel(
        rows,
        &styles,
        |x| x,
        "Figure 4 (right): RBF kernel, MSE vs missing fraction",
        "fraction of missing targets f",
    )
}
