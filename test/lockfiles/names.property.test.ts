import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { purl } from '../../helper/src/deps/model.js';
import { parseNpmPurl } from '../../helper/src/lockfiles/cyclonedx.js';
import { lookupLocations, nameFromNodeModulesPath, parseNpmAlias, splitNameVersion, stripPeerSuffix } from '../../helper/src/lockfiles/names.js';

const bare = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,20}$/);
const packageName = fc.oneof(bare, fc.tuple(bare, bare).map(([s, n]) => `@${s}/${n}`));
const version = fc.tuple(fc.nat(99), fc.nat(99), fc.nat(99), fc.option(fc.stringMatching(/^[a-z0-9.]{1,8}$/), { nil: undefined }))
  .map(([a, b, c, pre]) => `${a}.${b}.${c}${pre ? `-${pre}` : ''}`);
/** An install location: node_modules/a/node_modules/@s/b..., optionally inside a workspace folder. */
const location = fc.tuple(fc.option(fc.constantFrom('packages/util', 'apps/web'), { nil: undefined }), fc.array(packageName, { minLength: 0, maxLength: 4 }))
  .map(([ws, names]) => [ws, ...names.map((n) => `node_modules/${n}`)].filter(Boolean).join('/'));

describe('name and path handling', () => {
  it('reads the package name back from any node_modules path', () => {
    fc.assert(fc.property(location, packageName, (loc, name) => {
      expect(nameFromNodeModulesPath(loc ? `${loc}/node_modules/${name}` : `node_modules/${name}`)).toBe(name);
    }));
  });

  it('finds no package name in a folder that is not inside node_modules', () => {
    fc.assert(fc.property(fc.constantFrom('', 'packages/util', 'node_modules', 'node_modules/@scope', 'a/node_modulesx/b'), (loc) => {
      expect(nameFromNodeModulesPath(loc)).toBeUndefined();
    }));
  });

  it('looks a dependency up from the nearest node_modules outwards, ending at the root', () => {
    fc.assert(fc.property(location, packageName, (loc, name) => {
      const candidates = [...lookupLocations(loc, name)];
      expect(candidates[0]).toBe(loc ? `${loc}/node_modules/${name}` : `node_modules/${name}`);
      expect(candidates.at(-1)).toBe(`node_modules/${name}`);
      for (const c of candidates) {
        expect(nameFromNodeModulesPath(c)).toBe(name);
        expect(c.endsWith(`node_modules/${name}`)).toBe(true);
        expect(c).not.toMatch(/node_modules\/node_modules/);
      }
      expect(new Set(candidates).size).toBe(candidates.length);
    }));
  });

  it('splits name@version and npm: aliases back into their parts', () => {
    fc.assert(fc.property(packageName, version, (name, v) => {
      expect(splitNameVersion(`${name}@${v}`)).toEqual({ name, version: v });
      expect(parseNpmAlias(`npm:${name}@${v}`)).toEqual({ name, range: v });
      expect(stripPeerSuffix(`${v}(${name}@${v})(react@18.2.0)`)).toBe(v);
    }));
  });

  it('reads back every purl the model writes', () => {
    fc.assert(fc.property(packageName, version, (name, v) => {
      expect(parseNpmPurl(purl({ ecosystem: 'npm', name, version: v }))).toEqual({ name, version: v });
    }));
  });
});
