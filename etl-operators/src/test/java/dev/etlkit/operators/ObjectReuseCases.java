package dev.etlkit.operators;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.StateBackendKind;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/** The cases and inputs the steps' object reuse tests share. */
public final class ObjectReuseCases {

  private ObjectReuseCases() {}

  /**
   * Arguments {@code (configuration, backend, seed)}: {@code heapSeeds} seeds on the heap, which
   * keeps the objects a step writes, and one on RocksDB, which serializes them (a sanity case).
   */
  public static Stream<Arguments> cases(List<?> configurations, int heapSeeds) {
    List<Arguments> cases = new ArrayList<>();
    for (Object configuration : configurations) {
      for (long seed = 0; seed < heapSeeds; seed++) {
        cases.add(Arguments.of(configuration, StateBackendKind.HEAP, seed));
      }
      cases.add(Arguments.of(configuration, StateBackendKind.ROCKSDB, 100L));
    }
    return cases.stream();
  }

  /**
   * A generated changelog of three keys: updates, deletes at {@code deleteRate} (a third of them
   * tombstones), redeliveries, disorder and late records.
   */
  public static HarnessInput<Change<MutableRow>> messyChangelog(long seed, double deleteRate) {
    return MutableRow.generator()
        .withKeys(3)
        .withLength(60)
        .withDeleteRate(deleteRate)
        .withTombstoneRate(0.3)
        .withDuplicateRate(0.3)
        .withMaxOutOfOrderness(20)
        .withLateRate(0.1)
        .generate(seed)
        .input();
  }
}
