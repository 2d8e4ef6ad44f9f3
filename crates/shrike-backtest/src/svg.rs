//! Inline SVG charts for the HTML report: hand-written, no scripts, no network.

use std::fmt::Write as _;

/// Chart size in pixels, and the margin left for axes.
const W: f64 = 560.0;
const H: f64 = 300.0;
const M: (f64, f64, f64, f64) = (48.0, 16.0, 36.0, 12.0); // left, top, bottom, right
/// Tick marks per axis.
const TICKS: usize = 5;

/// A chart: data ranges mapped to the plot area, and the SVG text so far.
pub(crate) struct Chart {
    x: (f64, f64),
    y: (f64, f64),
    svg: String,
}

pub(crate) fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

impl Chart {
    /// A chart over `x` × `y` with axis labels.
    pub(crate) fn new(x: (f64, f64), y: (f64, f64), x_label: &str, y_label: &str) -> Chart {
        let y = if y.1 > y.0 { y } else { (y.0, y.0 + 1.0) };
        let x = if x.1 > x.0 { x } else { (x.0, x.0 + 1.0) };
        let mut c = Chart { x, y, svg: String::new() };
        let _ = write!(
            c.svg,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="11">"#
        );
        c.axes(x_label, y_label);
        c
    }

    fn px(&self, x: f64) -> f64 {
        M.0 + (x - self.x.0) / (self.x.1 - self.x.0) * (W - M.0 - M.3)
    }

    fn py(&self, y: f64) -> f64 {
        H - M.2 - (y - self.y.0) / (self.y.1 - self.y.0) * (H - M.1 - M.2)
    }

    fn axes(&mut self, x_label: &str, y_label: &str) {
        let (x0, x1, y0, y1) = (self.px(self.x.0), self.px(self.x.1), self.py(self.y.0), self.py(self.y.1));
        let _ = write!(self.svg, r##"<path d="M{x0},{y1}V{y0}H{x1}" fill="none" stroke="#444"/>"##);
        for i in 0..=TICKS {
            let f = i as f64 / TICKS as f64;
            let (xv, yv) = (self.x.0 + f * (self.x.1 - self.x.0), self.y.0 + f * (self.y.1 - self.y.0));
            let (tx, ty) = (self.px(xv), self.py(yv));
            let _ = write!(
                self.svg,
                r##"<text x="{tx:.1}" y="{:.1}" text-anchor="middle">{}</text><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text><path d="M{x0},{ty:.1}H{x1}" stroke="#eee"/>"##,
                y0 + 14.0,
                tick(xv),
                x0 - 4.0,
                ty + 4.0,
                tick(yv)
            );
        }
        let _ = write!(
            self.svg,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text><text x="12" y="{:.1}" transform="rotate(-90 12 {:.1})" text-anchor="middle">{}</text>"#,
            (x0 + x1) / 2.0,
            H - 6.0,
            escape(x_label),
            (y0 + y1) / 2.0,
            (y0 + y1) / 2.0,
            escape(y_label)
        );
    }

    /// A line through `points`; `dashed` for a baseline.
    pub(crate) fn line(&mut self, points: impl Iterator<Item = (f64, f64)>, color: &str, dashed: bool) {
        let mut d = String::new();
        for (i, (x, y)) in points.enumerate() {
            let _ = write!(d, "{}{:.1},{:.1}", if i == 0 { 'M' } else { 'L' }, self.px(x), self.py(y));
        }
        let dash = if dashed { r#" stroke-dasharray="5,3""# } else { "" };
        let _ = write!(self.svg, r#"<path d="{d}" fill="none" stroke="{color}" stroke-width="1.6"{dash}/>"#);
    }

    /// A bar from `y0` to `y1` over `[x0, x1)`.
    pub(crate) fn bar(&mut self, x: (f64, f64), y: (f64, f64), color: &str) {
        let (left, right) = (self.px(x.0), self.px(x.1));
        let (top, bottom) = (self.py(y.1), self.py(y.0));
        let _ = write!(
            self.svg,
            r#"<rect x="{left:.1}" y="{top:.1}" width="{:.1}" height="{:.1}" fill="{color}"/>"#,
            (right - left - 1.0).max(0.5),
            (bottom - top).max(0.0)
        );
    }

    /// A legend entry at row `k` of the top-right corner.
    pub(crate) fn legend(&mut self, k: usize, text: &str, color: &str) {
        let (x, y) = (W - M.3 - 250.0, M.1 + 12.0 + 15.0 * k as f64);
        let _ = write!(
            self.svg,
            r#"<rect x="{x}" y="{:.1}" width="10" height="10" fill="{color}"/><text x="{:.1}" y="{y:.1}">{}</text>"#,
            y - 9.0,
            x + 14.0,
            escape(text)
        );
    }

    pub(crate) fn finish(mut self) -> String {
        self.svg.push_str("</svg>");
        self.svg
    }
}

fn tick(v: f64) -> String {
    if v.abs() >= 10.0 { format!("{v:.0}") } else { format!("{v:.2}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_closed_svg_with_escaped_labels() {
        let mut c = Chart::new((0.0, 1.0), (0.0, 1.0), "recall", "precision <p>");
        c.line([(0.0, 1.0), (1.0, 0.1)].into_iter(), "#c00", false);
        c.bar((0.0, 0.5), (0.0, 0.3), "#00c");
        c.legend(0, "a & b", "#c00");
        let svg = c.finish();
        assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"));
        assert!(svg.contains("precision &lt;p&gt;") && svg.contains("a &amp; b"));
        assert!(svg.contains("M48.0,16.0L548.0,239.2"), "{svg}");
    }
}
