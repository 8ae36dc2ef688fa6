// Test fixture: starts a backup of argv[2] into argv[3] and prints "started" once the temp archive exists.
import { createBackup } from '../create.ts';

setTimeout(() => process.stdout.write('started\n'), 50);
await createBackup({ root: process.argv[2], paths: ['.'], out: process.argv[3], name: 'big', level: 9 });
process.stdout.write('done\n');
