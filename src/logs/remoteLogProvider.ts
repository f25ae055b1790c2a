/**
 * Remote logs as read-only documents (`sofa-log://HOST/ABS/PATH`): the tail window first, earlier
 * pages on demand, and follow (new lines appear; the editor scrolls only if it was at the bottom).
 * The window is bounded, so a 1 GB log costs what its last few thousand lines cost. Closing the
 * tab stops the remote tail.
 */
import * as vscode from 'vscode';
import { Disposable } from '../core/dispose';
import { WindowText } from '../core/logs/logWindow';
import { DEFAULT_WINDOW, type FollowState, RemoteFollow, RemoteLogSource, type RemoteExec } from '../core/logs/remoteLogSource';
import type { SshService } from '../ssh/sshService';
import type { Logger } from '../vscode/logger';

export const LOG_SCHEME = 'sofa-log';
export const LOG_LANGUAGE = 'sofa-log';

/** Lines kept while following; older ones leave the top of the window. */
const MAX_FOLLOW_LINES = 50_000;
/** Appends are shown at most this often (each shows the whole window to the editor again). */
const APPEND_THROTTLE_MS = 100;

export function remoteLogUri(hostName: string, path: string): vscode.Uri {
  return vscode.Uri.from({ scheme: LOG_SCHEME, authority: hostName, path });
}

/** One open remote log: where its window is in the file, and its follow. */
export class RemoteLogDocument extends Disposable {
  readonly host: string;
  readonly path: string;
  private readonly source: RemoteLogSource;
  private window: WindowText | undefined;
  /** File offsets of the window, and the file (inode) it was read from. */
  start = 0;
  end = 0;
  size = 0;
  inode = '';
  /** Lines before the window in the file, once counted (counted in the background). */
  linesBefore: number | undefined;
  private follow: RemoteFollow | undefined;
  followState: FollowState | undefined;
  followDetail: string | undefined;
  error: string | undefined;
  readonly loaded: Promise<void>;
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  /** Text or state changed (the provider throttles text changes for the editor). */
  readonly onDidChange = this.changed.event;
  private readonly appended = this.register(new vscode.EventEmitter<void>());
  readonly onDidAppend = this.appended.event;

  constructor(
    readonly uri: vscode.Uri,
    private readonly exec: RemoteExec,
    private readonly logger: Logger,
  ) {
    super();
    this.host = uri.authority;
    this.path = uri.path;
    this.source = new RemoteLogSource(exec, this.path, DEFAULT_WINDOW);
    this.loaded = this.load();
    this.loaded.catch(() => undefined); // reported where it is awaited (open command, content)
    this.register({ dispose: () => this.follow?.dispose() });
  }

  get text(): string {
    if (this.error !== undefined) return `${this.error}\n`;
    return this.window?.text ?? '';
  }

  get lineCount(): number {
    return this.window?.lines ?? 0;
  }

  get following(): boolean {
    return this.follow !== undefined;
  }

  private async load(): Promise<void> {
    const started = Date.now();
    const tail = await this.source.tail();
    this.window = new WindowText(tail, MAX_FOLLOW_LINES);
    this.start = tail.start;
    this.end = tail.end;
    this.size = tail.size;
    this.inode = tail.inode;
    this.logger.info(`${this.host}:${this.path}: ${tail.lines} lines (${tail.end - tail.start} of ${tail.size} bytes) in ${Date.now() - started} ms`);
    void this.countLinesBefore();
  }

  private async countLinesBefore(): Promise<void> {
    try {
      const pages = this.pagesAdded.length;
      const dropped = this.window?.dropped ?? 0;
      const n = await this.source.linesBefore(this.start);
      if (this.isDisposed) return;
      // Pages loaded and lines trimmed by a follow meanwhile moved the window's start.
      const paged = this.pagesAdded.slice(pages).reduce((sum, lines) => sum + lines, 0);
      this.linesBefore = n - paged + ((this.window?.dropped ?? 0) - dropped);
      this.changed.fire();
    } catch (err) {
      this.logger.warn(`${this.host}:${this.path}: could not count lines before the window: ${(err as Error).message}`);
    }
  }

  private readonly pagesAdded: number[] = [];

  /** Lines before the window, once counted (undefined when counting failed or took over `timeoutMs`). */
  async linesCounted(timeoutMs = 30_000): Promise<number | undefined> {
    await this.loaded;
    if (this.linesBefore !== undefined || this.error !== undefined) return this.linesBefore;
    return new Promise((resolve) => {
      const done = () => {
        sub.dispose();
        clearTimeout(timer);
        resolve(this.linesBefore);
      };
      const sub = this.onDidChange(() => {
        if (this.linesBefore !== undefined) done();
      });
      const timer = setTimeout(done, timeoutMs);
    });
  }

  /** Prepends the page before the window; returns the number of lines added. */
  async loadEarlier(): Promise<number> {
    await this.loaded;
    if (this.start === 0 || !this.window) return 0;
    const page = await this.source.earlier(this.start, this.inode);
    this.window.prepend(page.text, page.lines);
    this.pagesAdded.push(page.lines);
    this.start = page.start;
    // The host said how big the file is now (it may have grown since the tail was read).
    this.size = Math.max(page.size, this.end);
    if (this.linesBefore !== undefined) this.linesBefore -= page.lines;
    this.changed.fire();
    return page.lines;
  }

  async startFollowing(): Promise<void> {
    await this.loaded;
    if (this.follow || !this.window) return;
    const window = this.window;
    // The partial last line will come again, whole, from the follow.
    window.dropPartial();
    this.follow = new RemoteFollow(this.exec, this.path, {
      offset: this.end,
      inode: this.inode,
      onText: (text) => {
        const before = window.droppedBytes;
        const droppedLines = window.dropped;
        window.append(text);
        if (window.droppedBytes !== before) {
          this.start += window.droppedBytes - before;
          if (this.linesBefore !== undefined) this.linesBefore += window.dropped - droppedLines;
        }
        this.end += Buffer.byteLength(text);
        // What was followed is in the file: it is at least this big (the CodeLens shows it). After
        // a rotation the follow reads the new file from its start: its size is what was read of it.
        const reached = this.follow?.position.offset ?? this.end;
        this.size = reached < this.size && reached < this.end ? reached : Math.max(this.size, reached);
        this.appended.fire();
      },
      onState: (state, detail) => {
        this.followState = state;
        this.followDetail = detail;
        if (state === 'reconnecting') this.logger.warn(`${this.host}:${this.path}: follow interrupted (${detail}); reconnecting`);
        this.changed.fire();
      },
    });
    this.changed.fire();
  }

  stopFollowing(): void {
    this.follow?.dispose();
    this.follow = undefined;
    this.followState = undefined;
    this.changed.fire();
  }
}

export class RemoteLogProvider extends Disposable implements vscode.TextDocumentContentProvider {
  private readonly documents = new Map<string, RemoteLogDocument>();
  private readonly changed = this.register(new vscode.EventEmitter<vscode.Uri>());
  readonly onDidChange = this.changed.event;
  private readonly stateChanged = this.register(new vscode.EventEmitter<RemoteLogDocument>());
  /** A document's window or follow state changed (CodeLens, line numbers). */
  readonly onDidChangeState = this.stateChanged.event;
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly closeTimers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly ssh: SshService,
    private readonly logger: Logger,
  ) {
    super();
    this.register(vscode.workspace.registerTextDocumentContentProvider(LOG_SCHEME, this));
    // Closing the last tab of a log stops its follow at once (documents themselves close lazily).
    this.register(vscode.window.tabGroups.onDidChangeTabs((e) => {
      for (const tab of e.closed) {
        const uri = (tab.input as { uri?: vscode.Uri } | undefined)?.uri;
        if (uri?.scheme === LOG_SCHEME && !this.isShown(uri)) this.documents.get(uri.toString())?.stopFollowing();
      }
    }));
    // Changing a document's language closes and reopens it: only forget logs that stay closed.
    this.register(vscode.workspace.onDidCloseTextDocument((doc) => {
      if (doc.uri.scheme !== LOG_SCHEME) return;
      const timer = setTimeout(() => {
        this.closeTimers.delete(timer);
        const key = doc.uri.toString();
        if (!this.isShown(doc.uri) && !vscode.workspace.textDocuments.some((d) => d.uri.toString() === key)) this.discard(doc.uri);
      }, 2000);
      this.closeTimers.add(timer);
    }));
    this.register({
      dispose: () => {
        for (const timer of this.pending.values()) clearTimeout(timer);
        for (const timer of this.closeTimers) clearTimeout(timer);
        for (const doc of this.documents.values()) doc.dispose();
        this.documents.clear();
      },
    });
  }

  /** The document for a log URI, loading its tail on first use. */
  document(uri: vscode.Uri): RemoteLogDocument {
    const key = uri.toString();
    let doc = this.documents.get(key);
    if (!doc) {
      const hostName = uri.authority;
      const exec: RemoteExec = (command, options) => this.ssh.exec(hostName, command, options);
      doc = new RemoteLogDocument(uri, exec, this.logger);
      this.documents.set(key, doc);
      const current = doc;
      current.onDidChange(() => {
        this.changed.fire(uri);
        this.stateChanged.fire(current);
      });
      current.onDidAppend(() => this.scheduleAppend(current));
    }
    return doc;
  }

  /**
   * The document for a log being opened. One no tab shows any more is read afresh: its window,
   * size and line numbers are as of when it was last shown, and the file has moved on since. A
   * log that is shown is kept as it is (the reader's place, pages loaded, follow).
   */
  async forOpen(uri: vscode.Uri): Promise<RemoteLogDocument> {
    const existing = this.find(uri);
    if (!existing || existing.following || this.isShown(uri)) return this.document(uri);
    this.discard(uri);
    const fresh = this.document(uri);
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (!open) return fresh;
    try {
      await fresh.loaded;
    } catch {
      return fresh; // the opener reports it
    }
    if (open.getText() === fresh.text) return fresh;
    // The editor still holds the old text: have it read the new one before it is shown.
    const updated = new Promise<void>((resolve) => {
      const done = () => {
        sub.dispose();
        clearTimeout(timer);
        resolve();
      };
      const sub = vscode.workspace.onDidChangeTextDocument((e) => e.document === open && done());
      const timer = setTimeout(done, 5000);
    });
    this.changed.fire(uri);
    await updated;
    if (open.getText() !== fresh.text) this.logger.warn(`${fresh.host}:${fresh.path}: reread, but the editor has not taken the new text yet`);
    return fresh;
  }

  find(uri: vscode.Uri): RemoteLogDocument | undefined {
    return this.documents.get(uri.toString());
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const doc = this.document(uri);
    try {
      await doc.loaded;
    } catch (err) {
      doc.error = (err as Error).message;
    }
    return doc.text;
  }

  private scheduleAppend(doc: RemoteLogDocument): void {
    const key = doc.uri.toString();
    if (this.pending.has(key)) return;
    this.pending.set(key, setTimeout(() => {
      this.pending.delete(key);
      // Editors showing the last line keep showing it; others stay where the reader is.
      const atBottom = vscode.window.visibleTextEditors.filter((e) => e.document.uri.toString() === key && isAtBottom(e));
      if (atBottom.length) {
        const sub = vscode.workspace.onDidChangeTextDocument((e) => {
          if (e.document.uri.toString() !== key) return;
          sub.dispose();
          for (const editor of atBottom) {
            const last = editor.document.lineCount - 1;
            editor.revealRange(new vscode.Range(last, 0, last, 0), vscode.TextEditorRevealType.Default);
          }
        });
        setTimeout(() => sub.dispose(), 5000);
      }
      this.changed.fire(doc.uri);
      // The file size and the lines shown changed: the CodeLens row says so.
      this.stateChanged.fire(doc);
    }, APPEND_THROTTLE_MS));
  }

  private isShown(uri: vscode.Uri): boolean {
    const key = uri.toString();
    return vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => (t.input as { uri?: vscode.Uri } | undefined)?.uri?.toString() === key));
  }

  /** Forget a log (stops its follow); the next open reads it afresh. */
  discard(uri: vscode.Uri): void {
    const key = uri.toString();
    this.documents.get(key)?.dispose();
    this.documents.delete(key);
  }
}

function isAtBottom(editor: vscode.TextEditor): boolean {
  const visible = editor.visibleRanges[editor.visibleRanges.length - 1];
  return !visible || visible.end.line >= editor.document.lineCount - 2;
}
