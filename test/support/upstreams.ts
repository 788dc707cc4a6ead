/**
 * The upstreams the firewall's client tests run against: verdaccio (a real registry, kinder than the public
 * one) and the registry-like upstream that answers as registry.npmjs.org does. A test parametrised over both
 * (`describe.each(UPSTREAMS)`) is written once.
 */
import { startNpmRegistry } from './npm-registry.js';
import { startVerdaccio, type PackageSpec } from './verdaccio.js';

/** What the client tests need of an upstream. */
export interface TestUpstream {
  url: string;
  publish(pkg: PackageSpec): Promise<void>;
  tamper(name: string, version: string, bytes?: Buffer): Promise<void>;
  stop(): Promise<void>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

export const UPSTREAMS: [string, () => Promise<TestUpstream>][] = [
  ['verdaccio', () => startVerdaccio()],
  ['registry-like upstream', () => startNpmRegistry()],
];
