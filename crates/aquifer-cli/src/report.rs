//! The report of a study: scatter plots of the loss against each hyperparameter (the top 5% and
//! the best trial marked), pairs of hyperparameters over the best trials coloured by loss, the
//! best loss so far, the spread across seeds; PNG files, one self-contained HTML page (the
//! same figures inline as SVG, no network needed) and a CSV of every trial.

use crate::error::{Error, Result};
use crate::plot::{encode_png, register_font, FAMILY};
use aquifer::search::{Space, StudySpec, Trial, Value};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::colors::colormaps::ViridisRGB;
use std::fmt::Write as _;

/// A drawn figure: its file name (without extension), title, size, and how to draw it.
pub struct Figure {
    /// File name without extension.
    pub name: String,
    /// Caption in the page.
    pub title: String,
    size: (u32, u32),
    columns: usize,
    scatter: Vec<Scatter>,
}

/// One scatter panel: points with colours, optional log axes, marked points.
#[derive(Clone)]
struct Scatter {
    title: String,
    x_label: String,
    y_label: String,
    /// (x, y, colour, radius)
    points: Vec<(f64, f64, RGBColor, u32)>,
    log_x: bool,
    log_y: bool,
    /// Names of categories on x (a choice), by index.
    categories: Option<Vec<String>>,
    /// Lines drawn through points (best-so-far), in x order.
    line: Option<Vec<(f64, f64)>>,
    /// Vertical bars (x, low, high) (spread across seeds).
    bars: Vec<(f64, f64, f64)>,
}

const GREY: RGBColor = RGBColor(150, 160, 175);
const TOP: RGBColor = RGBColor(230, 159, 0);
const BEST: RGBColor = RGBColor(213, 40, 0);

/// A tick label: three significant digits, in scientific notation outside 0.01..1000.
fn compact(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    if (1e-2..1e3).contains(&v.abs()) {
        let digits = (2 - v.abs().log10().floor() as i32).max(0) as usize;
        let s = format!("{v:.digits$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    } else {
        format!("{v:.1e}")
    }
}

fn axis(v: f64, log: bool) -> f64 {
    if log {
        v.log10()
    } else {
        v
    }
}

fn render<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    panels: &[Scatter],
    columns: usize,
) -> std::result::Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(err)?;
    let rows = panels.len().div_ceil(columns);
    let areas = root.split_evenly((rows, columns));
    for (area, p) in areas.iter().zip(panels) {
        let xs = p.points.iter().map(|q| axis(q.0, p.log_x));
        let ys = p.points.iter().map(|q| axis(q.1, p.log_y));
        let bar_ys = p
            .bars
            .iter()
            .flat_map(|b| [axis(b.1, p.log_y), axis(b.2, p.log_y)]);
        let range = |it: &mut dyn Iterator<Item = f64>| {
            let (lo, hi) = it
                .filter(|v| v.is_finite())
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
                    (l.min(v), h.max(v))
                });
            if !lo.is_finite() {
                return (0.0, 1.0);
            }
            let pad = if hi > lo {
                0.06 * (hi - lo)
            } else {
                0.5 * lo.abs().max(1.0)
            };
            (lo - pad, hi + pad)
        };
        let (x0, x1) = range(&mut xs.clone());
        let (y0, y1) = range(&mut ys.chain(bar_ys));
        let mut chart = ChartBuilder::on(area)
            .caption(&p.title, (FAMILY, 16))
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(64)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(err)?;
        let (log_x, log_y) = (p.log_x, p.log_y);
        let cats = p.categories.clone();
        let x_fmt = move |v: &f64| match &cats {
            Some(c) => {
                let i = v.round();
                if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < c.len() {
                    c[i as usize].clone()
                } else {
                    String::new()
                }
            }
            None if log_x => compact(10f64.powf(*v)),
            None => compact(*v),
        };
        let y_fmt = move |v: &f64| {
            if log_y {
                compact(10f64.powf(*v))
            } else {
                compact(*v)
            }
        };
        let mut mesh = chart.configure_mesh();
        mesh.x_desc(p.x_label.as_str())
            .y_desc(p.y_label.as_str())
            .label_style((FAMILY, 12))
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .light_line_style(RGBColor(244, 244, 244));
        match &p.categories {
            Some(c) => mesh.x_labels(c.len() + 2),
            None => mesh.x_labels(6),
        };
        mesh.y_labels(6);
        mesh.draw().map_err(err)?;
        for &(x, lo, hi) in &p.bars {
            let (x, lo, hi) = (axis(x, log_x), axis(lo, log_y), axis(hi, log_y));
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(x, lo), (x, hi)],
                    GREY.stroke_width(2),
                )))
                .map_err(err)?;
        }
        if let Some(line) = &p.line {
            let pts: Vec<(f64, f64)> = line
                .iter()
                .map(|&(x, y)| (axis(x, log_x), axis(y, log_y)))
                .collect();
            chart
                .draw_series(std::iter::once(PathElement::new(pts, BEST.stroke_width(2))))
                .map_err(err)?;
        }
        chart
            .draw_series(
                p.points
                    .iter()
                    .filter(|q| q.0.is_finite() && q.1.is_finite())
                    .map(|&(x, y, c, r)| {
                        Circle::new((axis(x, log_x), axis(y, log_y)), r, c.filled())
                    }),
            )
            .map_err(err)?;
    }
    root.present().map_err(err)?;
    Ok(())
}

impl Figure {
    fn new(
        name: &str,
        title: &str,
        panels: Vec<Scatter>,
        columns: usize,
        panel: (u32, u32),
    ) -> Self {
        let columns = columns.min(panels.len()).max(1);
        let rows = panels.len().div_ceil(columns).max(1) as u32;
        Figure {
            name: name.into(),
            title: title.into(),
            size: (panel.0 * columns as u32, panel.1 * rows),
            columns,
            scatter: panels,
        }
    }

    /// The figure as PNG bytes.
    pub fn png(&self) -> Result<Vec<u8>> {
        register_font();
        let mut pixels = vec![0u8; self.size.0 as usize * self.size.1 as usize * 3];
        {
            let root = BitMapBackend::with_buffer(&mut pixels, self.size).into_drawing_area();
            render(root, &self.scatter, self.columns)
                .map_err(|r| Error::usage(format!("drawing {}: {r}", self.name)))?;
        }
        encode_png(&pixels, self.size)
            .map_err(|r| Error::usage(format!("encoding {}: {r}", self.name)))
    }

    /// The figure as SVG text.
    pub fn svg(&self) -> Result<String> {
        register_font();
        let mut text = String::new();
        {
            let root = SVGBackend::with_string(&mut text, self.size).into_drawing_area();
            render(root, &self.scatter, self.columns)
                .map_err(|r| Error::usage(format!("drawing {}: {r}", self.name)))?;
        }
        Ok(text)
    }
}

/// A study's finished trials with a finite loss, best first.
fn ranked<'a>(spec: &StudySpec, trials: &'a [Trial]) -> Vec<&'a Trial> {
    let mut ok: Vec<&Trial> = trials.iter().filter(|t| t.is_ok()).collect();
    let d = spec.direction;
    ok.sort_by(|a, b| {
        d.signed(a.loss.unwrap_or(f64::NAN))
            .total_cmp(&d.signed(b.loss.unwrap_or(f64::NAN)))
            .then(a.number.cmp(&b.number))
    });
    ok
}

/// A hyperparameter's value as a point on its axis (a choice: its index).
fn coordinate(space: Option<&Space>, v: &Value) -> Option<f64> {
    match space {
        Some(Space::Choice { values }) => values.iter().position(|c| c == v).map(|i| i as f64),
        _ => v.as_f64().or(match v {
            Value::Bool(b) => Some(f64::from(u8::from(*b))),
            _ => None,
        }),
    }
}

/// The figures of a study.
pub fn figures(spec: &StudySpec, trials: &[Trial]) -> Vec<Figure> {
    let best = ranked(spec, trials);
    let top = (best.len() as f64 * 0.05).ceil().max(1.0) as usize;
    let losses: Vec<f64> = best.iter().filter_map(|t| t.loss).collect();
    let positive = losses.iter().all(|l| *l > 0.0);
    let (lo, hi) = losses
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
            (l.min(*v), h.max(*v))
        });
    let log_loss = positive && hi / lo > 100.0;
    let loss = spec.loss.clone();
    // every hyperparameter recorded (those sampled, and those the objective chose)
    let mut names: Vec<String> = spec.space.keys().cloned().collect();
    for t in trials {
        for k in t.params.keys() {
            if !names.contains(k) {
                names.push(k.clone());
            }
        }
    }
    let mut figures = Vec::new();
    let rank: std::collections::HashMap<usize, usize> = best
        .iter()
        .enumerate()
        .map(|(i, t)| (t.number, i))
        .collect();
    let colour = |t: &Trial| match rank.get(&t.number) {
        Some(0) => (BEST, 6),
        Some(i) if *i < top => (TOP, 5),
        _ => (GREY, 3),
    };
    // the loss against each hyperparameter, the best drawn last (on top)
    let mut panels = Vec::new();
    for name in &names {
        let space = spec.space.get(name);
        let is_log = space.map_or_else(
            || {
                best.iter().all(|t| {
                    t.params
                        .get(name)
                        .and_then(Value::as_f64)
                        .is_some_and(|v| v > 0.0)
                }) && name.ends_with("ridge")
            },
            Space::is_log,
        );
        let mut points: Vec<(f64, f64, RGBColor, u32)> = best
            .iter()
            .rev()
            .filter_map(|t| {
                let x = coordinate(space, t.params.get(name)?)?;
                let (c, r) = colour(t);
                Some((x, t.loss?, c, r))
            })
            .collect();
        points.sort_by_key(|p| p.3);
        let categories = match space {
            Some(Space::Choice { values }) => Some(values.iter().map(Value::to_string).collect()),
            _ => None,
        };
        panels.push(Scatter {
            title: format!("{loss} against {name}"),
            x_label: name.clone(),
            y_label: loss.clone(),
            points,
            log_x: is_log && categories.is_none(),
            log_y: log_loss,
            categories,
            line: None,
            bars: Vec::new(),
        });
    }
    if !panels.is_empty() {
        figures.push(Figure::new(
            "loss",
            &format!("{loss} against each hyperparameter (orange: top 5%, red: best)"),
            panels,
            2,
            (440, 320),
        ));
    }
    // pairs of sampled hyperparameters over the best trials, coloured by loss
    let numeric: Vec<&String> = spec
        .space
        .keys()
        .filter(|k| !matches!(spec.space[*k], Space::Choice { .. }))
        .collect();
    let chosen = &best[..(best.len() * 3 / 10).max(10).min(best.len())];
    let (clo, chi) = chosen
        .iter()
        .filter_map(|t| t.loss)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
            (l.min(v), h.max(v))
        });
    let mut pairs = Vec::new();
    for i in 0..numeric.len() {
        for j in i + 1..numeric.len() {
            let (a, b) = (numeric[i], numeric[j]);
            let mut points: Vec<(f64, f64, RGBColor, u32)> = chosen
                .iter()
                .rev()
                .filter_map(|t| {
                    let (x, y) = (t.params.get(a)?.as_f64()?, t.params.get(b)?.as_f64()?);
                    let l = t.loss?;
                    // better is brighter
                    let h = if chi > clo {
                        spec.direction.signed(l - clo) / (chi - clo)
                    } else {
                        0.0
                    };
                    let h = if spec.direction.signed(1.0) > 0.0 {
                        1.0 - h
                    } else {
                        -h
                    };
                    let c: RGBColor =
                        ViridisRGB::get_color_normalized(h.clamp(0.0, 1.0) as f32, 0.0, 1.0);
                    Some((
                        x,
                        y,
                        c,
                        if rank.get(&t.number) == Some(&0) {
                            7
                        } else {
                            4
                        },
                    ))
                })
                .collect();
            points.sort_by_key(|p| p.3);
            pairs.push(Scatter {
                title: format!("{b} against {a}"),
                x_label: a.clone(),
                y_label: b.clone(),
                points,
                log_x: spec.space[a].is_log(),
                log_y: spec.space[b].is_log(),
                categories: None,
                line: None,
                bars: Vec::new(),
            });
        }
    }
    if !pairs.is_empty() {
        figures.push(Figure::new(
            "pairs",
            &format!("the best {} trials, by pairs of hyperparameters (brighter: better {loss}; largest: best)", chosen.len()),
            pairs,
            3,
            (380, 320),
        ));
    }
    // the best loss so far, trial by trial
    let mut ordered: Vec<&Trial> = trials.iter().collect();
    ordered.sort_by_key(|t| t.number);
    let mut so_far: Vec<(f64, f64)> = Vec::new();
    let mut best_yet: Option<f64> = None;
    for t in &ordered {
        if let Some(l) = t.loss.filter(|l| l.is_finite()) {
            if best_yet.is_none_or(|b| spec.direction.signed(l) < spec.direction.signed(b)) {
                best_yet = Some(l);
            }
        }
        if let Some(b) = best_yet {
            so_far.push((t.number as f64, b));
        }
    }
    let points = ordered
        .iter()
        .filter_map(|t| Some((t.number as f64, t.loss.filter(|l| l.is_finite())?, GREY, 3)))
        .collect();
    figures.push(Figure::new(
        "progress",
        &format!("{loss} of each trial and the best so far"),
        vec![Scatter {
            title: format!("best {loss} so far"),
            x_label: "trial".into(),
            y_label: loss.clone(),
            points,
            log_x: false,
            log_y: log_loss,
            categories: None,
            line: Some(so_far),
            bars: Vec::new(),
        }],
        1,
        (880, 320),
    ));
    // the spread across seeds of the best trials
    if spec.instances > 1 {
        let shown = &best[..best.len().min(20)];
        let bars = shown
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let (l, h) = t
                    .losses
                    .iter()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                        (a.min(*v), b.max(*v))
                    });
                (i as f64, l, h)
            })
            .collect();
        let points = shown
            .iter()
            .enumerate()
            .map(|(i, t)| {
                (
                    i as f64,
                    t.loss.unwrap_or(f64::NAN),
                    if i == 0 { BEST } else { TOP },
                    4,
                )
            })
            .collect();
        figures.push(Figure::new(
            "spread",
            &format!(
                "the best {} trials: mean {loss} and the range over their {} seeds",
                shown.len(),
                spec.instances
            ),
            vec![Scatter {
                title: format!("{loss} across seeds"),
                x_label: "rank".into(),
                y_label: loss.clone(),
                points,
                log_x: false,
                log_y: log_loss,
                categories: None,
                line: None,
                bars,
            }],
            1,
            (880, 320),
        ));
    }
    figures
}

/// Every trial as CSV: number, loss, spread, seconds, error, then each hyperparameter.
pub fn csv(spec: &StudySpec, trials: &[Trial]) -> String {
    let mut names: Vec<String> = spec.space.keys().cloned().collect();
    for t in trials {
        for k in t.params.keys() {
            if !names.contains(k) {
                names.push(k.clone());
            }
        }
    }
    let field = |s: &str| {
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut out = String::from("number,loss,spread,seconds,error");
    for n in &names {
        out.push(',');
        out.push_str(&field(n));
    }
    out.push('\n');
    let mut ordered: Vec<&Trial> = trials.iter().collect();
    ordered.sort_by_key(|t| t.number);
    for t in ordered {
        let opt = |v: Option<f64>| v.map_or(String::new(), |v| v.to_string());
        let _ = write!(
            out,
            "{},{},{},{},{}",
            t.number,
            opt(t.loss),
            opt(t.spread),
            t.seconds,
            field(t.error.as_deref().unwrap_or(""))
        );
        for n in &names {
            out.push(',');
            out.push_str(&field(
                &t.params.get(n).map_or(String::new(), Value::to_string),
            ));
        }
        out.push('\n');
    }
    out
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The self-contained HTML page: a summary, the best trial, the figures inline (SVG), the
/// best trials' table and the errors met.
pub fn html(spec: &StudySpec, trials: &[Trial], figures: &[(String, String)]) -> String {
    let best = ranked(spec, trials);
    let failed: Vec<&Trial> = trials.iter().filter(|t| !t.is_ok()).collect();
    let mut page = String::new();
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Study {name}</title>\n<style>\
         body{{font-family:sans-serif;margin:2em;max-width:1200px;color:#222}}\
         table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right}}\
         th{{background:#f2f2f2}}figure{{margin:1.5em 0}}figure svg{{max-width:100%;height:auto}}\
         .best{{background:#fff4e0}}</style></head><body>\n<h1>Study {name}</h1>\n",
        name = escape(&spec.name)
    );
    let _ = writeln!(
        page,
        "<p>{} trials ({} failed), loss <b>{}</b> ({}), sampler {}, seed {}, {} instance(s) per trial, batches of {}.</p>",
        trials.len(),
        failed.len(),
        escape(&spec.loss),
        if spec.direction.signed(1.0) > 0.0 { "lower is better" } else { "higher is better" },
        match spec.sampler {
            aquifer::search::Sampler::Random => "random",
            aquifer::search::Sampler::Tpe(_) => "TPE",
        },
        spec.seed,
        spec.instances,
        spec.batch
    );
    match best.first() {
        Some(b) => {
            let _ = write!(
                page,
                "<h2 id=\"best\">Best trial: {} with {} {:.6e}</h2>\n<table class=\"best\"><tr><th>hyperparameter</th><th>value</th></tr>\n",
                b.number,
                escape(&spec.loss),
                b.loss.unwrap_or(f64::NAN)
            );
            for (k, v) in &b.params {
                let _ = writeln!(
                    page,
                    "<tr><td>{}</td><td>{}</td></tr>",
                    escape(k),
                    escape(&v.to_string())
                );
            }
            page.push_str("</table>\n");
        }
        None => page.push_str("<h2 id=\"best\">No trial finished with a finite loss</h2>\n"),
    }
    for (title, svg) in figures {
        let _ = writeln!(
            page,
            "<figure class=\"plot\">{svg}<figcaption>{}</figcaption></figure>",
            escape(title)
        );
    }
    let names: Vec<&String> = best
        .first()
        .map(|b| b.params.keys().collect())
        .unwrap_or_default();
    let _ = write!(page, "<h2>The best {} trials</h2>\n<table><tr><th>rank</th><th>trial</th><th>{}</th><th>spread</th>", best.len().min(20), escape(&spec.loss));
    for n in &names {
        let _ = write!(page, "<th>{}</th>", escape(n));
    }
    page.push_str("</tr>\n");
    for (i, t) in best.iter().take(20).enumerate() {
        let _ = write!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{:.4e}</td><td>{}</td>",
            i + 1,
            t.number,
            t.loss.unwrap_or(f64::NAN),
            t.spread.map_or(String::new(), |s| format!("{s:.2e}"))
        );
        for n in &names {
            let _ = write!(
                page,
                "<td>{}</td>",
                t.params
                    .get(*n)
                    .map_or(String::new(), |v| escape(&v.to_string()))
            );
        }
        page.push_str("</tr>\n");
    }
    page.push_str("</table>\n");
    if !failed.is_empty() {
        let mut errors: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
        for t in &failed {
            *errors.entry(t.error.as_deref().unwrap_or("?")).or_default() += 1;
        }
        page.push_str("<h2>Failed trials</h2>\n<table><tr><th>trials</th><th>error</th></tr>\n");
        for (e, n) in errors {
            let _ = writeln!(
                page,
                "<tr><td>{n}</td><td style=\"text-align:left\">{}</td></tr>",
                escape(e)
            );
        }
        page.push_str("</table>\n");
    }
    // the rendered size of each figure, for a page check without a person
    page.push_str(
        "<script>(function(){var f=document.querySelectorAll('figure.plot svg');\
         var s=[];f.forEach(function(e){var r=e.getBoundingClientRect();s.push(Math.round(r.width)+'x'+Math.round(r.height));});\
         document.body.setAttribute('data-rendered',s.join(' '));})();</script>\n</body></html>\n",
    );
    page
}
