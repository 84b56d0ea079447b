// Placeholder composition root; replaced as commands land.
import { Command } from 'commander';

const program = new Command('agmedic');
program.description('Guided remediation for SQL Server Always On and the Managed Instance link');
await program.parseAsync(process.argv);
