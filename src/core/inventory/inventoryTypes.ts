/**
 * The inventory model's types, shared by the loader (inventory.ts) and every format parser
 * (sofaInventory.ts, ansibleIni.ts, ansibleYaml.ts, ansibleInventory.ts). Types only, importing
 * nothing from those files, so the loader can import the parsers without an import circle.
 */
import type { SourceProblem } from '../sourceProblem';

/** Catalog component ids; a Map (component id → product id) also gives each component's product. */
export type KnownComponents = ReadonlySet<string> | ReadonlyMap<string, string>;

export interface InventoryHost {
  /** Unique in the inventory, e.g. "registry-meta-1"; what selectors and the user see. */
  name: string;
  /** Address or DNS name to connect to. */
  host: string;
  port: number;
  /** True when `port` is only the product default (nothing in the inventory set it): ssh_config's Port then wins. */
  portIsDefault?: boolean;
  /** Absent: left to ~/.ssh/config (or the local user) when connecting. */
  user?: string;
  /** `~` already expanded against os.homedir(). */
  identityFiles: string[];
  /** OpenSSH ProxyJump syntax "[user@]host[:port][,...]"; a hop may be another inventory host's name. */
  proxyJump?: string;
  logRoot: string;
  /** Catalog product id, e.g. "registry". */
  product?: string;
  /** Catalog component id, e.g. "registry-meta". */
  component?: string;
  /** Every group the host belongs to: component, product, Ansible groups and their parents. */
  groups: string[];
  /** Free-form labels such as "dc-a" or "zone=gz00b". */
  tags: string[];
  /** Platform and product versions (antstack, registry, acvip…), for the checks' `appliesTo`. */
  versions?: Record<string, string>;
  source: { file: string; line: number };
  /** Set when the inventory says this host is not reached over SSH (e.g. ansible_connection=local): why, with file:line. Never connected to. */
  notSsh?: string;
}

export type InventoryFormat = 'sofa' | 'ansible-ini' | 'ansible-yaml';

export interface Inventory {
  file: string;
  format: InventoryFormat;
  /** In inventory order: the order selectors return hosts in. */
  hosts: InventoryHost[];
  /** Group name → host names in inventory order. Groups without hosts are kept (selectors explain them). */
  groups: Map<string, string[]>;
}

export interface InventoryLoadResult {
  inventory: Inventory;
  problems: SourceProblem[];
}

export interface InventoryOptions {
  /**
   * Catalog component ids. In our format an unknown component key is reported (usually a typo);
   * in Ansible inventories a host in a group named like a component gets that `component`.
   * A Map (component id → product id) also sets `product` for Ansible hosts.
   */
  knownComponents?: KnownComponents;
  /** Skip detection (e.g. the editor knows the language id). */
  format?: InventoryFormat;
}

/** A host as a format parser reads it; the built-in defaults are applied in one place, here. */
export type ParsedHost = Omit<InventoryHost, 'port' | 'logRoot'> & { port?: number; logRoot?: string };

/** What a format parser hands to the shared checks, with the lines those checks report at. */
export interface ParsedInventory {
  hosts: ParsedHost[];
  /** Group names in the order the file introduces them, including groups without hosts. */
  groupOrder: string[];
  problems: SourceProblem[];
  origins: Map<ParsedHost, HostOrigin>;
}

export interface HostOrigin {
  /** Line where the effective proxyJump was written. */
  proxyJumpLine?: number;
  /**
   * The proxyJump came from defaults or a group, not the host itself. A bastion inheriting
   * "proxyJump: bastion" from file-wide defaults must not jump through itself, so such a hop is
   * dropped quietly; written on the host itself it is a mistake and reported.
   */
  proxyJumpInherited?: boolean;
}
