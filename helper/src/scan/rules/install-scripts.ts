import type { Finding } from '../types.js';
import { firstOf, onOneLine, pipedToShell } from '../js/linear.js';
import { at, atScript, EVAL_SINK, find, NETWORK_SEND, SHELL_FILE, type Rule } from './common.js';

/**
 * `curl … | sh`, `wget -O- … | bash`, a download made executable or run (`curl -o x && chmod +x x`), Windows
 * download tools (certutil, bitsadmin), PowerShell download-and-run. Linear in the text (js/linear.ts): it runs over
 * whole files, where the single expression it replaces took hours on a line of repeated `curl -o x`.
 */
const CURL = /\b(?:curl|wget)\b/i;
export const PIPE_TO_SHELL = firstOf(
  pipedToShell(CURL, CURL, /(?:)/, /\s*(?:sudo\s+)?(?:ba|z|da|k)?sh\b/iy),
  onOneLine(CURL, CURL, /^[^;]*?(?:&&|;)\s*(?:sudo\s+)?(?:ba|z)?sh\s/i),
  onOneLine(CURL, CURL, /\s(?:-o|--output)\s*\S/i, /\bchmod\s+(?:\+x|[0-7]*[157]\b)|(?:&&|;)\s*\.\//i),
  onOneLine(/\bcertutil/i, /\bcertutil(?:\.exe)?\b/i, /-urlcache/i),
  onOneLine(/\bbitsadmin/i, /\bbitsadmin(?:\.exe)?\b/i, /\/transfer/i),
  onOneLine(/\b(?:iwr|Invoke-WebRequest|DownloadString|DownloadFile)\b/i, /\b(?:iwr|Invoke-WebRequest|DownloadString|DownloadFile)\b/i, /\b(?:iex|Invoke-Expression|Start-Process)\b/i),
);
/** What a dependency-confusion probe collects about the machine it was installed on. */
const HOST_RECON = /\bos\.(?:hostname|userInfo|networkInterfaces)\s*\(|\bwhoami\b|\bhostname\s*\(\s*\)/;
const NODE_EVAL = /\b(?:node|nodejs)\s+(?:-e|--eval|-p|--print)\b/i;
const PYTHON_C = /\bpython[0-9.]*\s+-c\b/i;
export const INLINE_FETCH = firstOf(onOneLine(NODE_EVAL, NODE_EVAL, /\b(?:https?\b|fetch\s*\(|request\s*\()/i), onOneLine(PYTHON_C, PYTHON_C, /\burllib\b/i));
const SPAWNS_SHELL = /(?:^|[\s;&|(])(?:\/bin\/)?(?:ba|z|da)?sh\s+-c\b|\bcmd(?:\.exe)?\s+\/c\b|\b(?:powershell|pwsh)(?:\.exe)?\b|\beval\s+["'$`]/i;
/** child_process calls that go through a shell; `exec(` preceded by a dot only on child_process itself (not RegExp#exec). */
const JS_SPAWNS_SHELL = /\bshell\s*:\s*(?:true|['"][^'"]*sh['"])|\b(?:spawn|execFile|spawnSync|execFileSync)\s*\(\s*['"](?:\/bin\/)?(?:ba|z)?sh['"]|(?:(?<![\w.$])|\b(?:cp|child_process|childProcess)\.)(?:exec|execSync)\s*\(/;

/**
 * install-script-remote-code (critical): an install hook runs code fetched from the network.
 * install-script-recon (high): an install hook collects host/user details and sends data (dependency confusion).
 * install-script-shell (medium): an install hook spawns a shell (legitimate packages do, e.g. to run npm).
 * install-script-network (medium): an install hook downloads something (native binaries, browsers).
 * install-script (low): the package runs code at install time at all.
 */
export const installScripts: Rule = (pkg) => {
  const out: Finding[] = [];
  for (const script of pkg.installScripts) {
    const remote = find(script.command, PIPE_TO_SHELL) ?? find(script.command, INLINE_FETCH);
    if (remote) {
      out.push(atScript('install-script-remote-code', 'critical', script, `${script.hook} script downloads code and runs it`));
    } else if (find(script.command, SPAWNS_SHELL)) {
      out.push(atScript('install-script-shell', 'medium', script, `${script.hook} script spawns a shell`));
    } else {
      out.push(atScript('install-script', 'low', script, `package runs a ${script.hook} script at install time`));
    }
  }
  for (const path of pkg.installFiles) {
    const text = pkg.files.get(path)?.text;
    if (text === undefined) continue;
    const pipe = find(text, PIPE_TO_SHELL);
    if (pipe) {
      out.push(at('install-script-remote-code', 'critical', path, text, pipe, 'file run at install time pipes a download into a shell'));
      continue;
    }
    const net = find(text, NETWORK_SEND);
    const sink = net ? find(text, EVAL_SINK) : undefined;
    if (net && sink) {
      out.push(at('install-script-remote-code', 'critical', path, text, sink, 'file run at install time fetches from the network and evaluates code from a string'));
      continue;
    }
    const recon = net ? find(text, HOST_RECON) : undefined;
    if (recon) out.push(at('install-script-recon', 'high', path, text, recon, 'file run at install time collects host or user details and makes network requests'));
    else if (net) out.push(at('install-script-network', 'medium', path, text, net, 'file run at install time makes network requests'));
    const shell = SHELL_FILE.test(path) || !text.includes('child_process') ? undefined : find(text, JS_SPAWNS_SHELL);
    if (shell) out.push(at('install-script-shell', 'medium', path, text, shell, 'file run at install time spawns a shell'));
  }
  return out;
};
