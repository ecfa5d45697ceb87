//! End-to-end runs of the `simec` binary: fit -> save -> load -> transform / predict, info,
//! evaluate, BCE with missing targets, and the rectangular two-SimEc recipe.

mod common;

use common::*;
use simec::Matrix;
use simec_cli::model_dir;

fn p(path: &std::path::Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn fit_save_load_transform_gives_the_in_memory_embedding() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut rng = rng(1);
    let (x, s) = clustered(&mut rng, 60, 6);
    let (xf, sf) = (dir.join("X.csv"), dir.join("S.csv"));
    write(&xf, &x);
    write(&sf, &s);
    let model = dir.join("model");
    let y_mem = dir.join("Y_mem.csv");
    let out = simec_ok([
        "fit",
        "--features",
        p(&xf),
        "--targets",
        p(&sf),
        "--embedding-dim",
        "3",
        "--hidden",
        "16:tanh,8:relu",
        "--s-ll-reg",
        "0.5",
        "--orth-reg",
        "0.01",
        "--l2-reg",
        "1e-5",
        "--validation-fraction",
        "0.2",
        "--epochs",
        "6",
        "--batch-size",
        "8",
        "--lr",
        "0.01",
        "--optimizer",
        "adam",
        "--seed",
        "7",
        "--out",
        p(&model),
        "--embed-out",
        p(&y_mem),
        "--quiet",
    ]);
    assert!(out.contains("validation MSE"), "{out}");
    for f in [
        "config.toml",
        "model.toml",
        "weights.bpk",
        "feature_mean.csv",
        "training_log.csv",
    ] {
        assert!(model.join(f).is_file(), "{f} missing");
    }

    // transform after loading == the in-memory model's embedding, bit for bit.
    let y_csv = dir.join("Y.csv");
    let y_npy = dir.join("Y.npy");
    simec_ok([
        "transform",
        "--model",
        p(&model),
        "--features",
        p(&xf),
        "--out",
        p(&y_csv),
    ]);
    simec_ok([
        "transform",
        "--model",
        p(&model),
        "--features",
        p(&xf),
        "--out",
        p(&y_npy),
    ]);
    let (a, b, c) = (read(&y_mem), read(&y_csv), read(&y_npy));
    assert_eq!((a.rows(), a.cols()), (60, 3));
    assert_eq!(a.data(), b.data());
    assert_eq!(a.data(), c.data());

    // predict = the similarities to the 60 targets; consistent with Y W_l (linear output).
    let s_hat = dir.join("S_hat.npy");
    simec_ok([
        "predict",
        "--model",
        p(&model),
        "--features",
        p(&xf),
        "--out",
        p(&s_hat),
    ]);
    let s_hat = read(&s_hat);
    assert_eq!((s_hat.rows(), s_hat.cols()), (60, 60));
    let loaded = model_dir::load(&model, &burn::prelude::Device::flex()).unwrap();
    let ywl = matmul(&a, &loaded.simec.last_layer());
    assert!(mse(&ywl, &s_hat) < 1e-10);

    // The model directory records what was done.
    let c = &loaded.config;
    assert_eq!(c.format_version, model_dir::CLI_FORMAT_VERSION);
    assert_eq!((c.data.train_rows, c.data.validation_rows), (48, 12));
    assert!(c.preprocessing.center_features);
    assert_eq!(c.training.epochs, 6);
    assert!(c.training.final_val_mse.is_some());
    assert_eq!(loaded.feature_mean.as_ref().map(Vec::len), Some(6));
    let log = model_dir::read_log(&model).unwrap();
    assert_eq!(log.len(), 6);
    assert!(log
        .iter()
        .all(|r| r.val_mse.is_some() && r.loss.is_finite()));
    let p_ = loaded.simec.params();
    assert_eq!(
        (p_.embedding_dim(), p_.hidden_layers().len(), p_.seed()),
        (3, 2, 7)
    );

    let info = simec_ok(["info", "--model", p(&model), "--log"]);
    for needle in [
        "format_version 1",
        "6 features -> 16 tanh -> 8 relu -> 3 (embedding) -> 60 targets",
        "48 training rows, 12 validation rows",
        "s_ll_reg 0.5",
        "adam",
        "validation MSE",
        "val_mse",
    ] {
        assert!(info.contains(needle), "info lacks {needle:?}:\n{info}");
    }

    // --force is needed to refit into the same directory; without centering no mean file.
    simec_err(
        [
            "fit",
            "--features",
            p(&xf),
            "--targets",
            p(&sf),
            "--embedding-dim",
            "2",
            "--out",
            p(&model),
        ],
        &["--force", p(&model)],
    );
    simec_ok([
        "fit",
        "--features",
        p(&xf),
        "--targets",
        p(&sf),
        "--embedding-dim",
        "2",
        "--epochs",
        "2",
        "--no-center-features",
        "--force",
        "--quiet",
        "--out",
        p(&model),
    ]);
    assert!(!model.join("feature_mean.csv").exists());
    let loaded = model_dir::load(&model, &burn::prelude::Device::flex()).unwrap();
    assert!(loaded.feature_mean.is_none());
    assert_eq!(loaded.simec.embedding_dim(), 2);
}

#[test]
fn input_formats_give_the_same_result() {
    // The same features as CSV with a header, f64 NPY and whitespace text transform alike.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut rng = rng(2);
    let (x, s) = clustered(&mut rng, 40, 5);
    let (xf, sf) = (dir.join("X.csv"), dir.join("S.npy"));
    write(&xf, &x);
    write(&sf, &s);
    let model = dir.join("m");
    simec_ok([
        "fit",
        "--features",
        p(&xf),
        "--targets",
        p(&sf),
        "--embedding-dim",
        "2",
        "--epochs",
        "3",
        "--quiet",
        "--out",
        p(&model),
    ]);
    let header = dir.join("X_header.csv");
    let mut text = String::from("a,b,c,d,e\n");
    text.push_str(&std::fs::read_to_string(&xf).unwrap());
    std::fs::write(&header, text).unwrap();
    let ws = dir.join("X.txt");
    std::fs::write(
        &ws,
        std::fs::read_to_string(&xf).unwrap().replace(',', "   "),
    )
    .unwrap();
    let npy64 = dir.join("X64.npy");
    let arr = ndarray::Array2::from_shape_fn((40, 5), |(r, c)| f64::from(x.get(r, c)));
    ndarray_npy::write_npy(&npy64, &arr).unwrap();
    let mut outs = Vec::new();
    for (i, f) in [&xf, &header, &ws, &npy64].iter().enumerate() {
        let o = dir.join(format!("Y{i}.csv"));
        simec_ok([
            "transform",
            "--model",
            p(&model),
            "--features",
            p(f),
            "--out",
            p(&o),
        ]);
        outs.push(read(&o));
    }
    for o in &outs[1..] {
        assert_eq!(o.data(), outs[0].data());
    }
}

#[test]
fn evaluate_scores_embeddings_and_models() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let y = Matrix::new(3, 2, vec![1.0, 0.0, 0.0, 1.0, 1.0, 1.0]).unwrap();
    // Y Y^T = [[1,0,1],[0,1,1],[1,1,2]]; S differs by 1 in one entry and has one missing.
    let s = Matrix::new(3, 3, vec![1.0, 0.0, 1.0, 0.0, 1.0, f32::NAN, 1.0, 1.0, 3.0]).unwrap();
    let (yf, sf) = (dir.join("Y.csv"), dir.join("S.csv"));
    write(&yf, &y);
    write(&sf, &s);
    let out = simec_ok(["evaluate", "--embedding", p(&yf), "--similarity", p(&sf)]);
    assert!(out.contains("MSE(Y Y^T, S) = 0.125000"), "{out}"); // 1 / 8 present entries
    assert!(out.contains("entries: 8"), "{out}");
    let y2 = Matrix::new(2, 2, vec![1.0, 2.0, 0.0, 1.0]).unwrap();
    let r = matmul(&y, &common::transpose(&y2));
    let (y2f, rf) = (dir.join("Y2.npy"), dir.join("R.npy"));
    write(&y2f, &y2);
    write(&rf, &r);
    let out = simec_ok([
        "evaluate",
        "--embedding",
        p(&yf),
        "--embedding-2",
        p(&y2f),
        "--similarity",
        p(&rf),
    ]);
    assert!(out.contains("MSE(Y Y2^T, S) = 0\n"), "{out}");
    simec_err(
        ["evaluate", "--embedding", p(&yf), "--similarity", p(&rf)],
        &[p(&rf), "expected 3 x 3"],
    );
}

#[test]
fn bce_with_missing_binary_targets() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut rng = rng(3);
    let (x, s) = clustered(&mut rng, 48, 5);
    // Binary relation "same class", with every 7th entry missing (empty cell).
    let mut text = String::new();
    for r in 0..48 {
        let cells: Vec<String> = (0..48)
            .map(|c| {
                if (r * 48 + c) % 7 == 3 {
                    String::new()
                } else if s.get(r, c) > 0.0 {
                    "1".into()
                } else {
                    "0".into()
                }
            })
            .collect();
        text.push_str(&cells.join(","));
        text.push('\n');
    }
    let (xf, rf) = (dir.join("X.csv"), dir.join("R.csv"));
    write(&xf, &x);
    std::fs::write(&rf, text).unwrap();
    let model = dir.join("m");
    let args = |extra: &[&str]| {
        let mut v: Vec<String> = [
            "fit",
            "--features",
            p(&xf),
            "--targets",
            p(&rf),
            "--embedding-dim",
            "4",
            "--hidden",
            "16",
            "--loss",
            "bce",
            "--epochs",
            "40",
            "--batch-size",
            "8",
            "--lr",
            "0.01",
            "--quiet",
            "--out",
            p(&model),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    simec_err(args(&[]), &[p(&rf), "line 1, column 4", "--allow-missing"]);
    simec_err(
        args(&["--allow-missing", "--output-activation", "linear"]),
        &["sigmoid"],
    );
    simec_ok(args(&["--allow-missing"]));
    let pred = dir.join("P.csv");
    simec_ok([
        "predict",
        "--model",
        p(&model),
        "--features",
        p(&xf),
        "--out",
        p(&pred),
    ]);
    let pred = read(&pred);
    assert!(pred.data().iter().all(|v| (0.0..=1.0).contains(v)));
    let correct = (0..48 * 48)
        .filter(|&i| (pred.data()[i] > 0.5) == (s.data()[i] > 0.0))
        .count();
    assert!(
        correct as f64 / (48.0 * 48.0) > 0.9,
        "accuracy {}",
        correct as f64 / 2304.0
    );
    let loaded = model_dir::load(&model, &burn::prelude::Device::flex()).unwrap();
    assert_eq!(
        loaded.simec.params().loss(),
        simec::Loss::BinaryCrossEntropy
    );
    let n_missing = (0..48 * 48).filter(|i| i % 7 == 3).count();
    assert_eq!(loaded.config.data.missing_targets, n_missing);
}

/// Paper section 2.2, through the command line: R (m1 x m2) of low rank between two kinds of
/// objects. SimEc 1 on (X1, R) gives Y1; SimEc 2 on (X2, R^T) with W_l frozen to Y1^T gives
/// Y2 with Y1 Y2^T ~ R, for the training objects and for new ones.
#[test]
fn rectangular_recipe_recovers_r() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut rng = rng(4);
    let (m1, m2, rank, dim, new) = (80, 60, 3, 6, 20);
    let u1 = random_matrix(&mut rng, m1 + new, rank);
    let u2 = random_matrix(&mut rng, m2 + new, rank);
    let x1_all = matmul(&u1, &random_matrix(&mut rng, rank, dim));
    let x2_all = matmul(&u2, &random_matrix(&mut rng, rank, dim));
    let r_all = matmul(&u1, &common::transpose(&u2));
    let block = |m: &Matrix, r: std::ops::Range<usize>, c: std::ops::Range<usize>| {
        Matrix::from_fn(r.len(), c.len(), |i, j| m.get(r.start + i, c.start + j))
    };
    let files = [
        ("X1.csv", block(&x1_all, 0..m1, 0..dim)),
        ("X2.csv", block(&x2_all, 0..m2, 0..dim)),
        ("R.csv", block(&r_all, 0..m1, 0..m2)),
        ("X1_new.csv", block(&x1_all, m1..m1 + new, 0..dim)),
        ("X2_new.csv", block(&x2_all, m2..m2 + new, 0..dim)),
        ("R_new.csv", block(&r_all, m1..m1 + new, m2..m2 + new)),
    ];
    for (name, m) in &files {
        write(&dir.join(name), m);
    }
    let f = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let common_args = [
        "--embedding-dim",
        "3",
        "--epochs",
        "300",
        "--batch-size",
        "16",
        "--lr",
        "0.01",
        "--quiet",
    ];
    let mut fit1 = vec![
        "fit".to_string(),
        "--features".into(),
        f("X1.csv"),
        "--targets".into(),
        f("R.csv"),
        "--out".into(),
        f("m1"),
        "--embed-out".into(),
        f("Y1.csv"),
    ];
    fit1.extend(common_args.iter().map(|s| s.to_string()));
    simec_ok(&fit1);
    let mut fit2 = vec![
        "fit".to_string(),
        "--features".into(),
        f("X2.csv"),
        "--targets".into(),
        f("R.csv"),
        "--transpose-targets".into(),
        "--frozen-last-layer".into(),
        f("Y1.csv"),
        "--out".into(),
        f("m2"),
        "--embed-out".into(),
        f("Y2.csv"),
    ];
    fit2.extend(common_args.iter().map(|s| s.to_string()));
    simec_ok(&fit2);
    let (y1, y2) = (read(&dir.join("Y1.csv")), read(&dir.join("Y2.csv")));
    let r = &files[2].1;
    let rel = mse(&matmul(&y1, &common::transpose(&y2)), r) / mean_sq(r);
    assert!(rel < 0.02, "training relative error {rel}");
    let info = simec_ok(["info", "--model", &f("m2")]);
    assert!(info.contains("W_l fixed"), "{info}");

    // New objects of both kinds: transform with each model, score Y1_new Y2_new^T vs R_new.
    for (m, x, y) in [
        ("m1", "X1_new.csv", "Y1_new.csv"),
        ("m2", "X2_new.csv", "Y2_new.npy"),
    ] {
        simec_ok([
            "transform",
            "--model",
            &f(m),
            "--features",
            &f(x),
            "--out",
            &f(y),
        ]);
    }
    let out = simec_ok([
        "evaluate",
        "--embedding",
        &f("Y1_new.csv"),
        "--embedding-2",
        &f("Y2_new.npy"),
        "--similarity",
        &f("R_new.csv"),
    ]);
    let y1n = read(&dir.join("Y1_new.csv"));
    let y2n = read(&dir.join("Y2_new.npy"));
    let r_new = &files[5].1;
    let rel_new = mse(&matmul(&y1n, &common::transpose(&y2n)), r_new) / mean_sq(r_new);
    assert!(rel_new < 0.05, "new-pair relative error {rel_new}\n{out}");
}

#[test]
fn every_subcommand_has_help_with_examples() {
    let top = simec_ok(["--help"]);
    assert!(top.contains("Examples:"), "{top}");
    for cmd in ["fit", "transform", "predict", "info", "evaluate"] {
        let h = simec_ok([cmd, "--help"]);
        assert!(h.contains("Examples:"), "{cmd}:\n{h}");
        assert!(h.contains("simec "), "{cmd}:\n{h}");
    }
    let fit = simec_ok(["fit", "--help"]);
    for flag in [
        "--hidden",
        "--s-ll-reg",
        "--s-ll ",
        "--orth-reg",
        "--l2-reg",
        "--l2-reg-emb",
        "--l2-reg-out",
        "--optimizer",
        "--lr",
        "--epochs",
        "--batch-size",
        "--seed",
        "--backend",
        "--loss",
        "--output-activation",
        "--frozen-last-layer",
        "--validation-fraction",
        "--center-features",
        "--allow-missing",
    ] {
        assert!(fit.contains(flag), "fit --help lacks {flag}");
    }
    // The hyperparameter enums list the names simec's FromStr accepts.
    for values in [
        "[possible values: mse, mae, bce]",
        "[possible values: tanh, relu, sigmoid, linear]",
        "[possible values: adamax, adam]",
    ] {
        assert!(fit.contains(values), "fit --help lacks {values}:\n{fit}");
    }
}
