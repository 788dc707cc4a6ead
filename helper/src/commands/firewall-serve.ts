import { defineCommand } from '../cli/command.js';
import { DEFAULT_LISTEN, ENV, serveSettings } from '../firewall/config.js';
import { SERVE_FLAGS, SETTINGS_HELP } from '../firewall/flags.js';

export default defineCommand({
  name: 'firewall serve',
  summary: 'Serve an npm registry that enforces the dependency policy on every request',
  usage: 'sscs firewall serve --policy FILE [--upstream URL] [--listen HOST:PORT] [flags]',
  description: `
Packuments lose the versions the policy denies or quarantines (dist-tags move to the newest allowed
version); tarballs of those versions get a 403 naming the rule and the way out; allowed tarballs stream
through a check against the packument's integrity. One JSON line per request on stdout; /-/health and
/metrics (Prometheus). SIGTERM stops accepting, lets in-flight requests finish and closes the database.
SIGHUP (or POST /-/sscs/admin/reload) reloads the policy file and the feed without dropping a request; one
that does not load is refused, logged with the reason, and the old one kept.

${SETTINGS_HELP}`,
  flags: {
    ...SERVE_FLAGS,
    listen: { type: 'string', valueName: 'HOST:PORT', description: `Address to listen on; port 0 picks a free one (env ${ENV.listen}) [default: ${DEFAULT_LISTEN}].` },
    'port-file': { type: 'string', writes: 'file', valueName: 'FILE', description: 'Write {"url","port"} here once listening.' },
  },
  examples: ['sscs firewall serve --policy .sscs/policy.yml --listen 127.0.0.1:4873', 'SSCS_FIREWALL_ADMIN_TOKEN=... sscs firewall serve --policy p.yml --upstream https://registry.npmjs.org/'],
  async run({ flags, io }) {
    const { launch, reloadSignal, stopSignal } = await import('../firewall/launch.js');
    const fw = await launch(serveSettings(flags, io.env, io.cwd), flags, io);
    io.stderr(`sscs firewall: serving on ${fw.url} (policy mode ${fw.mode})\n`);
    // The outcome (reloaded, or refused with the reason and the old one kept) is in the JSON log.
    const stopReloading = reloadSignal(() => void fw.reload().catch(() => undefined));
    const sig = await stopSignal();
    stopReloading();
    io.stderr(`sscs firewall: ${sig}: finishing in-flight requests\n`);
    await fw.close();
    return 0;
  },
});
