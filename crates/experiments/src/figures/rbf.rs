//! What the three panels of Figure 4 share (paper section 4.2, PAPER_SETUP.md "Figure 4"): the
//! main MNIST split, the median-heuristic RBF kernels (train, test, test-vs-train), the kernel
//! PCA reference, the SimEc inputs and the panel drawing.
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
use nalgebra::{DMatrix, DVector};

use crate::config::SimecArch;
use crate::convert::to_simec;
use crate::data::PaperSplit;
use crate::plot::LinePlot;
use crate::results::ResultRow;

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

/// The Figure 4 kernels of one split (see the module docs).
pub struct RbfKernels {
    /// The median-heuristic bandwidth.
    pub gamma: f64,
    /// `center_K(rbf(X, X))`, `[m, m]`.
    pub k: DMatrix<f64>,
    /// `center_K(rbf(X_test, X_test))`, `[m_test, m_test]`.
    pub k_test: DMatrix<f64>,
    /// The test-by-train block of `center_K(rbf)` over the stacked points, `[m_test, m]`.
    pub k_test_train: DMatrix<f64>,
    /// The uncentered `rbf(X_test, X)`, `[m_test, m]` (input of the kPCA out-of-sample
    /// transform, see [`RbfKernels::kpca_test_input`]).
    pub rbf_test_train: DMatrix<f64>,
    /// Column means of the uncentered `rbf(X, X)`, `[m]`.
    pub rbf_train_col_means: DVector<f64>,
    /// Grand mean of the uncentered `rbf(X, X)`.
    pub rbf_train_grand_mean: f64,
}

impl RbfKernels {
    /// The test-vs-train kernel as scikit-learn's `KernelPCA` fitted on the uncentered `rbf(X, X)`
    /// sees it before its own row centering: `rbf(X_test, X) - 1 c^T + g` (`c`, `g` the column
    /// and grand means of `rbf(X, X)`), `[m_test, m]`. [`baselines::KernelPca::transform`] of a
    /// kPCA fitted on the centered `K` (whose column and grand means are 0) then applies exactly
    /// `KernelCenterer.transform`. This, not `K_test_train`, reproduces the paper's kPCA test
    /// error (4.59733e-4; `K_test_train` gives 4.5714e-4: it is centered with the means over
    /// all 10,000 points instead of the training kernel's).
    pub fn kpca_test_input(&self) -> DMatrix<f64> {
        let g = self.rbf_train_grand_mean;
        let mut out = self.rbf_test_train.clone(); // [m_test, m]
        for (mut col, c) in out.column_iter_mut().zip(self.rbf_train_col_means.iter()) {
            col.add_scalar_mut(g - c);
        }
        out
    }
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

/// Builds the Figure 4 kernels of `x_train` (`[m, p]`) and `x_test` (`[m_test, p]`); see the
/// module docs. Peak memory: one `m x m` f64 matrix plus the median heuristic's `m^2 / 2`
/// distances (the centering works in place).
///
/// # Errors
/// Non-finite features, fewer than two distinct training points, a centering error.
pub fn rbf_kernels(x_train: &DMatrix<f64>, x_test: &DMatrix<f64>) -> Result<RbfKernels> {
    let (m, mt) = (x_train.nrows(), x_test.nrows());
    let gamma = crate::similarity::median_heuristic_gamma(x_train)
        .context("median heuristic bandwidth of the training features")?;
    let a = crate::similarity::rbf_kernel(x_train, gamma).context("rbf(X, X)")?; // [m, m]
    let a_tt =
        crate::similarity::rbf_kernel_between(x_test, x_train, gamma).context("rbf(X_test, X)")?; // [m_test, m]
    let a_te = crate::similarity::rbf_kernel(x_test, gamma).context("rbf(X_test, X_test)")?; // [m_test, m_test]

    // Row sums of the stacked kernel [[a, a_tt^T], [a_tt, a_te]] ([m + m_test] square).
    let a_row = row_sums(&a); // [m]
    let a_tt_row = row_sums(&a_tt); // [m_test]
    let a_tt_col = col_sums(&a_tt); // [m]
    let a_te_row = row_sums(&a_te); // [m_test]
    let n = (m + mt) as f64;
    let r_train: DVector<f64> = (&a_row + &a_tt_col) / n; // [m]
    let r_test: DVector<f64> = (&a_tt_row + &a_te_row) / n; // [m_test]
    let g = (a_row.sum() + 2.0 * a_tt_row.sum() + a_te_row.sum()) / (n * n);
    let mut k_test_train = a_tt.clone(); // [m_test, m]
    for (j, mut col) in k_test_train.column_iter_mut().enumerate() {
        let shift = g - r_train[j];
        for (v, ri) in col.iter_mut().zip(r_test.iter()) {
            *v += shift - ri;
        }
    }
    let rbf_train_col_means = col_sums(&a) / m as f64; // [m]
    let rbf_train_grand_mean = rbf_train_col_means.mean();
    let k = baselines::center_kernel_owned(a).context("center_K(rbf(X, X))")?; // [m, m]
    let k_test = baselines::center_kernel_owned(a_te).context("center_K(rbf(X_test, X_test))")?; // [m_test, m_test]
    Ok(RbfKernels {
        gamma,
        k,
        k_test,
        k_test_train,
        rbf_test_train: a_tt,
        rbf_train_col_means,
        rbf_train_grand_mean,
    })
}

fn row_sums(a: &DMatrix<f64>) -> DVector<f64> {
    let mut s = DVector::<f64>::zeros(a.nrows());
    for col in a.column_iter() {
        s += &col;
    }
    s
}

fn col_sums(a: &DMatrix<f64>) -> DVector<f64> {
    DVector::from_iterator(a.ncols(), a.column_iter().map(|c| c.sum()))
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

/// Whether every `(series, x)` pair is in the results.
pub fn all_done<P: serde::de::DeserializeOwned + Clone>(
    run: &super::runner::FigureRun<P>,
    series: &[&str],
    xs: &[f64],
) -> bool {
    series.iter().all(|s| xs.iter().all(|&x| run.is_done(s, x)))
}

/// How one series is drawn: name, palette color, dashed.
pub struct SeriesStyle {
    /// The series name in the CSV.
    pub series: &'static str,
    /// Palette index.
    pub color: usize,
    /// Dashed (test curves) or solid.
    pub dashed: bool,
}

/// One panel from the rows of the given series (in that order), each point's x mapped by `map_x`.
pub fn panel(
    rows: &[ResultRow],
    styles: &[SeriesStyle],
    map_x: impl Fn(f64) -> f64,
    title: &str,
    x_label: &str,
) -> LinePlot {
    let series = styles
        .iter()
        .map(|st| {
            let mut points: Vec<(f64, f64)> = rows
                .iter()
                .filter(|r| r.series == st.series)
                .map(|r| (map_x(r.x), r.mse))
                .collect();
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            crate::plot::LineSeries {
                label: st.series.to_string(),
                points,
                color: st.color,
                dashed: st.dashed,
            }
        })
        .filter(|s| !s.points.is_empty())
        .collect();
    LinePlot {
        title: title.to_string(),
        x_label: x_label.to_string(),
        y_label: "MSE".to_string(),
        series,
        x_range: None,
        y_range: None,
        log_x: false,
        log_y: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The stacked-centering shortcut equals slicing `center_K` of the full stacked kernel.
    #[test]
    fn test_train_block_matches_stacked_centering() {
        let x = DMatrix::from_fn(9, 3, |i, j| ((i * 7 + j * 5) % 11) as f64 / 3.0 - 1.0); // [9, 3]
        let xt = DMatrix::from_fn(4, 3, |i, j| ((i * 3 + j * 2) % 7) as f64 / 2.0 - 0.5); // [4, 3]
        let kern = rbf_kernels(&x, &xt).unwrap();
        let mut stacked = DMatrix::<f64>::zeros(13, 3); // [13, 3]
        stacked.rows_mut(0, 9).copy_from(&x);
        stacked.rows_mut(9, 4).copy_from(&xt);
        let full =
            baselines::center_kernel(&crate::similarity::rbf_kernel(&stacked, kern.gamma).unwrap())
                .unwrap(); // [13, 13]
        let block = full.view((9, 0), (4, 9)); // [4, 9]
        assert!((block - &kern.k_test_train).amax() < 1e-12);
        let k = baselines::center_kernel(&crate::similarity::rbf_kernel(&x, kern.gamma).unwrap())
            .unwrap();
        assert!((k - &kern.k).amax() < 1e-14);
        assert_eq!(kern.k_test.shape(), (4, 4));
    }

    /// The kPCA test embedding equals scikit-learn's `KernelPCA` on the uncentered kernels:
    /// `fit(rbf(X, X)).transform(rbf(X_test, X))`.
    #[test]
    fn kpca_test_input_matches_a_fit_on_the_uncentered_kernel() {
        let x = DMatrix::from_fn(12, 3, |i, j| ((i * 7 + j * 5) % 11) as f64 / 3.0 - 1.0); // [12, 3]
        let xt = DMatrix::from_fn(5, 3, |i, j| ((i * 3 + j * 2) % 7) as f64 / 2.0 - 0.5); // [5, 3]
        let kern = rbf_kernels(&x, &xt).unwrap();
        let ours = baselines::KernelPca::fit(&kern.k, 3)
            .unwrap()
            .transform(&kern.kpca_test_input())
            .unwrap(); // [5, 3]
        let raw = crate::similarity::rbf_kernel(&x, kern.gamma).unwrap(); // [12, 12]
        let raw_tt = crate::similarity::rbf_kernel_between(&xt, &x, kern.gamma).unwrap(); // [5, 12]
        let sk = baselines::KernelPca::fit(&raw, 3)
            .unwrap()
            .transform(&raw_tt)
            .unwrap(); // [5, 3]
                       // Compare Gram matrices (immune to eigenvector signs).
        let diff = (&ours * ours.transpose()) - (&sk * sk.transpose()); // [5, 5]
        assert!(diff.amax() < 1e-10, "{diff}");
    }
}
