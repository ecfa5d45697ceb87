//! The paper's MNIST subsets, drawn from the paper row order with NumPy's `RandomState(42)`.
//!
//! - Main subset (Sections 4.1-4.2, Figures 3-4): `RandomState(42).permutation(70000)[:10000]`;
//!   the first 2,000 are the test set, the other 8,000 the training set; features pixels/255
//!   centered with the training mean (the same shift applied to the test set).
//! - "MNIST 0/7" (Section 4.3, Figures 5-7): the digits 0 and 7 of the 70,000 (in paper order),
//!   then `RandomState(42).permutation(count)[:5000]`; binarized as pixel/255 >= 0.5.

use nalgebra::DMatrix;

use super::mnist::{Mnist, N_MNIST, PIXELS};
use super::numpy_rng::numpy_permutation;
use super::DataError;

/// Seed of every subset permutation in the paper.
pub const PAPER_SEED: u32 = 42;
/// Size of the main subset.
pub const N_SUBSET: usize = 10_000;
/// Test samples of the main subset (its first 2,000).
pub const N_TEST: usize = 2_000;
/// Training samples of the main subset (its last 8,000).
pub const N_TRAIN: usize = 8_000;
/// Samples of "MNIST 0/7" in the paper.
pub const N_ZERO_SEVEN: usize = 5_000;

/// The main train/test split (Figures 3 and 4).
#[derive(Clone, Debug, PartialEq)]
pub struct PaperSplit {
    /// `m_train x 784` features pixels/255 minus [`Self::train_mean`] (8,000 rows in the paper).
    pub x_train: DMatrix<f64>,
    /// `m_test x 784` features pixels/255 minus [`Self::train_mean`] (2,000 rows in the paper).
    pub x_test: DMatrix<f64>,
    /// `m_train` labels.
    pub y_train: Vec<u8>,
    /// `m_test` labels.
    pub y_test: Vec<u8>,
    /// 784 per-pixel means of the training rows (pixels/255), subtracted from both sets.
    pub train_mean: Vec<f64>,
    /// Row `i` of `x_train` is image `train_idx[i]` of the paper order.
    pub train_idx: Vec<usize>,
    /// Row `i` of `x_test` is image `test_idx[i]` of the paper order.
    pub test_idx: Vec<usize>,
}

/// "MNIST 0/7" (Figures 5-7).
#[derive(Clone, Debug, PartialEq)]
pub struct ZeroSeven {
    /// `m x 784` network inputs: pixels/255 minus [`Self::x_mean`].
    pub x: DMatrix<f64>,
    /// 784 per-pixel means of the `m` rows (pixels/255).
    pub x_mean: Vec<f64>,
    /// `m x 784` binarized images, `1.0` where pixel/255 >= 0.5 else `0.0` (Simpson input).
    pub binary: DMatrix<f64>,
    /// `m` labels, each 0 or 7.
    pub labels: Vec<u8>,
    /// Row `i` is image `idx[i]` of the paper order (e.g. for thumbnails).
    pub idx: Vec<usize>,
}

fn require_full(mnist: &Mnist) -> Result<(), DataError> {
    mnist.validate()?;
    if mnist.n != N_MNIST {
        return Err(DataError::NotFullMnist {
            n: mnist.n,
            expected: N_MNIST,
        });
    }
    Ok(())
}

/// `len(idx) x 784` matrix of pixels/255 for the given images of `mnist`.
fn features(mnist: &Mnist, idx: &[usize]) -> DMatrix<f64> {
    DMatrix::from_fn(idx.len(), PIXELS, |i, j| {
        f64::from(mnist.images[idx[i] * PIXELS + j]) / 255.0
    })
}

/// Per-column means (summed row by row, as NumPy's `mean(axis=0)` on a C-ordered array).
fn column_means(x: &DMatrix<f64>) -> Vec<f64> {
    let m = x.nrows() as f64;
    x.column_iter()
        .map(|c| c.iter().fold(0.0, |acc, v| acc + v) / m)
        .collect()
}

fn subtract_means(x: &mut DMatrix<f64>, means: &[f64]) {
    for (mut col, &mu) in x.column_iter_mut().zip(means) {
        col.add_scalar_mut(-mu);
    }
}

/// The paper's main split: 8,000 training and 2,000 test images (see module docs).
///
/// # Errors
/// [`DataError::InconsistentMnist`] or [`DataError::NotFullMnist`] unless `mnist` holds all
/// 70,000 images (as from [`super::load_mnist`]).
pub fn paper_main_split(mnist: &Mnist) -> Result<PaperSplit, DataError> {
    paper_main_split_sized(mnist, N_TRAIN, N_TEST)
}

/// The main split cut down for quick runs: the first `m_test` of the 2,000 test indices and the
/// first `m_train` of the 8,000 training indices (same permutation), centered with the mean of
/// the `m_train` training rows. `(8000, 2000)` is [`paper_main_split`].
///
/// # Errors
/// As [`paper_main_split`], plus [`DataError::SubsetTooLarge`] if `m_train > 8000` or
/// `m_test > 2000`.
pub fn paper_main_split_sized(
    mnist: &Mnist,
    m_train: usize,
    m_test: usize,
) -> Result<PaperSplit, DataError> {
    if m_train > N_TRAIN {
        return Err(DataError::SubsetTooLarge {
            what: "main split, training part",
            requested: m_train,
            available: N_TRAIN,
        });
    }
    if m_test > N_TEST {
        return Err(DataError::SubsetTooLarge {
            what: "main split, test part",
            requested: m_test,
            available: N_TEST,
        });
    }
    require_full(mnist)?;
    let perm = numpy_permutation(PAPER_SEED, N_MNIST);
    let test_idx = perm[..m_test].to_vec();
    let train_idx = perm[N_TEST..N_TEST + m_train].to_vec();
    let mut x_train = features(mnist, &train_idx);
    let mut x_test = features(mnist, &test_idx);
    let train_mean = column_means(&x_train);
    subtract_means(&mut x_train, &train_mean);
    subtract_means(&mut x_test, &train_mean);
    Ok(PaperSplit {
        x_train,
        x_test,
        y_train: train_idx.iter().map(|&i| mnist.labels[i]).collect(),
        y_test: test_idx.iter().map(|&i| mnist.labels[i]).collect(),
        train_mean,
        train_idx,
        test_idx,
    })
}

/// "MNIST 0/7": the 0s and 7s of the paper order, permuted with `RandomState(42)`, first `m`
/// (5,000 in the paper, [`N_ZERO_SEVEN`]); see module docs.
///
/// # Errors
/// As [`paper_main_split`], plus [`DataError::SubsetTooLarge`] if `m` exceeds the number of 0s
/// and 7s (14,196).
pub fn mnist_0_7(mnist: &Mnist, m: usize) -> Result<ZeroSeven, DataError> {
    require_full(mnist)?;
    let pool: Vec<usize> = (0..mnist.n)
        .filter(|&i| matches!(mnist.labels[i], 0 | 7))
        .collect();
    if m > pool.len() {
        return Err(DataError::SubsetTooLarge {
            what: "MNIST 0/7",
            requested: m,
            available: pool.len(),
        });
    }
    let perm = numpy_permutation(PAPER_SEED, pool.len());
    let idx: Vec<usize> = perm[..m].iter().map(|&p| pool[p]).collect();
    let mut x = features(mnist, &idx);
    let binary = x.map(|v| if v >= 0.5 { 1.0 } else { 0.0 });
    let x_mean = column_means(&x);
    subtract_means(&mut x, &x_mean);
    Ok(ZeroSeven {
        x,
        x_mean,
        binary,
        labels: idx.iter().map(|&i| mnist.labels[i]).collect(),
        idx,
    })
}
