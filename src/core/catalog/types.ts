/**
 * The ops guide as data: the shape of `runbooks/<product>/*.catalog.yaml` after loading.
 * The JSON schema in `runbooks/catalog.schema.json` is the authority for the file format;
 * these types mirror it for the code that consumes the catalog.
 */

/**
 * Text in the guide's own words (`zh`) and an English translation (`en`). `zh` is verbatim from
 * the guide unless `zhSource` says otherwise; a test holds every unmarked zh text to the guide.
 */
export interface Bilingual {
  zh: string;
  en: string;
  /**
   * `composed`: the guide's words, joined from several places or with a label of ours
   * ("运维红线：" + the rule); `paraphrase`: our words for what the guide says.
   */
  zhSource?: ZhSource;
}

export type ZhSource = 'composed' | 'paraphrase';

/**
 * What the catalog corrected in (or could not take as it stands from) the guide, and why. The zh
 * texts keep the guide's words, slip included; the structured fields hold the corrected value, and
 * the note says so. Shown with the item in hovers, tooltips and log explanations.
 */
export interface Note {
  zh: string;
  en: string;
}

export type Lang = keyof Bilingual;

/** Guide section number, e.g. "2.3.2". */
export type Section = string;

export type Severity = 'critical' | 'error' | 'warning' | 'info' | 'ok';

export interface Product {
  id: string;
  section: Section;
  name: Bilingual;
  summary: Bilingual;
  /** Where the guide's tables name the product's apps differently (e.g. MS-antscheduler). */
  aliases?: string[];
}

export interface InstanceSize {
  cpu?: number;
  memoryGB?: number;
  diskGB?: number;
  /** The guide's own wording, e.g. "4C8G，40G 磁盘". */
  text: string;
}

export interface Port {
  port: number;
  section: Section;
  purpose: Bilingual;
  /** Also opened on the load balancer. */
  lb?: boolean;
  /** What was corrected in the guide's text, and why (see Note). */
  note?: Note;
}

export interface Component {
  id: string;
  section: Section;
  name: Bilingual;
  role: Bilingual;
  /** Application name as deployed / as monitoring calls it. */
  appName?: string;
  aliases?: string[];
  instances?: number;
  size?: InstanceSize;
  ports: Port[];
  /** Default log root inside the container. */
  logRoot?: string;
  /** What was corrected in the guide's text, and why (see Note). */
  note?: Note;
}

export interface Threshold {
  op: '>' | '>=' | '<' | '<=' | '==' | '!=' | 'change' | 'absent' | 'present' | 'unreachable' | 'drop';
  value?: number;
  unit?: string;
  text: Bilingual;
}

/** A comparison operator of a structured condition. */
export type CompareOp = '>' | '>=' | '<' | '<=' | '==' | '!=';

/** What a drop or rise is measured against (2.2.1.2 同比昨日, 8.2.1 周环比, 环比上一窗口). */
export type Baseline = 'yesterday' | 'lastWeek' | 'previousWindow';

/**
 * The guide's alarm rules as data (see src/core/checks/ruleModel.ts for how inspection judges
 * them). A leaf compares the check's own measurement (a resource, or the lines of its log that
 * match its pattern within `window`), a named monitoring `metric`, or a count over a component's
 * hosts, with a number or with a baseline; `all`/`any` combine leaves.
 */
export type Condition = AllCondition | AnyCondition | CompareCondition | ChangeCondition | HostsCondition | UnreachableCondition;

export interface AllCondition { all: Condition[] }
export interface AnyCondition { any: Condition[] }

interface Measured {
  /** Lines within this window of the log's own timestamps (`1m`, `5m`): a rate. Absent: the check's own value. */
  window?: string;
  /** A monitoring metric the guide names (e.g. "SQL 数"): only monitoring history has it. */
  metric?: string;
  unit?: string;
}

export interface CompareCondition extends Measured {
  op: CompareOp;
  value: number;
}

/** `drop`/`rise` percent against a baseline; `strict` for the guide's "超过" (more than). */
export interface ChangeCondition extends Measured {
  drop?: number;
  rise?: number;
  baseline: Baseline;
  strict?: boolean;
}

/** Count of the component's hosts whose `field` (read from the check's HTTP answer) equals `equals`. */
export interface HostsCondition {
  hosts: { field: string; equals: string };
  /** The alarm: `!=` 1 for "exactly one Leader". */
  op: CompareOp;
  value: number;
}

/** The listed ports cannot be reached. */
export interface UnreachableCondition { unreachable: number[] }

/** How the guide samples a rule: every `interval`, summed over `window`, alarming after `consecutive` periods, repeated every `repeat`. */
export interface Sampling {
  interval?: string;
  window?: string;
  consecutive?: number;
  repeat?: string;
}

/** A version range a check or plan applies to: `>=0.7.0`, `<0.7.0`, `1.0 - 1.3`, `1.5.x`. */
export interface Applicability {
  /** A product id (registry, acvip) or platform (antstack). */
  of: string;
  range: string;
}

/** Why a rule is left to a person, and what the guide's threshold is meanwhile. */
export interface ManualReason {
  zh: string;
  en: string;
}

export interface Metric {
  id: string;
  section: Section;
  components: string[];
  name: Bilingual;
  meaning: Bilingual;
  /** Metric key as monitoring names it, e.g. cpu_usage. */
  key?: string;
  threshold?: Threshold;
  level?: string;
  interval?: string;
  window?: string;
  subscriber?: Bilingual;
  action?: Bilingual;
  /** What was corrected in the guide's text, and why (see Note). */
  note?: Note;
  /** The full rule, structured (the threshold keeps the guide's text). */
  condition?: Condition;
  /** 重大 (major) or 次要 (minor) where the guide gives two levels. */
  severity?: 'major' | 'minor';
  sampling?: Sampling;
  /** Ports the rule watches (connections on 9529, 9001). */
  ports?: number[];
  /** Inspection checks that evaluate this rule over SSH. */
  inspectedBy?: string[];
  /** Not evaluable by SSH inspection (needs monitoring history): why. */
  manual?: ManualReason;
}

export interface LogField {
  name: string;
  meaning: Bilingual;
  /** Values that mean trouble, matched against the field's text. */
  bad?: { equals?: string[]; regex?: string; gt?: number; explanation: Bilingual };
  /** What was corrected in the guide's text, and why (see Note). */
  note?: Note;
}

export interface LogFormat {
  id: string;
  /** How a line splits into fields. */
  separator?: string;
  /** Alternatively a regex with named groups matching field names. */
  regex?: string;
  fields: LogField[];
}

export interface LogFile {
  id: string;
  section: Section;
  components: string[];
  name: string;
  path: string;
  records: Bilingual;
  samples?: string[];
  format?: LogFormat;
  /** What was corrected in the guide's text, and why (see Note). */
  note?: Note;
}

export interface LogPattern {
  id: string;
  section: Section;
  /** Literal text (default) or a regex when `regex: true`. */
  match: string;
  regex?: boolean;
  severity: Severity;
  /** Log ids it appears in; empty means any log. */
  logs: string[];
  components?: string[];
  /**
   * The guide places the line in the logs of the applications that use the product, not in the
   * product's own logs; it names no file, so the pattern applies to any log (`logs` is empty).
   */
  applicationLogs?: boolean;
  explanation: Bilingual;
  action: Bilingual;
  /** What was corrected in the guide's text, and why (see Note). */
  note?: Note;
}

export type CheckKind = 'resource' | 'port' | 'http' | 'process' | 'command' | 'log' | 'composite' | 'manual';

export interface Check {
  id: string;
  section: Section;
  kind: CheckKind;
  components: string[];
  title: Bilingual;
  /** resource: cpu|memory|disk|load5 */
  resource?: 'cpu' | 'memory' | 'disk' | 'load5';
  threshold?: Threshold;
  ports?: number[];
  http?: { port: number; path: string; method?: string; expectStatus?: number; expectBody?: string };
  command?: string;
  expect?: { contains?: string; notContains?: string; regex?: string };
  process?: string;
  /** A command check that says whether the service itself runs (listening, process): when it fails, the host's log checks are not current. */
  liveness?: boolean;
  log?: { logId: string; pattern: string; maxCount?: number; lastLines?: number };
  rule?: 'majority-alive' | 'at-least-two-per-service' | 'count-hosts';
  /** The guide's alarm condition (FAIL; 重大 where there are two levels). */
  condition?: Condition;
  /** The guide's 次要 (minor) condition: WARN. */
  minor?: Condition;
  sampling?: Sampling;
  /** Versions the check applies to; on a site with another version it is N/A. */
  appliesTo?: Applicability[];
  /** Why the rule is left to a person (kind manual, or a condition SSH cannot measure). */
  manualReason?: ManualReason;
  passWhen: Bilingual;
  action?: Bilingual;
  /** What was corrected in the guide's text, and why (see Note). */
  note?: Note;
}

export interface PlanStep {
  text: Bilingual;
  command?: string;
  /** Component id the command runs on. */
  target?: string;
  /** Done by hand in another console (云游, monitoring UI…). */
  manual?: boolean;
  /** What was corrected in the guide's text, and why (see Note). */
  note?: Note;
}

export type PlanKind = 'emergency' | 'scenario' | 'procedure';

export interface Plan {
  id: string;
  section: Section;
  kind: PlanKind;
  title: Bilingual;
  components: string[];
  scope?: Bilingual;
  problem?: Bilingual;
  risk?: Bilingual;
  checks?: PlanStep[];
  steps: PlanStep[];
  verification?: PlanStep[];
  rollback?: PlanStep[];
  notes?: Bilingual;
  /** What was corrected in the guide's text, and why (see Note). */
  note?: Note;
  /** 适用范围: the platform and product versions the plan is written for. */
  appliesTo?: Applicability[];
}

/** One product's catalog, merged from all of its files. */
export interface ProductCatalog {
  product: Product;
  components: Component[];
  metrics: Metric[];
  logs: LogFile[];
  patterns: LogPattern[];
  checks: Check[];
  plans: Plan[];
  /** Absolute paths of the files the product was read from. */
  files: string[];
}

export interface Catalog {
  products: ProductCatalog[];
}
