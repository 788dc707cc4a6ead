/** Why a purl is refused: a sentence naming the rule it breaks (deps/purl.ts, and each ecosystem's purl rules). */
export class PurlError extends Error {}
