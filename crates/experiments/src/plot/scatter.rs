//! Scatter plot of a 2-D embedding colored by class, with optional grayscale thumbnails of the
//! underlying images drawn at some points (the paper's Figure 5).

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::render::{chart_builder, draw_legend, msg, render, style_mesh, Figure};
use super::style::{auto_range, check_range, palette, tick_label};
use super::PlotError;

/// Image size of a scatter plot.
pub const SCATTER_SIZE: (u32, u32) = (900, 800);

/// One embedded point and its class (palette index and legend entry).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScatterPoint {
    /// x coordinate.
    pub x: f64,
    /// y coordinate.
    pub y: f64,
    /// Class index (e.g. the digit).
    pub class: usize,
}

/// A grayscale image drawn centered at a data point. Pixel value `v` is drawn as gray
/// `255 - v`, so MNIST ink (255) is black on white.
#[derive(Clone, Debug, PartialEq)]
pub struct Thumbnail {
    /// x coordinate of the center.
    pub x: f64,
    /// y coordinate of the center.
    pub y: f64,
    /// Width in pixels (28 for MNIST).
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// Row-major pixels, `width * height` of them.
    pub pixels: Vec<u8>,
}

/// A class-colored scatter plot.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScatterPlot {
    /// Caption (omitted when empty).
    pub title: String,
    /// x axis label.
    pub x_label: String,
    /// y axis label.
    pub y_label: String,
    /// The points; non-finite ones are skipped.
    pub points: Vec<ScatterPoint>,
    /// Legend text per class index; classes beyond it are labelled with their index.
    pub class_labels: Vec<String>,
    /// Thumbnails drawn over the points.
    pub thumbnails: Vec<Thumbnail>,
    /// Screen pixels per thumbnail pixel (0 is treated as 1).
    pub thumbnail_scale: u32,
    /// Fixed x range; automatic when `None`.
    pub x_range: Option<(f64, f64)>,
    /// Fixed y range; automatic when `None`.
    pub y_range: Option<(f64, f64)>,
}

/// Draws a scatter plot at [`SCATTER_SIZE`] into `svg_path` and `png_path`.
///
/// Errors on a thumbnail whose pixel count is not `width * height`, or on a bad fixed range.
pub fn draw_scatter(plot: &ScatterPlot, svg_path: &Path, png_path: &Path) -> Result<(), PlotError> {
    render(&Scatter::validated(plot)?, SCATTER_SIZE, svg_path, png_path)
}

/// Draws `plots` side by side, each panel [`SCATTER_SIZE`], into `svg_path` and `png_path`
/// (Figure 5's three embeddings).
///
/// Errors on an empty `plots` and as [`draw_scatter`] for each panel.
pub fn draw_scatter_panels(
    plots: &[ScatterPlot],
    svg_path: &Path,
    png_path: &Path,
) -> Result<(), PlotError> {
    if plots.is_empty() {
        return Err(PlotError::InvalidInput("no scatter panels to draw".into()));
    }
    let panels = plots
        .iter()
        .map(Scatter::validated)
        .collect::<Result<Vec<_>, _>>()?;
    let width = SCATTER_SIZE.0.saturating_mul(plots.len() as u32);
    render(
        &ScatterPanels(panels),
        (width, SCATTER_SIZE.1),
        svg_path,
        png_path,
    )
}

/// Validated scatter plots drawn side by side.
struct ScatterPanels<'a>(Vec<Scatter<'a>>);

impl Figure for ScatterPanels<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let areas = root.split_evenly((1, self.0.len()));
        for (area, panel) in areas.iter().zip(&self.0) {
            panel.draw(area)?;
        }
        Ok(())
    }
}

/// Picks a spatially spread subset of `points` for thumbnails: the bounding box of the finite
/// points is cut into a `grid` x `grid` lattice and the first point (in input order) of every
/// occupied cell is chosen. Returns indices into `points`, ascending.
pub fn spread_subset(points: &[(f64, f64)], grid: usize) -> Vec<usize> {
    let finite = |p: &(f64, f64)| p.0.is_finite() && p.1.is_finite();
    if grid == 0 || !points.iter().any(finite) {
        return Vec::new();
    }
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for p in points.iter().filter(|p| finite(p)) {
        x0 = x0.min(p.0);
        x1 = x1.max(p.0);
        y0 = y0.min(p.1);
        y1 = y1.max(p.1);
    }
    let cell = |v: f64, lo: f64, hi: f64| {
        if hi > lo {
            (((v - lo) / (hi - lo) * grid as f64) as usize).min(grid - 1)
        } else {
            0
        }
    };
    let mut taken = vec![false; grid * grid];
    let mut chosen = Vec::new();
    for (i, p) in points.iter().enumerate().filter(|(_, p)| finite(p)) {
        let c = cell(p.1, y0, y1) * grid + cell(p.0, x0, x1);
        if !taken[c] {
            taken[c] = true;
            chosen.push(i);
        }
    }
    chosen
}

/// A validated scatter plot with its ranges.
struct Scatter<'a> {
    plot: &'a ScatterPlot,
    x: (f64, f64),
    y: (f64, f64),
}

impl<'a> Scatter<'a> {
    /// Checks the thumbnails and fixed ranges and resolves the automatic ones.
    fn validated(plot: &'a ScatterPlot) -> Result<Self, PlotError> {
        for (i, t) in plot.thumbnails.iter().enumerate() {
            if t.width.checked_mul(t.height) != Some(t.pixels.len()) || t.width == 0 {
                return Err(PlotError::InvalidInput(format!(
                    "thumbnail {i}: {} pixels for a {} x {} image",
                    t.pixels.len(),
                    t.width,
                    t.height
                )));
            }
        }
        let xs = plot.points.iter().map(|p| p.x);
        let ys = plot.points.iter().map(|p| p.y);
        let x = match plot.x_range {
            Some(r) => {
                check_range(r, false, "x")?;
                r
            }
            None => auto_range(xs, false),
        };
        let y = match plot.y_range {
            Some(r) => {
                check_range(r, false, "y")?;
                r
            }
            None => auto_range(ys, false),
        };
        Ok(Self { plot, x, y })
    }
}

impl Figure for Scatter<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let plot = self.plot;
        let mut chart = chart_builder(root, &plot.title)
            .build_cartesian_2d(self.x.0..self.x.1, self.y.0..self.y.1)
            .map_err(msg)?;
        let mut mesh = chart.configure_mesh();
        let x_fmt = |v: &f64| tick_label(snap_zero(*v, self.x));
        let y_fmt = |v: &f64| tick_label(snap_zero(*v, self.y));
        mesh.x_desc(plot.x_label.as_str())
            .y_desc(plot.y_label.as_str())
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt);
        style_mesh(&mut mesh).draw().map_err(msg)?;

        let mut classes: Vec<usize> = plot.points.iter().map(|p| p.class).collect();
        classes.sort_unstable();
        classes.dedup();
        for &class in &classes {
            let color = palette(class);
            let pts = plot
                .points
                .iter()
                .filter(|p| p.class == class && p.x.is_finite() && p.y.is_finite());
            let label = plot
                .class_labels
                .get(class)
                .cloned()
                .unwrap_or_else(|| class.to_string());
            chart
                .draw_series(pts.map(|p| Circle::new((p.x, p.y), 2, color.mix(0.7).filled())))
                .map_err(msg)?
                .label(label)
                .legend(move |(x, y)| Circle::new((x + 10, y), 4, color.filled()));
        }

        let scale = plot.thumbnail_scale.max(1) as i32;
        // backend_coord is absolute; `root` draws relative to its own corner (a panel's offset).
        let (bx, by) = root.get_base_pixel();
        for t in &plot.thumbnails {
            if !(t.x.is_finite() && t.y.is_finite()) {
                continue;
            }
            let (cx, cy) = chart.backend_coord(&(t.x, t.y));
            let (w, h) = (t.width as i32 * scale, t.height as i32 * scale);
            draw_thumbnail(root, t, (cx - bx - w / 2, cy - by - h / 2), scale)?;
        }

        if !classes.is_empty() {
            let mut labels = chart.configure_series_labels();
            labels.position(SeriesLabelPosition::UpperRight);
            draw_legend(&mut labels)?;
        }
        Ok(())
    }
}

/// A tick at float noise around 0 (`-1.1e-16` on a range symmetric about 0) is 0.
fn snap_zero(v: f64, range: (f64, f64)) -> f64 {
    if v.abs() <= 1e-9 * (range.1 - range.0).abs() {
        0.0
    } else {
        v
    }
}

/// Draws a thumbnail with its top-left corner at `origin` (backend pixels) as runs of equal
/// pixels (few SVG rectangles), framed by a thin gray border.
fn draw_thumbnail<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    t: &Thumbnail,
    origin: (i32, i32),
    scale: i32,
) -> Result<(), String> {
    let (ox, oy) = origin;
    let (w, h) = (t.width as i32 * scale, t.height as i32 * scale);
    root.draw(&Rectangle::new(
        [(ox, oy), (ox + w, oy + h)],
        WHITE.filled(),
    ))
    .map_err(msg)?;
    for (row, line) in t.pixels.chunks(t.width).enumerate() {
        let mut start = 0;
        while start < line.len() {
            let v = line[start];
            let mut end = start + 1;
            while end < line.len() && line[end] == v {
                end += 1;
            }
            if v != 0 {
                let g = 255 - v;
                let y0 = oy + row as i32 * scale;
                root.draw(&Rectangle::new(
                    [
                        (ox + start as i32 * scale, y0),
                        (ox + end as i32 * scale, y0 + scale),
                    ],
                    RGBColor(g, g, g).filled(),
                ))
                .map_err(msg)?;
            }
            start = end;
        }
    }
    root.draw(&Rectangle::new(
        [(ox, oy), (ox + w, oy + h)],
        BLACK.mix(0.4).stroke_width(1),
    ))
    .map_err(msg)
}
