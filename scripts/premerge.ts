#!/usr/bin/env tsx
import { runCli } from '@pilot/core';
import { notBuiltYet } from './lib/not-built.ts';

await runCli(notBuiltYet('premerge', 'the local pre-merge run'));
