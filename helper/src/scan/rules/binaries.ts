import type { Finding } from '../types.js';
import type { PackageFile } from '../files.js';
import type { Rule } from './common.js';

/** Extensions that promise text or media: an executable behind one is disguised. */
const NON_EXECUTABLE_EXT = /\.(?:[cm]?[jt]s|jsx|tsx|json|md|markdown|txt|css|scss|html?|map|ya?ml|svg|png|jpe?g|gif|ico|webp|woff2?|ttf|lock)$/i;
/** Where native code legitimately lives in packages that build or download it. */
const NATIVE_DIRS = /(?:^|\/)(?:prebuilds?|build\/Release|bin|binding|lib\/binding|vendor|native)\//;
/** A fat Mach-O header counts architectures; Java class files share its magic with a version number there. */
const MAX_FAT_ARCHS = 30;
const PE_OFFSET_FIELD = 0x3c;

export function executableFormat(head: Buffer): 'ELF' | 'PE' | 'Mach-O' | undefined {
  if (head.length < 4) return undefined;
  const magic = head.readUInt32BE(0);
  if (magic === 0x7f454c46) return 'ELF';
  if (magic === 0xfeedface || magic === 0xfeedfacf || magic === 0xcefaedfe || magic === 0xcffaedfe) return 'Mach-O';
  if (magic === 0xcafebabe && head.length >= 8 && head.readUInt32BE(4) <= MAX_FAT_ARCHS) return 'Mach-O';
  if (head[0] === 0x4d && head[1] === 0x5a && head.length >= PE_OFFSET_FIELD + 4) {
    const pe = head.readUInt32LE(PE_OFFSET_FIELD);
    if (pe + 4 <= head.length && head.readUInt32BE(pe) === 0x50450000) return 'PE';
  }
  return undefined;
}

function hidden(path: string): boolean {
  return path.split('/').some((seg) => seg.startsWith('.') && seg.length > 1);
}

/**
 * unexpected-binary: an executable (ELF, PE, Mach-O). High when disguised (behind a .js/.json/image extension)
 * or hidden in a dot-folder; medium in a package that does not declare native code; low otherwise.
 */
export const binaries: Rule = (pkg) => {
  const out: Finding[] = [];
  for (const f of pkg.files.values()) {
    const format = executableFormat(f.head);
    if (!format) continue;
    out.push(classify(f, format, pkg.declaresBinary || f.path.endsWith('.node')));
  }
  return out;
};

function classify(f: PackageFile, format: string, declared: boolean): Finding {
  const base = { rule: 'unexpected-binary', file: f.path, evidence: `${format} executable, ${f.size} bytes` };
  if (NON_EXECUTABLE_EXT.test(f.path)) return { ...base, severity: 'high', message: `${format} executable disguised as ${f.path.slice(f.path.lastIndexOf('.'))}` };
  if (hidden(f.path)) return { ...base, severity: 'high', message: `${format} executable hidden in a dot-folder` };
  if (!declared && !NATIVE_DIRS.test(f.path)) return { ...base, severity: 'medium', message: `${format} executable in a package that declares no native code (no bin, os/cpu, gypfile or build step)` };
  return { ...base, severity: 'low', message: `${format} executable` };
}
