import type { Reporter, TestModule } from 'vitest/node';

/** Prints the plain closing line "N passed, N failed" that CI systems read, after Vitest's own summary. */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const m of modules) {
      let failedHere = 0;
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') {
          failed++;
          failedHere++;
        } else skipped++;
      }
      // A file that failed outside its tests (import error, failing hook) counts as one failure.
      if (m.state() === 'failed' && failedHere === 0) failed++;
    }
    process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  }
}
