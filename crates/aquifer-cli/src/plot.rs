//! Line plots of time series to PNG or SVG, drawn with plotters and a font compiled into the
//! binary (so no system font library is needed).

use crate::error::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;
use std::sync::Once;

/// The font every label is drawn with: DejaVu Sans (licence in `assets/FONT-LICENSE.md`).
const FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");
pub(crate) const FAMILY: &str = "sans-serif";
/// The most lines named in a legend.
const LEGEND_MAX: usize = 8;
/// The widest and tallest picture drawn, in pixels.
pub const MAX_SIDE: u32 = 16_384;

/// How a line is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stroke {
    /// A solid line.
    Solid,
    /// A dashed line.
    Dashed,
}

/// One line of a panel: values at steps `start, start + 1, ...`.
#[derive(Debug, Clone)]
pub struct Line {
    /// Legend entry.
    pub label: String,
    /// Step of the first value.
    pub start: usize,
    /// The values.
    pub values: Vec<f64>,
    /// Colour as RGB.
    pub color: (u8, u8, u8),
    /// Solid or dashed.
    pub stroke: Stroke,
}

/// A chart: a title, an x-axis label and its lines.
#[derive(Debug, Clone)]
pub struct Panel {
    /// Title above the chart.
    pub title: String,
    /// Label of the x axis.
    pub x_label: String,
    /// Label of the y axis (a power of ten is added when the values are scaled by one).
    pub y_label: String,
    /// The lines.
    pub lines: Vec<Line>,
}

/// Colours for successive lines, readable on white and for common colour blindness.
pub const PALETTE: [(u8, u8, u8); 6] = [
    (0, 0, 0),
    (0, 114, 178),
    (213, 94, 0),
    (0, 158, 115),
    (204, 121, 167),
    (230, 159, 0),
];

pub(crate) fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bytes are a valid TrueType font, checked by a test.
        let _ = plotters::style::register_font(FAMILY, FontStyle::Normal, FONT);
    });
}

/// Draws panels stacked vertically into `path` (PNG, or SVG when the extension is `.svg`),
/// atomically: a failure leaves no partial picture behind.
pub fn draw(path: &Path, panels: &[Panel], width: u32, height_per_panel: u32) -> Result<()> {
    let bytes = picture(path, panels, width, height_per_panel)?;
    aquifer::io::write_atomic(path, &bytes)?;
    Ok(())
}

/// The bytes of the picture [`draw`] writes.
pub fn picture(
    path: &Path,
    panels: &[Panel],
    width: u32,
    height_per_panel: u32,
) -> Result<Vec<u8>> {
    register_font();
    let fail = |reason: String| Error::Plot {
        path: path.to_path_buf(),
        reason,
    };
    // non-finite values (a diverged forecast) are left out of the drawing
    if panels.iter().any(|p| {
        p.lines
            .iter()
            .all(|l| l.values.iter().all(|v| !v.is_finite()))
    }) {
        return Err(fail(
            "nothing to draw (an empty series, or no finite value)".into(),
        ));
    }
    if !(1..=MAX_SIDE).contains(&width) || !(1..=MAX_SIDE).contains(&height_per_panel) {
        return Err(Error::usage(format!(
            "a picture of {width} x {height_per_panel} pixels: --width and --height must lie in \
             1..={MAX_SIDE}"
        )));
    }
    let height = u32::try_from(height_per_panel as u64 * panels.len() as u64)
        .ok()
        .filter(|&h| h <= MAX_SIDE)
        .ok_or_else(|| {
            Error::usage(format!(
                "{} panels of {height_per_panel} pixels: taller than {MAX_SIDE} pixels",
                panels.len()
            ))
        })?;
    // the pixels, and the encoded picture
    crate::memory::check(
        &format!("a picture of {width} x {height} pixels"),
        "--width, --height",
        crate::memory::values(width as usize, height as usize),
    )?;
    let size = (width, height);
    let svg = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"));
    if svg {
        let mut text = String::new();
        {
            let root = SVGBackend::with_string(&mut text, size).into_drawing_area();
            render(root, panels).map_err(fail)?;
        }
        Ok(text.into_bytes())
    } else {
        let mut pixels = vec![0u8; size.0 as usize * size.1 as usize * 3];
        {
            let root = BitMapBackend::with_buffer(&mut pixels, size).into_drawing_area();
            render(root, panels).map_err(fail)?;
        }
        encode_png(&pixels, size).map_err(fail)
    }
}

pub(crate) fn encode_png(rgb: &[u8], (w, h): (u32, u32)) -> std::result::Result<Vec<u8>, String> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Best);
        let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
        writer.write_image_data(rgb).map_err(|e| e.to_string())?;
        writer.finish().map_err(|e| e.to_string())?;
    }
    Ok(out)
}

fn render<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    panels: &[Panel],
) -> std::result::Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(err)?;
    for (area, panel) in root.split_evenly((panels.len(), 1)).iter().zip(panels) {
        let (mut x0, mut x1) = (usize::MAX, 0usize);
        let (mut y0, mut y1) = (f64::INFINITY, f64::NEG_INFINITY);
        for l in &panel.lines {
            if l.values.is_empty() {
                continue;
            }
            x0 = x0.min(l.start);
            x1 = x1.max(l.start + l.values.len() - 1);
            for &v in l.values.iter().filter(|v| v.is_finite()) {
                y0 = y0.min(v);
                y1 = y1.max(v);
            }
        }
        // values of any size are drawn divided by a power of ten named on the axis, so that the
        // range and the tick labels stay finite and short (1e308 - (-1e308) overflows)
        let exp = axis_exponent(y0.abs().max(y1.abs()));
        let scale = 10f64.powi(exp);
        let (y0, y1) = (y0 / scale, y1 / scale);
        let pad = if y1 > y0 {
            0.05 * (y1 - y0)
        } else {
            0.5 * y0.abs().max(1.0)
        };
        let decimals = tick_decimals((y1 - y0 + 2.0 * pad) / 8.0);
        let y_desc = match exp {
            0 => panel.y_label.clone(),
            e => format!("{} (x 1e{e})", panel.y_label),
        };
        let x1 = x1.max(x0 + 1);
        let mut chart = ChartBuilder::on(area)
            .caption(&panel.title, (FAMILY, 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(x0 as f64..x1 as f64, (y0 - pad)..(y1 + pad))
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(panel.x_label.as_str())
            .y_desc(y_desc.as_str())
            .label_style((FAMILY, 13))
            .x_labels((x1 - x0 + 1).min(10))
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| tick_label(*y, decimals))
            .light_line_style(RGBColor(244, 244, 244))
            .draw()
            .map_err(err)?;
        for (k, l) in panel.lines.iter().enumerate() {
            let color = RGBColor(l.color.0, l.color.1, l.color.2);
            let style = color.stroke_width(2);
            let points = l
                .values
                .iter()
                .enumerate()
                .filter(|(_, v)| v.is_finite())
                .map(|(i, &v)| ((l.start + i) as f64, v / scale));
            let anno = if l.values.len() == 1 {
                // one row: a point, since a line needs two
                chart
                    .draw_series(points.map(|p| Circle::new(p, 4, color.filled())))
                    .map_err(err)?
            } else {
                match l.stroke {
                    Stroke::Solid => chart
                        .draw_series(LineSeries::new(points, style))
                        .map_err(err)?,
                    Stroke::Dashed => chart
                        .draw_series(DashedLineSeries::new(points, 8, 5, style))
                        .map_err(err)?,
                }
            };
            // a legend of many lines is capped, its last entry saying how many are left out
            let total = panel.lines.len();
            if total <= LEGEND_MAX || k < LEGEND_MAX - 1 {
                anno.label(l.label.as_str()).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                });
            } else if k == LEGEND_MAX - 1 {
                anno.label(format!("... and {} more", total - k))
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], WHITE));
            }
        }
        chart
            .configure_series_labels()
            .label_font((FAMILY, 14))
            .background_style(WHITE.mix(0.6))
            .border_style(RGBColor(160, 160, 160))
            .position(SeriesLabelPosition::UpperRight)
            .draw()
            .map_err(err)?;
    }
    root.present().map_err(err)?;
    Ok(())
}

/// The power of ten the values of an axis are divided by: 0 for magnitudes from 1e-3 to 1e4,
/// otherwise that of the largest magnitude.
fn axis_exponent(largest: f64) -> i32 {
    if largest == 0.0 || (1e-3..1e4).contains(&largest) {
        0
    } else {
        (largest.log10().floor() as i32).clamp(-300, 308)
    }
}

/// A tick label with `decimals` decimals, never `-0.0`.
fn tick_label(v: f64, decimals: usize) -> String {
    let text = format!("{v:.decimals$}");
    match text.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_string(),
        _ => text,
    }
}

/// Decimals that tell ticks `step` apart.
fn tick_decimals(step: f64) -> usize {
    if step > 0.0 && step.is_finite() {
        (-step.log10().floor()).clamp(0.0, 12.0) as usize
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_are_scaled_by_a_power_of_ten_and_ticks_told_apart() {
        assert_eq!(axis_exponent(0.0), 0);
        assert_eq!(axis_exponent(12.5), 0);
        assert_eq!(axis_exponent(1.7e7), 7);
        assert_eq!(axis_exponent(1e308), 308);
        assert_eq!(axis_exponent(f64::MAX), 308);
        assert_eq!(axis_exponent(3e-5), -5);
        assert_eq!(tick_decimals(0.25), 1);
        assert_eq!(tick_decimals(2.0), 0);
        assert_eq!(tick_decimals(0.0004), 4);
        assert_eq!(tick_decimals(0.0), 0);
        assert_eq!(tick_label(-1e-17, 1), "0.0");
        assert_eq!(tick_label(-0.25, 2), "-0.25");
    }

    #[test]
    fn non_finite_values_are_left_out() {
        let line = |values: Vec<f64>| Line {
            label: "l".into(),
            start: 0,
            values,
            color: PALETTE[0],
            stroke: Stroke::Solid,
        };
        let panel = |values| Panel {
            title: "t".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            lines: vec![line(values)],
        };
        // a forecast that diverged: its finite part is drawn
        let diverged = panel(vec![
            1.0,
            2.0,
            1e300,
            f64::INFINITY,
            f64::NAN,
            f64::INFINITY,
        ]);
        let png = picture("d.png".as_ref(), &[diverged], 300, 200).unwrap();
        assert_eq!(&png[..4], b"\x89PNG");
        let none = panel(vec![f64::INFINITY, f64::NAN]);
        let e = picture("n.png".as_ref(), &[none], 300, 200).unwrap_err();
        assert!(e.to_string().contains("no finite value"), "{e}");
    }

    #[test]
    fn the_bundled_font_parses() {
        assert!(plotters::style::register_font("aquifer-test", FontStyle::Normal, FONT).is_ok());
    }
}
