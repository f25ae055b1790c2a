/**
 * Validators for our YAML files (catalog, inventory, runbook front matter), precompiled from the
 * JSON schemas in runbooks/ by scripts/generate-validators.mjs: no schema compilation at run time.
 */
import type { ErrorObject } from 'ajv';
import * as generated from './generated/validators';

export interface SchemaValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

export const catalogValidator: SchemaValidator = generated.catalog;
export const inventoryValidator: SchemaValidator = generated.inventory;
export const runbookValidator: SchemaValidator = generated.runbook;
