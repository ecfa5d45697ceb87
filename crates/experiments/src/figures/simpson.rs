//! What Figures 5-7 share: "MNIST 0/7" with the non-metric Simpson similarity (paper section 4.3;
//! PAPER_SETUP.md "Figures 5-7"), its full eigendecomposition, the split `S = S1 - S2` by
//! eigenvalue sign with Figure 7's normalization, and the SimEc training / scoring helpers.
//!
//! Setup: the 0s and 7s of the paper order, `RandomState(42)` permutation, first `m` (5,000 in
//! the paper); `S = center_K(simpson(binary))` (`m x m`); `S = V D V^T` by `dsyevd`, eigenvalues
//! descending. The paper's run printed the largest eigenvalues 531.6, 235.3, 215.9 and the most
//! negative -132.0, -74.7, -35.2; [`SimpsonSetup::check_paper_spectrum`] checks them at m = 5000.
//!
//! Normalization (Figure 7): `S1 = V+ D+ V+^T`, `S2 = V- |D-| V-^T`; each divided by its largest
//! eigenvalue (`lambda_max(S)`, `|lambda_min(S)|`); then both divided by the largest absolute entry
//! of the stack `[S1, S2]`. `S1`, `S2` and `S1 + S2` keep `S`'s eigenvectors, so their
//! eigenpairs come from `S`'s decomposition ([`part_eigen`]) without another `dsyevd`.

use std::path::Path;

use anyhow::{bail, ensure, Context, Result};
use baselines::Eigen;
use nalgebra::{DMatrix, DVector};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::runner::FigureRun;
use crate::config::SimecArch;
use crate::convert::from_simec;
use crate::data::ZeroSeven;

/// The paper's number of MNIST 0/7 points.
pub const PAPER_M: usize = crate::data::subset::N_ZERO_SEVEN;
/// The three largest eigenvalues of the centered Simpson similarity the paper printed (m = 5000).
pub const PAPER_LARGEST: [f64; 3] = [531.6, 235.3, 215.9];
/// The three most negative eigenvalues the paper printed (m = 5000), most negative first.
pub const PAPER_MOST_NEGATIVE: [f64; 3] = [-132.0, -74.7, -35.2];
/// The paper prints one decimal: ours must round to it (half a unit plus float slack).
const PAPER_EIGENVALUE_TOL: f64 = 0.0501;

/// The `[profiles.NAME]` table of `experiments/fig6_nonmetric.toml` and
/// `experiments/fig7_s1s2.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NonmetricProfile {
    /// MNIST 0/7 points (5,000 in the paper; at most 14,196).
    pub m: usize,
    /// Base seed for SimEc initialization and shuffling.
    pub seed: u64,
    /// The swept embedding dimensions d.
    pub embedding_dims: Vec<usize>,
    /// The SimEc (targets: the first `n_targets` columns of each target matrix).
    pub simec: SimecArch,
}

impl NonmetricProfile {
    /// Checks sizes against each other (d <= n_targets <= m).
    ///
    /// # Errors
    /// The first impossible value, named.
    pub fn validate(&self) -> Result<()> {
        validate_arch(self.m, &self.simec)?;
        ensure!(!self.embedding_dims.is_empty(), "embedding_dims is empty");
        for &d in &self.embedding_dims {
            ensure!(
                d >= 1 && d <= self.simec.n_targets,
                "embedding dimension {d} must be in 1..=simec.n_targets = {}",
                self.simec.n_targets
            );
        }
        Ok(())
    }
}

/// Checks `m >= 2` and `1 <= n_targets <= m`.
///
/// # Errors
/// Names the offending value.
pub fn validate_arch(m: usize, arch: &SimecArch) -> Result<()> {
    ensure!(m >= 2, "m = {m}: at least 2 MNIST 0/7 points are needed");
    ensure!(
        arch.n_targets >= 1 && arch.n_targets <= m,
        "simec.n_targets = {} must be in 1..=m = {m}",
        arch.n_targets
    );
    Ok(())
}

/// MNIST 0/7, its centered Simpson similarity and that matrix's full eigendecomposition.
pub struct SimpsonSetup {
    /// The points: `x` (network inputs, centered pixels/255), `binary`, `labels`, `idx`.
    pub data: ZeroSeven,
    /// `center_K(simpson(binary))`, `[m, m]`.
    pub s: DMatrix<f64>,
    /// Every eigenpair of `s`, eigenvalues descending: values `[m]`, vectors `[m, m]`.
    pub eig: Eigen,
}

impl SimpsonSetup {
    /// Loads MNIST (see [`crate::data::load_mnist`] for the search order) and builds the setup
    /// for the first `m` points of MNIST 0/7.
    ///
    /// # Errors
    /// Missing or corrupt MNIST, `m` beyond the 14,196 0s and 7s, an empty binarized image,
    /// LAPACK failure.
    pub fn load(data_dir: Option<&Path>, m: usize) -> Result<Self> {
        let mnist = crate::data::load_mnist(data_dir).context("loading MNIST")?;
        let data = crate::data::mnist_0_7(&mnist, m)
            .with_context(|| format!("building MNIST 0/7 with m = {m}"))?;
        drop(mnist);
        Self::from_data(data)
    }

    /// The Simpson similarity of `data.binary`, centered, and its full eigendecomposition
    /// (`dsyevd`; about 15-30 s at m = 5000 on 2 cores).
    ///
    /// # Errors
    /// An empty or non-binary image, LAPACK failure.
    pub fn from_data(data: ZeroSeven) -> Result<Self> {
        let raw = crate::similarity::simpson_similarity(&data.binary)
            .context("Simpson similarity of the binarized MNIST 0/7 images")?; // [m, m]
        let s = baselines::center_kernel_owned(raw).context("centering the Simpson similarity")?; // [m, m]
        let eig = baselines::symmetric_eigen_full(&s)
            .context("full eigendecomposition (dsyevd) of the centered Simpson similarity")?;
        Ok(Self { data, s, eig })
    }

    /// Number of points m.
    pub fn m(&self) -> usize {
        self.s.nrows()
    }

    /// One line: the three largest and most negative eigenvalues, the number of negative ones
    /// and their share of the squared spectrum (`sum_{lambda < 0} lambda^2 / sum lambda^2`,
    /// i.e. of `||S||_F^2`).
    pub fn spectrum_summary(&self) -> String {
        let v = &self.eig.values;
        let m = v.len();
        let top: Vec<String> = v.iter().take(3).map(|l| format!("{l:.3}")).collect();
        let bottom: Vec<String> = v.iter().rev().take(3).map(|l| format!("{l:.3}")).collect();
        let n_neg = v.iter().filter(|&&l| l < 0.0).count();
        format!(
            "Simpson spectrum (m = {m}): largest {}; most negative {}; {n_neg} of {m} negative, \
             holding {:.1}% of ||S||_F^2 (paper, m = 5000: largest 531.6, 235.3, 215.9; most \
             negative -132.0, -74.7, -35.2)",
            top.join(", "),
            bottom.join(", "),
            100.0 * negative_share(v)
        )
    }

    /// At the paper's m = 5000, checks the three largest and most negative eigenvalues against
    /// the paper's printed ones (to its one decimal); does nothing at other m.
    ///
    /// # Errors
    /// An eigenvalue that does not round to the paper's: the data or the similarity differ.
    pub fn check_paper_spectrum(&self) -> Result<()> {
        let v = &self.eig.values;
        let m = v.len();
        if m != PAPER_M {
            return Ok(());
        }
        let ours_top = (0..3).map(|i| v[i]);
        let ours_bottom = (0..3).map(|i| v[m - 1 - i]);
        for (ours, paper) in ours_top
            .chain(ours_bottom)
            .zip(PAPER_LARGEST.iter().chain(&PAPER_MOST_NEGATIVE))
        {
            if (ours - paper).abs() > PAPER_EIGENVALUE_TOL {
                bail!(
                    "eigenvalue {ours:.4} of the centered Simpson similarity does not match the \
                     paper's {paper} (m = {m}); {}",
                    self.spectrum_summary()
                );
            }
        }
        Ok(())
    }

    /// The two-dimensional embedding by the two most negative eigenvalues: columns
    /// `v_m sqrt(|lambda_m|)` (most negative) and `v_{m-1} sqrt(|lambda_{m-1}|)`, `[m, 2]`.
    ///
    /// # Errors
    /// Fewer than two eigenpairs.
    pub fn most_negative_embedding(&self) -> Result<DMatrix<f64>> {
        let m = self.eig.len();
        ensure!(m >= 2, "need at least 2 eigenpairs, have {m}");
        let mut y = DMatrix::<f64>::zeros(self.eig.vectors.nrows(), 2); // [m, 2]
        for (col, src) in [m - 1, m - 2].into_iter().enumerate() {
            let scale = self.eig.values[src].abs().sqrt();
            y.column_mut(col)
                .zip_apply(&self.eig.vectors.column(src), |o, v| *o = v * scale);
        }
        Ok(y)
    }
}

/// `sum_{lambda < 0} lambda^2 / sum lambda^2` (0 for an all-zero spectrum).
pub fn negative_share(values: &DVector<f64>) -> f64 {
    let total: f64 = values.iter().map(|l| l * l).sum();
    let neg: f64 = values.iter().filter(|&&l| l < 0.0).map(|l| l * l).sum();
    if total > 0.0 {
        neg / total
    } else {
        0.0
    }
}

/// A matrix of Figure 7: S1, S2, or their sum (all normalized).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The positive part `S1`.
    S1,
    /// The negative part `S2` (`S = S1 - S2`).
    S2,
    /// `S1 + S2 = V |D| V^T` (normalized parts).
    Sum,
}

impl Part {
    /// The name used in series ids: `S1`, `S2`, `S1plusS2`.
    pub fn name(self) -> &'static str {
        match self {
            Part::S1 => "S1",
            Part::S2 => "S2",
            Part::Sum => "S1plusS2",
        }
    }
}

/// Figure 7's scale factors: `S1_norm = S1 / (lambda1 * max_abs)`, `S2_norm = S2 / (lambda2 *
/// max_abs)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Normalization {
    /// Largest eigenvalue of S1 (= `lambda_max(S)`).
    pub lambda1: f64,
    /// Largest eigenvalue of S2 (= `|lambda_min(S)|`).
    pub lambda2: f64,
    /// Largest absolute entry of the stack `[S1 / lambda1, S2 / lambda2]`.
    pub max_abs: f64,
}

impl Normalization {
    /// The factor turning S1 into its normalized form.
    pub fn scale1(&self) -> f64 {
        1.0 / (self.lambda1 * self.max_abs)
    }

    /// The factor turning S2 into its normalized form.
    pub fn scale2(&self) -> f64 {
        1.0 / (self.lambda2 * self.max_abs)
    }

    /// The eigenvalue of the normalized `part` belonging to `S`'s eigenpair with eigenvalue
    /// `lambda` (0 where the pair lies in the other part).
    pub fn part_eigenvalue(&self, part: Part, lambda: f64) -> f64 {
        let pos = lambda.max(0.0) * self.scale1();
        let neg = (-lambda).max(0.0) * self.scale2();
        match part {
            Part::S1 => pos,
            Part::S2 => neg,
            Part::Sum => pos + neg,
        }
    }
}

/// Figure 7's normalized S1 and S2.
pub struct NormalizedParts {
    /// Normalized S1, `[m, m]`.
    pub s1: DMatrix<f64>,
    /// Normalized S2, `[m, m]`.
    pub s2: DMatrix<f64>,
    /// The scale factors applied.
    pub norm: Normalization,
}

impl NormalizedParts {
    /// The normalized `S1 + S2`, `[m, m]` (a new matrix).
    pub fn sum(&self) -> DMatrix<f64> {
        &self.s1 + &self.s2 // [m, m]
    }

    /// One line with the scale factors.
    pub fn summary(&self) -> String {
        let n = &self.norm;
        format!(
            "normalization: S1 / {:.4} (largest eigenvalue), S2 / {:.4}; then both / {:.6} (max \
             |entry| of the stack)",
            n.lambda1, n.lambda2, n.max_abs
        )
    }
}

/// `S1` and `S2` with `S = S1 - S2` (PSD parts by eigenvalue sign) from the full
/// decomposition, unnormalized.
pub fn sign_parts(eig: &Eigen) -> (DMatrix<f64>, DMatrix<f64>) {
    baselines::split_by_sign(eig) // [m, m] each
}

/// Figure 7's normalized S1 and S2 from the full decomposition of `S` (see module docs).
///
/// # Errors
/// `S` without a positive or without a negative eigenvalue (a part would be 0 and cannot be
/// normalized).
pub fn normalized_parts(eig: &Eigen) -> Result<NormalizedParts> {
    ensure!(!eig.is_empty(), "empty eigendecomposition");
    let lambda1 = eig.values.max();
    let lambda2 = -eig.values.min();
    ensure!(
        lambda1 > 0.0 && lambda2 > 0.0,
        "S needs both positive and negative eigenvalues for Figure 7's normalization (largest \
         {lambda1}, most negative {})",
        -lambda2
    );
    let (mut s1, mut s2) = sign_parts(eig); // [m, m] each
    let max_abs = (s1.amax() / lambda1).max(s2.amax() / lambda2);
    ensure!(
        max_abs.is_finite() && max_abs > 0.0,
        "max |entry| of the stack [S1, S2] is {max_abs}"
    );
    let norm = Normalization {
        lambda1,
        lambda2,
        max_abs,
    };
    s1 *= norm.scale1();
    s2 *= norm.scale2();
    Ok(NormalizedParts { s1, s2, norm })
}

/// The `k` largest eigenpairs of the normalized `part`, eigenvalues descending (ties keep S's
/// order), taken from `S`'s full decomposition `eig` (same eigenvectors; see module docs).
///
/// # Errors
/// `k` not in `1..=eig.len()`.
pub fn part_eigen(eig: &Eigen, norm: &Normalization, part: Part, k: usize) -> Result<Eigen> {
    let len = eig.len();
    ensure!(
        k >= 1 && k <= len,
        "{k} eigenpairs of {} requested, {len} available",
        part.name()
    );
    let mut order: Vec<(usize, f64)> = (0..len)
        .map(|i| (i, norm.part_eigenvalue(part, eig.values[i])))
        .collect();
    order.sort_by(|a, b| b.1.total_cmp(&a.1));
    order.truncate(k);
    let m = eig.vectors.nrows();
    let values = DVector::from_iterator(k, order.iter().map(|&(_, v)| v)); // [k]
    let mut vectors = DMatrix::<f64>::zeros(m, k); // [m, k]
    for (dst, &(src, _)) in order.iter().enumerate() {
        vectors.column_mut(dst).copy_from(&eig.vectors.column(src));
    }
    Ok(Eigen { values, vectors })
}

/// SimEc targets: `[m, k * n]` f32, column block j = the first `n` columns of `slices[j]`
/// (each `[m, >= n]`). Copies in row blocks so that the column-major reads and row-major writes
/// both stay in cache.
///
/// # Errors
/// Slices of different row counts or with fewer than `n` columns.
pub fn simec_targets(slices: &[&DMatrix<f64>], n: usize) -> Result<simec::Matrix> {
    ensure!(!slices.is_empty(), "no target matrices");
    let m = slices[0].nrows();
    for (j, s) in slices.iter().enumerate() {
        ensure!(
            s.nrows() == m && s.ncols() >= n,
            "target slice {j} is {} x {}, expected {m} rows and >= {n} columns",
            s.nrows(),
            s.ncols()
        );
    }
    let width = slices.len() * n;
    let mut data = vec![0.0f32; m * width];
    const ROWS: usize = 256;
    for r0 in (0..m).step_by(ROWS) {
        let r1 = (r0 + ROWS).min(m);
        for (j, s) in slices.iter().enumerate() {
            for c in 0..n {
                let col = &s.column(c); // [m], contiguous
                let out_c = j * n + c;
                for r in r0..r1 {
                    data[r * width + out_c] = col[r] as f32;
                }
            }
        }
    }
    simec::Matrix::new(m, width, data).context("assembling the SimEc targets")
}

/// The S_ll of one slice: the leading `[n, n]` block of `s` as f32.
pub fn simec_s_ll(s: &DMatrix<f64>, n: usize) -> Result<simec::Matrix> {
    simec_targets(&[&s.rows(0, n).into_owned()], n)
}

/// A trained SimEc reduced to what Figures 5-7 score: its embedding and last layer, in f64.
pub struct TrainedSimec {
    /// `Y = f'(X)`, `[m, d]`.
    pub y: DMatrix<f64>,
    /// `W_l`, `[d, k * n]`; column block j is slice j.
    pub w_l: DMatrix<f64>,
    /// Targets per slice, n.
    pub n: usize,
}

impl TrainedSimec {
    /// Trains `params` on `x` -> `targets` (with `s_ll` when `s_ll_reg > 0`) under a progress
    /// bar of `run`, then keeps `Y` and `W_l`.
    ///
    /// # Errors
    /// Model errors (bad shapes, divergence), with `label` as context.
    #[allow(clippy::too_many_arguments)]
    pub fn fit<P: DeserializeOwned + Clone>(
        run: &FigureRun<P>,
        label: &str,
        params: &simec::SimecValidParams,
        x: &simec::Matrix,
        targets: &simec::Matrix,
        s_ll: Option<simec::SllTarget<'_>>,
        device: &burn::tensor::Device,
    ) -> Result<Self> {
        run.train_point(label, params.epochs(), |progress| {
            let model = params.fit_with_callback(x, targets, s_ll, device, progress)?;
            Self::from_model(&model, x)
        })
    }

    /// Trains without a progress bar (tests).
    ///
    /// # Errors
    /// Model errors.
    pub fn fit_quiet(
        params: &simec::SimecValidParams,
        x: &simec::Matrix,
        targets: &simec::Matrix,
        s_ll: Option<simec::SllTarget<'_>>,
        device: &burn::tensor::Device,
    ) -> Result<Self> {
        let model = params.fit(x, targets, s_ll, device)?;
        Self::from_model(&model, x)
    }

    fn from_model(model: &simec::Simec, x: &simec::Matrix) -> Result<Self> {
        let y = from_simec(&model.transform(x)?); // [m, d]
        let w_l = from_simec(&model.last_layer()); // [d, k * n]
        Ok(Self {
            y,
            w_l,
            n: model.n_targets(),
        })
    }

    /// `mean((S[:, :n] - Y W_l,j)^2)` of slice `j` against the first `n` columns of `s`
    /// (`[m, >= n]`); `Y W_l` is never formed.
    ///
    /// # Errors
    /// No such slice, or shapes that disagree.
    pub fn mse_ywl(&self, slice: usize, s: &DMatrix<f64>) -> Result<f64> {
        let n = self.n;
        ensure!(
            (slice + 1) * n <= self.w_l.ncols(),
            "slice {slice} of a W_l with {} columns (n = {n})",
            self.w_l.ncols()
        );
        ensure!(s.ncols() >= n, "target has {} < n = {n} columns", s.ncols());
        let b = self.w_l.columns(slice * n, n).transpose(); // [n, d]
        let mse = if s.ncols() == n {
            baselines::mse_cross(&self.y, &b, s)
        } else {
            baselines::mse_cross(&self.y, &b, &s.columns(0, n).into_owned()) // vs [m, n]
        };
        mse.context("MSE of Y W_l")
    }

    /// `mean((S - Y Y^T)^2)` against `s` (`[m, m]`).
    ///
    /// # Errors
    /// Shapes that disagree.
    pub fn mse_yyt(&self, s: &DMatrix<f64>) -> Result<f64> {
        baselines::mse_gram(&self.y, s).context("MSE of Y Y^T")
    }
}

/// The SimEc hyperparameters of `arch` at dimension `d` with `n_slices` slices.
///
/// # Errors
/// Invalid hyperparameters, named.
pub fn simec_params(
    arch: &SimecArch,
    d: usize,
    n_slices: usize,
    seed: u64,
) -> Result<simec::SimecValidParams> {
    let p = arch
        .params(d, seed)
        .with_context(|| format!("SimEc hyperparameters at d = {d}"))?;
    if n_slices == 1 {
        return Ok(p);
    }
    simec::SimecParams::from(p)
        .n_slices(n_slices)
        .check()
        .with_context(|| format!("SimEc hyperparameters with {n_slices} slices"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn random_symmetric(n: usize, seed: u64) -> DMatrix<f64> {
        let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
        let a = DMatrix::from_fn(n, n, |_, _| next());
        (&a + a.transpose()) * 0.5
    }

    #[test]
    fn parts_before_normalization_recompose_s() {
        let s = random_symmetric(40, 7);
        let eig = baselines::symmetric_eigen_full(&s).unwrap();
        let (s1, s2) = sign_parts(&eig);
        assert!((&s1 - &s2 - &s).amax() < 1e-12);
    }

    #[test]
    fn normalization_scales_each_part_and_the_stack() {
        let s = random_symmetric(40, 8);
        let eig = baselines::symmetric_eigen_full(&s).unwrap();
        let (s1, s2) = sign_parts(&eig);
        let p = normalized_parts(&eig).unwrap();
        let n = p.norm;
        // Each part divided by its largest eigenvalue, then by the stack's max |entry|.
        assert!((&p.s1 - &s1 * n.scale1()).amax() < 1e-14);
        assert!((&p.s2 - &s2 * n.scale2()).amax() < 1e-14);
        assert!((p.s1.amax().max(p.s2.amax()) - 1.0).abs() < 1e-12);
        // Largest eigenvalues after normalization are 1 / max_abs for both parts.
        let top1 = baselines::symmetric_eigen_top_k(&p.s1, 1).unwrap().values[0];
        let top2 = baselines::symmetric_eigen_top_k(&p.s2, 1).unwrap().values[0];
        assert!((top1 * n.max_abs - 1.0).abs() < 1e-10, "{top1}");
        assert!((top2 * n.max_abs - 1.0).abs() < 1e-10, "{top2}");
        // S1 - S2 is S up to the two scales.
        let back = &p.s1 / n.scale1() - &p.s2 / n.scale2();
        assert!((back - &s).amax() < 1e-12);
    }

    #[test]
    fn part_eigen_matches_a_direct_decomposition() {
        let s = random_symmetric(30, 9);
        let eig = baselines::symmetric_eigen_full(&s).unwrap();
        let p = normalized_parts(&eig).unwrap();
        let sum = p.sum();
        for (part, mat) in [(Part::S1, &p.s1), (Part::S2, &p.s2), (Part::Sum, &sum)] {
            let ours = part_eigen(&eig, &p.norm, part, 5).unwrap();
            let direct = baselines::symmetric_eigen_top_k(mat, 5).unwrap();
            assert!(
                (&ours.values - &direct.values).amax() < 1e-10,
                "{part:?}: {} vs {}",
                ours.values,
                direct.values
            );
            let (a, b) = (ours.embedding(5).unwrap(), direct.embedding(5).unwrap());
            let mse_a = baselines::mse_gram(&a, mat).unwrap();
            let mse_b = baselines::mse_gram(&b, mat).unwrap();
            assert!(
                (mse_a - mse_b).abs() < 1e-12,
                "{part:?}: {mse_a} vs {mse_b}"
            );
        }
        assert!(part_eigen(&eig, &p.norm, Part::S1, 31).is_err());
    }

    #[test]
    fn normalization_needs_both_signs() {
        let a = DMatrix::from_fn(6, 3, |r, c| (r * 3 + c) as f64 / 7.0);
        let psd = &a * a.transpose(); // [6, 6], no negative eigenvalue beyond round-off
        let eig = baselines::symmetric_eigen_full(&psd).unwrap();
        let mut eig_pos = eig.clone();
        eig_pos.values.iter_mut().for_each(|l| *l = l.abs());
        assert!(normalized_parts(&eig_pos).is_err());
    }

    #[test]
    fn targets_are_column_blocks() {
        let a = DMatrix::from_fn(300, 300, |r, c| (r * 1000 + c) as f64);
        let b = &a * 2.0;
        let t = simec_targets(&[&a, &b], 7).unwrap();
        assert_eq!((t.rows(), t.cols()), (300, 14));
        assert_eq!(t.get(299, 3), 299_003.0);
        assert_eq!(t.get(257, 7 + 6), 2.0 * 257_006.0);
        let sll = simec_s_ll(&a, 7).unwrap();
        assert_eq!((sll.rows(), sll.cols(), sll.get(6, 5)), (7, 7, 6005.0));
        assert!(simec_targets(&[&a, &b.rows(0, 10).into_owned()], 7).is_err());
    }
}
