#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The QMP code generator: reads the schema (qapi/*.json, QEMU's schema
# language) and writes the command dispatch table with one argument
# checker+unmarshaller per command, the schema types as C tables, and the
# introspection data for query-qmp-schema. Python standard library only.

import argparse
import json
import os
import re
import sys


class SchemaError(Exception):
    pass


# --- Reading the schema -------------------------------------------------

TOKEN_RE = re.compile(r"""
    (?P<space>[ \t\r]+) | (?P<newline>\n) | (?P<comment>\#[^\n]*)
  | (?P<punct>[{}\[\]:,]) | (?P<string>'[^'\\\n]*') | (?P<word>[A-Za-z]+)
""", re.VERBOSE)


def tokenize(text, fname):
    """Yields (kind, value, line); kind is a punctuation char, 'str' or 'bool'."""
    line, pos = 1, 0
    while pos < len(text):
        m = TOKEN_RE.match(text, pos)
        if not m:
            raise SchemaError('%s:%d: stray %r' % (fname, line, text[pos]))
        kind, value = m.lastgroup, m.group()
        pos = m.end()
        if kind == 'newline':
            line += 1
        elif kind == 'punct':
            yield value, value, line
        elif kind == 'string':
            yield 'str', value[1:-1], line
        elif kind == 'word':
            if value not in ('true', 'false'):
                raise SchemaError('%s:%d: unknown keyword %r' % (fname, line, value))
            yield 'bool', value == 'true', line


class Reader:
    """Recursive descent over the tokens of one file."""

    def __init__(self, text, fname):
        self.tokens = list(tokenize(text, fname))
        self.pos = 0
        self.fname = fname

    def error(self, msg):
        line = self.tokens[min(self.pos, len(self.tokens) - 1)][2] if self.tokens else 1
        raise SchemaError('%s:%d: %s' % (self.fname, line, msg))

    def next(self, want=None):
        if self.pos >= len(self.tokens):
            self.error('unexpected end of file')
        tok = self.tokens[self.pos]
        if want and tok[0] != want:
            self.error('expected %r, found %r' % (want, tok[1]))
        self.pos += 1
        return tok

    def value(self):
        kind, value, _ = self.next()
        if kind in ('str', 'bool'):
            return value
        if kind == '{':
            return self.sequence('}', self.pair, dict)
        if kind == '[':
            return self.sequence(']', self.value, list)
        self.error('expected a value, found %r' % value)

    def pair(self):
        key = self.next('str')[1]
        self.next(':')
        return key, self.value()

    def sequence(self, close, item, make):
        items = []
        if self.tokens[self.pos][0] == close:
            self.pos += 1
            return make(items)
        while True:
            items.append(item())
            kind = self.next()[0]
            if kind == close:
                return make(items)
            if kind != ',':
                self.error('expected "," or %r' % close)

    def expressions(self):
        while self.pos < len(self.tokens):
            line = self.tokens[self.pos][2]
            expr = self.value()
            if not isinstance(expr, dict):
                self.error('a definition must be an object')
            yield expr, '%s:%d' % (self.fname, line)


def read_schema(path, seen=None):
    """All definitions of path and the files it includes, in order."""
    seen = set() if seen is None else seen
    path = os.path.normpath(path)
    if path in seen:
        return []
    seen.add(path)
    with open(path, encoding='utf-8') as f:
        reader = Reader(f.read(), path)
    exprs = []
    for expr, where in reader.expressions():
        if 'include' in expr:
            inc = os.path.join(os.path.dirname(path), expr['include'])
            exprs += read_schema(inc, seen)
        else:
            exprs.append((expr, where))
    return exprs


# --- The model ----------------------------------------------------------

C_KEYWORDS = {'auto', 'break', 'case', 'char', 'const', 'continue', 'default',
              'do', 'double', 'else', 'enum', 'extern', 'float', 'for', 'goto',
              'if', 'inline', 'int', 'long', 'register', 'restrict', 'return',
              'short', 'signed', 'sizeof', 'static', 'struct', 'switch',
              'typedef', 'union', 'unsigned', 'void', 'volatile', 'while',
              'bool', 'errp', 'args'}


def c_name(name):
    """A C identifier for a schema name."""
    return re.sub(r'[^A-Za-z0-9_]', '_', name)


def c_param(name):
    """A C parameter name for a member (C words get a q_ prefix)."""
    name = c_name(name)
    return 'q_' + name if name in C_KEYWORDS else name


# name: (kind, json-type for introspection, C argument type, getter,
#        range C type, min, max)
BUILTINS = {
    'str':    ('STR', 'string', 'const char *', 'qapi_arg_str'),
    'int':    ('INT', 'int', 'int64_t', 'qapi_arg_int', 'int64_t', 'INT64_MIN', 'INT64_MAX'),
    'int8':   ('INT', 'int', 'int64_t', 'qapi_arg_int', 'int8_t', 'INT8_MIN', 'INT8_MAX'),
    'int16':  ('INT', 'int', 'int64_t', 'qapi_arg_int', 'int16_t', 'INT16_MIN', 'INT16_MAX'),
    'int32':  ('INT', 'int', 'int64_t', 'qapi_arg_int', 'int32_t', 'INT32_MIN', 'INT32_MAX'),
    'int64':  ('INT', 'int', 'int64_t', 'qapi_arg_int', 'int64_t', 'INT64_MIN', 'INT64_MAX'),
    'uint8':  ('UINT', 'int', 'uint64_t', 'qapi_arg_uint', 'uint8_t', None, 'UINT8_MAX'),
    'uint16': ('UINT', 'int', 'uint64_t', 'qapi_arg_uint', 'uint16_t', None, 'UINT16_MAX'),
    'uint32': ('UINT', 'int', 'uint64_t', 'qapi_arg_uint', 'uint32_t', None, 'UINT32_MAX'),
    'uint64': ('UINT', 'int', 'uint64_t', 'qapi_arg_uint', 'uint64_t', None, 'UINT64_MAX'),
    'size':   ('UINT', 'int', 'uint64_t', 'qapi_arg_uint', 'uint64_t', None, 'UINT64_MAX'),
    'number': ('NUMBER', 'number', 'double', 'qapi_arg_number'),
    'bool':   ('BOOL', 'boolean', 'bool', 'qapi_arg_bool'),
    'null':   ('NULL', 'null', 'JsonNode *', 'qapi_arg_any'),
    'any':    ('ANY', 'value', 'JsonNode *', 'qapi_arg_any'),
}

# meta-type: (C argument type, getter) for defined types
DEFINED_C = {
    'enum': ('const char *', 'qapi_arg_str'),
    'array': ('JsonArray *', 'qapi_arg_list'),
    'object': ('JsonObject *', 'qapi_arg_object'),
}

EMPTY = 'q_empty'


class Type:
    def __init__(self, name, meta, where=None, **kw):
        self.name, self.meta, self.where = name, meta, where
        self.values = kw.get('values')          # enum
        self.members = kw.get('members')        # object: [(name, typeref, opt, features)]
        self.element = kw.get('element')        # array: element type name
        self.features = kw.get('features', [])

    @property
    def c_symbol(self):
        if self.meta == 'array':
            return 'qapi_list_' + c_name(self.element)
        return 'qapi_type_' + c_name(self.name)

    def c_arg(self):
        if self.meta == 'builtin':
            return BUILTINS[self.name][2], BUILTINS[self.name][3]
        return DEFINED_C[self.meta]


def check_keys(expr, where, allowed):
    for key in expr:
        if key not in allowed:
            raise SchemaError('%s: unknown key %r' % (where, key))


class Schema:
    def __init__(self, exprs):
        self.types = {}
        self.commands = []      # (name, arg type name, ret type name or None, features)
        self.events = []        # (name, arg type name or None, features)
        for name in BUILTINS:
            self.types[name] = Type(name, 'builtin')
        self.types[EMPTY] = Type(EMPTY, 'object', members=[])
        for expr, where in exprs:
            self.define(expr, where)
        self.resolve()

    def add_type(self, t):
        if t.name in self.types:
            raise SchemaError('%s: %r is already defined' % (t.where, t.name))
        self.types[t.name] = t

    def type_ref(self, ref, where):
        """A member's type: 'T' or ['T']; returns the type's name."""
        if isinstance(ref, list):
            if len(ref) != 1 or not isinstance(ref[0], str):
                raise SchemaError('%s: a list type is written [\'T\']' % where)
            name = '[%s]' % ref[0]
            if name not in self.types:
                self.types[name] = Type(name, 'array', where, element=ref[0])
            return name
        if not isinstance(ref, str):
            raise SchemaError('%s: bad type reference %r' % (where, ref))
        return ref

    def members(self, data, where):
        if not isinstance(data, dict):
            raise SchemaError('%s: "data" must be an object' % where)
        members = []
        for key, ref in data.items():
            features = []
            if isinstance(ref, dict):
                check_keys(ref, where, ('type', 'features'))
                features = ref.get('features', [])
                ref = ref['type']
            optional = key.startswith('*')
            members.append((key.lstrip('*'), self.type_ref(ref, where),
                            optional, features))
        return members

    def args_type(self, owner, data, where):
        """The argument type of a command or event: implicit or named."""
        if data is None:
            return EMPTY
        if isinstance(data, str):
            return data
        name = 'q_obj_%s-arg' % owner
        self.add_type(Type(name, 'object', where, members=self.members(data, where)))
        return name

    def define(self, expr, where):
        features = expr.get('features', [])
        if 'enum' in expr:
            check_keys(expr, where, ('enum', 'data', 'features'))
            self.add_type(Type(expr['enum'], 'enum', where, values=expr['data'],
                               features=features))
        elif 'struct' in expr:
            check_keys(expr, where, ('struct', 'data', 'features'))
            self.add_type(Type(expr['struct'], 'object', where, features=features,
                               members=self.members(expr['data'], where)))
        elif 'command' in expr:
            check_keys(expr, where, ('command', 'data', 'returns', 'features'))
            name = expr['command']
            args = self.args_type(name, expr.get('data'), where)
            ret = expr.get('returns')
            ret = self.type_ref(ret, where) if ret is not None else None
            self.commands.append((name, args, ret, features, where))
        elif 'event' in expr:
            check_keys(expr, where, ('event', 'data', 'features'))
            name = expr['event']
            args = self.args_type(name, expr.get('data'), where)
            self.events.append((name, args, features, where))
        else:
            raise SchemaError('%s: expected enum, struct, command or event' % where)

    def resolve(self):
        """Every referenced type must exist; argument types are objects."""
        def need(name, where):
            if name not in self.types:
                raise SchemaError('%s: type %r is not defined' % (where, name))
            return self.types[name]
        for t in list(self.types.values()):
            for _, ref, _, _ in t.members or []:
                need(ref, t.where)
            if t.element:
                need(t.element, t.where)
        for name, args, ret, _, where in self.commands:
            if need(args, where).meta != 'object':
                raise SchemaError('%s: arguments of %s must be an object' % (where, name))
            if ret:
                need(ret, where)
        for name, args, _, where in self.events:
            if need(args, where).meta != 'object':
                raise SchemaError('%s: data of %s must be an object' % (where, name))

    def ordered_types(self):
        """Types reachable from commands and events, dependencies first."""
        done, order = set(), []

        def visit(name):
            if name in done:
                return
            done.add(name)
            t = self.types[name]
            for _, ref, _, _ in t.members or []:
                visit(ref)
            if t.element:
                visit(t.element)
            order.append(t)
        for _, args, ret, _, _ in self.commands:
            visit(args)
            if ret:
                visit(ret)
        for _, args, _, _ in self.events:
            visit(args)
        return order


# --- Introspection (SchemaInfo, names as they are) ----------------------

def schema_info(schema):
    infos = []
    for name, args, ret, features, _ in schema.commands:
        infos.append(with_features({'name': name, 'meta-type': 'command',
                                    'arg-type': args, 'ret-type': ret or EMPTY},
                                   features))
    for name, args, features, _ in schema.events:
        infos.append(with_features({'name': name, 'meta-type': 'event',
                                    'arg-type': args}, features))
    for t in schema.ordered_types():
        infos.append(type_info(t))
    return infos


def with_features(info, features):
    if features:
        info['features'] = list(features)
    return info


def type_info(t):
    info = {'name': t.name, 'meta-type': t.meta}
    if t.meta == 'builtin':
        info['json-type'] = BUILTINS[t.name][1]
    elif t.meta == 'enum':
        info['members'] = [{'name': v} for v in t.values]
        info['values'] = list(t.values)
    elif t.meta == 'array':
        info['element-type'] = t.element
    else:
        info['members'] = []
        for name, ref, optional, features in t.members:
            m = {'name': name, 'type': ref}
            if optional:
                m['default'] = None
            info['members'].append(with_features(m, features))
    return with_features(info, t.features)


# --- C output -----------------------------------------------------------

HEADER = '/* Generated by scripts/qapi-gen.py from %s: do not edit. */\n'


def c_string(text):
    return '"%s"' % text.replace('\\', '\\\\').replace('"', '\\"')


def gen_type(t, types):
    out = []
    sym = t.c_symbol
    fields = ['.name = %s' % c_string(t.name)]
    if t.meta == 'builtin':
        b = BUILTINS[t.name]
        fields.append('.kind = QAPI_KIND_%s' % b[0])
        if b[0] == 'INT':
            fields += ['.range_name = "%s"' % b[4], '.min = %s' % b[5], '.max = %s' % b[6]]
        elif b[0] == 'UINT':
            fields += ['.range_name = "%s"' % b[4], '.umax = %s' % b[6]]
    elif t.meta == 'enum':
        values = ', '.join(c_string(v) for v in t.values)
        out.append('static const char *const %s_values[] = { %s, NULL };'
                   % (sym, values))
        fields += ['.kind = QAPI_KIND_ENUM', '.values = %s_values' % sym]
    elif t.meta == 'array':
        fields += ['.kind = QAPI_KIND_LIST',
                   '.element = &%s' % types[t.element].c_symbol]
    else:
        out.append('static const QapiMember %s_members[] = {' % sym)
        for name, ref, optional, _ in t.members:
            out.append('    { %s, &%s, %s },' % (c_string(name), types[ref].c_symbol,
                                                 'true' if optional else 'false'))
        out.append('    { NULL }\n};')
        fields += ['.kind = QAPI_KIND_STRUCT', '.members = %s_members' % sym]
    out.append('const QapiType %s = {\n    %s,\n};\n' % (sym, ',\n    '.join(fields)))
    return '\n'.join(out)


def handler_params(schema, args):
    """The C parameters of a handler: (declarations, call arguments)."""
    decls, calls = [], []
    for name, ref, optional, _ in schema.types[args].members:
        ctype, getter = schema.types[ref].c_arg()
        cname = c_param(name)
        if optional:
            decls.append('bool has_%s' % cname)
            calls.append('json_object_has_member(args, %s)' % c_string(name))
        decls.append('%s%s%s' % (ctype, '' if ctype.endswith('*') else ' ', cname))
        calls.append('%s(args, %s)' % (getter, c_string(name)))
    return decls + ['GError **errp'], calls + ['errp']


def gen_header(schema, src):
    out = [HEADER % src, '#ifndef QAPI_COMMANDS_H', '#define QAPI_COMMANDS_H', '',
           '#include "qapi/qapi-runtime.h"', '',
           '/* Schema types (qapi-introspect.c). */']
    for t in schema.ordered_types():
        out.append('extern const QapiType %s;' % t.c_symbol)
    out += ['', '/* Command handlers: each returns its result, or NULL for {}',
            ' * (or with *errp set). Optional arguments come with has_<name>. */']
    for name, args, _, _, _ in schema.commands:
        decls, _ = handler_params(schema, args)
        out.append('JsonNode *qmp_%s(%s);' % (c_name(name), ', '.join(decls)))
    out += ['', '#endif', '']
    return '\n'.join(out)


def gen_commands(schema, src):
    out = [HEADER % src, '#include "qapi/qapi-commands.h"', '']
    for name, args, _, _, _ in schema.commands:
        _, calls = handler_params(schema, args)
        out += ['static JsonNode *marshal_%s(JsonObject *args, GError **errp)' % c_name(name),
                '{',
                '    if (!qapi_check_args(args, &%s, errp)) {' % schema.types[args].c_symbol,
                '        return NULL;',
                '    }',
                '    return qmp_%s(%s);' % (c_name(name), ',\n        '.join(calls)),
                '}', '']
    out.append('const QmpCommand qmp_commands[] = {')
    for name, args, ret, _, _ in schema.commands:
        ret_sym = '&' + schema.types[ret].c_symbol if ret else 'NULL'
        out.append('    { %s, marshal_%s, &%s, %s },'
                   % (c_string(name), c_name(name), schema.types[args].c_symbol, ret_sym))
    out += ['    { NULL }', '};', '', 'const QmpEventInfo qmp_events[] = {']
    for name, args, _, _ in schema.events:
        data = 'NULL' if args == EMPTY else '&' + schema.types[args].c_symbol
        out.append('    { %s, %s },' % (c_string(name), data))
    out += ['    { NULL }', '};', '']
    return '\n'.join(out)


def gen_introspect(schema, src):
    out = [HEADER % src, '#include "qapi/qapi-commands.h"', '#include <stdint.h>', '']
    types = schema.types
    for t in schema.ordered_types():
        out.append(gen_type(t, types))
    infos = schema_info(schema)
    out.append('/* query-qmp-schema: a list of SchemaInfo, one per line. */')
    out.append('const char qmp_schema_json[] =')
    lines = [json.dumps(info) for info in infos]
    for i, line in enumerate(lines):
        text = ('[' if i == 0 else '') + line + (']' if i == len(lines) - 1 else ',')
        out.append('    ' + c_string(text))
    out[-1] += ';'
    out.append('')
    return '\n'.join(out)


def write(path, text):
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description='Generate QMP dispatch from the schema')
    ap.add_argument('-o', '--output-dir', default='.')
    ap.add_argument('schema')
    opts = ap.parse_args()
    try:
        schema = Schema(read_schema(opts.schema))
    except (SchemaError, OSError, KeyError) as e:
        print('qapi-gen: %s' % e, file=sys.stderr)
        return 1
    src = os.path.basename(opts.schema)
    write(os.path.join(opts.output_dir, 'qapi-commands.h'), gen_header(schema, src))
    write(os.path.join(opts.output_dir, 'qapi-commands.c'), gen_commands(schema, src))
    write(os.path.join(opts.output_dir, 'qapi-introspect.c'), gen_introspect(schema, src))
    return 0


if __name__ == '__main__':
    sys.exit(main())
