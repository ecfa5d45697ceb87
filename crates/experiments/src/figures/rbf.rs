//! What the three panels of Figure 4 share (paper section 4.2, PAPER_SETUP.md "Figure 4"): the
//! main MNIST split, the median-heuristic RBF kernels (train, test, test-vs-train), the kernel
//! PCA reference and the SimEc inputs.
//!
//! Kernels (all centered with the paper's `center_K`):
//! - `K = center_K(rbf(X, X))` over the `m` training points;
//! - `K_test = center_K(rbf(X_test, X_test))`;
//! - `K_test_train`: rows `m..` and columns `..m` of `center_K(rbf)` over the `m + m_test` stacked
//!   points `[X; X_test]`. The stacked `(m + m_test)^2` kernel is never formed: with `A` the
//!   uncentered stacked kernel, `r` its row means and `g` its grand mean, `center_K(A)_ij =
//!   A_ij - r_i - r_j + g` (`A` is symmetric, so the symmetrization changes nothing), and `r`, `g`
//!   follow from the three blocks `rbf(X, X)`, `rbf(X_test, X)` and `rbf(X_test, X_test)` that are
//!   needed anyway.
//! - the kPCA reference's test input: `rbf(X_test, X)` centered like scikit-learn's
//!   `KernelPCA.transform` with the training kernel's means (see
//!   [`RbfKernels::kpca_test_input`]); this is what reproduces the paper's kPCA test error.
//!
//! `gamma = 0.5 / median(D)^2` over the full `m x m` distance matrix of the training features
//! (the paper's run: 0.00475 for the 8,000 points).

use anyhow::{bail, Context, Result};

use super::scoring::fit_yyt_train_test;
use super::sweep::{Computed, Method, MethodKind, SeriesId, Split, Step, Task};
use crate::config::SimecArch;
use crate::convert::to_simec;
use crate::data::PaperSplit;
use crate::similarity::{rbf_kernels, RbfKernels};

/// Training points of the paper's Figure 4.
pub const PAPER_M_TRAIN: usize = 8000;
/// Test points of the paper's Figure 4.
pub const PAPER_M_TEST: usize = 2000;

/// The data sizes of a Figure 4 profile (its `m_train` and `m_test` keys).
#[derive(Debug, Clone, Copy)]
pub struct RbfData {
    /// Training points (at most 8000).
    pub m_train: usize,
    /// Test points (at most 2000).
    pub m_test: usize,
}

impl RbfData {
    /// The sizes `m_train`, `m_test` of a profile.
    pub fn of(m_train: usize, m_test: usize) -> Self {
        Self { m_train, m_test }
    }

    /// Checks the sizes against the paper subset.
    ///
    /// # Errors
    /// `m_train` not in `2..=8000` or `m_test` not in `1..=2000`.
    pub fn validate(&self) -> Result<()> {
        if self.m_train < 2
            || self.m_train > PAPER_M_TRAIN
            || self.m_test == 0
            || self.m_test > PAPER_M_TEST
        {
            bail!(
                "m_train must be in 2..=8000 and m_test in 1..=2000 (the paper subset), got {} and {}",
                self.m_train,
                self.m_test
            );
        }
        Ok(())
    }
}

/// Checks the SimEc architecture of a Figure 4 profile: `d = embedding_dim`, a valid
/// hyperparameter set, and `n_targets <= m_train` (unless the panel sweeps it: `check_n = false`).
///
/// # Errors
/// What is wrong, naming the key.
pub fn validate_arch(
    arch: &SimecArch,
    embedding_dim: usize,
    m_train: usize,
    check_n: bool,
) -> Result<()> {
    if embedding_dim == 0 {
        bail!("embedding_dim must be >= 1");
    }
    if check_n && (arch.n_targets == 0 || arch.n_targets > m_train) {
        bail!(
            "simec.n_targets = {} must be in 1..=m_train = {m_train}",
            arch.n_targets
        );
    }
    arch.params(embedding_dim, 0)
        .context("simec hyperparameters")?;
    Ok(())
}

/// The split and its kernels, plus the SimEc feature matrices.
pub struct RbfSetup {
    /// The main MNIST split (centered features).
    pub split: PaperSplit,
    /// Its kernels.
    pub kernels: RbfKernels,
    /// `x_train` as f32 for SimEc, `[m, 784]`.
    pub x_train: simec::Matrix,
    /// `x_test` as f32 for SimEc, `[m_test, 784]`.
    pub x_test: simec::Matrix,
}

impl RbfSetup {
    /// Loads MNIST, cuts the paper's split to `data`'s sizes and builds the kernels.
    ///
    /// # Errors
    /// Missing or corrupt MNIST, or a kernel construction error, with context.
    pub fn load(data_dir: Option<&std::path::Path>, data: RbfData) -> Result<Self> {
        let mnist = crate::data::load_mnist(data_dir).context("loading MNIST")?;
        let split = crate::data::paper_main_split_sized(&mnist, data.m_train, data.m_test)
            .context("building the paper's train/test subset")?;
        drop(mnist);
        let kernels = rbf_kernels(&split.x_train, &split.x_test)?;
        let x_train = to_simec(&split.x_train); // [m, 784]
        let x_test = to_simec(&split.x_test); // [m_test, 784]
        Ok(Self {
            split,
            kernels,
            x_train,
            x_test,
        })
    }

    /// [`RbfSetup::load`] for a runner's setup: the setup and its description as a note.
    ///
    /// # Errors
    /// As [`RbfSetup::load`].
    pub fn for_run(
        m_train: usize,
        m_test: usize,
        ctx: &super::sweep::RunContext,
    ) -> Result<(Self, Vec<String>)> {
        let setup = Self::load(ctx.data_dir.as_deref(), RbfData::of(m_train, m_test))?;
        let note = setup.describe();
        Ok((setup, vec![note]))
    }

    /// The split as a SimEc sees it, scored against `K` and `K_test`.
    pub fn scored_split(&self) -> super::scoring::ScoredSplit<'_> {
        super::scoring::ScoredSplit {
            x_train: &self.x_train,
            x_test: &self.x_test,
            s_train: &self.kernels.k,
            s_test: &self.kernels.k_test,
        }
    }

    /// Trains a Figure 4 SimEc point on `targets` `[m, n]`, with the S_ll term on `s_ll`
    /// `[n, n]` when its `s_ll_reg` is positive, and scores it against the complete `K` and
    /// `K_test`: the MSEs of `simec_train` and `simec_test`.
    ///
    /// # Errors
    /// Model errors (shapes, divergence) and scoring errors.
    pub fn fit_simec<S>(
        &self,
        params: &simec::SimecValidParams,
        targets: &simec::Matrix,
        s_ll: &simec::Matrix,
        step: Step<'_, S>,
    ) -> Result<Computed> {
        let sll = (params.s_ll_reg() > 0.0).then(|| simec::SllTarget::single(s_ll));
        fit_yyt_train_test(params, &self.scored_split(), targets, sll, step)
    }

    /// A one-line description for the run's notes (gamma, max |K|, sizes).
    pub fn describe(&self) -> String {
        format!(
            "rbf gamma (median heuristic over {} training points) = {:.6}; max |K| = {:.4}; \
             m_train = {}, m_test = {}",
            self.kernels.k.nrows(),
            self.kernels.gamma,
            self.kernels.k.amax(),
            self.kernels.k.nrows(),
            self.kernels.k_test.nrows()
        )
    }
}

/// The kPCA reference of Figure 4: `KernelPca` with `n_components` (10 in the paper) fitted on
/// `K`; the training embedding is scored against `K`, the out-of-sample embedding of the test
/// points (scikit-learn's `transform` of `rbf(X_test, X)`, see
/// [`RbfKernels::kpca_test_input`]) against `K_test`. Returns `(train, test)` MSEs.
///
/// # Errors
/// A LAPACK or shape error, with context.
pub fn kpca_reference(kernels: &RbfKernels, n_components: usize) -> Result<(f64, f64)> {
    let kpca = baselines::KernelPca::fit(&kernels.k, n_components).context("kPCA fit on K")?;
    let y_train = kpca.embedding(); // [m, c]
    let y_test = kpca
        .transform(&kernels.kpca_test_input())
        .context("kPCA transform of rbf(X_test, X)")?; // [m_test, c]
    let train = baselines::mse_gram(y_train, &kernels.k)?;
    let test = baselines::mse_gram(&y_test, &kernels.k_test)?;
    Ok((train, test))
}

/// The kPCA reference task of a Figure 4 panel: `kpca_{variant}train` / `..._test` at every x
/// (kPCA does not depend on x; the paper prints it at every x).
pub fn kpca_task<K>(key: K, variant: Option<&str>, xs: &[f64]) -> Task<K> {
    let method = match variant {
        Some(v) => Method::variant(MethodKind::Kpca, v),
        None => Method::plain(MethodKind::Kpca),
    };
    let mut points = Vec::new();
    for id in train_test(method) {
        points.extend(xs.iter().map(|&x| (id.clone(), x)));
    }
    Task::deterministic(key, "kPCA reference", points)
}

/// The `{method}_train` and `{method}_test` series of a Figure 4 panel: the training embedding
/// scored against `K`, the test embedding against `K_test`.
pub fn train_test(method: Method) -> [SeriesId; 2] {
    [
        SeriesId::split(method.clone(), Split::Train),
        SeriesId::split(method, Split::Test),
    ]
}

/// The MSEs of [`kpca_task`]'s points: the train MSE at every x, then the test MSE.
///
/// # Errors
/// As [`kpca_reference`].
pub fn kpca_rows(kernels: &RbfKernels, n_components: usize, n_x: usize) -> Result<Vec<f64>> {
    let (train, test) = kpca_reference(kernels, n_components)?;
    Ok([vec![train; n_x], vec![test; n_x]].concat())
}
