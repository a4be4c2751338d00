package dev.etlkit.operators.dedup;

import dev.etlkit.core.Change;
import dev.etlkit.operators.dedup.DedupModel.Mode;
import dev.etlkit.testkit.CutPointCheck;
import dev.etlkit.testkit.GeneratedChangelog;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.Soak;
import dev.etlkit.testkit.StateBackendKind;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Exactly-once: a snapshot and a restore at any point of the input leave the output unchanged,
 * record for record per key, on heap and RocksDB and across a switch between them.
 *
 * <p>By default the scripted inputs are checked at every cut point on heap and at {@value
 * #SAMPLED_CUTS} sampled cut points on RocksDB and across backends; generated inputs at {@value
 * #SAMPLED_CUTS} sampled cut points, {@code heapSeeds()} of them on heap and {@code rocksDbSeeds()}
 * on RocksDB (and switching to heap). Under {@code -Psoak}: 1000 heap sequences and 100 RocksDB
 * sequences, every cut point of each.
 */
class DedupCutPointTest {

  static final int SAMPLED_CUTS = 4;

  /** Restoring after the watermark must still find k1#v0@24 late, and k2#v0@31 too. */
  static final HarnessInput<String> HELD_ROWS =
      HarnessInput.<String>builder()
          .element("k1#v2", 20)
          .element("k1#v1", 10)
          .element("k2#v1", 30)
          .watermark(25)
          .element("k1#v0", 24)
          .element("k3#v1", 26)
          .element("k3#v1", 26)
          .watermark(40)
          .element("k2#v0", 31)
          .element("k4#v1", 45)
          .watermark(50)
          .build();

  static final HarnessInput<Change<String>> CHANGES =
      HarnessInput.<Change<String>>builder()
          .element(Change.insert("k1#v1"), 10)
          .element(Change.updateBefore("k1#v1"), 20)
          .element(Change.updateAfter("k1#v2"), 20)
          .element(Change.updateAfter("k1#v2"), 20)
          .element(Change.insert("k2#v1"), 15)
          .watermark(18)
          .element(Change.delete("k2#"), 30)
          .element(Change.insert("k2#v1"), 16) // late
          .element(Change.updateAfter("k1#v3"), 25)
          .element(Change.delete("k1#v2"), 22) // stale: older than k1#v3
          .element(Change.insert("k2#v2"), 35)
          .watermark(40)
          .build();

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepFirstAppendInEventTime_everyCutPoint_sameOutput(StateBackendKind backend) {
    KeyedHarness<Object, String, String> harness =
        DedupHarness.rows(DedupHarness.keepFirst().withEventTimeOrder()).harness().on(backend);

    CutPointCheck.of(harness, HELD_ROWS).withEndOfInput().withPerKeyOrder().verify();
    CutPointCheck.of(harness, HELD_ROWS)
        .withEndOfInput()
        .restoringOn(backend.other())
        .withPerKeyOrder()
        .verify();
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepLastRetractOnChangelog_everyCutPoint_sameOutput(StateBackendKind backend) {
    KeyedHarness<Object, Change<String>, Change<String>> harness =
        keepLastRetractByVersion().on(backend);

    scripted(CutPointCheck.of(harness, CHANGES).withEndOfInput(), backend).verify();
    CutPointCheck.of(harness, CHANGES)
        .withEndOfInput()
        .restoringOn(backend.other())
        .withSampledCutPoints(SAMPLED_CUTS, 18L)
        .verify();
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepFirstOnChangelog_everyCutPoint_sameOutput(StateBackendKind backend) {
    KeyedHarness<Object, Change<String>, Change<String>> harness =
        DedupHarness.changes(DedupHarness.keepFirst().withRetractOutput().onChangelog())
            .harness()
            .on(backend);

    scripted(CutPointCheck.of(harness, CHANGES).withEndOfInput(), backend).verify();
  }

  /**
   * Under Flink's changelog state backend over the heap every restore replays what the step wrote:
   * a state object changed in place and not written back would be lost here, not on the plain heap.
   */
  @Test
  void underStateChangelog_everyCutPoint_sameOutput() {
    CutPointCheck.of(
            DedupHarness.rows(DedupHarness.keepFirst().withEventTimeOrder())
                .harness()
                .withStateChangelog(),
            HELD_ROWS)
        .withEndOfInput()
        .withPerKeyOrder()
        .verify();
    CutPointCheck.of(keepLastRetractByVersion().withStateChangelog(), CHANGES)
        .withEndOfInput()
        .verify();
    CutPointCheck.of(
            DedupHarness.changes(DedupHarness.keepFirst().withRetractOutput().onChangelog())
                .harness()
                .withStateChangelog(),
            CHANGES)
        .withEndOfInput()
        .verify();
  }

  /** Keep-last in event time then version, retract output, on a changelog: for {@link #CHANGES}. */
  static KeyedHarness<Object, Change<String>, Change<String>> keepLastRetractByVersion() {
    return DedupHarness.changes(
            DedupHarness.keepLast()
                .withOrdering(DedupOrder.<String>byEventTime().thenBy(DedupHarness::version))
                .withRetractOutput()
                .onChangelog())
        .harness();
  }

  /** Every cut point on heap (cheap), sampled on RocksDB (a restore costs about 0.2 s there). */
  private static <I, O> CutPointCheck<I, O> scripted(
      CutPointCheck<I, O> check, StateBackendKind backend) {
    return backend == StateBackendKind.HEAP || Soak.isEnabled()
        ? check
        : check.withSampledCutPoints(SAMPLED_CUTS, 7L);
  }

  static List<Long> heapSeeds() {
    return Soak.seeds(120, 1_000);
  }

  static List<Long> rocksDbSeeds() {
    return Soak.seeds(2, 100);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("heapSeeds")
  void generatedInput_onHeap_restoreAnywhere_sameOutput(long seed) {
    check(seed, StateBackendKind.HEAP, StateBackendKind.HEAP);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("rocksDbSeeds")
  void generatedInput_onRocksDb_restoreAnywhere_sameOutput(long seed) {
    check(seed, StateBackendKind.ROCKSDB, StateBackendKind.ROCKSDB);
    check(seed + 1_000_000, StateBackendKind.ROCKSDB, StateBackendKind.HEAP);
  }

  private static void check(long seed, StateBackendKind backend, StateBackendKind restoreOn) {
    Mode mode = DedupModelTest.MODES.get((int) (seed % DedupModelTest.MODES.size()));
    GeneratedChangelog<String> input = DedupModelTest.generator(mode).generate(seed);
    verify(mode.harness(false), mode.input(input.input()), seed, backend, restoreOn);
  }

  private static <I, O> void verify(
      KeyedHarness<Object, I, O> harness,
      HarnessInput<I> input,
      long seed,
      StateBackendKind backend,
      StateBackendKind restoreOn) {
    CutPointCheck<I, O> check =
        CutPointCheck.of(harness.on(backend), input)
            .withEndOfInput()
            .restoringOn(restoreOn)
            .withPerKeyOrder();
    if (!Soak.isEnabled()) {
      check = check.withSampledCutPoints(SAMPLED_CUTS, seed);
    }
    check.verify();
  }
}
