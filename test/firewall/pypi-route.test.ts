import { describe, expect, it } from 'vitest';
import { parseRoute } from '../../helper/src/firewall/route.js';

describe('firewall routes: PyPI beside npm', () => {
  it('parses project pages and files, redirecting names that are not normalised', () => {
    expect(parseRoute('GET', '/simple/tiny-lib/')).toEqual({ kind: 'pypi-project', name: 'tiny-lib' });
    expect(parseRoute('GET', '/simple/Tiny.Lib/')).toEqual({ kind: 'redirect', location: '/simple/tiny-lib/' });
    expect(parseRoute('GET', '/simple/tiny-lib')).toEqual({ kind: 'redirect', location: '/simple/tiny-lib/' });
    expect(parseRoute('GET', '/files/tiny-lib/tiny_lib-1.0.0+cpu-py3-none-any.whl')).toEqual({ kind: 'pypi-file', name: 'tiny-lib', filename: 'tiny_lib-1.0.0+cpu-py3-none-any.whl' });
  });

  it('parses a file\'s core metadata (PEP 658) as that file\'s, and nothing else ending in .metadata', () => {
    expect(parseRoute('GET', '/files/tiny-lib/tiny_lib-1.0.0%2Bcpu-py3-none-any.whl.metadata')).toEqual({ kind: 'pypi-metadata', name: 'tiny-lib', filename: 'tiny_lib-1.0.0+cpu-py3-none-any.whl' });
    expect(parseRoute('GET', '/files/tiny-lib/tiny_lib-1.0.0.tar.gz.metadata')).toEqual({ kind: 'pypi-metadata', name: 'tiny-lib', filename: 'tiny_lib-1.0.0.tar.gz' });
    expect(parseRoute('GET', '/files/tiny-lib/.metadata')).toMatchObject({ kind: 'refused', status: 400 });
    expect(parseRoute('GET', '/files/tiny-lib/tiny_lib.metadata')).toMatchObject({ kind: 'refused', status: 400 });
    expect(parseRoute('GET', '/files/Tiny.Lib/tiny_lib-1.0.0.tar.gz.metadata')).toMatchObject({ kind: 'refused', status: 400 });
  });

  it('refuses encodings, traversal and names that are not normalised in file paths', () => {
    expect(parseRoute('GET', '/files/tiny-lib/..%2f..%2fetc%2fpasswd')).toMatchObject({ kind: 'refused', status: 400 });
    expect(parseRoute('GET', '/files/Tiny.Lib/tiny_lib-1.0.0.tar.gz')).toMatchObject({ kind: 'refused', status: 400 });
    expect(parseRoute('GET', '/files/tiny-lib/x/y.whl')).toMatchObject({ kind: 'refused', status: 400 });
    expect(parseRoute('GET', '/simple/')).toMatchObject({ kind: 'refused', status: 404 });
    expect(parseRoute('POST', '/simple/tiny-lib/')).toMatchObject({ kind: 'refused', status: 405 });
  });

  it('leaves the npm packages named simple and files to npm', () => {
    expect(parseRoute('GET', '/simple')).toEqual({ kind: 'packument', name: 'simple' });
    expect(parseRoute('GET', '/simple/-/simple-1.0.0.tgz')).toEqual({ kind: 'tarball', name: 'simple', path: '/simple/-/simple-1.0.0.tgz' });
    expect(parseRoute('GET', '/files/-/files-2.0.0.tgz')).toEqual({ kind: 'tarball', name: 'files', path: '/files/-/files-2.0.0.tgz' });
  });
});
