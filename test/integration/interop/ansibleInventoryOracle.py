"""
Run the real `ansible-inventory --list` (ansible-core's InventoryCLI, in this one process so a
corpus costs one Python start-up, not one per file) on each inventory named on stdin, one JSON
request per line: {"file": PATH, "plugin": "ini" | "yaml"}. Prints one JSON line per request:
{"file", "ok": true, "list": <the --list JSON>} or {"file", "ok": false, "error": "..."}.
The plugin is forced so the comparison is about how a format is read, not which plugin guessed it;
any parse failure is an error (INVENTORY_ANY_UNPARSED_IS_FAILED), as `ansible-inventory` would
report with `-e` warnings turned into errors.
"""
import json
import os
import sys
import tempfile

# An empty config: no ansible.cfg from the working directory or ~ may change the verdicts.
_cfg_dir = tempfile.mkdtemp(prefix='sofa-ansible-cfg-')
open(os.path.join(_cfg_dir, 'ansible.cfg'), 'w').close()
os.environ['ANSIBLE_CONFIG'] = os.path.join(_cfg_dir, 'ansible.cfg')
os.environ['ANSIBLE_NOCOLOR'] = '1'

from ansible import constants as C  # noqa: E402
from ansible.cli.inventory import InventoryCLI  # noqa: E402
from ansible.utils.context_objects import GlobalCLIArgs  # noqa: E402
from ansible.utils.display import Display  # noqa: E402

WARNINGS = []
_warning = Display.warning


def _collect_warning(self, msg, formatted=False):
    WARNINGS.append(' '.join(str(msg).split()))


Display.warning = _collect_warning


def run(path, plugin, out):
    C.INVENTORY_ENABLED = [plugin]
    C.INVENTORY_ANY_UNPARSED_IS_FAILED = True
    C.INVENTORY_UNPARSED_IS_FAILED = True
    if os.path.exists(out):
        os.unlink(out)
    # The parsed command line is a process-wide singleton; forget the previous file's.
    GlobalCLIArgs._Singleton__instance = None
    cli = InventoryCLI(['ansible-inventory', '-i', path, '--list', '--output', out])
    try:
        cli.run()
    except SystemExit as e:
        if e.code not in (0, None):
            return {'ok': False, 'error': 'exit %s' % e.code}
    except Exception as e:  # noqa: BLE001 - every failure is a verdict here
        return {'ok': False, 'error': '%s: %s' % (type(e).__name__, str(e).strip().splitlines()[0] if str(e).strip() else '')}
    with open(out, encoding='utf-8') as f:
        return {'ok': True, 'list': json.load(f)}


def main():
    tmp = tempfile.mkdtemp(prefix='sofa-ansible-oracle-')
    out = os.path.join(tmp, 'list.json')
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        del WARNINGS[:]
        result = run(req['file'], req['plugin'], out)
        result['warnings'] = list(WARNINGS)
        result['file'] = req['file']
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + '\n')
        sys.stdout.flush()


if __name__ == '__main__':
    main()
