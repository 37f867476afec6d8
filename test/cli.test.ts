// The command line as users run it (node dist/egc.js): exit codes, what goes to stdout and what
// to stderr, colour, output formats and targets, inputs (files, directories, stdin) and order
// independence.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml, parseAllDocuments, stringify } from 'yaml';
import { parseYamlStream, projectRoot, runCli } from './golden-support.js';

const quickstart = 'examples/quickstart.yaml';
const ansi = /\x1b\[/;

let scratch: string;
before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'egc-cli-'));
});
after(() => rmSync(scratch, { recursive: true, force: true }));

function scratchFile(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
}

/** The YAML documents of a file, each as its own source text without its `---` marker. */
function documentsOf(path: string): string[] {
  return parseAllDocuments(readFileSync(join(projectRoot, path), 'utf8')).map((document) => document.toString().replace(/^---\n/, ''));
}

/** A fixed permutation (no randomness: a failure must reproduce). */
function shuffled<T>(items: readonly T[]): T[] {
  const result = [...items];
  for (let i = result.length - 1; i > 0; i--) {
    const j = (i * 7 + 3) % (i + 1);
    [result[i], result[j]] = [result[j]!, result[i]!];
  }
  return result;
}

interface ListenerDoc {
  name: string;
  address: { socketAddress: { address: string; portValue: number } };
}
type BootstrapDoc = { admin: unknown; staticResources: { listeners: ListenerDoc[]; clusters: { name: string }[] } };

describe('exit codes', () => {
  it('0 for clean input, with the bootstrap on stdout and nothing on stderr', () => {
    const run = runCli(['translate', '-f', quickstart]);
    assert.equal(run.status, 0);
    assert.equal(run.stderr, '');
    const bootstrap = parseYaml(run.stdout) as BootstrapDoc;
    assert.deepEqual(
      bootstrap.staticResources.listeners.map((l) => [l.name, l.address.socketAddress.portValue]),
      [['default/eg/http', 8888]],
    );
  });

  it('1 for input errors; the artifact still goes to stdout and only diagnostics to stderr', () => {
    const run = runCli(['translate', '-f', 'fixtures/bad-unknown-field.yaml'], { env: { NO_COLOR: '1' } });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /^fixtures\/bad-unknown-field\.yaml:28:3: error EGC2001: /m);
    assert.match(run.stderr, /1 error, 0 warnings\n$/);
    const bootstrap = parseYaml(run.stdout) as BootstrapDoc;
    assert.deepEqual(bootstrap.staticResources.clusters.map((c) => c.name), ['httproute/default/good/rule/0']);
  });

  it('1 with EGC1001 and the file name for a -f file that does not exist', () => {
    const run = runCli(['translate', '-f', 'no/such/file.yaml'], { env: { NO_COLOR: '1' } });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /^no\/such\/file\.yaml: error EGC1001: .*no\/such\/file\.yaml/m);
    assert.equal(run.stdout, '');
  });

  const usageCases: [string, string[], RegExp][] = [
    ['an unknown flag', ['translate', '-f', quickstart, '--bogus'], /unknown option '--bogus'/],
    ['a bad --to', ['translate', '-f', quickstart, '--to', 'envoy'], /EGC5001: --to must be one of bootstrap, gateway-api, ir, xds; got `envoy`/],
    ['a bad --output', ['translate', '-f', quickstart, '-o', 'xml'], /EGC5001: --output must be one of yaml, json/],
    ['a bad --type', ['translate', '-f', quickstart, '--to', 'xds', '-t', 'clusters'], /EGC5001: --type must be one of/],
    ['a --gateway that does not exist', ['translate', '-f', quickstart, '--gateway', 'default/nope'], /no proxy for Gateway `default\/nope`; proxies: default\/eg/],
    ['no -f at all', ['translate'], /error EGC5001: nothing to translate: give files or directories with -f/],
    ['an unknown command', ['compile', '-f', quickstart], /unknown command 'compile'/],
  ];
  for (const [what, args, message] of usageCases) {
    it(`2 for ${what}, with nothing on stdout`, () => {
      const run = runCli(args, { env: { NO_COLOR: '1' } });
      assert.equal(run.status, 2, run.stderr);
      assert.match(run.stderr, message);
      assert.equal(run.stdout, '');
    });
  }

  it('0 for --help and --version', () => {
    const help = runCli(['translate', '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /--bind-declared-ports/);
    const version = runCli(['--version']);
    assert.equal(version.status, 0);
    assert.equal(version.stdout.trim(), JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')).version);
  });
});

describe('a copy of the program without build/envoy-protos.json', () => {
  it('still translates, and warns (EGC4003) that the output went unchecked instead of saying nothing', () => {
    const copy = join(scratch, 'copied');
    // egc looks for build/envoy-protos.json in every directory above the program.
    for (let directory = copy; ; directory = dirname(directory)) {
      assert.ok(!existsSync(join(directory, 'build/envoy-protos.json')), `the temporary directory must not be under a checkout: ${directory} has build/envoy-protos.json`);
      if (dirname(directory) === directory) break;
    }
    mkdirSync(copy);
    cpSync(join(projectRoot, 'dist'), join(copy, 'dist'), { recursive: true });
    const run = spawnSync(process.execPath, [join(copy, 'dist/egc.js'), 'translate', '-f', join(projectRoot, quickstart)], { cwd: copy, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, runCli(['translate', '-f', quickstart]).stdout);
    assert.match(run.stderr, /^warning EGC4003: the Envoy resources were not checked against Envoy's protos and validation rules: build\/envoy-protos\.json not found/m);
    assert.match(run.stderr, /0 errors, 1 warning/);
  });
});

describe('the CEL library, loaded only when needed', () => {
  // Clean input never loads it (direct evaluation decides its rules); these runs do, in the bundle.
  it('reports a CRD rule that fails, in the words of the interpreter', () => {
    const route = scratchFile(
      'cel-rule.yaml',
      `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: r, namespace: default }
spec:
  parentRefs: [{ name: eg }]
  rules:
    - matches: [{ path: { type: PathPrefix, value: nope } }]
`,
    );
    const run = runCli(['validate', '-f', route]);
    assert.equal(run.status, 1);
    assert.match(run.stdout, /cel-rule\.yaml:7:25: error EGC2008: `spec\.rules\[0\]\.matches\[0\]\.path`: value must be an absolute path and start with '\/'/);
  });

  it('rejects an access-log filter that is not CEL', () => {
    // The quick start, its GatewayClass pointing at an EnvoyProxy whose access log filters with CEL.
    const quickstartText = readFileSync(join(projectRoot, quickstart), 'utf8').replace(
      'controllerName: gateway.envoyproxy.io/gatewayclass-controller',
      'controllerName: gateway.envoyproxy.io/gatewayclass-controller\n  parametersRef: { group: gateway.envoyproxy.io, kind: EnvoyProxy, name: proxy, namespace: default }',
    );
    assert.match(quickstartText, /parametersRef/);
    const proxy = scratchFile(
      'cel-filter.yaml',
      `${quickstartText}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: EnvoyProxy
metadata: { name: proxy, namespace: default }
spec:
  telemetry:
    accessLog:
      settings:
        - matches: [')++++']
          sinks: [{ type: File, file: { path: /dev/stdout } }]
`,
    );
    const run = runCli(['translate', '-f', proxy]);
    assert.match(run.stderr, /invalid CEL expression: \)\+\+\+\+/);
  });
});

describe('colour', () => {
  const bad = ['translate', '-f', 'fixtures/bad-wrong-type.yaml'];

  it('is used when forced (so the checks below can fail)', () => {
    assert.match(runCli(bad, { env: { FORCE_COLOR: '1' } }).stderr, ansi);
  });

  it('is never used with NO_COLOR, even when forced', () => {
    const run = runCli(bad, { env: { NO_COLOR: '1', FORCE_COLOR: '1' } });
    assert.match(run.stderr, /error EGC2002/);
    assert.doesNotMatch(run.stderr, ansi);
  });

  it('is never used with --no-color, even when forced', () => {
    const run = runCli([...bad, '--no-color'], { env: { FORCE_COLOR: '1' } });
    assert.match(run.stderr, /error EGC2002/);
    assert.doesNotMatch(run.stderr, ansi);
  });

  it('is not used when stderr is not a terminal', () => {
    assert.doesNotMatch(runCli(bad).stderr, ansi);
  });
});

describe('output formats and targets', () => {
  it('-o json prints the same bootstrap as JSON', () => {
    const json = runCli(['translate', '-f', quickstart, '-o', 'json']);
    assert.equal(json.status, 0);
    const yaml = runCli(['translate', '-f', quickstart]);
    assert.deepEqual(JSON.parse(json.stdout), parseYaml(yaml.stdout));
  });

  it('-o json with several proxies prints one JSON array', () => {
    const run = runCli(['translate', '-f', 'fixtures/multiple-gateways.yaml', '-o', 'json']);
    const parsed = JSON.parse(run.stdout) as BootstrapDoc[];
    assert.equal(parsed.length, 2);
    assert.deepEqual(parsed.map((b) => b.staticResources.listeners[0]!.name), ['corp/internal/http', 'edge/public/http']);
    // Written proxy by proxy, the array is still JSON.stringify's, byte for byte.
    assert.equal(run.stdout, `${JSON.stringify(parsed, null, 2)}\n`);
  });

  it('--to ir and --to xds stream one document per proxy, in proxy order', () => {
    const ir = runCli(['translate', '-f', 'fixtures/multiple-gateways.yaml', '--to', 'ir', '-o', 'json']);
    const irs = JSON.parse(ir.stdout) as { name: string; xdsIR: { http: { name: string }[] } }[];
    assert.deepEqual(irs.map((p) => [p.name, p.xdsIR.http[0]!.name]), [['corp/internal', 'corp/internal/http'], ['edge/public', 'edge/public/http']]);
    assert.equal(ir.stdout, `${JSON.stringify(irs, null, 2)}\n`);
    const xds = parseYamlStream(runCli(['translate', '-f', 'fixtures/multiple-gateways.yaml', '--to', 'xds', '-t', 'listener']).stdout) as { name: string }[];
    assert.deepEqual(xds.map((p) => p.name), ['corp/internal', 'edge/public']);
  });

  it('--to gateway-api -o json prints every resource with its status', () => {
    const run = runCli(['translate', '-f', quickstart, '--to', 'gateway-api', '-o', 'json']);
    const objects = JSON.parse(run.stdout) as { kind: string; status?: any }[];
    assert.deepEqual(objects.map((o) => o.kind).sort(), ['Backend', 'Gateway', 'GatewayClass', 'HTTPRoute']);
    const route = objects.find((o) => o.kind === 'HTTPRoute')!;
    const accepted = route.status.parents[0].conditions.find((c: any) => c.type === 'Accepted');
    assert.equal(accepted.status, 'True');
  });

  it('--to ir prints the xDS and infra IR of each proxy', () => {
    const run = runCli(['translate', '-f', quickstart, '--to', 'ir']);
    assert.equal(run.status, 0);
    const ir = parseYaml(run.stdout) as { name: string; xdsIR: any; infraIR: any };
    assert.equal(ir.name, 'default/eg');
    assert.deepEqual(ir.xdsIR.http.map((l: any) => [l.name, l.port]), [['default/eg/http', 8888]]);
    assert.equal(ir.xdsIR.http[0].routes[0].hostname, 'www.example.com');
    assert.ok(ir.infraIR, 'infraIR present');
  });

  it('--to xds -t cluster prints only the clusters config dump', () => {
    const run = runCli(['translate', '-f', quickstart, '--to', 'xds', '-t', 'cluster']);
    assert.equal(run.status, 0);
    const dump = parseYaml(run.stdout) as { name: string; xds: { configs: any[] } };
    assert.equal(dump.name, 'default/eg');
    assert.deepEqual(dump.xds.configs.map((c) => c['@type']), ['type.googleapis.com/envoy.admin.v3.ClustersConfigDump']);
    assert.deepEqual(dump.xds.configs[0].dynamicActiveClusters.map((c: any) => c.cluster.name), ['httproute/default/backend/rule/0']);
  });

  it('--gateway picks one proxy out of several', () => {
    const run = runCli(['translate', '-f', 'fixtures/multiple-gateways.yaml', '--gateway', 'edge/public']);
    assert.equal(run.status, 0);
    const documents = parseYamlStream(run.stdout) as BootstrapDoc[];
    assert.equal(documents.length, 1);
    assert.equal(documents[0]!.staticResources.listeners[0]!.name, 'edge/public/http');
  });

  it('--output-dir writes one file per proxy and nothing to stdout', () => {
    const directory = join(scratch, 'out');
    const run = runCli(['translate', '-f', 'fixtures/multiple-gateways.yaml', '--output-dir', directory]);
    assert.equal(run.status, 0);
    assert.equal(run.stdout, '');
    assert.deepEqual(readdirSync(directory).sort(), ['corp.internal.yaml', 'edge.public.yaml']);
    const streamed = parseYamlStream(runCli(['translate', '-f', 'fixtures/multiple-gateways.yaml']).stdout);
    assert.deepEqual(parseYaml(readFileSync(join(directory, 'corp.internal.yaml'), 'utf8')), streamed[0]);
    assert.deepEqual(parseYaml(readFileSync(join(directory, 'edge.public.yaml'), 'utf8')), streamed[1]);
  });

  it('--admin-port sets the admin listener', () => {
    const bootstrap = parseYaml(runCli(['translate', '-f', quickstart, '--admin-port', '19555']).stdout) as BootstrapDoc;
    assert.deepEqual(bootstrap.admin, { address: { socketAddress: { address: '127.0.0.1', portValue: 19555 } } });
  });
});

describe('privileged ports', () => {
  let onPort80: string;
  before(() => {
    onPort80 = scratchFile('port80.yaml', readFileSync(join(projectRoot, quickstart), 'utf8').replace('port: 8888', 'port: 80'));
  });

  it('shift by 10000 with a note on stderr, as Envoy Gateway does', () => {
    const run = runCli(['translate', '-f', onPort80], { env: { NO_COLOR: '1' } });
    assert.equal(run.status, 0, 'a note is not an error');
    const bootstrap = parseYaml(run.stdout) as BootstrapDoc;
    assert.equal(bootstrap.staticResources.listeners[0]!.address.socketAddress.portValue, 10080);
    assert.match(run.stderr, /:23:13: note EGC3009: .*privileged port 80; Envoy listens on 10080.*--bind-declared-ports/);
  });

  it('stay as declared with --bind-declared-ports, without the note', () => {
    const run = runCli(['translate', '-f', onPort80, '--bind-declared-ports']);
    assert.equal(run.status, 0);
    assert.equal(run.stderr, '');
    const bootstrap = parseYaml(run.stdout) as BootstrapDoc;
    assert.equal(bootstrap.staticResources.listeners[0]!.address.socketAddress.portValue, 80);
  });
});

describe('inputs', () => {
  it('-f - reads standard input', () => {
    const text = readFileSync(join(projectRoot, quickstart), 'utf8');
    const fromStdin = runCli(['translate', '-f', '-'], { input: text });
    assert.equal(fromStdin.status, 0, fromStdin.stderr);
    assert.equal(fromStdin.stdout, runCli(['translate', '-f', quickstart]).stdout);
  });

  it('names standard input <stdin> in diagnostics', () => {
    const run = runCli(['translate', '-f', '-'], { input: 'kind: [\n', env: { NO_COLOR: '1' } });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /^<stdin>:\d+:\d+: error EGC1003: /m);
  });

  it('reads a directory recursively (only .yaml, .yml and .json files)', () => {
    const documents = documentsOf('fixtures/http-matches.yaml');
    const directory = join(scratch, 'tree');
    mkdirSync(join(directory, 'routes', 'deeper'), { recursive: true });
    writeFileSync(join(directory, 'gateway.yaml'), documents.slice(0, 2).join('---\n'));
    writeFileSync(join(directory, 'routes', 'route.yml'), documents[2]!);
    // JSON is YAML: one more file, in another format, one level further down.
    writeFileSync(join(directory, 'routes', 'deeper', 'service.json'), JSON.stringify(parseYaml(documents[3]!)));
    writeFileSync(join(directory, 'routes', 'deeper', 'slice.yaml'), documents.slice(4).join('---\n'));
    writeFileSync(join(directory, 'README.md'), 'not: [yaml\n');
    const run = runCli(['translate', '-f', directory]);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, runCli(['translate', '-f', 'fixtures/http-matches.yaml']).stdout);
  });

  it('ignores empty documents, such as a trailing --- (as kubectl does)', () => {
    const text = readFileSync(join(projectRoot, quickstart), 'utf8');
    const padded = scratchFile('padded.yaml', `---\n---\n${text}---\n`);
    const run = runCli(['translate', '-f', padded], { env: { NO_COLOR: '1' } });
    assert.equal(run.stderr, '');
    assert.equal(run.status, 0);
    assert.equal(run.stdout, runCli(['translate', '-f', quickstart]).stdout);
  });

  it('accepts -f more than once', () => {
    const documents = documentsOf('fixtures/weighted-backends.yaml');
    const first = scratchFile('first.yaml', documents.slice(0, 3).join('---\n'));
    const second = scratchFile('second.yaml', documents.slice(3).join('---\n'));
    const run = runCli(['translate', '-f', first, '-f', second]);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, runCli(['translate', '-f', 'fixtures/weighted-backends.yaml']).stdout);
  });

  for (const fixture of ['http-matches', 'multiple-gateways', 'allowed-routes-selector']) {
    it(`gives byte-identical output whatever the document order (${fixture})`, () => {
      const path = `fixtures/${fixture}.yaml`;
      const documents = documentsOf(path);
      const reordered = scratchFile(`${fixture}-shuffled.yaml`, shuffled(documents).join('---\n'));
      const reversed = scratchFile(`${fixture}-reversed.yaml`, [...documents].reverse().join('---\n'));
      assert.notEqual(readFileSync(reordered, 'utf8'), documents.join('---\n'), 'the permutation must change the order');
      for (const target of ['bootstrap', 'gateway-api', 'ir']) {
        const original = runCli(['translate', '-f', path, '--to', target]).stdout;
        assert.equal(runCli(['translate', '-f', reordered, '--to', target]).stdout, original, `${target} after shuffling`);
        assert.equal(runCli(['translate', '-f', reversed, '--to', target]).stdout, original, `${target} after reversing`);
      }
    });
  }

  it('gives the same output when the input is re-serialised (comments, quoting and key order do not matter)', () => {
    const documents = parseAllDocuments(readFileSync(join(projectRoot, 'fixtures/filters.yaml'), 'utf8')).map((d) => d.toJS());
    const rewritten = scratchFile('filters-rewritten.yaml', documents.map((d) => stringify(d, { sortMapEntries: true })).join('---\n'));
    assert.equal(runCli(['translate', '-f', rewritten]).stdout, runCli(['translate', '-f', 'fixtures/filters.yaml']).stdout);
  });
});
