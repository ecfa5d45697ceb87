//! `compare REF NEW` (the regression check) exits non-zero on drift: a doubled value, a missing
//! series, a missing point; identical files pass. Uses the real `experiments/regression.toml`.

use std::path::PathBuf;
use std::process::Command;

const HEADER: &str = "figure,series,x_name,x,mse,seed,backend,wall_s\n";

fn rows(skip_series: Option<&str>, skip_x: Option<f64>, double: Option<(&str, f64)>) -> String {
    let mut s = String::from(HEADER);
    for series in [
        "eigendecomposition_train",
        "simec_2hl_train",
        "simec_2hl_test",
    ] {
        if Some(series) == skip_series {
            continue;
        }
        for (i, x) in [2.0, 5.0, 10.0].into_iter().enumerate() {
            if Some(x) == skip_x && series == "simec_2hl_test" {
                continue;
            }
            let mut mse = 0.07 - 0.01 * i as f64;
            if double == Some((series, x)) {
                mse *= 2.0;
            }
            s.push_str(&format!(
                "fig3,{series},embedding_dim,{x},{mse},1,flex-cpu,1.5\n"
            ));
        }
    }
    s
}

fn dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("simec-compare-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn compare(reference: &str, new: &str, name: &str) -> (i32, String) {
    let d = dir();
    let (r, n) = (
        d.join(format!("{name}-ref.csv")),
        d.join(format!("{name}-new.csv")),
    );
    std::fs::write(&r, reference).unwrap();
    std::fs::write(&n, new).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_compare"))
        .arg(&r)
        .arg(&n)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn identical_files_pass() {
    let (code, out) = compare(&rows(None, None, None), &rows(None, None, None), "same");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("9 points compared") && out.contains(", 0 drifting: OK"),
        "{out}"
    );
}

#[test]
fn doubled_value_is_drift() {
    let (code, out) = compare(
        &rows(None, None, None),
        &rows(None, None, Some(("simec_2hl_train", 5.0))),
        "double",
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("simec_2hl_train") && out.contains("moved beyond tolerance"),
        "{out}"
    );
    assert!(out.contains("+100.00%"), "{out}");
}

#[test]
fn missing_series_is_drift() {
    let (code, out) = compare(
        &rows(None, None, None),
        &rows(Some("simec_2hl_test"), None, None),
        "series",
    );
    assert_eq!(code, 1, "{out}");
    assert_eq!(out.matches("missing in new results").count(), 3, "{out}");
}

#[test]
fn missing_point_is_drift_on_either_side() {
    let (code, out) = compare(
        &rows(None, None, None),
        &rows(None, Some(10.0), None),
        "point",
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("missing in new results"), "{out}");
    let (code, out) = compare(
        &rows(None, Some(10.0), None),
        &rows(None, None, None),
        "point2",
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("missing in reference"), "{out}");
}

#[test]
fn unreadable_input_is_an_error_naming_the_file() {
    let (code, out) = compare(
        &rows(None, None, None),
        "figure,series\nnot,a,valid,row\n",
        "bad",
    );
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("bad-new.csv"), "{out}");
}
