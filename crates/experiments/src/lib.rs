//! Replication harness for "Predicting pairwise relations with neural similarity encoders"
//! (Horn & Müller, 2018).
//!
//! Data flow (one direction only): [`data`] (MNIST, paper subsets) -> [`similarity`] (target
//! matrices) -> `simec` / `baselines` (models) -> metrics -> [`results`] (CSV + metadata) ->
//! [`plot`] (figures) and [`reference`] (comparison with the paper's printed numbers).
//! [`figures`] wires these together, one module per paper figure, configured by
//! `experiments/<figure>.toml` ([`config`]) and the shared command line ([`cli`]). Beneath them
//! all, [`root`] finds the project root that configs, data, results and figures belong to.

// Functions stay under 80 lines (clippy.toml); the limit is for the sources, not the tests.
#![warn(clippy::too_many_lines)]

pub mod bench;
pub mod cli;
pub mod config;
pub mod convert;
pub mod data;
pub mod figures;
pub mod plot;
pub mod reference;
pub mod regression;
pub mod report;
pub mod results;
pub mod root;
pub mod similarity;
pub mod sll;
