//! Line figures: MSE curves against a parameter, one panel or several side by side.

use std::path::Path;

use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;

use super::render::{chart_builder, draw_legend, msg, render, style_mesh, Figure};
use super::style::{auto_range, check_range, palette, tick_label, usable};
use super::PlotError;

/// Image size of a single line plot.
pub const LINE_PLOT_SIZE: (u32, u32) = (900, 600);
/// Image size of one panel in [`draw_panels`] (the image is `n` panels wide).
pub const PANEL_SIZE: (u32, u32) = (560, 520);

/// Resolved (x, y) axis ranges of a panel.
type AxisRanges = ((f64, f64), (f64, f64));

/// Width in pixels of a legend line sample.
const LEGEND_ICON: i32 = 36;

/// One curve.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LineSeries {
    /// Legend text.
    pub label: String,
    /// (x, y) points, drawn in the given order; non-finite points (and non-positive ones on a
    /// log axis) are skipped.
    pub points: Vec<(f64, f64)>,
    /// Index into [`super::PALETTE`]; give a method's train and test curves the same index.
    pub color: usize,
    /// Dashed line with hollow markers (test curves) instead of solid with filled markers.
    pub dashed: bool,
    /// A shaded band `(x, low, high)` around the curve (e.g. the min-max of replicates),
    /// drawn under it in the curve's color; empty for none.
    pub band: Vec<(f64, f64, f64)>,
}

impl LineSeries {
    /// A solid curve (train error in the paper's figures).
    pub fn solid(label: impl Into<String>, points: Vec<(f64, f64)>, color: usize) -> Self {
        Self {
            label: label.into(),
            points,
            color,
            dashed: false,
            band: Vec::new(),
        }
    }

    /// A dashed curve (test error in the paper's figures).
    pub fn dashed(label: impl Into<String>, points: Vec<(f64, f64)>, color: usize) -> Self {
        Self {
            label: label.into(),
            points,
            color,
            dashed: true,
            band: Vec::new(),
        }
    }
}

/// One panel: axes, labels and curves.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LinePlot {
    /// Caption above the panel (omitted when empty).
    pub title: String,
    /// x axis label.
    pub x_label: String,
    /// y axis label.
    pub y_label: String,
    /// The curves.
    pub series: Vec<LineSeries>,
    /// Reference points drawn as grey crosses labelled "paper" (the paper's printed values);
    /// empty for none.
    pub paper: Vec<(f64, f64)>,
    /// Fixed x range; automatic (data + 5%) when `None`.
    pub x_range: Option<(f64, f64)>,
    /// Fixed y range; automatic when `None`.
    pub y_range: Option<(f64, f64)>,
    /// Logarithmic x axis.
    pub log_x: bool,
    /// Logarithmic y axis.
    pub log_y: bool,
}

impl LinePlot {
    /// The x and y ranges to draw: the fixed ones (validated) or automatic ones.
    fn ranges(&self) -> Result<AxisRanges, PlotError> {
        let pts = || {
            self.series
                .iter()
                .flat_map(|s| {
                    let band = s.band.iter().flat_map(|&(x, lo, hi)| [(x, lo), (x, hi)]);
                    s.points.iter().copied().chain(band)
                })
                .chain(self.paper.iter().copied())
        };
        let x = match self.x_range {
            Some(r) => {
                check_range(r, self.log_x, "x")?;
                r
            }
            None => auto_range(pts().map(|p| p.0), self.log_x),
        };
        let y = match self.y_range {
            Some(r) => {
                check_range(r, self.log_y, "y")?;
                r
            }
            None => auto_range(pts().map(|p| p.1), self.log_y),
        };
        Ok((x, y))
    }
}

/// Draws one line plot at [`LINE_PLOT_SIZE`] into `svg_path` and `png_path`.
pub fn draw_line_plot(plot: &LinePlot, svg_path: &Path, png_path: &Path) -> Result<(), PlotError> {
    draw_panels(
        std::slice::from_ref(plot),
        LINE_PLOT_SIZE,
        svg_path,
        png_path,
    )
}

/// Draws `plots` side by side, each panel `panel_size` pixels (e.g. [`PANEL_SIZE`]), into
/// `svg_path` and `png_path`. Figure 4 uses three panels, Figure 7 two.
pub fn draw_panels(
    plots: &[LinePlot],
    panel_size: (u32, u32),
    svg_path: &Path,
    png_path: &Path,
) -> Result<(), PlotError> {
    if plots.is_empty() {
        return Err(PlotError::InvalidInput("no panels to draw".into()));
    }
    if panel_size.0 < 100 || panel_size.1 < 100 {
        return Err(PlotError::InvalidInput(format!(
            "panel size {panel_size:?} is too small (at least 100 x 100)"
        )));
    }
    let ranges = plots
        .iter()
        .map(LinePlot::ranges)
        .collect::<Result<Vec<_>, _>>()?;
    let fig = Panels {
        plots,
        ranges,
        panel_size,
    };
    let width = panel_size.0.saturating_mul(plots.len() as u32);
    render(&fig, (width, panel_size.1), svg_path, png_path)
}

/// Validated panels with their resolved ranges.
struct Panels<'a> {
    plots: &'a [LinePlot],
    ranges: Vec<AxisRanges>,
    panel_size: (u32, u32),
}

impl Figure for Panels<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let areas = root.split_evenly((1, self.plots.len()));
        for ((area, plot), &(x, y)) in areas.iter().zip(self.plots).zip(&self.ranges) {
            let (xr, yr) = (x.0..x.1, y.0..y.1);
            let legend = pick_legend(plot, (x, y), self.panel_size);
            match (plot.log_x, plot.log_y) {
                (false, false) => draw_panel(area, plot, (x, y), legend, xr, yr)?,
                (true, false) => draw_panel(area, plot, (x, y), legend, xr.log_scale(), yr)?,
                (false, true) => draw_panel(area, plot, (x, y), legend, xr, yr.log_scale())?,
                (true, true) => {
                    draw_panel(area, plot, (x, y), legend, xr.log_scale(), yr.log_scale())?
                }
            }
        }
        Ok(())
    }
}

/// Draws one panel with the given (linear or log) axis specs.
fn draw_panel<DB, X, Y>(
    area: &DrawingArea<DB, Shift>,
    plot: &LinePlot,
    ranges: AxisRanges,
    legend: SeriesLabelPosition,
    x_spec: X,
    y_spec: Y,
) -> Result<(), String>
where
    DB: DrawingBackend,
    X: AsRangedCoord<Value = f64>,
    Y: AsRangedCoord<Value = f64>,
    X::CoordDescType: ValueFormatter<f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let (x_range, y_range) = ranges;
    let x_fmt = |v: &f64| axis_label(*v, plot.log_x, x_range);
    let y_fmt = |v: &f64| axis_label(*v, plot.log_y, y_range);
    let mut chart = chart_builder(area, &plot.title)
        .build_cartesian_2d(x_spec, y_spec)
        .map_err(msg)?;
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(plot.x_label.as_str())
        .y_desc(plot.y_label.as_str())
        // Log axes label every 1..9 multiple of a decade when they span few decades.
        .x_labels(if plot.log_x { 20 } else { 10 })
        .y_labels(if plot.log_y { 20 } else { 10 })
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt);
    style_mesh(&mut mesh).draw().map_err(msg)?;

    // Bands first, so that every curve is drawn over them.
    draw_bands(&mut chart, plot)?;
    for s in &plot.series {
        let color = palette(s.color);
        let style = color.stroke_width(2);
        let pts: Vec<(f64, f64)> = s
            .points
            .iter()
            .copied()
            .filter(|&(x, y)| usable(x, plot.log_x) && usable(y, plot.log_y))
            .collect();
        let anno = if s.dashed {
            chart
                .draw_series(DashedLineSeries::new(pts.clone(), 8, 5, style))
                .map_err(msg)?
        } else {
            chart
                .draw_series(plotters::series::LineSeries::new(pts.clone(), style))
                .map_err(msg)?
        };
        if !s.label.is_empty() {
            let dashed = s.dashed;
            anno.label(s.label.as_str()).legend(move |(x, y)| {
                let marker = if dashed {
                    ShapeStyle::from(color).stroke_width(2)
                } else {
                    color.filled()
                };
                // Relative to (x, y): one stroke with the marker in the middle, or when dashed
                // two short strokes leaving visible gaps around the marker.
                let (a, b) = if dashed { (8, 28) } else { (18, 18) };
                EmptyElement::at((x, y))
                    + PathElement::new(vec![(0, 0), (a, 0)], style)
                    + PathElement::new(vec![(b, 0), (LEGEND_ICON, 0)], style)
                    + Circle::new((LEGEND_ICON / 2, 0), 3, marker)
            });
        }
        let marker = if s.dashed {
            ShapeStyle::from(color).stroke_width(2)
        } else {
            color.filled()
        };
        chart
            .draw_series(pts.iter().map(|&p| Circle::new(p, 3, marker)))
            .map_err(msg)?;
    }

    let has_paper = draw_paper(&mut chart, plot)?;

    if plot.series.iter().any(|s| !s.label.is_empty()) || has_paper {
        let mut labels = chart.configure_series_labels();
        labels.position(legend).legend_area_size(LEGEND_ICON + 8);
        draw_legend(&mut labels)?;
    }
    Ok(())
}

/// Draws each series' band (`(x, low, high)`) as a light polygon in the series' color.
fn draw_bands<DB, CT>(chart: &mut ChartContext<'_, DB, CT>, plot: &LinePlot) -> Result<(), String>
where
    DB: DrawingBackend,
    CT: CoordTranslate<From = (f64, f64)>,
{
    for s in &plot.series {
        let band: Vec<(f64, f64, f64)> = s
            .band
            .iter()
            .copied()
            .filter(|&(x, lo, hi)| {
                usable(x, plot.log_x) && usable(lo, plot.log_y) && usable(hi, plot.log_y)
            })
            .collect();
        if band.len() < 2 {
            continue;
        }
        let outline: Vec<(f64, f64)> = band
            .iter()
            .map(|&(x, _, hi)| (x, hi))
            .chain(band.iter().rev().map(|&(x, lo, _)| (x, lo)))
            .collect();
        chart
            .draw_series(std::iter::once(Polygon::new(
                outline,
                palette(s.color).mix(0.18).filled(),
            )))
            .map_err(msg)?;
    }
    Ok(())
}

/// Draws the paper's values as grey crosses with a "paper" legend entry; whether there were any.
fn draw_paper<DB, CT>(chart: &mut ChartContext<'_, DB, CT>, plot: &LinePlot) -> Result<bool, String>
where
    DB: DrawingBackend,
    CT: CoordTranslate<From = (f64, f64)>,
{
    let paper: Vec<(f64, f64)> = plot
        .paper
        .iter()
        .copied()
        .filter(|&(x, y)| usable(x, plot.log_x) && usable(y, plot.log_y))
        .collect();
    if paper.is_empty() {
        return Ok(false);
    }
    let grey = RGBColor(90, 90, 90).stroke_width(2);
    chart
        .draw_series(paper.iter().map(|&p| Cross::new(p, 5, grey)))
        .map_err(msg)?
        .label("paper")
        .legend(move |(x, y)| Cross::new((x + LEGEND_ICON / 2, y), 5, grey));
    Ok(true)
}

/// Tick label for an axis. On a log axis spanning at least a factor 5 only the 1, 2 and 5
/// multiples of each decade are labelled (the other grid lines stay unlabelled).
fn axis_label(v: f64, log: bool, range: (f64, f64)) -> String {
    if log && range.1 / range.0 >= 5.0 && v > 0.0 {
        let mantissa = v / 10f64.powf(v.log10().floor());
        let labelled = [1.0, 2.0, 5.0, 10.0]
            .iter()
            .any(|m| (mantissa - m).abs() < 1e-6 * m);
        if !labelled {
            return String::new();
        }
    }
    tick_label(v)
}

/// Chooses the legend corner that covers the fewest curve samples: the legend's size is
/// estimated from its labels, every curve is sampled along its segments in axis-fraction space,
/// and the candidate boxes are compared (ties go to the earlier candidate).
fn pick_legend(plot: &LinePlot, ranges: AxisRanges, panel_size: (u32, u32)) -> SeriesLabelPosition {
    let ((x0, x1), (y0, y1)) = ranges;
    let frac = |v: f64, lo: f64, hi: f64, log: bool| {
        if log {
            (v.log10() - lo.log10()) / (hi.log10() - lo.log10())
        } else {
            (v - lo) / (hi - lo)
        }
    };
    let mut samples: Vec<(f64, f64)> = Vec::new();
    for s in &plot.series {
        let pts: Vec<(f64, f64)> = s
            .points
            .iter()
            .filter(|&&(x, y)| usable(x, plot.log_x) && usable(y, plot.log_y))
            .map(|&(x, y)| (frac(x, x0, x1, plot.log_x), frac(y, y0, y1, plot.log_y)))
            .collect();
        samples.extend(&pts);
        for w in pts.windows(2) {
            for k in 1..10 {
                let t = f64::from(k) / 10.0;
                samples.push((
                    w[0].0 + t * (w[1].0 - w[0].0),
                    w[0].1 + t * (w[1].1 - w[0].1),
                ));
            }
        }
    }
    // Legend size in pixels (label width estimated at 8 px per character), as a fraction of
    // the plotting area (the panel less its label areas and margins).
    let mut labels: Vec<&str> = plot
        .series
        .iter()
        .map(|s| s.label.as_str())
        .filter(|l| !l.is_empty())
        .collect();
    if !plot.paper.is_empty() {
        labels.push("paper");
    }
    let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let (area_w, area_h) = (
        f64::from(panel_size.0.saturating_sub(100).max(1)),
        f64::from(panel_size.1.saturating_sub(100).max(1)),
    );
    let w = ((longest as f64 * 8.0 + f64::from(LEGEND_ICON) + 30.0) / area_w).min(1.0);
    let h = ((labels.len() as f64 * 18.0 + 20.0) / area_h).min(1.0);
    let candidates = [
        (
            SeriesLabelPosition::UpperRight,
            (1.0 - w, 1.0),
            (1.0 - h, 1.0),
        ),
        (SeriesLabelPosition::UpperLeft, (0.0, w), (1.0 - h, 1.0)),
        (SeriesLabelPosition::LowerRight, (1.0 - w, 1.0), (0.0, h)),
        (SeriesLabelPosition::LowerLeft, (0.0, w), (0.0, h)),
        (
            SeriesLabelPosition::MiddleRight,
            (1.0 - w, 1.0),
            (0.5 - h / 2.0, 0.5 + h / 2.0),
        ),
        (
            SeriesLabelPosition::UpperMiddle,
            (0.5 - w / 2.0, 0.5 + w / 2.0),
            (1.0 - h, 1.0),
        ),
    ];
    let covered = |(bx, by): ((f64, f64), (f64, f64))| {
        samples
            .iter()
            .filter(|&&(x, y)| x >= bx.0 && x <= bx.1 && y >= by.0 && y <= by.1)
            .count()
    };
    let mut best = (SeriesLabelPosition::UpperRight, usize::MAX);
    for (pos, bx, by) in candidates {
        let n = covered((bx, by));
        if n < best.1 {
            best = (pos, n);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_axes_label_1_2_5() {
        assert_eq!(axis_label(2e-4, true, (1e-5, 1e-2)), "2e-4");
        assert_eq!(axis_label(3e-4, true, (1e-5, 1e-2)), "");
        assert_eq!(axis_label(0.001, true, (1e-5, 1e-2)), "0.001");
        assert_eq!(axis_label(3e-4, true, (2.5e-4, 4e-4)), "3e-4");
        assert_eq!(axis_label(0.3, false, (0.0, 1.0)), "0.3");
    }

    #[test]
    fn legend_avoids_the_curves() {
        let legend_of = |points: Vec<(f64, f64)>| {
            let plot = LinePlot {
                series: vec![LineSeries::solid("curve", points, 0)],
                ..Default::default()
            };
            pick_legend(&plot, plot.ranges().unwrap(), LINE_PLOT_SIZE)
        };
        // Decreasing curve from the upper left to the lower right: the upper right is free.
        let pos = legend_of(vec![(0.0, 1.0), (0.5, 0.1), (1.0, 0.0)]);
        assert!(matches!(pos, SeriesLabelPosition::UpperRight), "{pos:?}");
        // Rising curve through the upper right: the legend moves elsewhere.
        let pos = legend_of(vec![(0.0, 0.0), (0.5, 0.9), (1.0, 1.0)]);
        assert!(!matches!(pos, SeriesLabelPosition::UpperRight), "{pos:?}");
    }
}
