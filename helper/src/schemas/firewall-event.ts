/**
 * JSON Schema of the events the firewall's webhooks deliver (firewall/events.ts builds them; the README's
 * "Webhooks" section shows one). The single source of schemas/firewall-event-v1.schema.json (npm run schemas).
 */
import { ECOSYSTEMS } from '../ecosystems/types.js';
import { EVENT_SOURCES, WEBHOOK_EVENTS } from '../firewall/events.js';

const str = { type: 'string', minLength: 1 } as const;
const time = { type: 'string', format: 'date-time' } as const;

export const FIREWALL_EVENT_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://sscs.dev/schemas/firewall-event-v1.schema.json',
  title: 'sscs firewall event',
  description: 'One webhook delivery of the dependency firewall: the same envelope for every type, whichever path caused it (proxy, admin API, admin page, CLI). Signed as the README says (x-sscs-signature over the raw body).',
  type: 'object',
  required: ['id', 'type', 'at', 'ecosystem', 'name', 'version', 'purl', 'actor', 'data'],
  properties: {
    id: { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$', description: 'Unique per event (UUID v4), the same in every retry of its delivery (the x-sscs-delivery header): a receiver drops one it has seen.' },
    type: { enum: [...WEBHOOK_EVENTS], description: 'block: a client was refused a denied version; quarantine: refused a quarantined one; release: a version left the quarantine queue; waiver: a waiver was added; retroactive-hit: a version served earlier is now listed as malicious.' },
    at: { ...time, description: 'When it happened (UTC): the record time of a release or waiver, else when the firewall saw it.' },
    ecosystem: { enum: [...ECOSYSTEMS] },
    name: { ...str, description: 'The package name in its ecosystem\'s form: an npm name (@scope/name) or a PEP 503-normalised PyPI project.' },
    version: { ...str, description: 'The version; for a waiver, what it covers: one version, * or a range (semver range, PEP 440 specifiers).' },
    purl: { type: 'string', pattern: '^pkg:[a-z]+/', description: 'The package URL, with @version only when version is one version.' },
    actor: {
      type: 'object',
      required: ['kind', 'via'],
      properties: {
        kind: { enum: ['operator', 'firewall'], description: 'An operator\'s action, or the firewall deciding on its own (block, quarantine, retroactive-hit).' },
        via: { enum: [...EVENT_SOURCES], description: 'Where the action came from: the proxy, the JSON admin API, the admin page or the CLI.' },
        name: { ...str, description: 'The operator as recorded: --by (else $GITLAB_USER_LOGIN, $USER), the admin API body\'s by, the admin page\'s login.' },
        client: { ...str, description: 'The address an admin API or admin page request came from.' },
      },
      additionalProperties: false,
    },
    record: { type: 'string', pattern: '^(release|waiver):[1-9][0-9]*$', description: 'For release and waiver: the database record, as the audit log\'s rule and the CLI name it.' },
    data: {
      type: 'object',
      description: 'What only this type carries. block, quarantine: action, rule, reason, until. release: reason. waiver: owner, reason, expires. retroactive-hit: ids (the feed records), clients, otherClients.',
      properties: {
        action: { enum: ['deny', 'quarantine'] },
        rule: str,
        reason: { type: 'string' },
        until: time,
        owner: str,
        expires: time,
        ids: { type: 'array', items: str },
        clients: { type: 'array', items: { type: 'object' } },
        otherClients: { type: 'integer', minimum: 0 },
      },
    },
  },
  additionalProperties: false,
  allOf: [
    { if: { properties: { type: { enum: ['release', 'waiver'] } } }, then: { required: ['record'], properties: { actor: { properties: { kind: { const: 'operator' } } } } } },
    { if: { properties: { type: { enum: ['block', 'quarantine'] } } }, then: { properties: { data: { required: ['action', 'rule', 'reason'] } } } },
    { if: { properties: { type: { const: 'waiver' } } }, then: { properties: { data: { required: ['owner', 'reason'] } } } },
    { if: { properties: { type: { const: 'release' } } }, then: { properties: { data: { required: ['reason'] } } } },
    { if: { properties: { type: { const: 'retroactive-hit' } } }, then: { properties: { data: { required: ['ids', 'clients'] } } } },
  ],
} as const;
