//! Replicates of a figure run: replicate `r` trains every SimEc point with base seed
//! `base + r` (per-point seeds derived from it exactly as for replicate 0), while the
//! deterministic baselines are computed once.

use anyhow::{Context, Result};

use super::sweep::{Figure, RunContext, Task, TaskKind};
use crate::results::ResultsFile;

/// Every task of the replicates `ids` of a run with `base_seed`, replicate-major: replicate `r`
/// is the figure's task list for base seed `base_seed + r`, its trained tasks marked with `r`
/// (and, past replicate 0, without files: Figure 5's scatter shows replicate 0). Deterministic
/// tasks do not depend on the seed: they are taken once, as replicate 0.
///
/// # Errors
/// A base seed that overflows, and the figure's [`Figure::tasks`] errors.
pub fn replicate_tasks<F: Figure>(
    profile: &F,
    base_seed: u64,
    ids: &[u32],
    ctx: &RunContext,
) -> Result<Vec<Task<F::Key>>> {
    let mut all = Vec::new();
    for (i, &r) in ids.iter().enumerate() {
        let seed = base_seed.checked_add(u64::from(r)).with_context(|| {
            format!("base seed {base_seed} + replicate {r} does not fit in 64 bits")
        })?;
        for mut task in profile.tasks(seed, ctx)? {
            if task.kind == TaskKind::Deterministic {
                if i > 0 {
                    continue;
                }
            } else if r > 0 {
                task.replicate = r;
                task.files.clear();
                task.label = format!("{} r{r}", task.label);
            }
            all.push(task);
        }
    }
    Ok(all)
}

/// `0-4` for a contiguous run of ids, else the list (`0,2,5`).
pub(super) fn ids_text(ids: &[u32]) -> String {
    match (ids.first(), ids.last()) {
        (Some(a), Some(b)) if ids.len() > 1 && (b - a) as usize + 1 == ids.len() => {
            format!("{a}-{b}")
        }
        _ => ids.iter().map(u32::to_string).collect::<Vec<_>>().join(","),
    }
}

/// Whether every point of `task` (of its replicate) is in `results` and every file it writes
/// exists.
pub(super) fn task_done<K>(results: &ResultsFile, task: &Task<K>) -> bool {
    task.points
        .iter()
        .all(|(s, x)| results.contains(&s.to_string(), *x, task.replicate))
        && task.files.iter().all(|f| f.is_file())
}
