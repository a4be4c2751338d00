package dev.etlkit.operators.enrich.join;

import dev.etlkit.core.Change;
import dev.etlkit.operators.enrich.UnmatchedFacts;
import dev.etlkit.testkit.CutPointCheck;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.Soak;
import dev.etlkit.testkit.StateBackendKind;
import java.util.List;
import org.apache.flink.types.Either;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Exactly-once: a snapshot and a restore at any point of the input leave the output unchanged,
 * record for record per key, on heap and RocksDB and across a switch between them.
 *
 * <p>By default: the scripted inputs at every cut point on heap, at {@value #SAMPLED_CUTS} sampled
 * cut points on RocksDB and from heap to RocksDB; {@code heapSeeds()} generated scripts of {@value
 * DimensionJoinModelTest#LENGTH} steps on heap at {@value #SAMPLED_CUTS} sampled cut points, and
 * {@code rocksDbSeeds()} on RocksDB (restored on RocksDB and on heap). Under {@code -Psoak}: 1000
 * heap scripts and 100 RocksDB scripts, every cut point of each.
 */
class DimensionJoinCutPointTest {

  static final int SAMPLED_CUTS = 4;

  /** A latest join: facts wait, a row releases them, a timer times one out, a delete. */
  static final HarnessInput<Either<String, Change<String>>> LATEST =
      HarnessInput.<Either<String, Change<String>>>builder()
          .element(JoinInput.fact("k1#o1"), 10)
          .element(JoinInput.fact("k2#o2"), 11)
          .advanceProcessingTime(20)
          .element(JoinInput.fact("k1#o3"), 12)
          .element(JoinInput.dimension(Change.insert("k1#v1")), 5)
          .element(JoinInput.fact("k1#o4"), 13)
          .advanceProcessingTime(40) // k2#o2 times out
          .element(JoinInput.dimension(Change.delete("k1#")), 6)
          .element(JoinInput.fact("k1#o5"), 14)
          .element(JoinInput.fact("k3#o6"))
          .advanceProcessingTime(100)
          .build();

  /** A point-in-time join: held facts, versions out of order, a late version, a late fact. */
  static final HarnessInput<Either<String, Change<String>>> AS_OF =
      HarnessInput.<Either<String, Change<String>>>builder()
          .element(JoinInput.dimension(Change.insert("k1#v1")), 10)
          .element(JoinInput.fact("k1#o1"), 15)
          .element(JoinInput.fact("k1#o2"), 25)
          .element(JoinInput.dimension(Change.updateAfter("k1#v2")), 20)
          .element(JoinInput.fact("k2#o3"), 12)
          .watermark(22)
          .element(JoinInput.fact("k1#o4"), 18) // behind the watermark, within the lateness
          .element(JoinInput.dimension(Change.insert("k2#v1")), 11) // late: releases k2#o3
          .element(JoinInput.fact("k1#o5"), 1) // too late
          .element(JoinInput.dimension(Change.delete("k1#")), 30)
          .element(JoinInput.fact("k1#o6"), 31)
          .watermark(40)
          .element(JoinInput.fact("k3#o7"), 41)
          .watermark(80)
          .build();

  static final JoinMode LATEST_MODE = JoinMode.latest(30, 1_000, UnmatchedFacts.EMIT);
  static final JoinMode AS_OF_MODE = JoinMode.asOf(20, 5, 1_000, UnmatchedFacts.EMIT);

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void latest_everyCutPoint_sameOutput(StateBackendKind backend) {
    KeyedHarness<Object, Either<String, Change<String>>, String> harness =
        LATEST_MODE.harness().on(backend);

    scripted(CutPointCheck.of(harness, LATEST).withEndOfInput(), backend)
        .withPerKeyOrder()
        .verify();
    if (backend == StateBackendKind.HEAP || Soak.isEnabled()) {
      CutPointCheck.of(harness, LATEST)
          .withEndOfInput()
          .restoringOn(backend.other())
          .withPerKeyOrder()
          .withSampledCutPoints(SAMPLED_CUTS, 3L)
          .verify();
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_everyCutPoint_sameOutput(StateBackendKind backend) {
    KeyedHarness<Object, Either<String, Change<String>>, String> harness =
        AS_OF_MODE.harness().on(backend);

    scripted(CutPointCheck.of(harness, AS_OF).withEndOfInput(), backend).withPerKeyOrder().verify();
    if (backend == StateBackendKind.HEAP || Soak.isEnabled()) {
      CutPointCheck.of(harness, AS_OF)
          .withEndOfInput()
          .restoringOn(backend.other())
          .withPerKeyOrder()
          .withSampledCutPoints(SAMPLED_CUTS, 5L)
          .verify();
    }
  }

  /**
   * Under Flink's changelog state backend over the heap every restore replays what the join wrote:
   * a state object changed in place and not written back would be lost here, not on the plain heap.
   */
  @Test
  void underStateChangelog_everyCutPoint_sameOutput() {
    CutPointCheck.of(LATEST_MODE.harness().withStateChangelog(), LATEST)
        .withEndOfInput()
        .withPerKeyOrder()
        .verify();
    CutPointCheck.of(AS_OF_MODE.harness().withStateChangelog(), AS_OF)
        .withEndOfInput()
        .withPerKeyOrder()
        .verify();
  }

  /** Every cut point on heap (cheap), sampled on RocksDB (a restore costs about 0.2 s there). */
  private static <I, O> CutPointCheck<I, O> scripted(
      CutPointCheck<I, O> check, StateBackendKind backend) {
    return backend == StateBackendKind.HEAP || Soak.isEnabled()
        ? check
        : check.withSampledCutPoints(SAMPLED_CUTS, 7L);
  }

  static List<Long> heapSeeds() {
    return Soak.seeds(30, 1_000);
  }

  static List<Long> rocksDbSeeds() {
    return Soak.seeds(2, 100);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("heapSeeds")
  void generatedScript_onHeap_restoreAnywhere_sameOutput(long seed) {
    verify(seed, StateBackendKind.HEAP, StateBackendKind.HEAP);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("rocksDbSeeds")
  void generatedScript_onRocksDb_restoreAnywhere_sameOutput(long seed) {
    verify(seed, StateBackendKind.ROCKSDB, StateBackendKind.ROCKSDB);
    verify(seed + 1_000_000, StateBackendKind.ROCKSDB, StateBackendKind.HEAP);
  }

  private static void verify(long seed, StateBackendKind backend, StateBackendKind restoreOn) {
    JoinMode mode = DimensionJoinModelTest.mode(seed);
    CutPointCheck<Either<String, Change<String>>, String> check =
        CutPointCheck.of(mode.harness().on(backend), DimensionJoinModelTest.script(seed))
            .withEndOfInput()
            .restoringOn(restoreOn)
            .withPerKeyOrder();
    if (!Soak.isEnabled()) {
      check = check.withSampledCutPoints(SAMPLED_CUTS, seed);
    }
    check.verify();
  }
}
