package dev.etlkit.operators.enrich;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.Test;

/**
 * The record timestamps of the lookup step's results on the paths that answer a record later than
 * its arrival, from a timer: Flink's step timeout and the micro-batch's delay. Each result keeps
 * its record's own timestamp (Flink's {@code AsyncWaitOperator} replaces the value of the input
 * record), and a record without one stays without one.
 */
class EnrichOutputTimestampsTest {

  private static Enrich.LookupStep<String, String, String, String> step(FakeLookup lookup) {
    return Enrich.lookup(
            "customer",
            (String order) -> order.substring(order.indexOf(':') + 1),
            lookup,
            (String order, String customer, LookupStatus status) ->
                order + "=" + customer + "/" + status,
            Types.STRING)
        .withRetry(LookupRetry.none());
  }

  /** Each result (value or dead-letter draft) as {@code value @timestamp}, or without one. */
  private static List<String> stamped(AsyncStepHarness<?, ?> h) {
    List<String> lines = new ArrayList<>();
    for (Object o : h.harness.getOutput()) {
      if (o instanceof StreamRecord<?> r) {
        lines.add(r.getValue() + (r.hasTimestamp() ? " @" + r.getTimestamp() : ""));
      }
    }
    return lines;
  }

  @Test
  void stepTimeout_fallbackAndDeadLetter_keepTheirRecordsTimestamps() throws Exception {
    FakeLookup lookup = FakeLookup.manual();
    AsyncStepHarness<String, String> h =
        new AsyncStepHarness<>(
                step(lookup)
                    .withTimeout(Duration.ofMillis(200))
                    .withFallback(LookupFallback.passThrough()),
                StringSerializer.INSTANCE)
            .open();
    try {
      h.harness.processElement("o1:c-1", 42L);
      h.harness.processElement(new StreamRecord<>("o2:c-2")); // no timestamp
      h.drain();
      h.advance(Duration.ofMillis(200)); // both time out on Flink's timers

      assertThat(stamped(h))
          .containsExactly("Left(o1:c-1=null/TIMED_OUT) @42", "Left(o2:c-2=null/TIMED_OUT)");
    } finally {
      h.release();
    }
  }

  @Test
  void microBatch_flushedByItsDelay_resultsKeepTheirRecordsTimestamps() throws Exception {
    FakeLookup lookup =
        FakeLookup.manualBatch().answeringFromTable().put("c-1", "Anna").put("c-2", "Bea");
    AsyncStepHarness<String, String> h =
        new AsyncStepHarness<>(
                step(lookup).withMicroBatch(10, Duration.ofMillis(10)), StringSerializer.INSTANCE)
            .open();
    try {
      h.harness.processElement("o1:c-1", 41L);
      h.harness.processElement(new StreamRecord<>("o2:c-2"));
      h.drain();
      h.advance(Duration.ofMillis(10)); // the batch's delay: lookupAll(c-1, c-2)
      assertThat(lookup.calls()).singleElement().satisfies(c -> assertThat(c.isBatch).isTrue());
      lookup.call(0).replyFromTable();
      h.drain();

      assertThat(stamped(h))
          .containsExactly("Left(o1:c-1=Anna/LOADED) @41", "Left(o2:c-2=Bea/LOADED)");
    } finally {
      h.release();
    }
  }
}
