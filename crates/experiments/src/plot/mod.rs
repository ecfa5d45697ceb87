//! Paper-style figures drawn with plotters: line plots (single or side-by-side panels) and a
//! class-colored scatter plot with digit thumbnails. Every figure is written both as SVG and as
//! PNG, each replaced atomically.
//!
//! Text uses the DejaVu Sans font embedded in the binary (no system fonts needed); it is
//! registered on first use.

mod line;
mod render;
mod scatter;
mod style;

use std::path::PathBuf;

pub use line::{draw_line_plot, draw_panels, LinePlot, LineSeries, LINE_PLOT_SIZE, PANEL_SIZE};
pub use scatter::{
    draw_scatter, draw_scatter_panels, spread_subset, ScatterPlot, ScatterPoint, Thumbnail,
    SCATTER_SIZE,
};
pub use style::{palette, PALETTE};

/// Errors drawing or writing a figure; each names the output file or the offending input.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The embedded font could not be registered with plotters.
    #[error("cannot register the embedded font: {0}")]
    Font(String),
    /// The plot description is unusable (bad range, thumbnail size mismatch, ...).
    #[error("invalid plot input: {0}")]
    InvalidInput(String),
    /// plotters failed while drawing `path`.
    #[error("drawing {path}: {message}")]
    Draw {
        /// The output file being drawn.
        path: PathBuf,
        /// plotters' message.
        message: String,
    },
    /// Writing an output file failed.
    #[error("writing {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Atomically replacing an output file failed.
    #[error(transparent)]
    Write(#[from] crate::results::ResultsError),
}
