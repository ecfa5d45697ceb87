//! NumPy legacy `RandomState` reproduced bit for bit.
//!
//! Every expected vector below was generated once with NumPy 2.4.6 (Python 3, in a throwaway
//! venv: `python3 -m venv /tmp/np && /tmp/np/bin/pip install numpy`), by running e.g.
//! `/tmp/np/bin/python -c "import numpy as np; print(np.random.RandomState(42).permutation(10).tolist())"`;
//! the exact expression is given above each constant.

use experiments::data::{numpy_permutation, NumpyRandomState};

/// `np.random.RandomState(42).permutation(10).tolist()`
const PERM_42_10: [usize; 10] = [8, 1, 5, 0, 7, 2, 9, 4, 3, 6];
/// `np.random.RandomState(42).permutation(70000)[:20].tolist()`
const PERM_42_70000_HEAD: [usize; 20] = [
    46730, 48393, 41416, 34506, 43725, 11615, 24656, 22411, 936, 56364, 25949, 31524, 4678, 16864,
    4230, 65711, 3787, 31386, 63361, 9900,
];
/// `np.random.RandomState(42).permutation(70000)[-5:].tolist()`
const PERM_42_70000_TAIL: [usize; 5] = [37194, 6265, 54886, 860, 15795];
/// `np.random.RandomState(15).permutation(100)[:10].tolist()`
const PERM_15_100_HEAD: [usize; 10] = [84, 36, 57, 51, 46, 78, 93, 14, 11, 59];
/// `np.random.RandomState(0).permutation(12).tolist()`
const PERM_0_12: [usize; 12] = [6, 11, 4, 10, 2, 8, 1, 7, 9, 3, 0, 5];
/// `np.random.RandomState(4294967295).permutation(8).tolist()`
const PERM_MAXSEED_8: [usize; 8] = [1, 7, 6, 0, 5, 4, 2, 3];
/// `[repr(v) for v in np.random.RandomState(15).random_sample(5)]`
const SAMPLE_15_5: [f64; 5] = [
    0.8488176972685787,
    0.17889592492099848,
    0.05436321430643143,
    0.36153844608822294,
    0.27540092860641197,
];
/// `np.random.RandomState(15).rand(2, 3).ravel()` (row-major): the 5 above, then this one.
const RAND_15_2X3_LAST: f64 = 0.5300002248954253;

#[test]
fn permutation_matches_numpy_small() {
    assert_eq!(numpy_permutation(42, 10), PERM_42_10);
    assert_eq!(numpy_permutation(0, 12), PERM_0_12);
    assert_eq!(numpy_permutation(4_294_967_295, 8), PERM_MAXSEED_8);
    assert_eq!(numpy_permutation(15, 100)[..10], PERM_15_100_HEAD);
    // `RandomState(7).permutation(1)` is [0], `permutation(2)` is [0, 1] in NumPy.
    assert_eq!(numpy_permutation(7, 1), vec![0]);
    assert_eq!(numpy_permutation(7, 2), vec![0, 1]);
    assert!(numpy_permutation(7, 0).is_empty());
}

#[test]
fn permutation_matches_numpy_70000() {
    let p = numpy_permutation(42, 70_000);
    assert_eq!(p[..20], PERM_42_70000_HEAD);
    assert_eq!(p[70_000 - 5..], PERM_42_70000_TAIL);
    // It is a permutation.
    let mut seen = vec![false; 70_000];
    for &i in &p {
        assert!(!seen[i]);
        seen[i] = true;
    }
}

#[test]
fn random_sample_matches_numpy_bit_for_bit() {
    let got = NumpyRandomState::new(15).random_sample(5);
    for (g, e) in got.iter().zip(SAMPLE_15_5) {
        assert_eq!(g.to_bits(), e.to_bits(), "{g} vs {e}");
    }
    // `rand(2, 3)` is the same stream, row-major; `rand(2, 3) < f` is `bernoulli_mask`.
    let mut rs = NumpyRandomState::new(15);
    let six = rs.random_sample(6);
    assert_eq!(six[5].to_bits(), RAND_15_2X3_LAST.to_bits());
    let mask = NumpyRandomState::new(15).bernoulli_mask(2, 3, 0.3);
    let expected: Vec<bool> = six.iter().map(|&v| v < 0.3).collect();
    assert_eq!(mask, expected);
    assert_eq!(mask, vec![false, true, true, false, true, false]);
}

#[test]
fn random_interval_stays_in_range_and_zero_draws_nothing() {
    let mut a = NumpyRandomState::new(3);
    let mut b = NumpyRandomState::new(3);
    assert_eq!(a.random_interval(0), 0);
    // No draw was consumed by max = 0.
    assert_eq!(a.next_u32(), b.next_u32());
    for max in [1u64, 2, 5, 255, 256, 1 << 31, u64::from(u32::MAX), 1 << 40] {
        for _ in 0..50 {
            assert!(a.random_interval(max) <= max);
        }
    }
}
