//! Eigenpairs of a general (non-symmetric) real matrix: all of them with LAPACK `dgeev`, as NumPy's
//! `np.linalg.eig` computes them ([`general_eigen_full`]), or the few of largest real part by
//! subspace iteration ([`general_eigen_top`]) where a full `dgeev` is too slow. The paper's
//! mean-filled baseline (Figure 4, right) runs `np.linalg.eig` on the mean-filled kernel matrix,
//! which is not symmetric (each entry goes missing independently), then embeds with the real
//! parts.

use nalgebra::{DMatrix, DVector};
use rand_mt::Mt;
use rayon::prelude::*;

use crate::checks::{check_finite, check_k, check_nonempty, check_square};
use crate::error::BaselineError;
use crate::guard::{deflated_projection, guard_shape, GENERAL_GUARD_MARGIN, GUARD_SEED};

/// Eigenpairs of a general real matrix, sorted by the real part of the eigenvalue, descending.
#[derive(Debug, Clone)]
pub struct GeneralEigenFull {
    /// Real parts of the eigenvalues, descending. `[n]`.
    pub values_re: DVector<f64>,
    /// Imaginary parts of the same eigenvalues (0 for real ones). `[n]`.
    pub values_im: DVector<f64>,
    /// Real parts of the unit-norm right eigenvectors (column `j` belongs to eigenvalue `j`), as
    /// `np.linalg.eig(a)[1].real` holds them: for a complex pair both columns hold the same real
    /// part. `[n, n]`.
    pub vectors_re: DMatrix<f64>,
}

/// All eigenpairs of the square `a` (`[n, n]`, need not be symmetric) with LAPACK `dgeev`
/// (right eigenvectors only, each of unit Euclidean norm as `dgeev` returns them), sorted by the
/// real part of the eigenvalue, descending (a stable sort, so ties keep LAPACK's order).
/// Costs about `10 n^3` flops: fine up to a few thousand rows; use a subspace method beyond.
///
/// # Errors
/// [`BaselineError::Empty`], [`BaselineError::NotSquare`], [`BaselineError::NonFinite`],
/// [`BaselineError::TooLarge`], [`BaselineError::Lapack`] (QR algorithm did not converge).
pub fn general_eigen_full(a: &DMatrix<f64>) -> Result<GeneralEigenFull, BaselineError> {
    check_nonempty("a", a)?;
    check_square("a", a)?;
    check_finite("a", a)?;
    let n = a.nrows();
    let n_i = i32::try_from(n).map_err(|_| BaselineError::TooLarge {
        what: "dgeev n",
        value: n,
    })?;
    let mut work_a = a.clone(); // [n, n], overwritten by LAPACK
    let mut wr = vec![0.0_f64; n];
    let mut wi = vec![0.0_f64; n];
    let mut vl = [0.0_f64; 1];
    let mut vr = vec![0.0_f64; n * n]; // [n, n] column-major
                                       // One dgeev call with workspace `work` (`lwork = -1`: a size query into work[0]); jobvl = 'N'
                                       // so ldvl = 1 and vl has 1 entry; vr is n x n with ldvr = n.
    let mut dgeev = |work: &mut [f64], lwork: i32| -> i32 {
        let mut info = 0_i32;
        // SAFETY: every buffer is sized per the LAPACK contract above; work has >= max(1, lwork)
        // entries.
        unsafe {
            lapack::dgeev(
                b'N',
                b'V',
                n_i,
                work_a.as_mut_slice(),
                n_i,
                &mut wr,
                &mut wi,
                &mut vl,
                1,
                &mut vr,
                n_i,
                work,
                lwork,
                &mut info,
            );
        }
        info
    };
    let mut work_q = [0.0_f64; 1];
    let info = dgeev(&mut work_q, -1);
    if info != 0 {
        return Err(BaselineError::Lapack {
            routine: "dgeev (workspace query)",
            info,
        });
    }
    let lwork = work_q[0].max((4 * n).max(1) as f64).ceil();
    if lwork > i32::MAX as f64 {
        return Err(BaselineError::TooLarge {
            what: "dgeev lwork",
            value: lwork as usize,
        });
    }
    let mut work = vec![0.0_f64; lwork as usize];
    let info = dgeev(&mut work, lwork as i32);
    drop(work);
    drop(work_a);
    if info != 0 {
        return Err(BaselineError::Lapack {
            routine: "dgeev",
            info,
        });
    }
    // dgeev stores a complex pair (wi[j] > 0, wi[j+1] < 0) as vr[:, j] + i vr[:, j+1] and its
    // conjugate; both eigenvectors have real part vr[:, j].
    let mut re_col: Vec<usize> = (0..n).collect();
    let mut j = 0;
    while j < n {
        if wi[j] != 0.0 && j + 1 < n {
            re_col[j + 1] = j;
            j += 2;
        } else {
            j += 1;
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&p, &q| wr[q].total_cmp(&wr[p]));
    let vr = DMatrix::from_vec(n, n, vr); // [n, n]
    let mut vectors_re = DMatrix::<f64>::zeros(n, n); // [n, n]
    for (c, &i) in order.iter().enumerate() {
        vectors_re.column_mut(c).copy_from(&vr.column(re_col[i]));
    }
    Ok(GeneralEigenFull {
        values_re: DVector::from_iterator(n, order.iter().map(|&i| wr[i])),
        values_im: DVector::from_iterator(n, order.iter().map(|&i| wi[i])),
        vectors_re,
    })
}

/// Dominant eigenpairs of a general (non-symmetric) real matrix ([`general_eigen_top`]).
#[derive(Debug, Clone)]
pub struct GeneralEigen {
    /// The `k` eigenvalues of largest real part, descending (all real). `[k]`.
    pub values: DVector<f64>,
    /// Unit-norm right eigenvectors, column `j` belonging to `values[j]`. `[n, k]`.
    pub vectors: DMatrix<f64>,
    /// Subspace iterations used.
    pub iterations: usize,
}

/// `A Q` in parallel over row blocks: `[n, n] x [n, p] -> [n, p]`.
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

/// The start block of [`general_eigen_top`]: `np.random.RandomState(0).random_sample((p, n)).T
/// - 0.5` filled column by column (MT19937 `init_genrand(0)` and NumPy's legacy 53-bit doubles
/// `((a >> 5) 2^26 + (b >> 6)) / 2^53`). `[n, p]`.
fn numpy_seed0_block(n: usize, p: usize) -> DMatrix<f64> {
    let mut mt = Mt::new(0);
    DMatrix::from_fn(n, p, |_, _| {
        let a = mt.next_u32() >> 5;
        let b = mt.next_u32() >> 6;
        (f64::from(a) * 67_108_864.0 + f64::from(b)) / 9_007_199_254_740_992.0 - 0.5
    })
}

/// The `k` eigenpairs of largest real part of the square `a` (`[n, n]`, need not be symmetric),
/// as `np.linalg.eig` + descending sort by real part would give them (eigenvectors up to sign),
/// assuming those eigenvalues are real and dominant in magnitude (true for a kernel matrix with
/// mean-filled gaps, whose noise eigenvalues are small; paper, Figure 4 right).
///
/// Subspace iteration on a block of `p = max(3k, k + 20)` vectors (at most `n`) from a fixed
/// pseudo-random start, with a Rayleigh-Ritz step every iteration; stops when every wanted Ritz
/// pair has a relative residual `|A v - lambda v| / |lambda| <= tol`. Then an independent check
/// ([`crate::guard`]) runs a short block Krylov iteration on `P A P` (`P` the orthogonal projector
/// onto the complement of the returned eigenvectors' span, an invariant subspace) from a Gaussian
/// block of its own seed: the remaining eigenvalues of `A` are those of `P A P` there, so a Ritz
/// value with real part above `lambda_k + 1e-6 |lambda_1|` means the fixed start block missed an
/// eigenvalue. For a symmetric `a` the bound of the symmetric Krylov solver's check holds
/// (`symmetric_eigen_top_k`); for a non-normal `a` Ritz values may exceed the remaining
/// eigenvalues' real parts, so the check can also raise a false alarm (then `dgeev` decides).
///
/// # Errors
/// [`BaselineError::NotSquare`], [`BaselineError::InvalidK`] (`k` outside `1..=n`),
/// [`BaselineError::NonFinite`], [`BaselineError::NoConvergence`] (not within `max_iter`
/// iterations, or a wanted eigenvalue stayed complex), [`BaselineError::MissedEigenvalue`] (the
/// check found a missed eigenvalue: run [`general_eigen_full`]), [`BaselineError::TooLarge`].
pub fn general_eigen_top(
    a: &DMatrix<f64>,
    k: usize,
    tol: f64,
    max_iter: usize,
) -> Result<GeneralEigen, BaselineError> {
    check_square("a", a)?;
    let n = a.nrows();
    check_k("k", k, n)?;
    check_finite("a", a)?;
    let p = (3 * k).max(k + 20).min(n);
    let start = numpy_seed0_block(n, p); // [n, p]
    let mut q = start.qr().q(); // [n, p]
    for iter in 1..=max_iter {
        let z = par_mul(a, &q); // A Q: [n, p]
        let h = q.transpose() * &z; // [p, p]
        if let Some((values, vectors)) = converged_ritz_pairs(&q, &z, &h, k, tol) {
            if let Some(found) = general_misses_a_pair(a, &vectors, values[k - 1], values[0])? {
                return Err(BaselineError::MissedEigenvalue {
                    solver: "general_eigen_top",
                    found,
                    kth: values[k - 1],
                });
            }
            return Ok(GeneralEigen {
                values,
                vectors,
                iterations: iter,
            });
        }
        q = z.qr().q();
    }
    Err(BaselineError::NoConvergence {
        solver: "general_eigen_top",
        iterations: max_iter,
        tol,
    })
}

/// The `k` Ritz pairs of largest real part from `H = Q^T A Q` (`[p, p]`, `Q`: `[n, p]`,
/// `Z = A Q`: `[n, p]`) when all are real and meet the relative residual `tol`, else `None`.
/// Values `[k]` descending, unit vectors `[n, k]`.
fn converged_ritz_pairs(
    q: &DMatrix<f64>,
    z: &DMatrix<f64>,
    h: &DMatrix<f64>,
    k: usize,
    tol: f64,
) -> Option<(DVector<f64>, DMatrix<f64>)> {
    let (n, p) = q.shape();
    let ritz = h.complex_eigenvalues(); // [p]
    let mut order: Vec<usize> = (0..p).collect();
    order.sort_by(|&i, &j| ritz[j].re.total_cmp(&ritz[i].re));
    let mut values = DVector::<f64>::zeros(k);
    let mut vectors = DMatrix::<f64>::zeros(n, k); // [n, k]
    let mut worst = 0.0f64;
    for (c, &i) in order.iter().take(k).enumerate() {
        let lambda = ritz[i];
        if lambda.im.abs() > 1e-12 * lambda.norm().max(f64::MIN_POSITIVE) {
            return None;
        }
        let lam = lambda.re;
        // Null vector of H - lam I: the right singular vector of the smallest singular value.
        let shifted = h - DMatrix::<f64>::identity(p, p) * lam; // [p, p]
        let v_t = shifted.svd(false, true).v_t?; // [p, p]
        let y = v_t.row(p - 1).transpose(); // [p]
        let mut v = q * &y; // [n]
        let norm = v.norm();
        let resid = (z * &y - &v * lam).norm() / norm; // |A v - lam v| / |v|
        v /= norm;
        worst = worst.max(resid / lam.abs().max(f64::MIN_POSITIVE));
        values[c] = lam;
        vectors.column_mut(c).copy_from(&v);
    }
    (worst <= tol).then_some((values, vectors))
}

/// Whether the deflated check ([`crate::guard`]) finds an eigenvalue that [`general_eigen_top`]
/// missed: `Some(largest real part of a Ritz value)` when that exceeds
/// `kth + GENERAL_GUARD_MARGIN |first|` (`NaN` when the check's basis broke down), else `None`.
/// `vectors`: the returned eigenvectors, `[n, k]`; the check deflates an orthonormal basis of
/// their span.
fn general_misses_a_pair(
    a: &DMatrix<f64>,
    vectors: &DMatrix<f64>,
    kth: f64,
    first: f64,
) -> Result<Option<f64>, BaselineError> {
    let (n, k) = vectors.shape();
    let Some((width, steps)) = guard_shape(n - k) else {
        return Ok(None);
    };
    let u = vectors.clone().qr().q(); // [n, k]
    let h = deflated_projection(a.as_slice(), n, 1.0, u.as_slice(), width, steps, GUARD_SEED)?;
    let Some(h) = h else {
        return Ok(Some(f64::NAN));
    };
    let top = h
        .complex_eigenvalues()
        .iter()
        .map(|z| z.re)
        .fold(f64::NEG_INFINITY, f64::max);
    Ok((top > kth + GENERAL_GUARD_MARGIN * first.abs()).then_some(top))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_the_eigenpairs_of_a_non_symmetric_matrix() {
        // Upper triangular: eigenvalues are the diagonal.
        let a = DMatrix::from_row_slice(3, 3, &[2.0, 1.0, 3.0, 0.0, 5.0, -1.0, 0.0, 0.0, -4.0]);
        let e = general_eigen_full(&a).unwrap();
        assert_eq!(e.values_re.as_slice(), &[5.0, 2.0, -4.0]);
        assert!(e.values_im.iter().all(|&v| v == 0.0));
        for c in 0..3 {
            let v = e.vectors_re.column(c);
            assert!((v.norm() - 1.0).abs() < 1e-12);
            let r = &a * v - v * e.values_re[c];
            assert!(r.norm() < 1e-12, "column {c}: residual {}", r.norm());
        }
    }

    #[test]
    fn a_complex_pair_shares_the_real_part_of_its_eigenvector() {
        // Rotation block (eigenvalues 1 +- 2i) and a real eigenvalue 3.
        let a = DMatrix::from_row_slice(3, 3, &[1.0, -2.0, 0.0, 2.0, 1.0, 0.0, 0.0, 0.0, 3.0]);
        let e = general_eigen_full(&a).unwrap();
        assert_eq!(e.values_re[0], 3.0);
        assert!((e.values_re[1] - 1.0).abs() < 1e-12 && (e.values_re[2] - 1.0).abs() < 1e-12);
        assert!((e.values_im[1].abs() - 2.0).abs() < 1e-12);
        assert_eq!(e.values_im[1], -e.values_im[2]);
        assert_eq!(e.vectors_re.column(1), e.vectors_re.column(2));
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(matches!(
            general_eigen_full(&DMatrix::zeros(2, 3)),
            Err(BaselineError::NotSquare { .. })
        ));
        let mut a = DMatrix::<f64>::identity(2, 2);
        a[(1, 0)] = f64::NAN;
        assert!(matches!(
            general_eigen_full(&a),
            Err(BaselineError::NonFinite { .. })
        ));
    }

    #[test]
    fn general_eigen_matches_symmetric_solver_on_a_symmetric_matrix() {
        let n = 60;
        let b = DMatrix::from_fn(n, n, |i, j| (((i * 31 + j * 17) % 23) as f64 - 11.0) / 7.0);
        let a = &b * b.transpose(); // [n, n], PSD
        let eig = general_eigen_top(&a, 4, 1e-12, 5000).unwrap();
        let sym = crate::symmetric_eigen_top_k(&a, 4).unwrap();
        assert_same_leading_pairs(&eig, &sym.values, &sym.vectors, 1e-8);
    }

    /// The pairs of `eig` match `(values, vectors)` (eigenvalues to `rtol |values[0]|`,
    /// eigenvectors up to sign to 1e-8).
    fn assert_same_leading_pairs(
        eig: &GeneralEigen,
        values: &DVector<f64>,
        vectors: &DMatrix<f64>,
        rtol: f64,
    ) {
        for c in 0..eig.values.len() {
            assert!((eig.values[c] - values[c]).abs() < rtol * values[0].abs());
            let dot = eig.vectors.column(c).dot(&vectors.column(c)).abs();
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
        let full = general_eigen_full(&filled).unwrap();
        assert_same_leading_pairs(&top, &full.values_re, &full.vectors_re, 1e-9);
    }

    #[test]
    fn a_leading_eigenvector_orthogonal_to_the_start_block_is_reported_as_missed() {
        // The issue's spectrum with the eigenvector of 1.0 orthogonal to the subspace
        // iteration's start block: every iterate stays orthogonal to it (A is symmetric), so
        // without the deflated check 0.99, 0.98, 0.97 came back as the top 3, all genuine pairs.
        let (n, k) = (200, 3);
        let p = (3 * k).max(k + 20);
        let q0 = numpy_seed0_block(n, p).qr().q(); // [n, p]
        let r = DVector::from_fn(n, |i, _| ((i * 37 + 11) % 101) as f64 / 101.0 - 0.5);
        let mut u1 = &r - &q0 * (q0.transpose() * &r);
        u1.normalize_mut();
        assert!((q0.transpose() * &u1).amax() < 1e-14);
        let a =
            crate::guard::with_leading_eigenvector(&crate::guard::issue_spectrum(n, 1.0, 3), &u1);
        match general_eigen_top(&a, k, 1e-10, 500) {
            Err(BaselineError::MissedEigenvalue { found, kth, .. }) => {
                assert!((kth - 0.97).abs() < 1e-9, "{kth}");
                assert!(found > 0.98, "{found}");
            }
            other => panic!(
                "expected MissedEigenvalue, got {:?}",
                other.map(|e| e.values)
            ),
        }
        // The same spectrum with a generic eigenvector: the right top 3, no alarm.
        let mut generic = r.clone();
        generic.normalize_mut();
        let a = crate::guard::with_leading_eigenvector(
            &crate::guard::issue_spectrum(n, 1.0, 3),
            &generic,
        );
        let eig = general_eigen_top(&a, k, 1e-10, 500).unwrap();
        for (c, want) in [1.0, 0.99, 0.98].iter().enumerate() {
            assert!((eig.values[c] - want).abs() < 1e-9, "{}", eig.values);
        }
    }

    #[test]
    fn bad_input_to_the_subspace_solver_is_an_error() {
        assert!(matches!(
            general_eigen_top(&DMatrix::zeros(2, 3), 1, 1e-10, 10),
            Err(BaselineError::NotSquare { .. })
        ));
        assert!(matches!(
            general_eigen_top(&DMatrix::identity(3, 3), 4, 1e-10, 10),
            Err(BaselineError::InvalidK { k: 4, n: 3, .. })
        ));
        let mut a = DMatrix::<f64>::identity(3, 3);
        a[(2, 1)] = f64::INFINITY;
        assert!(matches!(
            general_eigen_top(&a, 1, 1e-10, 10),
            Err(BaselineError::NonFinite { row: 2, col: 1, .. })
        ));
        // A rotation has no real eigenvalue: never converges.
        let rot = DMatrix::from_row_slice(2, 2, &[0.0, -1.0, 1.0, 0.0]);
        assert!(matches!(
            general_eigen_top(&rot, 1, 1e-10, 10),
            Err(BaselineError::NoConvergence { iterations: 10, .. })
        ));
    }
}
