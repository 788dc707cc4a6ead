/** What the Python analysis looks for, as data: qualified names (module.member, `()` for a call's result). */

/** Calls that send or receive over the network. A constructor's methods (`requests.Session().post`) count too. */
export const NETWORK_CALL = new RegExp(
  '^(?:' +
    [
      /(?:requests|httpx|niquests|grequests)\.(?:get|post|put|patch|delete|head|options|request|stream|send)/.source,
      /(?:requests\.(?:Session|session)|httpx\.(?:Client|AsyncClient)|aiohttp\.ClientSession|urllib3\.PoolManager|urllib3\.HTTPS?ConnectionPool|http\.client\.HTTPS?Connection|httplib\.HTTPS?Connection|urllib\.request\.build_opener|urllib2\.build_opener|socket\.socket|socket\.create_connection|smtplib\.SMTP(?:_SSL)?|ftplib\.FTP(?:_TLS)?|telnetlib\.Telnet|paramiko\.SSHClient|pycurl\.Curl|discord_webhook\.DiscordWebhook|dhooks\.Webhook|telebot\.TeleBot|xmlrpc\.client\.ServerProxy|websocket\.WebSocket)(?:\(\)\.\w+)?/.source,
      /urllib\d?\.(?:request\.)?(?:urlopen|urlretrieve|Request)/.source,
      /urllib\.urlencode|urllib3\.request|websocket\.create_connection|websockets\.connect|aiohttp\.request|pycurl\.Curl\(\)\.perform/.source,
    ].join('|') +
    ')$',
);

/** DNS lookups: a name built from host facts and resolved is how dependency-confusion probes phone home. */
export const DNS_CALL = /^(?:aiodns\.DNSResolver\(\)\.(?:query|gethostbyname)|socket\.(?:gethostbyname|gethostbyname_ex|getaddrinfo)|dns\.resolver\.(?:resolve|query|Resolver\(\)\.(?:resolve|query)))$/;

/** Socket objects: with a duplicated descriptor or a spawned shell, a reverse shell. */
export const SOCKET_CALL = /^socket\.(?:socket|create_connection|fromfd)$/;

/** Calls that run a program. `shell`: the command goes through a shell even without shell=True. */
export const EXEC_CALLS: Record<string, { shell: boolean }> = Object.fromEntries([
  ...['run', 'call', 'check_call', 'check_output', 'Popen'].map((m) => [`subprocess.${m}`, { shell: false }] as const),
  ...['getoutput', 'getstatusoutput'].map((m) => [`subprocess.${m}`, { shell: true }] as const),
  ...['system', 'popen', 'popen2', 'popen3', 'popen4'].map((m) => [`os.${m}`, { shell: true }] as const),
  ...['execl', 'execle', 'execlp', 'execlpe', 'execv', 'execve', 'execvp', 'execvpe', 'spawnl', 'spawnle', 'spawnlp', 'spawnlpe', 'spawnv', 'spawnve', 'spawnvp', 'spawnvpe', 'posix_spawn', 'posix_spawnp', 'startfile'].map((m) => [`os.${m}`, { shell: false }] as const),
  ['pty.spawn', { shell: false }],
  ['commands.getoutput', { shell: true }],
  ['commands.getstatusoutput', { shell: true }],
  ['asyncio.create_subprocess_shell', { shell: true }],
  ['asyncio.create_subprocess_exec', { shell: false }],
]);

/** Code execution from data. `pickle.loads` runs what the data says as surely as exec does. */
export const EVAL_CALLS = new Set(['builtins.exec', 'builtins.eval', 'builtins.compile', 'builtins.execfile', 'types.FunctionType', 'pickle.loads', 'cPickle.loads', 'dill.loads', 'marshal.loads']);

/** Calls whose result is decoded, decompressed or unmarshalled data. */
export const DECODE_CALL = /^(?:cryptography\.fernet\.Fernet\(\)\.decrypt|Fernet\(\)\.decrypt|Crypto\.Cipher\.\w+\.new\(\)\.decrypt|base64\.(?=\w*decode)\w*|binascii\.(?:a2b_\w+|unhexlify)|(?:bytes|bytearray)\.fromhex|zlib\.decompress|gzip\.decompress|bz2\.decompress|lzma\.decompress|codecs\.decode|marshal\.loads)$/;

/** Host facts: what a dependency-confusion probe or a stealer's first message sends home. */
export const HOST_CALL = /^(?:socket\.(?:gethostname|getfqdn)|platform\.(?:node|uname|system|platform|release|version|machine|processor)|getpass\.getuser|os\.(?:getlogin|uname|getuid)|uuid\.getnode|os\.uname)$/;
export const HOST_ENV = /^(?:USER|USERNAME|LOGNAME|HOSTNAME|COMPUTERNAME|USERDOMAIN)$/;

/** Environment variables that hold secrets (cloud keys, CI tokens, package registry tokens). */
export const SECRET_ENV = /^(?:AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|CI_JOB_TOKEN|CI_JOB_JWT\w*|ACTIONS_\w*TOKEN|ACTIONS_ID_TOKEN_REQUEST_\w+|GOOGLE_APPLICATION_CREDENTIALS|AZURE_\w*SECRET|TWINE_PASSWORD|PYPI_\w*TOKEN|\w*_(?:API_KEY|SECRET|SECRET_KEY|PASSWORD|PRIVATE_KEY|TOKEN|ACCESS_KEY(?:_ID)?))$/;

/** Calls that read secret stores by what they are, whatever path they are given. */
export const SECRET_CALL = /^(?:browser_cookie3\.\w+|win32crypt\.CryptUnprotectData|keyring\.get_password|Crypto\.Cipher\.AES\.new\(\)\.decrypt|pyperclip\.paste|ImageGrab\.grab|PIL\.ImageGrab\.grab)$/;

/** Calls that write to a path given as their first argument (or `dst`, the second, for copies). */
export const WRITE_FIRST = /^(?:builtins\.open|io\.open|codecs\.open|os\.open|os\.makedirs|os\.mkdir|pathlib\.Path|os\.remove|os\.unlink|shutil\.rmtree)$/;
export const WRITE_SECOND = /^(?:shutil\.(?:copy|copy2|copyfile|copytree|move)|os\.(?:rename|replace|symlink|link)|urllib\.request\.urlretrieve|urllib\.urlretrieve)$/;
export const OPEN_CALL = /^(?:builtins\.open|io\.open|codecs\.open)$/;

/** Places that run what is written there: autostart folders, shell start files, scheduled jobs, the Run key. */
export const AUTOSTART = /Start Menu[/\\]Programs[/\\]Startup|[/\\]Startup[/\\]|\\CurrentVersion\\Run|CurrentVersion[/\\]Run|[/\\]\.(?:bashrc|bash_profile|profile|zshrc|zprofile)$|\/etc\/(?:rc\.local|cron|profile\.d)|crontab|LaunchAgents|LaunchDaemons|\.config[/\\]autostart|systemd[/\\]user|\/etc\/systemd\/system/i;

/** Shells handed a socket by a reverse shell. */
export const SHELL_COMMAND = /^(?:\/bin\/|\/usr\/bin\/)?(?:ba|z|da|k)?sh(?:\s+-i)?$|^cmd(?:\.exe)?$|^(?:powershell|pwsh)(?:\.exe)?$|^\/bin\/(?:ba)?sh\b/i;

/** Windows process flags that hide a window or detach the child: CREATE_NO_WINDOW, DETACHED_PROCESS. */
export const SILENT_FLAGS = /CREATE_NO_WINDOW|DETACHED_PROCESS|0x0*8000000\b|\b134217728\b|SW_HIDE|STARTF_USESHOWWINDOW/;

/** Files that are media, not code: code evaluated from one was hidden in it (steganography). */
export const MEDIA_PATH = /\.(?:png|jpe?g|gif|bmp|ico|webp|wav|mp3|mp4)$/i;

/** Webhook and bot endpoints stealers post to. */
export const WEBHOOK = /discord(?:app)?\.com\/api\/webhooks|api\.telegram\.org\/bot|hooks\.slack\.com\/services|webhook\.site|pipedream\.net|requestbin|oast\.(?:fun|me|live|pro|site|online)|burpcollaborator\.net|interact\.sh|ngrok(?:-free)?\.(?:io|app)/i;

/** Obfuscators whose output no readable library ships. */
export const OBFUSCATOR = /__pyarmor__|pyarmor_runtime|__PYARMOR__|Obfuscated with PyObfuscate|pyobfuscate\.com|BlankOBF|Kramer Specter|freecodingtools\.org/;

/** Modules whose members, reached by a computed name, hide what the code does. */
export const SENSITIVE_MODULE = /^(?:os|subprocess|socket|builtins|pty|ctypes|urllib|urllib2|urllib3|requests|http|base64|marshal|zlib|importlib|shutil|platform|getpass|webbrowser|smtplib|ftplib|telnetlib|pickle|codecs|sys)(?:\.|$)/;

/** Module aliases that are the same module under another name. */
export const MODULE_ALIASES: Record<string, string> = { __builtins__: 'builtins', __builtin__: 'builtins', posix: 'os', nt: 'os', 'os.path': 'os.path', urllib2: 'urllib.request', httplib: 'http.client', cPickle: 'pickle' };

/** Python's builtins that the analysis resolves by name when the file does not rebind them. */
export const BUILTINS = new Set(['exec', 'eval', 'compile', 'execfile', 'open', '__import__', 'getattr', 'chr', 'ord', 'str', 'bytes', 'bytearray', 'globals', 'locals', 'vars', 'map', 'input', 'setattr', 'dict', 'list', 'tuple', 'set', 'repr', 'int', 'len', 'print', 'format', 'sorted', 'zip', 'enumerate', 'range', 'iter', 'next', 'hex', 'filter', 'reversed', 'type', 'isinstance', 'hasattr', 'super', 'object']);

/** Clipboard and screen capture: what clippers and spyware do; a library has no business doing it on import. */
export const CAPTURE_CALL = /^(?:pyperclip\.(?:copy|paste)|pandas\.read_clipboard|win32clipboard\.(?:GetClipboardData|SetClipboardData|SetClipboardText)|PIL\.ImageGrab\.grab(?:clipboard)?|ImageGrab\.grab|pyscreenshot\.grab|pyautogui\.screenshot|mss\.mss\(\)\.(?:grab|shot)|pynput\.keyboard\.Listener|keyboard\.on_press|keyboard\.hook)$/;

/** Programs no build step needs: shells on the fly, Windows launchers and script hosts, LOLBins. */
export const SUSPICIOUS_PROGRAM = /^(?:start|powershell(?:\.exe)?|pwsh|mshta(?:\.exe)?|wscript(?:\.exe)?|cscript(?:\.exe)?|rundll32(?:\.exe)?|regsvr32(?:\.exe)?|bitsadmin(?:\.exe)?|certutil(?:\.exe)?|schtasks(?:\.exe)?|reg(?:\.exe)?\s+add|crontab|nohup|(?:\/tmp|\/dev\/shm|\/var\/tmp|%TEMP%|%TMP%|%APPDATA%|%LOCALAPPDATA%)[/\\]\S*|\S+\.(?:exe|scr|vbs|bat|cmd|ps1|hta))$/i;

/** A URL that names a program to download. */
export const EXECUTABLE_URL = /^https?:\/\/[^\s?#]+\.(?:exe|msi|scr|dll|bat|cmd|ps1|vbs|hta|sh|elf|bin|apk|jar)(?:[?#]|$)/i;
