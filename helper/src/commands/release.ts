import { basename } from 'node:path';
import { defineCommand } from '../cli/command.js';
import { InputError, UsageError } from '../errors.js';
import { resolveInRoot, resolveInside } from '../io/files.js';
import { argumentParts, assertNoSecret, flagPart, type NamedPart } from '../io/secrets.js';
import { DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS } from '../release/gitlab-api.js';
import { uploadRelease } from '../release/upload.js';

export default defineCommand({
  name: 'release',
  summary: 'Publish attestations with a release (generic package registry and release asset links)',
  usage: 'sscs release upload FILE... --package NAME --version VERSION [--tag TAG] [flags]',
  description:
    'Uploads each FILE to the project\'s generic package registry, then links it from the release of --tag (creating the release when the tag has none). Authenticates with the job token; the token is never printed. A file name, package name, version or tag holding the value of a secret variable is refused (exit 2) before anything is uploaded, naming the variable and the part, never the value.',
  flags: {
    package: { type: 'string', valueName: 'NAME', description: 'Generic package name.' },
    version: { type: 'string', valueName: 'VERSION', description: 'Generic package version.' },
    tag: { type: 'string', valueName: 'TAG', description: 'Release (tag) to link the files from; without it the files are only uploaded.' },
    'api-url': { type: 'string', valueName: 'URL', description: 'GitLab API root (default: $CI_API_V4_URL).' },
    'project-id': { type: 'string', valueName: 'ID', description: 'Project id or path (default: $CI_PROJECT_ID).' },
    'token-env': { type: 'string', valueName: 'NAME', default: 'CI_JOB_TOKEN', description: 'Variable holding the job token.' },
    'timeout-ms': { type: 'string', valueName: 'N', integer: [1, MAX_TIMEOUT_MS], default: String(DEFAULT_TIMEOUT_MS), description: 'Timeout of each API call.' },
    format: { type: 'string', choices: ['text', 'json'], valueName: 'text|json', default: 'text', description: 'Output format.' },
  },
  positionals: { min: 2, max: Number.MAX_SAFE_INTEGER, name: 'upload FILE...' },
  examples: ['sscs release upload attestations/*.sigstore.json --package attestations --version "$CI_COMMIT_TAG" --tag "$CI_COMMIT_TAG"'],
  async run({ flags, positionals, io }) {
    const [action, ...files] = positionals;
    if (action !== 'upload') throw new UsageError('USAGE', `sscs release: unknown action '${action}'; the only one is 'upload'`);
    if (flags.format !== 'text' && flags.format !== 'json') throw new UsageError('USAGE', `--format must be text or json, not '${flags.format}'`);
    if (!flags.package) throw new UsageError('MISSING_ARGUMENT', 'sscs release upload: --package is required');
    if (!flags.version) throw new UsageError('MISSING_ARGUMENT', 'sscs release upload: --version is required');
    const apiUrl = flags['api-url'] ?? io.env.CI_API_V4_URL;
    const projectId = flags['project-id'] ?? io.env.CI_PROJECT_ID;
    const jobToken = io.env[flags['token-env']];
    if (!apiUrl) throw new InputError('CONTEXT_MISSING', 'no GitLab API URL: pass --api-url or run in a job (CI_API_V4_URL)');
    if (!projectId) throw new InputError('CONTEXT_MISSING', 'no project: pass --project-id or run in a job (CI_PROJECT_ID)');
    if (!jobToken) throw new InputError('CONTEXT_MISSING', `no job token in ${flags['token-env']}`);
    const timeoutMs = Number(flags['timeout-ms']);
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new UsageError('USAGE', `--timeout-ms must be a positive integer, not '${flags['timeout-ms']}'`);
    // The file names, package name, version and tag go into the package registry's URLs and the release's links
    // (read by everyone who can read the project, long after the job), and --format json prints the paths as data,
    // where the redactor would print [REDACTED] in place of a real name. Refused before anything is uploaded.
    const named: NamedPart[] = [
      ...argumentParts(flags.format === 'json' ? files : files.map((f) => basename(f)), flags.format === 'json' ? 'a file to publish' : 'the name of a file to publish', 2),
      flagPart('package', 'name', flags.package),
      flagPart('version', 'value', flags.version),
      flagPart('tag', 'value', flags.tag),
    ];
    const secretCheck = { what: 'the files', verb: 'publish' as const, alsoSecret: [flags['token-env']], parts: () => named };
    assertNoSecret(named.map((p) => p.text ?? '').join('\0'), io.env, secretCheck);
    // Real paths: a symlink committed under an expected name must not publish a file from outside the project.
    const paths = files.map((f) => {
      const target = resolveInRoot(io.cwd, resolveInside(io.cwd, io.cwd, f, 'file to publish'));
      if (target.isDirectory) throw new InputError('INPUT', 'is a folder, not a file to publish', { where: { file: f } });
      return target.realPath;
    });
    const result = await uploadRelease(
      { apiUrl, projectId, jobToken, timeoutMs },
      { files: paths, packageName: flags.package, version: flags.version, ...(flags.tag ? { tag: flags.tag } : {}) },
    );
    const shown = { ...result, files: result.files.map((f, i) => ({ ...f, file: files[i]! })) };
    if (flags.format === 'json') {
      const json = `${JSON.stringify(shown, null, 2)}\n`;
      assertNoSecret(json, io.env, { ...secretCheck, what: 'the summary', verb: 'print' });
      io.stdout(json);
    } else {
      for (const f of shown.files) io.stdout(`uploaded ${f.file} (sha256:${f.sha256}) to ${f.url}\n`);
      if (shown.release) io.stdout(`${shown.release.created ? 'created release' : 'linked from release'} ${shown.release.tag} (${shown.release.links} links)\n`);
    }
    return 0;
  },
});
