//! End-to-end tests of the public API: fitting, inference, validation, determinism.

use burn::prelude::Device;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use simec::{Activation, HiddenLayer, Matrix, SimecError, SimecParams, SllTarget};

fn random_matrix(rng: &mut StdRng, rows: usize, cols: usize) -> Matrix {
    Matrix::from_fn(rows, cols, |_, _| rng.random_range(-1.0f32..1.0))
}

fn symmetric(rng: &mut StdRng, n: usize) -> Matrix {
    let a = random_matrix(rng, n, n);
    Matrix::from_fn(n, n, |r, c| a.get(r, c) + a.get(c, r))
}

/// `A B` in f64 for row-major `a` `[r, k]`, `b` `[k, c]`.
fn matmul(a: &[f64], b: &[f64], r: usize, k: usize, c: usize) -> Vec<f64> {
    let mut out = vec![0.0; r * c];
    for i in 0..r {
        for l in 0..k {
            let x = a[i * k + l];
            for j in 0..c {
                out[i * c + j] += x * b[l * c + j];
            }
        }
    }
    out
}

fn to_f64(m: &Matrix) -> Vec<f64> {
    m.data().iter().map(|&v| v as f64).collect()
}

fn mse(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum::<f64>() / a.len() as f64
}

/// Orthonormalizes the columns of `a` `[n, k]` (modified Gram-Schmidt).
fn orthonormal_columns(a: &mut [f64], n: usize, k: usize) {
    for j in 0..k {
        for p in 0..j {
            let dot: f64 = (0..n).map(|i| a[i * k + j] * a[i * k + p]).sum();
            for i in 0..n {
                a[i * k + j] -= dot * a[i * k + p];
            }
        }
        let norm = (0..n).map(|i| a[i * k + j].powi(2)).sum::<f64>().sqrt();
        for i in 0..n {
            a[i * k + j] /= norm;
        }
    }
}

/// Test 1 (paper 2.1): a linear SimEc with identity input recovers the top-d eigenspace.
#[test]
fn linear_simec_recovers_eigendecomposition() {
    let n = 30;
    let d = 3;
    let mut rng = StdRng::seed_from_u64(7);
    let mut q: Vec<f64> = (0..n * n).map(|_| rng.random_range(-1.0..1.0)).collect();
    orthonormal_columns(&mut q, n, n);
    let mut lambda = vec![0.0f64; n];
    for (i, l) in [10.0, 8.0, 6.0, 4.0, 1.0, 0.5, 0.25, 0.1, 0.05]
        .iter()
        .enumerate()
    {
        lambda[i] = *l;
    }
    // S = Q diag(lambda) Q^T
    let s_f64: Vec<f64> = (0..n * n)
        .map(|idx| {
            let (a, b) = (idx / n, idx % n);
            (0..n)
                .map(|k| q[a * n + k] * lambda[k] * q[b * n + k])
                .sum()
        })
        .collect();
    let s = Matrix::from_fn(n, n, |a, b| s_f64[a * n + b] as f32);
    let x = Matrix::from_fn(n, n, |a, b| if a == b { 1.0 } else { 0.0 });
    let optimal: f64 = lambda[d..].iter().map(|l| l * l).sum::<f64>() / (n * n) as f64;

    let model = SimecParams::new(d)
        .s_ll_reg(1.0)
        .learning_rate(0.01)
        .batch_size(10)
        .epochs(1000)
        .seed(3)
        .check()
        .unwrap()
        .fit(&x, &s, Some(SllTarget::single(&s)), &Device::flex())
        .unwrap();

    let y = to_f64(&model.transform(&x).unwrap()); // [n, d]
    let yt: Vec<f64> = (0..d * n).map(|i| y[(i % n) * d + i / n]).collect();
    let yyt = matmul(&y, &yt, n, d, n);
    let ywl = to_f64(&model.predict(&x).unwrap());
    let (mse_yyt, mse_ywl) = (mse(&yyt, &s_f64), mse(&ywl, &s_f64));
    println!("optimal {optimal:.6}, YY^T {mse_yyt:.6}, YW_l {mse_ywl:.6}");
    assert!(
        mse_yyt < 1.03 * optimal,
        "MSE(YY^T) {mse_yyt} vs optimal {optimal}"
    );
    assert!(
        mse_ywl < 1.03 * optimal,
        "MSE(YW_l) {mse_ywl} vs optimal {optimal}"
    );

    // Subspace alignment: ||Q_3^T U||_F^2 = 3 when span(Y) = span(Q_3).
    let mut u = y.clone();
    orthonormal_columns(&mut u, n, d);
    let mut aligned = 0.0;
    for a in 0..d {
        for b in 0..d {
            let dot: f64 = (0..n).map(|i| q[i * n + a] * u[i * d + b]).sum();
            aligned += dot * dot;
        }
    }
    assert!(aligned > 0.99 * d as f64, "alignment {aligned} of {d}");
}

/// Test 6 (one test per kind of bad input): every class of bad input is a typed error, never a
/// panic. The shared data: X `6 x 3`, targets `6 x 4`, a symmetric S_ll `4 x 4`.
struct BadInput {
    dev: Device,
    rng: StdRng,
    x: Matrix,
    t: Matrix,
    s: Matrix,
}

impl BadInput {
    const M: usize = 6;
    const DIM: usize = 3;
    const N: usize = 4;

    fn new() -> Self {
        let mut rng = StdRng::seed_from_u64(8);
        let x = random_matrix(&mut rng, Self::M, Self::DIM);
        let t = random_matrix(&mut rng, Self::M, Self::N);
        let s = symmetric(&mut rng, Self::N);
        Self {
            dev: Device::flex(),
            rng,
            x,
            t,
            s,
        }
    }

    /// Checks `p`, then fits on `x`, `t`, `s_ll`.
    fn fit(
        &self,
        p: SimecParams,
        x: &Matrix,
        t: &Matrix,
        s_ll: Option<SllTarget<'_>>,
    ) -> Result<(), SimecError> {
        p.check()
            .and_then(|p| p.fit(x, t, s_ll, &self.dev))
            .map(|_| ())
    }

    /// `m` with entry `idx` (row-major) replaced by `v`.
    fn with_entry(m: &Matrix, idx: usize, v: f32) -> Matrix {
        let mut d = m.data().to_vec();
        d[idx] = v;
        Matrix::new(m.rows(), m.cols(), d).unwrap()
    }
}

/// One epoch of a 2-d SimEc: the base of every bad-input case.
fn base() -> SimecParams {
    SimecParams::new(2).epochs(1)
}

fn err(r: Result<(), SimecError>) -> SimecError {
    r.expect_err("must be an error")
}

#[test]
fn matrix_data_of_the_wrong_length_is_an_error() {
    assert!(matches!(
        Matrix::new(2, 3, vec![0.0; 5]),
        Err(SimecError::DataLength {
            rows: 2,
            cols: 3,
            len: 5
        })
    ));
}

#[test]
fn out_of_range_hyperparameters_fail_the_check() {
    for p in [
        SimecParams::new(0),
        base().epochs(0),
        base().batch_size(0),
        base().n_slices(0),
        base().learning_rate(0.0),
        base().learning_rate(f64::NAN),
        base().learning_rate(f64::INFINITY),
        base().l2_reg(-1.0),
        base().l2_reg_emb(f64::NAN),
        base().l2_reg_out(f64::INFINITY),
        base().s_ll_reg(-0.1),
        base().orth_reg(-1e-9),
        base().hidden_layers(vec![HiddenLayer::new(0, Activation::Tanh)]),
    ] {
        assert!(
            matches!(p.check_ref(), Err(SimecError::InvalidParam { .. })),
            "{p:?} must be invalid"
        );
    }
}

#[test]
fn shapes_that_disagree_are_typed_errors() {
    let mut b = BadInput::new();
    let (m, dim) = (BadInput::M, BadInput::DIM);
    let t_short = random_matrix(&mut b.rng, m - 1, BadInput::N);
    assert!(matches!(
        err(b.fit(base(), &b.x, &t_short, None)),
        SimecError::RowMismatch {
            x_rows: 6,
            target_rows: 5
        }
    ));
    assert!(matches!(
        err(b.fit(base(), &Matrix::new(0, dim, vec![]).unwrap(), &b.t, None)),
        SimecError::Empty { what: "X", .. }
    ));
    assert!(matches!(
        err(b.fit(base().n_slices(3), &b.x, &b.t, None)),
        SimecError::SliceMismatch {
            cols: 4,
            n_slices: 3
        }
    ));
    assert!(matches!(
        err(b.fit(SimecParams::new(5), &b.x, &b.t, None)),
        SimecError::EmbeddingTooLarge {
            embedding_dim: 5,
            n_targets: 4
        }
    ));
    // As many embedding dimensions as targets is the largest valid size.
    assert!(b.fit(SimecParams::new(4), &b.x, &b.t, None).is_ok());
}

#[test]
fn non_finite_features_are_refused_even_with_allow_missing() {
    let b = BadInput::new();
    let x_nan = BadInput::with_entry(&b.x, 4, f32::NAN);
    assert!(matches!(
        err(b.fit(base().allow_missing(true), &x_nan, &b.t, None)),
        SimecError::NonFinite { row: 1, col: 1, .. }
    ));
    let x_inf = BadInput::with_entry(&b.x, 4, f32::INFINITY);
    assert!(matches!(
        err(b.fit(base(), &x_inf, &b.t, None)),
        SimecError::NonFinite { .. }
    ));
}

#[test]
fn missing_targets_need_allow_missing_and_infinite_or_all_missing_targets_are_refused() {
    let b = BadInput::new();
    let t_nan = BadInput::with_entry(&b.t, 5, f32::NAN);
    assert!(matches!(
        err(b.fit(base(), &b.x, &t_nan, None)),
        SimecError::MissingNotAllowed { row: 1, col: 1, .. }
    ));
    assert!(b
        .fit(base().allow_missing(true), &b.x, &t_nan, None)
        .is_ok());
    let t_inf = BadInput::with_entry(&b.t, 5, f32::NEG_INFINITY);
    assert!(matches!(
        err(b.fit(base().allow_missing(true), &b.x, &t_inf, None)),
        SimecError::NonFinite { .. }
    ));
    let t_all_nan = Matrix::from_fn(BadInput::M, BadInput::N, |_, _| f32::NAN);
    assert!(matches!(
        err(b.fit(base().allow_missing(true), &b.x, &t_all_nan, None)),
        SimecError::AllMissing { .. }
    ));
}

#[test]
fn s_ll_missing_misshapen_or_miscounted_is_refused() {
    let mut b = BadInput::new();
    let reg = || base().s_ll_reg(0.5);
    assert!(matches!(
        err(b.fit(reg(), &b.x, &b.t, None)),
        SimecError::SllMissing { .. }
    ));
    let s_wrong = symmetric(&mut b.rng, BadInput::N + 1);
    assert!(matches!(
        err(b.fit(reg(), &b.x, &b.t, Some(SllTarget::single(&s_wrong)))),
        SimecError::SllShape {
            slice: 0,
            rows: 5,
            cols: 5,
            n: 4
        }
    ));
    // One side right is not enough: n rows but n + 1 columns, and the other way round.
    let n = BadInput::N;
    for (rows, cols) in [(n, n + 1), (n + 1, n)] {
        let s_rect = random_matrix(&mut b.rng, rows, cols);
        assert!(
            matches!(
                err(b.fit(reg(), &b.x, &b.t, Some(SllTarget::single(&s_rect)))),
                SimecError::SllShape { rows: r, cols: c, .. } if r == rows && c == cols
            ),
            "{rows} x {cols}"
        );
    }
    assert!(matches!(
        err(b.fit(reg(), &b.x, &b.t, Some(SllTarget::slices(vec![&b.s, &b.s])))),
        SimecError::SllSliceCount {
            got: 2,
            expected: 1
        }
    ));
}

#[test]
fn asymmetric_s_ll_is_refused_but_float_noise_and_unused_s_ll_pass() {
    let b = BadInput::new();
    let reg = || base().s_ll_reg(0.5);
    // S[0,1] != S[1,0]
    let s_asym = BadInput::with_entry(&b.s, 1, b.s.data()[1] + 0.1);
    assert!(matches!(
        err(b.fit(reg(), &b.x, &b.t, Some(SllTarget::single(&s_asym)))),
        SimecError::SllNotSymmetric {
            slice: 0,
            row: 0,
            col: 1,
            ..
        }
    ));
    let s_noise = BadInput::with_entry(&b.s, 1, b.s.data()[1] * (1.0 + 1e-6));
    assert!(b
        .fit(reg(), &b.x, &b.t, Some(SllTarget::single(&s_noise)))
        .is_ok());
    // Without s_ll_reg, S_ll is not checked.
    assert!(b
        .fit(base(), &b.x, &b.t, Some(SllTarget::single(&s_asym)))
        .is_ok());
}

#[test]
fn missing_s_ll_entries_need_allow_missing_and_an_all_missing_s_ll_is_refused() {
    let b = BadInput::new();
    let reg = || base().s_ll_reg(0.5);
    let s_nan = BadInput::with_entry(&b.s, 6, f32::NAN);
    assert!(matches!(
        err(b.fit(reg(), &b.x, &b.t, Some(SllTarget::single(&s_nan)))),
        SimecError::MissingNotAllowed { .. }
    ));
    assert!(b
        .fit(
            reg().allow_missing(true),
            &b.x,
            &b.t,
            Some(SllTarget::single(&s_nan))
        )
        .is_ok());
    let s_all_nan = Matrix::from_fn(BadInput::N, BadInput::N, |_, _| f32::NAN);
    assert!(matches!(
        err(b.fit(
            reg().allow_missing(true),
            &b.x,
            &b.t,
            Some(SllTarget::single(&s_all_nan))
        )),
        SimecError::AllMissing { .. }
    ));
}

#[test]
fn inference_refuses_the_wrong_width_and_non_finite_features() {
    let mut b = BadInput::new();
    let model = base()
        .check()
        .unwrap()
        .fit(&b.x, &b.t, None, &b.dev)
        .unwrap();
    assert!(matches!(
        model.transform(&random_matrix(&mut b.rng, 3, BadInput::DIM + 1)),
        Err(SimecError::FeatureMismatch {
            got: 4,
            expected: 3
        })
    ));
    let x_nan = BadInput::with_entry(&b.x, 4, f32::NAN);
    assert!(matches!(
        model.predict(&x_nan),
        Err(SimecError::NonFinite { .. })
    ));
}

/// Test 7: with k = 2 slices, prediction block j is `act(Y W_l[:, block j])`.
#[test]
fn two_slices_predict_blocks() {
    let dev = Device::flex();
    let mut rng = StdRng::seed_from_u64(9);
    let (m, dim, n, d) = (20, 5, 6, 2);
    let x = random_matrix(&mut rng, m, dim);
    let t = random_matrix(&mut rng, m, 2 * n);
    let (s1, s2) = (symmetric(&mut rng, n), symmetric(&mut rng, n));
    let model = SimecParams::new(d)
        .hidden_layers(vec![HiddenLayer::new(7, Activation::Tanh)])
        .output_activation(Activation::Tanh)
        .n_slices(2)
        .s_ll_reg(0.5)
        .epochs(3)
        .batch_size(8)
        .check()
        .unwrap()
        .fit(&x, &t, Some(SllTarget::slices(vec![&s1, &s2])), &dev)
        .unwrap();
    assert_eq!(
        (model.n_slices(), model.n_targets(), model.embedding_dim()),
        (2, n, d)
    );
    let y = to_f64(&model.transform(&x).unwrap()); // [m, d]
    let wl = model.last_layer(); // [d, 2n]
    assert_eq!((wl.rows(), wl.cols()), (d, 2 * n));
    let pred = model.predict(&x).unwrap(); // [m, 2n]
    assert_eq!((pred.rows(), pred.cols()), (m, 2 * n));
    let ywl = matmul(&y, &to_f64(&wl), m, d, 2 * n);
    for r in 0..m {
        for c in 0..2 * n {
            let expected = ywl[r * 2 * n + c].tanh();
            assert!((pred.get(r, c) as f64 - expected).abs() < 1e-5);
        }
    }
}

/// Test 8: same seed -> identical W_l; another seed -> different W_l. Also the callback
/// sees every epoch.
#[test]
fn same_seed_same_weights() {
    let dev = Device::flex();
    let mut rng = StdRng::seed_from_u64(10);
    let (m, dim, n) = (40, 8, 10);
    let x = random_matrix(&mut rng, m, dim);
    let t = random_matrix(&mut rng, m, n);
    let s = symmetric(&mut rng, n);
    let fit = |seed: u64| {
        let mut epochs = Vec::new();
        let model = SimecParams::new(3)
            .hidden_layers(vec![HiddenLayer::new(6, Activation::Tanh)])
            .s_ll_reg(0.5)
            .orth_reg(0.01)
            .l2_reg(1e-3)
            .epochs(3)
            .batch_size(7)
            .seed(seed)
            .check()
            .unwrap()
            .fit_with_callback(&x, &t, Some(SllTarget::single(&s)), &dev, &mut |r| {
                epochs.push(r)
            })
            .unwrap();
        assert_eq!(epochs.len(), 3);
        assert_eq!(epochs, model.history());
        assert!(epochs.iter().all(|r| r.loss.is_finite() && r.epochs == 3));
        model.last_layer()
    };
    let (a, b, c) = (fit(1), fit(1), fit(2));
    assert_eq!(a.data(), b.data());
    assert_ne!(a.data(), c.data());
}

/// A fitted model can be shared across threads (e.g. rayon over experiment settings).
#[test]
fn simec_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<simec::Simec>();
    assert_send_sync::<Matrix>();
}
