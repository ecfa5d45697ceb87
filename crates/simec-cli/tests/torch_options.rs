//! `simec fit` with the PyTorch SimEc's options: saved in the model, shown by `simec info`,
//! refused where they cannot apply, and absent from a model fitted without them.

mod common;

use common::*;

#[test]
fn the_options_are_saved_shown_and_checked() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (x, s) = clustered(&mut rng(3), 40, 5);
    let (xf, sf) = (dir.join("X.csv"), dir.join("S.csv"));
    write(&xf, &x);
    write(&sf, &s);
    let model = dir.join("model");
    let base = [
        "fit",
        "--features",
        p(&xf),
        "--targets",
        p(&sf),
        "--embedding-dim",
        "2",
        "--epochs",
        "6",
        "--quiet",
        "--force",
        "--out",
        p(&model),
    ];
    simec_ok(base);
    let toml = std::fs::read_to_string(model.join("model.toml")).unwrap();
    for key in [
        "restore_best",
        "lr_schedule",
        "weight_decay",
        "orth_reg_start",
    ] {
        assert!(!toml.contains(key), "{key} without the option:\n{toml}");
    }
    assert!(!simec_ok(["info", "--model", p(&model)]).contains("pytorch options"));

    let mut args = base.to_vec();
    args.extend([
        "--restore-best",
        "validation_mse",
        "--validation-fraction",
        "0.25",
        "--lr-schedule",
        "plateau",
        "--lr-patience",
        "0",
        "--lr-warmup",
        "1",
        "--lr-threshold",
        "0.9",
        "--weight-decay",
        "0.001",
        "--orth-reg",
        "0.1",
        "--orth-reg-start",
        "0.5",
    ]);
    let out = simec_ok(&args);
    assert!(
        out.contains("restored, loss ") && out.contains(" (--restore-best validation_mse)"),
        "{out}"
    );
    let toml = std::fs::read_to_string(model.join("model.toml")).unwrap();
    for line in [
        "restore_best = \"validation_mse\"",
        "weight_decay = 0.001",
        "orth_reg_start = 0.5",
        "patience = 0",
        "restored_epoch = ",
    ] {
        assert!(toml.contains(line), "{line} missing:\n{toml}");
    }
    let info = simec_ok(["info", "--model", p(&model)]);
    for needle in [
        "restore_best validation_mse, weights of epoch",
        "lr_schedule plateau (factor 0.1, patience 0, threshold 0.9, warmup 1, min_lr 0)",
        "weight_decay 0.001",
        "orth_reg_start 0.5 (orth_reg from epoch 4)",
        // Only a 90% drop counts as improvement: the rate falls after epoch 3.
        "learning rate   0.002 at first, 2.00000e-4 from epoch 4",
    ] {
        assert!(info.contains(needle), "{needle:?} missing:\n{info}");
    }

    let mut bad = base.to_vec();
    bad.extend(["--lr-patience", "3"]);
    simec_err(
        &bad,
        &["--lr-patience only applies with --lr-schedule plateau"],
    );
    let mut bad = base.to_vec();
    bad.extend(["--restore-best", "validation_mse"]);
    simec_err(&bad, &["--validation-fraction"]);
    let mut bad = base.to_vec();
    bad.extend(["--orth-reg-start", "1.5"]);
    simec_err(&bad, &["orth_reg_start", "[0, 1)"]);

    let help = simec_ok(["fit", "--help"]);
    assert!(help.contains("PyTorch SimEc options"), "{help}");
    assert!(help.contains("off by default"), "{help}");
}
