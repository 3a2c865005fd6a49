// Why: the README's command table must match the command table (run `npm run gen:readme`), and the
// README must keep its two set-up commands near the top.
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { readmeWithTable } from '../scripts/gen-readme.js';
import { ROOT } from './support/servers.js';

describe('README', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  it('has an up-to-date supported-command table', () => {
    expect(readme).toBe(readmeWithTable(readme));
  });
  it('starts with the two set-up commands', () => {
    const head = readme.split('\n').slice(0, 30).join('\n');
    expect(head).toContain('npm install && npm start');
    expect(head).toContain('npm test');
  });
});
