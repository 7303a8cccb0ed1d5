/** One progress line on stderr, rewritten in place on a terminal, one line per step otherwise. */
const tty = process.stderr.isTTY === true;
let last = '';

/** Shows `text` as the current step. */
export function progress(text: string): void {
  if (text === last) return;
  last = text;
  if (tty) process.stderr.write(`\r\x1b[2K${text}`);
  else process.stderr.write(`${text}\n`);
}

/** Clears the progress line before the tables are printed. */
export function progressDone(): void {
  if (tty && last !== '') process.stderr.write('\r\x1b[2K');
  last = '';
}
