import type { Rule } from '../types.ts';
import {
  alterColumnType,
  dropColumn,
  notNullWithoutDefault,
  renameColumn,
  setNotNull,
  volatileDefault,
} from './columns.ts';
import { constraintNotValid, uniqueNotUsingIndex, validateInSameTransaction } from './constraints.ts';
import { concurrentlyInTransaction, createIndexNonConcurrent, dropIndexNonConcurrent } from './indexes.ts';
import { cluster, dropTable, explicitTransaction, renameTable, vacuumFull } from './tables.ts';
import { missingTimeouts } from './timeouts.ts';

/** Every lint rule, in report order. */
export const RULES: readonly Rule[] = [
  createIndexNonConcurrent,
  concurrentlyInTransaction,
  dropIndexNonConcurrent,
  constraintNotValid,
  validateInSameTransaction,
  uniqueNotUsingIndex,
  setNotNull,
  alterColumnType,
  volatileDefault,
  notNullWithoutDefault,
  renameColumn,
  renameTable,
  dropColumn,
  dropTable,
  vacuumFull,
  cluster,
  explicitTransaction,
  missingTimeouts,
];
