import type { Policy } from './types.js';

/** How young a version must be to be held back by the default policy: most malicious versions are found and unpublished within two days. */
export const DEFAULT_MIN_AGE = '48h';

/**
 * The policy that applies when `--policy` is not given. Deny what the known-malicious feed lists (built in,
 * before any rule); quarantine versions published less than 48 hours ago (failing closed when the publish
 * time cannot be fetched); with --scan, quarantine versions whose tarball has a high or critical finding;
 * warn on likely typosquats, install scripts and deprecated versions.
 */
export const DEFAULT_POLICY: Policy = Object.freeze({
  version: 1,
  malicious: 'deny',
  default_action: 'allow',
  rules: Object.freeze([
    { id: 'minimum-age', when: { published_within: DEFAULT_MIN_AGE }, action: 'quarantine', reason: 'too new to trust yet' },
    { id: 'suspicious-code', when: { suspicious: 'high' }, action: 'quarantine', reason: 'the scanner found suspicious code' },
    { id: 'typosquat', when: { typosquat: true }, action: 'warn', reason: 'possible typosquat' },
    { id: 'install-scripts', when: { install_scripts: true }, action: 'warn', reason: 'runs code at install' },
    { id: 'deprecated', when: { deprecated: true }, action: 'warn' },
  ]) as Policy['rules'],
}) as Policy;
