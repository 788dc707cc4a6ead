import { InputError } from '../errors.js';
import type { Subject } from './subject.js';

// `registry.example.com:5000/group/image[:tag]@sha256:<64 hex>`: a digest is required, a tag is optional and
// not part of the subject (the digest is what was built; a tag can move).
const IMAGE_REF = /^([a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::([\w][\w.-]{0,127}))?@sha256:([0-9a-f]{64})$/;

/** A container image given by digest becomes a subject named after the repository, without the tag. */
export function parseImageSubject(ref: string): Subject {
  const m = IMAGE_REF.exec(ref);
  if (!m) {
    throw new InputError('MALFORMED', `'${ref}' is not an image reference by digest`, {
      where: { field: '--image' },
      hint: 'Give the image as NAME@sha256:<64 hex digits>, e.g. registry.gitlab.com/group/project/app@sha256:3f1c... (a tag alone can move, so it is not a subject).',
    });
  }
  return { name: m[1] as string, digest: { sha256: m[3] as string } };
}
