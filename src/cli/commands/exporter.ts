// Placeholder until the exporter lands: it only says so.
import { UsageError } from '../../cause/index.ts';
import type { Command } from '../command.ts';

const run: Command = () => Promise.reject(new UsageError('exporter: not built yet'));
export default run;
