//! Centering, eigendecompositions, eigen-embedding and input validation.

mod common;

use baselines::{
    center_kernel, center_kernel_owned, symmetric_eigen_bottom_k, symmetric_eigen_bottom_k_owned,
    symmetric_eigen_full, symmetric_eigen_full_owned, symmetric_eigen_top_k,
    symmetric_eigen_top_k_dsyevr, symmetric_eigen_top_k_owned, BaselineError, Eigen,
};
use common::{max_abs_diff, random_matrix, random_symmetric, same_up_to_sign};
use nalgebra::{DMatrix, DVector};

#[test]
fn center_kernel_matches_explicit_hkh_and_has_zero_row_and_column_sums() {
    // A non-symmetric K exercises the final symmetrization as well.
    let n = 7;
    let k = random_matrix(n, n, 1) * 3.0 + DMatrix::from_element(n, n, 2.0);
    let h = DMatrix::<f64>::identity(n, n) - DMatrix::from_element(n, n, 1.0 / n as f64);
    let b = &h * &k * &h;
    let expected = (&b + b.transpose()) * 0.5;

    let got = center_kernel(&k).unwrap();
    assert!(max_abs_diff(&got, &expected) < 1e-13, "{got} vs {expected}");
    assert_eq!(got, got.transpose(), "output must be exactly symmetric");
    for i in 0..n {
        assert!(got.row(i).sum().abs() < 1e-13);
        assert!(got.column(i).sum().abs() < 1e-13);
    }
    assert_eq!(center_kernel_owned(k.clone()).unwrap(), got);
    // Idempotent: centering a centered kernel changes nothing.
    assert!(max_abs_diff(&center_kernel(&got).unwrap(), &got) < 1e-13);
}

#[test]
fn full_decomposition_is_sorted_orthonormal_and_reconstructs() {
    let n = 50;
    let a = random_symmetric(n, 2);
    let eig = symmetric_eigen_full(&a).unwrap();
    assert_eq!(eig.values.len(), n);
    assert_eq!(eig.vectors.shape(), (n, n));
    assert!(eig.values.as_slice().windows(2).all(|w| w[0] >= w[1]));
    let v = &eig.vectors;
    let recon = v * DMatrix::from_diagonal(&eig.values) * v.transpose();
    assert!(max_abs_diff(&recon, &a) < 1e-12);
    assert!(max_abs_diff(&(v.transpose() * v), &DMatrix::identity(n, n)) < 1e-12);
    assert_eq!(symmetric_eigen_full_owned(a.clone()).unwrap(), eig);
}

#[test]
fn large_top_k_and_bottom_k_agree_with_dsyevr() {
    // n = 2000 takes the block Krylov path; a kernel-like matrix: low-rank Gram plus a small
    // indefinite perturbation.
    let n = 2000;
    let x = random_matrix(n, 40, 11); // [n, 40]
    let a = &x * x.transpose() + random_symmetric(n, 12) * 1e-3; // [n, n]
    let k = 10;
    let ours = symmetric_eigen_top_k(&a, k).unwrap();
    let lapack = symmetric_eigen_top_k_dsyevr(&a, k).unwrap();
    let scale = lapack.values[0];
    assert!((&ours.values - &lapack.values).amax() <= 1e-11 * scale);
    // Same invariant subspace (the top 10 are well separated): V V^T == U U^T.
    let proj = |e: &Eigen| &e.vectors * e.vectors.transpose();
    assert!(max_abs_diff(&proj(&ours), &proj(&lapack)) < 1e-10);
    for j in 0..k {
        let v = ours.vectors.column(j);
        assert!((&a * v - v * ours.values[j]).norm() <= 1e-12 * scale);
    }
    // The most negative pairs: the perturbation's, far below the Gram part's scale.
    let bottom = symmetric_eigen_bottom_k(&a, 3).unwrap();
    let full = symmetric_eigen_full(&a).unwrap();
    for j in 0..3 {
        assert!((bottom.values[j] - full.values[n - 1 - j]).abs() <= 1e-12 * scale);
    }
}

#[test]
fn top_k_and_bottom_k_match_the_full_decomposition() {
    let n = 50;
    let k = 7;
    let a = random_symmetric(n, 3);
    let full = symmetric_eigen_full(&a).unwrap();

    let top = symmetric_eigen_top_k(&a, k).unwrap();
    assert_eq!(top.values.len(), k);
    assert_eq!(top.vectors.shape(), (n, k));
    let full_top_vals = full.values.rows(0, k).into_owned();
    assert!((&top.values - &full_top_vals).amax() < 1e-12);
    assert!(same_up_to_sign(
        &top.vectors,
        &full.vectors.columns(0, k).into_owned(),
        1e-9
    ));

    let bottom = symmetric_eigen_bottom_k(&a, k).unwrap();
    assert!(bottom.values[0] < 0.0);
    assert!(
        bottom.values.as_slice().windows(2).all(|w| w[0] <= w[1]),
        "ascending"
    );
    // The full decomposition is descending: its last k columns, reversed.
    let idx: Vec<usize> = (0..k).map(|j| n - 1 - j).collect();
    let full_bottom_vals = DVector::from_iterator(k, idx.iter().map(|&i| full.values[i]));
    let full_bottom_vecs = DMatrix::from_fn(n, k, |r, c| full.vectors[(r, idx[c])]);
    assert!((&bottom.values - &full_bottom_vals).amax() < 1e-12);
    assert!(same_up_to_sign(&bottom.vectors, &full_bottom_vecs, 1e-9));

    assert_eq!(symmetric_eigen_top_k_owned(a.clone(), k).unwrap(), top);
    assert_eq!(
        symmetric_eigen_bottom_k_owned(a.clone(), k).unwrap(),
        bottom
    );
    // k = n is allowed and gives every pair.
    let all = symmetric_eigen_top_k(&a, n).unwrap();
    assert!((&all.values - &full.values).amax() < 1e-12);
}

#[test]
fn embedding_reconstructs_a_psd_rank_3_matrix_exactly_at_d_3() {
    let n = 20;
    let b = random_matrix(n, 3, 4);
    let s = &b * b.transpose();
    let eig = symmetric_eigen_full(&s).unwrap();
    let y = eig.embedding(3).unwrap();
    assert_eq!(y.shape(), (n, 3));
    assert!(max_abs_diff(&(&y * y.transpose()), &s) < 1e-12);
    // d = 2 is strictly worse.
    let y2 = eig.embedding(2).unwrap();
    assert!(max_abs_diff(&(&y2 * y2.transpose()), &s) > 1e-3);
    // Same from the top-k solver.
    let y_top = symmetric_eigen_top_k(&s, 3).unwrap().embedding(3).unwrap();
    assert!(max_abs_diff(&(&y_top * y_top.transpose()), &s) < 1e-12);
}

#[test]
fn embedding_uses_absolute_eigenvalues() {
    let eig = Eigen {
        values: DVector::from_vec(vec![4.0, -9.0]),
        vectors: DMatrix::identity(2, 2),
    };
    let y = eig.embedding(2).unwrap();
    assert_eq!(y, DMatrix::from_row_slice(2, 2, &[2.0, 0.0, 0.0, 3.0]));
}

#[test]
fn select_abs_largest_orders_by_magnitude() {
    let eig = Eigen {
        values: DVector::from_vec(vec![5.0, 1.0, -0.5, -7.0]),
        vectors: DMatrix::identity(4, 4),
    };
    let sel = eig.select_abs_largest(3).unwrap();
    assert_eq!(sel.values.as_slice(), &[-7.0, 5.0, 1.0]);
    assert_eq!(
        sel.vectors.column(0),
        DMatrix::<f64>::identity(4, 4).column(3)
    );
    assert!(matches!(
        eig.select_abs_largest(5),
        Err(BaselineError::InvalidK { k: 5, n: 4, .. })
    ));
}

#[test]
fn bad_inputs_are_typed_errors() {
    let a = random_symmetric(6, 5);

    let mut asym = a.clone();
    asym[(4, 1)] += 1e-3;
    assert!(matches!(
        symmetric_eigen_full(&asym),
        Err(BaselineError::Asymmetric { row: 4, col: 1, .. })
    ));
    assert!(matches!(
        symmetric_eigen_top_k(&asym, 2),
        Err(BaselineError::Asymmetric { .. })
    ));
    // Rounding-level asymmetry is accepted.
    let mut nearly = a.clone();
    nearly[(4, 1)] += 1e-15;
    assert!(symmetric_eigen_full(&nearly).is_ok());

    let mut nan = a.clone();
    nan[(2, 3)] = f64::NAN;
    assert!(matches!(
        symmetric_eigen_full(&nan),
        Err(BaselineError::NonFinite { row: 2, col: 3, .. })
    ));
    let mut inf = a.clone();
    inf[(0, 0)] = f64::INFINITY;
    assert!(matches!(
        center_kernel(&inf),
        Err(BaselineError::NonFinite { .. })
    ));

    assert!(matches!(
        symmetric_eigen_top_k(&a, 7),
        Err(BaselineError::InvalidK { k: 7, n: 6, .. })
    ));
    assert!(matches!(
        symmetric_eigen_bottom_k(&a, 0),
        Err(BaselineError::InvalidK { k: 0, .. })
    ));

    let rect = random_matrix(3, 4, 6);
    assert!(matches!(
        symmetric_eigen_full(&rect),
        Err(BaselineError::NotSquare {
            rows: 3,
            cols: 4,
            ..
        })
    ));
    assert!(matches!(
        center_kernel(&rect),
        Err(BaselineError::NotSquare { .. })
    ));
    assert!(matches!(
        symmetric_eigen_full(&DMatrix::zeros(0, 0)),
        Err(BaselineError::Empty { .. })
    ));

    let eig = symmetric_eigen_top_k(&a, 2).unwrap();
    assert!(matches!(
        eig.embedding(3),
        Err(BaselineError::InvalidK { k: 3, n: 2, .. })
    ));
    assert!(matches!(
        eig.embedding(0),
        Err(BaselineError::InvalidK { .. })
    ));
}
