import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { SCHEMA_FILES, VALIDATED_SCHEMAS, renderSchema } from '../helper/src/schemas/index.js';
import { renderValidators } from '../helper/tools/validators.mjs';
import { REPO_ROOT } from './support/cli.js';

describe('schemas', () => {
  it.each(Object.entries(SCHEMA_FILES))('schemas/%s matches its source (run npm run schemas)', (name, schema) => {
    expect(readFileSync(`${REPO_ROOT}/schemas/${name}`, 'utf8')).toBe(renderSchema(schema));
  });

  it.each(Object.entries(renderValidators(VALIDATED_SCHEMAS)))('helper/src/schemas/%s matches the schemas (run npm run schemas)', (name, text) => {
    expect(readFileSync(`${REPO_ROOT}/helper/src/schemas/${name}`, 'utf8')).toBe(text);
  });
});
