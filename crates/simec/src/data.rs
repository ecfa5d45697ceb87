//! Input matrices, input validation, device-resident training data and batching.

use burn::prelude::*;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::error::SimecError;
use crate::sll_factors::SllFactors;

/// Dense row-major f32 matrix. NaN marks a missing target entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    rows: usize,
    cols: usize,
    data: Vec<f32>,
}

impl Matrix {
    /// A `rows x cols` matrix from row-major `data`; errors unless `data.len() == rows * cols`.
    pub fn new(rows: usize, cols: usize, data: Vec<f32>) -> Result<Self, SimecError> {
        if rows.checked_mul(cols) != Some(data.len()) {
            return Err(SimecError::DataLength {
                rows,
                cols,
                len: data.len(),
            });
        }
        Ok(Self { rows, cols, data })
    }

    /// A `rows x cols` matrix with entry `(r, c) = f(r, c)`, filled row by row.
    pub fn from_fn(rows: usize, cols: usize, mut f: impl FnMut(usize, usize) -> f32) -> Self {
        let mut data = Vec::with_capacity(rows * cols);
        for r in 0..rows {
            for c in 0..cols {
                data.push(f(r, c));
            }
        }
        Self { rows, cols, data }
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The row-major data.
    pub fn data(&self) -> &[f32] {
        &self.data
    }

    /// The row-major data, by value.
    pub fn into_data(self) -> Vec<f32> {
        self.data
    }

    /// Entry `(r, c)`. Panics when out of range, like slice indexing.
    pub fn get(&self, r: usize, c: usize) -> f32 {
        assert!(r < self.rows && c < self.cols, "Matrix::get out of range");
        self.data[r * self.cols + c]
    }

    /// Row `r` as a slice. Panics when out of range.
    pub fn row(&self, r: usize) -> &[f32] {
        &self.data[r * self.cols..(r + 1) * self.cols]
    }

    /// Upload to `device` as a `[rows, cols]` tensor.
    pub(crate) fn to_tensor(&self, device: &Device) -> Tensor<2> {
        Tensor::from_data(
            TensorData::new(self.data.clone(), [self.rows, self.cols]),
            device,
        )
    }

    /// Read a `[rows, cols]` tensor back.
    pub(crate) fn from_tensor(t: Tensor<2>) -> Result<Self, SimecError> {
        let [rows, cols] = t.dims();
        let data = t
            .try_into_data()
            .map_err(|e| SimecError::Device(format!("{e:?}")))?
            .try_into_vec::<f32>()
            .map_err(|e| SimecError::Device(format!("{e:?}")))?;
        Matrix::new(rows, cols, data)
    }
}

/// One S_ll slice as handed to simec: the dense matrix, or its factors.
#[derive(Debug, Clone, Copy)]
pub enum SllPart<'a> {
    /// The `n x n` matrix; NaN marks a missing entry (only with `allow_missing`; such a slice
    /// takes the masked elementwise form, which always stays dense).
    Dense(&'a Matrix),
    /// `S_ll = U diag(lambda) U^T` (`U`: `[n, r]`): the closed form in `O(n r d)` per step
    /// ([`crate::regularizers::s_ll_factored`]); never has missing entries.
    Factored(&'a SllFactors),
}

/// The S_ll targets of the s_ll regularizer: one slice per target slice (`n = n_targets`), each
/// a dense `n x n` matrix or its factors ([`SllPart`]), borrowed so that large matrices are not
/// copied. NaN marks a missing entry of a dense slice (only with `allow_missing`); the regularizer
/// then averages over the present entries.
#[derive(Debug, Clone)]
pub struct SllTarget<'a> {
    slices: Vec<SllPart<'a>>,
}

impl<'a> SllTarget<'a> {
    /// S_ll of a single similarity matrix (`n_slices = 1`).
    pub fn single(s: &'a Matrix) -> Self {
        Self {
            slices: vec![SllPart::Dense(s)],
        }
    }

    /// The factors of a single S_ll (`n_slices = 1`).
    pub fn factored(f: &'a SllFactors) -> Self {
        Self {
            slices: vec![SllPart::Factored(f)],
        }
    }

    /// One dense S_ll per slice, in slice order.
    pub fn slices(slices: Vec<&'a Matrix>) -> Self {
        Self::parts(slices.into_iter().map(SllPart::Dense).collect())
    }

    /// One S_ll per slice, dense or factored, in slice order.
    pub fn parts(parts: Vec<SllPart<'a>>) -> Self {
        Self { slices: parts }
    }

    /// Number of slices given.
    pub fn n_slices(&self) -> usize {
        self.slices.len()
    }

    /// The per-slice parts.
    pub fn as_slice(&self) -> &[SllPart<'a>] {
        &self.slices
    }
}

/// Held-out rows whose prediction error [`crate::SimecValidParams::fit_with_validation`]
/// reports after every epoch: features `x` (`m_val x D`) and targets (`m_val x (k * n)`,
/// NaN = missing, only with `allow_missing`).
#[derive(Debug, Clone, Copy)]
pub struct ValidationSet<'a> {
    /// Held-out features.
    pub x: &'a Matrix,
    /// Their targets.
    pub targets: &'a Matrix,
}

impl<'a> ValidationSet<'a> {
    /// A validation set of features `x` and their `targets`.
    pub fn new(x: &'a Matrix, targets: &'a Matrix) -> Self {
        Self { x, targets }
    }
}

/// Relative tolerance of the S_ll symmetry check: `|S_ab - S_ba| <= SYMMETRY_RTOL * max|S|` (the
/// f32 tolerance of [`symmetry::Precision`]).
pub const SYMMETRY_RTOL: f32 = <f32 as symmetry::Precision>::SYMMETRY_RTOL;

/// Calls `f(r, c)` for every `r < c < n`, tile by tile (cache-friendly transposed access).
pub(crate) use symmetry::for_tiled_pairs as for_upper_pairs;

/// Scans `m` for non-finite entries and returns the number of NaNs.
///
/// Infinite values are always an error ([`SimecError::NonFinite`]). NaN is an error too unless
/// `nan_is_missing` (targets, S_ll); then it is [`SimecError::MissingNotAllowed`] unless
/// `missing_ok`, and [`SimecError::AllMissing`] when every entry is NaN.
pub(crate) fn scan(
    m: &Matrix,
    what: &str,
    nan_is_missing: bool,
    missing_ok: bool,
) -> Result<usize, SimecError> {
    let mut n_nan = 0;
    for (i, &v) in m.data.iter().enumerate() {
        if v.is_finite() {
            continue;
        }
        let (row, col) = (i / m.cols, i % m.cols);
        if v.is_nan() && nan_is_missing {
            if !missing_ok {
                return Err(SimecError::MissingNotAllowed {
                    what: what.to_string(),
                    row,
                    col,
                });
            }
            n_nan += 1;
        } else {
            return Err(SimecError::NonFinite {
                what: what.to_string(),
                row,
                col,
                value: v,
            });
        }
    }
    if n_nan > 0 && n_nan == m.data.len() {
        return Err(SimecError::AllMissing {
            what: what.to_string(),
        });
    }
    Ok(n_nan)
}

/// Checks that a square matrix is symmetric over the pairs where both entries are present.
pub(crate) fn check_symmetric(s: &Matrix, slice: usize) -> Result<(), SimecError> {
    let n = s.rows;
    let max_abs = s
        .data
        .iter()
        .filter(|v| !v.is_nan())
        .fold(0.0f32, |a, v| a.max(v.abs()));
    // Row-major: the pair (r, c), r < c, is read along its row. NaN pairs (missing) pass.
    symmetry::check(n, max_abs, |r, c| s.data[r * n + c]).map_err(|worst| {
        SimecError::SllNotSymmetric {
            slice,
            row: worst.p,
            col: worst.q,
            diff: worst.abs_diff,
            tolerance: worst.tolerance,
            rtol: SYMMETRY_RTOL,
        }
    })
}

/// NaN -> 0 plus the 0/1 mask of present entries (row-major, same shape).
pub(crate) fn fill_and_mask(m: &Matrix) -> (Vec<f32>, Vec<f32>) {
    let filled = m
        .data
        .iter()
        .map(|v| if v.is_nan() { 0.0 } else { *v })
        .collect();
    let mask = m
        .data
        .iter()
        .map(|v| if v.is_nan() { 0.0 } else { 1.0 })
        .collect();
    (filled, mask)
}

/// Mask of the present target entries with the per-row weight `1 / max(#present in row, 1)`.
#[derive(Debug, Clone)]
pub struct TargetMask {
    /// 1 where the target is present, 0 where missing. `[rows, K]`
    pub mask: Tensor<2>,
    /// `1 / max(sum(mask row), 1)`. `[rows, 1]`
    pub inv_counts: Tensor<2>,
}

impl TargetMask {
    /// Builds the mask tensors from a row-major 0/1 mask.
    pub fn from_mask(mask: Vec<f32>, rows: usize, cols: usize, device: &Device) -> Self {
        let inv: Vec<f32> = mask
            .chunks(cols.max(1))
            .map(|row| 1.0 / row.iter().sum::<f32>().max(1.0))
            .collect();
        Self {
            mask: Tensor::from_data(TensorData::new(mask, [rows, cols]), device),
            inv_counts: Tensor::from_data(TensorData::new(inv, [rows, 1]), device),
        }
    }

    fn select(&self, idx: Tensor<1, Int>) -> Self {
        Self {
            mask: self.mask.clone().select(0, idx.clone()), // [b, K]
            inv_counts: self.inv_counts.clone().select(0, idx), // [b, 1]
        }
    }

    fn autodiff(self) -> Self {
        Self {
            mask: self.mask.autodiff(),
            inv_counts: self.inv_counts.autodiff(),
        }
    }
}

/// One mini-batch on the autodiff device.
#[derive(Debug, Clone)]
pub(crate) struct Batch {
    /// `[b, D]`
    pub x: Tensor<2>,
    /// `[b, K]`, missing entries set to 0.
    pub targets: Tensor<2>,
    /// Present only when some target is missing.
    pub mask: Option<TargetMask>,
}

/// The training set, uploaded once to the (non-autodiff) device.
pub(crate) struct TrainData {
    /// `[m, D]`
    x: Tensor<2>,
    /// `[m, K]` with NaN replaced by 0.
    targets: Tensor<2>,
    mask: Option<TargetMask>,
    rows: usize,
}

impl TrainData {
    /// Uploads validated X and targets (`n_missing` NaNs in the targets).
    pub fn upload(x: &Matrix, targets: &Matrix, n_missing: usize, device: &Device) -> Self {
        let (t, mask) = if n_missing > 0 {
            let (filled, mask) = fill_and_mask(targets);
            let t = Tensor::from_data(
                TensorData::new(filled, [targets.rows, targets.cols]),
                device,
            );
            (
                t,
                Some(TargetMask::from_mask(
                    mask,
                    targets.rows,
                    targets.cols,
                    device,
                )),
            )
        } else {
            (targets.to_tensor(device), None)
        };
        Self {
            x: x.to_tensor(device),
            targets: t,
            mask,
            rows: x.rows,
        }
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Rows `idx` of X / targets / mask, moved onto the autodiff device (as constants).
    pub fn batch(&self, idx: Tensor<1, Int>) -> Batch {
        Batch {
            x: self.x.clone().select(0, idx.clone()).autodiff(), // [b, D]
            targets: self.targets.clone().select(0, idx.clone()).autodiff(), // [b, K]
            mask: self.mask.as_ref().map(|m| m.select(idx).autodiff()),
        }
    }
}

/// A fresh random order of `0..m` (keras shuffles every epoch).
pub(crate) fn epoch_order(rng: &mut StdRng, m: usize) -> Vec<i64> {
    let mut order: Vec<i64> = (0..m as i64).collect();
    order.shuffle(rng);
    order
}

/// `[start, end)` row ranges of the batches of one epoch; the last one may be partial.
pub(crate) fn batch_ranges(m: usize, batch_size: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..m)
        .step_by(batch_size)
        .map(move |s| (s, (s + batch_size).min(m)))
}
