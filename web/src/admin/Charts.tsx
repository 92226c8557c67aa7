/** A bar chart in plain SVG (no chart library: the console stays small). */
export function BarChart({
  data,
  label,
  format,
  height = 180,
}: {
  data: { x: string; y: number }[];
  label: string;
  format: (v: number) => string;
  height?: number;
}) {
  const width = 640;
  const pad = { l: 8, r: 8, t: 16, b: 28 };
  const max = Math.max(1, ...data.map((d) => d.y));
  const w = (width - pad.l - pad.r) / Math.max(1, data.length);
  const barW = Math.max(2, w * 0.7);
  const every = Math.ceil(data.length / 8);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label}>
        <title>{label}</title>
        <line x1={pad.l} x2={width - pad.r} y1={height - pad.b} y2={height - pad.b} stroke="#c3c8d3" />
        {data.map((d, i) => {
          const h = ((height - pad.t - pad.b) * d.y) / max;
          const x = pad.l + i * w + (w - barW) / 2;
          return (
            <g key={d.x}>
              <rect x={x} y={height - pad.b - h} width={barW} height={h} rx={2} fill="#0f5bd8">
                <title>{`${d.x}: ${format(d.y)}`}</title>
              </rect>
              {i % every === 0 ? (
                <text x={x + barW / 2} y={height - 10} fontSize="10" textAnchor="middle" fill="#5b6172">
                  {d.x.slice(5)}
                </text>
              ) : null}
            </g>
          );
        })}
        <text x={pad.l} y={11} fontSize="10" fill="#5b6172">
          {format(max)}
        </text>
      </svg>
      <figcaption className="sr-only">
        {data.map((d) => `${d.x}: ${format(d.y)}`).join('; ')}
      </figcaption>
    </figure>
  );
}

export function LoadBar({ value }: { value: number | null }) {
  if (value == null) return <span className="muted">—</span>;
  const pct = Math.round(value <= 1 ? value * 100 : value);
  return (
    <span className="load" style={{ display: 'inline-flex', alignItems: 'center', gap: 8 }}>
      <span className="bar-track" aria-hidden="true">
        <span className={pct >= 90 ? 'bar-fill high' : 'bar-fill'} style={{ width: `${Math.min(100, pct)}%`, display: 'block' }} />
      </span>
      <span>{pct}%</span>
    </span>
  );
}
