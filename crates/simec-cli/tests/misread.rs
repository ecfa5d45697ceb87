//! No table is silently misread: each case here was read wrongly with exit status 0 (a row
//! dropped, merged or invented, a column added, or a number printed as 0) before the reader
//! learnt it.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use simec_cli::table::{Header, Table, TableError};

fn write_bytes(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn a_byte_order_mark_does_not_turn_the_first_row_into_a_header() {
    let tmp = tempfile::tempdir().unwrap();
    let f = write_bytes(tmp.path(), "bom.csv", b"\xef\xbb\xbf1\n2\n3\n4\n");
    let t = Table::read(&f).unwrap();
    assert!(t.header.is_none());
    assert_eq!(t.matrix.data(), &[1.0, 2.0, 3.0, 4.0]);
    let f = write_bytes(tmp.path(), "bom2.csv", b"\xef\xbb\xbfa,b\n1,2\n");
    let t = Table::read(&f).unwrap();
    assert_eq!(t.header, Some(vec!["a".to_string(), "b".to_string()]));
}

#[test]
fn trailing_delimiters_are_an_error_not_an_extra_column() {
    let tmp = tempfile::tempdir().unwrap();
    let names: Vec<String> = (1..=40).map(|i| format!("t{i}")).collect();
    let row: Vec<String> = (1..=40).map(|i| format!("{}", i % 3)).collect();
    let text = format!(
        "{}\n{},\n{},\n",
        names.join(","),
        row.join(","),
        row.join(",")
    );
    let f = write_bytes(tmp.path(), "trail.csv", text.as_bytes());
    match Table::read(&f).unwrap_err() {
        e @ TableError::HeaderWidth {
            line: 2,
            found: 41,
            names: 40,
            ..
        } => assert!(e.to_string().contains("trailing"), "{e}"),
        e => panic!("{e}"),
    }
    // Without a header, a last column empty in every row is the same fault.
    let f = write_bytes(tmp.path(), "trail2.csv", b"1,2,\n3,4,\n");
    match Table::read(&f).unwrap_err() {
        e @ TableError::EmptyColumn { col: 3, .. } => {
            assert!(e.to_string().contains("trail2.csv: column 3"), "{e}")
        }
        e => panic!("{e}"),
    }
    // A column with some values is data with missing cells.
    let f = write_bytes(tmp.path(), "partly.csv", b"1,2,\n3,4,5\n");
    assert_eq!(Table::read(&f).unwrap().cols(), 3);
}

#[test]
fn lone_carriage_returns_end_rows_of_whitespace_text() {
    let tmp = tempfile::tempdir().unwrap();
    let f = write_bytes(tmp.path(), "mac.txt", b"1 0\r0 1\r1 1\r");
    let t = Table::read(&f).unwrap();
    assert_eq!((t.rows(), t.cols()), (3, 2));
    assert_eq!(t.matrix.data(), &[1.0, 0.0, 0.0, 1.0, 1.0, 1.0]);
    let f = write_bytes(tmp.path(), "mixed.txt", b"1 0\r\n0 1\r1 1\n");
    assert_eq!(Table::read(&f).unwrap().rows(), 3);
}

#[test]
fn an_npz_archive_is_named_with_how_to_save_a_npy() {
    let tmp = tempfile::tempdir().unwrap();
    let f = write_bytes(
        tmp.path(),
        "X.npz",
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00\xff\xfe",
    );
    let e = Table::read(&f).unwrap_err().to_string();
    assert!(
        e.contains("X.npz") && e.contains(".npz") && e.contains("numpy.save"),
        "{e}"
    );
    let f = write_bytes(tmp.path(), "X.csv.gz", b"\x1f\x8b\x08\x00\xff");
    assert!(Table::read(&f).unwrap_err().to_string().contains("gzip"));
}

#[test]
fn a_cell_that_is_not_utf8_names_its_column_from_1() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        ("c.csv", &b"1,2\n3,\xff\n"[..]),
        ("w.txt", &b"1 2\n3 \xff\n"[..]),
    ] {
        let f = write_bytes(tmp.path(), name, bytes);
        match Table::read(&f).unwrap_err() {
            e @ TableError::NotUtf8 {
                line: 2, col: 2, ..
            } => assert!(e.to_string().contains("line 2, column 2"), "{e}"),
            e => panic!("{name}: {e}"),
        }
    }
}

#[test]
fn the_header_rule_can_be_given() {
    let tmp = tempfile::tempdir().unwrap();
    let f = write_bytes(tmp.path(), "names.csv", b"a,b\n1,2\n");
    assert!(matches!(
        Table::read_with(&f, Header::Absent).unwrap_err(),
        TableError::Parse {
            line: 1,
            col: 1,
            ..
        }
    ));
    let f = write_bytes(tmp.path(), "numbers.csv", b"10,20\n1,2\n");
    let t = Table::read_with(&f, Header::Present).unwrap();
    assert_eq!((t.rows(), t.matrix.data()), (1, &[1.0f32, 2.0][..]));
    assert_eq!(Table::read(&f).unwrap().rows(), 2);
}

/// Fits a 1-d linear SimEc on 4 points of one feature; returns the model directory.
fn fit_one_feature(dir: &Path) -> PathBuf {
    let x = write_bytes(dir, "X.csv", b"1\n2\n3\n4\n");
    let t = write_bytes(dir, "T.csv", b"1,0\n0,1\n1,1\n0,0\n");
    let model = dir.join("model");
    simec_ok([
        "fit",
        "--features",
        p(&x),
        "--targets",
        p(&t),
        "--embedding-dim",
        "1",
        "--epochs",
        "1",
        "--quiet",
        "--out",
        p(&model),
    ]);
    model
}

#[test]
fn transform_writes_one_row_per_point_of_a_bom_file() {
    let tmp = tempfile::tempdir().unwrap();
    let model = fit_one_feature(tmp.path());
    let bom = write_bytes(tmp.path(), "bom.csv", b"\xef\xbb\xbf1\n2\n3\n4\n");
    let out = tmp.path().join("Y.csv");
    simec_ok([
        "transform",
        "--model",
        p(&model),
        "--features",
        p(&bom),
        "--out",
        p(&out),
    ]);
    assert_eq!(read(&out).rows(), 4);
}

#[test]
fn a_detected_header_is_reported_and_no_header_refuses_it() {
    let tmp = tempfile::tempdir().unwrap();
    let model = fit_one_feature(tmp.path());
    let named = write_bytes(tmp.path(), "named.csv", b"x\n1\n2\n");
    let out = tmp.path().join("Y.csv");
    let args = [
        "transform",
        "--model",
        p(&model),
        "--features",
        p(&named),
        "--out",
        p(&out),
    ];
    let r = simec(args);
    assert!(r.ok, "{}", r.stderr);
    assert!(
        r.stderr.contains("named.csv: the first row"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("--no-header"), "{}", r.stderr);
    assert_eq!(read(&out).rows(), 2);
    let r = simec(args.iter().chain(&["--header"]));
    assert!(r.ok && !r.stderr.contains("first row"), "{}", r.stderr);
    simec_err(
        args.iter().chain(&["--no-header"]),
        &["named.csv: line 1, column 1", "\"x\""],
    );
}

#[test]
fn fit_refuses_trailing_commas_even_with_allow_missing() {
    let tmp = tempfile::tempdir().unwrap();
    let x = write_bytes(tmp.path(), "X.csv", b"1,0\n0,1\n1,1\n");
    let names: Vec<String> = (1..=40).map(|i| format!("t{i}")).collect();
    let row = ["0.5"; 40].join(",");
    let text = format!("{}\n{row},\n{row},\n{row},\n", names.join(","));
    let t = write_bytes(tmp.path(), "T.csv", text.as_bytes());
    let out = tmp.path().join("m");
    let stderr = simec_err(
        [
            "fit",
            "--features",
            p(&x),
            "--targets",
            p(&t),
            "--embedding-dim",
            "2",
            "--allow-missing",
            "--epochs",
            "1",
            "--out",
            p(&out),
        ],
        &["T.csv: line 2 has 41 columns", "names 40", "trailing"],
    );
    assert!(!stderr.contains("--allow-missing"), "{stderr}");
}

#[test]
fn evaluate_prints_a_tiny_mse_with_significant_digits() {
    let tmp = tempfile::tempdir().unwrap();
    let y = write_bytes(tmp.path(), "Y.csv", "1\n".repeat(10).as_bytes());
    let row = ["1.0001"; 10].join(",");
    let s = write_bytes(
        tmp.path(),
        "S.csv",
        format!("{row}\n").repeat(10).as_bytes(),
    );
    let out = simec_ok(["evaluate", "--embedding", p(&y), "--similarity", p(&s)]);
    let mse_line = out.lines().next().unwrap();
    let value: f64 = mse_line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!((value - 1e-8).abs() < 1e-10, "{out}");
    assert!(
        mse_line.contains("e-8") && !out.contains("0.000000"),
        "{out}"
    );
    assert!(out.contains("(MSE of predicting 0): 1.00020"), "{out}");
}
