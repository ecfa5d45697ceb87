//! The PyTorch SimEc's training options (`simec_torch.py`): best-epoch restore, the plateau
//! learning-rate schedule, weight decay, the late orthogonality penalty; and that a fit without
//! them is unchanged.

use burn::prelude::Device;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use simec::{
    Activation, LrSchedule, Matrix, Plateau, RestoreBest, Simec, SimecError, SimecParams,
    ValidationSet,
};

/// Features `m x 5` and targets `m x 10`, random.
fn data(m: usize, seed: u64) -> (Matrix, Matrix) {
    let mut rng = StdRng::seed_from_u64(seed);
    let x = Matrix::from_fn(m, 5, |_, _| rng.random_range(-1.0f32..1.0));
    let t = Matrix::from_fn(m, 10, |_, _| rng.random_range(-1.0f32..1.0));
    (x, t)
}

/// A small tanh SimEc whose learning rate is so large that its loss rises after a while.
fn unstable(epochs: usize) -> SimecParams {
    SimecParams::new(3)
        .hidden_layer(16, Activation::Tanh)
        .epochs(epochs)
        .batch_size(8)
        .learning_rate(0.3)
        .seed(5)
}

fn fit(p: SimecParams, x: &Matrix, t: &Matrix) -> Simec {
    p.check().unwrap().fit(x, t, None, &Device::flex()).unwrap()
}

/// The 1-based epoch of the lowest value, the later of equal ones.
fn argmin(values: impl Iterator<Item = f64>) -> usize {
    let mut best = (f64::INFINITY, 0);
    for (i, v) in values.enumerate() {
        if v <= best.0 {
            best = (v, i + 1);
        }
    }
    best.1
}

#[test]
fn restore_by_training_loss_returns_the_weights_of_the_lowest_loss_epoch() {
    let (x, t) = data(40, 1);
    // A strong orthogonality penalty from epoch 7 on (ceil(5.5) epochs without it) trades
    // data loss for orthogonality, so the data loss rises again.
    let (epochs, free) = (12, 5.5);
    let late_orth = |epochs: usize| {
        SimecParams::new(3)
            .hidden_layer(16, Activation::Tanh)
            .batch_size(8)
            .learning_rate(0.05)
            .seed(5)
            .orth_reg(100.0)
            .epochs(epochs)
            .orth_reg_start(free / epochs as f64)
    };
    let restored = fit(
        late_orth(epochs).restore_best(RestoreBest::TrainLoss),
        &x,
        &t,
    );
    let losses: Vec<f64> = restored.history().iter().map(|r| r.data_loss).collect();
    let best = argmin(losses.iter().copied());
    assert!(
        (6..epochs).contains(&best),
        "the data loss must rise with the penalty: {losses:?}"
    );
    assert_eq!(restored.restored_epoch(), Some(best));
    assert_eq!(restored.history().len(), epochs);
    // Training is deterministic, so a fit that stops at the best epoch (with the penalty from
    // the same epoch 7 on) has its weights.
    let stopped = fit(late_orth(best), &x, &t);
    assert_eq!(stopped.restored_epoch(), None);
    assert_eq!(restored.last_layer(), stopped.last_layer());
    assert_eq!(
        restored.transform(&x).unwrap(),
        stopped.transform(&x).unwrap()
    );
    let last = fit(late_orth(epochs), &x, &t);
    assert_ne!(restored.last_layer(), last.last_layer());
}

#[test]
fn restore_by_validation_mse_keeps_the_epoch_of_the_lowest_validation_mse() {
    let (x, t) = data(40, 2);
    let (xv, tv) = data(15, 3);
    let params = unstable(12)
        .restore_best(RestoreBest::ValidationMse)
        .check()
        .unwrap();
    let model = params
        .fit_with_validation(
            &x,
            &t,
            None,
            ValidationSet::new(&xv, &tv),
            &Device::flex(),
            &mut |_| {},
        )
        .unwrap();
    let val: Vec<f64> = model.history().iter().map(|r| r.val_mse.unwrap()).collect();
    let best = argmin(val.iter().copied());
    assert!(best < val.len(), "validation MSE must rise: {val:?}");
    assert_eq!(model.restored_epoch(), Some(best));
    // The restored model predicts the validation rows with exactly the recorded MSE.
    let pred = model.predict(&xv).unwrap();
    let mse = pred
        .data()
        .iter()
        .zip(tv.data())
        .map(|(p, t)| (f64::from(*p) - f64::from(*t)).powi(2))
        .sum::<f64>()
        / pred.data().len() as f64;
    assert_eq!(mse, val[best - 1]);

    // Without validation rows there is nothing to restore by.
    let err = params.fit(&x, &t, None, &Device::flex()).unwrap_err();
    assert!(
        matches!(
            err,
            SimecError::InvalidParam {
                name: "restore_best",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn plateau_lowers_the_learning_rate_of_a_fit() {
    let (x, t) = data(40, 4);
    let p = SimecParams::new(3).epochs(4).learning_rate(0.01).seed(1);
    let constant = fit(p.clone(), &x, &t);
    assert!(constant.history().iter().all(|r| r.learning_rate == 0.01));
    // Only an epoch halving the loss counts as an improvement here.
    let plateau = Plateau {
        factor: 0.1,
        patience: 0,
        threshold: 0.5,
        warmup: 0,
        min_lr: 0.0,
    };
    let model = fit(p.lr_schedule(LrSchedule::Plateau(plateau)), &x, &t);
    let h = model.history();
    assert!(h[1].data_loss >= 0.5 * h[0].data_loss, "{h:?}");
    let rates: Vec<f64> = h.iter().map(|r| r.learning_rate).collect();
    assert_eq!(rates[..2], [0.01, 0.01]);
    assert!((rates[2] - 0.001).abs() < 1e-15, "{rates:?}");
    // The first two epochs are the constant fit's; then the lower rate changes the weights.
    for (r, c) in h.iter().zip(constant.history()).take(2) {
        assert_eq!(r.data_loss, c.data_loss, "epoch {}", r.epoch);
    }
    assert_ne!(h[2].data_loss, constant.history()[2].data_loss);
}

#[test]
fn orth_reg_start_trains_without_the_penalty_until_the_fraction_of_the_epochs() {
    let (x, t) = data(40, 6);
    let p = SimecParams::new(3)
        .hidden_layer(8, Activation::Tanh)
        .epochs(6)
        .learning_rate(0.01)
        .seed(2);
    let plain = fit(p.clone(), &x, &t);
    let late = fit(p.clone().orth_reg(1.0).orth_reg_start(0.5), &x, &t);
    let early = fit(p.orth_reg(1.0), &x, &t);
    let (plain, late, early) = (plain.history(), late.history(), early.history());
    // Epochs 1-3 (ceil(0.5 * 6)) train as without orth_reg; the loss holds no penalty.
    for e in 0..3 {
        assert_eq!(late[e].data_loss, plain[e].data_loss, "epoch {}", e + 1);
        assert_eq!(late[e].loss, late[e].data_loss, "epoch {}", e + 1);
    }
    for e in 3..6 {
        assert_ne!(late[e].data_loss, plain[e].data_loss, "epoch {}", e + 1);
        assert!(late[e].loss > late[e].data_loss, "epoch {}", e + 1);
    }
    // From the start (the default) the penalty changes the first epoch already.
    assert_ne!(early[0].data_loss, plain[0].data_loss);
}

#[test]
fn weight_decay_changes_the_fit_and_zero_is_the_default() {
    let (x, t) = data(40, 7);
    let p = SimecParams::new(3).epochs(2).seed(3);
    let plain = fit(p.clone(), &x, &t);
    assert_eq!(
        fit(p.clone().weight_decay(0.0), &x, &t).last_layer(),
        plain.last_layer()
    );
    let decayed = fit(p.weight_decay(0.1), &x, &t);
    assert_ne!(decayed.last_layer(), plain.last_layer());
}

#[test]
fn the_options_and_the_restored_epoch_survive_save_and_load() {
    let (x, t) = data(40, 8);
    let dir = std::env::temp_dir().join(format!("simec-torch-options-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let plain = fit(SimecParams::new(2).epochs(2).l2_reg_out(0.1), &x, &t);
    plain.save(&dir).unwrap();
    let text = std::fs::read_to_string(dir.join(simec::persist::MODEL_FILE)).unwrap();
    for key in [
        "restore_best",
        "lr_schedule",
        "learning_rate = [",
        "restored_epoch",
    ] {
        assert!(
            !text.contains(key),
            "{key} written without the options:\n{text}"
        );
    }
    // A penalty makes the data term differ from the loss: it is written.
    assert!(text.contains("data_loss = ["), "{text}");

    let model = fit(
        unstable(8)
            .restore_best(RestoreBest::TrainLoss)
            .lr_schedule(LrSchedule::Plateau(Plateau {
                patience: 0,
                warmup: 1,
                ..Plateau::default()
            }))
            .weight_decay(1e-3)
            .orth_reg(0.1)
            .orth_reg_start(0.25),
        &x,
        &t,
    );
    model.save(&dir).unwrap();
    let back = Simec::load(&dir, &Device::flex()).unwrap();
    assert_eq!(back.params(), model.params());
    assert_eq!(back.restored_epoch(), model.restored_epoch());
    assert!(model.restored_epoch().is_some());
    assert_eq!(back.history(), model.history());
    assert_eq!(back.last_layer(), model.last_layer());
    let _ = std::fs::remove_dir_all(&dir);
}
