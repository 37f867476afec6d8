// Credentials never leave egc except into --secrets-dir: TLS private keys, OIDC client (and HMAC)
// secrets and basic-auth htpasswd data are absent, byte for byte, from stdout of every --to,
// from stderr and from --output-dir files; the SDS files are private and Envoy accepts the result.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { certificatePairProblems, certificateProblems } from '../src/gatewayapi/tls.js';
import { redactCredentials, redactSecretObjects } from '../src/bootstrap/secrets.js';
import { compile } from '../src/pipeline.js';
import { checkMessage } from '../src/verify/proto.js';
import { runCli } from './golden-support.js';
import { validateWithEnvoy } from '../src/verify/envoy.js';

const work = mkdtempSync(join(tmpdir(), 'egc-secrets-'));
after(() => rmSync(work, { recursive: true, force: true }));

function selfSigned(name: string, days = 30): { crt: string; key: string } {
  const [crt, key] = [join(work, `${name}.crt`), join(work, `${name}.key`)];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', String(days), '-subj', '/CN=www.example.com', '-addext', 'subjectAltName=DNS:www.example.com', '-keyout', key, '-out', crt], { stdio: 'ignore' });
  return { crt: readFileSync(crt, 'utf8'), key: readFileSync(key, 'utf8') };
}

const b64 = (text: string) => Buffer.from(text).toString('base64');
const clientSecret = 'oidc-client-secret-3b9f1c2e7d';
const hmacSecret = 'oidc-hmac-secret-77aa55cc';
// An htpasswd line; its {SHA} hash is a credential too.
const htpasswd = 'alice:{SHA}cRDtpNCeBiql5KOQsKVyrA0sAiA=\n';

function input(certificate: { crt: string; key: string }): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: eg}
spec: {controllerName: gateway.envoyproxy.io/gatewayclass-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: eg, namespace: default}
spec:
  gatewayClassName: eg
  listeners:
  - name: https
    protocol: HTTPS
    port: 443
    tls:
      certificateRefs: [{kind: Secret, name: tls-cert}]
---
apiVersion: v1
kind: Secret
metadata: {name: tls-cert, namespace: default}
type: kubernetes.io/tls
data:
  tls.crt: ${b64(certificate.crt)}
  tls.key: ${b64(certificate.key)}
---
apiVersion: v1
kind: Secret
metadata: {name: oidc-secret, namespace: default}
data:
  client-secret: ${b64(clientSecret)}
---
apiVersion: v1
kind: Secret
metadata: {name: envoy-oidc-hmac, namespace: envoy-gateway-system}
data:
  hmac-secret: ${b64(hmacSecret)}
---
apiVersion: v1
kind: Secret
metadata: {name: basic-auth, namespace: default}
data:
  .htpasswd: ${b64(htpasswd)}
---
apiVersion: v1
kind: Service
metadata: {name: app, namespace: default}
spec:
  clusterIP: 10.0.0.5
  ports: [{port: 8080, name: http}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: app, namespace: default}
spec:
  parentRefs: [{name: eg}]
  hostnames: [www.example.com]
  rules:
  - matches: [{path: {type: PathPrefix, value: /app}}]
    backendRefs: [{name: app, port: 8080}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: admin, namespace: default}
spec:
  parentRefs: [{name: eg}]
  hostnames: [www.example.com]
  rules:
  - matches: [{path: {type: PathPrefix, value: /admin}}]
    backendRefs: [{name: app, port: 8080}]
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: SecurityPolicy
metadata: {name: oidc, namespace: default}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: app}]
  oidc:
    provider:
      issuer: https://accounts.example.com
      authorizationEndpoint: https://accounts.example.com/auth
      tokenEndpoint: https://accounts.example.com/token
    clientID: my-client
    clientSecret: {name: oidc-secret}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: SecurityPolicy
metadata: {name: basic, namespace: default}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: admin}]
  basicAuth:
    users: {name: basic-auth}
`;
}

/** Every spelling of a credential that could show up: raw, base64, and a distinctive slice of each. */
function spellings(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const value of values) {
    out.push(value, b64(value));
    const body = value.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
    if (body.length > 100) out.push(body.slice(40, 100));
  }
  return out;
}

function assertAbsent(where: string, text: string, secrets: readonly string[]): void {
  for (const secret of secrets) assert.ok(!text.includes(secret), `${where} contains a credential (${secret.slice(0, 12)}...)`);
}

describe('credentials in outputs', () => {
  let file: string;
  let secrets: string[];
  let key: string;

  before(() => {
    const certificate = selfSigned('server');
    key = certificate.key;
    file = join(work, 'input.yaml');
    writeFileSync(file, input(certificate));
    secrets = spellings([certificate.key, clientSecret, hmacSecret, htpasswd, 'cRDtpNCeBiql5KOQsKVyrA0sAiA=']);
  });

  it('the input does reach Envoy: without --secrets-dir the bootstrap inlines the key', () => {
    // Guards the absence checks below against passing because nothing was translated.
    const run = runCli(['translate', '-f', file]);
    assert.equal(run.status, 0, run.stderr);
    assert.ok(run.stdout.includes(b64(key)), 'the inline bootstrap carries the private key');
    assert.ok(run.stdout.includes(b64(clientSecret)) && run.stdout.includes(b64(htpasswd)));
  });

  it('stdout of --to gateway-api, ir and xds and stderr never carry a credential', () => {
    for (const to of ['gateway-api', 'ir', 'xds']) {
      for (const output of ['yaml', 'json']) {
        const run = runCli(['translate', '-f', file, '--to', to, '-o', output]);
        assert.equal(run.status, 0, run.stderr);
        assertAbsent(`--to ${to} -o ${output} stdout`, run.stdout, secrets);
        assertAbsent(`--to ${to} stderr`, run.stderr, secrets);
      }
    }
  });

  it('gateway-api output shows Secret values as <redacted: N bytes>', () => {
    const run = runCli(['translate', '-f', file, '--to', 'gateway-api']);
    const secret = parseAllDocuments(run.stdout).map((d) => d.toJS()).find((o) => o.kind === 'Secret' && o.metadata.name === 'basic-auth');
    assert.deepEqual(secret.data, { '.htpasswd': `<redacted: ${Buffer.byteLength(htpasswd)} bytes>` });
  });

  it('with --secrets-dir the bootstrap refers to private SDS files and carries no credential', async () => {
    const directory = join(work, 'sds');
    const outputDir = join(work, 'out');
    const run = runCli(['translate', '-f', file, '--secrets-dir', directory]);
    assert.equal(run.status, 0, run.stderr);
    assertAbsent('bootstrap stdout', run.stdout, secrets);
    assertAbsent('stderr', run.stderr, secrets);
    const toDir = runCli(['translate', '-f', file, '--secrets-dir', directory, '--output-dir', outputDir]);
    assert.equal(toDir.status, 0, toDir.stderr);
    for (const name of readdirSync(outputDir)) assertAbsent(`output-dir ${name}`, readFileSync(join(outputDir, name), 'utf8'), secrets);

    assert.equal(statSync(directory).mode & 0o777, 0o700);
    const files = readdirSync(directory).sort();
    assert.equal(files.length, 4, files.join(', ')); // certificate, client secret, HMAC secret, htpasswd
    for (const name of files) {
      assert.equal(statSync(join(directory, name)).mode & 0o777, 0o600, `${name} must be readable by its owner only`);
      assert.ok(!name.includes('.tmp-'), 'no temporary file is left behind');
    }
    const all = files.map((name) => readFileSync(join(directory, name), 'utf8')).join('\n');
    assert.ok(all.includes(b64(key)) && all.includes(b64(clientSecret)) && all.includes(htpasswd), 'the SDS files hold the credentials');

    const bootstrap = parse(run.stdout);
    assert.equal(bootstrap.staticResources.secrets, undefined, 'no inline secrets');
    assert.deepEqual(bootstrap.node, { id: 'default/eg', cluster: 'default/eg' }, 'SDS needs a node id and cluster');
    const text = JSON.stringify(bootstrap);
    for (const name of files) assert.ok(text.includes(join(directory, name)), `the bootstrap refers to ${name}`);
    assert.deepEqual(checkMessage('envoy.config.bootstrap.v3.Bootstrap', bootstrap), []);
    const sdsFile = JSON.parse(readFileSync(join(directory, files.find((n) => n.startsWith('default_tls-cert'))!), 'utf8'));
    assert.equal(sdsFile.resources[0]['@type'], 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret');
    assert.equal(sdsFile.resources[0].name, 'default/tls-cert');
    const result = await validateWithEnvoy(bootstrap);
    assert.ok(result.ok, result.output);
  });

  it('refuses a secrets directory others can write to', () => {
    const open = join(work, 'open');
    execFileSync('mkdir', ['-m', '0777', open]);
    const run = runCli(['translate', '-f', file, '--secrets-dir', open]);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /writable by others/);
    assert.deepEqual(readdirSync(open), []);
  });

  it('masks Secret values in code frames', () => {
    // A diagnostic on the Secret's data quotes its line; the value must not appear.
    const broken = input(selfSigned('frame')).replace('  client-secret: ', '  client-secret: !custom ');
    const path = join(work, 'frame.yaml');
    writeFileSync(path, broken);
    const run = runCli(['translate', '-f', path, '--to', 'gateway-api']);
    assert.match(run.stderr, /EGC1012/, 'the unresolved tag is reported at the Secret value');
    assertAbsent('stderr', run.stderr, spellings([clientSecret]));
    assert.match(run.stderr, /client-secret: !custom \*{10,}/);
  });
});

describe('certificate checks', () => {
  const day = 24 * 3600 * 1000;

  it('accepts a matching, current certificate and key', () => {
    const { crt, key } = selfSigned('ok');
    assert.deepEqual(certificatePairProblems('default/ok', b64(crt), b64(key), new Date(Date.now() + 1000)), []);
  });

  it('reports a key that does not belong to the certificate as an error', () => {
    const { crt } = selfSigned('mismatch');
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const problems = certificatePairProblems('default/mismatch', b64(crt), b64(otherKey), new Date(Date.now() + 1000));
    assert.deepEqual(problems.map((p) => [p.severity, p.key]), [['error', 'tls.key']]);
    assert.match(problems[0].message, /does not match the certificate/);
  });

  it('reports an expired and a not-yet-valid certificate as warnings', () => {
    const { crt, key } = selfSigned('dated', 2);
    const now = new Date();
    const expired = certificatePairProblems('default/dated', b64(crt), b64(key), new Date(now.getTime() + 3 * day));
    assert.deepEqual(expired.map((p) => [p.severity, p.key]), [['warning', 'tls.crt']]);
    assert.match(expired[0].message, /expired on/);
    const early = certificatePairProblems('default/dated', b64(crt), b64(key), new Date(now.getTime() - 2 * day));
    assert.match(early[0].message, /not valid before/);
  });

  it('finds a certificate in every place the IR holds one, once per Secret, in IR order', () => {
    const { crt } = selfSigned('everywhere');
    const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const pair = (name: string) => ({ name, serverCertificate: b64(crt), privateKey: b64(otherKey) });
    const destination = (name: string) => ({ name: `${name}-destination`, settings: [{ weight: 1 }, { endpoints: [{ host: '10.0.0.1', port: 443 }], tls: { sni: 'a.example.com', clientCertificates: [pair(name)] } }] });
    const ir = {
      http: [
        {
          name: 'http-listener',
          tls: { certificates: [pair('ns/http-listener')] },
          routes: [
            { name: 'plain', hostname: '*', destination: { name: 'plain', settings: [{ endpoints: [] }] } },
            {
              name: 'everything',
              hostname: '*',
              mirrors: [destination('ns/mirror')],
              destination: destination('ns/route-destination'),
              security: { extAuth: { http: { destination: destination('ns/ext-auth') } } },
              envoyExtensions: { extProcs: [{ destination: destination('ns/ext-proc') }] },
            },
            // Another copy of the route: its certificates are reported once.
            { name: 'copy', hostname: 'a.example.com', destination: destination('ns/route-destination') },
          ],
        },
      ],
      tcp: [
        {
          name: 'tcp-listener',
          tls: { certificates: [pair('ns/tcp-listener')] },
          routes: [{ name: 'tls-route', tls: { terminate: { certificates: [pair('ns/tcp-route')] } }, destination: destination('ns/tcp-destination') }],
        },
      ],
      udp: [{ name: 'udp-listener', route: { name: 'udp-route', destination: destination('ns/udp-destination') } }],
      tracing: { destination: destination('ns/tracing') },
    };
    const secrets = certificateProblems([ir], new Date(Date.now() + 1000)).map((problem) => problem.secret);
    assert.deepEqual(secrets, [
      'ns/http-listener',
      'ns/mirror',
      'ns/route-destination',
      'ns/ext-auth',
      'ns/ext-proc',
      'ns/tcp-listener',
      'ns/tcp-route',
      'ns/tcp-destination',
      'ns/udp-destination',
      'ns/tracing',
    ]);
  });

  it('a Gateway serving a mismatched pair gets an EGC3011 error at the Secret, and no key in the message', () => {
    const { crt } = selfSigned('served');
    const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const result = compile({ inputs: [{ file: 'mismatch.yaml', text: input({ crt, key: otherKey }) }] });
    const found = result.diagnostics.filter((d) => d.code === 'EGC3011');
    assert.equal(found.length, 1);
    assert.equal(found[0].severity, 'error');
    assert.equal(found[0].path, 'data.tls.key');
    assertAbsent('diagnostic', JSON.stringify(found), spellings([otherKey]));
  });
});

describe('redaction helpers', () => {
  it('redacts IR credentials given as base64 or as byte lists, and leaves certificates', () => {
    const ir = { tls: { certificates: [{ name: 'a', serverCertificate: 'Y2VydA==', privateKey: 'a2V5' }] }, oidc: { clientSecret: [1, 2, 3] }, basicAuth: { users: 'dXNlcnM=' } };
    assert.deepEqual(redactCredentials(ir), {
      tls: { certificates: [{ name: 'a', serverCertificate: 'Y2VydA==', privateKey: '<redacted: 3 bytes>' }] },
      oidc: { clientSecret: '<redacted: 3 bytes>' },
      basicAuth: { users: '<redacted: 5 bytes>' },
    });
  });

  it('copies only the way to a credential: the input stays as it was and credential-free parts are shared', () => {
    const routes = [{ name: 'r', match: { prefix: '/' } }];
    const dump = {
      routes,
      clusters: [{ name: 'c', transportSocket: { tlsCertificates: [{ certificateChain: { inlineString: 'CERT' }, privateKey: { inlineBytes: 'a2V5' } }] } }],
      secrets: [{ name: 's', tlsCertificate: { privateKey: { filename: '/k.pem' } } }],
      sds: { secret: { name: 'ref', sdsConfig: { ads: {} } } },
    };
    const before = structuredClone(dump);
    const result = redactCredentials(dump) as typeof dump;
    assert.deepEqual(dump, before);
    assert.equal(result.routes, routes);
    assert.equal(result.secrets[0].tlsCertificate.privateKey.filename, '/k.pem');
    assert.equal(result.sds, dump.sds);
    assert.deepEqual(result.clusters[0].transportSocket.tlsCertificates[0], { certificateChain: { inlineString: 'CERT' }, privateKey: { inlineString: '<redacted: 3 bytes>' } });
    assert.notEqual(result.clusters, dump.clusters);
  });

  it('redacts an inline generic secret, and in a credential keeps only what names it', () => {
    const value = { genericSecret: { secret: { inlineBytes: 'c2VjcmV0' } }, hmacSecret: { name: 'hmac', sdsConfig: { path: '/sds.yaml' }, value: { inlineString: 'text' } } };
    assert.deepEqual(redactCredentials(value), {
      genericSecret: { secret: { inlineString: '<redacted: 6 bytes>' } },
      hmacSecret: { name: 'hmac', sdsConfig: { path: '/sds.yaml' }, value: { inlineString: '<redacted: 4 bytes>' } },
    });
  });

  it('redacts both data (base64) and stringData (text) of Secrets only', () => {
    const objects = redactSecretObjects([
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { k: b64('abcd') }, stringData: { t: 'xyz' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { k: 'visible' } },
    ]);
    assert.deepEqual(objects[0].data, { k: '<redacted: 4 bytes>' });
    assert.deepEqual(objects[0].stringData, { t: '<redacted: 3 bytes>' });
    assert.deepEqual(objects[1].data, { k: 'visible' });
  });
});
