//! SLOs (`errors=0,p99<250ms`) and the report: Markdown, HTML, SVG plots, CSV and JSON.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::stats::{Stats, Summary};
use crate::LoadOptions;

/// One objective: a measure, a comparison and a bound.
#[derive(Debug, Clone, PartialEq)]
pub struct Slo {
    pub measure: Measure,
    pub op: Op,
    pub bound: f64,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Measure {
    Errors,
    ErrorRate,
    P50,
    P90,
    P99,
    Max,
    Rps,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Op {
    Lt,
    Le,
    Eq,
    Gt,
    Ge,
}

impl Slo {
    /// Parses a comma-separated list: `errors=0`, `error_rate<0.01`, `p50<20ms`, `p90<100ms`,
    /// `p99<250ms`, `max<1s`, `rps>100`.
    pub fn parse_list(text: &str) -> Result<Vec<Slo>, String> {
        text.split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(Slo::parse)
            .collect()
    }

    fn parse(text: &str) -> Result<Slo, String> {
        let ops = [
            ("<=", Op::Le),
            (">=", Op::Ge),
            ("<", Op::Lt),
            (">", Op::Gt),
            ("=", Op::Eq),
        ];
        let (name, op, value) = ops
            .iter()
            .find_map(|(symbol, op)| {
                text.split_once(symbol)
                    .map(|(n, v)| (n.trim(), *op, v.trim()))
            })
            .ok_or_else(|| format!("'{text}': expected a comparison such as p99<250ms"))?;
        let measure = match name {
            "errors" => Measure::Errors,
            "error_rate" => Measure::ErrorRate,
            "p50" => Measure::P50,
            "p90" => Measure::P90,
            "p99" => Measure::P99,
            "max" => Measure::Max,
            "rps" => Measure::Rps,
            other => {
                return Err(format!(
                    "'{other}': unknown measure (errors, error_rate, p50, p90, p99, max, rps)"
                ))
            }
        };
        let is_latency = matches!(
            measure,
            Measure::P50 | Measure::P90 | Measure::P99 | Measure::Max
        );
        let (number, scale) = if let Some(n) = value.strip_suffix("ms") {
            (n, 1.0)
        } else if let Some(n) = value.strip_suffix('s').filter(|_| is_latency) {
            (n, 1000.0)
        } else {
            (value, 1.0)
        };
        let bound: f64 = number
            .trim()
            .parse::<f64>()
            .map_err(|_| format!("'{text}': '{value}' is not a number"))?
            * scale;
        Ok(Slo {
            measure,
            op,
            bound,
            text: text.to_string(),
        })
    }

    fn actual(&self, s: &Summary) -> f64 {
        match self.measure {
            Measure::Errors => s.errors as f64,
            Measure::ErrorRate => s.error_rate,
            Measure::P50 => s.p50_ms,
            Measure::P90 => s.p90_ms,
            Measure::P99 => s.p99_ms,
            Measure::Max => s.max_ms,
            Measure::Rps => s.requests_per_second,
        }
    }

    fn holds(&self, s: &Summary) -> bool {
        let a = self.actual(s);
        match self.op {
            Op::Lt => a < self.bound,
            Op::Le => a <= self.bound,
            Op::Eq => (a - self.bound).abs() < 1e-9,
            Op::Gt => a > self.bound,
            Op::Ge => a >= self.bound,
        }
    }
}

/// The objectives missed, each with what was measured.
pub fn evaluate(slos: &[Slo], summary: &Summary) -> Vec<String> {
    slos.iter()
        .filter(|slo| !slo.holds(summary))
        .map(|slo| format!("{} (measured {:.3})", slo.text, slo.actual(summary)))
        .collect()
}

/// Writes the report into `dir` and returns the path of its Markdown page.
pub fn write(
    dir: &Path,
    options: &LoadOptions,
    _stats: &Stats,
    s: &Summary,
    missed: &[String],
    violations: &[String],
) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let per_second = &s.per_second;
    let throughput = crate::plot::line_chart(
        "Throughput",
        "req/s",
        &[(
            "requests/s",
            "#1f77b4",
            per_second.iter().map(|p| p.requests as f64).collect(),
        )],
    );
    let latency = crate::plot::line_chart(
        "Latency",
        "ms",
        &[
            (
                "p50",
                "#2ca02c",
                per_second.iter().map(|p| p.p50_ms).collect(),
            ),
            (
                "p99",
                "#ff7f0e",
                per_second.iter().map(|p| p.p99_ms).collect(),
            ),
        ],
    );
    let errors = crate::plot::line_chart(
        "Errors",
        "/s",
        &[(
            "errors/s",
            "#d62728",
            per_second.iter().map(|p| p.errors as f64).collect(),
        )],
    );
    std::fs::write(dir.join("throughput.svg"), &throughput)?;
    std::fs::write(dir.join("latency.svg"), &latency)?;
    std::fs::write(dir.join("errors.svg"), &errors)?;
    let mut csv = String::from("second,requests,errors,p50_ms,p99_ms\n");
    for p in per_second {
        let _ = writeln!(
            csv,
            "{},{},{},{:.3},{:.3}",
            p.second, p.requests, p.errors, p.p50_ms, p.p99_ms
        );
    }
    std::fs::write(dir.join("per-second.csv"), csv)?;
    std::fs::write(
        dir.join("per-second.json"),
        serde_json::to_string_pretty(per_second)?,
    )?;
    std::fs::write(dir.join("summary.json"), serde_json::to_string_pretty(s)?)?;

    let mut md = String::new();
    let load = match (options.users, options.rate) {
        (Some(u), _) => format!("{u} users"),
        (_, Some(r)) => format!("{r} arrivals/s"),
        _ => String::new(),
    };
    let _ = writeln!(md, "# Load report\n");
    let _ = writeln!(
        md,
        "Target `{}`, mix `{:?}`, {load}, {:.0} s (ramp {:.0} s).\n",
        options.target,
        options.mix,
        options.duration.as_secs_f64(),
        options.ramp.as_secs_f64()
    );
    let _ = writeln!(md, "| requests | errors | error rate | req/s | p50 ms | p90 ms | p99 ms | max ms | dropped arrivals |");
    let _ = writeln!(md, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let _ = writeln!(
        md,
        "| {} | {} | {:.4} | {:.1} | {:.2} | {:.2} | {:.2} | {:.2} | {} |\n",
        s.requests,
        s.errors,
        s.error_rate,
        s.requests_per_second,
        s.p50_ms,
        s.p90_ms,
        s.p99_ms,
        s.max_ms,
        s.dropped_arrivals
    );
    let _ = writeln!(md, "## Objectives\n");
    if options.slo.is_empty() {
        let _ = writeln!(md, "None given (`--slo`).\n");
    }
    for slo in &options.slo {
        let verdict = if missed.iter().any(|m| m.starts_with(&slo.text)) {
            "MISSED"
        } else {
            "met"
        };
        let _ = writeln!(md, "- `{}`: {verdict}", slo.text);
    }
    let _ = writeln!(md, "\n## Invariants\n");
    if violations.is_empty() {
        let _ = writeln!(md, "Held: stock never negative; every confirmed order still there; every retried checkout returned its first order.\n");
    }
    for v in violations {
        let _ = writeln!(md, "- VIOLATED: {v}");
    }
    let _ = writeln!(md, "\n## Endpoints\n");
    let _ = writeln!(
        md,
        "| endpoint | count | errors | statuses | p50 ms | p90 ms | p99 ms | max ms |"
    );
    let _ = writeln!(md, "|---|---:|---:|---|---:|---:|---:|---:|");
    for e in &s.endpoints {
        let statuses: Vec<String> = e
            .by_status
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        let _ = writeln!(
            md,
            "| `{}` | {} | {} | {} | {:.2} | {:.2} | {:.2} | {:.2} |",
            e.endpoint,
            e.count,
            e.errors,
            statuses.join(", "),
            e.p50_ms,
            e.p90_ms,
            e.p99_ms,
            e.max_ms
        );
    }
    let _ = writeln!(md, "\n## Errors by status and problem code\n");
    if s.error_codes.is_empty() {
        let _ = writeln!(md, "None.");
    }
    for (code, count) in &s.error_codes {
        let _ = writeln!(md, "- `{code}`: {count}");
    }
    let _ = writeln!(md, "\n## Over time\n\n![throughput](throughput.svg)\n\n![latency](latency.svg)\n\n![errors](errors.svg)\n\nRaw figures: [per-second.csv](per-second.csv), [per-second.json](per-second.json), [summary.json](summary.json).");
    let markdown = dir.join("report.md");
    std::fs::write(&markdown, &md)?;
    let html = format!(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Wayfare load report</title><body style=\"font-family:sans-serif;max-width:900px;margin:2em auto\"><pre style=\"white-space:pre-wrap\">{}</pre>{throughput}{latency}{errors}</body></html>",
        md.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
    );
    std::fs::write(dir.join("report.html"), html)?;
    Ok(markdown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objectives_parse_with_units() {
        let slos =
            Slo::parse_list("errors=0, p99<250ms, max<=1.5s, rps>100, error_rate<0.01").unwrap();
        assert_eq!(slos.len(), 5);
        assert_eq!(slos[1].measure, Measure::P99);
        assert_eq!(slos[1].bound, 250.0);
        assert_eq!(slos[2].bound, 1500.0);
        assert_eq!(slos[2].op, Op::Le);
        assert!(Slo::parse_list("latency<3").is_err());
        assert!(Slo::parse_list("p99 250").is_err());
    }
}
