//! One module per paper figure; [`runner`] holds what they share.

pub mod fig3;
pub mod fig4_lambda;
pub mod fig4_missing;
pub mod fig4_targets;
pub mod fig5_simpson;
pub mod fig6_nonmetric;
pub mod fig7_s1s2;
pub mod mean_filled;
pub mod rbf;
pub mod runner;
pub mod simpson;
