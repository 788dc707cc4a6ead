// Writes schemas/*.schema.json and the validators helper/src/schemas/*.generated.ts from their single source in
// helper/src/schemas (compiled to helper/dist). `npm run schemas` after changing a schema (it builds again
// afterwards, so that dist holds the new validators); test/schemas.test.ts fails when the files drift.
import { writeFileSync } from 'node:fs';
import { SCHEMA_FILES, VALIDATED_SCHEMAS, renderSchema } from '../dist/schemas/index.js';
import { renderValidators } from './validators.mjs';

for (const [name, schema] of Object.entries(SCHEMA_FILES)) {
  writeFileSync(new URL(`../../schemas/${name}`, import.meta.url), renderSchema(schema));
  console.log(`wrote schemas/${name}`);
}
for (const [name, text] of Object.entries(renderValidators(VALIDATED_SCHEMAS))) {
  writeFileSync(new URL(`../src/schemas/${name}`, import.meta.url), text);
  console.log(`wrote helper/src/schemas/${name}`);
}
