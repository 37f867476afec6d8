// Golden tests: each fixtures/NAME.yaml is run through the real CLI (node dist/egc.js) and its
// outputs are compared with golden/NAME.* (see golden-support.ts). Every bootstrap must also pass
// the strict proto check and `envoy --mode validate`, and every `--to xds` config dump the proto
// check. Regenerate with `npm run golden:update` and review the diff by eye.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { findEnvoy, validateWithEnvoy } from '../src/verify/envoy.js';
import { checkAny, checkMessage, type ProtoIssue } from '../src/verify/proto.js';
import {
  goldenDir,
  listFixtures,
  listGoldenFiles,
  parseYamlStream,
  produceFixture,
  renderDiff,
  runCli,
  updateHint,
  type FixtureOutput,
} from './golden-support.js';

const fixtures = listFixtures();

/**
 * What each bad-input fixture must show besides its golden: the diagnostic code at a position
 * counted by hand in the fixture (line:column, 1-based; omitted where egc's position is still
 * coarse), and which routes survive into the bootstrap and which do not.
 */
const badInputs: Record<string, { code: string; at?: string; text?: string; present: string[]; absent: string[] }> = {
  // The YAML library notices the unclosed `[` of line 26 where the next key starts.
  'bad-yaml-syntax': { code: 'EGC1003', at: '27:3', present: ['httproute/default/fine/rule/0'], absent: ['broken'] },
  'bad-missing-kind': { code: 'EGC1005', at: '10:1', present: ['httproute/default/app/rule/0'], absent: ['nameless-kind'] },
  'bad-unknown-field': {
    code: 'EGC2001',
    at: '28:3',
    text: 'did you mean `hostnames`?',
    present: ['httproute/default/good/rule/0'],
    absent: ['typo'],
  },
  'bad-wrong-type': { code: 'EGC2002', at: '20:13', present: ['httproute/default/plain/rule/0'], absent: ['default/broken', 'weighted'] },
  'bad-missing-parent': { code: 'EGC3008', at: '27:13', present: ['httproute/default/attached/rule/0'], absent: ['orphan'] },
  'bad-missing-service': { code: 'EGC3005', text: 'Service default/missing not found', present: ['httproute/default/app/rule/1', 'status: 500'], absent: [] },
};

/** Proxies (bootstraps) each fixture yields: one per Gateway unless said otherwise. */
const proxyCounts: Record<string, number> = { 'multiple-gateways': 2 };

function formatIssues(issues: readonly ProtoIssue[]): string {
  return issues.map((issue) => `  ${issue.path || '(root)'}: ${issue.message}`).join('\n');
}

type Bootstrap = { staticResources?: { listeners?: { name: string }[]; clusters?: { name: string }[] } };

describe('golden fixtures', () => {
  it('cover at least 10 inputs, at least 4 of them bad', () => {
    assert.ok(fixtures.length >= 10, `only ${fixtures.length} fixtures`);
    const bad = fixtures.filter((name) => name.startsWith('bad-'));
    assert.ok(bad.length >= 4, `only ${bad.length} bad-input fixtures`);
    assert.deepEqual(bad.sort(), Object.keys(badInputs).sort(), 'every bad-* fixture needs an entry in badInputs');
  });

  it('leave no golden file that no fixture produces', () => {
    const stems = new Set(fixtures);
    const orphans = listGoldenFiles().filter((file) => {
      const match = /^(.*)\.(bootstrap\.yaml|status\.yaml|diagnostics\.txt)$/.exec(file);
      return !match || !stems.has(match[1]!);
    });
    assert.deepEqual(orphans, [], `stale golden files; ${updateHint}`);
  });

  it('run with a real Envoy available', () => {
    assert.ok(findEnvoy(), 'no Envoy binary found: run `npm run envoy` (the golden tests validate every bootstrap with it)');
  });
});

for (const name of fixtures) {
  describe(`fixture ${name}`, () => {
    let output: FixtureOutput;
    let bootstraps: Bootstrap[];

    before(() => {
      output = produceFixture(name);
      bootstraps = parseYamlStream(output.bootstrap.stdout) as Bootstrap[];
    });

    it('matches its golden files', () => {
      const problems: string[] = [];
      for (const [file, actual] of output.goldens) {
        const path = join(goldenDir, file);
        if (!existsSync(path)) {
          problems.push(`golden/${file} does not exist`);
          continue;
        }
        const expected = readFileSync(path, 'utf8');
        if (expected !== actual) problems.push(renderDiff(file, expected, actual));
      }
      const bootstrapGolden = join(goldenDir, `${name}.bootstrap.yaml`);
      if (!output.goldens.has(`${name}.bootstrap.yaml`) && existsSync(bootstrapGolden)) {
        problems.push(`golden/${name}.bootstrap.yaml exists but the CLI printed no bootstrap`);
      }
      assert.equal(problems.length, 0, `${problems.join('\n\n')}\n\n${updateHint}`);
    });

    it('prints plain diagnostics on stderr, the same for every target, and only the artifact on stdout', () => {
      assert.doesNotMatch(output.bootstrap.stderr, /\x1b\[/, 'NO_COLOR must give no ANSI escapes');
      assert.equal(output.status.stderr, output.bootstrap.stderr, 'diagnostics must not depend on --to');
      assert.equal(output.status.status, output.bootstrap.status, 'the exit code must not depend on --to');
      // Both stdouts parse as YAML: no diagnostic text leaked into them.
      const objects = parseYamlStream(output.status.stdout) as { kind?: string }[];
      assert.ok(objects.length > 0 && objects.every((o) => typeof o?.kind === 'string'), 'gateway-api output is a stream of resources');
      assert.equal(bootstraps.length, proxyCounts[name] ?? 1, 'one bootstrap per Gateway');
    });

    it('yields bootstraps that pass the strict proto check', () => {
      bootstraps.forEach((bootstrap, index) => {
        const issues = checkMessage('envoy.config.bootstrap.v3.Bootstrap', bootstrap);
        assert.equal(issues.length, 0, `bootstrap ${index + 1} of ${name}:\n${formatIssues(issues)}`);
      });
    });

    it('yields bootstraps that Envoy accepts (envoy --mode validate)', async () => {
      const results = await Promise.all(bootstraps.map((bootstrap) => validateWithEnvoy(bootstrap)));
      results.forEach((result, index) => assert.ok(result.ok, `Envoy rejected bootstrap ${index + 1} of ${name}:\n${result.output}`));
    });

    it('yields an xDS config dump that passes the proto check and agrees with the bootstrap', () => {
      const run = runCli(['translate', '-f', `fixtures/${name}.yaml`, '--to', 'xds'], { env: { NO_COLOR: '1' } });
      assert.equal(run.status, output.bootstrap.status);
      const dumps = parseYamlStream(run.stdout) as { name: string; xds: { configs: Record<string, any>[] } }[];
      assert.equal(dumps.length, bootstraps.length, 'one config dump per proxy');
      dumps.forEach((dump, index) => {
        const configs = dump.xds.configs;
        assert.deepEqual(
          configs.map((c) => c['@type']),
          ['Listeners', 'Routes', 'Clusters', 'Endpoints', 'Secrets'].map((t) => `type.googleapis.com/envoy.admin.v3.${t}ConfigDump`),
        );
        for (const config of configs) {
          const issues = checkAny(config);
          assert.equal(issues.length, 0, `${dump.name} ${config['@type']}:\n${formatIssues(issues)}`);
        }
        // Proxies are in the same (sorted) order in both outputs.
        const staticResources = bootstraps[index]!.staticResources ?? {};
        const listenerNames = configs[0]!.dynamicListeners.map((l: { name: string }) => l.name);
        assert.deepEqual(listenerNames, (staticResources.listeners ?? []).map((l) => l.name));
        const clusterNames = configs[2]!.dynamicActiveClusters.map((c: { cluster: { name: string } }) => c.cluster.name);
        assert.deepEqual(clusterNames, (staticResources.clusters ?? []).map((c) => c.name));
      });
    });

    const bad = badInputs[name];
    if (bad) {
      it('reports the bad input at its place and still translates the rest', () => {
        assert.equal(output.bootstrap.status, 1, 'input errors exit 1');
        const file = `fixtures/${name}.yaml`;
        const where = bad.at ? `${file}:${bad.at}` : `${file}:\\d+:\\d+`;
        assert.match(output.bootstrap.stderr, new RegExp(`^${where.replaceAll('.', '\\.')}: error ${bad.code}: `, 'm'));
        if (bad.text) assert.ok(output.bootstrap.stderr.includes(bad.text), `stderr lacks ${bad.text}`);
        const text = output.bootstrap.stdout;
        for (const route of bad.present) assert.ok(text.includes(route), `${route} should still be translated`);
        for (const gone of bad.absent) assert.ok(!text.includes(gone), `${gone} should not reach the bootstrap`);
      });
    }
  });
}
