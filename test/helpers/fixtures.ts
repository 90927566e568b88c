import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

export interface Vector {
  name: string;
  kind: string;
  token: string;
  encodingAESKey: string | null;
  appId: string | null;
  timestamp: string;
  nonce: string;
  signature: string | null;
  msgSignature: string | null;
  echostr: string | null;
  random: string | null;
  encrypt: string | null;
  plaintext: string | null;
  requestBody?: string;
  expectedEnvelope?: string;
  derivedMsgSignature?: string;
}

export const vectors: Vector[] = JSON.parse(readFileSync(`${FIXTURES}vectors.json`, 'utf8'));

/** Sample push bodies by name (`text`, `event-subscribe`, …). */
export function sampleXml(name: string): string {
  return readFileSync(`${FIXTURES}messages/${name}.xml`, 'utf8');
}

export function sampleNames(): string[] {
  return readdirSync(`${FIXTURES}messages`)
    .filter((f) => f.endsWith('.xml'))
    .map((f) => f.slice(0, -4))
    .sort();
}
