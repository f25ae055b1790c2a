/**
 * How the SSH benches set up their anchors (OpenSSH, parallel-ssh, Ansible) the same way every
 * time: strict, config-free OpenSSH options, an Ansible INI inventory and an environment where
 * every run is cold. See bench/README.md ("SSH") for why each setting is there.
 */
import * as path from 'path';

/** No ssh_config, only the bench's known_hosts, strict checking, only the given key, no prompts. */
export function strictOptions(knownHosts: string): string[] {
  return [
    '-F', '/dev/null',
    '-o', `UserKnownHostsFile=${knownHosts}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', 'IdentitiesOnly=yes',
    '-o', 'BatchMode=yes',
  ];
}

/** An INI inventory of `hosts` in group `bench`, logging in as the test user with the strict options. */
export function ansibleIni(hosts: string[], o: { user: string; port: number; key: string; knownHosts: string }): string {
  return [
    '[bench]',
    ...hosts,
    '[bench:vars]',
    `ansible_user=${o.user}`,
    `ansible_port=${o.port}`,
    `ansible_ssh_private_key_file=${o.key}`,
    `ansible_ssh_common_args='${strictOptions(o.knownHosts).join(' ')}'`,
    // Skips interpreter discovery, which would cost one more SSH round trip per host.
    'ansible_python_interpreter=/usr/bin/python3',
    '',
  ].join('\n');
}

/** Ansible with an empty config (`config` is an empty file), strict keys, and no ControlPersist masters. */
export function ansibleEnv(base: NodeJS.ProcessEnv, o: { config: string; tempDir: string }): NodeJS.ProcessEnv {
  return {
    ...base,
    ANSIBLE_CONFIG: o.config,
    ANSIBLE_HOST_KEY_CHECKING: 'True',
    // Replaces the default `-C -o ControlMaster=auto -o ControlPersist=60s`: every run is cold
    // and leaves no master processes behind.
    ANSIBLE_SSH_ARGS: '-o ControlMaster=no',
    ANSIBLE_GATHERING: 'explicit',
    ANSIBLE_LOCAL_TEMP: path.join(o.tempDir, 'ansible-tmp'),
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_DEPRECATION_WARNINGS: 'False',
    ANSIBLE_LOAD_CALLBACK_PLUGINS: 'False',
  };
}
