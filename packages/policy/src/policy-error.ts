import { UsageError } from '@pilot/core';

/** A policy data file is unreadable or invalid: bad input, exit 2. */
export class PolicyError extends UsageError {}
