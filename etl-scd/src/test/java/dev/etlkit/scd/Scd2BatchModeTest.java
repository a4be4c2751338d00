package dev.etlkit.scd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.scd.internal.Scd2Operator;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import dev.etlkit.testkit.internal.RecordingHarness;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * In {@code BATCH} mode the step ignores its state TTL and its delete retention, as Flink ignores
 * its own state TTL there: no cleanup timer is set, no key is found expired at its next change, and
 * a key is kept until its records end. The output is then the one without TTL and retention,
 * however long the run spends on a key ("In batch mode" in docs/scd2.md).
 *
 * <p>The operator runs in Flink's harness with a {@code JobType.BATCH} environment and a manual
 * processing time, which passes far beyond the TTL and the retention between two changes of a key:
 * in streaming mode that forgets keys (checked), in batch mode it must change nothing.
 */
class Scd2BatchModeTest {

  private static final TypeInformation<Change<Account>> CHANGES = Change.typeInfo(Account.TYPE);

  /** The smallest TTL and retention the step takes. */
  private static final Duration MILLI = Duration.ofMillis(1);

  /** Processing time between two changes: past the TTL and past the retention's whole second. */
  private static final long STEP_MILLIS = 1_500;

  private static final List<Change<Account>> DELIVERED =
      Scd2Generator.messy().withKeys(3).withLength(120).generate(11L);

  private static final List<Scd2Variant> VARIANTS =
      List.of(
          variant(Scd2Output.RETRACT, HardDeletes.INVALIDATE),
          variant(Scd2Output.UPSERT, HardDeletes.NEW_RECORD),
          variant(Scd2Output.APPEND, HardDeletes.NEW_RECORD));

  private static Scd2Variant variant(Scd2Output output, HardDeletes deletes) {
    return new Scd2Variant(output, deletes, ChangeDetection.all(), List.of(), true, 25, null);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void ttlAndDeleteRetention_inBatchMode_giveTheHistoryWithoutThem(
      StateBackendKind backend, @TempDir Path directory) throws Exception {
    for (Scd2Variant variant : VARIANTS) {
      Scd2Step<Change<Account>, Account> bounded = variant.step().withDeleteRetention(MILLI);
      List<String> withoutCleanup = streaming(variant.step(), null, backend);
      assertThat(streaming(bounded, MILLI, backend))
          .as("%s in streaming mode: the TTL and the retention forget keys", variant.output())
          .isNotEqualTo(withoutCleanup);

      var function =
          bounded.createFunction(
              CHANGES, MILLI, new ErrorHandler(Scd2Harnesses.STEP, ErrorPolicy.deadLetter()));
      try (MockEnvironment environment = RecordingHarness.batchJobEnvironment("scd2-batch");
          var batch =
              new KeyedOneInputStreamOperatorTestHarness<>(
                  new Scd2Operator<>(function), bounded.keySelector(), Types.STRING, environment)) {
        batch.setStateBackend(backend.createBackend(directory.resolve(variant.output().name())));
        batch.setup(
            Change.typeInfo(Scd2Row.typeInfo(Account.TYPE))
                .createSerializer(batch.getExecutionConfig().getSerializerConfig()));
        batch.open();
        long now = 0;
        int timers = 0;
        for (Change<Account> change : DELIVERED) {
          now += STEP_MILLIS;
          batch.setProcessingTime(now);
          batch.processElement(change, change.eventTime());
          timers = Math.max(timers, batch.numProcessingTimeTimers());
        }

        assertThat(Scd2Harnesses.show(batch.extractOutputValues()))
            .as("%s in batch mode", variant.output())
            .isEqualTo(withoutCleanup);
        assertThat(timers).as("cleanup timers pending at once, at most").isZero();
        assertThat(function.deleteMarkersRemoved()).isZero();
      }
    }
  }

  /** The output of {@code step} with this resolved TTL over the input, in streaming mode. */
  private static List<String> streaming(
      Scd2Step<Change<Account>, Account> step, @Nullable Duration ttl, StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<Change<Account>, Change<Scd2Row<Account>>> h =
        Scd2Harnesses.of(step, CHANGES, ttl).open(backend)) {
      long now = 0;
      for (Change<Account> change : DELIVERED) {
        now += STEP_MILLIS;
        h.setProcessingTime(now);
        h.processElement(change, change.eventTime());
      }
      return Scd2Harnesses.show(h.output());
    }
  }
}
