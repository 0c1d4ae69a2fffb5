import { charAt, describeChar, isAsciiAlnum, isHexDigit, quote } from './text.ts';
import type { Problem } from './types.ts';

// distribution's domainAndPort: a DNS-like name (labels of letters, digits and inner '-'; uppercase allowed),
// a dotted IPv4 address (which the same label rule covers), or an IPv6 literal in brackets without zone
// identifier or embedded IPv4; then an optional ':' and decimal port.

/**
 * Docker's rule for whether the first '/'-separated component names a registry rather than a namespace
 * (normalize.go `splitDockerDomain`). Only meaningful when the name has at least two components.
 */
export function looksLikeDomain(first: string): boolean {
  return first === 'localhost' || first.includes('.') || first.includes(':') || first.toLowerCase() !== first;
}

/** The domain always starts the input, so positions here are already absolute. */
export function checkDomain(text: string): Problem | null {
  if (text.startsWith('[')) return checkBracketed(text);
  const colon = text.indexOf(':');
  const host = colon < 0 ? text : text.slice(0, colon);
  if (colon >= 0 && text.indexOf(':', colon + 1) >= 0) {
    const allHex = [...text].every((c) => c === ':' || isHexDigit(c));
    return allHex
      ? { reason: `IPv6 registry addresses must be in brackets, e.g. "[${text}]" or "[fc00::1]:5000"`, at: 0 }
      : {
          reason: `registry ${quote(text)} has more than one ':' (only one, before the port, is allowed)`,
          at: 0,
        };
  }
  return checkHostName(host) ?? (colon < 0 ? null : checkPort(text.slice(colon + 1), colon + 1));
}

function checkHostName(host: string): Problem | null {
  if (host === '') return { reason: 'registry host name is empty', at: 0 };
  let start = 0;
  for (const label of host.split('.')) {
    const problem = checkLabel(label, host, start);
    if (problem) return problem;
    start += label.length + 1;
  }
  return null;
}

function checkLabel(label: string, host: string, start: number): Problem | null {
  if (label === '') {
    return {
      reason: `registry host name ${quote(host)} has an empty label (check for '..' or a leading or trailing '.')`,
      at: start,
    };
  }
  for (let i = 0; i < label.length; i++) {
    const c = label[i] as string;
    if (!isAsciiAlnum(c) && c !== '-') {
      return {
        reason: `invalid character ${describeChar(label, i)} at ${charAt(start + i)} in registry host name ${quote(host)} (letters, digits, '-' and '.' only)`,
        at: start + i,
      };
    }
  }
  if (label.startsWith('-') || label.endsWith('-')) {
    return {
      reason: `registry host name ${quote(host)}: label ${quote(label)} must not start or end with '-'`,
      at: start + (label.startsWith('-') ? 0 : label.length - 1),
    };
  }
  return null;
}

function checkPort(port: string, start: number): Problem | null {
  if (port === '') return { reason: "registry port is empty after ':'", at: start - 1 };
  for (let i = 0; i < port.length; i++) {
    const c = port[i] as string;
    if (c < '0' || c > '9') {
      return { reason: `registry port ${quote(port)} must be a decimal number`, at: start + i };
    }
  }
  return null;
}

function checkBracketed(text: string): Problem | null {
  const close = text.indexOf(']');
  if (close < 0) return { reason: "IPv6 registry address is missing its closing ']'", at: 0 };
  const inner = text.slice(1, close);
  if (inner === '') return { reason: 'IPv6 registry address is empty', at: 1 };
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i] as string;
    if (c === '%') {
      return {
        reason: `IPv6 zone identifiers (${quote(inner.slice(i))}) are not allowed in image references`,
        at: 1 + i,
      };
    }
    if (c !== ':' && !isHexDigit(c)) {
      const hint = c === '.' ? ' (embedded IPv4 forms such as ::ffff:1.2.3.4 are not allowed)' : '';
      return {
        reason: `invalid character ${describeChar(inner, i)} at ${charAt(1 + i)} in IPv6 registry address${hint}`,
        at: 1 + i,
      };
    }
  }
  const rest = text.slice(close + 1);
  if (rest === '') return null;
  if (!rest.startsWith(':')) {
    return {
      reason: `unexpected ${describeChar(rest, 0)} after the IPv6 address; only ':<port>' may follow ']'`,
      at: close + 1,
    };
  }
  return checkPort(rest.slice(1), close + 2);
}
