//! `simec transform` and `simec predict`: apply a fitted model to new points.

use anyhow::Result;

use crate::args::ApplyArgs;
use crate::inputs::model_features;
use crate::model_dir;
use crate::table::write_matrix;

/// Writes the embedding (`predict = false`) or the predicted similarities of `--features`.
pub fn run(a: ApplyArgs, predict: bool) -> Result<()> {
    let model = model_dir::load(&a.model, &a.backend.device()?)?;
    let x = model_features(&model, &a.features, a.header.rule())?;
    let out = if predict {
        model.simec.predict(&x)?
    } else {
        model.simec.transform(&x)?
    };
    write_matrix(&a.out, &out)?;
    eprintln!(
        "{} {} x {} written to {}",
        if predict { "predictions" } else { "embedding" },
        out.rows(),
        out.cols(),
        a.out.display()
    );
    Ok(())
}
