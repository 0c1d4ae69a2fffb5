import { UsageError } from '../../cause/index.ts';
import type { Command } from '../command.ts';

const run: Command = async () => {
  throw new UsageError('demo: not implemented yet');
};
export default run;
