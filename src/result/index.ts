// The shared vocabulary of results: what a probe found and what a diagnosis reports. A leaf: it imports only the
// cause taxonomy, so transport, registry, probe, diagnose and report can all speak it without importing each other.
export * from './probe.ts';
export * from './finding.ts';
export * from './runtime.ts';
