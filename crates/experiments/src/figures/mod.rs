//! One module per paper figure; [`runner`] holds what they share.

pub mod fig3;
pub mod runner;
