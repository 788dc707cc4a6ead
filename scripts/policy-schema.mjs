// Writes schemas/policy.schema.json from its one source, helper/src/policy/schema.ts (run `npm run build` first).
// test/policy/schema.test.ts fails when the committed file differs from what this writes.
import { writeFileSync } from 'node:fs';
import { policySchemaJson } from '../helper/dist/policy/schema.js';

const out = new URL('../schemas/policy.schema.json', import.meta.url);
writeFileSync(out, policySchemaJson());
console.log(`wrote ${out.pathname}`);
