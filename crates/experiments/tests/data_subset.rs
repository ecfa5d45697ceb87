//! The paper's subsets on real MNIST (found as the binaries find it).
//!
//! Expected values were printed once by NumPy 2.4.6 reproducing the paper order in a throwaway
//! venv: the IDX files loaded with `np.frombuffer`, each block reordered with
//! `np.argsort(y, kind="stable")`, blocks stacked, `X = X.astype(float) / 255`, then
//! `idx = np.random.RandomState(42).permutation(70000)[:10000]`, `test = idx[:2000]`,
//! `train = idx[2000:]`, `mu = X[train].mean(0)`; and for MNIST 0/7
//! `m07 = (y == 0) | (y == 7)`, `q = np.random.RandomState(42).permutation(m07.sum())[:5000]`.

use std::sync::OnceLock;

use experiments::data::subset::{N_TEST, N_TRAIN, N_ZERO_SEVEN};
use experiments::data::{
    load_mnist, mnist_0_7, paper_main_split, paper_main_split_sized, DataError, Mnist,
};

fn mnist() -> &'static Mnist {
    static M: OnceLock<Mnist> = OnceLock::new();
    M.get_or_init(|| load_mnist(None).unwrap())
}

fn hist(labels: &[u8]) -> [usize; 10] {
    let mut h = [0; 10];
    for &l in labels {
        h[l as usize] += 1;
    }
    h
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * b.abs().max(1.0)
}

/// `idx[:10].tolist()`
const SUBSET_FIRST_10: [usize; 10] = [
    46730, 48393, 41416, 34506, 43725, 11615, 24656, 22411, 936, 56364,
];
/// `np.bincount(y[test], minlength=10).tolist()`
const TEST_COUNTS: [usize; 10] = [172, 229, 189, 223, 202, 199, 203, 198, 198, 187];
/// `np.bincount(y[train], minlength=10).tolist()`
const TRAIN_COUNTS: [usize; 10] = [810, 895, 810, 785, 726, 720, 829, 871, 788, 766];
/// `y[test][:10]`, `y[train][:10]`
const Y_TEST_10: [u8; 10] = [7, 8, 6, 5, 7, 1, 3, 3, 0, 9];
const Y_TRAIN_10: [u8; 10] = [6, 2, 7, 6, 2, 9, 1, 2, 6, 0];
/// `X[train][0].sum()` (before centering), `X[test][0].sum()`, `mu.sum()`,
/// `(X[test][0] - mu).sum()`
const X_TRAIN_0_SUM: f64 = 136.50588235294117;
const X_TEST_0_SUM: f64 = 96.9921568627451;
const TRAIN_MEAN_SUM: f64 = 103.44168627451022;
const X_TEST_0_CENTERED_SUM: f64 = -6.449529411765115;

#[test]
fn main_split_is_the_papers_subset() {
    let m = mnist();
    let s = paper_main_split(m).unwrap();
    assert_eq!(s.x_train.shape(), (N_TRAIN, 784));
    assert_eq!(s.x_test.shape(), (N_TEST, 784));
    assert_eq!(s.test_idx[..10], SUBSET_FIRST_10);
    assert_eq!(hist(&s.y_test), TEST_COUNTS);
    assert_eq!(hist(&s.y_train), TRAIN_COUNTS);
    assert_eq!(s.y_test[..10], Y_TEST_10);
    assert_eq!(s.y_train[..10], Y_TRAIN_10);
    let row_sum = |x: &nalgebra::DMatrix<f64>, i: usize| x.row(i).sum();
    let mean_sum: f64 = s.train_mean.iter().sum();
    assert!(close(mean_sum, TRAIN_MEAN_SUM, 1e-12), "{mean_sum}");
    // Uncentered first training row.
    assert!(close(
        row_sum(&s.x_train, 0) + mean_sum,
        X_TRAIN_0_SUM,
        1e-12
    ));
    assert!(close(row_sum(&s.x_test, 0) + mean_sum, X_TEST_0_SUM, 1e-12));
    assert!(close(row_sum(&s.x_test, 0), X_TEST_0_CENTERED_SUM, 1e-10));
    // Training columns are centered; the test set is shifted by the training mean only.
    let max_col_mean = s
        .x_train
        .column_iter()
        .map(|c| c.mean().abs())
        .fold(0.0, f64::max);
    assert!(max_col_mean < 1e-12, "{max_col_mean}");
    // Rows really are pixels/255 of the indexed images.
    let raw = m.image(s.train_idx[7]).unwrap();
    for j in [0, 300, 400, 783] {
        let v = s.x_train[(7, j)] + s.train_mean[j];
        assert!((v - f64::from(raw[j]) / 255.0).abs() < 1e-12);
    }
    // Labels follow the indices.
    assert!(s
        .train_idx
        .iter()
        .zip(&s.y_train)
        .all(|(&i, &y)| m.labels[i] == y));
}

#[test]
fn sized_split_is_a_prefix_of_the_full_one() {
    let m = mnist();
    let full = paper_main_split(m).unwrap();
    let small = paper_main_split_sized(m, 300, 50).unwrap();
    assert_eq!(small.x_train.shape(), (300, 784));
    assert_eq!(small.x_test.shape(), (50, 784));
    assert_eq!(small.train_idx[..], full.train_idx[..300]);
    assert_eq!(small.test_idx[..], full.test_idx[..50]);
    assert_eq!(small.y_train[..], full.y_train[..300]);
    // Centered with the mean of its own 300 training rows.
    let max_col_mean = small
        .x_train
        .column_iter()
        .map(|c| c.mean().abs())
        .fold(0.0, f64::max);
    assert!(max_col_mean < 1e-12);
    let d = (small.x_train[(0, 400)] + small.train_mean[400])
        - (full.x_train[(0, 400)] + full.train_mean[400]);
    assert!(d.abs() < 1e-12);
}

#[test]
fn oversized_requests_and_partial_mnist_are_errors() {
    let m = mnist();
    assert!(matches!(
        paper_main_split_sized(m, 8001, 10),
        Err(DataError::SubsetTooLarge {
            requested: 8001,
            available: 8000,
            ..
        })
    ));
    assert!(matches!(
        paper_main_split_sized(m, 10, 2001),
        Err(DataError::SubsetTooLarge {
            requested: 2001,
            available: 2000,
            ..
        })
    ));
    // 14,196 zeros and sevens in MNIST (NumPy: `((y == 0) | (y == 7)).sum()`).
    assert!(matches!(
        mnist_0_7(m, 14_197),
        Err(DataError::SubsetTooLarge {
            requested: 14_197,
            available: 14_196,
            ..
        })
    ));
    let small = Mnist {
        images: vec![0; 784 * 3],
        labels: vec![0, 7, 1],
        n: 3,
    };
    assert!(matches!(
        paper_main_split(&small),
        Err(DataError::NotFullMnist {
            n: 3,
            expected: 70_000
        })
    ));
    let broken = Mnist {
        images: vec![0; 10],
        labels: vec![0],
        n: 1,
    };
    assert!(matches!(
        mnist_0_7(&broken, 1),
        Err(DataError::InconsistentMnist { .. })
    ));
}

/// `q[:10].tolist()`: positions within the 14,196 zeros and sevens.
const ZS_PERM_FIRST_10: [usize; 10] = [1606, 9538, 11178, 455, 10381, 2227, 11245, 1225, 2133, 862];
/// `y07[q][:10]`
const ZS_LABELS_10: [u8; 10] = [0, 7, 7, 0, 7, 0, 7, 0, 0, 0];

#[test]
fn zero_seven_is_the_papers_subset() {
    let m = mnist();
    let z = mnist_0_7(m, N_ZERO_SEVEN).unwrap();
    assert_eq!(z.x.shape(), (5000, 784));
    assert_eq!(z.binary.shape(), (5000, 784));
    assert_eq!(z.labels[..10], ZS_LABELS_10);
    let zeros = z.labels.iter().filter(|&&l| l == 0).count();
    assert_eq!((zeros, 5000 - zeros), (2428, 2572));
    assert!(z.labels.iter().all(|&l| l == 0 || l == 7));
    // Pool positions -> paper-order indices: the pool is [zeros of train block, sevens of train
    // block, zeros of test block, sevens of test block], all in paper order.
    let pool: Vec<usize> = (0..m.n).filter(|&i| matches!(m.labels[i], 0 | 7)).collect();
    let expected_idx: Vec<usize> = ZS_PERM_FIRST_10.iter().map(|&p| pool[p]).collect();
    assert_eq!(z.idx[..10], expected_idx[..]);
    // `B = X07[q] >= 0.5`: `B[0].sum()` = 118, `B.sum()` = 566448.
    assert_eq!(z.binary.row(0).sum(), 118.0);
    assert_eq!(z.binary.sum(), 566_448.0);
    // `X07[q][0].sum()` = 120.67058823529413 (uncentered).
    let mean_sum: f64 = z.x_mean.iter().sum();
    assert!(close(
        z.x.row(0).sum() + mean_sum,
        120.67058823529413,
        1e-12
    ));
    let max_col_mean =
        z.x.column_iter()
            .map(|c| c.mean().abs())
            .fold(0.0, f64::max);
    assert!(max_col_mean < 1e-12);
}
