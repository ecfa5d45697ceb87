//! Shared helpers for the integration tests.
#![allow(dead_code)]

use nalgebra::DMatrix;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// `rows x cols` with entries uniform in [-1, 1), seeded.
pub fn random_matrix(rows: usize, cols: usize, seed: u64) -> DMatrix<f64> {
    let mut rng = StdRng::seed_from_u64(seed);
    DMatrix::from_fn(rows, cols, |_, _| rng.random_range(-1.0..1.0))
}

/// A random symmetric (indefinite) `n x n` matrix.
pub fn random_symmetric(n: usize, seed: u64) -> DMatrix<f64> {
    let a = random_matrix(n, n, seed);
    (&a + a.transpose()) * 0.5
}

/// `max |a - b|`.
pub fn max_abs_diff(a: &DMatrix<f64>, b: &DMatrix<f64>) -> f64 {
    assert_eq!(a.shape(), b.shape());
    a.iter()
        .zip(b.iter())
        .fold(0.0_f64, |m, (x, y)| m.max((x - y).abs()))
}

/// Column `j` of `a` equals column `j` of `b` up to a global sign, within `tol`.
pub fn same_up_to_sign(a: &DMatrix<f64>, b: &DMatrix<f64>, tol: f64) -> bool {
    assert_eq!(a.shape(), b.shape());
    (0..a.ncols()).all(|j| {
        let plus = (a.column(j) - b.column(j)).amax();
        let minus = (a.column(j) + b.column(j)).amax();
        plus.min(minus) <= tol
    })
}

/// The naive `mean((S - P)^2)`.
pub fn naive_mse(p: &DMatrix<f64>, s: &DMatrix<f64>) -> f64 {
    (s - p).iter().map(|e| e * e).sum::<f64>() / (s.nrows() * s.ncols()) as f64
}
