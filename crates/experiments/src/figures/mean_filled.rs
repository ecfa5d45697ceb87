//! The missing-targets protocol of the paper's Figure 4 (right), as its companion notebook ran it.
//!
//! - [`NotebookMaskStream`]: the missing patterns. The notebook seeds NumPy's global generator
//!   once (`np.random.seed(15)`) before the sweep and, for each fraction f in turn, draws
//!   `K_noisy[np.random.rand(*K.shape) <= f] = -100` over the whole training kernel, then trains a
//!   keras SimEc, which consumes the same global generator: one `np.random.randint(10e6)` per Dense
//!   layer kernel (keras' TF backend seeds each glorot initializer that way) and one
//!   `np.random.shuffle` of the `m` training indices per epoch. The stream replays exactly these
//!   draws, so the i-th pattern is the notebook's i-th pattern.
//! - [`general_eigen_top`]: the notebook's mean-filled eigendecomposition uses
//!   `np.linalg.eig` (the *general*, non-symmetric solver, LAPACK `dgeev`) on the filled,
//!   non-symmetric matrix, sorts the eigenvalues by real part (descending) and embeds
//!   `Y = V.real sqrt(|D.real|)`. Up to [`DGEEV_MAX_N`] rows that is a full `dgeev`
//!   ([`baselines::general_eigen_full`]); a full `dgeev` of 8000 x 8000 is far too slow here, so
//!   there the dominant eigenpairs come from subspace iteration with Rayleigh-Ritz projection; each returned
//!   eigenvector has unit Euclidean norm, like `dgeev`'s.
//! - [`mean_filled_general_embedding`]: fill, decompose, embed.

use anyhow::{bail, Result};
use nalgebra::{DMatrix, DVector};
use rayon::prelude::*;

use crate::data::NumpyRandomState;

/// `np.random.randint(10e6)` draws an integer in `0..=9_999_999`.
const KERAS_SEED_MAX: u64 = 9_999_999;

/// Replays the notebook's global NumPy generator over the missing-targets sweep (module docs).
#[derive(Clone)]
pub struct NotebookMaskStream {
    rs: NumpyRandomState,
    m: usize,
    dense_layers: usize,
    epochs: usize,
}

impl NotebookMaskStream {
    /// The stream after `np.random.seed(seed)`, for an `m x m` kernel and a keras SimEc with
    /// `dense_layers` Dense layers (hidden layers + embedding + output) trained `epochs` epochs on
    /// the `m` training points.
    pub fn new(seed: u32, m: usize, dense_layers: usize, epochs: usize) -> Self {
        Self {
            rs: NumpyRandomState::new(seed),
            m,
            dense_layers,
            epochs,
        }
    }

    /// The next pattern, `rand(m, m) <= f` row-major (`mask[i * m + j]`: entry `(i, j)` missing),
    /// followed by the keras SimEc's draws. `[m * m]`.
    pub fn next_mask(&mut self, f: f64) -> Vec<bool> {
        let mask = (0..self.m * self.m)
            .map(|_| self.rs.next_f64() <= f)
            .collect();
        self.skip_keras();
        mask
    }

    /// Advances past one pattern without storing it (same draws as [`Self::next_mask`]).
    pub fn skip_mask(&mut self) {
        for _ in 0..self.m * self.m {
            self.rs.next_f64();
        }
        self.skip_keras();
    }

    /// The pattern of sweep point `index` (0-based) of a fresh stream: skips the `index` earlier
    /// ones, then [`Self::next_mask`].
    pub fn mask_at(
        seed: u32,
        m: usize,
        dense_layers: usize,
        epochs: usize,
        index: usize,
        f: f64,
    ) -> Vec<bool> {
        let mut s = Self::new(seed, m, dense_layers, epochs);
        for _ in 0..index {
            s.skip_mask();
        }
        s.next_mask(f)
    }

    fn skip_keras(&mut self) {
        for _ in 0..self.dense_layers {
            self.rs.random_interval(KERAS_SEED_MAX);
        }
        let mut idx: Vec<u32> = Vec::with_capacity(self.m);
        for _ in 0..self.epochs {
            // Only the number of draws matters: shuffle consumes random_interval(i) for
            // i = m-1 down to 1, whatever the array holds.
            idx.clear();
            idx.extend(0..self.m as u32);
            self.rs.shuffle(&mut idx);
        }
    }
}

/// Dominant eigenpairs of a general (non-symmetric) real matrix.
#[derive(Debug, Clone)]
pub struct GeneralEigen {
    /// The `k` eigenvalues of largest real part, descending (all real).
    pub values: DVector<f64>,
    /// Unit-norm right eigenvectors, `[n, k]`.
    pub vectors: DMatrix<f64>,
    /// Subspace iterations used.
    pub iterations: usize,
}

/// `A * Q` in parallel over row blocks: `[n, n] x [n, p] -> [n, p]`.
fn par_mul(a: &DMatrix<f64>, q: &DMatrix<f64>) -> DMatrix<f64> {
    let n = a.nrows();
    let threads = rayon::current_num_threads().max(1);
    let block = n.div_ceil(threads * 2).max(64);
    let parts: Vec<(usize, DMatrix<f64>)> = (0..n)
        .step_by(block)
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|r0| {
            let h = block.min(n - r0);
            (r0, a.rows(r0, h) * q) // [h, p]
        })
        .collect();
    let mut out = DMatrix::<f64>::zeros(n, q.ncols()); // [n, p]
    for (r0, part) in parts {
        out.rows_mut(r0, part.nrows()).copy_from(&part);
    }
    out
}

/// The `k` eigenpairs of largest real part of the square `a` (`[n, n]`, need not be symmetric),
/// as `np.linalg.eig` + descending sort by real part would give them (eigenvectors up to sign),
/// assuming those eigenvalues are real and dominant in magnitude (true for a kernel matrix with
/// mean-filled gaps, whose noise eigenvalues are small).
///
/// Subspace iteration on a block of `p = max(3k, k + 20)` vectors with a Rayleigh-Ritz step every
/// iteration; stops when every wanted Ritz pair has a relative residual
/// `|A v - lambda v| / |lambda| <= tol`.
///
/// # Errors
/// Non-square or too small input, non-finite entries, a wanted eigenvalue that is complex or
/// not positive... (reported as such), or no convergence within `max_iter` iterations.
pub fn general_eigen_top(
    a: &DMatrix<f64>,
    k: usize,
    tol: f64,
    max_iter: usize,
) -> Result<GeneralEigen> {
    let n = a.nrows();
    if a.ncols() != n {
        bail!(
            "general_eigen_top: matrix is {} x {}, expected square",
            n,
            a.ncols()
        );
    }
    if k == 0 || k > n {
        bail!("general_eigen_top: k = {k}, expected 1..={n}");
    }
    if a.iter().any(|v| !v.is_finite()) {
        bail!("general_eigen_top: matrix holds NaN or infinite entries");
    }
    let p = (3 * k).max(k + 20).min(n);
    let mut rs = NumpyRandomState::new(0);
    let start = DMatrix::from_fn(n, p, |_, _| rs.next_f64() - 0.5); // [n, p]
    let mut q = start.qr().q(); // [n, p]
    for iter in 1..=max_iter {
        let z = par_mul(a, &q); // A Q: [n, p]
        let h = q.transpose() * &z; // [p, p]
        let ritz = h.complex_eigenvalues(); // [p]
        let mut order: Vec<usize> = (0..p).collect();
        order.sort_by(|&i, &j| ritz[j].re.total_cmp(&ritz[i].re));
        let mut values = DVector::<f64>::zeros(k);
        let mut vectors = DMatrix::<f64>::zeros(n, k); // [n, k]
        let mut worst = 0.0f64;
        let mut complex = false;
        for (c, &i) in order.iter().take(k).enumerate() {
            let lambda = ritz[i];
            if lambda.im.abs() > 1e-12 * lambda.norm().max(f64::MIN_POSITIVE) {
                complex = true;
                break;
            }
            let lam = lambda.re;
            // Null vector of H - lam I: the right singular vector of the smallest singular value.
            let shifted = &h - DMatrix::<f64>::identity(p, p) * lam; // [p, p]
            let svd = shifted.svd(false, true);
            let Some(v_t) = svd.v_t else {
                bail!("general_eigen_top: SVD without V^T");
            };
            let y = v_t.row(p - 1).transpose(); // [p]
            let mut v = &q * &y; // [n]
            let norm = v.norm();
            let resid = (&z * &y - &v * lam).norm() / norm; // |A v - lam v| / |v|
            v /= norm;
            worst = worst.max(resid / lam.abs().max(f64::MIN_POSITIVE));
            values[c] = lam;
            vectors.column_mut(c).copy_from(&v);
        }
        if !complex && worst <= tol {
            return Ok(GeneralEigen {
                values,
                vectors,
                iterations: iter,
            });
        }
        q = z.qr().q();
    }
    bail!(
        "general_eigen_top: the top {k} eigenpairs did not converge to a relative residual of \
         {tol:e} in {max_iter} subspace iterations (or a wanted eigenvalue stayed complex)"
    )
}

/// Largest matrix decomposed with a full `dgeev` ([`baselines::general_eigen_full`], about
/// 10 n^3 flops: ~2 s at n = 1000, ~1 min at 3000); larger ones use [`general_eigen_top`].
pub const DGEEV_MAX_N: usize = 3000;

/// Subspace iterations [`mean_filled_general_embedding`] allows before it falls back to a full
/// `dgeev` (when the wanted eigenvalues stand out of the fill noise, a few dozen suffice).
pub const SUBSPACE_MAX_ITER: usize = 300;

/// The notebook's mean-filled embedding: every missing entry of `k` (row-major `mask`, `true` =
/// missing) replaced by `fill`, the `d` eigenpairs of largest real part of the resulting
/// non-symmetric matrix (a full `dgeev` up to [`DGEEV_MAX_N`] rows, exactly as the notebook's
/// `np.linalg.eig`; beyond, subspace iteration with [`general_eigen_top`], and the full `dgeev`
/// after all when that does not converge within [`SUBSPACE_MAX_ITER`] iterations) and
/// `Y = V.real sqrt(|D.real|)` (`[m, d]`).
///
/// # Errors
/// A mask of the wrong size, or the eigensolver's errors.
pub fn mean_filled_general_embedding(
    k: &DMatrix<f64>,
    mask: &[bool],
    fill: f64,
    d: usize,
) -> Result<DMatrix<f64>> {
    let (m, cols) = k.shape();
    if mask.len() != m * cols {
        bail!(
            "missing mask has {} entries, expected {} for a {m} x {cols} kernel",
            mask.len(),
            m * cols
        );
    }
    let filled = DMatrix::from_fn(
        m,
        cols,
        |i, j| {
            if mask[i * cols + j] {
                fill
            } else {
                k[(i, j)]
            }
        },
    ); // [m, m]
       // Exactly the notebook's np.linalg.eig (complex pairs included, by their real parts): the d
       // leading eigenvalues [d] and eigenvectors [m, d].
    let full_dgeev = |a: &DMatrix<f64>| -> Result<(DVector<f64>, DMatrix<f64>)> {
        let eig = baselines::general_eigen_full(a)?;
        Ok((
            eig.values_re.rows(0, d).into_owned(),
            eig.vectors_re.columns(0, d).into_owned(),
        ))
    };
    let (values, mut y) = if m <= DGEEV_MAX_N {
        full_dgeev(&filled)?
    } else {
        match general_eigen_top(&filled, d, 1e-10, SUBSPACE_MAX_ITER) {
            Ok(eig) => (eig.values, eig.vectors), // [d], [m, d]
            Err(e) => {
                // Near f = 1 the wanted eigenvalues sink into the fill noise (and may be complex):
                // no fast convergence, so do what the notebook does: a full dgeev (minutes at
                // m = 8000).
                eprintln!("  {e:#}; falling back to a full dgeev of {m} x {m}");
                full_dgeev(&filled)?
            }
        }
    };
    drop(filled);
    for (mut col, lam) in y.column_iter_mut().zip(values.iter()) {
        col.scale_mut(lam.abs().sqrt());
    }
    Ok(y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn general_eigen_matches_symmetric_solver_on_a_symmetric_matrix() {
        let n = 60;
        let b = DMatrix::from_fn(n, n, |i, j| (((i * 31 + j * 17) % 23) as f64 - 11.0) / 7.0);
        let a = &b * b.transpose(); // [n, n], PSD
        let eig = general_eigen_top(&a, 4, 1e-12, 5000).unwrap();
        let sym = baselines::symmetric_eigen_top_k(&a, 4).unwrap();
        for c in 0..4 {
            assert!((eig.values[c] - sym.values[c]).abs() < 1e-8 * sym.values[0]);
            let dot = eig.vectors.column(c).dot(&sym.vectors.column(c)).abs();
            assert!((dot - 1.0).abs() < 1e-8, "column {c}: |dot| = {dot}");
        }
    }

    #[test]
    fn general_eigen_finds_right_eigenvectors_of_a_nonsymmetric_matrix() {
        // A = S diag(l) S^-1 with a non-orthogonal S: known real eigenpairs.
        let n = 30;
        let s = DMatrix::from_fn(n, n, |i, j| {
            if i == j {
                2.0
            } else {
                (((i * 7 + j * 3) % 11) as f64 - 5.0) / 40.0
            }
        });
        let l = DVector::from_fn(n, |i, _| 50.0 / (1.0 + i as f64));
        let a = &s * DMatrix::from_diagonal(&l) * s.clone().try_inverse().unwrap();
        let eig = general_eigen_top(&a, 3, 1e-12, 5000).unwrap();
        for c in 0..3 {
            assert!(
                (eig.values[c] - l[c]).abs() < 1e-9 * l[0],
                "{}",
                eig.values[c]
            );
            let v = eig.vectors.column(c);
            assert!(((&a * v) - v * eig.values[c]).norm() < 1e-8 * l[0]);
            assert!((v.norm() - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn subspace_iteration_agrees_with_full_dgeev() {
        // A mean-filled kernel-like matrix: low rank plus a non-symmetric fill pattern.
        let n = 120;
        let x = DMatrix::from_fn(n, 3, |i, j| ((i * (j + 3)) % 17) as f64 / 17.0 - 0.4);
        let k = &x * x.transpose(); // [n, n]
        let mask: Vec<bool> = (0..n * n).map(|t| (t * 7919) % 10 < 3).collect();
        let filled = DMatrix::from_fn(n, n, |i, j| if mask[i * n + j] { 0.05 } else { k[(i, j)] });
        let top = general_eigen_top(&filled, 3, 1e-12, 5000).unwrap();
        let full = baselines::general_eigen_full(&filled).unwrap();
        for c in 0..3 {
            assert!((top.values[c] - full.values_re[c]).abs() < 1e-9 * full.values_re[0]);
            let dot = top.vectors.column(c).dot(&full.vectors_re.column(c)).abs();
            assert!((dot - 1.0).abs() < 1e-8, "column {c}: |dot| = {dot}");
        }
    }

    #[test]
    fn stream_replays_rand_then_the_keras_draws() {
        let (m, layers, epochs) = (5, 3, 2);
        let mut s = NotebookMaskStream::new(15, m, layers, epochs);
        let first = s.next_mask(0.5);
        let second = s.next_mask(0.5);
        // By hand: rand(5, 5), 3 randint(10e6), 2 shuffles of 5 indices, rand(5, 5).
        let mut rs = NumpyRandomState::new(15);
        let u1 = rs.random_sample(m * m);
        for _ in 0..layers {
            rs.random_interval(KERAS_SEED_MAX);
        }
        for _ in 0..epochs {
            let mut idx: Vec<usize> = (0..m).collect();
            rs.shuffle(&mut idx);
        }
        let u2 = rs.random_sample(m * m);
        assert_eq!(first, u1.iter().map(|&u| u <= 0.5).collect::<Vec<_>>());
        assert_eq!(second, u2.iter().map(|&u| u <= 0.5).collect::<Vec<_>>());
        assert_eq!(
            NotebookMaskStream::mask_at(15, m, layers, epochs, 1, 0.5),
            second
        );
    }
}
