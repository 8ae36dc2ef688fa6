#!/usr/bin/env tsx
import { runCli } from '@pilot/core';
import { notBuiltYet } from './lib/not-built.ts';

await runCli(notBuiltYet('migration-dryrun', 'the migration linter and dry-run'));
