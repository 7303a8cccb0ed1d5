/** Prints a table with aligned columns: the first column left-aligned, the others right-aligned. */
export function printTable(title: string, rows: readonly (readonly string[])[]): void {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  }
  console.log(`\n${title}`);
  for (const row of rows) console.log(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  '));
}

/** `0.64x`. */
export const ratio = (value: number, digits = 2): string => `${value.toFixed(digits)}x`;
