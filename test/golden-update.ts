// `npm run golden:update`: rewrites golden/ from what the built CLI prints for each fixture, and
// deletes golden files no fixture produces any more. Review the resulting diff before committing.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { goldenDir, listFixtures, listGoldenFiles, produceFixture } from './golden-support.js';

function main(): void {
  const fixtures = listFixtures();
  if (fixtures.length === 0) {
    console.error('golden:update: no fixtures/*.yaml found');
    process.exitCode = 1;
    return;
  }
  mkdirSync(goldenDir, { recursive: true });
  const produced = new Set<string>();
  const counts = { created: 0, updated: 0, unchanged: 0, deleted: 0 };
  for (const name of fixtures) {
    for (const [file, content] of produceFixture(name).goldens) {
      produced.add(file);
      const path = join(goldenDir, file);
      let previous: string | undefined;
      try {
        previous = readFileSync(path, 'utf8');
      } catch {
        previous = undefined;
      }
      if (previous === content) {
        counts.unchanged += 1;
        continue;
      }
      writeFileSync(path, content);
      counts[previous === undefined ? 'created' : 'updated'] += 1;
      console.log(`${previous === undefined ? 'created' : 'updated'} golden/${file}`);
    }
  }
  for (const file of listGoldenFiles()) {
    if (produced.has(file)) continue;
    rmSync(join(goldenDir, file), { recursive: true, force: true });
    counts.deleted += 1;
    console.log(`deleted golden/${file} (no fixture produces it)`);
  }
  console.log(
    `golden:update: ${fixtures.length} fixtures; ${counts.created} created, ${counts.updated} updated, ${counts.unchanged} unchanged, ${counts.deleted} deleted`,
  );
}

main();
