package dev.etlkit.operators.normalize;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.StepIdentity;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.operators.internal.FingerprintKey;
import dev.etlkit.operators.normalize.NormalizeIndependentReference.Acct;
import dev.etlkit.operators.normalize.NormalizeIndependentReference.AcctKey;
import dev.etlkit.operators.normalize.NormalizeIndependentReference.Checker;
import dev.etlkit.operators.normalize.NormalizeIndependentReference.Clock;
import dev.etlkit.operators.normalize.NormalizeIndependentReference.Config;
import dev.etlkit.operators.normalize.NormalizeIndependentReference.Event;
import dev.etlkit.operators.normalize.NormalizeIndependentReference.In;
import dev.etlkit.operators.normalize.NormalizeIndependentReference.Normalizer;
import dev.etlkit.operators.normalize.NormalizeIndependentReference.Out;
import dev.etlkit.operators.normalize.NormalizeIndependentReference.Restore;
import dev.etlkit.operators.normalize.NormalizeIndependentReference.Seq;
import dev.etlkit.operators.normalize.UpsertNormalize.Route;
import dev.etlkit.operators.normalize.internal.ChangelogCheckFunction;
import dev.etlkit.operators.normalize.internal.NormalizeFunctionBase;
import dev.etlkit.testkit.Emitted;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.annotation.Nullable;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.AbstractUdfStreamOperator;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Differential test of {@link UpsertNormalize} and {@link ChangelogCheck} against {@link
 * NormalizeIndependentReference}, a reference written from the docs and public Javadoc alone. The
 * real functions run in the test kit's harness over generated interleavings of inserts, updates,
 * update-befores, full and key-only deletes, identical redeliveries, sequences that tie, go
 * backwards or are missing, rows the projection or retraction cannot handle, clock moves (landing
 * exactly on TTL expiry too; processing time and the TTL clock move together, passing each whole
 * second, where delete retentions' removals fire) and snapshot/restore (checkpoint, or savepoint
 * onto the other backend), in generated configurations, with and without {@code
 * withDeleteRetention}. Compared per input: every record emitted (main output, rejected side
 * output, dead letters), in emission order, with its metadata and timestamp; the record accounting
 * and {@code deleteMarkersRemoved} after every input.
 */
class NormalizeIndependentReferenceTest {

  static final TypeInformation<Acct> ACCT = TypeInformation.of(Acct.class);
  static final TypeInformation<AcctKey> ACCT_KEY = TypeInformation.of(AcctKey.class);
  static final TypeInformation<Change<Acct>> CHANGE = Change.typeInfo(ACCT);
  static final String PIPELINE = "ref";
  static final String STEP = "step";
  private static final String[] KEYS = {"k1", "k2", "k3"};

  // ---- normalize: the differential properties -------------------------------------------------

  @Property(tries = 200)
  void heap_normalize_anyInterleaving_emitsWhatTheReferenceEmits(
      @ForAll("configs") Config config, @ForAll("scripts") List<Event> events) throws Exception {
    assertNormalizeMatches(config, events, StateBackendKind.HEAP);
  }

  @Property(tries = 15)
  void rocksDb_normalize_anyInterleaving_emitsWhatTheReferenceEmits(
      @ForAll("configs") Config config, @ForAll("scripts") List<Event> events) throws Exception {
    assertNormalizeMatches(config, events, StateBackendKind.ROCKSDB);
  }

  static void assertNormalizeMatches(Config config, List<Event> events, StateBackendKind backend)
      throws Exception {
    Normalizer reference = new Normalizer(config);
    List<List<Out>> expected = new ArrayList<>();
    List<Map<String, Long>> expectedCounts = new ArrayList<>();
    for (Event e : events) {
      List<Out> outs = reference.apply(e);
      if (e instanceof In) {
        reference.reasons().forEach(Statistics::collect);
      }
      expected.add(outs);
      expectedCounts.add(new TreeMap<>(reference.counts()));
    }
    KeyedHarness<String, Change<Acct>, Change<Acct>> recipe = normalizer(config).on(backend);
    compare(config.toString(), recipe, events, expected, expectedCounts, backend);
  }

  static KeyedHarness<String, Change<Acct>, Change<Acct>> normalizer(Config config) {
    UpsertNormalize<Acct, String> step = step(config);
    Duration ttl = config.ttl() == null ? null : Duration.ofMillis(config.ttl());
    FingerprintKey drawn = FingerprintKey.random(); // one per job graph
    return KeyedHarness.forFunction(
        () -> step.createFunction(ACCT, ttl, errors(), drawn),
        step.changeKey(),
        Types.STRING,
        CHANGE);
  }

  static UpsertNormalize<Acct, String> step(Config c) {
    UpsertNormalize<Acct, String> s = Normalize.upserts(STEP, Acct::id, Types.STRING);
    switch (c.seq()) {
      case SOURCE_POSITION -> s = s.withSequence(ChangeSequence.sourcePosition());
      case EVENT_TIME -> s = s.withSequence(ChangeSequence.eventTime());
      case VERSION -> s = s.withSequence(NormalizeIndependentReferenceTest::version);
      case NONE -> {}
    }
    if (c.projected()) {
      s =
          s.withProjectedState(
              NormalizeIndependentReference::project,
              ACCT_KEY,
              NormalizeIndependentReference::retract);
    }
    if (c.unknown() != null) {
      s = s.withUnknownKeyDeletes(c.unknown());
    }
    if (c.stale() != null) {
      s = s.withStaleChanges(c.stale());
    }
    if (c.ttl() != null) {
      s = s.withStateTtl(Duration.ofMillis(c.ttl()));
    }
    if (c.deleteRetention() != null) {
      s = s.withDeleteRetention(Duration.ofMillis(c.deleteRetention()));
    }
    return s;
  }

  static long version(Change<Acct> change) {
    Long ver = change.value().ver();
    if (ver == null) {
      throw new IllegalArgumentException("row has no version");
    }
    return ver;
  }

  static ErrorHandler errors() {
    return new ErrorHandler(
        new StepIdentity(PIPELINE, STEP, PIPELINE + "/" + STEP), ErrorPolicy.deadLetter());
  }

  // ---- normalize, then check: is the output a full changelog? ------------------------------

  /**
   * The normalizer's main output through the real check: a full changelog, except for what the docs
   * name. Without TTL and with unknown-key deletes not passed on (EMIT passes a delete of a key
   * downstream never saw), the full check finds nothing; with projected state the retractions carry
   * the retraction function's row, not the live row, so only rule 4b fires, and the output passes
   * the check without {@code withFullChangelog()}.
   */
  @Property(tries = 60)
  void heap_normalizerOutput_passesTheFullCheck_exceptRule4bWithProjectedState(
      @ForAll("configs") Config generated, @ForAll("scripts") List<Event> events) throws Exception {
    Config config =
        new Config(
            generated.seq(),
            generated.projected(),
            generated.unknown() == Route.EMIT ? Route.DROP : generated.unknown(),
            generated.stale(),
            null);
    List<Change<Acct>> output = new ArrayList<>();
    try (OperatorHarness<Change<Acct>, Change<Acct>> h =
        normalizer(config).on(StateBackendKind.HEAP).open()) {
      for (Event e : events) {
        if (e instanceof In in) {
          h.processElement(in.change(), in.timestamp() == null ? 0 : in.timestamp());
        }
      }
      output.addAll(h.output());
    }
    for (boolean full : new boolean[] {true, false}) {
      try (OperatorHarness<Change<Acct>, Change<Acct>> check =
          checker(new CheckConfig(full, null, 1.0)).on(StateBackendKind.HEAP).open()) {
        for (Change<Acct> c : output) {
          check.processElement(c, 0);
        }
        List<String> violations = new ArrayList<>();
        check.sideOutput(DeadLetter.OUTPUT_TAG).forEach(l -> violations.add(l.errorMessage()));
        if (full && config.projected()) {
          // the first retraction is rejected (rule 4b); what follows from it cascades
          boolean retracts = output.stream().anyMatch(Change::isRetract);
          assertThat(violations.isEmpty()).as(config.toString()).isEqualTo(!retracts);
          if (retracts) {
            assertThat(violations.get(0))
                .startsWith("retraction does not carry the live row of its key");
          }
        } else {
          assertThat(violations).as(config + (full ? " full" : "")).isEmpty();
        }
      }
    }
  }

  // ---- the changelog check: the differential properties ---------------------------------------

  /** A check configuration. */
  record CheckConfig(boolean full, @Nullable Long ttl, double sampleRate) {}

  @Property(tries = 120)
  void heap_check_anyChangelog_reportsWhatTheReferenceReports(
      @ForAll("checkConfigs") CheckConfig config, @ForAll("checkScripts") List<Event> events)
      throws Exception {
    assertCheckMatches(config, events, StateBackendKind.HEAP);
  }

  @Property(tries = 6)
  void rocksDb_check_anyChangelog_reportsWhatTheReferenceReports(
      @ForAll("checkConfigs") CheckConfig config, @ForAll("checkScripts") List<Event> events)
      throws Exception {
    assertCheckMatches(config, events, StateBackendKind.ROCKSDB);
  }

  static KeyedHarness<String, Change<Acct>, Change<Acct>> checker(CheckConfig config) {
    ChangelogCheck<Acct, String> step = ChangelogCheck.validate(STEP, Acct::id, Types.STRING);
    if (config.full()) {
      step = step.withFullChangelog();
    }
    if (config.sampleRate() < 1.0) {
      step = step.withSampleRate(config.sampleRate());
    }
    ChangelogCheck<Acct, String> s = step;
    Duration ttl = config.ttl() == null ? null : Duration.ofMillis(config.ttl());
    FingerprintKey drawn = FingerprintKey.random(); // one per job graph
    return KeyedHarness.forFunction(
        () -> s.createFunction(ACCT, ttl, errors(), drawn), s.changeKey(), Types.STRING, CHANGE);
  }

  static void assertCheckMatches(CheckConfig config, List<Event> events, StateBackendKind backend)
      throws Exception {
    KeyedHarness<String, Change<Acct>, Change<Acct>> recipe = checker(config).on(backend);
    if (config.sampleRate() == 1.0) {
      Checker reference = new Checker(config.full(), config.ttl());
      List<List<Out>> expected = new ArrayList<>();
      List<Map<String, Long>> counts = new ArrayList<>();
      for (Event e : events) {
        List<Out> outs = reference.apply(e);
        outs.forEach(o -> Statistics.collect("check " + o.where() + " " + o.what()));
        expected.add(outs);
        counts.add(new TreeMap<>(reference.counts()));
      }
      compare(config.toString(), recipe, events, expected, counts, backend);
      return;
    }
    // Sampled: each key is either checked completely (the reference's records) or not at all (all
    // its records pass); which keys are sampled is the step's business, stable per key.
    Run actual = run(recipe, events, backend);
    for (String key : KEYS) {
      Checker reference = new Checker(config.full(), config.ttl());
      List<String> checked = new ArrayList<>();
      List<String> passed = new ArrayList<>();
      List<String> got = new ArrayList<>();
      for (int i = 0; i < events.size(); i++) {
        Event e = events.get(i);
        boolean mine = !(e instanceof In in) || in.change().value().id().equals(key);
        if (!mine) {
          continue;
        }
        reference.apply(e).forEach(o -> checked.add(o.toString()));
        if (e instanceof In in) {
          passed.add(Out.main(in.change(), in.timestamp()).toString());
        }
        actual.outputs().get(i).stream()
            .filter(o -> o.key().equals(key))
            .forEach(o -> got.add(o.toString()));
      }
      assertThat(got).as(config + " key " + key).isIn(checked, passed);
    }
  }

  // ---- named scenarios, on both backends ------------------------------------------------------

  private static In up(String key, String v, long seq) {
    return new In(
        Change.of(RowKind.UPDATE_AFTER, new Acct(key, v, seq), seq, seq), plus(seq, 1000));
  }

  private static In ins(String key, String v, long seq) {
    return new In(Change.of(RowKind.INSERT, new Acct(key, v, seq), seq, seq), plus(seq, 1000));
  }

  private static In del(String key, long seq) {
    return new In(Change.of(RowKind.DELETE, new Acct(key, null, seq), seq, seq), plus(seq, 1000));
  }

  private static In ub(String key, String v, long seq) {
    return new In(
        Change.of(RowKind.UPDATE_BEFORE, new Acct(key, v, seq), seq, seq), plus(seq, 1000));
  }

  /** A scenario's script run through the reference and the step; returns the reference's output. */
  static List<String> scenario(Config config, StateBackendKind backend, Event... script)
      throws Exception {
    List<Event> events = List.of(script);
    Normalizer reference = new Normalizer(config);
    List<List<Out>> expected = new ArrayList<>();
    List<Map<String, Long>> counts = new ArrayList<>();
    List<String> all = new ArrayList<>();
    for (Event e : events) {
      List<Out> outs = reference.apply(e);
      expected.add(outs);
      counts.add(new TreeMap<>(reference.counts()));
      outs.forEach(o -> all.add(o.where() + " " + o.record().replaceAll(" .*", "")));
    }
    compare(config.toString(), normalizer(config).on(backend), events, expected, counts, backend);
    return all;
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void identicalRedelivery_withTtl_isDroppedAndDoesNotRestartTheClock(StateBackendKind backend)
      throws Exception {
    Config config = new Config(Seq.NONE, false, null, null, TTL);
    assertThat(
            scenario(
                config,
                backend,
                ins("k1", "a1", 1),
                new Clock(TTL / 2),
                new In(Change.insert(new Acct("k1", "a1", 1L)), 1001L), // the same row again
                new Clock(TTL), // TTL after the write, half a TTL after the redelivery
                up("k1", "a2", 2)))
        .containsExactly("main +I[k1#a1/1]", "main +I[k1#a2/2]");
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void noOpWithNewerSequence_restartsTheClock(StateBackendKind backend) throws Exception {
    Config config = new Config(Seq.SOURCE_POSITION, false, null, null, TTL);
    Acct row = new Acct("k1", "a1", 1L);
    assertThat(
            scenario(
                config,
                backend,
                new In(Change.of(RowKind.INSERT, row, 1L, 1L), 1001L),
                new Clock(TTL / 2),
                new In(Change.of(RowKind.UPDATE_AFTER, row, 2L, 2L), 1002L), // newer, same row
                new Clock(TTL), // half a TTL after the no-op's write: still live
                new In(Change.of(RowKind.UPDATE_AFTER, new Acct("k1", "a2", 1L), 3L, 3L), 1003L)))
        .containsExactly("main +I[k1#a1/1]", "main -U[k1#a1/1]", "main +U[k1#a2/1]");
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keyReappearingExactlyAtTtlExpiry_isNew(StateBackendKind backend) throws Exception {
    Config config = new Config(Seq.EVENT_TIME, true, null, null, TTL);
    assertThat(
            scenario(
                config,
                backend,
                ins("k1", "a1", 5),
                new Clock(TTL - 1),
                new Restore(true),
                up("k1", "a2", 6), // one millisecond before expiry: an update
                new Clock(2 * TTL - 1), // exactly TTL after that write
                up("k1", "b1", 4), // older, but the sequence went with the state
                new Clock(3 * TTL - 1),
                del("k1", 7))) // expired again: an unknown-key delete, passed on with a TTL
        .containsExactly(
            "main +I[k1#a1/5]",
            "main -U[k1#a]", // built by the retraction from the projection
            "main +U[k1#a2/6]",
            "main +I[k1#b1/4]",
            "main -D[k1#null/7]");
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void deletesOfAbsentKeys_reinsertsAndUpdateBefores(StateBackendKind backend) throws Exception {
    Config config = new Config(Seq.NONE, false, Route.SIDE_OUTPUT, null, null);
    assertThat(
            scenario(
                config,
                backend,
                del("k1", 1), // never seen
                ub("k1", "a1", 2), // -U without +U: ignored
                ins("k1", "a1", 3),
                del("k1", 4),
                new Restore(false),
                del("k1", 5), // a redelivered delete
                up("k1", "a1", 6), // the same row re-inserted after its delete
                ub("k1", "a1", 7),
                new In(Change.updateAfter(new Acct("k1", "a1", 6L)), 1008L))) // the live row
        .containsExactly(
            "side -D[k1#null/1]",
            "main +I[k1#a1/3]",
            "main -D[k1#a1/3]",
            "side -D[k1#null/5]",
            "main +I[k1#a1/6]");
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void sequencesThatTieOrGoBackwards(StateBackendKind backend) throws Exception {
    Config config = new Config(Seq.VERSION, false, Route.DEAD_LETTER, Route.DEAD_LETTER, null);
    assertThat(
            scenario(
                config,
                backend,
                ins("k1", "a1", 5),
                ins("k1", "a1", 5), // redelivered: deduplicated
                up("k1", "a2", 5), // the same sequence, another row: stale
                up("k1", "a2", 4), // older: stale
                del("k1", 6),
                del("k1", 6), // a redelivered delete: deduplicated
                up("k1", "b1", 6), // the delete's sequence: stale, no resurrection
                del("k1", 7), // a newer delete of a deleted key: unknown, sequence kept
                new Restore(true),
                ins("k1", "b2", 7), // stale against the kept sequence
                ins("k1", "b2", 8)))
        .containsExactly(
            "main +I[k1#a1/5]",
            "dl +U[k1#a2/5]",
            "dl +U[k1#a2/4]",
            "main -D[k1#a1/5]",
            "dl +U[k1#b1/6]",
            "dl -D[k1#null/7]",
            "dl +I[k1#b2/7]",
            "main +I[k1#b2/8]");
  }

  // ---- generators -------------------------------------------------------------------------

  /** The TTL of the generated configurations; clock moves land on it exactly, too. */
  static final long TTL = 10;

  /** No retention (twice), one shorter than a second's rounding, one longer. */
  private static final Long[] DELETE_RETENTIONS = {null, 300L, 1_200L};

  private static final Route[] UNKNOWN_ROUTES = {
    null, Route.DROP, Route.EMIT, Route.SIDE_OUTPUT, Route.DEAD_LETTER
  };
  private static final Route[] STALE_ROUTES = {
    null, Route.DROP, Route.SIDE_OUTPUT, Route.DEAD_LETTER
  };

  @Provide
  Arbitrary<Config> configs() {
    return Combinators.combine(
            Arbitraries.of(Seq.NONE, Seq.NONE, Seq.SOURCE_POSITION, Seq.EVENT_TIME, Seq.VERSION),
            Arbitraries.of(false, true),
            Arbitraries.integers().between(0, UNKNOWN_ROUTES.length - 1),
            Arbitraries.integers().between(0, STALE_ROUTES.length - 1),
            Arbitraries.of(false, true, true),
            Arbitraries.of(0, 0, 1, 2))
        .as(
            (seq, projected, unknown, stale, ttl, retention) ->
                new Config(
                    seq,
                    projected,
                    UNKNOWN_ROUTES[unknown],
                    seq == Seq.NONE ? null : STALE_ROUTES[stale],
                    ttl ? TTL : null,
                    seq == Seq.NONE ? null : DELETE_RETENTIONS[retention]));
  }

  @Provide
  Arbitrary<CheckConfig> checkConfigs() {
    return Combinators.combine(
            Arbitraries.of(false, true),
            Arbitraries.of(false, true),
            Arbitraries.of(1.0, 1.0, 1.0, 0.5))
        .as((full, ttl, rate) -> new CheckConfig(full, ttl ? TTL : null, rate));
  }

  /** A raw step, folded into events. */
  sealed interface Raw permits RChange, RValid, RRepeat, RBump, RClock, RRestore {}

  /** A change; {@code missing} bit 1: no position, 2: no event time, 4: no version, 8: no ts. */
  record RChange(int key, RowKind kind, String v, boolean keyOnly, int delta, int missing)
      implements Raw {}

  /** The change a well-formed full changelog would have next for the key (check scripts). */
  record RValid(int key, String v, boolean delete) implements Raw {}

  /** The previous change again, exactly (an identical redelivery). */
  record RRepeat() implements Raw {}

  /**
   * The previous change again with the same row, its source position and event time one higher (its
   * version column unchanged): a no-op with a newer sequence, or a redelivery by version.
   */
  record RBump() implements Raw {}

  record RClock(long advance) implements Raw {}

  record RRestore(boolean otherBackend) implements Raw {}

  private static Arbitrary<Raw> change(Arbitrary<RowKind> kinds) {
    Arbitrary<String> v =
        Arbitraries.frequencyOf(
            Tuple.of(6, Arbitraries.of("a1", "a2", "b1", "b2")),
            Tuple.of(1, Arbitraries.just(NormalizeIndependentReference.UNRETRACTABLE_TAG + "1")),
            Tuple.of(1, Arbitraries.just(NormalizeIndependentReference.UNPROJECTABLE)));
    Arbitrary<Integer> missing =
        Arbitraries.frequencyOf(
            Tuple.of(12, Arbitraries.just(0)), Tuple.of(1, Arbitraries.integers().between(1, 15)));
    return Combinators.combine(
            Arbitraries.integers().between(0, KEYS.length - 1),
            kinds,
            v,
            Arbitraries.of(false, true),
            Arbitraries.of(-2, -1, 0, 0, 1, 1, 1, 1, 2, 3),
            missing)
        .as(RChange::new);
  }

  private static Arbitrary<Raw> clocks() {
    // halves of the TTL add up to it exactly: a key comes back right at its expiry
    return Arbitraries.of(0L, 1L, TTL / 2, TTL / 2, TTL - 1, TTL, TTL, TTL + 1, 2 * TTL)
        .map(RClock::new);
  }

  /** Moves of a second or so: delete retentions' deadlines are whole seconds. */
  private static Arbitrary<Raw> longClocks() {
    return Arbitraries.of(400L, 1_000L).map(RClock::new);
  }

  @Provide
  Arbitrary<List<Event>> scripts() {
    Arbitrary<RowKind> kinds =
        Arbitraries.frequencyOf(
            Tuple.of(4, Arbitraries.just(RowKind.INSERT)),
            Tuple.of(4, Arbitraries.just(RowKind.UPDATE_AFTER)),
            Tuple.of(3, Arbitraries.just(RowKind.DELETE)),
            Tuple.of(1, Arbitraries.just(RowKind.UPDATE_BEFORE)));
    Arbitrary<Raw> raw =
        Arbitraries.frequencyOf(
            Tuple.of(14, change(kinds)),
            Tuple.of(4, Arbitraries.just(new RRepeat())),
            Tuple.of(2, Arbitraries.just(new RBump())),
            Tuple.of(5, clocks()),
            Tuple.of(1, longClocks()),
            Tuple.of(1, Arbitraries.of(false, true).map(RRestore::new)));
    // one key in half the scripts: long histories of a key, across clock moves and restores
    return Combinators.combine(
            raw.list()
                .ofMinSize(1)
                .ofMaxSize(50)
                .withSizeDistribution(RandomDistribution.uniform()),
            ORIGINS,
            Arbitraries.of(1, KEYS.length))
        .as(NormalizeIndependentReferenceTest::fold);
  }

  /** Where the sequences start: ordinary, negative, or at the ends of the long range. */
  private static final Arbitrary<Long> ORIGINS =
      Arbitraries.of(
          10L, 10L, 10L, 0L, -5L, Long.MIN_VALUE, Long.MIN_VALUE + 1, Long.MAX_VALUE - 3);

  @Provide
  Arbitrary<List<Event>> checkScripts() {
    Arbitrary<RowKind> kinds = Arbitraries.of(RowKind.values());
    Arbitrary<Raw> valid =
        Combinators.combine(
                Arbitraries.integers().between(0, KEYS.length - 1),
                Arbitraries.of("a1", "a2", "b1"),
                Arbitraries.of(false, false, true))
            .as(RValid::new);
    Arbitrary<Raw> raw =
        Arbitraries.frequencyOf(
            Tuple.of(6, change(kinds)),
            Tuple.of(8, valid),
            Tuple.of(2, Arbitraries.just(new RRepeat())),
            Tuple.of(2, clocks()),
            Tuple.of(1, Arbitraries.of(false, true).map(RRestore::new)));
    return raw.list()
        .ofMinSize(1)
        .ofMaxSize(50)
        .withSizeDistribution(RandomDistribution.uniform())
        .map(raws -> fold(raws, 10L, KEYS.length));
  }

  /**
   * Turns raw steps into events: per key a sequence that moves by the step's delta (ties and steps
   * back included) and is used as source position, event time and version alike (each may be
   * missing); record timestamps apart from event times; clock moves accumulated.
   */
  static List<Event> fold(List<Raw> raws, long origin, int keys) {
    List<Event> events = new ArrayList<>();
    long[] sequence = new long[KEYS.length];
    java.util.Arrays.fill(sequence, origin);
    // the shadow of a well-formed changelog per key, for RValid: the live row or null
    Acct[] live = new Acct[KEYS.length];
    long clock = 0;
    In last = null;
    for (Raw r : raws) {
      if (r instanceof RChange c) {
        int k = c.key() % keys;
        long seq = plus(sequence[k], c.delta());
        sequence[k] = Math.max(sequence[k], seq);
        last = in(k, c.kind(), c.v(), c.keyOnly(), seq, c.missing());
        events.add(last);
      } else if (r instanceof RValid v) {
        int k = v.key() % keys;
        Acct current = live[k];
        long seq = sequence[k] = plus(sequence[k], 1);
        if (current == null) {
          last = in(k, RowKind.INSERT, v.v(), false, seq, 0);
          live[k] = last.change().value();
          events.add(last);
        } else if (v.delete()) {
          events.add(new In(Change.of(RowKind.DELETE, current, seq, seq), plus(seq, 1000)));
          live[k] = null;
        } else {
          events.add(new In(Change.of(RowKind.UPDATE_BEFORE, current, seq, seq), plus(seq, 1000)));
          last = in(k, RowKind.UPDATE_AFTER, v.v(), false, seq, 0);
          live[k] = last.change().value();
          events.add(last);
        }
      } else if (r instanceof RRepeat) {
        if (last != null) {
          events.add(last);
        }
      } else if (r instanceof RBump) {
        if (last != null) {
          Change<Acct> c = last.change();
          int k = java.util.Arrays.asList(KEYS).indexOf(c.value().id());
          long seq = sequence[k] = plus(sequence[k], 1);
          last =
              new In(
                  Change.of(
                      c.kind(),
                      c.value(),
                      c.eventTime() == null ? null : seq,
                      c.sourcePosition() == null ? null : seq),
                  last.timestamp() == null ? null : plus(seq, 1000));
          events.add(last);
        }
      } else if (r instanceof RClock c) {
        clock += c.advance();
        events.add(new Clock(clock));
      } else if (r instanceof RRestore rr) {
        events.add(new Restore(rr.otherBackend()));
      }
    }
    return events;
  }

  /** {@code a + b}, kept within the long range (sequences tie at its ends). */
  static long plus(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? (a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : r;
  }

  private static In in(int key, RowKind kind, String v, boolean keyOnly, long seq, int missing) {
    String id = KEYS[key];
    Long ver = (missing & 4) != 0 ? null : seq;
    Acct value = kind == RowKind.DELETE && keyOnly ? new Acct(id, null, ver) : new Acct(id, v, ver);
    Long pos = (missing & 1) != 0 ? null : seq;
    Long et = (missing & 2) != 0 ? null : seq;
    Long ts = (missing & 8) != 0 ? null : plus(seq, 1000);
    return new In(Change.of(kind, value, et, pos), ts);
  }

  // ---- driving the harness ----------------------------------------------------------------

  record Run(List<List<Out>> outputs, List<Map<String, Long>> counts) {}

  static void compare(
      String config,
      KeyedHarness<String, Change<Acct>, Change<Acct>> recipe,
      List<Event> events,
      List<List<Out>> expected,
      List<Map<String, Long>> expectedCounts,
      StateBackendKind backend)
      throws Exception {
    Run actual = run(recipe, events, backend);
    StringBuilder trace = new StringBuilder(config + " on " + backend + "\n");
    boolean same = true;
    for (int i = 0; i < events.size(); i++) {
      Map<String, Long> want = new TreeMap<>(expectedCounts.get(i));
      boolean eq =
          expected.get(i).equals(actual.outputs().get(i)) && want.equals(actual.counts().get(i));
      same &= eq;
      trace.append(eq ? "   " : "!! ").append(i).append(' ').append(events.get(i));
      trace.append("\n      reference: ").append(expected.get(i));
      if (!eq) {
        trace.append("\n      operator:  ").append(actual.outputs().get(i));
        trace.append("\n      counts: reference ").append(want);
        trace.append("\n              operator  ").append(actual.counts().get(i));
      }
      trace.append('\n');
      if (!same) {
        break; // the first difference, with everything before it
      }
    }
    assertThat(same).as(trace.toString()).isTrue();
  }

  static Run run(
      KeyedHarness<String, Change<Acct>, Change<Acct>> recipe,
      List<Event> events,
      StateBackendKind backend)
      throws Exception {
    List<List<Out>> outputs = new ArrayList<>();
    List<Map<String, Long>> counts = new ArrayList<>();
    KeyedHarness<String, Change<Acct>, Change<Acct>> current = recipe;
    OperatorHarness<Change<Acct>, Change<Acct>> h = current.open();
    long now = 0;
    try {
      h.setStateTtlTime(0);
      for (Event e : events) {
        if (e instanceof In in) {
          if (in.timestamp() == null) {
            h.processElement(in.change());
          } else {
            h.processElement(in.change(), in.timestamp());
          }
        } else if (e instanceof Clock c) {
          // each whole second on the way, the time delete retentions' timers fire at, is passed
          // with the TTL clock there too, as in a job
          for (long second = Math.floorDiv(now, 1_000L) * 1_000L + 1_000L;
              second < c.time();
              second += 1_000L) {
            h.setStateTtlTime(second);
            h.setProcessingTime(second);
          }
          now = c.time();
          h.setStateTtlTime(now);
          h.setProcessingTime(now);
        } else if (e instanceof Restore r) {
          OperatorSubtaskState state = r.otherBackend() ? h.savepoint() : h.snapshot();
          h.close();
          if (r.otherBackend()) {
            current = current.on(current.backend().other());
          }
          h = current.restore(state);
          h.setStateTtlTime(now);
          h.setProcessingTime(now);
        }
        List<Out> outs = new ArrayList<>();
        for (Emitted emitted : h.emitted()) {
          outs.add(toOut(emitted));
        }
        h.clearOutput();
        outputs.add(outs);
        counts.add(counts(h));
      }
    } finally {
      h.close();
    }
    return new Run(outputs, counts);
  }

  @SuppressWarnings("unchecked")
  static Out toOut(Emitted emitted) {
    if (emitted.isMain()) {
      return Out.main((Change<Acct>) emitted.value(), emitted.timestamp());
    }
    if (emitted.sideOutput().equals(DeadLetter.OUTPUT_TAG.getId())) {
      DeadLetter letter = (DeadLetter) emitted.value();
      // the change is rebuilt from what the letter says about it: its text, time and position
      String text = letter.payloadAsText();
      String key = text.substring(text.indexOf('[') + 1, text.indexOf('#'));
      return new Out(
          "dl",
          key,
          Out.letter(text, letter.eventTime(), letter.sourcePosition()),
          emitted.timestamp(),
          letter.errorClass() + ": " + documentedPart(letter.errorMessage()));
    }
    return Out.side((Change<Acct>) emitted.value(), emitted.timestamp());
  }

  /** The part of a message the docs give: the rule, for unknown-key deletes without the why. */
  static String documentedPart(String message) {
    String unknown = "delete of unknown key: ";
    return message.startsWith(unknown) ? unknown + "..." : message;
  }

  /** The step's accumulators (accounting, and any other counter it also keeps as one). */
  static Map<String, Long> counts(OperatorHarness<?, ?> harness) {
    AbstractStreamOperator<?> operator = (AbstractStreamOperator<?>) harness.unwrap().getOperator();
    String prefix = StepMetrics.ACCUMULATOR_PREFIX + PIPELINE + "/" + STEP + "/";
    Map<String, Long> m = new TreeMap<>();
    for (String name :
        List.of(
            StepMetrics.RECORDS_IN,
            StepMetrics.RECORDS_OUT,
            StepMetrics.RECORDS_FILTERED,
            StepMetrics.RECORDS_DEDUPLICATED,
            StepMetrics.RECORDS_DEAD_LETTERED,
            StepMetrics.RECORDS_EMITTED,
            NormalizeIndependentReference.UNKNOWN_KEY_DELETES,
            NormalizeIndependentReference.STALE_CHANGES)) {
      Object counter = operator.getRuntimeContext().getAccumulator(prefix + name);
      if (counter instanceof LongCounter c) {
        m.put(name, c.getLocalValuePrimitive());
      }
    }
    Object function = ((AbstractUdfStreamOperator<?, ?>) operator).getUserFunction();
    if (function instanceof NormalizeFunctionBase<?, ?> f) {
      m.put(NormalizeIndependentReference.STALE_CHANGES, f.staleCount());
      m.put(NormalizeIndependentReference.UNKNOWN_KEY_DELETES, f.unknownKeyDeleteCount());
      m.put(NormalizeIndependentReference.DELETE_MARKERS_REMOVED, f.deleteMarkersRemovedCount());
    } else if (function instanceof ChangelogCheckFunction<?, ?> f) {
      m.put(NormalizeIndependentReference.RECORDS_CHECKED, f.checkedCount());
      m.put(NormalizeIndependentReference.VIOLATIONS, f.violationCount());
    }
    return m;
  }
}
