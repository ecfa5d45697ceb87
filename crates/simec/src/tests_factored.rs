//! Tests of the factored S_ll slice (`S_ll = U diag(lambda) U^T`): on an exactly low-rank S_ll
//! it must give the dense closed form's value and gradient, and the same fit; bad factors get
//! typed errors.

use burn::prelude::*;
use rand::rngs::StdRng;
use rand::SeedableRng;

use crate::data::{Matrix, SllPart, SllTarget};
use crate::error::SimecError;
use crate::hyperparams::{Activation, HiddenLayer, SimecParams};
use crate::regularizers::Penalty;
use crate::sll_factors::{SllFactors, SllFactorsParams};
use crate::tests::{assert_close, random, value_and_grad};

/// Random `U` (`[n, r]`, not orthonormal) with the given `lambda`, and the dense
/// `S = U diag(lambda) U^T` (`[n, n]`, exactly symmetric: entry `sum_k lambda_k (u_ik u_jk)` in
/// f64, rounded once).
fn low_rank(rng: &mut StdRng, n: usize, lambda: &[f32]) -> (SllFactors, Matrix) {
    let r = lambda.len();
    let u = random(rng, n * r);
    let s = Matrix::from_fn(n, n, |i, j| {
        (0..r)
            .map(|k| lambda[k] as f64 * (u[i * r + k] as f64 * u[j * r + k] as f64))
            .sum::<f64>() as f32
    });
    let mean_s2 = s.data().iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / (n * n) as f64;
    let f = SllFactorsParams::new(Matrix::new(n, r, u).unwrap(), lambda.to_vec(), mean_s2)
        .check()
        .unwrap();
    (f, s)
}

/// The S_ll term's value and its gradient w.r.t. `W_l` (`[d, cols]`).
fn term_and_grad(penalty: &Penalty, w: &[f32], d: usize, cols: usize) -> (f64, Vec<f32>) {
    value_and_grad(w, d, cols, |w| penalty.s_ll_term(w).unwrap().unwrap())
}

#[test]
fn factored_s_ll_equals_dense_in_value_and_gradient_on_exact_low_rank() {
    let (d, n) = (4, 30);
    let mut rng = StdRng::seed_from_u64(11);
    // Indefinite: negative weights must keep their sign.
    let (f1, s1) = low_rank(&mut rng, n, &[2.0, -1.5, 0.75, -0.4, 0.1]);
    let (f2, s2) = low_rank(&mut rng, n, &[-0.9, 0.6, 0.3]);
    let w = random(&mut rng, d * 2 * n);
    let params = SimecParams::new(d)
        .s_ll_reg(1.0)
        .n_slices(2)
        .check()
        .unwrap();
    let ad = Device::flex().autodiff();
    let dense = Penalty::new(&params, n, Some(&SllTarget::slices(vec![&s1, &s2])), &ad);
    // One slice factored, one dense: each slice takes its own path.
    let mixed = SllTarget::parts(vec![SllPart::Dense(&s1), SllPart::Factored(&f2)]);
    let factored = SllTarget::parts(vec![SllPart::Factored(&f1), SllPart::Factored(&f2)]);
    let (v_dense, g_dense) = term_and_grad(&dense, &w, d, 2 * n);
    for (what, target) in [("mixed", mixed), ("factored", factored)] {
        let penalty = Penalty::new(&params, n, Some(&target), &ad);
        let (v, g) = term_and_grad(&penalty, &w, d, 2 * n);
        assert!(
            (v - v_dense).abs() <= 1e-5 * v_dense.abs(),
            "{what} value {v} vs dense {v_dense}"
        );
        assert_close(&g, &g_dense, 1e-5, what);
    }
    // The test's S must not be trivially reproduced: flipping a weight's sign moves the value.
    let flipped = SllFactorsParams::new(f1.u().clone(), vec![2.0, 1.5, 0.75, -0.4, 0.1], 0.0)
        .check()
        .unwrap();
    let single = SimecParams::new(d).s_ll_reg(1.0).check().unwrap();
    let a = Penalty::new(&single, n, Some(&SllTarget::factored(&flipped)), &ad);
    let b = Penalty::new(&single, n, Some(&SllTarget::single(&s1)), &ad);
    let (_, ga) = term_and_grad(&a, &w[..d * n], d, n);
    let (_, gb) = term_and_grad(&b, &w[..d * n], d, n);
    let diff = ga
        .iter()
        .zip(&gb)
        .fold(0.0f32, |m, (x, y)| m.max((x - y).abs()));
    assert!(
        diff > 1e-3,
        "sign of lambda had no effect on the gradient: {diff}"
    );
}

#[test]
fn fit_with_factored_s_ll_matches_fit_with_dense() {
    let (m, dim, n, d) = (40, 5, 16, 2);
    let mut rng = StdRng::seed_from_u64(12);
    let (f, s) = low_rank(&mut rng, n, &[1.0, -0.5, 0.25]);
    let x = Matrix::new(m, dim, random(&mut rng, m * dim)).unwrap();
    let t = Matrix::new(m, n, random(&mut rng, m * n)).unwrap();
    let p = SimecParams::new(d)
        .hidden_layers(vec![HiddenLayer::new(6, Activation::Tanh)])
        .s_ll_reg(2.0)
        .epochs(4)
        .batch_size(8)
        .learning_rate(0.01)
        .check()
        .unwrap();
    let dense = p
        .fit(&x, &t, Some(SllTarget::single(&s)), &Device::flex())
        .unwrap();
    let factored = p
        .fit(&x, &t, Some(SllTarget::factored(&f)), &Device::flex())
        .unwrap();
    let (wd, wf) = (dense.last_layer(), factored.last_layer());
    assert_close(wf.data(), wd.data(), 1e-4, "W_l");
    let (yd, yf) = (
        dense.transform(&x).unwrap(),
        factored.transform(&x).unwrap(),
    );
    assert_close(yf.data(), yd.data(), 1e-4, "Y");
    for (a, b) in factored.history().iter().zip(dense.history()) {
        assert!(
            (a.loss - b.loss).abs() <= 1e-4 * b.loss.abs(),
            "epoch {} loss {} vs {}",
            a.epoch,
            a.loss,
            b.loss
        );
    }
}

#[test]
fn bad_factors_get_typed_errors() {
    let u = |n: usize, r: usize| Matrix::new(n, r, vec![0.5; n * r]).unwrap();
    let check = |u: Matrix, lambda: Vec<f32>, mean_s2: f64| {
        SllFactorsParams::new(u, lambda, mean_s2)
            .check()
            .unwrap_err()
    };
    assert_eq!(
        check(u(3, 4), vec![1.0; 4], 1.0),
        SimecError::SllFactorRank { rank: 4, n: 3 }
    );
    assert_eq!(
        check(u(3, 0), vec![], 1.0),
        SimecError::SllFactorRank { rank: 0, n: 3 }
    );
    assert!(matches!(
        check(u(0, 0), vec![], 1.0),
        SimecError::Empty { .. }
    ));
    assert_eq!(
        check(u(3, 2), vec![1.0], 1.0),
        SimecError::SllFactorShape {
            lambda_len: 1,
            rank: 2
        }
    );
    let mut bad_u = vec![0.5; 6];
    bad_u[3] = f32::NAN;
    assert!(matches!(
        check(Matrix::new(3, 2, bad_u).unwrap(), vec![1.0; 2], 1.0),
        SimecError::NonFinite { row: 1, col: 1, .. }
    ));
    assert!(matches!(
        check(u(3, 2), vec![1.0, f32::INFINITY], 1.0),
        SimecError::NonFinite { row: 1, .. }
    ));
    for mean_s2 in [-1.0, f64::NAN] {
        assert!(matches!(
            check(u(3, 2), vec![1.0; 2], mean_s2),
            SimecError::InvalidParam {
                name: "mean_s2",
                ..
            }
        ));
    }
    // At fit time: factors of another order than n_targets.
    let f = SllFactorsParams::new(u(5, 2), vec![1.0; 2], 1.0)
        .check()
        .unwrap();
    let (m, n) = (6, 4);
    let x = Matrix::from_fn(m, 3, |r, c| (r + c) as f32);
    let t = Matrix::from_fn(m, n, |r, c| (r * c) as f32);
    let p = SimecParams::new(2).s_ll_reg(1.0).check().unwrap();
    let err = p
        .fit(&x, &t, Some(SllTarget::factored(&f)), &Device::flex())
        .unwrap_err();
    assert_eq!(
        err,
        SimecError::SllFactorRows {
            slice: 0,
            rows: 5,
            n: 4
        }
    );
}
