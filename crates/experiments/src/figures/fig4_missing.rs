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

use anyhow::{bail, Context, Result};
use nalgebra::DMatrix;
use serde::Deserialize;

use super::mean_filled::{mean_filled_general_embedding, NotebookMaskStream};
use super::panel::{draw_by_method, Axes};
use super::rbf::{self, RbfData, RbfSetup};
use super::sweep::{
    Computed, Figure, Method, MethodKind, Outputs, RunContext, SeriesId, Split, Step, Task,
};
use crate::config::SimecArch;
use crate::results::ResultRow;

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

/// A task of Figure 4 (right); `index` is the fraction's position in the sweep, which picks its
/// missing pattern from the notebook's stream.
pub enum MissingTask {
    /// kPCA on the complete `K` (independent of f).
    Kpca,
    /// The mean-filled eigendecomposition at fraction `index`.
    MeanFilled {
        /// Position of the fraction in the sweep.
        index: usize,
    },
    /// The SimEc at fraction `index`.
    Simec {
        /// Position of the fraction in the sweep.
        index: usize,
        /// Checked hyperparameters (`allow_missing` on) at this point's seed.
        params: Box<simec::SimecValidParams>,
    },
}

/// The kernels and the notebook's generator positioned before each fraction's pattern.
pub struct MissingSetup {
    rbf: RbfSetup,
    /// `streams[i]`: the stream right before the pattern of fraction `i`.
    streams: Vec<NotebookMaskStream>,
}

/// `simec_train`, `simec_test`, `mean_filled_ed_train`, `kpca_full_train`, `kpca_full_test`.
fn series() -> Vec<SeriesId> {
    let mean_filled = SeriesId::split(Method::plain(MethodKind::MeanFilledEd), Split::Train);
    [
        &rbf::train_test(Method::plain(MethodKind::Simec))[..],
        &[mean_filled],
        &rbf::train_test(Method::variant(MethodKind::Kpca, "full")),
    ]
    .concat()
}

impl Figure for Fig4MissingProfile {
    const NAME: &'static str = "fig4_missing";
    const X_NAME: &'static str = "missing_fraction";
    const ABOUT: &'static str = "Figure 4 (right): RBF kernel on MNIST with missing targets, SimEc, mean-filled eigendecomposition and kPCA MSE vs the missing fraction (paper section 4.2).";
    /// 1: the masked S_ll term is the Keras per-row masked mean (was one global count).
    /// 2: the dense S_ll closed form computes W S on the host for embedding_dim <= 32 (float
    /// summation order; issue 18).
    /// 3: the masked S_ll term is computed on the host in one pass over S_ll on the CPU backend
    /// (same objective, float summation order; issue 18).
    /// 4: the host's W S is one sequential FMA chain per entry (its own SIMD kernel instead of
    /// gemm's blocked sums; issue 18).
    const NUMERICS_REVISION: u32 = 4;
    type Setup = MissingSetup;
    type Key = MissingTask;

    fn check(&self) -> Result<()> {
        RbfData::of(self.m_train, self.m_test).validate()?;
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

    fn base_seed(&self) -> u64 {
        self.seed
    }

    fn tasks(&self, base_seed: u64, _ctx: &RunContext) -> Result<Vec<Task<Self::Key>>> {
        let all = series();
        let mut tasks = vec![rbf::kpca_task(
            MissingTask::Kpca,
            Some("full"),
            &self.fractions,
        )];
        for (index, &f) in self.fractions.iter().enumerate() {
            tasks.push(Task::deterministic(
                MissingTask::MeanFilled { index },
                format!("mean-filled ED f={f}"),
                vec![(all[2].clone(), f)],
            ));
        }
        let method = Method::plain(MethodKind::Simec);
        for (index, &f) in self.fractions.iter().enumerate() {
            let point = method.at(base_seed, f);
            let params = self
                .simec
                .unchecked(self.embedding_dim, point.seed)
                .allow_missing(true)
                .check()
                .with_context(|| format!("SimEc hyperparameters at f = {f}"))?;
            let epochs = params.epochs();
            let task = point.task(
                MissingTask::Simec {
                    index,
                    params: Box::new(params),
                },
                epochs,
                all[..2].to_vec(),
            );
            tasks.push(task.labelled(format!("simec f={f}")));
        }
        Ok(tasks)
    }

    fn setup(&self, ctx: &RunContext) -> Result<(Self::Setup, Vec<String>)> {
        let (rbf, notes) = RbfSetup::for_run(self.m_train, self.m_test, ctx)?;
        // The notebook's generator: after each pattern, the keras SimEc's draws (one seed per
        // Dense layer: hidden + embedding + output; one shuffle of the m rows per epoch).
        let mut stream = NotebookMaskStream::new(
            self.mask_seed,
            rbf.kernels.k.nrows(),
            self.simec.model().hidden_layers().len() + 2,
            self.simec.model().epochs(),
        );
        let mut streams = Vec::with_capacity(self.fractions.len());
        for _ in &self.fractions {
            streams.push(stream.clone());
            stream.skip_mask();
        }
        Ok((MissingSetup { rbf, streams }, notes))
    }

    fn compute(&self, task: &Task<Self::Key>, step: Step<'_, Self::Setup>) -> Result<Computed> {
        let setup = step.setup;
        let kern = &setup.rbf.kernels;
        let d = self.embedding_dim;
        let pattern = |index: usize| {
            setup.streams[index]
                .clone()
                .next_mask(self.fractions[index])
        }; // [m * m]
        match &task.key {
            MissingTask::Kpca => Ok(rbf::kpca_rows(kern, d, self.fractions.len())?.into()),
            MissingTask::MeanFilled { index } => {
                let mask = pattern(*index);
                let y = mean_filled_embedding(
                    &kern.k,
                    &mask,
                    kern.k.mean(),
                    d,
                    self.mean_filled_eigensolver,
                )?; // [m, d]
                drop(mask);
                Ok(vec![baselines::mse_gram(&y, &kern.k)?].into()) // vs complete K: [m, m]
            }
            MissingTask::Simec { index, params } => {
                let (m, n) = (kern.k.nrows(), self.simec.n_targets);
                let mask = pattern(*index);
                let targets = masked_block(&kern.k, &mask, m, n)?; // [m, n]
                let s_ll = masked_block(&kern.k, &mask, n, n)?; // [n, n]
                drop(mask);
                // Scored against the complete K and K_test.
                setup.rbf.fit_simec(params, &targets, &s_ll, step)
            }
        }
    }

    fn draw(&self, _setup: Option<&Self::Setup>, rows: &[ResultRow], out: &Outputs) -> Result<()> {
        let axes = Axes::linear(
            "Figure 4 (right): RBF kernel, MSE vs missing fraction",
            "fraction of missing targets f",
            "MSE",
        );
        draw_by_method(rows, &series(), axes, out)
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
