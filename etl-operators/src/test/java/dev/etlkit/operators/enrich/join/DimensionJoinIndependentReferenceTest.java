package dev.etlkit.operators.enrich.join;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.operators.enrich.DimensionJoinStep;
import dev.etlkit.operators.enrich.UnmatchedFacts;
import dev.etlkit.operators.enrich.internal.join.DimensionJoinOperator;
import dev.etlkit.operators.enrich.internal.join.JoinMetrics;
import dev.etlkit.operators.enrich.join.IndependentJoinReference.Config;
import dev.etlkit.operators.enrich.join.IndependentJoinReference.Dim;
import dev.etlkit.operators.enrich.join.IndependentJoinReference.End;
import dev.etlkit.operators.enrich.join.IndependentJoinReference.Event;
import dev.etlkit.operators.enrich.join.IndependentJoinReference.Fact;
import dev.etlkit.operators.enrich.join.IndependentJoinReference.Input;
import dev.etlkit.operators.enrich.join.IndependentJoinReference.Kind;
import dev.etlkit.operators.enrich.join.IndependentJoinReference.Out;
import dev.etlkit.operators.enrich.join.IndependentJoinReference.ProcTime;
import dev.etlkit.testkit.StateBackendKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.arbitraries.ListArbitrary;
import net.jqwik.api.statistics.Statistics;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.apache.flink.types.RowKind;

/**
 * Differential test of the dimension join against {@link IndependentJoinReference}, a reference
 * written from the specification and the docs alone. The production two-input operator runs in
 * Flink's {@link KeyedTwoInputStreamOperatorTestHarness} (facts on input 1, changes on input 2,
 * watermarks per input) over generated interleavings of inserts, updates, deletes and re-inserts
 * with event times, facts, watermarks (per input, with jumps), processing time (moved with the TTL
 * clock through each whole second on the way, where delete retentions' removals fire) and end of
 * input, in generated configurations (variant, wait, buffer bound, unmatched handling, lateness,
 * TTL, {@code withDeleteRetention}).
 *
 * <p>What is compared, per script event and per key: the facts that leave the step (passed on or
 * dead-lettered), in order, with their status, row and timestamp; the record accounting and {@code
 * deleteMarkersRemoved}; at the end the forwarded watermark and the dimension dead letters.
 */
class DimensionJoinIndependentReferenceTest {

  private static final String[] KEYS = {"k1", "k2", "k3"};

  // ---- the differential properties ----------------------------------------------------------

  @Property(tries = 200)
  void heap_anyInterleaving_emitsWhatTheIndependentReferenceEmits(
      @ForAll("configs") Config config, @ForAll("scripts") List<Event> events) throws Exception {
    for (List<Out> outs : IndependentJoinReference.run(config, events)) {
      for (Out o : outs) { // what the generated scripts reach, in jqwik's report
        Statistics.collect((config.asOf() ? "asOf " : "latest ") + o.outcome());
      }
    }
    assertMatches(config, events, StateBackendKind.HEAP);
  }

  @Property(tries = 10)
  void rocksDb_anyInterleaving_emitsWhatTheIndependentReferenceEmits(
      @ForAll("configs") Config config, @ForAll("scripts") List<Event> events) throws Exception {
    assertMatches(config, events, StateBackendKind.ROCKSDB);
  }

  /**
   * Joins with a delete retention over longer scripts with more deletes and clock moves of a second
   * or so (the generic scripts are mostly short, and seldom reach a marker's removal).
   */
  @Property(tries = 40)
  void heap_deleteRetention_emitsWhatTheIndependentReferenceEmits(
      @ForAll("retentionConfigs") Config config, @ForAll("retentionScripts") List<Event> events)
      throws Exception {
    IndependentJoinReference reference = new IndependentJoinReference(config);
    events.forEach(reference::apply);
    Statistics.collect(
        config.asOf() ? "asOf" : "latest",
        reference.deleteMarkersRemoved() > 0 ? "markers removed" : "none removed");
    assertMatches(config, events, StateBackendKind.HEAP);
  }

  @Property(tries = 5)
  void rocksDb_deleteRetention_emitsWhatTheIndependentReferenceEmits(
      @ForAll("retentionConfigs") Config config, @ForAll("retentionScripts") List<Event> events)
      throws Exception {
    assertMatches(config, events, StateBackendKind.ROCKSDB);
  }

  static void assertMatches(Config config, List<Event> events, StateBackendKind backend)
      throws Exception {
    IndependentJoinReference reference = new IndependentJoinReference(config);
    List<List<Out>> expected = new ArrayList<>();
    List<Long> watermarks = new ArrayList<>();
    List<Map<String, Long>> factCounts = new ArrayList<>();
    long factsIn = 0;
    long factsOut = 0;
    long factsDead = 0;
    for (Event e : events) {
      List<Out> outs = reference.apply(e);
      expected.add(outs);
      watermarks.add(reference.forwardedWatermark());
      factsIn += e instanceof Fact ? 1 : 0;
      for (Out o : outs) {
        if (o.outcome().startsWith("DL:")) {
          factsDead++;
        } else {
          factsOut++;
        }
      }
      // in == out + dead-lettered + the facts still in state; filtered 0; emitted == out
      assertThat(factsIn - factsOut - factsDead).isEqualTo(reference.factsInState());
      factCounts.add(
          Map.of(
              StepMetrics.RECORDS_IN, factsIn,
              StepMetrics.RECORDS_OUT, factsOut,
              StepMetrics.RECORDS_FILTERED, 0L,
              StepMetrics.RECORDS_DEAD_LETTERED, factsDead,
              StepMetrics.RECORDS_EMITTED, factsOut,
              JoinMetrics.DELETE_MARKERS_REMOVED, reference.deleteMarkersRemoved()));
    }
    Run actual = run(config, events, backend);
    StringBuilder trace = new StringBuilder(config + " on " + backend + "\n");
    boolean same = true;
    for (int i = 0; i < events.size(); i++) {
      Map<String, List<Out>> want = byKey(expected.get(i));
      Map<String, List<Out>> got = byKey(actual.outputs().get(i));
      boolean eq =
          want.equals(got)
              && watermarks.get(i).equals(actual.forwardedWatermarks().get(i))
              && factCounts.get(i).equals(actual.factCounts().get(i));
      same &= eq;
      trace.append(eq ? "   " : "!! ").append(i).append(' ').append(events.get(i));
      trace.append("\n      reference: ").append(expected.get(i));
      if (!eq) {
        trace.append("\n      operator:  ").append(actual.outputs().get(i));
        trace.append("\n      watermark forwarded: reference ").append(watermarks.get(i));
        trace.append(", operator ").append(actual.forwardedWatermarks().get(i));
        trace.append("\n      fact counts: reference ").append(new TreeMap<>(factCounts.get(i)));
        trace.append(", operator ").append(actual.factCounts().get(i));
      }
      trace.append('\n');
    }
    assertThat(same).as(trace.toString()).isTrue();
    assertThat(actual.dimensionDeadLetters())
        .as("dimension dead letters\n" + trace)
        .isEqualTo(reference.dimensionDeadLetters());
    long dims = events.stream().filter(e -> e instanceof Dim).count();
    long filtered =
        events.stream().filter(e -> e instanceof Dim d && d.kind() == Kind.UPDATE_BEFORE).count();
    long badDims = reference.dimensionDeadLetters().size();
    assertThat(actual.dimensionCounts())
        .as("dimension accounting\n" + trace)
        .isEqualTo(
            new TreeMap<>(
                Map.of(
                    StepMetrics.RECORDS_IN, dims,
                    StepMetrics.RECORDS_OUT, dims - filtered - badDims,
                    StepMetrics.RECORDS_FILTERED, filtered,
                    StepMetrics.RECORDS_DEAD_LETTERED, badDims,
                    StepMetrics.RECORDS_EMITTED, 0L)));
  }

  /**
   * Per key, the passed-on facts in order, then the dead letters in order: the harness keeps the
   * side output in a queue of its own, so the order between the two is not observable here.
   */
  private static Map<String, List<Out>> byKey(List<Out> outs) {
    Map<String, List<Out>> m = new TreeMap<>();
    for (Out o : outs) {
      if (!o.outcome().startsWith("DL:")) {
        m.computeIfAbsent(o.key(), k -> new ArrayList<>()).add(o);
      }
    }
    for (Out o : outs) {
      if (o.outcome().startsWith("DL:")) {
        m.computeIfAbsent(o.key(), k -> new ArrayList<>()).add(o);
      }
    }
    return m;
  }

  // ---- generators -------------------------------------------------------------------------

  @Provide
  Arbitrary<Config> configs() {
    return Combinators.combine(
            Arbitraries.of(false, true),
            Arbitraries.of(0L, 0L, 10L, 25L),
            Arbitraries.of(1, 2, 1_000),
            Arbitraries.of(false, true),
            Arbitraries.of(0L, 10L, 30L),
            Arbitraries.of(0L, 40L, 40L, TTL_PAST_A_SECOND),
            Arbitraries.of(0, 0, 1, 2))
        .as(
            (asOf, wait, buffered, dl, lateness, ttl, retention) ->
                new Config(
                    asOf,
                    wait,
                    buffered,
                    dl,
                    asOf ? lateness : 0,
                    ttl == 0 ? null : ttl,
                    DELETE_RETENTIONS[retention]));
  }

  @Provide
  Arbitrary<Config> retentionConfigs() {
    return configs()
        .map(
            c ->
                new Config(
                    c.asOf(),
                    c.maxWait(),
                    c.maxBufferedFacts(),
                    c.deadLetterUnmatched(),
                    c.allowedLateness(),
                    // a TTL that always ends first would leave nothing to remove
                    c.ttl() == null ? null : TTL_PAST_A_SECOND,
                    c.deleteRetention() != null ? c.deleteRetention() : DELETE_RETENTIONS[1]));
  }

  /** A TTL that ends before or after a retention's whole second, depending on the delete's time. */
  private static final long TTL_PAST_A_SECOND = 1_000L;

  /** No retention (twice), one shorter than a second's rounding, one longer. */
  private static final Long[] DELETE_RETENTIONS = {null, 300L, 1_200L};

  /** A raw step; folded into events with increasing watermarks and processing time. */
  sealed interface Raw permits RDim, RFact, RWm, RProc {}

  record RDim(int key, Kind kind, int delta, boolean noTs) implements Raw {}

  record RFact(int key, int delta, boolean noTs) implements Raw {}

  record RWm(Input input, int advance) implements Raw {}

  record RProc(int advance) implements Raw {}

  @Provide
  Arbitrary<List<Event>> scripts() {
    return scripts(false);
  }

  @Provide
  Arbitrary<List<Event>> retentionScripts() {
    return scripts(true);
  }

  /**
   * Generated scripts; {@code forRetention}: ten or more steps, deletes as often as inserts, and
   * clock moves of a second or so as often as short ones.
   */
  private static Arbitrary<List<Event>> scripts(boolean forRetention) {
    Arbitrary<Integer> key = Arbitraries.integers().between(0, KEYS.length - 1);
    // coarse times collide often: facts at a version's start, equal times of rows and facts
    Arbitrary<Integer> delta =
        Arbitraries.frequencyOf(
            Tuple2s.<Integer>of(4, Arbitraries.integers().between(-8, 8).map(x -> x * 5)),
            Tuple2s.of(1, Arbitraries.integers().between(-45, 45)));
    Arbitrary<Boolean> rarely = Arbitraries.integers().between(0, 29).map(x -> x == 0);
    Arbitrary<Raw> dim =
        Combinators.combine(
                key,
                forRetention
                    ? Arbitraries.of(
                        Kind.INSERT, Kind.UPDATE_AFTER, Kind.UPDATE_BEFORE, Kind.DELETE)
                    : Arbitraries.of(
                        Kind.INSERT,
                        Kind.INSERT,
                        Kind.UPDATE_AFTER,
                        Kind.UPDATE_AFTER,
                        Kind.UPDATE_BEFORE,
                        Kind.DELETE),
                delta,
                rarely)
            .as(RDim::new);
    Arbitrary<Raw> fact = Combinators.combine(key, delta, rarely).as(RFact::new);
    Arbitrary<Raw> wm =
        Combinators.combine(
                Arbitraries.of(Input.BOTH, Input.BOTH, Input.BOTH, Input.FACTS, Input.DIMENSION),
                Arbitraries.frequencyOf(
                    Tuple2s.<Integer>of(6, Arbitraries.integers().between(0, 20)),
                    Tuple2s.of(1, Arbitraries.integers().between(50, 300))))
            .as(RWm::new);
    Arbitrary<Raw> proc =
        Arbitraries.frequencyOf(
                Tuple2s.<Integer>of(5, Arbitraries.integers().between(0, 30)),
                Tuple2s.of(1, Arbitraries.integers().between(40, 120)),
                // a second or so: delete retentions' deadlines are whole seconds
                Tuple2s.of(forRetention ? 5 : 1, Arbitraries.of(400, 1_000)))
            .map(RProc::new);
    ListArbitrary<Raw> raws =
        Arbitraries.frequencyOf(
                Tuple2s.<Raw>of(4, dim),
                Tuple2s.of(5, fact),
                Tuple2s.of(2, wm),
                Tuple2s.of(forRetention ? 4 : 2, proc))
            .list()
            .ofMinSize(1)
            .ofMaxSize(60);
    if (forRetention) {
      raws = raws.ofMinSize(10).withSizeDistribution(RandomDistribution.uniform());
    }
    Arbitrary<Long> origin =
        Arbitraries.of(0L, 0L, 0L, -1_000_000L, Long.MIN_VALUE + 100, Long.MAX_VALUE - 300);
    return Combinators.combine(raws, origin, Arbitraries.of(false, true))
        .as(DimensionJoinIndependentReferenceTest::fold);
  }

  /** Turns raw steps into events: times relative to the current watermark, rows numbered. */
  static List<Event> fold(List<Raw> raws, long origin, boolean end) {
    List<Event> events = new ArrayList<>();
    long factWm = Long.MIN_VALUE;
    long dimWm = Long.MIN_VALUE;
    long proc = 0;
    int rows = 0;
    int facts = 0;
    for (Raw r : raws) {
      long base = Math.min(factWm, dimWm);
      base = base == Long.MIN_VALUE ? origin : base;
      if (r instanceof RDim d) {
        rows++;
        String k = KEYS[d.key()];
        events.add(new Dim(k, d.kind(), k + "#v" + rows, d.noTs() ? null : time(base, d.delta())));
      } else if (r instanceof RFact f) {
        facts++;
        events.add(new Fact(facts, KEYS[f.key()], f.noTs() ? null : time(base, f.delta())));
      } else if (r instanceof RWm w) {
        long from = Math.max(Math.max(factWm, dimWm), origin);
        long to = time(from, w.advance());
        if (w.input() != Input.DIMENSION) {
          factWm = to;
        }
        if (w.input() != Input.FACTS) {
          dimWm = to;
        }
        events.add(new IndependentJoinReference.Watermark(w.input(), to));
      } else if (r instanceof RProc p) {
        proc += p.advance();
        events.add(new ProcTime(proc));
      }
    }
    if (end) {
      events.add(new End());
    }
    return events;
  }

  private static long time(long base, long delta) {
    return delta >= 0
        ? IndependentJoinReference.saturatingAdd(base, delta)
        : IndependentJoinReference.saturatingSub(base, -delta);
  }

  /** jqwik's {@code Tuple.of} with the types the frequency arbitraries want. */
  private static final class Tuple2s {
    static <T> net.jqwik.api.Tuple.Tuple2<Integer, Arbitrary<? extends T>> of(
        int f, Arbitrary<? extends T> a) {
      return net.jqwik.api.Tuple.of(f, a);
    }
  }

  // ---- driving the operator ---------------------------------------------------------------

  /** What the operator emitted per event, the watermark it forwarded last, dimension letters. */
  record Run(
      List<List<Out>> outputs,
      List<Long> forwardedWatermarks,
      List<String> dimensionDeadLetters,
      List<Map<String, Long>> factCounts,
      Map<String, Long> dimensionCounts) {}

  private static final Map<Config, JoinHarness.Expanded> EXPANDED = new ConcurrentHashMap<>();

  static DimensionJoinStep<String, String, String, String> step(Config c) {
    DimensionJoinStep<String, String, String, String> s =
        (c.asOf() ? JoinHarness.asOf() : JoinHarness.latest())
            .withMaxWait(Duration.ofMillis(c.maxWait()))
            .withUnmatchedFacts(
                c.deadLetterUnmatched() ? UnmatchedFacts.DEAD_LETTER : UnmatchedFacts.EMIT);
    if (c.maxWait() > 0) { // the bound of waiting facts is refused where none waits
      s = s.withMaxBufferedFacts(c.maxBufferedFacts());
    }
    if (c.asOf()) {
      s = s.withAllowedLateness(Duration.ofMillis(c.allowedLateness()));
    }
    if (c.ttl() != null) {
      s = s.withStateTtl(Duration.ofMillis(c.ttl()));
    }
    if (c.deleteRetention() != null) {
      s = s.withDeleteRetention(Duration.ofMillis(c.deleteRetention()));
    }
    return s;
  }

  static KeyedTwoInputStreamOperatorTestHarness<Object, String, Change<String>, String> open(
      Config config, StateBackendKind backend, Path dir) throws Exception {
    var h =
        EXPANDED
            .computeIfAbsent(config, c -> JoinHarness.expand(step(c)))
            .twoInputHarness(backend, dir, null);
    h.setStateTtlProcessingTime(0);
    h.setProcessingTime(0);
    h.open();
    return h;
  }

  static Run run(Config config, List<Event> events, StateBackendKind backend) throws Exception {
    Path dir = Files.createTempDirectory("join-ref");
    List<List<Out>> outputs = new ArrayList<>();
    List<String> dimensionLetters = new ArrayList<>();
    List<Long> watermarks = new ArrayList<>();
    List<Map<String, Long>> factCounts = new ArrayList<>();
    Map<String, Long> dimensionCounts;
    long forwarded = Long.MIN_VALUE;
    long now = 0;
    try (var h = open(config, backend, dir)) {
      for (Event e : events) {
        if (e instanceof Dim d) {
          Change<String> change = Change.of(rowKind(d.kind()), d.row());
          h.processElement2(
              d.ts() == null ? new StreamRecord<>(change) : new StreamRecord<>(change, d.ts()));
        } else if (e instanceof Fact f) {
          String fact = f.key() + "#o" + f.id();
          h.processElement1(
              f.ts() == null ? new StreamRecord<>(fact) : new StreamRecord<>(fact, f.ts()));
        } else if (e instanceof IndependentJoinReference.Watermark w) {
          Watermark mark = new Watermark(w.time());
          switch (w.input()) {
            case BOTH -> h.processBothWatermarks(mark);
            case FACTS -> h.processWatermark1(mark);
            case DIMENSION -> h.processWatermark2(mark);
          }
        } else if (e instanceof ProcTime p) {
          // each whole second on the way, the time delete retentions' timers fire at, is passed
          // with the TTL clock there too, as in a job
          for (long second = Math.floorDiv(now, 1_000L) * 1_000L + 1_000L;
              second < p.time();
              second += 1_000L) {
            h.setStateTtlProcessingTime(second);
            h.setProcessingTime(second);
          }
          now = p.time();
          h.setStateTtlProcessingTime(p.time());
          h.setProcessingTime(p.time());
        } else if (e instanceof End) {
          h.processBothWatermarks(new Watermark(Long.MAX_VALUE));
          h.endInput1();
          h.endInput2();
          h.getOperator().finish(); // what Flink calls once every input ended
        }
        List<Out> outs = new ArrayList<>();
        forwarded = drain(h, outs, dimensionLetters, forwarded);
        outputs.add(outs);
        watermarks.add(forwarded);
        Map<String, Long> counts = counts(h, "");
        counts.put(
            JoinMetrics.DELETE_MARKERS_REMOVED,
            ((DimensionJoinOperator<?, ?, ?, ?>) h.getOperator())
                .joinMetrics()
                .deleteMarkersRemovedCount());
        factCounts.add(counts);
      }
      dimensionCounts = counts(h, "/dimension");
    } finally {
      deleteTree(dir);
    }
    return new Run(outputs, watermarks, dimensionLetters, factCounts, dimensionCounts);
  }

  private static final Pattern MAIN = Pattern.compile("(\\w+) (k\\d+)#o(\\d+)(?: (k\\d+#v\\d+))?");
  private static final Pattern FACT = Pattern.compile("(k\\d+)#o(\\d+)");
  private static final Pattern STATUS = Pattern.compile("\\(([A-Z_]+)\\)");

  /** Moves the harness's output into {@code outs} in emission order; returns the last watermark. */
  static long drain(
      KeyedTwoInputStreamOperatorTestHarness<Object, String, Change<String>, String> h,
      List<Out> outs,
      List<String> dimensionLetters,
      long forwarded) {
    // dead letters are a side output: their order relative to the main output is not kept by the
    // harness, so within one event they are put after the main output of their key (compared per
    // key, a mix of both kinds in one event and key is rare and reported as a difference)
    for (Object o : h.getOutput()) {
      if (o instanceof StreamRecord<?> r) {
        Matcher m = MAIN.matcher(String.valueOf(r.getValue()));
        if (!m.matches()) {
          throw new AssertionError("unexpected output " + r.getValue());
        }
        outs.add(
            new Out(
                Integer.parseInt(m.group(3)),
                m.group(2),
                m.group(1),
                m.group(4),
                r.hasTimestamp() ? r.getTimestamp() : null));
      } else if (o instanceof Watermark w) {
        forwarded = w.getTimestamp();
      }
    }
    h.getOutput().clear();
    var letters = h.getSideOutput(DeadLetter.OUTPUT_TAG);
    if (letters != null) {
      for (StreamRecord<DeadLetter> r : letters) {
        DeadLetter l = r.getValue();
        String message = String.valueOf(l.errorMessage());
        String reason =
            message.contains(":") ? message.substring(0, message.indexOf(':')) : message;
        if (l.step().endsWith("/dimension")) {
          Matcher k = Pattern.compile("(k\\d+)#").matcher(String.valueOf(l.payloadAsText()));
          dimensionLetters.add((k.find() ? k.group(1) : "?") + ":" + reason);
          continue;
        }
        Matcher f = FACT.matcher(String.valueOf(l.payloadAsText()));
        if (!f.find()) {
          throw new AssertionError("unexpected dead letter " + l);
        }
        if (reason.equals("UNMATCHED")) {
          Matcher s = STATUS.matcher(message);
          reason = "UNMATCHED(" + (s.find() ? s.group(1) : "?") + ")";
        }
        outs.add(
            new Out(Integer.parseInt(f.group(2)), f.group(1), "DL:" + reason, null, l.eventTime()));
      }
      letters.clear();
    }
    return forwarded;
  }

  /** The record accounting of the join: {@code ""} for facts, {@code "/dimension"} for rows. */
  private static Map<String, Long> counts(
      KeyedTwoInputStreamOperatorTestHarness<Object, String, Change<String>, String> h,
      String suffix) {
    return new TreeMap<>(JoinHarness.counts(h.getOperator(), suffix));
  }

  private static RowKind rowKind(Kind kind) {
    return switch (kind) {
      case INSERT -> RowKind.INSERT;
      case UPDATE_BEFORE -> RowKind.UPDATE_BEFORE;
      case UPDATE_AFTER -> RowKind.UPDATE_AFTER;
      case DELETE -> RowKind.DELETE;
    };
  }

  static void deleteTree(Path dir) throws java.io.IOException {
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
