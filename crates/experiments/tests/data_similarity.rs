//! Target similarities: labels, Simpson, RBF, median heuristic; hand examples, brute-force
//! cross-checks, and real-data values printed once by NumPy 2.4.6 (see `data_subset.rs` for the
//! paper-order reproduction).

use std::time::Instant;

use experiments::data::{load_mnist, mnist_0_7, paper_main_split_sized, NumpyRandomState};
use experiments::similarity::{
    label_similarity, median_heuristic_gamma, median_pairwise_distance, rbf_kernel,
    rbf_kernel_between, simpson_similarity, SimilarityError,
};
use nalgebra::DMatrix;

fn random_matrix(seed: u32, rows: usize, cols: usize) -> DMatrix<f64> {
    let v = NumpyRandomState::new(seed).random_sample(rows * cols);
    DMatrix::from_row_slice(rows, cols, &v)
}

fn naive_dist(x: &DMatrix<f64>, i: usize, j: usize) -> f64 {
    (x.row(i) - x.row(j)).norm()
}

/// numpy.median of the full distance matrix, by sorting.
fn naive_median(x: &DMatrix<f64>) -> f64 {
    let m = x.nrows();
    let mut d: Vec<f64> = (0..m)
        .flat_map(|i| (0..m).map(move |j| (i, j)))
        .map(|(i, j)| if i == j { 0.0 } else { naive_dist(x, i, j) })
        .collect();
    d.sort_by(f64::total_cmp);
    let n = d.len();
    if n % 2 == 1 {
        d[n / 2]
    } else {
        0.5 * (d[n / 2 - 1] + d[n / 2])
    }
}

#[test]
fn label_similarity_is_the_class_indicator() {
    let s = label_similarity(&[1, 2, 1]);
    let expected = DMatrix::from_row_slice(3, 3, &[1., 0., 1., 0., 1., 0., 1., 0., 1.]);
    assert_eq!(s, expected);
    assert_eq!(label_similarity(&[]).shape(), (0, 0));
}

#[test]
fn simpson_on_a_hand_example() {
    // b0 = {0, 1, 2}, b1 = {1, 2}, b2 = {3}, b3 = {0, 3}
    let b = DMatrix::from_row_slice(
        4,
        4,
        &[
            1., 1., 1., 0., //
            0., 1., 1., 0., //
            0., 0., 0., 1., //
            1., 0., 0., 1.,
        ],
    );
    let s = simpson_similarity(&b).unwrap();
    let expected = DMatrix::from_row_slice(
        4,
        4,
        &[
            1.0, 1.0, 0.0, 0.5, //
            1.0, 1.0, 0.0, 0.0, //
            0.0, 0.0, 1.0, 1.0, //
            0.5, 0.0, 1.0, 1.0,
        ],
    );
    assert_eq!(s, expected);
}

#[test]
fn simpson_handles_more_than_64_pixels() {
    // Bits beyond the first word: rows of 130 pixels.
    let mut b = DMatrix::zeros(2, 130);
    for j in [0, 64, 65, 129] {
        b[(0, j)] = 1.0;
    }
    for j in [65, 129] {
        b[(1, j)] = 1.0;
    }
    let s = simpson_similarity(&b).unwrap();
    assert_eq!(s[(0, 1)], 1.0);
    assert_eq!(s[(1, 0)], 1.0);
    b[(1, 129)] = 0.0;
    b[(1, 100)] = 1.0;
    let s = simpson_similarity(&b).unwrap();
    assert_eq!(s[(0, 1)], 0.5);
}

#[test]
fn simpson_rejects_empty_and_non_binary_rows() {
    let b = DMatrix::from_row_slice(2, 2, &[1., 0., 0., 0.]);
    let err = simpson_similarity(&b).unwrap_err();
    assert_eq!(err, SimilarityError::EmptyImage { index: 1 });
    assert!(err.to_string().contains("image (row) 1"), "{err}");
    let b = DMatrix::from_row_slice(2, 2, &[1., 0., 0.5, 1.]);
    assert_eq!(
        simpson_similarity(&b).unwrap_err(),
        SimilarityError::NotBinary {
            row: 1,
            col: 0,
            value: 0.5
        }
    );
}

#[test]
fn rbf_kernel_matches_the_definition() {
    // More rows than one parallel block (128) to exercise the block and mirror code.
    let x = random_matrix(1, 300, 5);
    let gamma = 0.7;
    let k = rbf_kernel(&x, gamma).unwrap();
    assert_eq!(k.shape(), (300, 300));
    for (i, j) in [(0, 0), (0, 1), (5, 250), (299, 3), (130, 129), (299, 299)] {
        let d = naive_dist(&x, i, j);
        let e = (-gamma * d * d).exp();
        assert!(
            (k[(i, j)] - e).abs() < 1e-12,
            "({i},{j}): {} vs {e}",
            k[(i, j)]
        );
    }
    assert_eq!(k, k.transpose(), "exactly symmetric");
    assert!((0..300).all(|i| k[(i, i)] == 1.0));
    // Cross kernel agrees with the square one.
    let a = x.rows(0, 140).into_owned();
    let kb = rbf_kernel_between(&a, &x, gamma).unwrap();
    assert_eq!(kb.shape(), (140, 300));
    let max_diff = (kb - k.rows(0, 140)).abs().max();
    assert!(max_diff < 1e-12, "{max_diff}");
}

#[test]
fn rbf_kernel_rejects_bad_input() {
    let x = DMatrix::from_row_slice(2, 1, &[0.0, f64::NAN]);
    assert!(matches!(
        rbf_kernel(&x, 1.0),
        Err(SimilarityError::NonFinite { row: 1, col: 0, .. })
    ));
    let x = DMatrix::from_row_slice(2, 1, &[0.0, 1.0]);
    assert!(matches!(
        rbf_kernel(&x, -1.0),
        Err(SimilarityError::InvalidGamma { .. })
    ));
    assert!(matches!(
        rbf_kernel(&x, f64::INFINITY),
        Err(SimilarityError::InvalidGamma { .. })
    ));
    assert!(matches!(
        rbf_kernel_between(&x, &DMatrix::zeros(2, 3), 1.0),
        Err(SimilarityError::ColumnMismatch {
            a_cols: 1,
            b_cols: 3,
            ..
        })
    ));
}

#[test]
fn median_heuristic_on_small_examples() {
    // (0,0), (3,0), (0,4): D has 0,0,0,3,3,4,4,5,5 -> median 3 -> gamma = 0.5 / 9.
    let x = DMatrix::from_row_slice(3, 2, &[0., 0., 3., 0., 0., 4.]);
    assert_eq!(median_pairwise_distance(&x).unwrap(), 3.0);
    assert!((median_heuristic_gamma(&x).unwrap() - 0.5 / 9.0).abs() < 1e-15);
    // Two points at distance 2: D = 0,0,2,2 -> median (0 + 2) / 2 = 1 -> gamma 0.5.
    let x = DMatrix::from_row_slice(2, 1, &[1.0, 3.0]);
    assert_eq!(median_pairwise_distance(&x).unwrap(), 1.0);
    assert_eq!(median_heuristic_gamma(&x).unwrap(), 0.5);
    // Four points on a line 0, 1, 3, 7: off-diagonal 1,3,7,2,6,4 (each twice), 4 zeros;
    // 16 values, middle two are ranks 7 and 8: sorted 0,0,0,0,1,1,2,2,3,3,4,4,6,6,7,7 -> (2+3)/2.
    let x = DMatrix::from_row_slice(4, 1, &[0.0, 1.0, 3.0, 7.0]);
    assert_eq!(median_pairwise_distance(&x).unwrap(), 2.5);
}

#[test]
fn median_heuristic_matches_brute_force() {
    for (seed, m) in [(3, 37), (4, 40), (5, 129), (6, 200)] {
        let x = random_matrix(seed, m, 6);
        let fast = median_pairwise_distance(&x).unwrap();
        let slow = naive_median(&x);
        assert!((fast - slow).abs() < 1e-12, "m = {m}: {fast} vs {slow}");
    }
}

#[test]
fn median_heuristic_rejects_degenerate_input() {
    assert_eq!(
        median_heuristic_gamma(&DMatrix::zeros(0, 3)).unwrap_err(),
        SimilarityError::Empty
    );
    // One point, or mostly duplicates: median 0.
    assert_eq!(
        median_heuristic_gamma(&DMatrix::zeros(1, 3)).unwrap_err(),
        SimilarityError::ZeroMedian { m: 1 }
    );
    let x = DMatrix::from_row_slice(3, 1, &[1.0, 1.0, 2.0]);
    assert!(matches!(
        median_heuristic_gamma(&x),
        Err(SimilarityError::ZeroMedian { m: 3 })
    ));
}

fn real_mnist() -> experiments::data::Mnist {
    load_mnist(None).unwrap()
}

/// Real data: NumPy printed `0.5 / np.median(D)**2` = 0.004774346155050328 for the first 300
/// centered training points (`D` by broadcasting, diagonal zeros included), and
/// 0.004753542439977799 (median 10.255959904938358) for all 8,000 (norms + X X^T, clamped,
/// diagonal set to 0); the paper's run printed gamma = 0.00475.
#[test]
fn median_heuristic_on_real_training_points() {
    let m = real_mnist();
    let s = paper_main_split_sized(&m, 300, 0).unwrap();
    // The 300-row split centers with its own mean; distances are shift-invariant.
    let g = median_heuristic_gamma(&s.x_train).unwrap();
    assert!((g / 0.004774346155050328 - 1.0).abs() < 1e-9, "{g}");

    let full = paper_main_split_sized(&m, 8000, 0).unwrap();
    let t = Instant::now();
    let med = median_pairwise_distance(&full.x_train).unwrap();
    eprintln!(
        "median of the 8000 x 8000 distances: {med} in {:.2} s",
        t.elapsed().as_secs_f64()
    );
    assert!((med / 10.255959904938358 - 1.0).abs() < 1e-9, "{med}");
    let g = 0.5 / (med * med);
    assert!((g - 0.00475).abs() < 5e-6, "{g}");
}

/// Real data: NumPy on `B = X07[q] >= 0.5` (5,000 images), `S = (B@B.T) / min(|b_i|, |b_j|)`:
/// `S.sum()` = 11802517.904073097, `S[0,1]` = 0.652542372881356, `S[1,2]` = 0.3523809523809524.
#[test]
fn simpson_on_mnist_0_7() {
    let m = real_mnist();
    let z = mnist_0_7(&m, 5000).unwrap();
    let t = Instant::now();
    let s = simpson_similarity(&z.binary).unwrap();
    let secs = t.elapsed().as_secs_f64();
    eprintln!("simpson_similarity 5000 x 5000: {secs:.2} s");
    assert_eq!(s.shape(), (5000, 5000));
    assert_eq!(s[(0, 1)], 0.652542372881356);
    assert_eq!(s[(1, 2)], 0.3523809523809524);
    assert_eq!(s, s.transpose());
    let total = s.sum();
    assert!((total / 11802517.904073097 - 1.0).abs() < 1e-10, "{total}");
    assert!(secs < 60.0, "took {secs} s (target: well under 10 s)");
}
