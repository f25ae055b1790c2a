/** Command, view and setting ids in one place, so code and package.json cannot drift apart unnoticed. */
export const ViewIds = {
  container: 'sofaOps',
  products: 'sofaOps.products',
} as const;

export const CommandIds = {
  refreshCatalog: 'sofaOps.refreshCatalog',
  openGuideSection: 'sofaOps.openGuideSection',
  openShell: 'sofaOps.openShell',
  disconnectAll: 'sofaOps.disconnectAll',
  editCellOptions: 'sofaOps.editCellOptions',
} as const;

export const SettingKeys = {
  section: 'sofaOps',
  language: 'language',
  catalogPaths: 'catalogPaths',
  inventoryFile: 'inventoryFile',
  knownHostsFiles: 'ssh.knownHostsFiles',
  rememberSecrets: 'ssh.rememberSecrets',
} as const;
