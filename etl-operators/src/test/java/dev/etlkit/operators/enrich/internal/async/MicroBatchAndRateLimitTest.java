package dev.etlkit.operators.enrich.internal.async;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.operators.enrich.FakeLookup;
import dev.etlkit.operators.enrich.LookupRetry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Micro-batches ({@code lookupAll}) and the client-side rate limit on the manual clock. */
class MicroBatchAndRateLimitTest {

  @Test
  void microBatch_maxKeysCollected_sendsOneLookupAllAtOnce() {
    FakeLookup lookup = FakeLookup.manualBatch();
    EngineFixture f = batched(lookup, 3, 50);

    RecordingWaiter a = f.request("o1", "c-1");
    RecordingWaiter b = f.request("o2", "c-2");
    assertThat(lookup.callCount()).isZero();
    RecordingWaiter c = f.request("o3", "c-3");

    assertThat(lookup.callCount()).isEqualTo(1);
    assertThat(lookup.call(0).isBatch).isTrue();
    assertThat(lookup.call(0).keys).containsExactly("c-1", "c-2", "c-3");
    lookup.put("c-1", "Anna").put("c-3", "Carl").call(0).replyFromTable();
    assertThat(a.answer()).isEqualTo("Anna/LOADED");
    assertThat(b.answer()).isEqualTo("null/MISS");
    assertThat(c.answer()).isEqualTo("Carl/LOADED");
    assertThat(f.count(LookupMetrics.BATCHES)).isEqualTo(1);
    assertThat(f.count(LookupMetrics.LOADS)).isEqualTo(3);
  }

  @Test
  void microBatch_maxDelayPassed_sendsThePartialBatch() {
    FakeLookup lookup = FakeLookup.manualBatch();
    EngineFixture f = batched(lookup, 100, 50);

    f.request("o1", "c-1");
    f.advanceMillis(30);
    f.request("o2", "c-2");
    f.advanceMillis(19);
    assertThat(lookup.callCount()).isZero();
    f.advanceMillis(1); // 50 ms after the first key

    assertThat(lookup.callCount()).isEqualTo(1);
    assertThat(lookup.call(0).keys).containsExactly("c-1", "c-2");
  }

  @Test
  void microBatch_withSingleFlight_aKeyIsAskedOncePerBatch() {
    FakeLookup lookup = FakeLookup.manualBatch();
    EngineFixture f = batched(lookup, 3, 50);

    RecordingWaiter a = f.request("o1", "c-1");
    RecordingWaiter b = f.request("o2", "c-1");
    f.request("o3", "c-2");
    f.advanceMillis(50);
    lookup.put("c-1", "Anna").call(0).replyFromTable();

    assertThat(lookup.call(0).keys).containsExactly("c-1", "c-2");
    assertThat(a.answer()).isEqualTo("Anna/LOADED");
    assertThat(b.answer()).isEqualTo("Anna/LOADED");
  }

  @Test
  void microBatch_withoutSingleFlight_aKeyTwiceCountsOnceTowardsMaxKeysAndLoads() {
    FakeLookup lookup = FakeLookup.manualBatch();
    EngineFixture f =
        new EngineFixture(
            lookup,
            s -> {
              s.batchKeys = 2;
              s.batchDelay = ms(50);
              s.singleFlight = false;
            });

    RecordingWaiter a = f.request("o1", "c-1");
    RecordingWaiter b = f.request("o2", "c-1"); // its own flight, the same key
    assertThat(lookup.callCount()).as("one distinct key: the batch is not full").isZero();
    f.request("o3", "c-2");

    assertThat(lookup.callCount()).isEqualTo(1);
    assertThat(lookup.call(0).keys).containsExactly("c-1", "c-2");
    lookup.put("c-1", "Anna").call(0).replyFromTable();
    assertThat(a.answer()).isEqualTo("Anna/LOADED");
    assertThat(b.answer()).isEqualTo("Anna/LOADED");
    assertThat(f.count(LookupMetrics.LOADS)).as("keys asked").isEqualTo(2);
  }

  @Test
  void microBatch_keyWhoseRecordsAllTimedOut_isLeftOutOfTheBatch() {
    FakeLookup lookup = FakeLookup.manualBatch();
    EngineFixture f = batched(lookup, 10, 50);

    RecordingWaiter gone = f.request("o1", "c-1");
    f.advanceMillis(10);
    RecordingWaiter wanted = f.request("o2", "c-2");
    f.stepTimeout(gone); // before the batch is sent
    f.advanceMillis(40);

    assertThat(lookup.callCount()).isEqualTo(1);
    assertThat(lookup.call(0).keys).containsExactly("c-2");
    assertThat(f.count(LookupMetrics.LOADS)).isEqualTo(1);
    lookup.put("c-2", "Bea").call(0).replyFromTable();
    assertThat(wanted.answer()).isEqualTo("Bea/LOADED");
    assertThat(gone.attempts).as("no call was made for it").isEqualTo(1);
  }

  @Test
  void microBatch_failedCall_failsEveryKeyOfTheBatch() {
    FakeLookup lookup = FakeLookup.manualBatch();
    EngineFixture f = batched(lookup, 2, 50);

    RecordingWaiter a = f.request("o1", "c-1");
    RecordingWaiter b = f.request("o2", "c-2");
    lookup.call(0).fail(new IOException("down"));

    assertThat(a.answer()).isEqualTo("dead-letter/IOException");
    assertThat(b.answer()).isEqualTo("dead-letter/IOException");
    assertThat(f.count(LookupMetrics.LOAD_FAILURES)).isEqualTo(2);
  }

  @Test
  void microBatch_retries_goIntoALaterBatch() {
    FakeLookup lookup = FakeLookup.manualBatch();
    EngineFixture f =
        new EngineFixture(
            lookup,
            s -> {
              s.batchKeys = 10;
              s.batchDelay = Duration.ofMillis(20);
              s.retry = LookupRetry.attempts(2).withJitter(0).withBackoff(ms(100), ms(100));
            });

    RecordingWaiter a = f.request("o1", "c-1");
    f.advanceMillis(20);
    lookup.call(0).fail(new IOException("down"));
    RecordingWaiter b = f.request("o2", "c-2");
    f.advanceMillis(100); // c-2's batch went out at 40 ms, c-1's retry joins the next one
    assertThat(lookup.callCount()).isEqualTo(2);
    f.advanceMillis(20);

    assertThat(lookup.callCount()).isEqualTo(3);
    assertThat(lookup.call(2).keys).containsExactly("c-1");
    lookup.put("c-1", "Anna").put("c-2", "Bea");
    lookup.call(1).replyFromTable();
    lookup.call(2).replyFromTable();
    assertThat(a.answer()).isEqualTo("Anna/LOADED");
    assertThat(b.answer()).isEqualTo("Bea/LOADED");
  }

  @Test
  void rateLimit_burstOfKeys_callsAreSpacedByThePermitInterval() {
    FakeLookup lookup = FakeLookup.manual();
    EngineFixture f = new EngineFixture(lookup, s -> s.rateLimit = 10.0);

    f.request("o1", "c-1");
    f.request("o2", "c-2");
    f.request("o3", "c-3");
    assertThat(lookup.callCount()).isEqualTo(1);
    f.advanceMillis(99);
    assertThat(lookup.callCount()).isEqualTo(1);
    f.advanceMillis(1);
    assertThat(lookup.callCount()).isEqualTo(2);
    f.advanceMillis(100);
    assertThat(lookup.callCount()).isEqualTo(3);

    assertThat(f.count(LookupMetrics.RATE_LIMITED)).isEqualTo(2);
  }

  @Test
  void rateLimit_afterAQuietPeriod_allowsABurstOfOneSecondsWorth() {
    FakeLookup lookup = FakeLookup.manual();
    EngineFixture f = new EngineFixture(lookup, s -> s.rateLimit = 5.0);

    f.advanceMillis(10_000);
    for (int i = 0; i < 7; i++) {
      f.request("o" + i, "c-" + i);
    }

    assertThat(lookup.callCount()).isEqualTo(5);
  }

  @Test
  void rateLimit_queuedCallWhoseRecordTimedOut_usesNoPermit() {
    FakeLookup lookup = FakeLookup.manual();
    EngineFixture f = new EngineFixture(lookup, s -> s.rateLimit = 10.0);

    f.request("o1", "c-1");
    RecordingWaiter gaveUp = f.request("o2", "c-2");
    RecordingWaiter next = f.request("o3", "c-3");
    f.stepTimeout(gaveUp);
    f.advanceMillis(100);

    assertThat(lookup.callCount()).isEqualTo(2);
    assertThat(lookup.call(1).key()).isEqualTo("c-3");
    assertThat(gaveUp.answer()).isEqualTo("dead-letter/TimeoutException");
    assertThat(next.answer()).isNull();
    assertThat(f.engine.flightsInProgress()).isEqualTo(2);
  }

  @Test
  void rateLimit_retryStillWaitingForAPermitAtTheStepTimeout_isNoAttempt() {
    FakeLookup lookup = FakeLookup.manual();
    EngineFixture f =
        new EngineFixture(
            lookup,
            s -> {
              s.rateLimit = 10.0; // a permit every 100 ms
              s.timeout = ms(150);
              s.retry = LookupRetry.attempts(2).withBackoff(ms(10), ms(10)).withJitter(0.0);
            });

    RecordingWaiter failed = f.request("o1", "c-1"); // the stored permit: called at 0 ms
    f.request("o2", "c-2"); // queued for the permit at 100 ms
    lookup.call(0).fail(new IOException("down"));
    f.advanceMillis(150); // the retry of c-1 (queued at 10 ms) waits for the permit at 200 ms
    f.stepTimeout(failed);

    // one call was made for c-1: the retry that never got a permit is not an attempt
    assertThat(lookup.callsFor("c-1")).isEqualTo(1);
    assertThat(failed.answer()).isEqualTo("dead-letter/TimeoutException");
    assertThat(failed.attempts).isEqualTo(1);
    assertThat(f.count(LookupMetrics.RETRIES)).isZero();
    assertThat(f.count(LookupMetrics.LOADS)).isEqualTo(2);
  }

  @Test
  void rateLimit_permitsDaysApart_callsOfTimedOutRecordsAreDroppedWithinTwoStepTimeouts() {
    FakeLookup lookup = FakeLookup.manual();
    EngineFixture f = new EngineFixture(lookup, s -> s.rateLimit = 1e-6); // one per 11.6 days

    f.request("o0", "c-0"); // the stored permit
    List<RecordingWaiter> gaveUp = new ArrayList<>();
    gaveUp.add(f.request("h0", "hot")); // first in the queue
    for (int i = 1; i <= 100; i++) {
      gaveUp.add(f.request("o" + i, "c-" + i));
    }
    f.advanceMillis(5_000); // the step timeout of EngineFixture.PLAIN
    gaveUp.forEach(f::stepTimeout);
    RecordingWaiter waiting = f.request("h1", "hot"); // keeps the head of the queue alive
    f.advanceMillis(5_000);

    assertThat(gaveUp).allMatch(w -> "dead-letter/TimeoutException".equals(w.answer()));
    assertThat(waiting.answer()).isNull();
    // c-0's call timed out too; the queued calls nobody waits for are gone, not kept for days
    assertThat(f.engine.flightsInProgress()).as("hot's flight only").isEqualTo(1);
    assertThat(lookup.callCount()).isEqualTo(1);
  }

  @Test
  void rateLimit_appliesToBatches() {
    FakeLookup lookup = FakeLookup.manualBatch();
    EngineFixture f =
        new EngineFixture(
            lookup,
            s -> {
              s.batchKeys = 2;
              s.batchDelay = Duration.ofMillis(10);
              s.rateLimit = 1.0;
            });

    for (int i = 0; i < 6; i++) {
      f.request("o" + i, "c-" + i);
    }
    assertThat(lookup.callCount()).isEqualTo(1);
    f.advanceMillis(1_000);
    assertThat(lookup.callCount()).isEqualTo(2);
    f.advanceMillis(1_000);
    assertThat(lookup.callCount()).isEqualTo(3);
  }

  private static EngineFixture batched(FakeLookup lookup, int keys, long delayMillis) {
    return new EngineFixture(
        lookup,
        s -> {
          s.batchKeys = keys;
          s.batchDelay = Duration.ofMillis(delayMillis);
        });
  }

  private static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }
}
