import { describe, expect, it } from 'vitest';
import { typosquatTargets } from '../../helper/src/feeds/typosquat.js';
import { buildTyposquatIndex, collapse, editDistance, skeleton } from '../../helper/src/feeds/typosquat-index.js';
import { POPULAR_NPM_NAMES } from '../../helper/src/feeds/popular-npm.js';

describe('typosquat', () => {
  it.each([
    ['expres', 'express'],
    ['lodahs', 'lodash'],
    ['cross-env.js', 'cross-env'],
    ['crossenv', 'cross-env'],
    ['electorn', 'electron'],
    ['@typescript/eslint-parser', '@typescript-eslint/parser'],
    ['@types-node', '@types/node'],
    ['types-node', '@types/node'],
    ['l0dash', 'lodash'],
    ['r\u0435act-dom', 'react-dom'],
    ['node-lodash', 'lodash'],
    ['webpack_cli', 'webpack-cli'],
  ])('flags %s as imitating %s', (name, target) => {
    expect(typosquatTargets(name)).toContain(target);
  });

  it('does not flag the popular names themselves', () => {
    const flagged = POPULAR_NPM_NAMES.filter((n) => typosquatTargets(n).length > 0);
    expect(flagged).toEqual([]);
  });

  it.each(['react', 'express', 'lodash', 'chalk', 'debug', 'preact', 'react-dom', 'babel-core', 'sscs', 'my-company-utils', 'ouch'])('does not flag %s', (name) => {
    expect(typosquatTargets(name)).toEqual([]);
  });

  it('lists targets most popular first and honours the known-legitimate list', () => {
    const index = buildTyposquatIndex(['lodash', 'lodash-es', 'request'], ['requests']);
    expect(index.targets('lodas')).toEqual(['lodash']);
    expect(index.targets('requests')).toEqual([]);
    expect(index.targets('reqeust')).toEqual(['request']);
  });

  it('normalises homoglyphs and separators', () => {
    expect(skeleton('\uff52\u0435\u0430ct')).toBe('react');
    expect(collapse('@Types/Cross_Env.js')).toBe('typescrossenvjs');
    expect(editDistance('electorn', 'electron', 1)).toBe(1);
    expect(editDistance('abcdef', 'badcfe', 2)).toBe(3);
  });
});

describe('typosquat: PyPI names', () => {
  it.each([
    ['reqeusts', 'requests'],
    ['python-requests', 'requests'],
    ['requests-py', 'requests'],
    ['urlib3', 'urllib3'],
    ['colourama', 'colorama'],
    ['python3-dateutil', 'python-dateutil'],
    ['setup_tools', 'setuptools'],
  ])('flags %s as imitating %s', (name, target) => {
    expect(typosquatTargets(name, 'pypi')).toContain(target);
  });

  it.each(['requests', 'Requests', 'PyYAML', 'zope.interface', 'python-dateutil', 'boto3', 'discord.py'])('does not flag %s, a popular project in any spelling', (name) => {
    expect(typosquatTargets(name, 'pypi')).toEqual([]);
  });

  it('compares against the ecosystem of the package only', () => {
    // `expres` imitates npm's express; PyPI's popular names are another list.
    expect(typosquatTargets('expres', 'npm')).toContain('express');
    expect(typosquatTargets('reqeusts', 'npm')).not.toContain('requests');
  });
});
