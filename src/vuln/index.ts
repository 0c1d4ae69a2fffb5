export type { Vulnerability, VulnerabilityIndex, VulnerabilityReport } from './types.ts';
export { createVulnerabilityIndex } from './vuln-index.ts';
export {
  parseOperatorReport,
  parseTrivy,
  isOperatorReport,
  isTrivyReport,
  VulnerabilityDataError,
  OPERATOR_API_VERSION,
} from './parse.ts';
export { loadReportFiles, reportsFromObjects, type LoadedReports } from './load.ts';
