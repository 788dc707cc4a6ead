import type { Finding } from '../types.js';
import { at, atScript, codeFiles, find, type Rule } from './common.js';

const NPM_PUBLISH = /\bnpm\s+publish\b|\b(?:pnpm|yarn)\s+(?:npm\s+)?publish\b/;
/** Commands and registry endpoints that tell a worm whose token it holds and what it may publish. */
const NPM_IDENTITY = /\bnpm\s+(?:whoami|token|adduser|login|owner)\b|\/-\/whoami\b|\/-\/npm\/v1\/tokens\b|\bmaintainer:/;
const REGISTRY_TOKEN = /\bNPM_TOKEN\b|\bNODE_AUTH_TOKEN\b|_authToken\b|\.npmrc\b/;

/**
 * self-propagation: a package that publishes packages. Critical when an install hook publishes or handles npm
 * identity; high when an install hook touches registry tokens; in ordinary code (release tools legitimately
 * publish), medium when publishing sits next to identity or token handling.
 */
export const propagation: Rule = (pkg) => {
  const out: Finding[] = [];
  for (const script of pkg.installScripts) {
    if (find(script.command, NPM_PUBLISH) || find(script.command, NPM_IDENTITY)) {
      out.push(atScript('self-propagation', 'critical', script, `${script.hook} script publishes to or queries the npm registry as the installing user`));
    } else if (find(script.command, REGISTRY_TOKEN)) {
      out.push(atScript('self-propagation', 'high', script, `${script.hook} script uses npm registry credentials`));
    }
  }
  for (const { path, text } of codeFiles(pkg)) {
    const publish = text.includes('publish') ? find(text, NPM_PUBLISH) : undefined;
    if (!publish) continue;
    const identity = find(text, NPM_IDENTITY) ?? find(text, REGISTRY_TOKEN);
    if (pkg.installFiles.has(path)) {
      out.push(at('self-propagation', 'critical', path, text, publish, 'file run at install time runs npm publish'));
    } else if (identity) {
      out.push(at('self-propagation', 'medium', path, text, publish, 'code publishes to npm and handles npm identity or tokens'));
    }
  }
  return out;
};
