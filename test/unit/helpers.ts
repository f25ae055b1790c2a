/** Small helpers for unit tests: temp folders with catalog files, captured CLI output. */
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import type { CliIO } from '../../src/cli/io';

export const repoRoot = path.resolve(__dirname, '..', '..');
export const bundledCatalog = path.join(repoRoot, 'runbooks');

/** Writes files (relative path → content) into a fresh temp dir; returns the dir and a cleanup. */
export function tempTree(files: Record<string, string>): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'sofa-ops-test-'));
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), content);
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function captureIO(): CliIO & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out(text: string) { io.stdout += text; },
    err(text: string) { io.stderr += text; },
  };
  return io;
}

/** A minimal valid product file, for tests to extend or break. */
export const minimalProduct = `product:
  id: demo
  section: "2"
  name: {zh: 演示, en: Demo}
  summary: {zh: 演示产品, en: Demo product}
components:
  - id: demo-server
    section: "2.1"
    name: {zh: 服务端, en: Server}
    role: {zh: 提供服务, en: Serves}
    ports:
      - {port: 2022, section: "2.5", purpose: {zh: SSH, en: SSH}}
logs:
  - id: demo-server-common-error
    section: "2.3"
    components: [demo-server]
    name: common-error.log
    path: /home/admin/logs/common-error.log
    records: {zh: 错误日志, en: Error log}
patterns:
  - id: demo-no-connection
    section: "2.3.2"
    match: no available connection
    severity: error
    logs: [demo-server-common-error]
    explanation: {zh: 没有可用连接, en: No connection available}
    action: {zh: 检查 MQ, en: Check MQ}
`;
