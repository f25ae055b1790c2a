/** Command, view and setting ids in one place, so code and package.json cannot drift apart unnoticed. */
export const ViewIds = {
  container: 'sofaOps',
  products: 'sofaOps.products',
  inspection: 'sofaOps.inspection',
  logSearch: 'sofaOps.logSearch',
  runHistory: 'sofaOps.runHistory',
} as const;

export const CommandIds = {
  refreshCatalog: 'sofaOps.refreshCatalog',
  openGuideSection: 'sofaOps.openGuideSection',
  openShell: 'sofaOps.openShell',
  disconnectAll: 'sofaOps.disconnectAll',
  editCellOptions: 'sofaOps.editCellOptions',
  previewRun: 'sofaOps.previewRun',
  runInspection: 'sofaOps.runInspection',
  showInspectionReport: 'sofaOps.showInspectionReport',
  openLog: 'sofaOps.openLog',
  loadEarlierLog: 'sofaOps.loadEarlierLog',
  followLog: 'sofaOps.followLog',
  stopFollowingLog: 'sofaOps.stopFollowingLog',
  scanRemoteLog: 'sofaOps.scanRemoteLog',
  nextLogProblem: 'sofaOps.nextLogProblem',
  previousLogProblem: 'sofaOps.previousLogProblem',
  goToLogFileLine: 'sofaOps.goToLogFileLine',
  searchLogsAcrossHosts: 'sofaOps.searchLogsAcrossHosts',
  openLogSearchHit: 'sofaOps.openLogSearchHit',
  incidentTimeline: 'sofaOps.incidentTimeline',
  triage: 'sofaOps.triage',
  explainSelection: 'sofaOps.explainSelection',
  explainTerminalSelection: 'sofaOps.explainTerminalSelection',
  openRunbookForHost: 'sofaOps.openRunbookForHost',
  filterProducts: 'sofaOps.filterProducts',
  clearProductsFilter: 'sofaOps.clearProductsFilter',
  startDemoSite: 'sofaOps.startDemoSite',
  stopDemoSite: 'sofaOps.stopDemoSite',
  injectDemoFault: 'sofaOps.injectDemoFault',
  openShippedRunbook: 'sofaOps.openShippedRunbook',
  copyCheckCommand: 'sofaOps.copyCheckCommand',
  runCheckOnHost: 'sofaOps.runCheckOnHost',
  copyPortCommand: 'sofaOps.copyPortCommand',
  checkPortOnHost: 'sofaOps.checkPortOnHost',
  copyPattern: 'sofaOps.copyPattern',
  copyPatternCommand: 'sofaOps.copyPatternCommand',
  searchPatternAcrossHosts: 'sofaOps.searchPatternAcrossHosts',
  refreshRunHistory: 'sofaOps.refreshRunHistory',
  openRunReport: 'sofaOps.openRunReport',
} as const;

/** Context keys set with `setContext`, read in package.json `when` clauses. */
export const ContextKeys = {
  productsFiltered: 'sofaOps.productsFiltered',
  hasLogSearch: 'sofaOps.hasLogSearch',
} as const;

export const SettingKeys = {
  section: 'sofaOps',
  language: 'language',
  catalogPaths: 'catalogPaths',
  inventoryFile: 'inventoryFile',
  knownHostsFiles: 'ssh.knownHostsFiles',
  rememberSecrets: 'ssh.rememberSecrets',
  inspectionInterval: 'inspection.intervalMinutes',
  auditSyslog: 'audit.syslog',
} as const;
