/** What the tests that run ansible-playbook against the demo site share: the checks before, and Ansible's environment. */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** Ansible and the built CLI must be there: a missing one is a failure that says how to get it. */
export function requireAnsibleAndBuild(): void {
  if (spawnSync('sh', ['-c', 'command -v ansible-playbook']).status !== 0) throw new Error('ansible-playbook not found: install Debian\'s ansible-core (CI does, see .ci/run)');
  assert.ok(fs.existsSync(path.resolve(__dirname, '../../../dist/cli-export.js')), 'run `npm run build` first');
}

/**
 * ansible-playbook with its home, config and known hosts in `work`, the demo's host keys pinned
 * and no agent; `extra` sets how modules run (the Python interpreter, pipelining).
 */
export function ansibleDemoEnv(work: string, knownHosts: string, extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HOME: work,
    SSH_AUTH_SOCK: '',
    ANSIBLE_CONFIG: path.join(work, 'ansible.cfg'),
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_HOST_KEY_CHECKING: 'True',
    ANSIBLE_SSH_ARGS: `-o ControlMaster=no -o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes`,
    ...extra,
  };
}
