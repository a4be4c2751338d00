package dev.etlkit.operators.enrich.join;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.HarnessInput;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;
import org.apache.flink.types.Either;
import org.apache.flink.types.RowKind;

/**
 * Scripts for a dimension join: facts, dimension changes, watermarks and processing time,
 * interleaved. Few keys, versions and timestamps, so that equal times, versions arriving after the
 * facts that need them, facts behind the watermark, deletes and full buffers are common. Times may
 * be negative (RocksDB sorts negative longs after positive ones).
 */
final class JoinScripts {

  enum Kind {
    FACT,
    DIMENSION,
    WATERMARK,
    PROCESSING_TIME
  }

  /**
   * One step: a fact of key {@code k<key>}, a change of row {@code k<key>#v<version>} (version 0: a
   * key-only row {@code k<key>#}), a watermark at {@code time}, or {@code time} milliseconds of
   * processing time. {@code noTimestamp} drops the record's timestamp.
   */
  record Op(Kind kind, int key, int version, long time, RowKind rowKind, boolean noTimestamp) {}

  private JoinScripts() {}

  /** Arbitrary short scripts, for jqwik (shrinkable). */
  static Arbitrary<List<Op>> arbitrary(int maxSize) {
    Arbitrary<Long> times = Arbitraries.longs().between(-10, 40);
    Arbitrary<Boolean> noTimestamp = Arbitraries.frequency(Tuple.of(19, false), Tuple.of(1, true));
    Arbitrary<Op> fact =
        Combinators.combine(Arbitraries.integers().between(0, 2), times, noTimestamp)
            .as((key, time, noTs) -> new Op(Kind.FACT, key, 0, time, RowKind.INSERT, noTs));
    Arbitrary<Op> change =
        Combinators.combine(
                Arbitraries.integers().between(0, 2),
                Arbitraries.integers().between(0, 3),
                times,
                Arbitraries.frequencyOf(
                    Tuple.of(3, Arbitraries.just(RowKind.INSERT)),
                    Tuple.of(3, Arbitraries.just(RowKind.UPDATE_AFTER)),
                    Tuple.of(1, Arbitraries.just(RowKind.UPDATE_BEFORE)),
                    Tuple.of(2, Arbitraries.just(RowKind.DELETE))),
                noTimestamp)
            .as(
                (key, version, time, kind, noTs) ->
                    new Op(Kind.DIMENSION, key, version, time, kind, noTs));
    Arbitrary<Op> watermark =
        times.map(time -> new Op(Kind.WATERMARK, 0, 0, time, RowKind.INSERT, false));
    Arbitrary<Op> processing =
        Arbitraries.longs()
            .between(1, 60)
            .map(ms -> new Op(Kind.PROCESSING_TIME, 0, 0, ms, RowKind.INSERT, false));
    return Arbitraries.frequencyOf(
            Tuple.of(5, fact), Tuple.of(4, change), Tuple.of(2, watermark), Tuple.of(1, processing))
        .list()
        .ofMaxSize(maxSize);
  }

  /**
   * A seeded random script of {@code length} steps over {@code keys} keys: event time moves forward
   * with some disorder, watermarks trail it, a few records are late or lack a timestamp.
   */
  static List<Op> random(long seed, int length, int keys) {
    SplittableRandom random = new SplittableRandom(seed);
    List<Op> ops = new ArrayList<>(length);
    long clock = random.nextInt(3) == 0 ? -60 : 0; // sometimes negative times
    for (int i = 0; i < length; i++) {
      clock += random.nextInt(4);
      int roll = random.nextInt(100);
      int key = random.nextInt(keys);
      long time = clock - random.nextInt(12) + (random.nextInt(10) == 0 ? -30 : 0);
      boolean noTimestamp = random.nextInt(40) == 0;
      if (roll < 45) {
        ops.add(new Op(Kind.FACT, key, 0, time, RowKind.INSERT, noTimestamp));
      } else if (roll < 80) {
        int k = random.nextInt(10);
        RowKind kind =
            k < 3
                ? RowKind.INSERT
                : k < 6 ? RowKind.UPDATE_AFTER : k < 8 ? RowKind.DELETE : RowKind.UPDATE_BEFORE;
        ops.add(new Op(Kind.DIMENSION, key, random.nextInt(5), time, kind, noTimestamp));
      } else if (roll < 92) {
        ops.add(new Op(Kind.WATERMARK, 0, 0, clock - 8, RowKind.INSERT, false));
      } else {
        ops.add(new Op(Kind.PROCESSING_TIME, 0, 0, 1 + random.nextInt(40), RowKind.INSERT, false));
      }
    }
    return ops;
  }

  /** The harness script of the ops: facts numbered in order, watermarks only ever advancing. */
  static HarnessInput<Either<String, Change<String>>> script(List<Op> ops) {
    HarnessInput.Builder<Either<String, Change<String>>> script = HarnessInput.builder();
    long watermark = Long.MIN_VALUE;
    int facts = 0;
    for (Op op : ops) {
      switch (op.kind()) {
        case FACT -> element(script, JoinInput.fact("k" + op.key() + "#o" + ++facts), op);
        case DIMENSION -> {
          String row = "k" + op.key() + (op.version() == 0 ? "#" : "#v" + op.version());
          element(script, JoinInput.dimension(Change.of(op.rowKind(), row)), op);
        }
        case WATERMARK -> {
          if (op.time() > watermark) {
            watermark = op.time();
            script.watermark(op.time());
          }
        }
        case PROCESSING_TIME -> script.advanceProcessingTime(op.time());
      }
    }
    return script.build();
  }

  private static void element(
      HarnessInput.Builder<Either<String, Change<String>>> script,
      Either<String, Change<String>> input,
      Op op) {
    if (op.noTimestamp()) {
      script.element(input);
    } else {
      script.element(input, op.time());
    }
  }
}
