// Types for the generated standalone validators (scripts/generate-validators.mjs).
import type { ErrorObject } from 'ajv';

export interface GeneratedValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

export const catalog: GeneratedValidator;
export const inventory: GeneratedValidator;
export const runbook: GeneratedValidator;
