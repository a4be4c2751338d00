/**
 * The etlkit test kit: test etlkit steps and your own operators the way etlkit tests its own. Add
 * it in test scope, with Flink's {@code flink-runtime} test-jar, {@code
 * flink-statebackend-rocksdb}, {@code flink-test-utils-junit} and, for {@link
 * dev.etlkit.testkit.KeyedHarness#withStateChangelog}, {@code flink-statebackend-changelog} (see
 * {@code docs/testing.md}).
 *
 * <ul>
 *   <li>{@link dev.etlkit.testkit.KeyedHarness} and {@link dev.etlkit.testkit.OperatorHarness}:
 *       keyed operators in Flink's test harness on heap or RocksDB state ({@link
 *       dev.etlkit.testkit.StateBackendKind}), generic types disabled, outputs in emission order;
 *       {@link dev.etlkit.testkit.KeyedHarness#forStream} runs the keyed operator a step added to
 *       your pipeline, as the pipeline configured it.
 *   <li>{@link dev.etlkit.testkit.HarnessInput}: input scripts of elements, watermarks and
 *       processing time.
 *   <li>{@link dev.etlkit.testkit.CutPointCheck}: output unchanged by a snapshot and restore at any
 *       point, on the same or the other backend.
 *   <li>{@link dev.etlkit.testkit.RescaleCheck}: each key's output unchanged by a restore on
 *       another parallelism (state split and merged by key group).
 *   <li>{@link dev.etlkit.testkit.ObjectReuseCheck}: output and state unchanged by Flink's object
 *       reuse behind an upstream that reuses one input object.
 *   <li>{@link dev.etlkit.testkit.ChangelogAssert} and {@link dev.etlkit.testkit.Materializer}:
 *       changelogs that are well formed and materialize to the expected table.
 *   <li>{@link dev.etlkit.testkit.ChangelogGenerator} and {@link dev.etlkit.testkit.Soak}: seeded
 *       messy changelogs (duplicates, disorder, late records, tombstones), more seeds under {@code
 *       -Psoak}.
 *   <li>{@link dev.etlkit.testkit.CompiledClasses} with {@link
 *       dev.etlkit.testkit.KeyedHarness#withUserCodeClassLoader}: versions of one class compiled at
 *       test time, to test that state survives the evolution of your types.
 *   <li>{@link dev.etlkit.testkit.SavepointCompatibility} and {@link
 *       dev.etlkit.testkit.SnapshotFiles}: committed snapshot files that break the build when a
 *       state layout changes.
 * </ul>
 */
package dev.etlkit.testkit;
