/** Where the CLI keeps its caches: `$XDG_CACHE_HOME/sofa-ops`, else `~/.cache/sofa-ops`. */
import * as os from 'os';
import * as path from 'path';

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'sofa-ops');
}
