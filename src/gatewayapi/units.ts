/**
 * The value formats Envoy Gateway's API borrows from Go and Kubernetes: Go durations
 * (time.ParseDuration / Duration.String, as the reference's IR prints them) and Kubernetes
 * resource quantities ("64Ki", "50M", "100m").
 */

const durationUnits: Record<string, number> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3,
  'μs': 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Go's time.ParseDuration, in nanoseconds; undefined when Go would reject the text. */
export function parseGoDuration(text: string): number | undefined {
  if (typeof text !== 'string') return undefined;
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest[0] === '-') sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let total = 0;
  const part = /^(\d*\.?\d*)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/;
  while (rest !== '') {
    const match = part.exec(rest);
    if (!match || match[1] === '' || match[1] === '.') return undefined;
    total += Number(match[1]) * durationUnits[match[2]];
    rest = rest.slice(match[0].length);
  }
  return sign * Math.round(total);
}

/** Go's Duration.String: "1h0m0s", "2m40s", "5.4s", "500ms", "0s". */
export function formatGoDuration(nanoseconds: number): string {
  if (nanoseconds === 0) return '0s';
  const negative = nanoseconds < 0;
  let ns = Math.abs(Math.round(nanoseconds));
  let text: string;
  if (ns < 1e9) {
    const [unit, size] = ns < 1e3 ? ['ns', 1] : ns < 1e6 ? ['µs', 1e3] : ['ms', 1e6];
    text = `${trimFraction(ns / size)}${unit}`;
  } else {
    const hours = Math.floor(ns / 3600e9);
    ns -= hours * 3600e9;
    const minutes = Math.floor(ns / 60e9);
    ns -= minutes * 60e9;
    const seconds = `${trimFraction(ns / 1e9)}s`;
    text = hours > 0 ? `${hours}h${minutes}m${seconds}` : minutes > 0 ? `${minutes}m${seconds}` : seconds;
  }
  return negative ? `-${text}` : text;
}

function trimFraction(value: number): string {
  return String(Number(value.toFixed(9)));
}

/** A Go duration re-printed the way the reference's IR shows it ("1200s" → "20m0s"). */
export function normalizeGoDuration(text: string): string | undefined {
  const ns = parseGoDuration(text);
  return ns === undefined ? undefined : formatGoDuration(ns);
}

const binarySuffixes: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const decimalSuffixes: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

export interface Quantity {
  /** The numeric value (bytes, requests...). */
  value: number;
  /** Kubernetes' canonical spelling, as Quantity.String() prints it ("1000G" → "1T"). */
  text: string;
}

/** A Kubernetes resource.Quantity; undefined when the text is not one. */
export function parseQuantity(input: string | number): Quantity | undefined {
  const text = String(input).trim();
  const match = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/.exec(text);
  if (!match) return undefined;
  const [, number, exponent, suffix = ''] = match;
  if (suffix in binarySuffixes) {
    const value = Number(number) * binarySuffixes[suffix];
    return { value, text: canonicalBinary(value, number, suffix) };
  }
  const power = exponent ? Number(exponent.slice(1)) : decimalSuffixes[suffix];
  const value = Number(number) * 10 ** power;
  return { value: Number(value.toPrecision(15)), text: canonicalDecimal(number, power) };
}

/** The integer value of a quantity (Quantity.AsInt64); undefined for fractions. */
export function quantityAsInteger(quantity: Quantity): number | undefined {
  return Number.isInteger(quantity.value) ? quantity.value : undefined;
}

function canonicalBinary(value: number, number: string, suffix: string): string {
  if (!Number.isInteger(value)) return `${number}${suffix}`;
  if (value === 0) return '0';
  const order = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
  let index = 0;
  let mantissa = value;
  while (index < order.length - 1 && mantissa % 1024 === 0) {
    mantissa /= 1024;
    index++;
  }
  return `${mantissa}${order[index]}`;
}

/** Decimal quantities print as an integer mantissa with the largest SI exponent (multiple of 3). */
function canonicalDecimal(number: string, power: number): string {
  const negative = number.startsWith('-');
  let digits = number.replace(/^[+-]/, '');
  let exponent = power;
  const dot = digits.indexOf('.');
  if (dot >= 0) {
    exponent -= digits.length - dot - 1;
    digits = digits.replace('.', '');
  }
  digits = digits.replace(/^0+(?=\d)/, '');
  if (/^0*$/.test(digits)) return '0';
  while (digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    exponent++;
  }
  // Bring the exponent down to a multiple of 3 the SI suffixes can name.
  while (((exponent % 3) + 3) % 3 !== 0) {
    digits += '0';
    exponent--;
  }
  const names: Record<number, string> = { [-9]: 'n', [-6]: 'u', [-3]: 'm', 0: '', 3: 'k', 6: 'M', 9: 'G', 12: 'T', 15: 'P', 18: 'E' };
  while (exponent > 18) {
    digits += '000';
    exponent -= 3;
  }
  const name = names[exponent] ?? `e${exponent}`;
  return `${negative ? '-' : ''}${digits}${name}`;
}
