import type { GeneratedValidator } from './validator';
export const validate: GeneratedValidator;
