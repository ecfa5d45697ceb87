//! MNIST loading and the paper's exact subsets.
//!
//! - [`idx`]: IDX reader (plain or gzipped) and SHA-256 of uncompressed content.
//! - [`mnist`]: data-directory resolution, verified loading, the paper's row order.
//! - [`download`]: fetching MNIST with `curl` when no directory holds it.
//! - [`diagnose`]: why a file is not the standard one; near-miss file names.
//! - [`numpy_rng`]: NumPy's legacy `RandomState` (MT19937 permutation, uniform doubles).
//! - [`subset`]: the main 8,000/2,000 split and "MNIST 0/7".

pub mod diagnose;
pub mod download;
mod error;
pub mod idx;
pub mod mnist;
pub mod numpy_rng;
pub mod subset;

pub use diagnose::{diagnose_mismatch, near_misses};
pub use download::{Downloader, DEFAULT_MIRRORS, MIRROR_ENV};
pub use error::{DataError, SearchedDir};
pub use idx::{read_idx_images, read_idx_labels, read_uncompressed, sha256_hex, IdxImages};
pub use mnist::{find_or_download, load_mnist, mnist_dir, resolve_data_dir, Mnist};
pub use numpy_rng::{numpy_permutation, NumpyRandomState};
pub use subset::{mnist_0_7, paper_main_split, paper_main_split_sized, PaperSplit, ZeroSeven};
