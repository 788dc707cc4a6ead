/**
 * setup() given its own class for a command that runs when the package is installed (GuardDog's `cmd-overwrite`,
 * written here from its description): `cmdclass={'install': X}` (also `develop`, `egg_info`, which pip runs for
 * every sdist and editable install), as a dict literal, `dict(install=X)`, a name bound to either, or
 * `cmdclass['install'] = X` on any dict. Whatever X's `run` does then runs at install; a custom `upload`,
 * `test` or `build_ext` command does not run by itself and is not reported.
 */
import type { Names } from './names.js';
import { foldString } from './fold.js';
import { callArguments, type PyNode } from './parse.js';

/** Commands pip runs on its own when it installs an sdist or a project in place. */
const INSTALL_COMMANDS = new Set(['install', 'develop', 'egg_info']);
const SETUP = /^(?:setuptools\.setup|distutils\.core\.setup|setup)$/;

/** The install-time command a `cmdclass` value replaces, if any. */
function replaced(value: PyNode | undefined, names: Names, depth = 0): string | undefined {
  if (!value || depth > 3) return undefined;
  if (value.type === 'identifier') return replaced(names.constant(names.src(value)), names, depth + 1);
  if (value.type === 'dictionary') {
    for (const pair of value.children) {
      if (pair.type !== 'pair') continue;
      const key = foldString(pair.fields.key, names);
      if (key !== undefined && INSTALL_COMMANDS.has(key)) return key;
    }
    return undefined;
  }
  if (value.type === 'call' && names.qualified(value.fields.function!) === 'builtins.dict') {
    for (const a of callArguments(value)) if (a.type === 'keyword_argument' && a.fields.name && INSTALL_COMMANDS.has(names.src(a.fields.name))) return names.src(a.fields.name);
  }
  return undefined;
}

/** For a call: `setup(..., cmdclass=...)` replacing an install command -> that command. */
export function setupCommandOverride(call: PyNode, qualified: string, names: Names): string | undefined {
  if (!SETUP.test(qualified)) return undefined;
  const arg = callArguments(call).find((a) => a.type === 'keyword_argument' && a.fields.name && names.src(a.fields.name) === 'cmdclass');
  return replaced(arg?.fields.value, names);
}

/** For an assignment: `cmdclass['install'] = X` (any dict named cmdclass) -> that command. */
export function assignedCommandOverride(assignment: PyNode, names: Names): string | undefined {
  const left = assignment.fields.left;
  if (left?.type !== 'subscript' || !/(?:^|\.)cmdclass$/i.test(names.src(left.fields.value!))) return undefined;
  const key = foldString(left.fields.subscript ?? left.children[1], names);
  return key !== undefined && INSTALL_COMMANDS.has(key) ? key : undefined;
}
