import { readFileSync } from 'node:fs';

// The conversation of issue 23, exactly as written there (a fixture, so that it stays as written
// whatever the scaffold's template becomes): it must keep passing.
export const ISSUE_EXAMPLE = readFileSync(new URL('../fixtures/convo/issue-23.convo', import.meta.url), 'utf8');
