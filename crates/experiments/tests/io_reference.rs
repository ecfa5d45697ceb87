//! The paper's reference numbers and the comparison table.

use std::fs;
use std::path::PathBuf;

use experiments::reference::{compare, default_reference_path, is_within, load_reference, RefRow};
use experiments::results::ResultRow;

fn ours(figure: &str, series: &str, x: f64, mse: f64) -> ResultRow {
    ResultRow {
        figure: figure.into(),
        series: series.into(),
        x_name: "d".into(),
        x,
        mse,
        seed: 0,
        replicate: 0,
        backend: "flex".into(),
        wall_s: 0.0,
    }
}

fn paper(figure: &str, series: &str, x: f64, mse: f64) -> RefRow {
    RefRow {
        figure: figure.into(),
        series: series.into(),
        x_name: "d".into(),
        x,
        mse,
    }
}

#[test]
fn loads_the_papers_numbers() {
    let rows = load_reference(&default_reference_path()).unwrap();
    assert_eq!(rows.len(), 340);
    assert_eq!(rows.iter().filter(|r| r.figure == "fig3").count(), 90);
    let first = &rows[0];
    assert_eq!(
        (
            first.figure.as_str(),
            first.series.as_str(),
            first.x_name.as_str()
        ),
        ("fig3", "eigendecomposition_train", "embedding_dim")
    );
    assert_eq!((first.x, first.mse), (2.0, 0.0664195));
    assert!(rows.iter().any(|r| r.mse == 5.60426e-27));
}

#[test]
fn compare_counts_within_and_missing() {
    let paper_rows = vec![
        paper("fig3", "a", 1.0, 0.1),
        paper("fig3", "a", 2.0, 0.2),
        paper("fig3", "b", 1.0, 0.05),
        paper("fig3", "c", 0.3, 1e-27),
        paper("fig4_lambda", "a", 1.0, 0.1),
    ];
    let our_rows = vec![
        ours("fig3", "a", 1.0, 0.11),       // +10%: within 20%
        ours("fig3", "a", 2.0, 0.4),        // doubled: not within
        ours("fig3", "c", 0.1 * 3.0, 1e-3), // below the 0.003 floor
        ours("fig3", "d", 1.0, 0.3),        // not in the paper
        ours("fig4_lambda", "a", 1.0, 9.0), // other figure: ignored
    ];
    let c = compare(&our_rows, &paper_rows, "fig3", 0.2, 0.003);
    assert_eq!(c.compared(), 3);
    assert_eq!(c.within_count(), 2);
    assert!(!c.all_within());
    assert_eq!(c.missing_ours, vec![("b".to_string(), 1.0)]);
    assert_eq!(c.missing_paper, vec![("d".to_string(), 1.0)]);
    let doubled = c.points.iter().find(|p| p.x == 2.0).unwrap();
    assert!(!doubled.within);
    assert!((doubled.ratio - 2.0).abs() < 1e-12);

    let text = c.to_string();
    assert!(
        text.contains("fig3: 2/3 within max(20% rel, 0.003 abs)"),
        "{text}"
    );
    assert!(text.contains("missing result: b x=1"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("a ") && l.ends_with("OFF")),
        "{text}"
    );

    // Everything present and close: all within.
    let good = vec![
        ours("fig3", "a", 1.0, 0.1),
        ours("fig3", "a", 2.0, 0.2),
        ours("fig3", "b", 1.0, 0.05),
        ours("fig3", "c", 0.3, 0.0),
    ];
    assert!(compare(&good, &paper_rows, "fig3", 0.2, 0.003).all_within());
}

#[test]
fn tolerance_rule() {
    assert!(is_within(0.12, 0.1, 0.2, 0.0));
    assert!(!is_within(0.1201, 0.1, 0.2, 0.0));
    assert!(is_within(0.003, 0.0, 0.2, 0.003));
    assert!(!is_within(f64::NAN, 0.1, 0.2, 0.003));
}

#[test]
fn malformed_reference_names_file_and_line() {
    let dir: PathBuf = std::env::temp_dir().join(format!("simec-io-ref-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join("paper_bad.csv");
    fs::write(
        &path,
        "figure,series,x_name,x,mse\nfig3,a,d,2,0.1\nfig3,a,d,two,0.1\n",
    )
    .unwrap();
    let msg = load_reference(&path).unwrap_err().to_string();
    assert!(
        msg.contains("paper_bad.csv") && msg.contains("line 3"),
        "{msg}"
    );
    let missing = dir.join("nope.csv");
    let msg = load_reference(&missing).unwrap_err().to_string();
    assert!(msg.contains("nope.csv"), "{msg}");
}
