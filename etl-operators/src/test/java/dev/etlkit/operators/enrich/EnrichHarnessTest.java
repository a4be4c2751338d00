package dev.etlkit.operators.enrich;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.operators.enrich.internal.async.LookupMetrics;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.StateBackendLoader;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lookup step inside Flink's async operator: output order, the step timeout as Flink fires it,
 * failures that never fail the task, and checkpoints taken while lookups are in flight.
 */
class EnrichHarnessTest {
  /** Records in flight at once in the bulk timeout tests. */
  private static final int BULK = 2_000;

  /** Records are {@code orderId:customerId}; outputs {@code record=value/STATUS}. */
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

  private static AsyncStepHarness<String, String> open(
      Enrich.LookupStep<String, String, String, String> step) throws Exception {
    return new AsyncStepHarness<>(step, StringSerializer.INSTANCE).open();
  }

  @Test
  void orderedOutput_aSlowKey_holdsBackTheRecordsBehindIt() throws Exception {
    FakeLookup lookup = FakeLookup.manual();
    AsyncStepHarness<String, String> h = open(step(lookup));

    h.process("o1:c-1");
    h.process("o2:c-2");
    lookup.call(1).reply("Bea");
    h.drain();
    assertThat(h.outputs()).isEmpty();
    lookup.call(0).reply("Anna");
    h.drain();

    assertThat(h.outputs()).containsExactly("o1:c-1=Anna/LOADED", "o2:c-2=Bea/LOADED");
  }

  @Test
  void unorderedOutput_recordsLeaveAsTheyAreAnswered_butNotPastAWatermark() throws Exception {
    FakeLookup lookup = FakeLookup.manual();
    AsyncStepHarness<String, String> h = open(step(lookup).withUnorderedOutput());

    h.process("o1:c-1");
    h.process("o2:c-2");
    h.harness.processWatermark(new Watermark(10));
    h.process("o3:c-3");
    lookup.call(1).reply("Bea");
    lookup.call(2).reply("Carl");
    h.drain();
    assertThat(h.outputs()).containsExactly("o2:c-2=Bea/LOADED");
    lookup.call(0).reply("Anna");
    h.drain();

    assertThat(h.outputs())
        .containsExactly("o2:c-2=Bea/LOADED", "o1:c-1=Anna/LOADED", "o3:c-3=Carl/LOADED");
  }

  @Test
  void stepTimeout_firedByFlink_givesTheFallback_andTheTaskKeepsRunning() throws Exception {
    FakeLookup lookup = FakeLookup.manual();
    AsyncStepHarness<String, String> h =
        open(
            step(lookup)
                .withTimeout(Duration.ofMillis(200))
                .withFallback(LookupFallback.passThrough()));

    h.process("o1:c-1");
    h.advance(Duration.ofMillis(200));
    lookup.call(0).reply("Anna"); // too late
    h.drain();

    assertThat(h.outputs()).containsExactly("o1:c-1=null/TIMED_OUT");
    assertThat(h.harness.wasFailedExternally()).isFalse();
    assertThat(h.metric(LookupMetrics.TIMEOUTS)).isEqualTo(1);
  }

  /**
   * Flink counts the step timeout in whole milliseconds (1.5 ms waits 1 ms), and so must the
   * engine: a load that fails for good after that, before Flink's timer fired, times its record
   * out. The engine counted the fraction too, so the record got the failure's fallback instead.
   */
  @Test
  void stepTimeoutWithAFractionOfAMillisecond_loadFailingAfterTheWholeMilliseconds_timesOut()
      throws Exception {
    FakeLookup lookup = FakeLookup.manual();
    AsyncStepHarness<String, String> h =
        open(
            step(lookup)
                .withTimeout(Duration.ofNanos(1_500_000))
                .withFallback(LookupFallback.passThrough()));

    h.process("o1:c-1");
    h.timers.advance(Duration.ofNanos(1_200_000)); // Flink's 1 ms passed; its timer has not fired
    lookup.call(0).fail(new IOException("connection reset"));
    h.drain();

    assertThat(h.outputs()).containsExactly("o1:c-1=null/TIMED_OUT");
    assertThat(h.metric(LookupMetrics.TIMEOUTS)).isEqualTo(1);
  }

  @Test
  void stepTimeout_ofARecordBehindOneAnsweredButNotYetOutput_answersTheRightRecord()
      throws Exception {
    FakeLookup lookup = FakeLookup.manual();
    AsyncStepHarness<String, String> h =
        open(
            step(lookup)
                .withTimeout(Duration.ofMillis(200))
                .withFallback(LookupFallback.passThrough())
                .withUnorderedOutput());

    h.process("o1:c-1"); // at 0 ms
    h.advance(Duration.ofMillis(100));
    h.process("o2:c-2"); // at 100 ms
    h.advance(Duration.ofMillis(50));
    h.process("o3:c-3"); // at 150 ms
    lookup.call(0).reply("Anna"); // o1 is answered; its output is made when its mail runs
    // o2's step timeout passes while o1, ahead of it, still waits for its output
    h.harness.setProcessingTime(300);
    h.drain();
    lookup.call(1).reply("Bea"); // too late for o2
    lookup.call(2).reply("Cid");
    h.drain();

    assertThat(h.outputs())
        .containsExactlyInAnyOrder(
            "o1:c-1=Anna/LOADED", "o2:c-2=null/TIMED_OUT", "o3:c-3=Cid/LOADED");
    assertThat(h.metric(LookupMetrics.TIMEOUTS)).isEqualTo(1);
  }

  @Test
  void stepTimeouts_ofAFullQueueAtOnce_eachFindsItsRecordAtOnce() throws Exception {
    // A stalled lookup: every record in flight times out in one mailbox turn, so no timed-out
    // record's output is made before the last timeout runs. Finding each record must not walk past
    // the ones that timed out before it (that made a burst quadratic in the capacity).
    FakeLookup lookup = FakeLookup.manual();
    AsyncStepHarness<String, String> h = open(timingOutInBulk(lookup));
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < BULK; i++) {
      h.process("o" + i + ":c-" + i); // at 0 ms
      expected.add("o" + i + ":c-" + i + "=null/TIMED_OUT");
    }

    h.harness.setProcessingTime(200);
    h.drain();

    assertThat(h.outputs()).containsExactlyElementsOf(expected);
    assertThat(h.metric(LookupMetrics.TIMEOUTS)).isEqualTo(BULK);
    assertThat(h.function.timeoutSearchSteps()).isEqualTo(BULK);
  }

  @Test
  void stepTimeouts_unorderedOutput_amongRecordsAnsweredMeanwhile_eachFindsItsRecordAtOnce()
      throws Exception {
    FakeLookup lookup = FakeLookup.manual();
    AsyncStepHarness<String, String> h = open(timingOutInBulk(lookup).withUnorderedOutput());
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < BULK; i++) {
      h.process("o" + i + ":c-" + i); // at 0 ms
      expected.add("o" + i + ":c-" + i + (i % 2 == 0 ? "=null/TIMED_OUT" : "=n" + i + "/LOADED"));
    }
    // Every other load answers just before the step timeouts fire: those records are answered,
    // their outputs not made yet, when the timeouts of the records between them run.
    for (int i = 1; i < BULK; i += 2) {
      lookup.call(i).reply("n" + i);
    }

    h.harness.setProcessingTime(200);
    h.drain();

    assertThat(h.outputs()).containsExactlyInAnyOrderElementsOf(expected);
    assertThat(h.metric(LookupMetrics.TIMEOUTS)).isEqualTo(BULK / 2);
    assertThat(h.function.timeoutSearchSteps()).isEqualTo(BULK / 2);
  }

  /** A step whose {@link #BULK} records in flight can all time out together, after 200 ms. */
  private static Enrich.LookupStep<String, String, String, String> timingOutInBulk(
      FakeLookup lookup) {
    return step(lookup)
        .withTimeout(ms(200))
        .withFallback(LookupFallback.passThrough())
        .withCapacity(BULK);
  }

  @Test
  void stepTimeout_withDeadLetterFallback_emitsOneDeadLetterDraft() throws Exception {
    FakeLookup lookup = FakeLookup.manual();
    AsyncStepHarness<String, String> h = open(step(lookup).withTimeout(Duration.ofMillis(200)));

    h.process("o1:c-1");
    h.advance(Duration.ofMillis(200));

    List<DeadLetter> letters = h.deadLetters();
    assertThat(letters).hasSize(1);
    assertThat(letters.get(0).errorClass()).isEqualTo("java.util.concurrent.TimeoutException");
    assertThat(letters.get(0).errorMessage()).doesNotContain("c-1");
    assertThat(letters.get(0).payloadAsText()).isEqualTo("o1:c-1");
    assertThat(h.outputs()).isEmpty();
    assertThat(h.harness.wasFailedExternally()).isFalse();
  }

  @Test
  void lookupFailure_neverFailsTheTask() throws Exception {
    FakeLookup lookup = FakeLookup.manual();
    AsyncStepHarness<String, String> h = open(step(lookup));

    h.process("o1:c-1");
    lookup.call(0).fail(new IOException("connection refused"));
    h.drain();

    assertThat(h.deadLetters())
        .extracting(DeadLetter::errorClass)
        .containsExactly("java.io.IOException");
    assertThat(h.harness.wasFailedExternally()).isFalse();
  }

  @Test
  void lookupFailure_ofAChange_deadLetterCarriesItsSourcePosition() throws Exception {
    FakeLookup lookup = FakeLookup.manual();
    AsyncStepHarness<Change<String>, String> h =
        new AsyncStepHarness<>(
                Enrich.lookup(
                        "customer",
                        (Change<String> order) -> order.value().split(":")[1],
                        lookup,
                        (Change<String> order, String customer, LookupStatus status) ->
                            order.value(),
                        Types.STRING)
                    .withRetry(LookupRetry.none()),
                Change.typeInfo(Types.STRING).createSerializer(new SerializerConfigImpl()))
            .open();

    h.process(Change.insert("o1:c-1").withSourcePosition(41L));
    lookup.call(0).fail(new IOException("connection refused"));
    h.drain();

    assertThat(h.deadLetters()).extracting(DeadLetter::sourcePosition).containsExactly("41");
  }

  @Test
  void combinerThrows_recordIsDeadLettered() throws Exception {
    FakeLookup lookup = FakeLookup.manual().answeringFromTable().put("c-1", "Anna");
    AsyncStepHarness<String, String> h =
        open(
            Enrich.lookup(
                "customer",
                (String order) -> order.substring(order.indexOf(':') + 1),
                lookup,
                (String order, String customer, LookupStatus status) -> {
                  throw new IllegalStateException("no currency");
                },
                Types.STRING));

    h.process("o1:c-1");

    assertThat(h.deadLetters())
        .extracting(DeadLetter::errorClass)
        .containsExactly("java.lang.IllegalStateException");
  }

  @Test
  void keySelectorThrows_recordIsDeadLetteredWithoutALookup() throws Exception {
    FakeLookup lookup = FakeLookup.manual();
    AsyncStepHarness<String, String> h =
        open(
            Enrich.lookup(
                "customer",
                (String order) -> order.split(":")[1],
                lookup,
                (String order, String customer, LookupStatus status) -> order,
                Types.STRING));

    h.process("no-customer");

    assertThat(h.deadLetters())
        .extracting(DeadLetter::errorClass)
        .containsExactly("java.lang.ArrayIndexOutOfBoundsException");
    assertThat(lookup.callCount()).isZero();
  }

  @Test
  @Timeout(30) // before the shortcut, the harness thread waited for room that never came
  void unreadableKey_unorderedOutput_fullQueue_isDeadLetteredWithoutWaitingForRoom()
      throws Exception {
    // found by the lookup reference (seed 93): such a record needs no lookup and no queue slot
    FakeLookup lookup = FakeLookup.manual();
    AsyncStepHarness<String, String> h =
        open(
            Enrich.lookup(
                    "customer",
                    (String order) ->
                        order.startsWith("!")
                            ? order.split(":")[5]
                            : order.contains(":") ? order.substring(order.indexOf(':') + 1) : null,
                    lookup,
                    (String order, String customer, LookupStatus status) -> order,
                    Types.STRING)
                .withCapacity(1)
                .withUnorderedOutput());

    h.process("o1:c-1"); // fills the queue, never answered
    h.process("no-customer"); // the key selector returns null
    h.process("!o3"); // the key selector throws

    assertThat(h.deadLetters())
        .extracting(DeadLetter::errorClass, DeadLetter::attempt)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("java.lang.NullPointerException", 1),
            org.assertj.core.groups.Tuple.tuple("java.lang.ArrayIndexOutOfBoundsException", 1));
    assertThat(lookup.callCount()).isEqualTo(1);
  }

  @Test
  void cacheHit_isAnsweredWithoutALookupCall() throws Exception {
    FakeLookup lookup = FakeLookup.manual().answeringFromTable().put("c-1", "Anna");
    AsyncStepHarness<String, String> h = open(step(lookup).withCache(LookupCache.maxEntries(10)));

    h.process("o1:c-1");
    h.process("o2:c-1");

    assertThat(h.outputs()).containsExactly("o1:c-1=Anna/LOADED", "o2:c-1=Anna/HIT");
    assertThat(lookup.callCount()).isEqualTo(1);
    assertThat(lookup.opened()).isEqualTo(1);
    h.harness.close();
    assertThat(lookup.closed()).isEqualTo(1);
  }

  @Test
  void cacheHit_behindARecordInFlight_waitsForItsTurn() throws Exception {
    FakeLookup lookup = FakeLookup.manual().put("c-2", "Bea");
    AsyncStepHarness<String, String> h = open(step(lookup).withCache(LookupCache.maxEntries(10)));
    h.process("o0:c-2");
    lookup.call(0).replyFromTable(); // c-2 is cached now
    h.drain();

    h.process("o1:c-1"); // in flight
    h.process("o2:c-2"); // a hit, but o1 is ahead of it
    h.harness.processWatermark(new Watermark(5));
    h.process("o3:c-2");
    assertThat(h.outputs()).containsExactly("o0:c-2=Bea/LOADED");
    lookup.call(1).reply("Anna");
    h.drain();
    h.process("o4:c-2"); // queue empty again: answered at once

    assertThat(h.outputs())
        .containsExactly(
            "o0:c-2=Bea/LOADED",
            "o1:c-1=Anna/LOADED",
            "o2:c-2=Bea/HIT",
            "o3:c-2=Bea/HIT",
            "o4:c-2=Bea/HIT");
    assertThat(h.harness.getOutput()).filteredOn(Watermark.class::isInstance).hasSize(1);
  }

  @Test
  void cacheHit_unorderedOutput_overtakesRecordsInFlight_butNotAWatermark() throws Exception {
    FakeLookup lookup = FakeLookup.manual().put("c-2", "Bea");
    AsyncStepHarness<String, String> h =
        open(step(lookup).withCache(LookupCache.maxEntries(10)).withUnorderedOutput());
    h.process("o0:c-2");
    lookup.call(0).replyFromTable();
    h.drain();

    h.process("o1:c-1"); // in flight
    h.process("o2:c-2"); // a hit: may pass o1
    assertThat(h.outputs()).containsExactly("o0:c-2=Bea/LOADED", "o2:c-2=Bea/HIT");
    h.harness.processWatermark(new Watermark(5)); // held behind o1
    h.process("o3:c-2"); // a hit, but must not pass the watermark
    assertThat(h.outputs()).hasSize(2);
    lookup.call(1).reply("Anna");
    h.drain();

    assertThat(h.harness.getOutput())
        .extracting(
            e ->
                e instanceof Watermark
                    ? "wm"
                    : String.valueOf(
                        ((org.apache.flink.streaming.runtime.streamrecord.StreamRecord<?>) e)
                            .getValue()))
        .containsExactly(
            "Left(o0:c-2=Bea/LOADED)",
            "Left(o2:c-2=Bea/HIT)",
            "Left(o1:c-1=Anna/LOADED)",
            "wm",
            "Left(o3:c-2=Bea/HIT)");
  }

  @Test
  void cacheHit_withAnEmptyQueue_isEmittedWithItsTimestamp_withoutATimer() throws Exception {
    FakeLookup lookup = FakeLookup.manual().answeringFromTable().put("c-1", "Anna");
    AsyncStepHarness<String, String> h = open(step(lookup).withCache(LookupCache.maxEntries(10)));
    h.process("o1:c-1");
    int timersBefore = h.harness.getProcessingTimeService().getNumActiveTimers();

    h.harness.processElement("o2:c-1", 42L);

    assertThat(h.harness.getProcessingTimeService().getNumActiveTimers()).isEqualTo(timersBefore);
    Object last = h.harness.getOutput().toArray()[h.harness.getOutput().size() - 1];
    assertThat(
            ((org.apache.flink.streaming.runtime.streamrecord.StreamRecord<?>) last).getTimestamp())
        .isEqualTo(42L);
    assertThat(h.outputs()).containsExactly("o1:c-1=Anna/LOADED", "o2:c-1=Anna/HIT");
  }

  @Test
  void checkpoint_withLookupsInFlight_reissuesThemOnRestore_andEachRecordComesOutOnce()
      throws Exception {
    FakeLookup before = FakeLookup.manual();
    AsyncStepHarness<String, String> first = open(step(before));
    first.process("o1:c-1");
    first.process("o2:c-2");
    first.process("o3:c-1");
    before.call(1).reply("Bea"); // o2 answered but held behind o1 (ordered)
    first.drain();
    assertThat(before.callCount()).isEqualTo(2); // o1 and o3 share the load of c-1

    OperatorSubtaskState snapshot = first.snapshot(1L);
    assertThat(first.outputs()).isEmpty();
    // The job fails here; replies to the old attempt's calls go nowhere.
    before.call(0).reply("Anna (old incarnation)");

    FakeLookup after = FakeLookup.manual();
    AsyncStepHarness<String, String> second =
        new AsyncStepHarness<>(step(after), StringSerializer.INSTANCE).restore(snapshot);
    second.drain();
    assertThat(after.calls()).extracting(FakeLookup.Call::key).containsExactly("c-1", "c-2");
    after.call(1).reply("Bea");
    after.call(0).reply("Anna");
    second.drain();

    assertThat(second.outputs())
        .containsExactly("o1:c-1=Anna/LOADED", "o2:c-2=Bea/LOADED", "o3:c-1=Anna/LOADED");
    OperatorSubtaskState later = second.snapshot(2L);
    AsyncStepHarness<String, String> third =
        new AsyncStepHarness<>(step(FakeLookup.manual()), StringSerializer.INSTANCE).restore(later);
    third.drain();
    assertThat(third.outputs()).isEmpty(); // nothing was in flight any more
  }

  /**
   * On Flink's ForSt state backend (docs/operations.md#the-forst-state-backend) the records in
   * flight are operator state, which ForSt keeps as the heap and RocksDB do: a checkpoint taken
   * while lookups are in flight restores there and looks them up again.
   */
  @Test
  void checkpoint_withLookupsInFlight_onForSt_reissuesThemOnRestore(@TempDir Path forStFiles)
      throws Exception {
    Configuration forSt = new Configuration();
    forSt.set(StateBackendOptions.STATE_BACKEND, "forst");
    forSt.setString("state.backend.forst.local-dir", forStFiles.toString());
    FakeLookup before = FakeLookup.manual();
    AsyncStepHarness<String, String> first =
        new AsyncStepHarness<>(step(before), StringSerializer.INSTANCE)
            .withStateBackend(forStBackend(forSt))
            .open();
    first.process("o1:c-1");
    first.process("o2:c-2");
    OperatorSubtaskState snapshot = first.snapshot(1L);
    assertThat(first.outputs()).isEmpty();

    FakeLookup after =
        FakeLookup.manual().answeringFromTable().put("c-1", "Anna").put("c-2", "Bea");
    AsyncStepHarness<String, String> second =
        new AsyncStepHarness<>(step(after), StringSerializer.INSTANCE)
            .withStateBackend(forStBackend(forSt))
            .restore(snapshot);
    second.drain();

    assertThat(second.outputs()).containsExactly("o1:c-1=Anna/LOADED", "o2:c-2=Bea/LOADED");
  }

  private static StateBackend forStBackend(Configuration config) throws Exception {
    StateBackend backend =
        StateBackendLoader.loadStateBackendFromConfig(
            config, EnrichHarnessTest.class.getClassLoader(), null);
    assertThat(backend.getClass().getSimpleName()).isEqualTo("ForStStateBackend");
    return backend;
  }

  @Test
  void checkpoint_withARecordWaitingToRetry_restoresAndRetriesFromAttemptOne() throws Exception {
    FakeLookup before = FakeLookup.manual();
    AsyncStepHarness<String, String> first =
        open(step(before).withRetry(LookupRetry.attempts(3).withBackoff(ms(100), ms(100))));
    first.process("o1:c-1");
    before.call(0).fail(new IOException("down")); // backoff pending
    OperatorSubtaskState snapshot = first.snapshot(1L);

    FakeLookup after = FakeLookup.manual().answeringFromTable().put("c-1", "Anna");
    AsyncStepHarness<String, String> second =
        new AsyncStepHarness<>(
                step(after).withRetry(LookupRetry.attempts(3)), StringSerializer.INSTANCE)
            .restore(snapshot);
    second.drain();

    assertThat(second.outputs()).containsExactly("o1:c-1=Anna/LOADED");
    assertThat(after.callCount()).isEqualTo(1);
  }

  private static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }

  @Test
  @Timeout(30)
  void cacheHit_unorderedOutput_withAFullQueue_isAnsweredAtOnce() throws Exception {
    FakeLookup lookup = FakeLookup.manual().put("c-2", "Bea");
    AsyncStepHarness<String, String> h =
        open(
            step(lookup)
                .withCache(LookupCache.maxEntries(10))
                .withUnorderedOutput()
                .withCapacity(1));
    h.process("o0:c-2");
    lookup.call(0).replyFromTable();
    h.drain();

    h.process("o1:c-1"); // in flight: the queue is full
    h.process("o2:c-2"); // a hit needs no room in the queue

    assertThat(h.outputs()).containsExactly("o0:c-2=Bea/LOADED", "o2:c-2=Bea/HIT");
  }

  @Test
  @Timeout(30)
  void recordWaitingForRoom_readsTheCacheAfterTheWait() throws Exception {
    FakeLookup lookup = FakeLookup.manual();
    AsyncStepHarness<String, String> h =
        open(step(lookup).withCache(LookupCache.maxEntries(10)).withCapacity(1));
    h.process("o1:c-1"); // in flight: the queue is full
    Thread task = Thread.currentThread();
    Thread replier =
        new Thread(
            () -> {
              // answer o1 only once the task thread blocks: o2 waits for room in the mailbox
              while (task.getState() != Thread.State.WAITING
                  && task.getState() != Thread.State.TIMED_WAITING) {
                Thread.onSpinWait();
              }
              lookup.call(0).reply("Anna");
            });
    replier.start();

    h.process("o2:c-1"); // waits until o1 is answered, then finds c-1 in the cache
    replier.join();
    h.drain();

    assertThat(h.outputs()).containsExactly("o1:c-1=Anna/LOADED", "o2:c-1=Anna/HIT");
    assertThat(lookup.callCount()).isEqualTo(1);
  }

  @Test
  @Timeout(30)
  void recordWaitingForRoom_unorderedOutput_readsTheCacheAfterTheWait() throws Exception {
    // In unordered output the shortcut reads the cache before the wait and finds nothing; the
    // record must not go on to a load with what it read then.
    FakeLookup lookup = FakeLookup.manual();
    AsyncStepHarness<String, String> h =
        open(
            step(lookup)
                .withCache(LookupCache.maxEntries(10))
                .withUnorderedOutput()
                .withCapacity(1));
    h.process("o1:c-1"); // in flight: the queue is full
    Thread task = Thread.currentThread();
    Thread replier =
        new Thread(
            () -> {
              while (task.getState() != Thread.State.WAITING
                  && task.getState() != Thread.State.TIMED_WAITING) {
                Thread.onSpinWait();
              }
              lookup.call(0).reply("Anna");
            });
    replier.start();

    h.process("o2:c-1"); // no entry yet; waits until o1 is answered, then finds c-1 in the cache
    replier.join();
    h.drain();

    assertThat(h.outputs()).containsExactly("o1:c-1=Anna/LOADED", "o2:c-1=Anna/HIT");
    assertThat(lookup.callCount()).isEqualTo(1);
  }

  @Test
  void cacheMiss_unorderedOutput_withRoomInTheQueue_isLoadedOnce() throws Exception {
    FakeLookup lookup = FakeLookup.manual();
    AsyncStepHarness<String, String> h =
        open(
            step(lookup)
                .withCache(LookupCache.maxEntries(10))
                .withUnorderedOutput()
                .withCapacity(10));
    h.process("o1:c-1");
    h.process("o2:c-1"); // joins o1's load
    h.process("o3:c-2");
    lookup.call(0).reply("Anna");
    lookup.call(1).reply(null);
    h.drain();

    assertThat(h.outputs())
        .containsExactlyInAnyOrder("o1:c-1=Anna/LOADED", "o2:c-1=Anna/LOADED", "o3:c-2=null/MISS");
    assertThat(lookup.callCount()).isEqualTo(2);
    assertThat(h.metric(LookupMetrics.CACHE_MISSES)).isEqualTo(3);
    assertThat(h.metric(LookupMetrics.SHARED_LOADS)).isEqualTo(1);
  }
}
