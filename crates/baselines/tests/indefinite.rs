//! Splitting by eigenvalue sign, the absolute-largest approximation and the mean-filled baseline.

mod common;

use baselines::{
    mean_filled_embedding, mean_filled_embedding_present_mean, mean_filled_embedding_with,
    mse_absolute_largest, present_mean, split_by_sign, symmetric_eigen_full, symmetric_eigen_top_k,
    BaselineError, Symmetrize,
};
use common::{max_abs_diff, naive_mse, random_symmetric, same_up_to_sign};
use nalgebra::DMatrix;

#[test]
fn split_by_sign_gives_two_psd_parts_whose_difference_is_s() {
    let s = random_symmetric(30, 40);
    let eig = symmetric_eigen_full(&s).unwrap();
    assert!(eig.values.iter().any(|&l| l < 0.0) && eig.values.iter().any(|&l| l > 0.0));
    let (s1, s2) = split_by_sign(&eig);
    assert!(max_abs_diff(&(&s1 - &s2), &s) < 1e-12);
    for part in [&s1, &s2] {
        assert_eq!(part, &part.transpose());
        let e = symmetric_eigen_full(part).unwrap();
        assert!(e.values.min() > -1e-12, "not PSD: {}", e.values.min());
    }
    // The ranks follow the sign counts.
    let n_pos = eig.values.iter().filter(|&&l| l >= 0.0).count();
    let e1 = symmetric_eigen_full(&s1).unwrap();
    assert_eq!(e1.values.iter().filter(|&&l| l > 1e-10).count(), n_pos);
}

#[test]
fn mse_absolute_largest_equals_the_explicit_reconstruction() {
    let s = random_symmetric(40, 41);
    let eig = symmetric_eigen_full(&s).unwrap();
    for k in [1, 5, 40] {
        let mut idx: Vec<usize> = (0..40).collect();
        idx.sort_by(|&a, &b| eig.values[b].abs().total_cmp(&eig.values[a].abs()));
        let mut s_hat = DMatrix::<f64>::zeros(40, 40);
        for &i in &idx[..k] {
            let v = eig.vectors.column(i);
            s_hat += eig.values[i] * v * v.transpose();
        }
        let got = mse_absolute_largest(&eig, &s, k).unwrap();
        let naive = naive_mse(&s_hat, &s);
        assert!(
            (got - naive).abs() <= 1e-12 * naive.max(1e-20),
            "k = {k}: {got} vs {naive}"
        );
    }
    assert!(mse_absolute_largest(&eig, &s, 40).unwrap() < 1e-25);
    assert!(matches!(
        mse_absolute_largest(&eig, &s, 41),
        Err(BaselineError::InvalidK { .. })
    ));
    assert!(matches!(
        mse_absolute_largest(&eig, &DMatrix::zeros(40, 39), 3),
        Err(BaselineError::ShapeMismatch { .. })
    ));
}

#[test]
fn mean_filled_without_missing_entries_is_the_plain_top_k_embedding() {
    let s = random_symmetric(25, 42);
    let plain = symmetric_eigen_top_k(&s, 4).unwrap().embedding(4).unwrap();
    let filled = mean_filled_embedding(&s, 123.0, 4).unwrap();
    assert!(same_up_to_sign(&filled, &plain, 1e-10));
}

#[test]
fn mean_filled_fills_symmetrizes_and_embeds() {
    let n = 25;
    let s = random_symmetric(n, 43);
    let mut holes = s.clone();
    for &(i, j) in &[(0, 3), (7, 2), (10, 10), (24, 0)] {
        holes[(i, j)] = f64::NAN;
    }
    let fill = 0.3;
    let mut expected = holes.map(|v| if v.is_nan() { fill } else { v });
    expected = (&expected + expected.transpose()) * 0.5;
    let want = symmetric_eigen_top_k(&expected, 3)
        .unwrap()
        .embedding(3)
        .unwrap();
    let got = mean_filled_embedding(&holes, fill, 3).unwrap();
    assert!(same_up_to_sign(&got, &want, 1e-10));

    // Lower-triangle rule: (0, 3) is in the upper triangle and ignored, (7, 2) is used.
    let mut lower = holes.map(|v| if v.is_nan() { fill } else { v });
    lower.fill_upper_triangle_with_lower_triangle();
    let want_lower = symmetric_eigen_top_k(&lower, 3)
        .unwrap()
        .embedding(3)
        .unwrap();
    let got_lower = mean_filled_embedding_with(&holes, fill, 3, Symmetrize::Lower).unwrap();
    assert!(same_up_to_sign(&got_lower, &want_lower, 1e-10));

    let present = s.iter().sum::<f64>() - s[(0, 3)] - s[(7, 2)] - s[(10, 10)] - s[(24, 0)];
    let mean = present / (n * n - 4) as f64;
    assert!((present_mean(&holes).unwrap() - mean).abs() < 1e-15);
    let auto = mean_filled_embedding_present_mean(&holes, 3).unwrap();
    let by_hand = mean_filled_embedding(&holes, mean, 3).unwrap();
    assert!(max_abs_diff(&auto, &by_hand) < 1e-14);
}

#[test]
fn mean_filled_errors() {
    let s = random_symmetric(5, 44);
    assert!(matches!(
        mean_filled_embedding(&s, 0.0, 6),
        Err(BaselineError::InvalidK { k: 6, n: 5, .. })
    ));
    assert!(matches!(
        mean_filled_embedding(&s, f64::NAN, 2),
        Err(BaselineError::NonFiniteScalar { .. })
    ));
    let mut inf = s.clone();
    inf[(1, 1)] = f64::NEG_INFINITY;
    assert!(matches!(
        mean_filled_embedding(&inf, 0.0, 2),
        Err(BaselineError::NonFinite { .. })
    ));
    assert!(matches!(
        mean_filled_embedding(&DMatrix::zeros(4, 5), 0.0, 2),
        Err(BaselineError::NotSquare { .. })
    ));
    assert!(matches!(
        present_mean(&DMatrix::from_element(3, 3, f64::NAN)),
        Err(BaselineError::AllMissing { .. })
    ));
}
