#!/usr/bin/env python3
"""tools/gen_model.py - generate src/proto's model tables (model_gen.c) from botocore models.

Used by: src/proto/meson.build at build time. Uses: botocore's service-2.json files, either
through the botocore importable by this python3 or, failing that, the copy Debian's awscli
package ships under /usr/lib/python3/dist-packages/awscli/botocore/data/.

    python3 tools/gen_model.py -o model_gen.c src/proto/operations/sts.txt ...

Each input file is named <signing name>.txt and lists operation names, one per line
(`#` starts a comment). Every listed service is emitted, even with no operations; only the
shapes reachable from the listed operations' input and output are emitted, each once.
The output is deterministic: services by signing name, operations by name, shapes by
(service, name). An unknown operation name is an error.
"""

import argparse
import glob
import gzip
import json
import os
import sys

# signing name -> botocore service name (they may differ; see metadata.signingName)
SERVICE_FOR_SIGNING_NAME = {
    'iam': 'iam',
    'sts': 'sts',
    'ssm': 'ssm',
    'events': 'events',
    'cloudformation': 'cloudformation',
    'ec2': 'ec2',
    'lambda': 'lambda',
}

DEBIAN_DATA = '/usr/lib/python3/dist-packages/awscli/botocore/data'

PROTOCOLS = {
    'query': 'PROTO_QUERY',
    'json': 'PROTO_JSON',
    'ec2': 'PROTO_EC2',
    'rest-json': 'PROTO_REST_JSON',
}

SHAPE_TYPES = {
    'structure': 'SHAPE_STRUCTURE',
    'list': 'SHAPE_LIST',
    'map': 'SHAPE_MAP',
    'string': 'SHAPE_STRING',
    'integer': 'SHAPE_INTEGER',
    'long': 'SHAPE_LONG',
    'boolean': 'SHAPE_BOOLEAN',
    'timestamp': 'SHAPE_TIMESTAMP',
    'blob': 'SHAPE_BLOB',
    'double': 'SHAPE_DOUBLE',
    'float': 'SHAPE_FLOAT',
}


def die(msg):
    sys.stderr.write('gen_model.py: error: %s\n' % msg)
    sys.exit(1)


def load_json_file(path):
    if path.endswith('.gz'):
        with gzip.open(path, 'rt', encoding='utf-8') as f:
            return json.load(f)
    with open(path, encoding='utf-8') as f:
        return json.load(f)


def load_from_debian(service):
    base = os.path.join(DEBIAN_DATA, service)
    candidates = sorted(glob.glob(os.path.join(base, '*', 'service-2.json')) +
                        glob.glob(os.path.join(base, '*', 'service-2.json.gz')))
    if not candidates:
        return None, None
    # API versions are dates (YYYY-MM-DD): the last one sorted is the newest.
    path = candidates[-1]
    return load_json_file(path), 'awscli-debian'


def load_service(service):
    """Return (model dict, source description) for a botocore service name."""
    try:
        import botocore
        import botocore.loaders
        import botocore.exceptions
    except ImportError:
        botocore = None
    if botocore is not None:
        try:
            model = botocore.loaders.Loader().load_service_model(service, 'service-2')
            return model, 'botocore %s' % botocore.__version__
        except Exception:  # DataNotFoundError and friends: fall back below
            pass
    model, source = load_from_debian(service)
    if model is None:
        die("no botocore model found for service '%s'" % service)
    return model, source


def read_ops(path):
    ops = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line:
                ops.append(line)
    return sorted(set(ops))


def c_str(s):
    """A C string literal for s (UTF-8, with every non-printable byte escaped)."""
    if s is None:
        return 'NULL'
    out = ['"']
    for b in s.encode('utf-8'):
        c = chr(b)
        if c == '"' or c == '\\':
            out.append('\\' + c)
        elif c == '?':
            out.append('\\?')          # no trigraphs
        elif 0x20 <= b < 0x7f:
            out.append(c)
        else:
            out.append('\\%03o' % b)
    out.append('"')
    return ''.join(out)


def c_double(v):
    r = repr(float(v))
    if r in ('inf', '-inf', 'nan'):
        die('non-finite constraint %r' % v)
    return r


def pick_protocol(md):
    protos = md.get('protocols') or [md.get('protocol')]
    for p in protos:
        if p in PROTOCOLS:
            return PROTOCOLS[p]
    die("service '%s': no supported protocol in %r" % (md.get('serviceId'), protos))


class Gen:
    def __init__(self):
        self.shapes = {}     # key (signing, name, tsfmt) -> dict
        self.services = []   # dicts

    def add_shape(self, svc, model, name, tsfmt=None):
        """Register shape 'name' of service svc (and what it reaches); return its key."""
        key = (svc, name, tsfmt or '')
        if key in self.shapes:
            return key
        shapes = model['shapes']
        if name not in shapes:
            die("service '%s': unknown shape '%s'" % (svc, name))
        s = shapes[name]
        t = s.get('type')
        if t not in SHAPE_TYPES:
            die("service '%s': shape '%s' has unsupported type '%s'" % (svc, name, t))
        if s.get('document'):
            die("service '%s': shape '%s' is a document type (unsupported)" % (svc, name))
        if s.get('eventstream') or s.get('streaming'):
            sys.stderr.write("gen_model.py: warning: shape '%s' is a stream; treated as %s\n"
                             % (name, t))
        ent = {'svc': svc, 'name': name, 'def': s, 'tsfmt': tsfmt or s.get('timestampFormat')}
        self.shapes[key] = ent          # before recursing: shapes may be recursive
        if t == 'structure':
            required = set(s.get('required', []))
            members = []
            for mname, ref in s.get('members', {}).items():
                target = shapes.get(ref['shape'])
                if target is None:
                    die("service '%s': shape '%s' member '%s': unknown shape '%s'"
                        % (svc, name, mname, ref['shape']))
                mkey = self.add_shape(svc, model, ref['shape'], ref.get('timestampFormat'))
                flags = []
                if mname in required:
                    flags.append('MEMBER_REQUIRED')
                if ref.get('flattened') or target.get('flattened'):
                    flags.append('MEMBER_FLATTENED')
                members.append({
                    'name': mname,
                    'location_name': ref.get('locationName') or target.get('locationName'),
                    'key': mkey,
                    'flags': ' | '.join(flags) if flags else '0',
                })
            ent['members'] = members
        elif t == 'list':
            ref = s['member']
            target = shapes.get(ref['shape'], {})
            ent['member'] = self.add_shape(svc, model, ref['shape'], ref.get('timestampFormat'))
            ent['member_location_name'] = (ref.get('locationName') or
                                           target.get('locationName') or 'member')
        elif t == 'map':
            kref, vref = s['key'], s['value']
            ktarget = shapes.get(kref['shape'], {})
            vtarget = shapes.get(vref['shape'], {})
            ent['key'] = self.add_shape(svc, model, kref['shape'], kref.get('timestampFormat'))
            ent['value'] = self.add_shape(svc, model, vref['shape'], vref.get('timestampFormat'))
            ent['key_location_name'] = (kref.get('locationName') or
                                        ktarget.get('locationName') or 'key')
            ent['value_location_name'] = (vref.get('locationName') or
                                          vtarget.get('locationName') or 'value')
        return key

    def add_service(self, signing, op_names):
        service = SERVICE_FOR_SIGNING_NAME.get(signing, signing)
        model, source = load_service(service)
        md = model['metadata']
        declared = md.get('signingName') or md.get('endpointPrefix')
        if declared != signing:
            die("service '%s': file is named '%s' but the model's signing name is '%s'"
                % (service, signing, declared))
        ops = []
        for op_name in op_names:
            op = model['operations'].get(op_name)
            if op is None:
                die("service '%s' has no operation '%s'" % (service, op_name))
            inp = op.get('input')
            out = op.get('output')
            ops.append({
                'name': op_name,
                'input': self.add_shape(signing, model, inp['shape']) if inp else None,
                'output': self.add_shape(signing, model, out['shape']) if out else None,
                'result_wrapper': out.get('resultWrapper') if out else None,
            })
        xmlns = md.get('xmlNamespace')
        if isinstance(xmlns, dict):
            xmlns = xmlns.get('uri')
        self.services.append({
            'signing': signing,
            'service_id': md.get('serviceId') or md.get('serviceAbbreviation') or service,
            'protocol': pick_protocol(md),
            'api_version': md.get('apiVersion'),
            'xmlns': xmlns,
            'target_prefix': md.get('targetPrefix'),
            'json_version': md.get('jsonVersion'),
            'ops': ops,
            'source': source,
        })

    def emit(self, out):
        self.services.sort(key=lambda s: s['signing'])
        keys = sorted(self.shapes)
        index = {k: i for i, k in enumerate(keys)}
        sources = sorted(set(s['source'] for s in self.services))
        w = out.write
        w('/* model_gen.c - generated by tools/gen_model.py from %s; do not edit.\n'
          ' * %d services, %d operations, %d shapes. */\n'
          % (', '.join(sources), len(self.services),
             sum(len(s['ops']) for s in self.services), len(keys)))
        w('#include <stddef.h>\n#include "proto/model.h"\n\n')
        w('extern const struct shape model_shapes[%d];\n\n' % max(len(keys), 1))

        def sref(k):
            return '&model_shapes[%d]' % index[k] if k is not None else 'NULL'

        # enums and member tables
        for i, k in enumerate(keys):
            e = self.shapes[k]
            if 'enum' in e['def']:
                vals = ', '.join(c_str(v) for v in e['def']['enum'])
                w('static const char *const enum_%d[] = { %s, NULL };\n' % (i, vals))
            if e.get('members'):
                w('static const struct shape_member members_%d[] = {\n' % i)
                for m in e['members']:
                    w('    { %s, %s, %s, %s },\n' % (c_str(m['name']), c_str(m['location_name']),
                                                     sref(m['key']), m['flags']))
                w('};\n')
        w('\nconst struct shape model_shapes[%d] = {\n' % max(len(keys), 1))
        for i, k in enumerate(keys):
            e = self.shapes[k]
            d = e['def']
            f = ['.name = %s' % c_str(e['name']), '.type = %s' % SHAPE_TYPES[d['type']]]
            if e.get('members'):
                f.append('.members = members_%d' % i)
                f.append('.n_members = %d' % len(e['members']))
            if d['type'] == 'list':
                f.append('.member = %s' % sref(e['member']))
                f.append('.member_location_name = %s' % c_str(e['member_location_name']))
            if d['type'] == 'map':
                f.append('.key = %s' % sref(e['key']))
                f.append('.value = %s' % sref(e['value']))
                f.append('.key_location_name = %s' % c_str(e['key_location_name']))
                f.append('.value_location_name = %s' % c_str(e['value_location_name']))
            if d.get('flattened'):
                f.append('.flattened = 1')
            if 'min' in d:
                f.append('.has_min = 1')
                f.append('.min = %s' % c_double(d['min']))
            if 'max' in d:
                f.append('.has_max = 1')
                f.append('.max = %s' % c_double(d['max']))
            if d.get('pattern') is not None:
                f.append('.pattern = %s' % c_str(d['pattern']))
            if 'enum' in d:
                f.append('.enum_values = enum_%d' % i)
            if d.get('sensitive'):
                f.append('.sensitive = 1')
            if e['tsfmt']:
                f.append('.timestamp_format = %s' % c_str(e['tsfmt']))
            f.append('.index = %d' % i)
            w('    [%d] = { %s },\n' % (i, ', '.join(f)))
        if not keys:
            w('    [0] = { .name = "", .type = SHAPE_STRUCTURE, .index = 0 },\n')
        w('};\nconst size_t model_n_shapes = %d;\n\n' % len(keys))

        gidx = 0
        for s in self.services:
            s['ops'].sort(key=lambda o: o['name'])
            if not s['ops']:
                continue
            w('static const struct model_op ops_%s[] = {\n' % s['signing'].replace('-', '_'))
            for o in s['ops']:
                w('    { %s, %s, %s, %s, %d },\n' % (c_str(o['name']), sref(o['input']),
                                                     sref(o['output']),
                                                     c_str(o['result_wrapper']), gidx))
                gidx += 1
            w('};\n')
        w('\nconst struct model_service model_services[%d] = {\n' % max(len(self.services), 1))
        for s in self.services:
            ops = 'ops_%s' % s['signing'].replace('-', '_') if s['ops'] else 'NULL'
            w('    { %s, %s, %s, %s, %s, %s, %s, %s, %d },\n'
              % (c_str(s['signing']), c_str(s['service_id']), s['protocol'],
                 c_str(s['api_version']), c_str(s['xmlns']), c_str(s['target_prefix']),
                 c_str(s['json_version']), ops, len(s['ops'])))
        if not self.services:
            w('    { NULL, NULL, PROTO_QUERY, NULL, NULL, NULL, NULL, NULL, 0 },\n')
        w('};\nconst size_t model_n_services = %d;\n' % len(self.services))
        w('const size_t model_n_ops = %d;\n' % gidx)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('-o', '--output', required=True)
    ap.add_argument('inputs', nargs='*', help='operations/<signing name>.txt files')
    args = ap.parse_args()

    gen = Gen()
    seen = set()
    for path in args.inputs:
        signing = os.path.basename(path)
        if not signing.endswith('.txt'):
            die("'%s': expected <signing name>.txt" % path)
        signing = signing[:-4]
        if signing in seen:
            die("service '%s' listed twice" % signing)
        seen.add(signing)
        gen.add_service(signing, read_ops(path))

    tmp = args.output + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as out:
        gen.emit(out)
    os.replace(tmp, args.output)


if __name__ == '__main__':
    main()
