import { UsageError } from '../../cause/index.ts';
import type { Command } from '../command.ts';

const run: Command = async () => {
  throw new UsageError('classify: not implemented yet');
};
export default run;
