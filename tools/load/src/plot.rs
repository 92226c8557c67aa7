//! Small SVG line charts (no plotting dependency): one x axis in seconds, one or more series.

/// A line chart of `series` (name, colour, one value per second).
pub fn line_chart(title: &str, unit: &str, series: &[(&str, &str, Vec<f64>)]) -> String {
    let (width, height, left, right, top, bottom) = (780.0, 260.0, 80.0, 20.0, 30.0, 40.0);
    let points = series.iter().map(|s| s.2.len()).max().unwrap_or(0).max(2);
    let max = series
        .iter()
        .flat_map(|s| s.2.iter().copied())
        .fold(0.0_f64, f64::max)
        .max(1e-9)
        * 1.1;
    let x = |i: usize| left + (width - left - right) * i as f64 / (points - 1) as f64;
    let y = |v: f64| top + (height - top - bottom) * (1.0 - v / max);
    let mut svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="{left}" y="18" font-size="13" font-weight="bold">{}</text>
"##,
        escape(title)
    );
    // Axes and four grid lines with labels.
    for i in 0..=4 {
        let value = max * f64::from(i) / 4.0;
        let yy = y(value);
        svg.push_str(&format!(
            r##"<line x1="{left}" y1="{yy:.1}" x2="{:.1}" y2="{yy:.1}" stroke="#e0e0e0"/><text x="{:.1}" y="{:.1}" text-anchor="end">{:.1} {}</text>
"##,
            width - right,
            left - 4.0,
            yy + 4.0,
            value,
            escape(unit)
        ));
    }
    let ticks = 6.min(points - 1).max(1);
    for t in 0..=ticks {
        let i = (points - 1) * t / ticks;
        svg.push_str(&format!(
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle">{i}s</text>
"##,
            x(i),
            height - bottom + 16.0
        ));
    }
    for (n, (name, colour, values)) in series.iter().enumerate() {
        let path: Vec<String> = values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v)))
            .collect();
        svg.push_str(&format!(
            r##"<polyline fill="none" stroke="{colour}" stroke-width="1.8" points="{}"/>
<text x="{:.1}" y="{:.1}" fill="{colour}">{}</text>
"##,
            path.join(" "),
            width - right - 150.0 + 75.0 * n as f64,
            18.0,
            escape(name)
        ));
    }
    svg.push_str("</svg>\n");
    svg
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_chart_is_an_svg_with_one_polyline_per_series() {
        let svg = super::line_chart(
            "Throughput",
            "req/s",
            &[
                ("a", "#1f77b4", vec![1.0, 2.0, 3.0]),
                ("b", "#d62728", vec![0.0, 1.0]),
            ],
        );
        assert!(svg.starts_with("<svg"));
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.trim_end().ends_with("</svg>"));
    }
}
