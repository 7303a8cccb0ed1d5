/** The README chart: each goal's measured ratio as a bar beside its goal line, as a plain SVG. */

export interface Bar {
  readonly label: string;
  readonly value: number;
  readonly goal: number;
  /** true when lower is better. */
  readonly lowerIsBetter: boolean;
}

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function chart(title: string, bars: readonly Bar[]): string {
  const width = 760;
  const rowHeight = 44;
  const left = 330;
  const plot = width - left - 90;
  const height = 60 + bars.length * rowHeight;
  const top = Math.max(...bars.flatMap((b) => [b.value, b.goal]), 1) * 1.1;
  const x = (v: number) => left + (Math.max(0, v) / top) * plot;
  const rows = bars.map((b, i) => {
    const y = 45 + i * rowHeight;
    const met = b.lowerIsBetter ? b.value <= b.goal : b.value >= b.goal;
    const color = met ? '#2e7d32' : '#c62828';
    return [
      `<text x="${left - 10}" y="${y + 17}" text-anchor="end" font-size="13">${escapeXml(b.label)}</text>`,
      `<rect x="${left}" y="${y + 4}" width="${(x(b.value) - left).toFixed(1)}" height="18" fill="${color}"/>`,
      `<line x1="${x(b.goal).toFixed(1)}" y1="${y}" x2="${x(b.goal).toFixed(1)}" y2="${y + 26}" stroke="#000" stroke-dasharray="4 2"/>`,
      `<text x="${(x(Math.max(b.value, b.goal)) + 6).toFixed(1)}" y="${y + 17}" font-size="12">${b.value.toFixed(2)} (goal ${b.lowerIsBetter ? '≤' : '≥'} ${b.goal})</text>`,
    ].join('');
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" role="img">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    ...rows,
    '</svg>',
  ].join('\n');
}
