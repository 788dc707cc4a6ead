import type { Finding, Severity } from '../types.js';
import { evidence, lineAt } from '../files.js';
import { STRING_SIGNALS } from '../js/indicators.js';
import { atScript, type Rule } from './common.js';

const DEPENDENCY_FIELDS = ['dependencies', 'optionalDependencies', 'peerDependencies', 'devDependencies'] as const;
const URL_SPEC = /^(?:https?:|git(?:\+\w+)?:|github:|gitlab:|bitbucket:|gist:|file:|[\w.-]+\/[\w.-]+(?:#.*)?$)/i;
const RAW_IP = /^https?:\/\/\d{1,3}(?:\.\d{1,3}){3}(?:[:/]|$)/i;

/**
 * url-dependency: a dependency fetched from a URL or git instead of the registry (nothing pins or scans what
 * it serves). High for plain HTTP or a raw IP address, medium for other URLs and git (devDependencies, which
 * npm never installs for a dependency, one step lower).
 * install-script-exfil (critical): an install hook sends host details through a shell command.
 */
export const dependencies: Rule = (pkg) => {
  const out: Finding[] = [];
  const m = pkg.manifest;
  const text = pkg.manifestText ?? '';
  for (const field of DEPENDENCY_FIELDS) {
    const deps = m?.[field];
    if (!deps || typeof deps !== 'object') continue;
    for (const [name, spec] of Object.entries(deps as Record<string, unknown>)) {
      if (typeof spec !== 'string' || !URL_SPEC.test(spec.trim()) || spec.startsWith('npm:')) continue;
      let severity: Severity = /^http:/i.test(spec) || RAW_IP.test(spec) ? 'high' : 'medium';
      if (field === 'devDependencies') severity = severity === 'high' ? 'medium' : 'low';
      const at = text.indexOf(JSON.stringify(name));
      out.push({ rule: 'url-dependency', severity, file: 'package.json', line: at < 0 ? 1 : lineAt(text, at), evidence: evidence(`${name}: ${spec}`), message: `${field} entry ${name} is fetched from ${/^https?:/i.test(spec) ? 'a URL' : 'git or a path'}, not the registry` });
    }
  }
  const exfil = STRING_SIGNALS.find(([k]) => k === 'exfil-command')![1];
  const ai = STRING_SIGNALS.find(([k]) => k === 'ai-cli')![1];
  for (const script of pkg.installScripts) {
    if (exfil.test(script.command)) out.push(atScript('install-script-exfil', 'critical', script, `${script.hook} script sends host details through a shell command`));
    if (ai.test(script.command)) out.push(atScript('install-script-ai-agent', 'critical', script, `${script.hook} script drives an AI coding CLI with safety checks off`));
  }
  return out;
};
