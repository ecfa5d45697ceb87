//! `simec fit --s-ll-rank / --s-ll-residual`: the S_ll term on the eigenpairs of largest |lambda|.

mod common;

use std::path::Path;

use common::*;

/// Writes an `m`-point clustered data set (S: the centered class-label similarity of 4 classes,
/// rank 3) into `dir` and returns the `simec fit` command line for it with `extra` options.
fn fit_command(dir: &Path, m: usize, extra: &[&str]) -> Vec<String> {
    let (x, s) = clustered(&mut rng(3), m, 5);
    let (xf, sf) = (dir.join("X.csv"), dir.join("S.csv"));
    write(&xf, &x);
    write(&sf, &s);
    let base = [
        "fit",
        "--features",
        p(&xf),
        "--targets",
        p(&sf),
        "--embedding-dim",
        "2",
        "--hidden",
        "8:tanh",
        "--epochs",
        "5",
        "--batch-size",
        "8",
        "--lr",
        "0.01",
        "--seed",
        "5",
        "--quiet",
        "--force",
    ];
    base.iter().chain(extra).map(|a| a.to_string()).collect()
}

#[test]
fn exact_low_rank_s_ll_fits_like_dense_and_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let fit = |name: &str, extra: &[&str]| {
        let (out, y) = (dir.join(name), dir.join(format!("{name}.csv")));
        let mut args = vec!["--s-ll-reg", "2", "--out", p(&out), "--embed-out", p(&y)];
        args.extend_from_slice(extra);
        let stdout = simec_ok(fit_command(dir, 40, &args));
        (stdout, read(&y))
    };
    let (dense_out, y_dense) = fit("dense", &[]);
    let (low_out, y_low) = fit("low", &["--s-ll-residual", "1e-6"]);
    assert!(
        dense_out.contains("S_ll: first 40 rows of the targets"),
        "{dense_out}"
    );
    assert!(dense_out.contains("dense"), "{dense_out}");
    assert!(low_out.contains("rank 3 of 40"), "{low_out}");
    let config = std::fs::read_to_string(dir.join("low").join("config.toml")).unwrap();
    assert!(config.contains("rank 3 of 40"), "{config}");
    let scale = mean_sq(&y_dense);
    assert!(
        mse(&y_low, &y_dense) <= 1e-8 * scale,
        "embeddings differ: mse {} vs mean square {scale}",
        mse(&y_low, &y_dense)
    );
    // A truncation below the rank changes the objective, so the embedding moves.
    let (_, y_cut) = fit("cut", &["--s-ll-rank", "1"]);
    assert!(mse(&y_cut, &y_dense) > 1e-6 * scale);
}

#[test]
fn bad_s_ll_choices_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let out = dir.join("m");
    let with = |extra: &[&str]| {
        let mut args = vec!["--out", p(&out)];
        args.extend_from_slice(extra);
        fit_command(dir, 12, &args)
    };
    simec_err(with(&["--s-ll-rank", "2"]), &["--s-ll-reg"]);
    simec_err(
        with(&[
            "--s-ll-reg",
            "1",
            "--s-ll-rank",
            "2",
            "--s-ll-residual",
            "1e-6",
        ]),
        &["--s-ll-residual", "cannot be used with"],
    );
    simec_err(
        with(&["--s-ll-reg", "1", "--s-ll-rank", "0"]),
        &["rank must be at least 1"],
    );
    simec_err(
        with(&["--s-ll-reg", "1", "--s-ll-residual", "1.5"]),
        &["[0, 1)"],
    );
    simec_err(
        with(&["--s-ll-reg", "1", "--s-ll-rank", "13"]),
        &["S_ll rank = 13", "1..=12"],
    );
}
