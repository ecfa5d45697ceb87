//! The additive options: `Loss` (MSE / MAE / BCE), a fixed last layer (the rectangular
//! two-SimEc recipe), per-epoch validation MSE, and `Simec::save` / `Simec::load`.

use burn::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use simec::data::TargetMask;
use simec::training::{data_loss, loss_term};
use simec::{
    Activation, HiddenLayer, Loss, Matrix, OptimizerKind, Simec, SimecError, SimecParams,
    SllTarget, ValidationSet, MODEL_FORMAT_VERSION,
};

fn random_matrix(rng: &mut StdRng, rows: usize, cols: usize) -> Matrix {
    Matrix::from_fn(rows, cols, |_, _| rng.random_range(-1.0f32..1.0))
}

fn matmul(a: &Matrix, b: &Matrix) -> Matrix {
    assert_eq!(a.cols(), b.rows());
    Matrix::from_fn(a.rows(), b.cols(), |r, c| {
        (0..a.cols())
            .map(|i| a.get(r, i) as f64 * b.get(i, c) as f64)
            .sum::<f64>() as f32
    })
}

fn transpose(a: &Matrix) -> Matrix {
    Matrix::from_fn(a.cols(), a.rows(), |r, c| a.get(c, r))
}

fn mse(a: &Matrix, b: &Matrix) -> f64 {
    a.data()
        .iter()
        .zip(b.data())
        .map(|(x, y)| (*x as f64 - *y as f64).powi(2))
        .sum::<f64>()
        / a.data().len() as f64
}

fn mean_sq(a: &Matrix) -> f64 {
    a.data().iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / a.data().len() as f64
}

fn tensor(m: &Matrix, device: &Device) -> Tensor<2> {
    Tensor::from_data(
        TensorData::new(m.data().to_vec(), [m.rows(), m.cols()]),
        device,
    )
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "simec-test-{name}-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn names_round_trip_and_reject_unknown() {
    for a in Activation::ALL {
        assert_eq!(a.name().parse::<Activation>().unwrap(), a);
        assert_eq!(a.to_string(), a.name());
    }
    for l in Loss::ALL {
        assert_eq!(l.name().parse::<Loss>().unwrap(), l);
    }
    for o in [OptimizerKind::Adam, OptimizerKind::Adamax] {
        assert_eq!(o.name().parse::<OptimizerKind>().unwrap(), o);
    }
    assert_eq!("TANH".parse::<Activation>().unwrap(), Activation::Tanh);
    assert!(matches!(
        "softmax".parse::<Activation>(),
        Err(SimecError::InvalidParam {
            name: "activation",
            ..
        })
    ));
    assert!(matches!(
        "hinge".parse::<Loss>(),
        Err(SimecError::InvalidParam { name: "loss", .. })
    ));
    assert!("sgd".parse::<OptimizerKind>().is_err());
    assert_eq!(Loss::default(), Loss::Mse);
    assert_eq!(SimecParams::new(2).check().unwrap().loss(), Loss::Mse);
}

/// Each loss term equals its f64 definition, masked per row then averaged over rows; MSE is
/// exactly the old `data_loss`.
#[test]
fn loss_terms_match_f64_definitions() {
    let dev = Device::flex();
    let mut rng = StdRng::seed_from_u64(3);
    let (b, k) = (4, 5);
    // Logits with large magnitudes, where a naive ln(sigmoid) would overflow.
    let mut z = random_matrix(&mut rng, b, k).into_data();
    z[0] = 60.0;
    z[1] = -60.0;
    let z = Matrix::new(b, k, z).unwrap();
    let t = Matrix::from_fn(b, k, |_, _| rng.random_range(0.0f32..1.0));
    let mask: Vec<f32> = (0..b * k)
        .map(|i| if i % 3 == 2 { 0.0 } else { 1.0 })
        .collect();
    let tm = TargetMask::from_mask(mask.clone(), b, k, &dev);

    let f64_loss = |loss: Loss, masked: bool| {
        let mut total = 0.0;
        for r in 0..b {
            let (mut s, mut n) = (0.0, 0.0);
            for c in 0..k {
                if masked && mask[r * k + c] == 0.0 {
                    continue;
                }
                let (zz, tt) = (z.get(r, c) as f64, t.get(r, c) as f64);
                let e = match loss {
                    Loss::Mse => (tt - zz.tanh()).powi(2),
                    Loss::Mae => (tt - zz.tanh()).abs(),
                    Loss::BinaryCrossEntropy => {
                        // -(t ln p + (1 - t) ln(1 - p)), in the stable form.
                        zz.max(0.0) - tt * zz + (-zz.abs()).exp().ln_1p()
                    }
                };
                s += e;
                n += 1.0;
            }
            total += s / f64::max(n, 1.0);
        }
        total / b as f64
    };
    for loss in Loss::ALL {
        let act = if loss == Loss::BinaryCrossEntropy {
            Activation::Sigmoid
        } else {
            Activation::Tanh
        };
        for masked in [false, true] {
            let m = masked.then_some(&tm);
            let got = loss_term(loss, tensor(&z, &dev), act, tensor(&t, &dev), m)
                .into_scalar::<f32>() as f64;
            let want = f64_loss(loss, masked);
            assert!(
                (got - want).abs() <= 1e-5 * want.abs().max(1.0),
                "{loss} masked={masked}: {got} vs {want}"
            );
        }
    }
    let a = loss_term(
        Loss::Mse,
        tensor(&z, &dev),
        Activation::Tanh,
        tensor(&t, &dev),
        Some(&tm),
    )
    .into_scalar::<f32>();
    let b_ = data_loss(
        Activation::Tanh.apply(tensor(&z, &dev)),
        tensor(&t, &dev),
        Some(&tm),
    )
    .into_scalar::<f32>();
    assert_eq!(a.to_bits(), b_.to_bits());
}

#[test]
fn bce_is_validated_and_learns_binary_targets() {
    let dev = Device::flex();
    let mut rng = StdRng::seed_from_u64(4);
    let (m, dim, n) = (60, 6, 12);
    let x = random_matrix(&mut rng, m, dim);
    // Binary relations that a 2-d embedding can express: sign agreement of two features.
    let t = Matrix::from_fn(m, n, |r, c| {
        let a = x.get(r, 0) > 0.0;
        let b = x.get(c % m, 1) > 0.0;
        if a == b {
            1.0
        } else {
            0.0
        }
    });
    let base = || {
        SimecParams::new(2)
            .hidden_layers(vec![HiddenLayer::new(16, Activation::Tanh)])
            .loss(Loss::BinaryCrossEntropy)
            .epochs(40)
            .batch_size(16)
            .learning_rate(0.01)
    };
    assert!(matches!(
        base().check_ref(),
        Err(SimecError::InvalidParam {
            name: "output_activation",
            ..
        })
    ));
    let p = base()
        .output_activation(Activation::Sigmoid)
        .check()
        .unwrap();
    let mut t_bad = t.clone().into_data();
    t_bad[2 * n + 3] = 1.5;
    let t_bad = Matrix::new(m, n, t_bad).unwrap();
    assert!(matches!(
        p.fit(&x, &t_bad, None, &dev),
        Err(SimecError::TargetOutOfRange {
            row: 2,
            col: 3,
            loss: "bce",
            ..
        })
    ));
    let model = p.fit(&x, &t, None, &dev).unwrap();
    let h = model.history();
    assert!(h.last().unwrap().loss < 0.5 * h[0].loss, "{h:?}");
    let pred = model.predict(&x).unwrap();
    assert!(pred.data().iter().all(|v| (0.0..=1.0).contains(v)));
    let acc = pred
        .data()
        .iter()
        .zip(t.data())
        .filter(|(p, t)| (**p > 0.5) == (**t > 0.5))
        .count() as f64
        / (m * n) as f64;
    assert!(acc > 0.9, "accuracy {acc}");
}

#[test]
fn mae_fit_reduces_the_loss() {
    let dev = Device::flex();
    let mut rng = StdRng::seed_from_u64(5);
    let (m, dim, n) = (50, 5, 10);
    let x = random_matrix(&mut rng, m, dim);
    let w = random_matrix(&mut rng, dim, n);
    let t = matmul(&x, &w);
    let model = SimecParams::new(5)
        .loss(Loss::Mae)
        .epochs(100)
        .batch_size(10)
        .learning_rate(0.02)
        .fit(&x, &t, None, &dev)
        .unwrap();
    let h = model.history();
    assert!(h.last().unwrap().loss < 0.25 * h[0].loss, "{h:?}");
}

#[test]
fn fixed_last_layer_is_not_trained_and_is_validated() {
    let dev = Device::flex();
    let mut rng = StdRng::seed_from_u64(6);
    let (m, dim, n, d) = (30, 4, 8, 3);
    let x = random_matrix(&mut rng, m, dim);
    let t = random_matrix(&mut rng, m, n);
    let w = random_matrix(&mut rng, d, n);
    let model = SimecParams::new(d)
        .hidden_layers(vec![HiddenLayer::new(5, Activation::Tanh)])
        .fixed_last_layer(w.clone())
        .l2_reg(1e-3)
        .epochs(3)
        .batch_size(8)
        .fit(&x, &t, None, &dev)
        .unwrap();
    assert_eq!(model.last_layer().data(), w.data());
    assert_eq!(model.params().fixed_last_layer(), Some(&w));
    // predict = Y W for the given W.
    let y = model.transform(&x).unwrap();
    let want = matmul(&y, &w);
    assert!(mse(&model.predict(&x).unwrap(), &want) < 1e-10);

    let wrong = random_matrix(&mut rng, d, n + 1);
    assert!(matches!(
        SimecParams::new(d)
            .fixed_last_layer(wrong)
            .epochs(1)
            .fit(&x, &t, None, &dev),
        Err(SimecError::LastLayerShape {
            rows: 3,
            cols: 9,
            expected_rows: 3,
            expected_cols: 8
        })
    ));
    let mut nan = w.clone().into_data();
    nan[0] = f32::NAN;
    assert!(matches!(
        SimecParams::new(d)
            .fixed_last_layer(Matrix::new(d, n, nan).unwrap())
            .epochs(1)
            .fit(&x, &t, None, &dev),
        Err(SimecError::NonFinite { .. })
    ));
    for p in [
        SimecParams::new(d).s_ll_reg(0.1),
        SimecParams::new(d).orth_reg(0.1),
        SimecParams::new(d).l2_reg_out(0.1),
    ] {
        assert!(matches!(
            p.fixed_last_layer(w.clone()).check_ref(),
            Err(SimecError::InvalidParam { .. })
        ));
    }
}

/// Paper section 2.2: a rectangular R (m1 x m2) between two kinds of objects. SimEc 1 maps
/// X1 -> Y1 with Y1 W_l1 ~ R; SimEc 2 maps X2 -> Y2 with W_l fixed to Y1^T and targets R^T,
/// so Y2 Y1^T ~ R^T, i.e. Y1 Y2^T ~ R, also for new objects of both kinds.
#[test]
fn rectangular_two_simec_recipe_recovers_r() {
    let dev = Device::flex();
    let mut rng = StdRng::seed_from_u64(7);
    let (m1, m2, rank, dim) = (80, 60, 3, 6);
    let u1 = random_matrix(&mut rng, m1 + 20, rank);
    let u2 = random_matrix(&mut rng, m2 + 20, rank);
    let a1 = random_matrix(&mut rng, rank, dim);
    let a2 = random_matrix(&mut rng, rank, dim);
    let x1_all = matmul(&u1, &a1); // [m1 + 20, dim]
    let x2_all = matmul(&u2, &a2);
    let r_all = matmul(&u1, &transpose(&u2)); // [m1 + 20, m2 + 20]
    let rows = |m: &Matrix, r: std::ops::Range<usize>| {
        Matrix::from_fn(r.len(), m.cols(), |i, c| m.get(r.start + i, c))
    };
    let block = |m: &Matrix, r: std::ops::Range<usize>, c: std::ops::Range<usize>| {
        Matrix::from_fn(r.len(), c.len(), |i, j| m.get(r.start + i, c.start + j))
    };
    let (x1, x2) = (rows(&x1_all, 0..m1), rows(&x2_all, 0..m2));
    let r = block(&r_all, 0..m1, 0..m2);

    let params = || {
        SimecParams::new(rank)
            .epochs(300)
            .batch_size(16)
            .learning_rate(0.01)
    };
    let simec1 = params().fit(&x1, &r, None, &dev).unwrap();
    let y1 = simec1.transform(&x1).unwrap(); // [m1, rank]
    let simec2 = params()
        .fixed_last_layer(transpose(&y1))
        .fit(&x2, &transpose(&r), None, &dev)
        .unwrap();
    let y2 = simec2.transform(&x2).unwrap(); // [m2, rank]
    let r_hat = matmul(&y1, &transpose(&y2));
    let rel = mse(&r_hat, &r) / mean_sq(&r);
    assert!(rel < 0.02, "training relative error {rel}");

    // Out of sample: 20 new objects of each kind.
    let y1_new = simec1.transform(&rows(&x1_all, m1..m1 + 20)).unwrap();
    let y2_new = simec2.transform(&rows(&x2_all, m2..m2 + 20)).unwrap();
    let r_new = block(&r_all, m1..m1 + 20, m2..m2 + 20);
    let rel_new = mse(&matmul(&y1_new, &transpose(&y2_new)), &r_new) / mean_sq(&r_new);
    assert!(rel_new < 0.05, "new-pair relative error {rel_new}");
}

#[test]
fn validation_mse_is_reported_without_changing_the_fit() {
    let dev = Device::flex();
    let mut rng = StdRng::seed_from_u64(8);
    let (m, dim, n) = (40, 5, 10);
    let x = random_matrix(&mut rng, m, dim);
    let t = random_matrix(&mut rng, m, n);
    let xv = random_matrix(&mut rng, 7, dim);
    let mut tv = random_matrix(&mut rng, 7, n).into_data();
    tv[3] = f32::NAN;
    let tv = Matrix::new(7, n, tv).unwrap();
    let p = SimecParams::new(3)
        .hidden_layers(vec![HiddenLayer::new(6, Activation::Tanh)])
        .epochs(4)
        .batch_size(8)
        .allow_missing(true)
        .check()
        .unwrap();
    let mut reports = Vec::new();
    let with = p
        .fit_with_validation(&x, &t, None, ValidationSet::new(&xv, &tv), &dev, &mut |r| {
            reports.push(r)
        })
        .unwrap();
    let without = p.fit(&x, &t, None, &dev).unwrap();
    assert_eq!(with.last_layer().data(), without.last_layer().data());
    assert_eq!(reports.len(), 4);
    assert!(reports.iter().all(|r| r.val_mse.is_some()));
    assert!(without.history().iter().all(|r| r.val_mse.is_none()));
    // The last report is the MSE of the final model over the present entries.
    let pred = with.predict(&xv).unwrap();
    let (mut s, mut c) = (0.0, 0);
    for (p, t) in pred.data().iter().zip(tv.data()) {
        if !t.is_nan() {
            s += (*p as f64 - *t as f64).powi(2);
            c += 1;
        }
    }
    let want = s / c as f64;
    let got = reports[3].val_mse.unwrap();
    assert!((got - want).abs() < 1e-9 * want, "{got} vs {want}");

    let bad_x = random_matrix(&mut rng, 7, dim + 1);
    assert!(matches!(
        p.fit_with_validation(
            &x,
            &t,
            None,
            ValidationSet::new(&bad_x, &tv),
            &dev,
            &mut |_| {}
        ),
        Err(SimecError::ValidationShape { .. })
    ));
    let bad_t = random_matrix(&mut rng, 7, n + 2);
    assert!(matches!(
        p.fit_with_validation(
            &x,
            &t,
            None,
            ValidationSet::new(&xv, &bad_t),
            &dev,
            &mut |_| {}
        ),
        Err(SimecError::ValidationShape { .. })
    ));
    // Validation targets are scanned like the training targets: infinite is an error, and so
    // is missing (NaN) unless allow_missing.
    let mut t_inf = tv.clone().into_data();
    t_inf[5] = f32::INFINITY;
    let t_inf = Matrix::new(7, n, t_inf).unwrap();
    let strict = SimecParams::new(3)
        .hidden_layers(vec![HiddenLayer::new(6, Activation::Tanh)])
        .epochs(4)
        .batch_size(8)
        .check()
        .unwrap();
    // tv holds a NaN: fine with allow_missing (above), refused without.
    for (params, targets, want) in [
        (&p, &t_inf, "NonFinite"),
        (&strict, &tv, "MissingNotAllowed"),
    ] {
        let got = params
            .fit_with_validation(
                &x,
                &t,
                None,
                ValidationSet::new(&xv, targets),
                &dev,
                &mut |_| {},
            )
            .err();
        let name = match got {
            Some(SimecError::NonFinite { .. }) => "NonFinite",
            Some(SimecError::MissingNotAllowed { .. }) => "MissingNotAllowed",
            _ => "something else",
        };
        assert_eq!(name, want, "{got:?}");
    }
}

/// An epoch's reported losses are its batch losses weighted by batch size (10 rows in batches
/// of 4, 4 and 2), the data term's mean kept apart once a penalty is on: at a learning rate so
/// small that the weights do not move, the data term's mean is the MSE of the final model's
/// predictions over all rows, and the loss adds the (positive) penalty.
#[test]
fn epoch_losses_are_batch_size_weighted_means() {
    let dev = Device::flex();
    let mut rng = StdRng::seed_from_u64(12);
    let (m, dim, n) = (10, 5, 6);
    let x = random_matrix(&mut rng, m, dim);
    let t = random_matrix(&mut rng, m, n);
    let p = SimecParams::new(2)
        .hidden_layers(vec![HiddenLayer::new(4, Activation::Tanh)])
        .epochs(1)
        .batch_size(4)
        .learning_rate(1e-12)
        .l2_reg(0.5)
        .check()
        .unwrap();
    let mut reports = Vec::new();
    let simec = p
        .fit_with_callback(&x, &t, None, &dev, &mut |r| reports.push(r))
        .unwrap();
    let want = mse(&simec.predict(&x).unwrap(), &t);
    let r = &reports[0];
    assert!(
        (r.data_loss - want).abs() < 1e-5 * want,
        "{} vs {want}",
        r.data_loss
    );
    assert!(r.loss > r.data_loss * 1.01, "{} vs {}", r.loss, r.data_loss);
}

/// A validation set without any present target is refused; an empty one (no rows) is allowed
/// and has no validation MSE (not NaN).
#[test]
fn a_validation_set_without_targets_has_no_mse() {
    let dev = Device::flex();
    let mut rng = StdRng::seed_from_u64(13);
    let (m, dim, n) = (12, 4, 5);
    let x = random_matrix(&mut rng, m, dim);
    let t = random_matrix(&mut rng, m, n);
    let xv = random_matrix(&mut rng, 3, dim);
    let tv = Matrix::new(3, n, vec![f32::NAN; 3 * n]).unwrap();
    let p = SimecParams::new(2)
        .epochs(2)
        .batch_size(4)
        .allow_missing(true)
        .check()
        .unwrap();
    let all_missing = ValidationSet::new(&xv, &tv);
    assert!(matches!(
        p.fit_with_validation(&x, &t, None, all_missing, &dev, &mut |_| {}),
        Err(SimecError::AllMissing { .. })
    ));
    let (x0, t0) = (
        Matrix::new(0, dim, vec![]).unwrap(),
        Matrix::new(0, n, vec![]).unwrap(),
    );
    let mut reports = Vec::new();
    p.fit_with_validation(&x, &t, None, ValidationSet::new(&x0, &t0), &dev, &mut |r| {
        reports.push(r)
    })
    .unwrap();
    assert_eq!(reports.len(), 2);
    assert!(reports.iter().all(|r| r.val_mse.is_none()), "{reports:?}");
}

#[test]
fn save_load_round_trip_is_bit_identical() {
    let dev = Device::flex();
    let mut rng = StdRng::seed_from_u64(9);
    let (m, dim, n) = (30, 5, 8);
    let x = random_matrix(&mut rng, m, dim);
    let t = random_matrix(&mut rng, m, 2 * n);
    let s = Matrix::from_fn(n, n, |r, c| ((r + c) % 3) as f32);
    let xv = random_matrix(&mut rng, 5, dim);
    let tv = random_matrix(&mut rng, 5, 2 * n);
    let model = SimecParams::new(3)
        .hidden_layers(vec![
            HiddenLayer::new(7, Activation::Relu),
            HiddenLayer::new(4, Activation::Sigmoid),
        ])
        .output_activation(Activation::Tanh)
        .loss(Loss::Mae)
        .n_slices(2)
        .s_ll_reg(0.3)
        .orth_reg(0.01)
        .l2_reg(1e-4)
        .optimizer(OptimizerKind::Adam)
        .seed(u64::MAX)
        .epochs(3)
        .batch_size(8)
        .check()
        .unwrap()
        .fit_with_validation(
            &x,
            &t,
            Some(SllTarget::slices(vec![&s, &s])),
            ValidationSet::new(&xv, &tv),
            &dev,
            &mut |_| {},
        )
        .unwrap();
    let dir = temp_dir("roundtrip");
    model.save(&dir).unwrap();
    let back = Simec::load(&dir, &dev).unwrap();
    assert_eq!(back.params(), model.params());
    assert_eq!(back.history(), model.history());
    assert_eq!(
        (back.input_dim(), back.n_targets(), back.n_slices()),
        (dim, n, 2)
    );
    assert_eq!(
        back.transform(&x).unwrap().data(),
        model.transform(&x).unwrap().data()
    );
    assert_eq!(
        back.predict(&x).unwrap().data(),
        model.predict(&x).unwrap().data()
    );
    // Loading onto an autodiff device works too.
    let ad = Simec::load(&dir, &dev.clone().autodiff()).unwrap();
    assert_eq!(
        ad.transform(&x).unwrap().data(),
        model.transform(&x).unwrap().data()
    );

    // A fixed last layer survives the round trip.
    let w = random_matrix(&mut rng, 2, 2 * n);
    let fixed = SimecParams::new(2)
        .fixed_last_layer(w.clone())
        .epochs(1)
        .fit(&x, &t, None, &dev)
        .unwrap();
    let dir2 = temp_dir("fixed");
    fixed.save(&dir2).unwrap();
    let back = Simec::load(&dir2, &dev).unwrap();
    assert_eq!(back.params().fixed_last_layer(), Some(&w));
    assert_eq!(back.params(), fixed.params());
    let _ = std::fs::remove_dir_all(&dir2);

    // Errors: another format_version, a missing directory, weights of another shape.
    let toml_path = dir.join(simec::persist::MODEL_FILE);
    let text = std::fs::read_to_string(&toml_path).unwrap();
    let bumped = text.replace(
        &format!("format_version = {MODEL_FORMAT_VERSION}"),
        "format_version = 99",
    );
    assert_ne!(bumped, text);
    std::fs::write(&toml_path, &bumped).unwrap();
    let err = Simec::load(&dir, &dev).unwrap_err();
    assert!(
        matches!(
            err,
            SimecError::FormatVersion {
                found: 99,
                supported: MODEL_FORMAT_VERSION,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("model.toml"), "{err}");
    let wider = text.replace("embedding_dim = 3", "embedding_dim = 4");
    assert_ne!(wider, text);
    std::fs::write(&toml_path, &wider).unwrap();
    let err = Simec::load(&dir, &dev).unwrap_err();
    assert!(matches!(err, SimecError::ModelFile { .. }), "{err}");
    assert!(err.to_string().contains("weights.bpk"), "{err}");
    let err = Simec::load(dir.join("nope"), &dev).unwrap_err();
    assert!(matches!(err, SimecError::Io { .. }), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
