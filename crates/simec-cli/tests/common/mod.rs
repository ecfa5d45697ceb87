//! Helpers of the command-line tests: run the built `simec` binary, write small matrices.

#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use simec::Matrix;
use simec_cli::table::{write_matrix, Table};

/// A path as the `&str` argument of the binary.
pub fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// The result of one run of the binary.
pub struct Run {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `simec ARGS` (paths as given).
pub fn simec<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let out = Command::new(env!("CARGO_BIN_EXE_simec"))
        .args(args)
        .output()
        .expect("the simec binary runs");
    Run {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs and asserts success, returning stdout.
pub fn simec_ok<I, S>(args: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let r = simec(args);
    assert!(
        r.ok,
        "simec failed:\nstdout:\n{}\nstderr:\n{}",
        r.stdout, r.stderr
    );
    r.stdout
}

/// Runs, asserts failure and that stderr contains every needle; returns stderr.
pub fn simec_err<I, S>(args: I, needles: &[&str]) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let r = simec(args);
    assert!(!r.ok, "simec succeeded unexpectedly:\n{}", r.stdout);
    for n in needles {
        assert!(r.stderr.contains(n), "stderr lacks {n:?}:\n{}", r.stderr);
    }
    assert!(
        !r.stderr.contains("panicked"),
        "simec panicked:\n{}",
        r.stderr
    );
    r.stderr
}

pub fn random_matrix(rng: &mut StdRng, rows: usize, cols: usize) -> Matrix {
    Matrix::from_fn(rows, cols, |_, _| rng.random_range(-1.0f32..1.0))
}

pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

pub fn matmul(a: &Matrix, b: &Matrix) -> Matrix {
    Matrix::from_fn(a.rows(), b.cols(), |r, c| {
        (0..a.cols())
            .map(|i| a.get(r, i) as f64 * b.get(i, c) as f64)
            .sum::<f64>() as f32
    })
}

pub fn transpose(a: &Matrix) -> Matrix {
    Matrix::from_fn(a.cols(), a.rows(), |r, c| a.get(c, r))
}

pub fn write(path: &Path, m: &Matrix) {
    write_matrix(path, m).unwrap();
}

pub fn read(path: &Path) -> Matrix {
    Table::read(path).unwrap().matrix
}

/// A small clustered data set: features of 4 classes, and the centered class-label similarity
/// S = H 1[y_i = y_j] H (m x m).
pub fn clustered(rng: &mut StdRng, m: usize, dim: usize) -> (Matrix, Matrix) {
    let labels: Vec<usize> = (0..m).map(|i| i % 4).collect();
    let centers = random_matrix(rng, 4, dim);
    let x = Matrix::from_fn(m, dim, |r, c| {
        3.0 * centers.get(labels[r], c) + 0.3 * rng.random_range(-1.0f32..1.0)
    });
    let raw = |i: usize, j: usize| f64::from(u8::from(labels[i] == labels[j]));
    let row_mean: Vec<f64> = (0..m)
        .map(|i| (0..m).map(|j| raw(i, j)).sum::<f64>() / m as f64)
        .collect();
    let all_mean = row_mean.iter().sum::<f64>() / m as f64;
    let s = Matrix::from_fn(m, m, |i, j| {
        (raw(i, j) - row_mean[i] - row_mean[j] + all_mean) as f32
    });
    (x, s)
}

pub fn mse(a: &Matrix, b: &Matrix) -> f64 {
    assert_eq!((a.rows(), a.cols()), (b.rows(), b.cols()));
    a.data()
        .iter()
        .zip(b.data())
        .map(|(x, y)| (*x as f64 - *y as f64).powi(2))
        .sum::<f64>()
        / a.data().len() as f64
}

pub fn mean_sq(a: &Matrix) -> f64 {
    a.data().iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / a.data().len() as f64
}
