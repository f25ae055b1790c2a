/** The Python filter plugin written beside exported playbooks as filter_plugins/sofa_ops.py (see its header). */
export const sofaOpsFilterPlugin = String.raw`# SOFA Ops filters for playbooks exported by "sofa-ops export ansible". Written next to the
# playbooks (filter_plugins/ beside a playbook is loaded by ansible-playbook and AWX alike); it is
# regenerated on every export, do not edit. Each filter mirrors one piece of SOFA Ops so an
# exported runbook means what it means under "sofa-ops run":
#   sofa_ops_params  parameter values checked and normalised as src/core/runbook/parameters.ts does
#   sofa_ops_select  a target selector (all, group, group[0], group[0:2], host, tag=x, a,b) as
#                    src/core/inventory/selectors.ts reads it, over the Ansible inventory
#   sofa_ops_script  the script a cell runs: values assigned to shell variables on stdin, never on
#                    a command line (src/core/runbook/remoteScript.ts)
#   sofa_ops_text    a manual step's instructions with values shown quoted and secrets as ***
#   sofa_ops_render  a target or expect text with values substituted as they are
# Messages name parameters, never a secret's value.
import json
import re

from ansible.errors import AnsibleFilterError
from ansible.utils.unsafe_proxy import wrap_var

PLACEHOLDER = re.compile(r'\{\{[ \t]*([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\}\}')
NUMBER = re.compile(r'[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?')
SAFE_WORD = re.compile(r'[A-Za-z0-9_@%+=:,./-]+')


def _js_string(value):
    """String(value) as JavaScript writes it."""
    if value is True:
        return 'true'
    if value is False:
        return 'false'
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _quote(value):
    if value == '':
        return "''"
    if SAFE_WORD.fullmatch(value):
        return value
    return "'" + value.replace("'", "'\\''") + "'"


def _resolve(name, decl, supplied):
    given = decl.get('default') if supplied is None else supplied
    if given is None or given == '':
        if decl.get('required'):
            return None, 'parameter "%s" is required%s' % (name, ' (%s)' % decl['description'] if decl.get('description') else '')
        return '', None
    text = _js_string(given)
    shown = 'the value' if decl.get('secret') else json.dumps(text, ensure_ascii=False)
    value = text
    kind = decl.get('type')
    if kind == 'number':
        if not NUMBER.fullmatch(text.strip()):
            return None, 'parameter "%s": %s is not a number' % (name, shown)
        value = text.strip()
    elif kind == 'boolean':
        lower = text.strip().lower()
        if lower in ('true', 'yes', 'y', '1', 'on'):
            value = 'true'
        elif lower in ('false', 'no', 'n', '0', 'off'):
            value = 'false'
        else:
            return None, 'parameter "%s": %s is not true or false' % (name, shown)
    allowed = decl.get('allowed')
    if allowed is not None:
        if kind == 'number':
            hit = any(float(a) == float(value) for a in allowed)
        else:
            hit = any(_js_string(a) == value for a in allowed)
        if not hit:
            return None, 'parameter "%s": %s is not one of %s' % (name, shown, ', '.join(json.dumps(a, ensure_ascii=False) for a in allowed))
    if decl.get('pyPattern') is not None and not re.search(decl['pyPattern'], value):
        return None, 'parameter "%s": %s does not match %s' % (name, shown, decl['pattern'])
    if '\0' in value:
        return None, 'parameter "%s": a value with a NUL byte cannot be passed to a shell' % name
    return value, None


def sofa_ops_params(supplied, decls_json):
    decls = json.loads(decls_json)
    values, errors = {}, []
    for name, decl in decls.items():
        value, error = _resolve(name, decl, supplied.get(name))
        if error:
            errors.append(error)
        else:
            values[name] = value
    if errors:
        raise AnsibleFilterError('; '.join(errors))
    return values


def sofa_ops_param_errors(supplied, decls_json):
    # The same checks as sofa_ops_params, as text for a task without no_log (messages never hold a secret).
    try:
        sofa_ops_params(supplied, decls_json)
    except AnsibleFilterError as err:
        return str(err.message)
    return ''


def _substitute(text, params):
    def one(m):
        if m.group(1) not in params:
            raise AnsibleFilterError('{{%s}} is not a declared parameter' % m.group(1))
        return params[m.group(1)]
    return PLACEHOLDER.sub(one, text)


def sofa_ops_render(text, params):
    return wrap_var(_substitute(str(text), params))


def sofa_ops_text(text, params, decls_json, quoted=True):
    decls = json.loads(decls_json)

    def one(m):
        name = m.group(1)
        if decls.get(name, {}).get('secret'):
            return '***'
        value = params.get(name, '')
        if not quoted:
            return value
        return _quote(value) if len(value) <= 4096 else '%s…[%d more characters]' % (_quote(value[:4096]), len(value) - 4096)
    return wrap_var(PLACEHOLDER.sub(one, str(text)))


def sofa_ops_script(command, params, names, end_marker=''):
    lines = ['%s=%s' % (var, _quote(params[name])) for name, var in names.items()]
    head = '\n'.join(lines) + ('\n' if lines else '')
    if end_marker:
        # A subshell, so the marker follows even a cell that calls exit; Ansible strips the final
        # newlines of stdout, the marker keeps them for expect.
        return wrap_var('%s(\n%s\n) </dev/null\nsofa_ops_rc=$?\nprintf %%s %s\nexit "$sofa_ops_rc"\n' % (head, command, _quote(end_marker)))
    return wrap_var('{\n%s%s\n} </dev/null\n' % (head, command))


def sofa_ops_select(template, params, groups, hostvars):
    selector = _substitute(str(template), params)
    known = ['all'] + [g for g in groups if g not in ('all', 'ungrouped')]
    group_list = 'known groups: %s' % ', '.join(known)
    parts = [p.strip() for p in selector.split(',')]
    if all(not p for p in parts):
        raise AnsibleFilterError('empty target selector; %s' % group_list)
    order = list(groups.get('all', []))

    def fail(part, why):
        context = ' in "%s"' % selector if len(parts) > 1 else ''
        raise AnsibleFilterError('target "%s"%s %s; %s' % (part, context, why, group_list))

    def members(name):
        if name == 'all':
            return order
        if name in groups and name != 'ungrouped':
            return list(groups[name])
        return None

    chosen = set()
    for part in parts:
        if not part:
            fail(part, 'is empty (stray comma)')
        if part.startswith('tag='):
            tag = part[4:]
            hosts = [h for h in order if tag in (hostvars[h].get('sofa_tags') or [])]
            if not hosts:
                tags = list(dict.fromkeys(t for h in order for t in (hostvars[h].get('sofa_tags') or [])))
                fail(part, 'matches no host (known tags: %s)' % (', '.join(tags) if tags else 'none'))
            chosen.update(hosts)
            continue
        m = re.fullmatch(r'(.+?)\[(-?[0-9]*)(?::(-?[0-9]*))?\]', part)
        if m:
            name, start_text, end_text = m.group(1), m.group(2), m.group(3)
            group = members(name)
            if group is None:
                fail(part, 'names no group "%s"' % name)
            n = len(group)
            size = 'group "%s" has %d host%s' % (name, n, '' if n == 1 else 's')
            if end_text is None:
                if start_text == '':
                    fail(part, 'has an empty index')
                i = int(start_text)
                at = n + i if i < 0 else i
                if at < 0 or at >= n:
                    fail(part, 'is out of range: %s' % size)
                chosen.add(group[at])
                continue

            def resolve(text, fallback):
                if text == '':
                    return fallback
                i = int(text)
                return n + i if i < 0 else i
            start, end = resolve(start_text, 0), resolve(end_text, n)
            if start < 0 or end > n or start >= end:
                fail(part, 'is out of range: %s' % size)
            chosen.update(group[start:end])
            continue
        group = members(part)
        if group is not None:
            if not group:
                fail(part, 'names group "%s", which has no hosts' % part)
            chosen.update(group)
            continue
        if part in order:
            chosen.add(part)
            continue
        fail(part, 'matches no group, host name or tag')
    selected = [h for h in order if h in chosen]
    local = [h for h in selected if hostvars[h].get('ansible_connection') == 'local']
    if local:
        raise AnsibleFilterError('target "%s" includes %s, which is not reached over SSH' % (selector, ', '.join(local)))
    return selected


class FilterModule(object):
    def filters(self):
        return {
            'sofa_ops_params': sofa_ops_params,
            'sofa_ops_param_errors': sofa_ops_param_errors,
            'sofa_ops_render': sofa_ops_render,
            'sofa_ops_text': sofa_ops_text,
            'sofa_ops_script': sofa_ops_script,
            'sofa_ops_select': sofa_ops_select,
        }
`;
