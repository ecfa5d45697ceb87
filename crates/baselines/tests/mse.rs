//! The blocked MSE functions against the naive formulas.

mod common;

use baselines::{mse, mse_cross, mse_gram, BaselineError};
use common::{naive_mse, random_matrix};
use nalgebra::DMatrix;

/// 700 > 2^18 / 700 = 374 columns per block: two blocks, the last one ragged (326 columns).
#[test]
fn mse_gram_equals_the_naive_formula_across_ragged_blocks() {
    for &(m, d) in &[(5_usize, 2_usize), (700, 4)] {
        let y = random_matrix(m, d, 10);
        let s = random_matrix(m, m, 11);
        let naive = naive_mse(&(&y * y.transpose()), &s);
        let got = mse_gram(&y, &s).unwrap();
        assert!(
            (got - naive).abs() <= 1e-12 * naive,
            "m = {m}: {got} vs {naive}"
        );
    }
}

/// m = 600 gives 436 columns per block; n = 1001 -> blocks of 436, 436, 129.
#[test]
fn mse_cross_equals_the_naive_formula_across_ragged_blocks() {
    for &(m, n, d) in &[(3_usize, 4_usize, 2_usize), (600, 1001, 5)] {
        let a = random_matrix(m, d, 12);
        let b = random_matrix(n, d, 13);
        let s = random_matrix(m, n, 14);
        let naive = naive_mse(&(&a * b.transpose()), &s);
        let got = mse_cross(&a, &b, &s).unwrap();
        assert!(
            (got - naive).abs() <= 1e-12 * naive,
            "{m}x{n}: {got} vs {naive}"
        );
    }
}

#[test]
fn mse_equals_the_naive_formula_and_is_zero_on_equal_inputs() {
    let s = random_matrix(300, 1000, 15);
    let h = random_matrix(300, 1000, 16);
    let naive = naive_mse(&h, &s);
    assert!((mse(&h, &s).unwrap() - naive).abs() <= 1e-12 * naive);
    assert_eq!(mse(&s, &s).unwrap(), 0.0);
    // A hand-checked value: mean of (1, 4, 0, 9) = 3.5.
    let a = DMatrix::from_row_slice(2, 2, &[1.0, 2.0, 3.0, 4.0]);
    let b = DMatrix::from_row_slice(2, 2, &[0.0, 0.0, 3.0, 1.0]);
    assert_eq!(mse(&b, &a).unwrap(), 3.5);
}

#[test]
fn mse_shape_and_value_errors() {
    let y = random_matrix(4, 2, 17);
    assert!(matches!(
        mse_gram(&y, &random_matrix(4, 5, 18)),
        Err(BaselineError::ShapeMismatch { .. })
    ));
    assert!(matches!(
        mse_cross(&y, &random_matrix(3, 3, 19), &random_matrix(4, 3, 20)),
        Err(BaselineError::ShapeMismatch { .. })
    ));
    assert!(matches!(
        mse_cross(&y, &random_matrix(3, 2, 19), &random_matrix(4, 4, 20)),
        Err(BaselineError::ShapeMismatch { .. })
    ));
    assert!(matches!(
        mse(&random_matrix(2, 3, 21), &random_matrix(3, 2, 22)),
        Err(BaselineError::ShapeMismatch { .. })
    ));
    let mut s = random_matrix(4, 4, 23);
    s[(1, 2)] = f64::NAN;
    assert!(matches!(
        mse_gram(&y, &s),
        Err(BaselineError::NonFinite { row: 1, col: 2, .. })
    ));
    assert!(matches!(
        mse(&random_matrix(4, 4, 24), &s),
        Err(BaselineError::NonFinite { .. })
    ));
    assert!(matches!(
        mse_gram(&DMatrix::zeros(0, 2), &DMatrix::zeros(0, 0)),
        Err(BaselineError::Empty { .. })
    ));
}
