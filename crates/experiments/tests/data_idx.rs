//! IDX reader: valid files round-trip (plain and gzip identical), malformed ones are rejected
//! with errors naming the file and the expectation.

mod common;
use common::{gzip, labels_bytes, scratch as temp_dir};

use std::path::{Path, PathBuf};

use experiments::data::idx::{parse_idx_labels, read_uncompressed, sha256_hex};
use experiments::data::{read_idx_images, read_idx_labels, DataError, IdxImages};

fn images_bytes(n: u32, rows: u32, cols: u32) -> Vec<u8> {
    let mut b = Vec::new();
    for v in [2051u32, n, rows, cols] {
        b.extend_from_slice(&v.to_be_bytes());
    }
    b.extend((0..n * rows * cols).map(|i| (i * 7 % 256) as u8));
    b
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn plain_and_gzip_give_identical_images_and_labels() {
    let dir = temp_dir("roundtrip");
    let img = images_bytes(3, 4, 5);
    let lab = labels_bytes(&[3, 0, 9]);
    let ip = write(&dir, "img", &img);
    let igz = write(&dir, "img.gz", &gzip(&img));
    let lp = write(&dir, "lab", &lab);
    let lgz = write(&dir, "lab.gz", &gzip(&lab));

    let a = read_idx_images(&ip).unwrap();
    let b = read_idx_images(&igz).unwrap();
    assert_eq!(a, b);
    assert_eq!(
        a,
        IdxImages {
            n: 3,
            rows: 4,
            cols: 5,
            pixels: img[16..].to_vec()
        }
    );
    assert_eq!(read_idx_labels(&lp).unwrap(), vec![3, 0, 9]);
    assert_eq!(read_idx_labels(&lgz).unwrap(), vec![3, 0, 9]);
    // Uncompressed bytes (what the SHA-256 is checked on) agree too.
    assert_eq!(read_uncompressed(&igz).unwrap(), img);
    assert_eq!(read_uncompressed(&ip).unwrap(), img);
}

#[test]
fn truncated_payload_is_rejected_plain_and_gzip() {
    let dir = temp_dir("trunc");
    let mut img = images_bytes(2, 3, 3);
    img.pop();
    for p in [write(&dir, "img", &img), write(&dir, "img.gz", &gzip(&img))] {
        let err = read_idx_images(&p).unwrap_err();
        match &err {
            DataError::SizeMismatch {
                path,
                dims,
                expected,
                actual,
                ..
            } => {
                assert_eq!(path, &p);
                assert_eq!(dims, &vec![2, 3, 3]);
                assert_eq!((*expected, *actual), (18, 17));
            }
            other => panic!("expected SizeMismatch, got {other:?}"),
        }
        let msg = err.to_string();
        assert!(msg.contains("truncated"), "{msg}");
        assert!(msg.contains(&p.display().to_string()), "{msg}");
    }
}

#[test]
fn truncated_header_is_rejected() {
    let dir = temp_dir("hdr");
    let p = write(&dir, "img", &images_bytes(1, 1, 1)[..10]);
    assert!(matches!(
        read_idx_images(&p),
        Err(DataError::TruncatedHeader {
            len: 10,
            header: 16,
            ..
        })
    ));
    let p = write(&dir, "lab", &[0, 0, 8]);
    assert!(matches!(
        read_idx_labels(&p),
        Err(DataError::TruncatedHeader {
            len: 3,
            header: 8,
            ..
        })
    ));
}

#[test]
fn trailing_bytes_are_rejected() {
    let dir = temp_dir("trail");
    let mut lab = labels_bytes(&[1, 2]);
    lab.push(0);
    let p = write(&dir, "lab", &lab);
    let err = read_idx_labels(&p).unwrap_err();
    assert!(
        matches!(
            err,
            DataError::SizeMismatch {
                expected: 2,
                actual: 3,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("trailing bytes"), "{err}");
}

#[test]
fn wrong_magic_is_rejected() {
    let dir = temp_dir("magic");
    let lab = write(&dir, "lab", &labels_bytes(&[1]));
    let img = write(&dir, "img", &images_bytes(1, 2, 2));
    match read_idx_images(&lab).unwrap_err() {
        DataError::BadMagic {
            path,
            expected,
            found,
            ..
        } => {
            assert_eq!(path, lab);
            assert_eq!((expected, found), (2051, 2049));
        }
        other => panic!("expected BadMagic, got {other:?}"),
    }
    assert!(matches!(
        read_idx_labels(&img),
        Err(DataError::BadMagic {
            expected: 2049,
            found: 2051,
            ..
        })
    ));
}

#[test]
fn corrupt_gzip_is_rejected() {
    let dir = temp_dir("gz");
    let img = images_bytes(4, 8, 8);
    let gz = gzip(&img);
    // Flip bits in the deflate body.
    let mut bad = gz.clone();
    for b in &mut bad[12..20] {
        *b ^= 0xa5;
    }
    // Cut the stream short (loses the CRC/length trailer and part of the body).
    let short = &gz[..gz.len() / 2];
    // Valid body, wrong CRC.
    let mut bad_crc = gz.clone();
    let n = bad_crc.len();
    bad_crc[n - 8] ^= 0xff;
    for (name, bytes) in [
        ("flip.gz", &bad[..]),
        ("short.gz", short),
        ("crc.gz", &bad_crc[..]),
    ] {
        let p = write(&dir, name, bytes);
        match read_idx_images(&p) {
            Err(DataError::Gzip { path, .. }) => assert_eq!(path, p),
            other => panic!("{name}: expected a Gzip error, got {other:?}"),
        }
    }
}

#[test]
fn label_above_nine_is_rejected() {
    let dir = temp_dir("label");
    let p = write(&dir, "lab", &labels_bytes(&[0, 9, 10, 3]));
    match read_idx_labels(&p).unwrap_err() {
        DataError::BadLabel { path, index, value } => {
            assert_eq!((path, index, value), (p, 2, 10));
        }
        other => panic!("expected BadLabel, got {other:?}"),
    }
    assert!(parse_idx_labels(labels_bytes(&[255]), Path::new("x")).is_err());
}

#[test]
fn missing_file_is_an_io_error_naming_it() {
    let p = temp_dir("missing").join("nope");
    let err = read_idx_labels(&p).unwrap_err();
    assert!(matches!(err, DataError::Io { .. }));
    assert!(err.to_string().contains(&p.display().to_string()));
}

#[test]
fn sha256_hex_matches_known_vector() {
    // FIPS 180-2 test vector "abc".
    assert_eq!(
        sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}
