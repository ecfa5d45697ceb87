//! Rendering one figure description to an SVG and a PNG, each written atomically.

use std::fs::{self, File};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use plotters::chart::{MeshStyle, SeriesLabelStyle};
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::ensure_font;
use super::PlotError;
use crate::results::{atomic_write, fsync_dir, tmp_path};

/// A drawable figure: draws itself onto a root area of any backend.
pub(crate) trait Figure {
    /// Draws onto `root` (already filled white). Errors are plotters' messages.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>;
}

/// A chart builder on `area` with the figures' margins and label areas, captioned with `title`
/// unless it is empty.
pub(crate) fn chart_builder<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    title: &str,
) -> ChartBuilder<'a, 'static, DB> {
    let mut builder = ChartBuilder::on(area);
    builder
        .margin(12)
        .x_label_area_size(50)
        .y_label_area_size(70);
    if !title.is_empty() {
        builder.caption(title, ("sans-serif", 20));
    }
    builder
}

/// `mesh` with the figures' label fonts and grid lines.
pub(crate) fn style_mesh<'m, 'a, 'b, X, Y, XT, YT, DB>(
    mesh: &'m mut MeshStyle<'a, 'b, X, Y, DB>,
) -> &'m mut MeshStyle<'a, 'b, X, Y, DB>
where
    X: Ranged<ValueType = XT> + ValueFormatter<XT>,
    Y: Ranged<ValueType = YT> + ValueFormatter<YT>,
    DB: DrawingBackend,
{
    mesh.label_style(("sans-serif", 14))
        .axis_desc_style(("sans-serif", 16))
        .light_line_style(BLACK.mix(0.05))
        .bold_line_style(BLACK.mix(0.12))
}

/// Draws the legend set up in `labels` with the figures' box and font.
///
/// # Errors
/// plotters' message.
pub(crate) fn draw_legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    labels: &mut SeriesLabelStyle<'a, '_, DB, CT>,
) -> Result<(), String> {
    labels
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.5))
        .label_font(("sans-serif", 14))
        .draw()
        .map_err(msg)
}

/// Maps any displayable drawing error to its message.
pub(crate) fn msg<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// Draws `fig` at `size` into `svg_path` and `png_path` (parent directories are created).
pub(crate) fn render(
    fig: &impl Figure,
    size: (u32, u32),
    svg_path: &Path,
    png_path: &Path,
) -> Result<(), PlotError> {
    ensure_font()?;
    for path in [svg_path, png_path] {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(|source| PlotError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
        }
    }

    let mut svg = String::new();
    guarded(svg_path, || {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(msg)?;
        fig.draw(&root)?;
        root.present().map_err(msg)
    })?;
    atomic_write(svg_path, svg.as_bytes())?;

    // plotters picks the image format from the extension, so the temp file ends in `.png`.
    let tmp = tmp_path(png_path, ".tmp.png");
    let drawn = guarded(png_path, || {
        let root = BitMapBackend::new(&tmp, size).into_drawing_area();
        root.fill(&WHITE).map_err(msg)?;
        fig.draw(&root)?;
        root.present().map_err(msg)
    });
    if let Err(e) = drawn {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| PlotError::Io { path, source }
    };
    File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(io(&tmp))?;
    fs::rename(&tmp, png_path).map_err(io(png_path))?;
    if let Some(dir) = png_path.parent() {
        fsync_dir(dir);
    }
    Ok(())
}

/// Runs a drawing closure, turning both its error and any panic inside plotters into
/// [`PlotError::Draw`] naming `path`.
fn guarded(path: &Path, f: impl FnOnce() -> Result<(), String>) -> Result<(), PlotError> {
    let draw_err = |message: String| PlotError::Draw {
        path: path.to_path_buf(),
        message,
    };
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result.map_err(draw_err),
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "panic inside plotters".to_string());
            Err(draw_err(message))
        }
    }
}
