//! Target similarity matrices of the paper (uncentered; callers apply `center_K`).
//!
//! - [`label_similarity`]: class-label similarity `1[y_i = y_j]` (Section 4.1, Figure 3).
//! - [`rbf_kernel`], [`median_heuristic_gamma`]: the RBF kernel with the median heuristic
//!   (Section 4.2, Figure 4; the paper's run got gamma = 0.00475 on the 8,000 training points).
//! - [`simpson_similarity`]: the non-metric Simpson coefficient on binarized images
//!   (Section 4.3, Figures 5-7).
//!
//! - [`rbf_kernels`]: Figure 4's centered train, test and test-vs-train kernels of a split.
//! - [`normalized_parts`], [`part_eigen`]: Figure 7's split of an indefinite similarity by
//!   eigenvalue sign, normalized.
//!
//! Every function takes samples as rows (`m x features`) and returns an `m x m` matrix.

mod rbf_split;
mod sign_parts;

pub use rbf_split::{rbf_kernels, RbfKernels};
pub use sign_parts::{normalized_parts, part_eigen, Normalization, NormalizedParts, Part};

use nalgebra::{DMatrix, DMatrixView};
use rayon::prelude::*;

/// Errors of the similarity constructions; each names the function, the entry and the
/// expectation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimilarityError {
    /// An image without any set pixel: the Simpson coefficient divides by its size 0.
    #[error(
        "simpson_similarity: image (row) {index} has no set pixel, so |b_i AND b_j| / \
         min(|b_i|, |b_j|) is undefined; expected every binarized image to have at least one 1"
    )]
    EmptyImage {
        /// Row of the empty image.
        index: usize,
    },
    /// A Simpson input entry other than 0 or 1.
    #[error("simpson_similarity: entry ({row}, {col}) is {value}, expected 0.0 or 1.0")]
    NotBinary {
        /// Row of the entry.
        row: usize,
        /// Column of the entry.
        col: usize,
        /// Offending value.
        value: f64,
    },
    /// A NaN or infinite feature.
    #[error("{what}: entry ({row}, {col}) is {value}, expected a finite number")]
    NonFinite {
        /// Function and argument.
        what: &'static str,
        /// Row of the entry.
        row: usize,
        /// Column of the entry.
        col: usize,
        /// Offending value.
        value: f64,
    },
    /// RBF bandwidth that is negative or not finite.
    #[error("rbf_kernel: gamma = {gamma}, expected a finite value >= 0")]
    InvalidGamma {
        /// Offending gamma.
        gamma: f64,
    },
    /// Two feature matrices of different width.
    #[error("rbf_kernel_between: a is {a_rows} x {a_cols} but b is {b_rows} x {b_cols}; expected equal column counts")]
    ColumnMismatch {
        /// Rows of `a`.
        a_rows: usize,
        /// Columns of `a`.
        a_cols: usize,
        /// Rows of `b`.
        b_rows: usize,
        /// Columns of `b`.
        b_cols: usize,
    },
    /// No samples.
    #[error("median_heuristic_gamma: got 0 rows, expected at least 2 samples")]
    Empty,
    /// The median distance is zero, so `0.5 / median^2` is infinite.
    #[error(
        "median_heuristic_gamma: the median of the {m} x {m} distance matrix is 0 (at least half \
         of the distances, diagonal included, are zero), so gamma = 0.5 / median^2 is undefined; \
         expected at least 2 distinct samples"
    )]
    ZeroMedian {
        /// Number of samples.
        m: usize,
    },
}

/// Columns of output computed per parallel task (gemm block width).
const BLOCK: usize = 128;

/// Class-label similarity `S_ij = 1[y_i = y_j]` (`m x m`, entries 0.0 / 1.0, uncentered).
#[must_use]
pub fn label_similarity(labels: &[u8]) -> DMatrix<f64> {
    let m = labels.len();
    DMatrix::from_fn(m, m, |i, j| f64::from(u8::from(labels[i] == labels[j])))
}

/// Simpson similarity of binarized images (rows of `binary`, entries 0.0 or 1.0):
/// `S_ij = |b_i AND b_j| / min(|b_i|, |b_j|)` (`m x m`, in `[0, 1]`, unit diagonal, uncentered).
///
/// Rows are bit-packed into 64-bit words and intersections counted by popcount, in parallel
/// over column blocks (m = 5,000, 784 pixels: well under a second).
///
/// # Errors
/// [`SimilarityError::NotBinary`] for an entry other than 0/1, [`SimilarityError::EmptyImage`]
/// for a row without any 1.
pub fn simpson_similarity(binary: &DMatrix<f64>) -> Result<DMatrix<f64>, SimilarityError> {
    let (m, p) = binary.shape();
    let words = p.div_ceil(64);
    let mut bits = vec![0u64; m * words];
    for (col, column) in binary.column_iter().enumerate() {
        for (row, &value) in column.iter().enumerate() {
            if value == 1.0 {
                bits[row * words + col / 64] |= 1u64 << (col % 64);
            } else if value != 0.0 {
                return Err(SimilarityError::NotBinary { row, col, value });
            }
        }
    }
    let counts: Vec<u32> = bits
        .chunks_exact(words.max(1))
        .map(|r| r.iter().map(|w| w.count_ones()).sum())
        .collect();
    if let Some(index) = counts.iter().position(|&c| c == 0) {
        return Err(SimilarityError::EmptyImage { index });
    }
    let mut s = DMatrix::<f64>::zeros(m, m);
    if m == 0 {
        return Ok(s);
    }
    s.as_mut_slice()
        .par_chunks_mut(m)
        .enumerate()
        .for_each(|(j, col)| {
            let bj = &bits[j * words..(j + 1) * words];
            for (i, out) in col.iter_mut().enumerate() {
                let bi = &bits[i * words..(i + 1) * words];
                let inter: u32 = bi.iter().zip(bj).map(|(a, b)| (a & b).count_ones()).sum();
                *out = f64::from(inter) / f64::from(counts[i].min(counts[j]));
            }
        });
    Ok(s)
}

fn check_finite(x: &DMatrix<f64>, what: &'static str) -> Result<(), SimilarityError> {
    for (col, column) in x.column_iter().enumerate() {
        if let Some((row, &value)) = column.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(SimilarityError::NonFinite {
                what,
                row,
                col,
                value,
            });
        }
    }
    Ok(())
}

fn row_sq_norms(x: &DMatrix<f64>) -> Vec<f64> {
    let mut n = vec![0.0; x.nrows()];
    for column in x.column_iter() {
        for (acc, v) in n.iter_mut().zip(column.iter()) {
            *acc += v * v;
        }
    }
    n
}

/// Squared distances between rows `0..rows` of `a` and rows `j0..j0 + w` of `b` via
/// `|a_i|^2 + |b_j|^2 - 2 a_i . b_j`, clamped at 0; returns the `rows x w` block column-major.
fn sq_dist_block(
    a: &DMatrix<f64>,
    a_norms: &[f64],
    rows: usize,
    bt: &DMatrix<f64>,
    b_norms: &[f64],
    j0: usize,
    w: usize,
) -> DMatrix<f64> {
    let a_view: DMatrixView<f64> = a.rows(0, rows);
    let mut g = a_view * bt.columns(j0, w);
    for (jj, mut col) in g.column_iter_mut().enumerate() {
        let nj = b_norms[j0 + jj];
        for (i, v) in col.iter_mut().enumerate() {
            *v = (a_norms[i] + nj - 2.0 * *v).max(0.0);
        }
    }
    g
}

fn check_gamma(gamma: f64) -> Result<(), SimilarityError> {
    if gamma.is_finite() && gamma >= 0.0 {
        Ok(())
    } else {
        Err(SimilarityError::InvalidGamma { gamma })
    }
}

/// RBF kernel `K_ij = exp(-gamma * |x_i - x_j|^2)` of the rows of `x` (`m x m`, exactly
/// symmetric, unit diagonal, uncentered). Squared distances come from row norms and `X X^T`
/// (tiny negatives clamped to 0), in parallel over column blocks of the upper triangle.
///
/// # Errors
/// [`SimilarityError::InvalidGamma`] unless `gamma` is finite and `>= 0`;
/// [`SimilarityError::NonFinite`] for a NaN/infinite feature.
pub fn rbf_kernel(x: &DMatrix<f64>, gamma: f64) -> Result<DMatrix<f64>, SimilarityError> {
    check_gamma(gamma)?;
    check_finite(x, "rbf_kernel(x)")?;
    let m = x.nrows();
    let norms = row_sq_norms(x);
    let xt = x.transpose();
    let mut k = DMatrix::<f64>::zeros(m, m);
    fill_column_blocks(&mut k, |j0, w, cols| {
        let d2 = sq_dist_block(x, &norms, j0 + w, &xt, &norms, j0, w);
        for jj in 0..w {
            let j = j0 + jj;
            let out = &mut cols[jj * m..(jj + 1) * m];
            for i in 0..j {
                out[i] = (-gamma * d2[(i, jj)]).exp();
            }
            out[j] = 1.0;
        }
    });
    // Mirror the upper triangle into the lower one, tile by tile for cache locality.
    symmetry::for_tiled_pairs(m, |j, i| k[(i, j)] = k[(j, i)]);
    Ok(k)
}

/// Fills `k` in parallel, [`BLOCK`] columns at a time: `fill(j0, w, cols)` gets a block's first
/// column `j0`, its width `w` and its `k.nrows() x w` entries (column-major). Nothing to do for an
/// empty `k`.
fn fill_column_blocks(k: &mut DMatrix<f64>, fill: impl Fn(usize, usize, &mut [f64]) + Sync) {
    let rows = k.nrows();
    if rows == 0 || k.ncols() == 0 {
        return;
    }
    k.as_mut_slice()
        .par_chunks_mut(BLOCK * rows)
        .enumerate()
        .for_each(|(blk, cols)| fill(blk * BLOCK, cols.len() / rows, cols));
}

/// Cross RBF kernel `K_ij = exp(-gamma * |a_i - b_j|^2)` (`a.nrows() x b.nrows()`).
///
/// # Errors
/// As [`rbf_kernel`], plus [`SimilarityError::ColumnMismatch`] if the widths differ.
pub fn rbf_kernel_between(
    a: &DMatrix<f64>,
    b: &DMatrix<f64>,
    gamma: f64,
) -> Result<DMatrix<f64>, SimilarityError> {
    check_gamma(gamma)?;
    if a.ncols() != b.ncols() {
        return Err(SimilarityError::ColumnMismatch {
            a_rows: a.nrows(),
            a_cols: a.ncols(),
            b_rows: b.nrows(),
            b_cols: b.ncols(),
        });
    }
    check_finite(a, "rbf_kernel_between(a)")?;
    check_finite(b, "rbf_kernel_between(b)")?;
    let (ma, mb) = (a.nrows(), b.nrows());
    let (na, nb) = (row_sq_norms(a), row_sq_norms(b));
    let bt = b.transpose();
    let mut k = DMatrix::<f64>::zeros(ma, mb);
    fill_column_blocks(&mut k, |j0, w, cols| {
        let d2 = sq_dist_block(a, &na, ma, &bt, &nb, j0, w);
        for (out, v) in cols.iter_mut().zip(d2.iter()) {
            *out = (-gamma * v).exp();
        }
    });
    Ok(k)
}

/// Median of the full `m x m` Euclidean distance matrix of the rows of `x`, diagonal zeros
/// included, as `numpy.median(D)` (mean of the two middle values when `m^2` is even).
///
/// Only the `m (m - 1) / 2` strict upper-triangle distances are stored (each occurs twice in
/// `D`, and the `m` diagonal zeros sort first), and the middle order statistics are found by
/// selection (`select_nth_unstable`), not a full sort. Distances come from row norms and
/// `X X^T` with tiny negative squared distances clamped to 0. For m = 8,000 this holds 256 MB.
///
/// # Errors
/// [`SimilarityError::Empty`] for 0 rows; [`SimilarityError::NonFinite`].
pub fn median_pairwise_distance(x: &DMatrix<f64>) -> Result<f64, SimilarityError> {
    check_finite(x, "median_heuristic_gamma(x)")?;
    let m = x.nrows();
    if m == 0 {
        return Err(SimilarityError::Empty);
    }
    let norms = row_sq_norms(x);
    let xt = x.transpose();
    // Packed strict upper triangle by column: column j (rows 0..j) starts at j (j - 1) / 2.
    let tri_start = |j: usize| j * j.saturating_sub(1) / 2;
    let mut tri = vec![0.0f64; tri_start(m)];
    let mut pieces: Vec<(usize, &mut [f64])> = Vec::new();
    let mut rest: &mut [f64] = &mut tri;
    for j0 in (0..m).step_by(BLOCK) {
        let j1 = (j0 + BLOCK).min(m);
        let (head, tail) = rest.split_at_mut(tri_start(j1) - tri_start(j0));
        pieces.push((j0, head));
        rest = tail;
    }
    pieces.into_par_iter().for_each(|(j0, out)| {
        let w = (j0 + BLOCK).min(m) - j0;
        let d2 = sq_dist_block(x, &norms, j0 + w, &xt, &norms, j0, w);
        let mut at = 0;
        for jj in 0..w {
            let j = j0 + jj;
            for i in 0..j {
                out[at] = d2[(i, jj)].sqrt();
                at += 1;
            }
        }
    });
    // Sorted D = m zeros (diagonal), then every triangle value twice.
    let total = m * m;
    let rank_value = |r: usize, tri: &mut [f64]| -> f64 {
        if r < m {
            0.0
        } else {
            let t = (r - m) / 2;
            *tri.select_nth_unstable_by(t, f64::total_cmp).1
        }
    };
    let hi = rank_value(total / 2, &mut tri);
    if total % 2 == 1 {
        return Ok(hi);
    }
    // The lower middle rank: either 0 (diagonal), the same triangle rank, or the one below it,
    // which after the selection above is the maximum of the left part.
    let r = total / 2 - 1;
    let lo = if r < m {
        0.0
    } else {
        let t_lo = (r - m) / 2;
        let t_hi = (total / 2 - m) / 2;
        if t_lo == t_hi {
            hi
        } else {
            tri[..t_hi]
                .iter()
                .copied()
                .fold(f64::NEG_INFINITY, f64::max)
        }
    };
    Ok(0.5 * (lo + hi))
}

/// Median heuristic bandwidth `gamma = 0.5 / median(D)^2` with `D` the full `m x m` Euclidean
/// distance matrix of the rows of `x` (diagonal zeros included; see
/// [`median_pairwise_distance`]). The paper's run got 0.00475 on the 8,000 centered training
/// images (Section 4.2).
///
/// # Errors
/// As [`median_pairwise_distance`], plus [`SimilarityError::ZeroMedian`] when the median is 0.
pub fn median_heuristic_gamma(x: &DMatrix<f64>) -> Result<f64, SimilarityError> {
    let med = median_pairwise_distance(x)?;
    if med > 0.0 {
        Ok(0.5 / (med * med))
    } else {
        Err(SimilarityError::ZeroMedian { m: x.nrows() })
    }
}
