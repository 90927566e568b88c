// Runs a child process to completion and collects its output.
import { spawn } from 'node:child_process';

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed (closed at once when absent). */
  input?: string;
  /** Killed after this long (default: never). */
  timeoutMs?: number;
}

/**
 * Asynchronous on purpose: the fakes a test serves from its own process (Tuling, OpenAI, the WeChat
 * API, a broken server) must keep answering while the child runs.
 */
export function runChild(command: string, args: string[], o: RunOptions): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: o.cwd, env: o.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = o.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), o.timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    // A command that never reads stdin may be gone before we finish writing it.
    child.stdin.on('error', () => {});
    child.stdin.end(o.input ?? '');
  });
}
