import { SLSA_PROVENANCE_V1 } from '../provenance/constants.js';

/**
 * The fields of a SLSA provenance predicate that policy can check, read defensively (the statement is signed,
 * but its shape is the signer's). SLSA v1 (https://slsa.dev/provenance/v1) and v0.2 are read; fields a version
 * does not have are undefined.
 */

export { SLSA_PROVENANCE_V1 };
export const SLSA_PROVENANCE_V02 = 'https://slsa.dev/provenance/v0.2';

export interface ProvenanceFields {
  builderId?: string;
  buildType?: string;
  sourceRepository?: string;
  sourceRef?: string;
  sourceDigest?: string;
  configUri?: string;
  pipelineSource?: string;
  /** sscs's build type: internalParameters.trust.factsFrom (`verified-token`, `token`, `environment`, `local`). */
  factsFrom?: string;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function defined(fields: ProvenanceFields): ProvenanceFields {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as ProvenanceFields;
}

export function provenanceFields(predicateType: string, predicate: unknown): ProvenanceFields | undefined {
  const p = obj(predicate);
  if (!p) return undefined;
  if (predicateType === SLSA_PROVENANCE_V1) {
    const def = obj(p.buildDefinition);
    const ext = obj(def?.externalParameters);
    const source = obj(ext?.source);
    const deps = Array.isArray(def?.resolvedDependencies) ? def.resolvedDependencies : [];
    return defined({
      builderId: str(obj(obj(p.runDetails)?.builder)?.id),
      buildType: str(def?.buildType),
      sourceRepository: str(source?.repository),
      sourceRef: str(source?.ref),
      sourceDigest: str(obj(obj(deps[0])?.digest)?.gitCommit),
      // sscs's build type (schemas/build-type-v1.md): config.refUri is the token's ci_config_ref_uri.
      configUri: str(obj(ext?.config)?.refUri),
      pipelineSource: str(obj(ext?.pipeline)?.source),
      factsFrom: str(obj(obj(def?.internalParameters)?.trust)?.factsFrom),
    });
  }
  if (predicateType === SLSA_PROVENANCE_V02) {
    return defined({ builderId: str(obj(p.builder)?.id), buildType: str(p.buildType) });
  }
  return undefined;
}
