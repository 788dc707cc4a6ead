export { evaluate } from './engine.js';
export { loadPolicy, parsePolicy } from './load.js';
export { DEFAULT_POLICY } from './defaults.js';
export { POLICY_SCHEMA, policySchemaJson } from './schema.js';
export { compilePolicy, MALICIOUS_RULE_ID, DEFAULT_RULE_ID } from './compile.js';
export type * from './types.js';
