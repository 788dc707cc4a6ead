// Writes the field-source tables of schemas/build-type-v1.md from their single source,
// helper/src/provenance/field-sources.ts (compiled to helper/dist). `npm run docs` after changing either;
// test/provenance/field-sources.test.ts fails when the committed file drifts.
import { readFileSync, writeFileSync } from 'node:fs';
import { renderFieldSourceTables } from '../dist/provenance/field-sources.js';

const file = new URL('../../schemas/build-type-v1.md', import.meta.url);
const tables = renderFieldSourceTables();
let text = readFileSync(file, 'utf8');
for (const [name, table] of Object.entries(tables)) {
  const re = new RegExp(`(<!-- field-sources:${name} -->\\n)[\\s\\S]*?(<!-- /field-sources:${name} -->)`);
  if (!re.test(text)) throw new Error(`schemas/build-type-v1.md has no <!-- field-sources:${name} --> block`);
  text = text.replace(re, (_m, open, close) => `${open}${table}\n${close}`);
}
writeFileSync(file, text);
console.log('wrote schemas/build-type-v1.md');
