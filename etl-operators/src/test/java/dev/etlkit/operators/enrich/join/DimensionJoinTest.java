package dev.etlkit.operators.enrich.join;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.StateDeclaration;
import dev.etlkit.core.StateInventory;
import dev.etlkit.operators.enrich.DimensionJoin;
import dev.etlkit.operators.enrich.DimensionJoinStep;
import dev.etlkit.operators.enrich.JoinStatus;
import dev.etlkit.operators.enrich.UnmatchedFacts;
import java.time.Duration;
import javax.annotation.Nullable;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/** The step's options, validated when called, and how it expands into a pipeline. */
class DimensionJoinTest {

  // ---- options, validated when called -------------------------------------------------------

  @Test
  void latest_invalidName_failsNamingTheRule() {
    assertThatThrownBy(
            () ->
                DimensionJoin.latest(
                    "my join",
                    dimension(),
                    JoinHarness::key,
                    JoinHarness::key,
                    JoinHarness::combine,
                    Types.STRING))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("step name must be 1 to 64 characters")
        .hasMessageEndingWith("was 'my join'");
  }

  @Test
  void asOf_nullDimension_fails() {
    assertThatThrownBy(
            () ->
                DimensionJoin.asOf(
                    "join",
                    null,
                    JoinHarness::key,
                    JoinHarness::key,
                    JoinHarness::combine,
                    Types.STRING))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("dimension");
  }

  @Test
  void latest_genericOutputType_failsFast() {
    assertThatThrownBy(
            () ->
                DimensionJoin.latest(
                    "join",
                    dimension(),
                    JoinHarness::key,
                    JoinHarness::key,
                    (fact, row, status) -> (Object) fact,
                    TypeInformation.of(Object.class)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("dimension join 'join': the outputType ")
        .hasMessageEndingWith(
            " would be serialized with Kryo; give it a POJO, record, Avro or basic type");
  }

  /** A combiner with checkpointed state, which the step could not keep. */
  static final class CheckpointedCombiner
      implements DimensionJoin.Combiner<String, String, String>, CheckpointedFunction {
    private static final long serialVersionUID = 1L;

    @Override
    public String combine(String fact, @Nullable String row, JoinStatus status) {
      return JoinHarness.combine(fact, row, status);
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) {}

    @Override
    public void initializeState(FunctionInitializationContext context) {}
  }

  @Test
  void asOf_checkpointedCombiner_failsWhenBuilt_ratherThanLosingItsState() {
    assertThatThrownBy(
            () ->
                DimensionJoin.asOf(
                    "join",
                    dimension(),
                    JoinHarness::key,
                    JoinHarness::key,
                    new CheckpointedCombiner(),
                    Types.STRING))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "the combiner of step 'join' ("
                + CheckpointedCombiner.class.getName()
                + ") implements CheckpointedFunction, which the step does not pass on: a combiner"
                + " runs in two operators (the fact key check before the shuffle and the join),"
                + " each with a copy of its own, and keeps no state; keep state in a step of its"
                + " own, such as a Steps.map after the join");
  }

  @Test
  void withMaxWait_negative_fails() {
    assertThatThrownBy(() -> JoinHarness.latest().withMaxWait(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxWait must be in [PT0S, PT8760H], was PT-0.001S");
    assertThatThrownBy(() -> JoinHarness.latest().withMaxWait(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxWait must not be null");
  }

  @Test
  void withMaxBufferedFacts_zero_fails() {
    assertThatThrownBy(() -> JoinHarness.asOf().withMaxBufferedFacts(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxBufferedFacts must be in 1..1000000, was 0");
  }

  @Test
  void withAllowedLateness_onALatestJoin_fails() {
    assertThatThrownBy(() -> JoinHarness.latest().withAllowedLateness(Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "allowedLateness is for point-in-time joins only: step 'join' is a latest join, which"
                + " joins facts in processing time; use DimensionJoin.asOf");
  }

  @Test
  void withAllowedLateness_aboveTheMaximum_fails() {
    assertThatThrownBy(() -> JoinHarness.asOf().withAllowedLateness(Duration.ofDays(366)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("allowedLateness must be in [PT0S, PT8760H], was PT8784H");
    assertThatThrownBy(() -> JoinHarness.asOf().withAllowedLateness(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("allowedLateness must not be null");
  }

  @Test
  void withStateTtl_negative_fails() {
    assertThatThrownBy(() -> JoinHarness.latest().withStateTtl(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("stateTtl must be zero (no TTL) or positive, was PT-0.001S");
  }

  @Test
  void withStateTtl_belowOneMillisecond_failsWhenSetNotWhenTheJobOpens() {
    assertThatThrownBy(() -> JoinHarness.asOf().withStateTtl(Duration.ofNanos(500_000)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("stateTtl must be at least 1 ms");
  }

  @Test
  void withKeyType_generic_fails() {
    DimensionJoinStep<String, String, Object, String> step =
        DimensionJoin.latest(
            "join",
            dimension(),
            fact -> (Object) fact,
            row -> (Object) row,
            JoinHarness::combine,
            Types.STRING);

    assertThatThrownBy(() -> step.withKeyType(TypeInformation.of(Object.class)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the keyType GenericType<java.lang.Object> would be serialized");
  }

  @Test
  void options_anyOrder_sameStep() {
    DimensionJoinStep<String, String, String, String> a =
        JoinHarness.asOf()
            .withMaxWait(Duration.ofSeconds(5))
            .withAllowedLateness(Duration.ofSeconds(1))
            .withUnmatchedFacts(UnmatchedFacts.DEAD_LETTER);
    DimensionJoinStep<String, String, String, String> b =
        JoinHarness.asOf()
            .withUnmatchedFacts(UnmatchedFacts.DEAD_LETTER)
            .withAllowedLateness(Duration.ofSeconds(1))
            .withMaxWait(Duration.ofSeconds(5));

    assertThat(a).hasToString(b.toString());
    assertThat(a)
        .hasToString(
            "DimensionJoin.asOf(join, maxWait=PT5S, maxBufferedFacts=1000, unmatched=DEAD_LETTER,"
                + " allowedLateness=PT1S)");
    assertThat(a.isPointInTime()).isTrue();
  }

  // ---- rules checked when the step is applied ------------------------------------------------

  @Test
  void apply_dimensionNotAChangelog_fails() {
    @SuppressWarnings({"unchecked", "rawtypes"})
    DataStream<Change<String>> notChanges =
        (DataStream) JoinHarness.ENV.fromSequence(0, 1).map(n -> "k1#v" + n, Types.STRING);
    DimensionJoinStep<String, String, String, String> step =
        DimensionJoin.latest(
            "join",
            notChanges,
            JoinHarness::key,
            JoinHarness::key,
            JoinHarness::combine,
            Types.STRING);

    assertThatThrownBy(() -> facts("p1").apply(step))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "dimension join 'join': the dimension stream must be a changelog declared with"
                + " Change.typeInfo(...), was String");
  }

  @Test
  void apply_keyTypesDiffer_fails() {
    @SuppressWarnings({"unchecked", "rawtypes"})
    KeySelector<String, String> intKey =
        (KeySelector) (KeySelector<String, Integer>) String::length;
    DimensionJoinStep<String, String, String, String> step =
        DimensionJoin.latest(
            "join", dimension(), intKey, JoinHarness::key, JoinHarness::combine, Types.STRING);

    assertThatThrownBy(() -> facts("p2").apply(step))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "dimension join 'join': the fact key is Integer but the dimension key is String; both"
                + " must have the same type");
  }

  /**
   * A declared key type ({@code withKeyType}, set also where the selectors' types can be inferred,
   * as the example job does) does not switch off the check of the selectors: a selector whose type
   * is known and differs would give the join keys its key serializer cannot write, failing the job
   * at its first fact (RocksDB) or checkpoint (heap).
   */
  @Test
  void apply_declaredKeyTypeDiffersFromAnInferredSelectorType_fails() {
    @SuppressWarnings({"unchecked", "rawtypes"})
    KeySelector<String, String> intKey =
        (KeySelector) (KeySelector<String, Integer>) String::length;
    DimensionJoinStep<String, String, String, String> factKeyDiffers =
        DimensionJoin.latest(
                "join", dimension(), intKey, JoinHarness::key, JoinHarness::combine, Types.STRING)
            .withKeyType(Types.STRING);
    DimensionJoinStep<String, String, String, String> dimensionKeyDiffers =
        DimensionJoin.asOf(
                "join", dimension(), JoinHarness::key, intKey, JoinHarness::combine, Types.STRING)
            .withKeyType(Types.STRING);

    assertThatThrownBy(() -> facts("p4").apply(factKeyDiffers))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "dimension join 'join': the fact key is Integer but the declared key type"
                + " (withKeyType) is String; both must be the same");
    assertThatThrownBy(() -> facts("p5").apply(dimensionKeyDiffers))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "dimension join 'join': the dimension key is Integer but the declared key type"
                + " (withKeyType) is String; both must be the same");
  }

  /** A selector of no known type (declared to return Object) leaves it to the declared type. */
  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void apply_declaredKeyType_selectorOfNoKnownType_applies() {
    KeySelector<String, String> objectKey =
        (KeySelector) (KeySelector<String, Object>) JoinHarness::key;
    DimensionJoinStep<String, String, String, String> step =
        DimensionJoin.latest(
                "join",
                dimension(),
                objectKey,
                JoinHarness::key,
                JoinHarness::combine,
                Types.STRING)
            .withKeyType(Types.STRING);

    assertThat(facts("p6").apply(step).type()).isEqualTo(Types.STRING);
  }

  @Test
  void apply_dimensionFromAnotherEnvironment_fails() {
    DataStream<Change<String>> elsewhere =
        StreamExecutionEnvironment.getExecutionEnvironment()
            .fromSequence(0, 1)
            .map(n -> Change.insert("k1#v" + n), JoinHarness.CHANGE);
    DimensionJoinStep<String, String, String, String> step =
        DimensionJoin.latest(
            "join",
            elsewhere,
            JoinHarness::key,
            JoinHarness::key,
            JoinHarness::combine,
            Types.STRING);

    assertThatThrownBy(() -> facts("p3").apply(step))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "dimension join 'join': the dimension stream comes from another execution environment"
                + " than the facts");
  }

  /**
   * Found by a review on 2026-11-25: {@code withMaxBufferedFacts} bounds the facts waiting for
   * their row, and without {@code withMaxWait} no fact waits (a point-in-time join's held facts are
   * not counted), so the option was accepted and did nothing. Refused when applied, as dedup
   * refuses {@code withDeleteRetention} on a mode that keeps no tombstone.
   */
  @Test
  void apply_maxBufferedFactsWithoutMaxWait_fails() {
    DimensionJoinStep<String, String, String, String> latest =
        JoinHarness.latest().withMaxBufferedFacts(5);
    DimensionJoinStep<String, String, String, String> asOf =
        JoinHarness.asOf().withMaxBufferedFacts(5).withMaxWait(Duration.ZERO);

    assertThatThrownBy(() -> facts("p7").apply(latest))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "dimension join 'join': withMaxBufferedFacts(5) bounds the facts waiting for their"
                + " row, which needs withMaxWait (now PT0S): without a wait no fact waits");
    assertThatThrownBy(() -> facts("p8").apply(asOf))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "dimension join 'join': withMaxBufferedFacts(5) bounds the facts waiting for their"
                + " row, which needs withMaxWait (now PT0S): without a wait no fact waits (the"
                + " facts a point-in-time join holds until the watermark passes them are not"
                + " counted)");
  }

  @Test
  void apply_maxBufferedFactsWithMaxWait_applies() {
    DimensionJoinStep<String, String, String, String> latest =
        JoinHarness.latest().withMaxBufferedFacts(5).withMaxWait(Duration.ofMillis(1));
    DimensionJoinStep<String, String, String, String> asOf =
        JoinHarness.asOf().withMaxWait(Duration.ofMillis(1)).withMaxBufferedFacts(5);

    assertThat(facts("p9").apply(latest).type()).isEqualTo(Types.STRING);
    assertThat(facts("p10").apply(asOf).type()).isEqualTo(Types.STRING);
  }

  /**
   * A bound set to its default is the bound never set: a variant of a base that waits with another
   * bound can stop waiting once it gives the default back, and the refusal of another bound stays
   * as it was.
   */
  @Test
  void withMaxBufferedFacts_theDefault_isTheStepThatNeverSetIt() {
    DimensionJoinStep<String, String, String, String> base =
        JoinHarness.latest().withMaxWait(Duration.ofSeconds(1)).withMaxBufferedFacts(5);
    DimensionJoinStep<String, String, String, String> variant =
        base.withMaxWait(DimensionJoin.DEFAULT_MAX_WAIT)
            .withMaxBufferedFacts(DimensionJoin.DEFAULT_MAX_BUFFERED_FACTS);
    DimensionJoinStep<String, String, String, String> asOfVariant =
        JoinHarness.asOf()
            .withMaxBufferedFacts(5)
            .withMaxBufferedFacts(DimensionJoin.DEFAULT_MAX_BUFFERED_FACTS);

    assertThat(variant).hasToString(JoinHarness.latest().toString());
    assertThat(facts("p11").apply(variant).stateInventory().entries())
        .isEqualTo(facts("p11").apply(JoinHarness.latest()).stateInventory().entries());
    assertThat(asOfVariant).hasToString(JoinHarness.asOf().toString());
    assertThat(facts("p12").apply(asOfVariant).type()).isEqualTo(Types.STRING);
    assertThatThrownBy(() -> facts("p13").apply(base.withMaxWait(Duration.ZERO)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "dimension join 'join': withMaxBufferedFacts(5) bounds the facts waiting for their"
                + " row, which needs withMaxWait (now PT0S): without a wait no fact waits");
  }

  /** A variant of a base with a TTL of its own (or none) takes the pipeline's again. */
  @Test
  void withPipelineStateTtl_onAStepDerivedFromOneWithItsOwn_isTheStepWithout() {
    DimensionJoinStep<String, String, String, String> own =
        JoinHarness.latest().withStateTtl(Duration.ZERO);

    assertThat(own.withPipelineStateTtl()).hasToString(JoinHarness.latest().toString());
    assertThat(
            facts("p14")
                .defaultStateTtl(Duration.ofDays(7))
                .apply(own.withPipelineStateTtl())
                .stateInventory()
                .entries())
        .isEqualTo(
            facts("p14")
                .defaultStateTtl(Duration.ofDays(7))
                .apply(JoinHarness.latest())
                .stateInventory()
                .entries());
  }

  @Test
  void apply_addsThreeOperatorsWithStableUids() {
    EtlStream<String> joined = facts("orders").apply(JoinHarness.latest());

    assertThat(joined.pipeline().uids())
        .containsExactlyInAnyOrder(
            "orders/join", "orders/join/fact-keys", "orders/join/dimension-keys");
    assertThat(joined.type()).isEqualTo(Types.STRING);
  }

  @Test
  void latestWithoutWait_declaresOneRowPerKey_withThePipelineTtl() {
    StateInventory inventory =
        facts("p4")
            .defaultStateTtl(Duration.ofDays(7))
            .apply(JoinHarness.latest())
            .stateInventory();

    assertThat(inventory.entries()).hasSize(1);
    StateDeclaration row = inventory.entries().get(0).state();
    assertThat(row.name()).isEqualTo("join-row");
    assertThat(row.kind()).isEqualTo(StateDeclaration.Kind.VALUE);
    assertThat(row.ttl()).contains(Duration.ofDays(7));
    assertThat(inventory.entries().get(0).uid()).isEqualTo("p4/join");
  }

  @Test
  void latestThatWaits_declaresWaitingFactsWithoutTtl() {
    StateInventory inventory =
        facts("p5")
            .defaultStateTtl(Duration.ofDays(7))
            .apply(
                JoinHarness.latest()
                    .withMaxWait(Duration.ofSeconds(30))
                    .withStateTtl(Duration.ofDays(1)))
            .stateInventory();

    assertThat(inventory.entries())
        .extracting(e -> e.state().name() + " " + e.state().kind() + " " + e.state().ttl())
        .containsExactly(
            "join-row VALUE Optional[PT24H]",
            "join-waiting LIST Optional.empty",
            "join-fact-count VALUE Optional.empty",
            "join-timers TIMERS Optional.empty",
            "join-held-facts LIST Optional.empty",
            "join-variant LIST Optional.empty");
  }

  @Test
  void asOf_declaresVersionsHeldFactsTimersTheWatermarkTheCountOfHeldFactsAndTheVariant() {
    StateInventory inventory =
        facts("p6").apply(JoinHarness.asOf().withMaxWait(Duration.ofSeconds(1))).stateInventory();

    assertThat(inventory.entries())
        .extracting(e -> e.state().name() + " " + e.state().kind())
        .containsExactly(
            "join-versions VALUE",
            "join-held LIST",
            "join-waiting LIST",
            "join-fact-count VALUE",
            "join-timers TIMERS",
            "join-watermark LIST",
            "join-watermark-ranges LIST",
            "join-held-facts LIST",
            "join-variant LIST");
    assertThat(inventory.entries().get(0).state().valueType()).isEqualTo("VersionHistory(String)");
    assertThat(inventory.entries().get(7).state().growth())
        .isEqualTo(
            "the number of held and waiting facts per key group, for the record accounting after"
                + " a restore (operator state, not keyed)");
  }

  private static DataStream<Change<String>> dimension() {
    return JoinHarness.dimensionStream();
  }

  private static EtlStream<String> facts(String pipeline) {
    synchronized (JoinHarness.class) {
      return Etl.from(
          JoinHarness.dimensionStream()
              .getExecutionEnvironment()
              .fromSequence(0, 1)
              .map(n -> "k1#o" + n, Types.STRING),
          pipeline);
    }
  }
}
