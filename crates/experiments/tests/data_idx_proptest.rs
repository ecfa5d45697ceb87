//! Property tests of the IDX reader: arbitrary bytes never panic, valid files round-trip, and any
//! truncation or extra byte of a valid file is rejected.

use std::path::Path;

use experiments::data::idx::{parse_idx_images, parse_idx_labels};
use proptest::prelude::*;

fn images_file(n: u32, rows: u32, cols: u32, pixels: &[u8]) -> Vec<u8> {
    let mut b = vec![0, 0, 8, 3];
    for v in [n, rows, cols] {
        b.extend_from_slice(&v.to_be_bytes());
    }
    b.extend_from_slice(pixels);
    b
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let p = Path::new("fuzz.idx");
        let _ = parse_idx_images(bytes.clone(), p);
        let _ = parse_idx_labels(bytes, p);
    }

    #[test]
    fn valid_images_round_trip_and_damage_is_rejected(
        n in 0u32..5, rows in 1u32..6, cols in 1u32..6, seed in any::<u8>(), cut in 1usize..8,
    ) {
        let len = (n * rows * cols) as usize;
        let pixels: Vec<u8> = (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect();
        let file = images_file(n, rows, cols, &pixels);
        let img = parse_idx_images(file.clone(), Path::new("ok.idx")).unwrap();
        prop_assert_eq!((img.n, img.rows, img.cols), (n as usize, rows as usize, cols as usize));
        prop_assert_eq!(&img.pixels, &pixels);
        // Truncated: any shorter prefix is an error.
        let short = file[..file.len().saturating_sub(cut)].to_vec();
        prop_assert!(parse_idx_images(short, Path::new("short.idx")).is_err());
        // Trailing bytes are an error.
        let mut long = file.clone();
        long.extend(std::iter::repeat_n(0u8, cut));
        prop_assert!(parse_idx_images(long, Path::new("long.idx")).is_err());
    }

    #[test]
    fn labels_above_nine_are_rejected(labels in proptest::collection::vec(0u8..=12, 1..20)) {
        let mut b = vec![0, 0, 8, 1];
        b.extend_from_slice(&(labels.len() as u32).to_be_bytes());
        b.extend_from_slice(&labels);
        let r = parse_idx_labels(b, Path::new("labels.idx"));
        prop_assert_eq!(r.is_ok(), labels.iter().all(|&l| l <= 9));
    }
}
