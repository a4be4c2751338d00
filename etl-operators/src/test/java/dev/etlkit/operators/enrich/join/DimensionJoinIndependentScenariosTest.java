package dev.etlkit.operators.enrich.join;

import static dev.etlkit.operators.enrich.join.DimensionJoinIndependentReferenceTest.assertMatches;
import static dev.etlkit.operators.enrich.join.DimensionJoinIndependentReferenceTest.deleteTree;
import static dev.etlkit.operators.enrich.join.DimensionJoinIndependentReferenceTest.drain;
import static dev.etlkit.operators.enrich.join.DimensionJoinIndependentReferenceTest.open;
import static dev.etlkit.operators.enrich.join.DimensionJoinIndependentReferenceTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.operators.enrich.join.DimensionJoinIndependentReferenceTest.Run;
import dev.etlkit.operators.enrich.join.IndependentJoinReference.Config;
import dev.etlkit.operators.enrich.join.IndependentJoinReference.Dim;
import dev.etlkit.operators.enrich.join.IndependentJoinReference.Event;
import dev.etlkit.operators.enrich.join.IndependentJoinReference.Fact;
import dev.etlkit.operators.enrich.join.IndependentJoinReference.Input;
import dev.etlkit.operators.enrich.join.IndependentJoinReference.Kind;
import dev.etlkit.operators.enrich.join.IndependentJoinReference.Out;
import dev.etlkit.operators.enrich.join.IndependentJoinReference.ProcTime;
import dev.etlkit.testkit.StateBackendKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The scenarios the issue names, each with expectations written by hand and also checked against
 * {@link IndependentJoinReference} and the production operator ({@link
 * DimensionJoinIndependentReferenceTest#assertMatches}), on heap and RocksDB: a fact before its
 * row, at a version's start, at equal times, after a delete, a row after the wait expired,
 * out-of-order changes, history beyond the bound, a watermark jump, a wait already over, TTL at its
 * boundary, an idle dimension, a delete retention's removal.
 */
class DimensionJoinIndependentScenariosTest {

  private static final Config LATEST_WAIT = new Config(false, 50, 1_000, false, 0, null);
  private static final Config AS_OF = new Config(true, 0, 1_000, false, 0, null);
  private static final Config AS_OF_WAIT = new Config(true, 20, 1_000, false, 0, null);

  private static Dim dim(String key, Kind kind, int version, @Nullable Long ts) {
    return new Dim(key, kind, key + "#v" + version, ts);
  }

  private static Fact fact(int id, long ts) {
    return new Fact(id, "k1", ts);
  }

  private static IndependentJoinReference.Watermark wm(long time) {
    return new IndependentJoinReference.Watermark(Input.BOTH, time);
  }

  /**
   * Runs the script through the reference (whose flattened output must be {@code expected}, as
   * {@code "<outcome> o<id> [<row>] @<ts>"}) and through the operator on {@code backend}.
   */
  private static void scenario(
      Config config, StateBackendKind backend, List<Event> events, String... expected)
      throws Exception {
    List<String> lines = new ArrayList<>();
    for (List<Out> outs : IndependentJoinReference.run(config, events)) {
      for (Out o : outs) {
        lines.add(
            o.outcome()
                + " o"
                + o.factId()
                + (o.row() == null ? "" : " " + o.row())
                + (o.ts() == null ? "" : " @" + o.ts()));
      }
    }
    assertThat(lines).as("the reference").containsExactly(expected);
    assertMatches(config, events, backend);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void latest_factBeforeItsRow_waitsAndLeavesWithTheRow(StateBackendKind backend) throws Exception {
    scenario(
        LATEST_WAIT,
        backend,
        List.of(
            fact(1, 5),
            new ProcTime(49),
            dim("k1", Kind.INSERT, 1, 0L),
            fact(2, 6),
            new ProcTime(200)),
        "FOUND_AFTER_WAIT o1 k1#v1 @5",
        "FOUND o2 k1#v1 @6");
  }

  /**
   * Found by a long jqwik run: facts released together by a late version leave in time order, not
   * in the order they began to wait (o1 at 0 waits from the watermark at 0, o2 at -5 arrives within
   * the allowed lateness and waits behind it).
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_lateVersionReleasesWaitingFacts_inTimeOrder(StateBackendKind backend) throws Exception {
    scenario(
        new Config(true, 25, 1_000, false, 30, null),
        backend,
        List.of(fact(1, 0), wm(0), fact(2, -5), dim("k1", Kind.INSERT, 7, -5L)),
        "FOUND_AFTER_WAIT o2 k1#v7 @-5",
        "FOUND_AFTER_WAIT o1 k1#v7 @0");
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void latest_rowAfterTheWaitExpired_factAlreadyTimedOut(StateBackendKind backend)
      throws Exception {
    scenario(
        LATEST_WAIT,
        backend,
        List.of(fact(1, 5), new ProcTime(50), dim("k1", Kind.INSERT, 1, 0L), fact(2, 6)),
        "TIMED_OUT o1 @5", // the timer at arrival + maxWait fired before the row came
        "FOUND o2 k1#v1 @6");
  }

  /**
   * Found by a CI run of the generated property (again locally at 3,000 tries, seed
   * 4703098304828099449): a final watermark inside the script, both inputs at {@code
   * Long.MAX_VALUE} before the end, times a latest join's waiting facts out then, before it goes on
   * (docs: at the end of input, once the dimension input has ended); a fact that arrives after it
   * waits until its timer or the end.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void latest_finalWatermarkOfBothInputs_timesOutWaitingFacts(StateBackendKind backend)
      throws Exception {
    scenario(
        LATEST_WAIT,
        backend,
        List.of(
            fact(1, 5),
            new IndependentJoinReference.Watermark(Input.FACTS, Long.MAX_VALUE),
            fact(2, 6), // the dimension input has not ended: o1 and o2 wait on
            new IndependentJoinReference.Watermark(Input.DIMENSION, Long.MAX_VALUE),
            fact(3, 7),
            new ProcTime(10)),
        "TIMED_OUT o1 @5",
        "TIMED_OUT o2 @6");
  }

  /**
   * The other order, which the generated property reaches as rarely (scripts from {@code
   * Long.MAX_VALUE - 300}): the dimension input ends first while the facts go on. A fact that waits
   * then waits on, as the combined watermark has not reached the end; the waiting facts time out
   * when the facts' watermark reaches {@code Long.MAX_VALUE} too; a fact after that waits for its
   * timer.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void latest_dimensionEndsBeforeTheFacts_waitingFactsTimeOutWhenTheFactsEnd(
      StateBackendKind backend) throws Exception {
    scenario(
        LATEST_WAIT,
        backend,
        List.of(
            fact(1, 5),
            new IndependentJoinReference.Watermark(Input.DIMENSION, Long.MAX_VALUE),
            fact(2, 6), // the facts' watermark is behind: o1 and o2 wait on
            new IndependentJoinReference.Watermark(Input.FACTS, Long.MAX_VALUE),
            fact(3, 7),
            new ProcTime(60)), // past o3's wait of 50 ms
        "TIMED_OUT o1 @5",
        "TIMED_OUT o2 @6",
        "TIMED_OUT o3 @7");
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void latest_deleteThenFact_deletedAtOnceWithoutWaiting(StateBackendKind backend)
      throws Exception {
    scenario(
        LATEST_WAIT,
        backend,
        List.of(
            dim("k1", Kind.INSERT, 1, 0L),
            dim("k1", Kind.DELETE, 1, 0L),
            fact(1, 5),
            dim("k1", Kind.INSERT, 2, 0L),
            fact(2, 6)),
        "DELETED o1 @5",
        "FOUND o2 k1#v2 @6");
  }

  /**
   * withDeleteRetention: the marker goes at the first whole second at or after the last delete's
   * write plus the retention; a newer delete restarts the clock.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void latest_deleteRetention_newerDeleteRestartsTheClock_factThenNotFound(StateBackendKind backend)
      throws Exception {
    scenario(
        new Config(false, 0, 1_000, false, 0, null, 300L),
        backend,
        List.of(
            dim("k1", Kind.INSERT, 1, 0L),
            dim("k1", Kind.DELETE, 1, 0L), // at 0: due at 1 s
            new ProcTime(800),
            dim("k1", Kind.DELETE, 1, 0L), // at 0.8 s: due at 2 s
            new ProcTime(1_999),
            fact(1, 5),
            new ProcTime(2_000),
            fact(2, 6)),
        "DELETED o1 @5",
        "NOT_FOUND o2 @6");
  }

  /**
   * withDeleteRetention, point in time: a late version before the delete keeps the delete's clock
   * running (it does not restart it).
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_deleteRetention_lateVersionBeforeTheDelete_keepsItsClock(StateBackendKind backend)
      throws Exception {
    scenario(
        new Config(true, 0, 1_000, false, 0, null, 1_200L),
        backend,
        List.of(
            dim("k1", Kind.INSERT, 1, 0L),
            dim("k1", Kind.DELETE, 2, 10L), // at 0: due at 2 s
            wm(10),
            new ProcTime(900),
            dim("k1", Kind.INSERT, 3, 5L), // at 0.9 s, before the delete: still due at 2 s
            fact(1, 10),
            new ProcTime(2_000),
            fact(2, 10)),
        "DELETED o1 @10",
        "NOT_FOUND o2 @10");
  }

  /**
   * withDeleteRetention, point in time: a retention that passes before the watermark minus the
   * allowed lateness reaches the delete; the history goes at the first processing-time tick after
   * the watermark got there, not among the facts that watermark makes due.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_deleteRetention_passedBeforeTheHorizon_removedAtTheNextTick(StateBackendKind backend)
      throws Exception {
    scenario(
        new Config(true, 0, 1_000, false, 30, null, 300L),
        backend,
        List.of(
            dim("k1", Kind.INSERT, 1, 0L),
            dim("k1", Kind.DELETE, 2, 10L), // at 0: due at 1 s
            new ProcTime(1_000),
            wm(35), // horizon 5: the delete still needed
            fact(1, 35),
            wm(40), // horizon 10: the delete is all that is left
            fact(2, 40),
            new ProcTime(1_000), // the next tick
            fact(3, 40)),
        "DELETED o1 @35",
        "DELETED o2 @40",
        "NOT_FOUND o3 @40");
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void latest_ttl_rowIsForgottenAtWriteTimePlusTtl(StateBackendKind backend) throws Exception {
    Config ttl = new Config(false, 0, 1_000, false, 0, 40L);
    scenario(
        ttl,
        backend,
        List.of(
            dim("k1", Kind.INSERT, 1, null),
            new ProcTime(39),
            fact(1, 1),
            new ProcTime(40), // exactly write time + TTL: Flink's TTL has expired it
            fact(2, 2)),
        "FOUND o1 k1#v1 @1",
        "NOT_FOUND o2 @2");
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_factsAtAVersionsStartAndEqualTimes_getThatVersion(StateBackendKind backend)
      throws Exception {
    scenario(
        AS_OF,
        backend,
        List.of(
            fact(1, 20), // held: arrives before the version at its own time
            dim("k1", Kind.INSERT, 1, 10L),
            dim("k1", Kind.UPDATE_AFTER, 2, 20L),
            dim("k1", Kind.UPDATE_AFTER, 3, 20L), // equal times: the later arrival wins
            fact(2, 19),
            wm(20),
            fact(3, 20)), // at the watermark: joined at once
        "FOUND o2 k1#v1 @19",
        "FOUND o1 k1#v3 @20",
        "FOUND o3 k1#v3 @20");
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_outOfOrderChangesAndADelete_factsGetTheVersionInForce(StateBackendKind backend)
      throws Exception {
    scenario(
        AS_OF,
        backend,
        List.of(
            dim("k1", Kind.DELETE, 1, 30L), // arrives first, takes effect last
            dim("k1", Kind.INSERT, 2, 10L),
            fact(1, 5),
            fact(2, 15),
            fact(3, 30),
            dim("k1", Kind.INSERT, 3, 40L), // a re-insert
            fact(4, 45),
            wm(50)),
        "NOT_FOUND o1 @5",
        "FOUND o2 k1#v2 @15",
        "DELETED o3 @30",
        "FOUND o4 k1#v3 @45");
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_historyBeyondTheBound_factsWithinLatenessStillGetTheirVersion(StateBackendKind backend)
      throws Exception {
    Config lateness = new Config(true, 0, 1_000, false, 15, null);
    List<Event> events = new ArrayList<>();
    for (int v = 1; v <= 10; v++) {
      events.add(dim("k1", Kind.UPDATE_AFTER, v, v * 10L));
      events.add(wm(v * 10L)); // each write prunes at watermark - 15
    }
    events.add(fact(1, 85)); // W - L = 85: in force is v8 (80)
    events.add(fact(2, 84)); // behind W - L: late
    events.add(dim("k1", Kind.UPDATE_AFTER, 11, 86L)); // a late version, pruning again
    events.add(fact(3, 85));
    events.add(fact(4, 86));
    scenario(
        lateness,
        backend,
        events,
        "FOUND o1 k1#v8 @85",
        "DL:LATE o2 @84",
        "FOUND o3 k1#v8 @85",
        "FOUND o4 k1#v11 @86");
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_watermarkJump_releasesPerKeyByTime_waitsEndingBeforeFactsDue(StateBackendKind backend)
      throws Exception {
    scenario(
        AS_OF_WAIT,
        backend,
        List.of(
            wm(0),
            dim("k1", Kind.INSERT, 1, 28L),
            fact(1, 10),
            fact(2, 30),
            fact(3, 25),
            wm(10), // o1 due, no version at 10: waits until the watermark passes 30
            wm(100)), // one jump: timers at 25 and 30
        "TIMED_OUT o3 @25", // due at 25, its wait (to 45) already over: out at once
        "TIMED_OUT o1 @10", // at 30 the wait that ends goes first,
        "FOUND o2 k1#v1 @30"); // then the fact due at 30
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_lateVersionReleasesAWaitingFact_aDeleteAsDeleted(StateBackendKind backend)
      throws Exception {
    scenario(
        AS_OF_WAIT,
        backend,
        List.of(
            fact(1, 10),
            fact(2, 12),
            wm(15), // both due, no version: they wait until 30 and 32
            dim("k1", Kind.DELETE, 1, 11L), // late: at or before o2's time only
            dim("k1", Kind.INSERT, 2, 5L), // late: before both; o1 still waits
            wm(40)),
        "DELETED o2 @12",
        "FOUND_AFTER_WAIT o1 k1#v2 @10");
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_dueFactWhoseWaitIsAlreadyOver_timesOutWithoutTakingABufferPlace(
      StateBackendKind backend) throws Exception {
    Config oneWaits = new Config(true, 20, 1, false, 0, null);
    scenario(
        oneWaits,
        backend,
        List.of(
            fact(1, 10),
            fact(2, 10),
            wm(100), // due at 10 and timed out at 30 in one watermark: neither waits
            fact(3, 200),
            fact(4, 200),
            wm(200), // due at 200, waits until 220: the second finds the one place taken
            wm(300)),
        "TIMED_OUT o1 @10",
        "TIMED_OUT o2 @10",
        "DL:BUFFER_FULL o4 @200",
        "TIMED_OUT o3 @200");
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_minusUpdateWithoutTimestamp_isFilteredNotDeadLettered(StateBackendKind backend)
      throws Exception {
    List<Event> events =
        List.of(
            dim("k1", Kind.UPDATE_BEFORE, 1, null),
            dim("k1", Kind.UPDATE_AFTER, 2, null),
            fact(1, 5),
            wm(10));
    scenario(AS_OF, backend, events, "NOT_FOUND o1 @5");
    IndependentJoinReference reference = new IndependentJoinReference(AS_OF);
    events.forEach(reference::apply);
    assertThat(reference.dimensionDeadLetters()).containsExactly("k1:NO_TIMESTAMP");
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_factWithinTheAllowedLateness_leavesBehindTheForwardedWatermark(StateBackendKind backend)
      throws Exception {
    Config config = new Config(true, 10, 1_000, false, 30, null);
    List<Event> events = List.of(dim("k1", Kind.INSERT, 1, 0L), wm(100), fact(1, 80), fact(2, 95));
    scenario(config, backend, events, "FOUND o1 k1#v1 @80", "FOUND o2 k1#v1 @95");
    Run run = run(config, events, backend);
    // the step forwards 100 - maxWait = 90 before the facts come: the one at 80 is late
    // downstream (as it was on input), the one at 95 is not
    assertThat(run.forwardedWatermarks().get(1)).isEqualTo(90L);
    assertThat(run.outputs().get(2)).extracting(Out::ts).containsExactly(80L);
    assertThat(run.outputs().get(3)).extracting(Out::ts).containsExactly(95L);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_idleDimension_factsWatermarkAloneReleasesThem(StateBackendKind backend)
      throws Exception {
    Path dir = Files.createTempDirectory("join-ref");
    try (var h = open(AS_OF, backend, dir)) {
      h.processElement2(new StreamRecord<>(Change.insert("k1#v1"), 10));
      h.processElement1(new StreamRecord<>("k1#o1", 20));
      h.processWatermark1(new Watermark(50));
      List<Out> held = new ArrayList<>();
      drain(h, held, new ArrayList<>(), Long.MIN_VALUE);
      assertThat(held).isEmpty(); // the dimension's watermark holds the fact back

      h.processWatermarkStatus2(WatermarkStatus.IDLE);

      List<Out> released = new ArrayList<>();
      assertThat(drain(h, released, new ArrayList<>(), Long.MIN_VALUE)).isEqualTo(50L);
      assertThat(released).containsExactly(new Out(1, "k1", "FOUND", "k1#v1", 20L));
    } finally {
      deleteTree(dir);
    }
  }
}
