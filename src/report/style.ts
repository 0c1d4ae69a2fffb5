// Minimal ANSI styling; a no-op when colour is off (not a TTY, NO_COLOR, or JSON output). Styles are marks that
// only the output boundary turns into escape sequences, after escaping whatever the text holds (src/output).
import { styleMark } from '../output/index.ts';

export interface Style {
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

const wrap = (open: number, close: number) => (s: string) =>
  `${styleMark(String(open))}${s}${styleMark(String(close))}`;

export function style(colour: boolean): Style {
  if (!colour) {
    const id = (s: string) => s;
    return { red: id, green: id, yellow: id, dim: id, bold: id };
  }
  return {
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    dim: wrap(2, 22),
    bold: wrap(1, 22),
  };
}
