//! Matrix files: CSV / TSV / whitespace / NPY round trips, header detection, missing values.

mod common;

use common::*;
use simec::Matrix;
use simec_cli::table::{write_matrix, Missing, Table, TableError};

#[test]
fn csv_tsv_and_npy_round_trip_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let mut rng = rng(11);
    let mut m = random_matrix(&mut rng, 7, 5).into_data();
    m[0] = 1e-30;
    m[1] = -3.4e38;
    m[2] = f32::NAN;
    m[3] = 0.1;
    let m = Matrix::new(7, 5, m).unwrap();
    for name in ["a.csv", "a.tsv", "a.npy", "a.out"] {
        let path = tmp.path().join(name);
        write_matrix(&path, &m).unwrap();
        let back = Table::read(&path).unwrap();
        assert_eq!((back.rows(), back.cols()), (7, 5), "{name}");
        for (x, y) in back.matrix.data().iter().zip(m.data()) {
            assert!(
                x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()),
                "{name}"
            );
        }
        assert!(back.header.is_none());
    }
    // .npy output is float32 with NumPy's header.
    let bytes = std::fs::read(tmp.path().join("a.npy")).unwrap();
    assert!(bytes.starts_with(b"\x93NUMPY"));
    assert!(String::from_utf8_lossy(&bytes[..128]).contains("'<f4'"));
}

#[test]
fn npy_f64_fortran_and_1d_inputs() {
    let tmp = tempfile::tempdir().unwrap();
    let a64 = ndarray::Array2::from_shape_fn((3, 4), |(r, c)| (r * 10 + c) as f64 + 0.5);
    let p64 = tmp.path().join("f64.npy");
    ndarray_npy::write_npy(&p64, &a64).unwrap();
    let t = Table::read(&p64).unwrap();
    assert_eq!(t.matrix.row(2), &[20.5, 21.5, 22.5, 23.5]);
    // Fortran order.
    let mut f = ndarray::Array2::<f64>::zeros(ndarray::ShapeBuilder::f((3, 4)));
    f.assign(&a64);
    assert!(!f.is_standard_layout());
    let pf = tmp.path().join("fortran.npy");
    ndarray_npy::write_npy(&pf, &f).unwrap();
    assert_eq!(Table::read(&pf).unwrap().matrix.data(), t.matrix.data());
    // 1-d arrays are one column, f32 or f64.
    let p1 = tmp.path().join("v.npy");
    ndarray_npy::write_npy(&p1, &ndarray::arr1(&[1.0f64, 2.0, 3.0])).unwrap();
    let v = Table::read(&p1).unwrap();
    assert_eq!((v.rows(), v.cols()), (3, 1));
    ndarray_npy::write_npy(&p1, &ndarray::arr1(&[1.0f32, 2.0])).unwrap();
    assert_eq!(Table::read(&p1).unwrap().matrix.data(), &[1.0, 2.0]);
    // Unsupported dtype and rank name the file.
    let pi = tmp.path().join("int.npy");
    ndarray_npy::write_npy(&pi, &ndarray::arr2(&[[1i64, 2], [3, 4]])).unwrap();
    let e = Table::read(&pi).unwrap_err().to_string();
    assert!(e.contains("int.npy") && e.contains("float32"), "{e}");
    let p3 = tmp.path().join("cube.npy");
    ndarray_npy::write_npy(&p3, &ndarray::Array3::<f32>::zeros((2, 2, 2))).unwrap();
    let e = Table::read(&p3).unwrap_err().to_string();
    assert!(e.contains("cube.npy") && e.contains("3 dimensions"), "{e}");
    // Truncated file.
    let bytes = std::fs::read(&p64).unwrap();
    let pt = tmp.path().join("trunc.npy");
    std::fs::write(&pt, &bytes[..bytes.len() - 5]).unwrap();
    let e = Table::read(&pt).unwrap_err().to_string();
    assert!(e.contains("trunc.npy"), "{e}");
}

#[test]
fn text_headers_delimiters_comments_and_missing_cells() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        ("h.csv", "x,y,z\n1,2,3\n4,,6\n", true),
        ("q.csv", "\"a\",\"b\",\"c\"\r\n1,2,3\r\n4,NaN,6\r\n", true),
        ("t.tsv", "# comment\n1\t2\t3\n\n4\tnan\t6\n", false),
        ("s.txt", "1 2  3\n  4 NaN 6  \n", false),
        ("semi.csv", "1;2;3\n4;;6\n", false),
    ];
    for (name, text, header) in cases {
        let path = tmp.path().join(name);
        std::fs::write(&path, text).unwrap();
        let t = Table::read(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!((t.rows(), t.cols()), (2, 3), "{name}");
        assert_eq!(t.header.is_some(), header, "{name}");
        assert_eq!(t.matrix.row(0), &[1.0, 2.0, 3.0], "{name}");
        assert!(t.matrix.get(1, 1).is_nan(), "{name}");
        assert_eq!(t.check_values("targets", Missing::Allow).unwrap(), 1);
        let e = t
            .check_values("targets", Missing::Error("pass --allow-missing"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(name) && e.contains("column 2") && e.contains("--allow-missing"),
            "{e}"
        );
    }
    // Locations count header and comment lines.
    let path = tmp.path().join("loc.csv");
    std::fs::write(&path, "# c\na,b\n1,2\n3,inf\n").unwrap();
    let t = Table::read(&path).unwrap();
    let e = t.check_values("features", Missing::Allow).unwrap_err();
    assert!(e.to_string().contains("line 4, column 2"), "{e}");
}

#[test]
fn text_errors_name_file_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = tmp.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let p = write("ragged.csv", "1,2,3\n4,5,6\n7,8\n");
    match Table::read(&p).unwrap_err() {
        e @ TableError::Ragged {
            line: 3,
            found: 2,
            expected: 3,
            ..
        } => assert!(e.to_string().contains("ragged.csv: line 3 has 2 columns")),
        e => panic!("{e}"),
    }
    let p = write("text.csv", "h1,h2\n1,2\n3,abc\n");
    match Table::read(&p).unwrap_err() {
        e @ TableError::Parse {
            line: 3, col: 2, ..
        } => {
            let s = e.to_string();
            assert!(
                s.contains("text.csv: line 3, column 2") && s.contains("\"abc\""),
                "{s}"
            );
        }
        e => panic!("{e}"),
    }
    // A first row mixing numbers and text is data with a bad cell, not a header.
    let p = write("mixed.csv", "1,x\n2,3\n");
    assert!(matches!(
        Table::read(&p).unwrap_err(),
        TableError::Parse {
            line: 1,
            col: 2,
            ..
        }
    ));
    for (name, text) in [
        ("empty.csv", ""),
        ("header_only.csv", "a,b\n"),
        ("comments.csv", "# x\n\n"),
    ] {
        let p = write(name, text);
        let e = Table::read(&p).unwrap_err();
        assert!(matches!(e, TableError::Empty { .. }), "{name}: {e}");
        assert!(e.to_string().contains(name));
    }
    let e = Table::read(tmp.path().join("missing.csv")).unwrap_err();
    assert!(matches!(e, TableError::Io { .. }));
    assert!(e.to_string().contains("missing.csv"), "{e}");
    let p = tmp.path().join("bin.csv");
    std::fs::write(&p, [0xffu8, 0xfe, b',', b'1', b'\n']).unwrap();
    assert!(Table::read(&p).unwrap_err().to_string().contains("bin.csv"));
}
