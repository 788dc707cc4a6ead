/** What the analysis looks for, as data: module members, paths and strings that mean something. */
import { anyOf, onOneLine, pipedToShell, regex, type StringTest } from './linear.js';

/** child_process members that run a program. */
export const EXEC_MEMBERS = new Set(['exec', 'execSync', 'spawn', 'spawnSync', 'execFile', 'execFileSync', 'fork']);

/** Node core modules and members that reach the network. `*`: every member. */
export const NETWORK_MEMBERS: Record<string, Set<string> | '*'> = {
  http: new Set(['request', 'get']),
  https: new Set(['request', 'get']),
  http2: new Set(['connect']),
  net: new Set(['connect', 'createConnection', 'Socket']),
  tls: new Set(['connect']),
  dgram: new Set(['createSocket']),
  dns: '*',
  'dns/promises': '*',
};

/** Third-party HTTP clients, socket clients and webhook SDKs: any call through them sends. */
export const NETWORK_PACKAGES = new Set([
  'axios', 'got', 'node-fetch', 'request', 'superagent', 'undici', 'needle', 'ky', 'cross-fetch', 'isomorphic-fetch',
  'phin', 'make-fetch-happen', 'ws', 'socket.io-client', 'firebase', 'discord.js', 'discord-webhook-node',
  'node-telegram-bot-api', 'telegraf', '@slack/webhook', 'nodemailer', 'ftp', 'basic-ftp', 'ssh2', 'request-promise',
]);

/** Global functions and constructors that reach the network. */
export const NETWORK_GLOBALS = new Set(['fetch', 'XMLHttpRequest', 'WebSocket', 'EventSource']);

/** os members that identify the host or its user (what a dependency-confusion probe sends home). */
export const HOST_MEMBERS = new Set(['hostname', 'userInfo', 'networkInterfaces']);

export const FS_READS = new Set(['readFile', 'readFileSync', 'createReadStream', 'readdir', 'readdirSync', 'copyFile', 'copyFileSync']);
export const FS_WRITES = new Set(['writeFile', 'writeFileSync', 'appendFile', 'appendFileSync', 'createWriteStream', 'copyFile', 'copyFileSync', 'rename', 'renameSync', 'rm', 'rmSync', 'rmdir', 'rmdirSync', 'unlink', 'unlinkSync', 'cp', 'cpSync']);

export const VM_MEMBERS = new Set(['runInThisContext', 'runInNewContext', 'runInContext', 'Script', 'compileFunction', 'SourceTextModule']);

/** Modules whose members, reached by a computed or reflective access, hide what the code does. */
export const SENSITIVE_MODULES = new Set(['child_process', 'os', 'fs', 'http', 'https', 'net', 'dns', 'vm', 'module', 'worker_threads', 'tls', 'dgram']);

/** Credential and secret stores, by kind: what a stealer reads. Matched against folded strings. */
export const SECRET_PATHS: readonly [kind: string, re: RegExp][] = [
  ['npm', /\.npmrc\b/],
  ['ssh', /\.ssh[/\\]|\bid_(?:rsa|ed25519|ecdsa|dsa)\b/],
  ['cloud', /\.aws[/\\](?:credentials|config)|\.azure[/\\]|gcloud[/\\](?:credentials|application_default)|\.kube[/\\]config|169\.254\.169\.254|metadata\.google\.internal/],
  ['system', /\/etc\/(?:passwd|shadow)\b|(?:^|[\\/])(?:SAM|SYSTEM|SECURITY)$|config[\\/](?:SAM|SYSTEM)\b/],
  ['git', /\.git-credentials\b|\.gitconfig\b|\.config[/\\]gh[/\\]hosts/],
  ['dotenv', /(?:^|[/\\])\.env(?:\.[\w-]+)?$/],
  ['browser', /Local Storage[/\\]leveldb|Login Data|Cookies\b|Web Data|Local State|Mozilla[/\\]Firefox|Firefox[/\\]Profiles|key[34]\.db|logins\.json|cookies\.sqlite|Google[/\\]Chrome|BraveSoftware|Microsoft[/\\]Edge/],
  ['discord', /discord(?:canary|ptb)?[/\\]|Local Storage[/\\]leveldb/i],
  ['wallet', /wallet\.dat|Exodus[/\\]|Electrum[/\\]wallets|Ethereum[/\\]keystore|Atomic[/\\]Local Storage|nkbihfbeogaeaoehlefnkodbefgpgknn|bfnaelmomeimhlpmgjnjophhpkkoljpa|solana[/\\]id\.json|\.config[/\\]solana/],
  ['keychain', /login\.keychain|Keychains[/\\]/],
];

/** Environment variables that hold secrets. */
export const SECRET_ENV = /^(?:NPM_TOKEN|NODE_AUTH_TOKEN|GH_TOKEN|GITHUB_TOKEN|GITLAB_TOKEN|CI_JOB_TOKEN|CI_JOB_JWT\w*|ACTIONS_\w*TOKEN|ACTIONS_ID_TOKEN_REQUEST_\w+|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|AZURE_\w*SECRET|GOOGLE_APPLICATION_CREDENTIALS|\w*_(?:API_KEY|SECRET|SECRET_KEY|PASSWORD|PRIVATE_KEY)|\w*_TOKEN)$/;

/**
 * Strings that name what a known attack kind does. Every test is linear in the string's length (js/linear.ts):
 * they run on every string literal and command line of every file, so one polynomial pattern lets a package stall
 * the scanner for hours (test/scan/redos.test.ts).
 */
export const STRING_SIGNALS: readonly [kind: string, test: StringTest, what: string][] = [
  ['ld-preload', regex(/\b(?:LD_PRELOAD|DYLD_INSERT_LIBRARIES)\s*=/), 'preloads a shared library into a program (LD_PRELOAD)'],
  ['dll', regex(/\b(?:rundll32|regsvr32)(?:\.exe)?\s/i), 'runs a DLL (rundll32/regsvr32)'],
  ['workflow', regex(/\.github[/\\]workflows[/\\]|\.gitlab-ci\.yml/), 'writes CI workflow files'],
  ['secret-scanner', regex(/\btrufflehog\b|\bgitleaks\b|\bnoseyparker\b/i), 'fetches or runs a secret scanner'],
  ['ai-cli', regex(/--dangerously-skip-permissions|--yolo\b|--trust-all-tools|--allow-all-tools|--approval-mode[ =]full-auto/), 'drives an AI coding assistant CLI with its safety checks off'],
  ['publish', regex(/\b(?:npm|pnpm|yarn)\s+(?:npm\s+)?publish\b/), 'runs npm publish'],
  // `curl URL | sh`, never a keyword list such as 'curl|wget|sh' (a syntax highlighter's shell built-ins);
  // `curl -o F … && ./F`; `iwr … | iex`
  ['download-exec', anyOf(
    pipedToShell(/\b(?:curl|wget)\s/i, /\b(?:curl|wget)\s/i, /https?:\/\/|\s-[A-Za-z]/i, /\s*(?:sudo\s+)?(?:ba|z|da|k)?sh\b/iy),
    onOneLine(/\b(?:curl|wget)\s/i, /\b(?:curl|wget)\s/i, /-o\s*\S/i, /chmod\s+\+x|&&\s*\.\/|rundll32|\bstart\b/i),
    onOneLine(/\b(?:iwr|Invoke-WebRequest|DownloadString|DownloadFile)\b/i, /\b(?:iwr|Invoke-WebRequest|DownloadString|DownloadFile)\b/i, /\b(?:iex|Invoke-Expression|Start-Process)\b/i),
  ), 'downloads a program and runs it'],
  ['exfil-command', anyOf(
    onOneLine(/\b(?:nslookup|dig|host|ping|curl|wget)\b/, /\b(?:nslookup|dig|host|ping|curl|wget)\b/, /\$\(\s*(?:hostname|whoami|id|uname|pwd|cat\s)/),
    onOneLine(/\b(?:nslookup|dig|ping)\b/, /\b(?:nslookup|dig|ping)\b/, /`\s*(?:hostname|whoami)/),
  ), 'sends host details through a command (DNS, ping or curl with command substitution)'],
];

/**
 * Passes every string that a STRING_SIGNALS or SECRET_PATHS test passes (the union of their hints, case-insensitive,
 * so never narrower): one linear test instead of seventeen for the many strings that match none.
 */
export const STRING_HINT = new RegExp([...STRING_SIGNALS.map(([, t]) => t.hint), ...SECRET_PATHS.map(([, re]) => re)].map((re) => `(?:${re.source})`).join('|'), 'i');

/** Regular expressions over crypto addresses: what a clipper that swaps wallet addresses matches. */
export const WALLET_REGEX = /0x\[a-fA-F0-9\]\{40\}|0x\[0-9a-fA-F\]\{40\}|bc1|\[13\]\[a-km-zA-HJ-NP-Z1-9\]|T\[A-Za-z1-9\]\{33\}|\[1-9A-HJ-NP-Za-km-z\]\{32,44\}/;

/**
 * Whether a string literal can give any signal (a STRING_SIGNALS or SECRET_PATHS kind, a public IP URL): the tree
 * walk keeps only such literals for grading, most of a file's strings (names, messages) being none.
 */
export function stringMaySignal(s: string): boolean {
  return s.length >= 4 && (mayBeIpUrl(s) || STRING_HINT.test(s));
}

/** The scheme letters publicIpUrl starts with (h, w, t): most strings fail here, before any regex. */
function mayBeIpUrl(s: string): boolean {
  const c = s.charCodeAt(0);
  return c === 104 || c === 119 || c === 116;
}

/** A host that is a literal public IPv4 address (private, loopback and link-local ranges excluded). */
export function publicIpUrl(s: string): string | undefined {
  if (!mayBeIpUrl(s)) return undefined;
  const m = /^(?:https?|wss?|tcp):\/\/(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:[:/]|$)/.exec(s);
  if (!m) return undefined;
  const [a, b] = [Number(m[1]), Number(m[2])];
  if (a === 10 || a === 127 || a === 0 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || a >= 224) return undefined;
  return s;
}

/** Shells a reverse shell hands a socket to. */
export const SHELL_PROGRAM = /^(?:\/bin\/|\/usr\/bin\/)?(?:ba|z|da|k)?sh$|^cmd(?:\.exe)?$|^(?:powershell|pwsh)(?:\.exe)?$/i;
