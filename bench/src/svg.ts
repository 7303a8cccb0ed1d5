/**
 * The README chart (`--svg FILE`), hand-written SVG with no dependencies: for each goal (issue 4's, and issue 17's of the mixed scenario),
 * threadfetch's measured figure (green when it meets the goal, red when not) above the naive design's
 * (grey), the goal as a dashed line and, for ratios, undici on the main thread (1.0x) as a solid line.
 * Each row has its own scale, as the figures are in different units.
 */
import type { Goal } from './goals.js';

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const fmt = (g: Goal, v: number) =>
  g.unit === 'x' ? `${v.toFixed(2)}x` : g.unit === 'ms' ? `${v.toFixed(1)} ms` : g.unit === '%' ? `${v.toFixed(1)}%` : `${v.toFixed(1)} floors`;

/** The chart as an SVG document. */
export function chart(title: string, goals: readonly Goal[]): string {
  const width = 1030;
  const left = 450;
  const plot = 360;
  const rowHeight = 72;
  const height = 70 + goals.length * rowHeight;
  const rows = goals.map((g, i) => {
    const y = 58 + i * rowHeight;
    const top = Math.max(g.value, g.max, g.goal, g.naive ?? 0, g.unit === 'x' ? 1 : 0) * 1.08 || 1;
    const x = (v: number) => left + (Math.max(0, v) / top) * plot;
    // The goal's label goes under its line, undici's over it, so that the two never overlap.
    const line = (v: number, dash: string, label: string, labelY: number) =>
      `<line x1="${x(v).toFixed(1)}" y1="${y - 4}" x2="${x(v).toFixed(1)}" y2="${y + 40}" stroke="#000"${dash}/>` +
      `<text x="${x(v).toFixed(1)}" y="${labelY}" text-anchor="middle" font-size="10">${escapeXml(label)}</text>`;
    const parts = [
      `<text x="${left - 10}" y="${y + 14}" text-anchor="end" font-size="12">${escapeXml(g.figure)}</text>`,
      `<text x="${left - 10}" y="${y + 30}" text-anchor="end" font-size="11" fill="#555">goal ${g.lowerIsBetter ? '≤' : '≥'} ${fmt(g, g.goal)}: ${g.met ? 'pass' : 'miss'}</text>`,
      `<rect x="${left}" y="${y}" width="${(x(g.value) - left).toFixed(1)}" height="16" fill="${g.met ? '#2e7d32' : '#c62828'}"/>`,
      `<line x1="${x(g.min).toFixed(1)}" y1="${y + 8}" x2="${x(g.max).toFixed(1)}" y2="${y + 8}" stroke="#222"/>`,
      `<text x="${(x(Math.max(g.value, g.max)) + 6).toFixed(1)}" y="${y + 13}" font-size="12">threadfetch ${fmt(g, g.value)}</text>`,
    ];
    if (g.naive !== undefined) {
      parts.push(
        `<rect x="${left}" y="${y + 20}" width="${(x(g.naive) - left).toFixed(1)}" height="12" fill="#9e9e9e"/>`,
        `<text x="${(x(g.naive) + 6).toFixed(1)}" y="${y + 31}" font-size="11" fill="#555">naive ${fmt(g, g.naive)}</text>`,
      );
    }
    parts.push(line(g.goal, ' stroke-dasharray="4 2"', 'goal', y + 51));
    if (g.unit === 'x') parts.push(line(1, '', 'undici', y - 7));
    return parts.join('');
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" role="img">`,
    `<title>${escapeXml(title)}</title>`,
    '<rect width="100%" height="100%" fill="#fff"/>',
    `<text x="${width / 2}" y="26" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    ...rows,
    `<text x="${left}" y="${height - 10}" font-size="11" fill="#555">Bars: median over rounds; whisker: lowest-highest round. Each row has its own scale.</text>`,
    '</svg>',
    '',
  ].join('\n');
}
