import type { BuildContext } from '../gitlab/context.js';
import { BUILD_TYPE, BUILDER_IDS, type TrustMode } from './constants.js';
import type { ExternalParameters, InternalParameters, ResourceDescriptor, SlsaProvenance } from './types.js';

export interface PredicateInputs {
  context: BuildContext;
  trustMode: TrustMode;
  /** Component inputs that shaped the build, recorded as external parameters. */
  inputs?: Record<string, string>;
  /** Allow-listed variables and their values. */
  variables?: Record<string, string>;
  /** The helper that wrote the provenance. */
  helper: { version: string; sha256?: string };
  finishedOn: Date;
}

/** `node:22@sha256:...` -> a descriptor with the digest; a tag alone is recorded by name only. */
export function imageDependency(image: string): ResourceDescriptor {
  const at = image.lastIndexOf('@sha256:');
  if (at !== -1 && /^[0-9a-f]{64}$/.test(image.slice(at + 8))) {
    return { uri: `oci://${image.slice(0, at)}`, digest: { sha256: image.slice(at + 8) } };
  }
  return { uri: `oci://${image}` };
}

function definedOnly<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** The SLSA v1 predicate for sscs's build type, built from a validated build context. */
export function buildPredicate(p: PredicateInputs): SlsaProvenance {
  const { context: c } = p;
  const externalParameters: ExternalParameters = {
    source: { repository: c.project.url, ref: c.source.ref },
    config: definedOnly({ path: c.source.configPath, refUri: c.source.configRefUri, sha: c.source.configSha }),
    pipeline: { source: c.pipeline.source },
    ...(c.job.name !== undefined ? { job: { name: c.job.name } } : {}),
    ...(p.inputs && Object.keys(p.inputs).length ? { inputs: p.inputs } : {}),
    ...(p.variables && Object.keys(p.variables).length ? { variables: p.variables } : {}),
  };
  const internalParameters: InternalParameters = {
    gitlab: definedOnly({
      serverUrl: c.server.url,
      serverVersion: c.server.version,
      projectPath: c.project.path,
      projectId: c.project.id,
      projectVisibility: c.project.visibility,
      pipelineId: c.pipeline.id,
      pipelineUrl: c.pipeline.url,
      jobId: c.job.id,
      jobImage: c.job.image,
      refProtected: c.source.refProtected,
      environment: c.job.environment,
      environmentProtected: c.job.environmentProtected,
    }),
    runner: definedOnly({ ...c.runner, environment: c.runner.environment as 'gitlab-hosted' | 'self-hosted' | undefined }),
    trust: { mode: p.trustMode, factsFrom: c.origin },
  };
  const resolvedDependencies: ResourceDescriptor[] = [
    { uri: `git+${c.project.url}@${c.source.ref}`, digest: { gitCommit: c.source.sha } },
  ];
  if (c.job.image) resolvedDependencies.push(imageDependency(c.job.image));
  resolvedDependencies.push(definedOnly({ uri: `pkg:npm/sscs@${p.helper.version}`, digest: p.helper.sha256 ? { sha256: p.helper.sha256 } : undefined }));

  return {
    buildDefinition: { buildType: BUILD_TYPE, externalParameters, internalParameters, resolvedDependencies },
    runDetails: {
      builder: definedOnly({
        id: BUILDER_IDS[p.trustMode],
        version: definedOnly({ sscs: p.helper.version, 'gitlab-runner': c.runner.version, gitlab: c.server.version }) as Record<string, string>,
      }),
      metadata: definedOnly({ invocationId: c.job.url, startedOn: normaliseTime(c.job.startedAt), finishedOn: p.finishedOn.toISOString().replace(/\.\d{3}Z$/, 'Z') }),
    },
  };
}

/** GitLab writes CI_JOB_STARTED_AT as RFC 3339; anything unparseable is left out rather than guessed. */
function normaliseTime(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const t = new Date(value);
  return Number.isNaN(t.getTime()) ? undefined : t.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
