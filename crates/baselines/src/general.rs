//! Full eigendecomposition of a general (non-symmetric) real matrix with LAPACK `dgeev`, as
//! NumPy's `np.linalg.eig` computes it. The paper's mean-filled baseline (Figure 4, right) runs
//! `np.linalg.eig` on the mean-filled kernel matrix, which is not symmetric (each entry goes
//! missing independently), then embeds with the real parts.

use nalgebra::{DMatrix, DVector};

use crate::checks::{check_finite, check_nonempty, check_square};
use crate::error::BaselineError;

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
}
