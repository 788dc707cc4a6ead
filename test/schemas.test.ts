import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { SCHEMA_FILES, renderSchema } from '../helper/src/schemas/index.js';
import { REPO_ROOT } from './support/cli.js';

describe('schemas', () => {
  it.each(Object.entries(SCHEMA_FILES))('schemas/%s matches its source (run npm run schemas)', (name, schema) => {
    expect(readFileSync(`${REPO_ROOT}/schemas/${name}`, 'utf8')).toBe(renderSchema(schema));
  });
});
