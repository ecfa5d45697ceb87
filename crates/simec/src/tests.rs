//! Unit tests of the loss terms, the masking and the optimizer against hand-computed values.

use burn::optim::Optimizer;
use burn::prelude::*;
use burn::tensor::Gradients;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::data::{Batch, Matrix, SllTarget, TargetMask, TrainData};
use crate::hyperparams::{Activation, HiddenLayer, SimecParams, SimecValidParams};
use crate::model::SimecNet;
use crate::optim::Adamax;
use crate::regularizers::{orth_penalty, s_ll_closed_form, s_ll_elementwise, sum_squares, Penalty};
use crate::training::{batch_loss, data_loss};

fn ad() -> Device {
    Device::flex().autodiff()
}

pub(crate) fn random(rng: &mut StdRng, len: usize) -> Vec<f32> {
    (0..len).map(|_| rng.random_range(-1.0f32..1.0)).collect()
}

fn tensor(data: &[f32], rows: usize, cols: usize, device: &Device) -> Tensor<2> {
    Tensor::from_data(TensorData::new(data.to_vec(), [rows, cols]), device)
}

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_to_vec::<f32>().unwrap()
}

fn scalar(t: Tensor<1>) -> f64 {
    t.into_scalar::<f32>() as f64
}

pub(crate) fn assert_close(a: &[f32], b: &[f32], rtol: f32, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    let scale = b.iter().fold(0.0f32, |m, v| m.max(v.abs())).max(1e-12);
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(
            (x - y).abs() <= rtol * scale,
            "{what}[{i}]: {x} vs {y} (scale {scale})"
        );
    }
}

fn assert_rel(a: f64, b: f64, rtol: f64, what: &str) {
    assert!(
        (a - b).abs() <= rtol * b.abs().max(1e-12),
        "{what}: {a} vs {b}"
    );
}

/// Gradients of every parameter of `net`, concatenated.
fn net_grads(net: &SimecNet, grads: &Gradients) -> Vec<f32> {
    let mut out = Vec::new();
    for layer in net.hidden.iter().chain([&net.embedding, &net.last]) {
        out.extend(values(layer.weight.val().grad(grads).unwrap()));
        if let Some(b) = &layer.bias {
            out.extend(values(b.val().grad(grads).unwrap()));
        }
    }
    out
}

/// Per row `a` of S: the sum of `(S - W^T W)^2` over the present entries (NaN = missing) and
/// their count, in f64.
fn s_ll_rows_f64(w: &[f32], s: &[f32], d: usize, n: usize) -> Vec<(f64, f64)> {
    (0..n)
        .map(|a| {
            let (mut sum, mut count) = (0.0, 0.0);
            for b in 0..n {
                let v = s[a * n + b];
                if v.is_nan() {
                    continue;
                }
                let wtw: f64 = (0..d)
                    .map(|i| w[i * n + a] as f64 * w[i * n + b] as f64)
                    .sum();
                sum += (v as f64 - wtw).powi(2);
                count += 1.0;
            }
            (sum, count)
        })
        .collect()
}

/// The Keras S_ll term in f64: per row the mean of `(S - W^T W)^2` over the present entries
/// (over at least 1), then the mean over the rows.
fn s_ll_f64(w: &[f32], s: &[f32], d: usize, n: usize) -> f64 {
    let rows = s_ll_rows_f64(w, s, d, n);
    rows.iter()
        .map(|(sum, count)| sum / count.max(1.0))
        .sum::<f64>()
        / n as f64
}

/// `mean((S - W^T W)^2)` over the present entries of S in f64: one global count, not the
/// Keras per-row mean.
fn s_ll_global_count_f64(w: &[f32], s: &[f32], d: usize, n: usize) -> f64 {
    let rows = s_ll_rows_f64(w, s, d, n);
    let (sum, count) = rows
        .iter()
        .fold((0.0, 0.0), |(s, c), (rs, rc)| (s + rs, c + rc));
    sum / f64::max(count, 1.0)
}

/// `mean(((1 - I) o (W W^T))^2)` in f64 for `w` `[d, k]`.
fn orth_f64(w: &[f32], d: usize, k: usize) -> f64 {
    let mut sum = 0.0;
    for i in 0..d {
        for j in 0..d {
            if i != j {
                let g: f64 = (0..k)
                    .map(|c| w[i * k + c] as f64 * w[j * k + c] as f64)
                    .sum();
                sum += g * g;
            }
        }
    }
    sum / (d * d) as f64
}

fn sum_sq_f64(w: &[f32]) -> f64 {
    w.iter().map(|&v| v as f64 * v as f64).sum()
}

fn params(d: usize) -> SimecParams {
    SimecParams::new(d).hidden_layers(vec![HiddenLayer::new(4, Activation::Tanh)])
}

fn valid(p: SimecParams) -> SimecValidParams {
    p.check().unwrap()
}

/// Test 2: values at masked target positions never reach the loss or the gradient.
#[test]
fn masked_targets_do_not_change_loss_or_gradient() {
    let (m, dim, k) = (5, 3, 6);
    let mut rng = StdRng::seed_from_u64(1);
    let p = valid(params(2).allow_missing(true));
    let net = SimecNet::init(&p, dim, k, &mut rng, &ad());
    let x = Matrix::new(m, dim, random(&mut rng, m * dim)).unwrap();
    let mut t = random(&mut rng, m * k);
    let missing = [(0, 1), (0, 4), (2, 0), (3, 5), (3, 2), (3, 3)];
    // Row 4 is entirely missing: it must contribute 0, with the 1 / max(0, 1) weight.
    let missing: Vec<(usize, usize)> = missing.into_iter().chain((0..k).map(|c| (4, c))).collect();
    for &(r, c) in &missing {
        t[r * k + c] = f32::NAN;
    }
    let targets_nan = Matrix::new(m, k, t.clone()).unwrap();
    let all = Tensor::<1, Int>::arange(0..m as i64, &Device::flex());

    // Copy A: NaN targets, mask derived by the data layer.
    let data = TrainData::upload(&x, &targets_nan, missing.len(), &Device::flex());
    let batch_a = data.batch(all);
    // Copy B: arbitrary numbers at the masked positions plus an explicit mask.
    let mut t_b = t.clone();
    let mut mask = vec![1.0f32; m * k];
    for &(r, c) in &missing {
        t_b[r * k + c] = 1e3 * (r + c + 1) as f32;
        mask[r * k + c] = 0.0;
    }
    let batch_b = Batch {
        x: tensor(x.data(), m, dim, &ad()),
        targets: tensor(&t_b, m, k, &ad()),
        mask: Some(TargetMask::from_mask(mask.clone(), m, k, &ad())),
    };
    // Copy C: like B with one present entry changed.
    let mut t_c = t_b.clone();
    t_c[k + 2] += 0.5;
    let batch_c = Batch {
        targets: tensor(&t_c, m, k, &ad()),
        ..batch_b.clone()
    };

    let penalty = Penalty::new(&p, k, None, &ad());
    let run = |b: &Batch| {
        let loss = batch_loss(&net, b, &penalty);
        let grads = loss.backward();
        (scalar(loss), net_grads(&net, &grads))
    };
    let (loss_a, grad_a) = run(&batch_a);
    let (loss_b, grad_b) = run(&batch_b);
    let (loss_c, grad_c) = run(&batch_c);
    assert_eq!(loss_a, loss_b);
    assert_close(&grad_a, &grad_b, 1e-6, "masked gradient");
    assert!(
        (loss_a - loss_c).abs() > 1e-4,
        "changed entry must change the loss"
    );
    let max_diff = grad_a
        .iter()
        .zip(&grad_c)
        .fold(0.0f32, |acc, (a, c)| acc.max((a - c).abs()));
    assert!(max_diff > 1e-4, "changed entry must change the gradient");

    // The value is the keras masked MSE: per-row masked mean, then the mean over rows.
    let pred = values(net.forward(tensor(x.data(), m, dim, &ad())));
    let mut expected = 0.0;
    for r in 0..m {
        let (mut s, mut c) = (0.0, 0.0);
        for j in 0..k {
            if !t[r * k + j].is_nan() {
                s += (t[r * k + j] as f64 - pred[r * k + j] as f64).powi(2);
                c += 1.0;
            }
        }
        expected += s / f64::max(c, 1.0);
    }
    assert_rel(loss_a, expected / m as f64, 1e-5, "masked MSE");

    // Without any missing entry the masked loss is the plain mean.
    let full = tensor(&t_b, m, k, &ad());
    let pred_t = net.forward(tensor(x.data(), m, dim, &ad()));
    let ones = TargetMask::from_mask(vec![1.0; m * k], m, k, &ad());
    let plain = scalar(data_loss(pred_t.clone(), full.clone(), None));
    let masked = scalar(data_loss(pred_t, full, Some(&ones)));
    assert_rel(masked, plain, 1e-6, "all-present mask");
}

/// Gradient of `f(w)` w.r.t. a fresh leaf `w`.
pub(crate) fn value_and_grad(
    w: &[f32],
    d: usize,
    n: usize,
    f: impl Fn(Tensor<2>) -> Tensor<1>,
) -> (f64, Vec<f32>) {
    let leaf = tensor(w, d, n, &ad()).require_grad();
    let loss = f(leaf.clone());
    let grads = loss.backward();
    (scalar(loss), values(leaf.grad(&grads).unwrap()))
}

/// Test 3: the S_ll term equals its f64 definition, and the closed form equals the
/// elementwise form in value and gradient (symmetric and asymmetric S, masked S).
#[test]
fn s_ll_closed_form_matches_elementwise_and_f64() {
    let (d, n) = (3, 7);
    let mut rng = StdRng::seed_from_u64(2);
    let w = random(&mut rng, d * n);
    let a = random(&mut rng, n * n);
    let sym: Vec<f32> = (0..n * n)
        .map(|i| 0.5 * (a[i] + a[(i % n) * n + i / n]))
        .collect();
    for (name, s) in [("symmetric", &sym), ("asymmetric", &a)] {
        let mean_s2 = sum_sq_f64(s) / (n * n) as f64;
        let s_sym: Vec<f32> = (0..n * n)
            .map(|i| 0.5 * (s[i] + s[(i % n) * n + i / n]))
            .collect();
        let (v_closed, g_closed) = value_and_grad(&w, d, n, |w| {
            s_ll_closed_form(w, tensor(&s_sym, n, n, &ad()), mean_s2)
        });
        let (v_elem, g_elem) = value_and_grad(&w, d, n, |w| {
            s_ll_elementwise(w, tensor(s, n, n, &ad()), None)
        });
        let expected = s_ll_f64(&w, s, d, n);
        assert_rel(
            v_elem,
            expected,
            1e-5,
            &format!("{name}: elementwise vs f64"),
        );
        assert_rel(v_closed, expected, 1e-5, &format!("{name}: closed vs f64"));
        assert_close(&g_closed, &g_elem, 1e-5, &format!("{name}: gradients"));
        // The gradient is not trivially zero.
        assert!(g_elem.iter().any(|g| g.abs() > 1e-3));
    }

    // Masked S_ll (NaN pattern not symmetric, row 3 mostly missing, row 5 entirely): the Keras
    // per-row masked mean, then the mean over the rows -- not one global count.
    let mut masked = sym.clone();
    for i in [
        1, 9, 15, 30, 48, 21, 22, 23, 24, 26, 35, 36, 37, 38, 39, 40, 41,
    ] {
        masked[i] = f32::NAN;
    }
    let m = Matrix::new(n, n, masked.clone()).unwrap();
    let (filled, mask) = crate::data::fill_and_mask(&m);
    let row_mask = TargetMask::from_mask(mask, n, n, &ad());
    let (v, g) = value_and_grad(&w, d, n, |w| {
        s_ll_elementwise(w, tensor(&filled, n, n, &ad()), Some(&row_mask))
    });
    let keras = s_ll_f64(&w, &masked, d, n);
    assert_rel(v, keras, 1e-5, "masked S_ll");
    let global = s_ll_global_count_f64(&w, &masked, d, n);
    assert!(
        (keras - global).abs() > 1e-2 * keras,
        "the test's mask must tell the two averagings apart: {keras} vs {global}"
    );
    // The gradient is that of the per-row mean (central differences in f64).
    let h = 1e-3f32;
    for idx in [0, 4, 10, 20] {
        let (mut up, mut down) = (w.clone(), w.clone());
        up[idx] += h;
        down[idx] -= h;
        let numeric =
            (s_ll_f64(&up, &masked, d, n) - s_ll_f64(&down, &masked, d, n)) / (2.0 * h as f64);
        assert!(
            (g[idx] as f64 - numeric).abs() <= 1e-3 * numeric.abs().max(1e-2),
            "gradient [{idx}]: {} vs {numeric}",
            g[idx]
        );
    }
    // Through Penalty: the masked slice takes the masked path.
    let p = valid(SimecParams::new(d).s_ll_reg(1.0).allow_missing(true));
    let penalty = Penalty::new(&p, n, Some(&SllTarget::single(&m)), &ad());
    let via_penalty = scalar(penalty.s_ll_term(tensor(&w, d, n, &ad())).unwrap().unwrap());
    assert_rel(via_penalty, keras, 1e-5, "Penalty masked");
}

/// Test 4: orthogonality and L2 terms equal hand-computed values, and `Penalty::total`
/// weights and sums every term.
#[test]
fn orth_and_l2_terms_match_hand_computed() {
    let (d, k) = (3, 5);
    let w = [
        0.5, -1.0, 0.25, 2.0, 0.0, //
        1.0, 0.5, -0.5, 0.0, 1.5, //
        -0.25, 0.75, 1.0, -1.0, 0.5,
    ];
    // Rows: r0.r1 = 0.5 - 0.5 - 0.125 + 0 + 0 = -0.125;
    // r0.r2 = -0.125 - 0.75 + 0.25 - 2 + 0 = -2.625; r1.r2 = -0.25 + 0.375 - 0.5 + 0 + 0.75 = 0.375.
    let hand = 2.0 * (0.125f64.powi(2) + 2.625f64.powi(2) + 0.375f64.powi(2)) / 9.0;
    assert_rel(orth_f64(&w, d, k), hand, 1e-12, "orth f64 helper");
    let orth = scalar(orth_penalty(tensor(&w, d, k, &ad())));
    assert_rel(orth, hand, 1e-6, "orth_penalty");
    assert_rel(
        scalar(sum_squares(tensor(&w, d, k, &ad()))),
        sum_sq_f64(&w),
        1e-6,
        "sum_squares",
    );

    // All terms through Penalty::total on a 2-hidden-layer net.
    let (dim, n) = (4, 6);
    let p = valid(
        SimecParams::new(2)
            .hidden_layers(vec![
                HiddenLayer::new(5, Activation::Tanh),
                HiddenLayer::new(3, Activation::Relu),
            ])
            .l2_reg(0.3)
            .l2_reg_emb(0.02)
            .l2_reg_out(0.7)
            .orth_reg(1.3)
            .s_ll_reg(0.4),
    );
    let mut rng = StdRng::seed_from_u64(3);
    let net = SimecNet::init(&p, dim, n, &mut rng, &ad());
    let s = random(&mut rng, n * n);
    let s: Vec<f32> = (0..n * n).map(|i| s[i] + s[(i % n) * n + i / n]).collect();
    let s_m = Matrix::new(n, n, s.clone()).unwrap();
    let penalty = Penalty::new(&p, n, Some(&SllTarget::single(&s_m)), &ad());
    let total = scalar(penalty.total(&net).unwrap().unwrap());
    let h0 = values(net.hidden[0].weight.val());
    let h1 = values(net.hidden[1].weight.val());
    let emb = values(net.embedding.weight.val());
    let wl = values(net.w_l());
    let expected = 0.3 * (sum_sq_f64(&h0) + sum_sq_f64(&h1))
        + 0.02 * sum_sq_f64(&emb)
        + 0.7 * sum_sq_f64(&wl)
        + 1.3 * orth_f64(&wl, 2, n)
        + 0.4 * s_ll_f64(&wl, &s, 2, n);
    assert_rel(total, expected, 1e-5, "Penalty::total");
    // Biases are not penalized: no penalty at all with zero strengths.
    let none = Penalty::new(&valid(SimecParams::new(2)), n, None, &ad());
    assert!(none.total(&net).unwrap().is_none());
}

/// Test 5: two Adamax steps equal keras' formula.
#[test]
fn adamax_matches_hand_computed_steps() {
    let opt = Adamax::default();
    let (b1, b2, eps, lr) = (0.9f64, 0.999f64, 1e-7f64, 0.01f64);
    let p0 = [0.5f64, -1.0, 2.0];
    let g1 = [0.1f64, -0.2, 0.0];
    let g2 = [-0.3f64, -0.05, 0.4];
    let dev = Device::flex();
    let t = |v: &[f64]| {
        Tensor::<1>::from_data(
            TensorData::new(v.iter().map(|&x| x as f32).collect::<Vec<_>>(), [v.len()]),
            &dev,
        )
    };
    let (p1, state) = opt.step(lr, t(&p0), t(&g1), None);
    let (p2, _) = opt.step(lr, p1.clone(), t(&g2), state);
    let (p1, p2) = (values(p1), values(p2));
    for i in 0..3 {
        let m1 = (1.0 - b1) * g1[i];
        let u1 = g1[i].abs();
        let e1 = p0[i] - lr / (1.0 - b1) * m1 / (u1 + eps);
        let m2 = b1 * m1 + (1.0 - b1) * g2[i];
        let u2 = f64::max(b2 * u1, g2[i].abs());
        let e2 = e1 - lr / (1.0 - b1 * b1) * m2 / (u2 + eps);
        assert!(
            (p1[i] as f64 - e1).abs() < 1e-6,
            "step 1 [{i}]: {} vs {e1}",
            p1[i]
        );
        assert!(
            (p2[i] as f64 - e2).abs() < 1e-6,
            "step 2 [{i}]: {} vs {e2}",
            p2[i]
        );
    }
    // The zero-gradient entry did not move in step 1 (m = 0, eps keeps it finite).
    assert_eq!(p1[2], 2.0);
}

/// Test 7 (regularizer): with k = 2 slices the S_ll term is the sum of the per-slice terms,
/// each on its own column block of W_l.
#[test]
fn s_ll_term_sums_over_slices() {
    let (d, n) = (2, 5);
    let mut rng = StdRng::seed_from_u64(4);
    let w = random(&mut rng, d * 2 * n);
    let sym = |rng: &mut StdRng| {
        let a = random(rng, n * n);
        (0..n * n)
            .map(|i| a[i] + a[(i % n) * n + i / n])
            .collect::<Vec<f32>>()
    };
    let (s1, s2) = (sym(&mut rng), sym(&mut rng));
    let (m1, m2) = (
        Matrix::new(n, n, s1.clone()).unwrap(),
        Matrix::new(n, n, s2.clone()).unwrap(),
    );
    let p = valid(SimecParams::new(d).n_slices(2).s_ll_reg(1.0));
    let penalty = Penalty::new(&p, n, Some(&SllTarget::slices(vec![&m1, &m2])), &ad());
    let both = scalar(
        penalty
            .s_ll_term(tensor(&w, d, 2 * n, &ad()))
            .unwrap()
            .unwrap(),
    );
    let block = |j: usize| -> Vec<f32> {
        (0..d)
            .flat_map(|i| w[i * 2 * n + j * n..i * 2 * n + (j + 1) * n].to_vec())
            .collect()
    };
    let e1 = s_ll_f64(&block(0), &s1, d, n);
    let e2 = s_ll_f64(&block(1), &s2, d, n);
    assert_rel(both, e1 + e2, 1e-5, "sum over slices");
    // Differs from using slice 1's S_ll for both blocks (the blocks are not mixed up).
    let wrong = s_ll_f64(&block(0), &s2, d, n) + s_ll_f64(&block(1), &s1, d, n);
    assert!((both - wrong).abs() > 1e-3);
}

/// With k = 2 slices the orthogonality term is the sum of each slice's term (one `d x d` Gram
/// matrix per column block, as the Keras code computes it), not the term of the whole `W_l`.
#[test]
fn orth_term_sums_over_slices() {
    let (d, n) = (3, 5);
    let mut rng = StdRng::seed_from_u64(6);
    let p = valid(SimecParams::new(d).n_slices(2).orth_reg(1.0));
    let net = SimecNet::init(&p, 4, n, &mut rng, &ad()); // W_l: [d, 2 n]
    let wl = values(net.w_l());
    let block = |j: usize| -> Vec<f32> {
        (0..d)
            .flat_map(|i| wl[i * 2 * n + j * n..i * 2 * n + (j + 1) * n].to_vec())
            .collect()
    };
    let per_slice = orth_f64(&block(0), d, n) + orth_f64(&block(1), d, n);
    let whole = orth_f64(&wl, d, 2 * n);
    assert!(
        (per_slice - whole).abs() > 1e-2 * per_slice,
        "the slices' cross terms must matter here: {per_slice} vs {whole}"
    );
    let penalty = Penalty::new(&p, n, None, &ad());
    assert_rel(
        scalar(penalty.total(&net).unwrap().unwrap()),
        per_slice,
        1e-5,
        "orth over slices",
    );
    // One slice: the term of the whole W_l.
    let p1 = valid(SimecParams::new(d).orth_reg(1.0));
    let net1 = SimecNet::init(&p1, 4, n, &mut rng, &ad());
    let w1 = values(net1.w_l());
    let penalty1 = Penalty::new(&p1, n, None, &ad());
    assert_rel(
        scalar(penalty1.total(&net1).unwrap().unwrap()),
        orth_f64(&w1, d, n),
        1e-5,
        "orth, k = 1",
    );
}

/// Test 8 (unit level): two fits in one process give bit-identical weights on flex.
#[test]
fn flex_is_bit_deterministic_within_a_process() {
    let p = valid(
        params(2)
            .s_ll_reg(0.5)
            .orth_reg(0.1)
            .epochs(2)
            .batch_size(4),
    );
    let mut rng = StdRng::seed_from_u64(5);
    let (m, dim, n) = (13, 6, 8);
    let x = Matrix::new(m, dim, random(&mut rng, m * dim)).unwrap();
    let t = Matrix::new(m, n, random(&mut rng, m * n)).unwrap();
    let s = random(&mut rng, n * n);
    let s = Matrix::from_fn(n, n, |r, c| s[r * n + c] + s[c * n + r]);
    let fit = || {
        p.fit(&x, &t, Some(SllTarget::single(&s)), &Device::flex())
            .unwrap()
    };
    let (a, b) = (fit(), fit());
    assert_eq!(a.last_layer().data(), b.last_layer().data());
    assert_eq!(a.transform(&x).unwrap(), b.transform(&x).unwrap());
}
