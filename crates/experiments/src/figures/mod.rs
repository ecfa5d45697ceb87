//! One module per paper figure, each an implementation of [`sweep::Figure`]; [`runner`] runs any
//! of them (with its replicates, `replicates`), [`sweep`] holds the typed series ids and tasks,
//! [`panel`] draws line panels, [`shard`] splits a sweep for array jobs (`--shard`, `--merge`).

pub mod fig3;
pub mod fig4_lambda;
pub mod fig4_missing;
pub mod fig4_targets;
pub mod fig5_simpson;
pub mod fig6_nonmetric;
pub mod fig7_s1s2;
mod figure_run;
pub mod mean_filled;
mod merge;
pub mod panel;
mod printout;
pub mod rbf;
mod replicates;
pub mod resume;
pub mod runner;
pub mod scoring;
pub mod shard;
pub mod simpson;
pub mod sweep;

pub use replicates::replicate_tasks;
pub use runner::{main, run_figure};
