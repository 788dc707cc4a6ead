/**
 * The JSON Schema of the policy file: the one source of `schemas/policy.schema.json` (written by
 * `npm run schemas`, printed by `sscs policy schema`). A test fails when the committed file
 * drifts from this constant, or when its property names drift from the types in ./types.ts.
 */

import { SOURCE_KINDS } from '../deps/model.js';
import { DEFAULT_HISTORY_WINDOW, HISTORY_DEPTH } from './types.js';
import { ECOSYSTEMS } from '../ecosystems/index.js';

export const POLICY_SCHEMA_ID = 'https://sscs.dev/schemas/policy.schema.json';

const ACTION = { type: 'string', enum: ['allow', 'deny', 'quarantine', 'warn'] } as const;
const SEVERITY = { type: 'string', enum: ['low', 'medium', 'high', 'critical'] } as const;
export const DURATION = { type: 'string', pattern: '^[1-9][0-9]*(m|h|d|w)$', description: 'A duration: 30m, 48h, 7d, 2w.' } as const;
const SPDX_IDS = { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, maxItems: 1000 } as const;
const SOURCES = {
  type: 'array',
  items: { type: 'string', enum: SOURCE_KINDS },
  minItems: 1,
  uniqueItems: true,
  description: 'Where the package comes from: registry (a registry or package index), git (a repository at a commit), url (a remote archive: tarball, wheel, sdist), file (an archive on disk).',
} as const;
const HISTORY_WINDOW = {
  oneOf: [
    { type: 'boolean' },
    { type: 'integer', minimum: 1, maximum: HISTORY_DEPTH, description: 'How many versions published before this one to compare with.' },
  ],
} as const;
const ID = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$' } as const;

const PACKAGE_MATCHER = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    ecosystem: { type: 'string', enum: ECOSYSTEMS },
    scope: { type: 'string', minLength: 1, maxLength: 214, description: 'npm scope, with or without @.' },
    name: { type: 'string', minLength: 1, maxLength: 214, description: 'Glob over the full package name: * any run of characters, ? one. PyPI names compare PEP 503-normalised.' },
    version: { type: 'string', minLength: 1, maxLength: 256, description: "Range in the ecosystem's grammar: npm a semver range, PyPI a PEP 440 specifier or version; prereleases included." },
  },
} as const;

const MATCH_SPEC = {
  oneOf: [
    { type: 'string', minLength: 1, maxLength: 512, description: 'pkg:npm/@scope/name-glob@range, pkg:pypi/name-glob@specifier, or a bare name glob (any ecosystem).' },
    PACKAGE_MATCHER,
  ],
} as const;

export const POLICY_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: POLICY_SCHEMA_ID,
  title: 'sscs dependency policy',
  description: 'Allow, deny, quarantine or warn on dependencies. Evaluation order: waivers, known-malicious feed, rules in file order (first allow/deny/quarantine decides; warn rules note and go on), default_action.',
  type: 'object',
  additionalProperties: false,
  required: ['version'],
  properties: {
    $schema: { type: 'string' },
    version: { const: 1, description: 'Version of the policy format.' },
    mode: { type: 'string', enum: ['enforce', 'warn'], description: 'enforce: deny and quarantine fail the check; warn: report only. --mode overrides it.' },
    malicious: { type: 'string', enum: ['deny', 'quarantine', 'warn'], description: 'Outcome for a version listed in the known-malicious feed, checked before any rule. Default deny.' },
    default_action: { ...ACTION, description: 'Outcome when no rule decides. Default allow.' },
    on_unknown: {
      description: "Outcome when a condition needs metadata that is unavailable. Default: the deciding rule's own action (fail closed).",
      oneOf: [
        ACTION,
        {
          type: 'object',
          additionalProperties: false,
          properties: {
            source: ACTION,
            published_within: ACTION,
            typosquat: ACTION,
            install_scripts: ACTION,
            provenance: ACTION,
            deprecated: ACTION,
            license: ACTION,
            suspicious: ACTION,
            provenance_dropped: ACTION,
            publisher_changed: ACTION,
            install_script_added: ACTION,
            dormant_for: ACTION,
            vulnerable: ACTION,
          },
        },
      ],
    },
    rules: {
      type: 'array',
      maxItems: 10000,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['action'],
        properties: {
          id: ID,
          description: { type: 'string' },
          match: { oneOf: [MATCH_SPEC, { type: 'array', minItems: 1, maxItems: 10000, items: MATCH_SPEC }] },
          when: {
            type: 'object',
            additionalProperties: false,
            minProperties: 1,
            properties: {
              source: SOURCES,
              published_within: DURATION,
              typosquat: { type: 'boolean' },
              install_scripts: { type: 'boolean' },
              provenance: { type: 'boolean' },
              deprecated: { type: 'boolean' },
              license: {
                type: 'object',
                additionalProperties: false,
                minProperties: 1,
                properties: { allow: SPDX_IDS, deny: SPDX_IDS },
              },
              suspicious: { ...SEVERITY, description: 'Minimum severity of a scanner finding.' },
              provenance_dropped: {
                ...HISTORY_WINDOW,
                description: `true (or N): this version has no provenance attestation and one of the N versions published before it had one (true: N = ${DEFAULT_HISTORY_WINDOW}).`,
              },
              publisher_changed: {
                ...HISTORY_WINDOW,
                description: `true (or N): the account that published this version (_npmUser) published none of the N versions published before it (true: N = ${DEFAULT_HISTORY_WINDOW}).`,
              },
              install_script_added: { type: 'boolean', description: 'true: this version has install scripts and the previous version of its line (semver) had none.' },
              dormant_for: { ...DURATION, description: 'The previous release (by publish time) came at least this long before this one: 26w, 365d.' },
              vulnerable: {
                type: 'object',
                additionalProperties: false,
                properties: { severity: { ...SEVERITY, description: 'Minimum severity: the CVSS v4/v3 base rating, else the advisory database severity; absent: any.' } },
                description: 'Holds when a known vulnerability (an OSV record that is not MAL-) covers the version.',
              },
            },
          },
          action: ACTION,
          reason: { type: 'string', minLength: 1, maxLength: 1000 },
          on_unknown: ACTION,
        },
      },
    },
    waivers: {
      type: 'array',
      maxItems: 10000,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['package', 'reason', 'owner', 'expires'],
        properties: {
          id: ID,
          package: { type: 'string', minLength: 1, maxLength: 512 },
          version: { type: 'string', minLength: 1, maxLength: 256 },
          reason: { type: 'string', minLength: 1, maxLength: 1000 },
          owner: { type: 'string', minLength: 1, maxLength: 200 },
          expires: {
            type: 'string',
            pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2}))?$',
            description: 'YYYY-MM-DD (valid through that day, UTC) or an RFC 3339 timestamp.',
          },
          rules: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
        },
      },
    },
  },
} as const;

/** The schema as the committed file holds it. */
export function policySchemaJson(): string {
  return `${JSON.stringify(POLICY_SCHEMA, null, 2)}\n`;
}
