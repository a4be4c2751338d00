package dev.etlkit.operators.enrich;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.datastream.AsyncDataStream.OutputMode;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The lookup step rescaled through a checkpoint taken while lookups are in flight. The records in
 * flight are the async operator's operator list state, which Flink splits round-robin over the new
 * subtasks: each new subtask must look up again only its share, so that every input record comes
 * out exactly once (before the checkpoint, or after the restore), none lost and none twice, in both
 * output modes.
 */
class AsyncStepRescaleTest {

  private static final int MAX_PARALLELISM = 128;
  private static final int OLD_PARALLELISM = 2;

  /** Records are {@code orderId:customerId}; outputs {@code record=value/STATUS}. */
  private static Enrich.LookupStep<String, String, String, String> step(
      FakeLookup lookup, OutputMode mode) {
    Enrich.LookupStep<String, String, String, String> step =
        Enrich.lookup(
                "customer",
                (String order) -> order.substring(order.indexOf(':') + 1),
                lookup,
                (String order, String customer, LookupStatus status) ->
                    order + "=" + customer + "/" + status,
                Types.STRING)
            .withRetry(LookupRetry.none())
            .withCache(LookupCache.maxEntries(100));
    return mode == OutputMode.ORDERED ? step : step.withUnorderedOutput();
  }

  private static AsyncStepHarness<String, String> subtask(
      FakeLookup lookup, OutputMode mode, int parallelism, int index) throws Exception {
    return new AsyncStepHarness<>(
        step(lookup, mode), StringSerializer.INSTANCE, MAX_PARALLELISM, parallelism, index);
  }

  @ParameterizedTest
  @EnumSource(OutputMode.class)
  void rescale_outOfTwoIntoThree_withLookupsInFlight_eachRecordComesOutOnce(OutputMode mode)
      throws Exception {
    rescaleAndCheckEachRecordComesOutOnce(mode, 3);
  }

  @ParameterizedTest
  @EnumSource(OutputMode.class)
  void rescale_fromTwoIntoOne_withLookupsInFlight_eachRecordComesOutOnce(OutputMode mode)
      throws Exception {
    rescaleAndCheckEachRecordComesOutOnce(mode, 1);
  }

  private static void rescaleAndCheckEachRecordComesOutOnce(OutputMode mode, int newParallelism)
      throws Exception {
    // Two subtasks run and are checkpointed with lookups in flight.
    List<String> inputs = new ArrayList<>();
    List<String> emittedBefore = new ArrayList<>();
    OperatorSubtaskState[] snapshots = new OperatorSubtaskState[OLD_PARALLELISM];
    for (int i = 0; i < OLD_PARALLELISM; i++) {
      FakeLookup lookup = FakeLookup.manual();
      AsyncStepHarness<String, String> old = subtask(lookup, mode, OLD_PARALLELISM, i).open();
      String p = i == 0 ? "a" : "b";
      send(old, inputs, p + "1:k-" + p); // loads the hot key
      answer(lookup, "k-" + p, "before");
      old.drain(); // out, and the key is cached
      send(old, inputs, p + "2:k-" + p); // a hit with an empty queue: out at once
      send(old, inputs, p + "3:k-" + p + "3"); // in flight
      if (i == 1) {
        old.harness.processWatermark(new Watermark(10)); // in flight too
      }
      send(old, inputs, p + "4:k-" + p); // a hit, behind a record in flight (ordered, watermark)
      send(old, inputs, p + "5:k-" + p + "5"); // in flight
      send(old, inputs, p + "6:k-" + p + "6");
      answer(lookup, "k-" + p + "6", "before"); // answered; still behind p3 when ordered
      old.drain();

      snapshots[i] = old.snapshot(1L);
      emittedBefore.addAll(old.outputs());
      assertThat(old.deadLetters()).isEmpty();
      // The job fails here; replies to the old attempt's calls go nowhere.
      for (FakeLookup.Call call : lookup.openCalls()) {
        call.reply("stale");
      }
    }
    List<String> inFlight = new ArrayList<>(inputs);
    for (String output : emittedBefore) {
      inFlight.remove(inputOf(output));
    }
    assertThat(inFlight).contains("a3:k-a3", "a5:k-a5", "b3:k-b3", "b5:k-b5");

    // Restored at the new parallelism, each new subtask from its share of the merged state.
    OperatorSubtaskState merged = AbstractStreamOperatorTestHarness.repackageState(snapshots);
    List<FakeLookup> lookups = new ArrayList<>();
    List<AsyncStepHarness<String, String>> restored = new ArrayList<>();
    for (int i = 0; i < newParallelism; i++) {
      FakeLookup lookup = FakeLookup.manual();
      AsyncStepHarness<String, String> h =
          subtask(lookup, mode, newParallelism, i)
              .restore(
                  AbstractStreamOperatorTestHarness.repartitionOperatorState(
                      merged, MAX_PARALLELISM, OLD_PARALLELISM, newParallelism, i));
      h.drain();
      lookups.add(lookup);
      restored.add(h);
    }
    for (int i = 0; i < newParallelism; i++) {
      List<FakeLookup.Call> calls = lookups.get(i).openCalls();
      for (int c = calls.size() - 1; c >= 0; c--) {
        calls.get(c).reply("after");
      }
      restored.get(i).drain();
    }

    // Exactly the records in flight were looked up again, each by one new subtask, and each new
    // subtask put out the records it looked up.
    List<String> reissuedKeys = new ArrayList<>();
    List<String> emittedAfter = new ArrayList<>();
    for (int i = 0; i < newParallelism; i++) {
      FakeLookup lookup = lookups.get(i);
      AsyncStepHarness<String, String> h = restored.get(i);
      List<String> keys = lookup.calls().stream().map(FakeLookup.Call::key).toList();
      assertThat(keys).as("subtask %d of %d re-issued", i, newParallelism).isNotEmpty();
      assertThat(h.outputs())
          .as("subtask %d of %d put out", i, newParallelism)
          .allSatisfy(o -> assertThat(o).endsWith("=after/LOADED"))
          .extracting(o -> keyOf(inputOf(o)))
          .containsExactlyInAnyOrderElementsOf(keys);
      assertThat(h.deadLetters()).isEmpty();
      reissuedKeys.addAll(keys);
      emittedAfter.addAll(h.outputs());
    }
    assertThat(reissuedKeys)
        .containsExactlyInAnyOrderElementsOf(
            inFlight.stream().map(AsyncStepRescaleTest::keyOf).toList());

    List<String> emitted = new ArrayList<>(emittedBefore);
    emitted.addAll(emittedAfter);
    assertThat(emitted)
        .extracting(AsyncStepRescaleTest::inputOf)
        .containsExactlyInAnyOrderElementsOf(inputs);

    // Nothing is in flight any more: a further restore looks nothing up and puts nothing out.
    OperatorSubtaskState[] later = new OperatorSubtaskState[newParallelism];
    for (int i = 0; i < newParallelism; i++) {
      later[i] = restored.get(i).snapshot(2L);
    }
    FakeLookup lookup = FakeLookup.manual();
    AsyncStepHarness<String, String> third =
        subtask(lookup, mode, 1, 0)
            .restore(
                AbstractStreamOperatorTestHarness.repartitionOperatorState(
                    AbstractStreamOperatorTestHarness.repackageState(later),
                    MAX_PARALLELISM,
                    newParallelism,
                    1,
                    0));
    third.drain();
    assertThat(lookup.callCount()).isZero();
    assertThat(third.results()).isEmpty();
  }

  /**
   * Scaled in, the records in flight of two old subtasks become one list, one subtask's after the
   * other's: the first one's last watermark (18) then stands before the second one's records, which
   * it never covered. Put out as restored, a record of the second subtask whose time (5) its own
   * subtask's watermarks had not passed came out after that watermark: late downstream (a window
   * drops it), so the rescale lost it.
   */
  @ParameterizedTest
  @EnumSource(OutputMode.class)
  void rescale_fromTwoIntoOne_aWatermarkOfOneOldSubtask_makesNoRecordOfTheOtherLate(OutputMode mode)
      throws Exception {
    OperatorSubtaskState[] snapshots = new OperatorSubtaskState[OLD_PARALLELISM];
    for (int i = 0; i < OLD_PARALLELISM; i++) {
      FakeLookup lookup = FakeLookup.manual();
      AsyncStepHarness<String, String> old = subtask(lookup, mode, OLD_PARALLELISM, i).open();
      String p = i == 0 ? "a" : "b";
      old.harness.processElement(p + "1:k-" + p + "1", 5L); // in flight
      old.harness.processWatermark(new Watermark(3)); // held behind it
      old.harness.processElement(p + "2:k-" + p + "2", 20L);
      old.harness.processWatermark(new Watermark(18));
      old.drain();
      assertThat(old.results()).isEmpty();
      snapshots[i] = old.snapshot(1L);
      old.release();
    }

    FakeLookup lookup = FakeLookup.manual().answeringFromTable();
    AsyncStepHarness<String, String> merged =
        subtask(lookup, mode, 1, 0)
            .restore(
                AbstractStreamOperatorTestHarness.repartitionOperatorState(
                    AbstractStreamOperatorTestHarness.repackageState(snapshots),
                    MAX_PARALLELISM,
                    OLD_PARALLELISM,
                    1,
                    0));
    merged.drain();

    assertThat(merged.results()).hasSize(4);
    long watermark = Long.MIN_VALUE;
    for (Object element : merged.harness.getOutput()) {
      if (element instanceof Watermark) {
        watermark = Math.max(watermark, ((Watermark) element).getTimestamp());
      } else {
        StreamRecord<?> record = (StreamRecord<?>) element;
        assertThat(record.getTimestamp())
            .as("%s came out after a watermark of %d", record.getValue(), watermark)
            .isGreaterThan(watermark);
      }
    }
    merged.release();
  }

  private static void send(AsyncStepHarness<String, String> h, List<String> inputs, String record)
      throws Exception {
    inputs.add(record);
    h.process(record);
  }

  /** Answers the open call for {@code key}. */
  private static void answer(FakeLookup lookup, String key, String value) {
    List<FakeLookup.Call> calls =
        lookup.openCalls().stream().filter(c -> c.key().equals(key)).toList();
    assertThat(calls).as("open calls for %s", key).hasSize(1);
    calls.get(0).reply(value);
  }

  /** The input record an output was made of. */
  private static String inputOf(String output) {
    return output.substring(0, output.indexOf('='));
  }

  private static String keyOf(String record) {
    return record.substring(record.indexOf(':') + 1);
  }
}
