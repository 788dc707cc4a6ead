import type { Rule } from './common.js';
import { installScripts } from './install-scripts.js';
import { obfuscation } from './obfuscation.js';
import { credentials } from './credentials.js';
import { propagation } from './propagation.js';
import { binaries } from './binaries.js';
import { code } from './code.js';
import { dependencies } from './dependencies.js';

/** Every heuristic, in report order. */
export const RULES: readonly Rule[] = [installScripts, credentials, propagation, obfuscation, binaries, code, dependencies];
