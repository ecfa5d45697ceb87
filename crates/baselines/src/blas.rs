//! Thin safe wrappers over the BLAS routines this crate needs (crate-private).
//!
//! OpenBLAS threads internally; these wrappers must not be called from inside rayon tasks.

use nalgebra::DMatrix;

use crate::checks::mirror_lower;
use crate::BaselineError;

/// `usize` -> LAPACK/BLAS `i32`, or [`BaselineError::TooLarge`].
pub(crate) fn to_i32(what: &'static str, value: usize) -> Result<i32, BaselineError> {
    i32::try_from(value).map_err(|_| BaselineError::TooLarge { what, value })
}

/// `X^T X` (full symmetric `D x D` for `X: m x D`) with one `dsyrk`.
pub(crate) fn gram_t(x: &DMatrix<f64>) -> Result<DMatrix<f64>, BaselineError> {
    syrk(x, true)
}

/// `A A^T` (full symmetric `n x n` for `A: n x k`) with one `dsyrk`.
pub(crate) fn gram_n(a: &DMatrix<f64>) -> Result<DMatrix<f64>, BaselineError> {
    syrk(a, false)
}

fn syrk(x: &DMatrix<f64>, trans: bool) -> Result<DMatrix<f64>, BaselineError> {
    let (rows, cols) = x.shape();
    let (n, k) = if trans { (cols, rows) } else { (rows, cols) };
    let mut c = DMatrix::<f64>::zeros(n, n);
    if n == 0 || k == 0 {
        return Ok(c);
    }
    let n_i = to_i32("gram matrix order", n)?;
    let k_i = to_i32("gram inner dimension", k)?;
    let lda = to_i32("leading dimension", rows)?;
    // SAFETY: x is rows x cols column-major with lda = rows; c is n x n with ldc = n.
    unsafe {
        blas::dsyrk(
            b'L',
            if trans { b'T' } else { b'N' },
            n_i,
            k_i,
            1.0,
            x.as_slice(),
            lda,
            0.0,
            c.as_mut_slice(),
            n_i,
        );
    }
    mirror_lower(&mut c);
    Ok(c)
}

/// `op(A) op(B)` with one `dgemm`; `ta`/`tb` select the transposes. Shapes must agree (the caller
/// checks; a mismatch here is a bug, reported as [`BaselineError::ShapeMismatch`]).
pub(crate) fn gemm(
    ta: bool,
    a: &DMatrix<f64>,
    tb: bool,
    b: &DMatrix<f64>,
) -> Result<DMatrix<f64>, BaselineError> {
    let (m, k) = if ta {
        (a.ncols(), a.nrows())
    } else {
        (a.nrows(), a.ncols())
    };
    let (kb, n) = if tb {
        (b.ncols(), b.nrows())
    } else {
        (b.nrows(), b.ncols())
    };
    if k != kb {
        return Err(BaselineError::ShapeMismatch {
            what: "inner dimensions of a matrix product",
            expected_rows: k,
            expected_cols: n,
            rows: kb,
            cols: n,
        });
    }
    let mut c = DMatrix::<f64>::zeros(m, n);
    gemm_slices(
        ta,
        tb,
        m,
        n,
        k,
        1.0,
        a.as_slice(),
        b.as_slice(),
        0.0,
        c.as_mut_slice(),
    )?;
    Ok(c)
}

/// `c = alpha op(a) op(b) + beta c` with one `dgemm` on column-major slices: `op(a)` is `[m, k]`
/// (`a` stored as `[k, m]` when `ta`), `op(b)` is `[k, n]` (`b` stored as `[n, k]` when `tb`), `c`
/// is `[m, n]`; leading dimensions are the stored row counts.
///
/// # Errors
/// [`BaselineError::TooLarge`] for sizes beyond BLAS integers.
///
/// # Panics
/// If a buffer is shorter than its shape (a bug in the caller, never bad user input).
#[allow(clippy::too_many_arguments)]
pub(crate) fn gemm_slices(
    ta: bool,
    tb: bool,
    m: usize,
    n: usize,
    k: usize,
    alpha: f64,
    a: &[f64],
    b: &[f64],
    beta: f64,
    c: &mut [f64],
) -> Result<(), BaselineError> {
    assert!(
        a.len() >= m * k && b.len() >= k * n && c.len() >= m * n,
        "gemm: buffers of {}, {}, {} entries for [{m}, {k}] x [{k}, {n}]",
        a.len(),
        b.len(),
        c.len()
    );
    if m == 0 || n == 0 || k == 0 {
        return Ok(());
    }
    let lda = if ta { k } else { m };
    let ldb = if tb { n } else { k };
    // SAFETY: column-major buffers at least as long as their shapes (asserted above); leading
    // dimensions are the stored row counts.
    unsafe {
        blas::dgemm(
            if ta { b'T' } else { b'N' },
            if tb { b'T' } else { b'N' },
            to_i32("rows", m)?,
            to_i32("columns", n)?,
            to_i32("inner dimension", k)?,
            alpha,
            a,
            to_i32("leading dimension", lda)?,
            b,
            to_i32("leading dimension", ldb)?,
            beta,
            c,
            to_i32("leading dimension", m)?,
        );
    }
    Ok(())
}
