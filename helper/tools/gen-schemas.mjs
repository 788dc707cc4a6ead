// Writes schemas/*.schema.json from their single source in helper/src/schemas (compiled to helper/dist).
// `npm run schemas` after changing a schema; test/schemas.test.ts fails when the committed files drift.
// (The build itself regenerates the validators, helper/src/schemas/*.generated.ts: tools/validators.mjs.)
import { writeFileSync } from 'node:fs';
import { SCHEMA_FILES, renderSchema } from '../dist/schemas/index.js';

for (const [name, schema] of Object.entries(SCHEMA_FILES)) {
  writeFileSync(new URL(`../../schemas/${name}`, import.meta.url), renderSchema(schema));
  console.log(`wrote schemas/${name}`);
}
