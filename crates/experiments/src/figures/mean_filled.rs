//! The missing-targets protocol of the paper's Figure 4 (right), as its companion notebook ran it.
//!
//! - [`NotebookMaskStream`]: the missing patterns. The notebook seeds NumPy's global generator
//!   once (`np.random.seed(15)`) before the sweep and, for each fraction f in turn, draws
//!   `K_noisy[np.random.rand(*K.shape) <= f] = -100` over the whole training kernel, then trains a
//!   keras SimEc, which consumes the same global generator: one `np.random.randint(10e6)` per Dense
//!   layer kernel (keras' TF backend seeds each glorot initializer that way) and one
//!   `np.random.shuffle` of the `m` training indices per epoch. The stream replays exactly these
//!   draws, so the i-th pattern is the notebook's i-th pattern.
//! - [`mean_filled_general_embedding`]: fill, decompose, embed. The notebook's mean-filled
//!   eigendecomposition uses `np.linalg.eig` (the *general*, non-symmetric solver, LAPACK `dgeev`)
//!   on the filled, non-symmetric matrix, sorts the eigenvalues by real part (descending) and
//!   embeds `Y = V.real sqrt(|D.real|)`. Up to [`DGEEV_MAX_N`] rows that is a full `dgeev`
//!   ([`baselines::general_eigen_full`]); a full `dgeev` of 8000 x 8000 is far too slow here, so
//!   there the dominant eigenpairs come from subspace iteration
//!   ([`baselines::general_eigen_top`]); each returned eigenvector has unit Euclidean norm, like
//!   `dgeev`'s.

use anyhow::{bail, Result};
use nalgebra::{DMatrix, DVector};

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

/// Largest matrix decomposed with a full `dgeev` ([`baselines::general_eigen_full`], about
/// 10 n^3 flops: ~2 s at n = 1000, ~1 min at 3000); larger ones use
/// [`baselines::general_eigen_top`].
pub const DGEEV_MAX_N: usize = 3000;

/// Subspace iterations [`mean_filled_general_embedding`] allows before it falls back to a full
/// `dgeev` (when the wanted eigenvalues stand out of the fill noise, a few dozen suffice).
pub const SUBSPACE_MAX_ITER: usize = 300;

/// The notebook's mean-filled embedding: every missing entry of `k` (row-major `mask`, `true` =
/// missing) replaced by `fill`, the `d` eigenpairs of largest real part of the resulting
/// non-symmetric matrix (a full `dgeev` up to [`DGEEV_MAX_N`] rows, exactly as the notebook's
/// `np.linalg.eig`; beyond, subspace iteration with [`baselines::general_eigen_top`], and the full
/// `dgeev` after all when that does not converge within [`SUBSPACE_MAX_ITER`] iterations or its
/// check finds an eigenvalue it missed) and
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
        match baselines::general_eigen_top(&filled, d, 1e-10, SUBSPACE_MAX_ITER) {
            Ok(eig) => (eig.values, eig.vectors), // [d], [m, d]
            Err(e) => {
                // Near f = 1 the wanted eigenvalues sink into the fill noise (and may be complex):
                // no fast convergence, so do what the notebook does: a full dgeev (minutes at
                // m = 8000). The same when the solver's check found an eigenvalue it missed.
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
        let mut skipped = NotebookMaskStream::new(15, m, layers, epochs);
        skipped.skip_mask();
        assert_eq!(skipped.next_mask(0.5), second);
    }
}
