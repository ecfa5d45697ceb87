//! What a figure run prints about its results: the comparison with the paper's numbers, or the
//! rows themselves.

use anyhow::Result;

use crate::reference;
use crate::report::ReplicationTolerance;
use crate::results::ResultRow;

/// Prints the comparison with the paper's numbers (paper profile of a figure the paper prints
/// numbers for) or the rows.
///
/// # Errors
/// The tolerance or reference file is unreadable.
pub(super) fn print_results(
    figure: &str,
    profile: &str,
    has_paper_numbers: bool,
    rows: &[ResultRow],
) -> Result<()> {
    if profile == "paper" && has_paper_numbers {
        let tolerance = ReplicationTolerance::load(&ReplicationTolerance::default_path())?;
        let paper = reference::load_reference(&reference::default_reference_path())?;
        let floor = tolerance.abs_floor.get(figure).copied().unwrap_or(0.0);
        println!(
            "{}",
            reference::compare(rows, &paper, figure, tolerance.rel, floor)
        );
        return Ok(());
    }
    if has_paper_numbers {
        println!("profile `{profile}` (not the paper's setup; no comparison with the paper):");
    } else {
        println!("{figure} (the paper prints no numbers for it):");
    }
    for r in rows {
        println!(
            "  {:<28} {:>6} {:>12.6e}{}",
            r.series,
            r.x,
            r.mse,
            replicate_tag(r.replicate)
        );
    }
    Ok(())
}

/// ` (replicate r)` past replicate 0, else nothing.
pub(super) fn replicate_tag(r: u32) -> String {
    if r == 0 {
        String::new()
    } else {
        format!("  (replicate {r})")
    }
}
