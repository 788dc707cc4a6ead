import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { defineCommand } from '../cli/command.js';
import { UsageError } from '../errors.js';
import { printableLines } from '../io/printable.js';
import { assertNoSecret, maskPrivateKeyBlocks, type NamedPart } from '../io/secrets.js';
import { scanDirectory, scanTarball, SEVERITIES, severityRank, type ScanReport, type Severity } from '../scan/index.js';
import { identityFindings } from '../scan/identity.js';
import { pythonFormatOf, scanPythonDistribution } from '../scan/python/index.js';
import { loadMaliciousFeed } from '../feeds/malicious.js';
import { RegistryClient } from '../registry/client.js';
import { loadRegistryConfig } from '../registry/npmrc.js';
import { packumentFromFile, packumentFromRegistry, releaseReport, type RegistryReport } from '../scan/release-signals.js';

const FAIL_ON_NONE = 'none';

export function renderReport(report: ScanReport & { registry?: RegistryReport }, failOn: Severity | undefined, failed: boolean): string {
  const lines: string[] = [];
  const id = report.package ? `${report.package.name}@${report.package.version}` : '(no package name and version)';
  lines.push(`${id}: ${report.files} entries, ${report.bytes} bytes`);
  for (const f of report.findings) {
    lines.push(`${f.severity.toUpperCase().padEnd(8)} ${f.rule}  ${f.file}${f.line !== undefined ? `:${f.line}` : ''}`);
    lines.push(`         ${f.message}`);
    if (f.evidence) lines.push(`         evidence: ${f.evidence}`);
  }
  if (report.registry) {
    const r = report.registry;
    const unknown = r.signals.filter((x) => x.holds === 'unknown');
    lines.push(`registry metadata (${r.source}): ${r.error ?? (unknown.length ? `cannot tell ${unknown.map((x) => `${x.signal} (${x.reason})`).join('; ')}` : 'read')}`);
  }
  const counts = SEVERITIES.slice().reverse().map((s) => [s, report.findings.filter((f) => f.severity === s).length] as const).filter(([, n]) => n > 0);
  const summary = counts.length ? `${report.findings.length} finding${report.findings.length === 1 ? '' : 's'} (${counts.map(([s, n]) => `${n} ${s}`).join(', ')})` : 'no findings';
  lines.push(`${summary}; ${failOn ? `fail-on ${failOn}: ${failed ? 'FAIL' : 'ok'}` : 'fail-on none'}`);
  return printableLines(lines);
}

export default defineCommand({
  name: 'scan',
  summary: 'Scan an npm package (tarball or folder) or a Python wheel or sdist for signs of malware',
  usage: 'sscs scan PACKAGE.tgz|DIST.whl|DIST.tar.gz|DIST.zip|DIR [--type npm|wheel|sdist] [--format json] [--fail-on high] [--malicious-feed DIR|FILE.tar.gz]',
  description: `Inspects the package without extracting or running it: install scripts that fetch and run code,
obfuscated payloads, credential reads next to network sends, self-publishing, unexpected executables, and
archive tricks (path traversal, links out of the package, decompression bombs). The package name is checked
against popular npm names (typosquats) and, with --malicious-feed, its version against known-malicious
records. Python distributions (.whl, and .tar.gz or .zip sdists) are parsed with tree-sitter's Python grammar:
setup.py, .pth start-up lines and each package's __init__.py are weighed by when they run. Exits 1 when a
finding is at or above --fail-on. A report that would hold the value of a secret variable (in a file name,
the package's name or a finding's evidence) is refused (exit 2), naming the variable and the part, never the value.`,
  flags: {
    type: { type: 'string', valueName: 'npm|wheel|sdist', description: 'What the file is; by default from its name (.whl a wheel, .tar.gz and .zip an sdist, anything else npm).' },
    format: { type: 'string', choices: ['text', 'json'], default: 'text', valueName: 'text|json', description: 'Output format.' },
    'fail-on': { type: 'string', default: 'high', valueName: 'SEVERITY', description: 'Exit 1 on a finding at or above this severity: low, medium, high, critical or none.' },
    'malicious-feed': { type: 'string', valueName: 'DIR|FILE.tar.gz|FILE.zip', description: 'Known-malicious OSV records (ossf/malicious-packages layout, or an osv.dev zip) to look the package up in.' },
    packument: { type: 'string', valueName: 'FILE', description: "The package's registry document (full form, e.g. saved from https://registry.npmjs.org/NAME): report registry metadata signals (provenance dropped, publisher changed, install script added, dormant release)." },
    registry: { type: 'string', valueName: 'URL', description: "Fetch the package's registry document from this registry (or 'npm': the one npm is configured with) and report the same signals." },
  },
  positionals: { min: 1, max: 1, name: 'PACKAGE.tgz|DIST.whl|DIST.tar.gz|DIR' },
  examples: ['sscs scan ./left-pad-1.3.0.tgz', 'sscs scan requests-2.32.3-py3-none-any.whl', 'sscs scan node_modules/some-package --format json --fail-on medium', 'sscs scan pkg.tgz --malicious-feed malicious-packages/osv'],
  async run({ flags, positionals, io }) {
    if (flags.format !== 'text' && flags.format !== 'json') throw new UsageError('USAGE', `--format must be text or json, not '${flags.format}'`);
    const failOnFlag = flags['fail-on'];
    if (failOnFlag !== FAIL_ON_NONE && !SEVERITIES.includes(failOnFlag as Severity)) {
      throw new UsageError('USAGE', `--fail-on must be one of ${[...SEVERITIES, FAIL_ON_NONE].join(', ')}, not '${failOnFlag}'`);
    }
    const failOn = failOnFlag === FAIL_ON_NONE ? undefined : (failOnFlag as Severity);
    const target = resolve(io.cwd, positionals[0]!);
    const isDir = await stat(target).then((s) => s.isDirectory(), () => false);
    const feed = flags['malicious-feed'] ? await loadMaliciousFeed(resolve(io.cwd, flags['malicious-feed'])) : undefined;
    const type = flags.type ?? (isDir ? 'npm' : pythonFormatOf(target) ?? 'npm');
    if (type !== 'npm' && type !== 'wheel' && type !== 'sdist') throw new UsageError('USAGE', `--type must be npm, wheel or sdist, not '${type}'`);
    if (isDir && type !== 'npm') throw new UsageError('USAGE', `--type ${type} takes a file, and ${positionals[0]} is a folder`);
    if ((flags.packument || flags.registry) && type !== 'npm') throw new UsageError('USAGE', '--packument and --registry read npm registry documents; they do not apply to a Python distribution');
    if (flags.packument && flags.registry) throw new UsageError('CONFLICTING_FLAGS', '--packument and --registry both name the registry document; give one');
    const report: ScanReport & { registry?: RegistryReport } = type !== 'npm' ? await scanPythonDistribution(target, type) : isDir ? await scanDirectory(target) : await scanTarball(target);
    // Identity findings are about the package as a whole: they come first, before what its files hold.
    report.findings = [...identityFindings(report.package, feed, type === 'npm' ? 'npm' : 'PyPI'), ...report.findings].sort((a, b) => severityRank(b.severity) - severityRank(a.severity));
    if ((flags.packument || flags.registry) && report.package) {
      const pkg = report.package;
      const meta = flags.packument
        ? await packumentFromFile(resolve(io.cwd, flags.packument), pkg.name)
        : await packumentFromRegistry(new RegistryClient({ config: await loadRegistryConfig({ cwd: io.cwd, env: io.env, ...(flags.registry !== 'npm' ? { registry: flags.registry! } : {}) }) }), pkg.name, pkg.version);
      const signals = releaseReport(meta, pkg, flags.packument ?? flags.registry!, new Date());
      report.registry = signals.registry;
      report.findings = [...report.findings, ...signals.findings].sort((a, b) => severityRank(b.severity) - severityRank(a.severity));
    } else if (flags.packument || flags.registry) {
      throw new UsageError('USAGE', `${positionals[0]} has no package.json name and version, so its registry document cannot be looked up`);
    }
    // A package not read whole is never clean, whatever the threshold (as the policy's unknown outcome).
    const failed = failOn !== undefined && (!report.complete || report.findings.some((f) => severityRank(f.severity) >= severityRank(failOn)));
    // A PEM private key line from the package (a file, its metadata, its registry document) shows as one: the report
    // is about third-party content, and the line would make it refused below, exit 2 in place of the verdict.
    const out = maskPrivateKeyBlocks(flags.format === 'json' ? `${JSON.stringify({ target: positionals[0], ...report, failOn: failOn ?? FAIL_ON_NONE, failed }, null, 2)}\n` : renderReport(report, failOn, failed));
    // The report is data (the package's file names and what they hold), read by people and scripts: the redactor
    // would print a secret's value as [REDACTED], naming a file that is not there. Refused, naming the part.
    assertNoSecret(out, io.env, { what: 'the scan report', verb: 'print', parts: () => reportParts(positionals[0]!, report) });
    io.stdout(out);
    return failed ? 1 : 0;
  },
});

/** The parts of a scan report that came from its inputs, named for an error that must not quote them. */
function* reportParts(target: string, report: ScanReport & { registry?: RegistryReport }): Generator<NamedPart> {
  yield { name: 'argument 1 (the package path)', text: target };
  yield { name: 'the package name or version', text: report.package ? `${report.package.name}@${report.package.version}` : undefined };
  const n = report.findings.length;
  for (const [i, f] of report.findings.entries()) {
    yield { name: `the file name of finding ${i + 1} of ${n} (${f.rule})`, text: f.file };
    yield { name: `the evidence or message of finding ${i + 1} of ${n} (${f.rule} in ${f.file})`, text: `${f.evidence}\0${f.message}` };
  }
  yield { name: 'the registry document report (--packument or --registry)', text: report.registry ? JSON.stringify(report.registry) : undefined };
}
