// zod/mini on the start-up path of one-shot commands: the classic zod API bundles ~450 kB that every `probe`
// process would parse and run before its first request; zod/mini tree-shakes to what the schemas use. Its issues
// carry no English message by default, so this turns an issue into one.
import type { core } from 'zod/mini';

export function describeIssue(issue: core.$ZodIssue | undefined): string {
  if (!issue) return 'invalid';
  return issueText(issue, issue.path.length ? ` at ${issue.path.join('.')}` : '');
}

/** What is wrong, without quoting the value (it may be a secret); `where` is appended after the noun. */
export function issueText(issue: core.$ZodIssue, where = ''): string {
  switch (issue.code) {
    case 'invalid_type':
      // Only the type of the value is named, never the value itself (parse with reportInput to get it).
      return `Invalid input: expected ${issue.expected}${'input' in issue ? `, received ${typeName(issue.input)}` : ''}${where}`;
    case 'invalid_value':
      return `unexpected value${where} (expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')})`;
    case 'invalid_union':
      return `matches none of the allowed shapes${where}`;
    case 'invalid_format':
      return `bad ${issue.format}${where}`;
    case 'custom':
      return `${issue.message && issue.message !== 'Invalid input' ? issue.message : 'invalid'}${where}`;
    default:
      return `${issue.code.replace(/_/g, ' ')}${where}`;
  }
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}
