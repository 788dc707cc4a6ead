import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { POLICY_SCHEMA, policySchemaJson, DEFAULT_POLICY } from '../../helper/src/policy/index.js';
import { CONDITION_NAMES, type Conditions, type Policy, type Rule, type Waiver } from '../../helper/src/policy/types.js';
import { REPO_ROOT } from '../support/cli.js';

// Every key of the TS types, as records the compiler checks to be complete, compared with the schema below.
const POLICY_KEYS: Record<keyof Policy, true> = { version: true, mode: true, malicious: true, default_action: true, on_unknown: true, rules: true, waivers: true };
const RULE_KEYS: Record<keyof Rule, true> = { id: true, description: true, match: true, when: true, action: true, reason: true, on_unknown: true };
const WAIVER_KEYS: Record<keyof Waiver, true> = { id: true, package: true, version: true, reason: true, owner: true, expires: true, rules: true };
const CONDITION_KEYS: Record<keyof Conditions, true> = { source: true, published_within: true, typosquat: true, install_scripts: true, provenance: true, deprecated: true, license: true, suspicious: true,
  provenance_dropped: true, publisher_changed: true, install_script_added: true, dormant_for: true, vulnerable: true };

const keys = (o: object) => Object.keys(o).sort();

describe('policy schema', () => {
  it('the committed schemas/policy.schema.json is generated from helper/src/policy/schema.ts', () => {
    const committed = readFileSync(`${REPO_ROOT}/schemas/policy.schema.json`, 'utf8');
    expect(committed, 'run: npm run schemas').toBe(policySchemaJson());
  });

  it('names the same fields as the TypeScript types', () => {
    const p = POLICY_SCHEMA.properties;
    expect(keys(p).filter((k) => k !== '$schema')).toEqual(keys(POLICY_KEYS));
    expect(keys(p.rules.items.properties)).toEqual(keys(RULE_KEYS));
    expect(keys(p.waivers.items.properties)).toEqual(keys(WAIVER_KEYS));
    expect(keys(p.rules.items.properties.when.properties)).toEqual(keys(CONDITION_KEYS));
    expect([...CONDITION_NAMES].sort()).toEqual(keys(CONDITION_KEYS));
    expect(keys(p.on_unknown.oneOf[1].properties)).toEqual(keys(CONDITION_KEYS));
  });

  it('accepts the default policy', () => {
    const validate = new Ajv({ strict: false }).compile(POLICY_SCHEMA);
    expect(validate(JSON.parse(JSON.stringify(DEFAULT_POLICY))), JSON.stringify(validate.errors)).toBe(true);
  });
});
