//! NumPy's legacy `np.random.RandomState`, reproduced bit for bit for the calls the paper makes.
//!
//! The paper (Sections 4.1-4.3, and its companion notebook) draws every random subset with
//! `np.random.RandomState(42).permutation(n)` and the missing-target mask of Figure 4 (right)
//! with `np.random.RandomState(15)`. This module reproduces exactly those draws:
//!
//! - seeding: `RandomState(seed)` with a Python integer `0 <= seed < 2^32` calls MT19937's
//!   `init_genrand(seed)`, which is what [`rand_mt::Mt::new`] does;
//! - [`NumpyRandomState::permutation`]: `np.arange(n)` shuffled by the legacy Fisher-Yates loop
//!   `for i in reversed(range(1, n)): j = random_interval(i); swap(x[i], x[j])`;
//! - [`NumpyRandomState::random_interval`]: legacy bounded integers by bit-mask rejection;
//! - [`NumpyRandomState::random_sample`]: legacy 53-bit doubles
//!   `((a >> 5) * 67108864 + (b >> 6)) / 9007199254740992` from two 32-bit draws `a`, `b`.
//!
//! Test vectors printed by NumPy 2.4.6 are pinned in `tests/data_numpy_rng.rs`.

use rand_mt::Mt;

/// NumPy's legacy `RandomState` over MT19937 (32-bit output).
///
/// Only the methods listed in the module docs are provided; each consumes exactly the same
/// 32-bit outputs as NumPy, so successive calls on one state also match NumPy's successive calls.
#[derive(Clone, Debug)]
pub struct NumpyRandomState {
    mt: Mt,
}

impl NumpyRandomState {
    /// `np.random.RandomState(seed)` for an integer seed (NumPy accepts `0 <= seed <= 2^32 - 1`).
    #[must_use]
    pub fn new(seed: u32) -> Self {
        Self { mt: Mt::new(seed) }
    }

    /// Next raw 32-bit MT19937 output (`mt19937_next32`).
    pub fn next_u32(&mut self) -> u32 {
        self.mt.next_u32()
    }

    /// Next 64-bit value as NumPy's `mt19937_next64`: first draw in the high half.
    pub fn next_u64(&mut self) -> u64 {
        self.mt.next_u64()
    }

    /// Legacy `random_interval(max)`: uniform integer in `0..=max` by bit-mask rejection.
    ///
    /// `mask` is the smallest `2^k - 1 >= max`; draws `next_u32() & mask` (or `next_u64()`
    /// when `max > 0xffff_ffff`) until the value is `<= max`. `max == 0` draws nothing.
    pub fn random_interval(&mut self, max: u64) -> u64 {
        if max == 0 {
            return 0;
        }
        let mask = u64::MAX >> max.leading_zeros();
        if max <= u64::from(u32::MAX) {
            loop {
                let v = u64::from(self.next_u32()) & mask;
                if v <= max {
                    return v;
                }
            }
        }
        loop {
            let v = self.next_u64() & mask;
            if v <= max {
                return v;
            }
        }
    }

    /// Legacy in-place `shuffle` of a 1-d array (Fisher-Yates from the end).
    pub fn shuffle<T>(&mut self, x: &mut [T]) {
        for i in (1..x.len()).rev() {
            // usize -> u64 is lossless on every supported target, and the draw is <= i.
            let j = self.random_interval(i as u64) as usize;
            x.swap(i, j);
        }
    }

    /// `RandomState.permutation(n)`: `np.arange(n)` shuffled with [`Self::shuffle`].
    #[must_use]
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut p: Vec<usize> = (0..n).collect();
        self.shuffle(&mut p);
        p
    }

    /// One legacy double in `[0, 1)` with 53 random bits (`legacy_double` / `random_sample()`).
    pub fn next_f64(&mut self) -> f64 {
        let a = self.next_u32() >> 5;
        let b = self.next_u32() >> 6;
        (f64::from(a) * 67_108_864.0 + f64::from(b)) / 9_007_199_254_740_992.0
    }

    /// `RandomState.random_sample(n)` (same stream as `rand(n)`): `n` legacy doubles.
    #[must_use]
    pub fn random_sample(&mut self, n: usize) -> Vec<f64> {
        (0..n).map(|_| self.next_f64()).collect()
    }

    /// `RandomState.rand(rows, cols) < p`, row-major (`mask[i * cols + j]` is entry `(i, j)`).
    ///
    /// This is the missing-value protocol of Figure 4 (right): with `RandomState(15)`, each entry
    /// of the `rows x cols` target matrix is missing (`true`) independently with probability `p`.
    #[must_use]
    pub fn bernoulli_mask(&mut self, rows: usize, cols: usize, p: f64) -> Vec<bool> {
        (0..rows.saturating_mul(cols))
            .map(|_| self.next_f64() < p)
            .collect()
    }
}

/// Convenience: `np.random.RandomState(seed).permutation(n)`.
#[must_use]
pub fn numpy_permutation(seed: u32, n: usize) -> Vec<usize> {
    NumpyRandomState::new(seed).permutation(n)
}
