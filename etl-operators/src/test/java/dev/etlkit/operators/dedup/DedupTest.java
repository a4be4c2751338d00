package dev.etlkit.operators.dedup;

import static dev.etlkit.operators.dedup.DedupHarness.keepFirst;
import static dev.etlkit.operators.dedup.DedupHarness.keepLast;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.StateDeclaration;
import dev.etlkit.core.StateInventory;
import dev.etlkit.testkit.ChangelogGenerator;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/** The spec: factories, options and their validation, types, state inventory, late records. */
class DedupTest {

  private static final StreamExecutionEnvironment ENV =
      StreamExecutionEnvironment.getExecutionEnvironment();

  // ---- options, validated when called -------------------------------------------------------

  @Test
  void keepFirst_invalidName_failsNamingTheRule() {
    assertThatThrownBy(
            () -> Dedup.<String, String>keepFirst("first order", ChangelogGenerator::stringKey))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("step name must be 1 to 64 characters")
        .hasMessageEndingWith("was 'first order'");
  }

  @Test
  void keepLast_nullKey_fails() {
    assertThatThrownBy(() -> Dedup.keepLast("latest", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("key");
  }

  @Test
  void withAppendOutput_onKeepLast_fails() {
    assertThatThrownBy(() -> keepLast().withAppendOutput())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "output APPEND is for keepFirst only: step 'dedup' keeps the last row, which replaces"
                + " earlier ones; use withUpsertOutput() or withRetractOutput()");
  }

  @Test
  void withStateTtl_negative_fails() {
    assertThatThrownBy(() -> keepFirst().withStateTtl(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("stateTtl must be zero (no TTL) or positive, was PT-1S");
  }

  @Test
  void withStateTtl_zero_isAccepted_andPrintedAsNone() {
    assertThat(keepFirst().withStateTtl(Duration.ZERO).toString()).contains(", ttl=none");
  }

  @Test
  void withStateTtl_belowOneMillisecond_failsWhenSetNotWhenTheJobOpens() {
    assertThatThrownBy(() -> keepFirst().withStateTtl(Duration.ofNanos(500_000)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("stateTtl must be at least 1 ms");
  }

  @Test
  void withMiniBatch_recordsOutOfRange_fails() {
    assertThatThrownBy(() -> keepFirst().withMiniBatch(0, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("miniBatch maxRecords must be in 1..1000000, was 0");
  }

  @Test
  void withMiniBatch_delayOutOfRange_fails() {
    assertThatThrownBy(() -> keepFirst().withMiniBatch(10, Duration.ofHours(2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("miniBatch maxDelay must be in (0, PT1H], was PT2H");
  }

  @Test
  void withMiniBatch_delayNotWholeMilliseconds_failsInsteadOfBeingCut() {
    // the operator waits whole milliseconds: 0.5 ms would wait 0 ms (a flush per record), 1.5 ms
    // would wait 1 ms
    assertThatThrownBy(() -> keepFirst().withMiniBatch(10, Duration.ofNanos(500_000)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("miniBatch maxDelay must be a whole number of milliseconds, was PT0.0005S");
    assertThatThrownBy(() -> keepFirst().withMiniBatch(10, Duration.ofNanos(1_500_000)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("miniBatch maxDelay must be a whole number of milliseconds, was PT0.0015S");
    assertThat(keepFirst().withMiniBatch(10, Duration.ofMillis(1))).isNotNull();
  }

  @Test
  void dedupOrder_moreThanFourComponents_fails() {
    DedupOrder<String> four =
        DedupOrder.<String>byEventTime().thenBy(r -> 1L).thenBy(r -> 2L).thenBy(r -> 3L);

    assertThat(four.size()).isEqualTo(4);
    assertThat(four).hasToString("eventTime, then 3 keys");
    assertThatThrownBy(() -> four.thenBy(r -> 4L))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("an order has at most 4 components, was 5");
  }

  @Test
  void dedupOrder_namedKeys_printByName() {
    DedupOrder<String> order =
        DedupOrder.<String>byEventTime()
            .thenBy(r -> 1L)
            .thenBy("version", DedupHarness::version)
            .thenBy(r -> 2L);

    assertThat(order).hasToString("eventTime, then 1 key, then version, then 1 key");
    assertThat(order.keyNames()).containsExactly(null, "version", null);
    assertThat(DedupOrder.by("lsn", r -> 1L).thenBy(r -> 2L)).hasToString("lsn, then 1 key");
  }

  @Test
  void dedupOrder_leadingUnnamedKeys_printAsOneRun() {
    assertThat(DedupOrder.<String>by(r -> 1L).thenBy(r -> 2L)).hasToString("2 keys");
    assertThat(DedupOrder.<String>by(r -> 1L).thenBy(r -> 2L).thenBy("version", r -> 3L))
        .hasToString("2 keys, then version");
  }

  @Test
  void dedupOrder_invalidKeyName_failsNamingTheRule() {
    assertThatThrownBy(() -> DedupOrder.<String>by("log position", r -> 1L))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("key name must be 1 to 64 characters")
        .hasMessageEndingWith("was 'log position'");
  }

  @Test
  void dedupOrder_keyNameTwice_fails() {
    DedupOrder<String> byVersion = DedupOrder.by("version", DedupHarness::version);

    assertThatThrownBy(() -> byVersion.thenBy("version", r -> 1L))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("key name 'version' is already used in this order (version)");
  }

  // ---- rules between options, checked when applied ------------------------------------------

  @Test
  void apply_appendOutputOnAChangelog_fails() {
    assertThatThrownBy(() -> apply(keepFirst().onChangelog(), DedupHarness.STRING_CHANGE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "dedup step 'dedup': output APPEND needs insert-only input, but onChangelog() was"
                + " given; use withUpsertOutput() or withRetractOutput()");
  }

  @Test
  void apply_appendOutputWithACustomOrder_fails() {
    assertThatThrownBy(() -> apply(keepFirst().withOrdering(DedupOrder.by(r -> 1L)), Types.STRING))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("output APPEND cannot know when a row ordered by 1 key is final");
  }

  @Test
  void apply_orderedKeepFirstOnAChangelog_fails() {
    assertThatThrownBy(
            () ->
                apply(
                    keepFirst().withEventTimeOrder().withUpsertOutput().onChangelog(),
                    DedupHarness.STRING_CHANGE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("keepFirst on a changelog is ordered by processing time only");
  }

  @Test
  void apply_lateRecordsWithoutEventTime_fails() {
    assertThatThrownBy(
            () -> apply(keepLast().withLateRecords(LateRecords.DEAD_LETTER), Types.STRING))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "dedup step 'dedup': withLateRecords(DEAD_LETTER) needs event-time ordering; records"
                + " ordered by processing time are never late");
  }

  /**
   * Late records sent to their default place are late records never given a place: a variant of an
   * event-time base that sends them elsewhere can order by processing time once it gives the
   * default back, and the refusal of another place stays as it was.
   */
  @Test
  void withLateRecords_theDefault_isTheStepThatNeverSetIt() {
    Dedup.DedupStep<String, String, String, Change<String>> base =
        keepLast().withEventTimeOrder().withLateRecords(LateRecords.DEAD_LETTER);
    Dedup.DedupStep<String, String, String, Change<String>> variant =
        base.withProcessingTimeOrder().withLateRecords(Dedup.DEFAULT_LATE_RECORDS);

    assertThat(base.toString()).contains(", lateRecords=DEAD_LETTER");
    assertThat(base.withLateRecords(LateRecords.SIDE_OUTPUT))
        .hasToString(keepLast().withEventTimeOrder().toString());
    assertThat(variant).hasToString(keepLast().toString());
    assertThat(apply(variant, Types.STRING).stateInventory().entries())
        .isEqualTo(apply(keepLast(), Types.STRING).stateInventory().entries());
    assertThatThrownBy(() -> apply(base.withProcessingTimeOrder(), Types.STRING))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "dedup step 'dedup': withLateRecords(DEAD_LETTER) needs event-time ordering; records"
                + " ordered by processing time are never late");
  }

  /** A variant of a base with a TTL of its own (or none) takes the pipeline's again. */
  @Test
  void withPipelineStateTtl_onAStepDerivedFromOneWithItsOwn_isTheStepWithout() {
    Dedup.DedupStep<String, String, String, String> own =
        keepFirst().withStateTtl(Duration.ofHours(1));

    assertThat(own.withPipelineStateTtl()).hasToString(keepFirst().toString());
    assertThat(own.withStateTtl(Duration.ZERO).withPipelineStateTtl())
        .hasToString(keepFirst().toString());
    assertThat(
            Etl.from(source(Types.STRING), "test")
                .defaultStateTtl(Duration.ofDays(7))
                .apply(own.withPipelineStateTtl())
                .stateInventory()
                .entries())
        .isEqualTo(
            Etl.from(source(Types.STRING), "test")
                .defaultStateTtl(Duration.ofDays(7))
                .apply(keepFirst())
                .stateInventory()
                .entries());
  }

  @Test
  void apply_onChangelogToRows_fails() {
    @SuppressWarnings({"unchecked", "rawtypes"})
    TypeInformation<Change<String>> notChanges = (TypeInformation) Types.STRING;

    assertThatThrownBy(() -> apply(keepLast().onChangelog(), notChanges))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "dedup step 'dedup': onChangelog() needs a stream of Change<T> declared with"
                + " Change.typeInfo(...), was String");
  }

  @Test
  void apply_rowsStepToAChangelog_failsSayingOnChangelog() {
    Dedup.DedupStep<Change<String>, Change<String>, String, Change<Change<String>>> step =
        Dedup.keepLast("dedup", change -> ChangelogGenerator.stringKey(change.value()));

    assertThatThrownBy(() -> apply(step.withKeyType(Types.STRING), DedupHarness.STRING_CHANGE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "dedup step 'dedup': the input is a changelog (Change<String>); call onChangelog() to"
                + " deduplicate its rows");
  }

  @Test
  void apply_kryoRowType_fails() {
    Dedup.DedupStep<NotAPojo, NotAPojo, Integer, NotAPojo> step =
        Dedup.keepFirst("dedup", NotAPojo::key);

    assertThatThrownBy(() -> apply(step, new GenericTypeInfo<>(NotAPojo.class)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the row type GenericType<")
        .hasMessageEndingWith(
            "would be serialized with Kryo; give the stream a POJO, record, Avro or basic type");
  }

  @Test
  void apply_keyTypeLostToErasure_failsSayingWithKeyType() {
    KeySelector<String, String> erased = erasedKey(ChangelogGenerator::stringKey);

    assertThatThrownBy(() -> apply(Dedup.keepFirst("dedup", erased), Types.STRING))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "dedup step 'dedup': the key type cannot be inferred from the key selector; pass it"
                + " with withKeyType(...)");
    assertThat(
            apply(Dedup.keepFirst("dedup", erased).withKeyType(Types.STRING), Types.STRING).type())
        .isEqualTo(Types.STRING);
  }

  /**
   * Found by a review on 2026-11-25, as for the dimension join the day before: a declared key type
   * ({@code withKeyType}) switched off the check of the key selector's inferred type, so a selector
   * returning Integer against a declared String was accepted, and the dedup operator failed where
   * its key serializer met the first key (RocksDB at once, the heap at the next checkpoint).
   */
  @Test
  void apply_declaredKeyTypeDiffersFromTheInferredSelectorType_fails() {
    @SuppressWarnings({"unchecked", "rawtypes"})
    KeySelector<String, String> intKey =
        (KeySelector) (KeySelector<String, Integer>) String::length;

    assertThatThrownBy(
            () -> apply(Dedup.keepFirst("dedup", intKey).withKeyType(Types.STRING), Types.STRING))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "dedup step 'dedup': the key selector's type is Integer but the declared key type"
                + " (withKeyType) is String; both must be the same");
  }

  /** A selector of no known type (declared to return Object) leaves it to the declared type. */
  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void apply_declaredKeyType_selectorOfNoKnownType_applies() {
    KeySelector<String, String> objectKey =
        (KeySelector) (KeySelector<String, Object>) DedupTest::objectKey;

    assertThat(
            apply(Dedup.keepFirst("dedup", objectKey).withKeyType(Types.STRING), Types.STRING)
                .type())
        .isEqualTo(Types.STRING);
  }

  @Test
  void apply_kryoKeyType_fails() {
    KeySelector<String, Object> objectKey = row -> row;

    assertThatThrownBy(() -> apply(Dedup.keepFirst("dedup", objectKey), Types.STRING))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the key type GenericType<java.lang.Object> would be serialized")
        .hasMessageEndingWith("pass the key type with withKeyType(...)");
  }

  // ---- types and state ----------------------------------------------------------------------

  @Test
  void apply_declaresItsOutputType() {
    assertThat(apply(keepFirst(), Types.STRING).type()).isEqualTo(Types.STRING);
    assertThat(apply(keepLast(), Types.STRING).type()).isEqualTo(Change.typeInfo(Types.STRING));
    assertThat(apply(keepLast().onChangelog(), DedupHarness.STRING_CHANGE).type())
        .isEqualTo(Change.typeInfo(Types.STRING));
  }

  @Test
  void apply_keepFirst_declaresAOneByteMarkerWithItsTtl() {
    StateInventory inventory =
        apply(keepFirst().withStateTtl(Duration.ofHours(24)), Types.STRING).stateInventory();

    assertThat(inventory.entries())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.uid()).isEqualTo("test/dedup");
              assertThat(e.keyType()).isEqualTo("String");
              assertThat(e.state().name()).isEqualTo("dedup");
              assertThat(e.state().kind()).isEqualTo(StateDeclaration.Kind.VALUE);
              assertThat(e.state().valueType()).isEqualTo("DedupEntry(marker)");
              assertThat(e.state().growth()).isEqualTo("one 1-byte marker per key");
              assertThat(e.state().ttl()).contains(Duration.ofHours(24));
            });
  }

  @Test
  void apply_keepLastRetractOnAnOrderedChangelog_declaresOrderRowAndTombstones() {
    StateInventory inventory =
        apply(
                keepLast()
                    .withOrdering(DedupOrder.<String>byEventTime().thenBy(DedupHarness::version))
                    .withRetractOutput()
                    .onChangelog(),
                DedupHarness.STRING_CHANGE)
            .stateInventory();

    assertThat(inventory.entries())
        .extracting(e -> e.state().name() + " " + e.state().valueType() + ": " + e.state().growth())
        .containsExactly(
            "dedup DedupEntry(order[2], row: String): per key: ordering key (2 longs), the kept"
                + " row; a deleted key keeps its ordering key as a tombstone",
            "dedup-watermark Long: one long per subtask, for a restore by an earlier etlkit"
                + " (operator state, not keyed)",
            "dedup-watermark-ranges Tuple3<Integer, Integer, Long>: one watermark and key-group"
                + " range per subtask (operator state, not keyed)");
  }

  @Test
  void apply_keepLastRetract_declaresAFingerprintBesideRowsComparedByTheirBytes() {
    TypeInformation<Map<String, String>> mapType = Types.MAP(Types.STRING, Types.STRING);
    StateInventory retract =
        apply(
                Dedup.keepLast("dedup", (Map<String, String> m) -> m.get("id")).withRetractOutput(),
                mapType)
            .stateInventory();

    assertThat(retract.entries())
        .extracting(e -> e.state().valueType() + ": " + e.state().growth())
        .containsExactly(
            "DedupEntry(hash, row: Map<String, String>): per key: 8-byte fingerprint, the kept"
                + " row",
            "Integer -> Long: the step's 128-bit row fingerprint key and a digest of the row"
                + " serializer, one copy per subtask (broadcast operator state, not keyed)");
  }

  @Test
  void apply_keepFirstAppendInEventTime_declaresTheHeldRowsTheirTimersAndTheirCount() {
    StateInventory inventory =
        apply(keepFirst().withEventTimeOrder(), Types.STRING).stateInventory();

    assertThat(inventory.entries())
        .extracting(e -> e.state().name() + " " + e.state().kind() + " " + e.state().ttl())
        .containsExactly(
            "dedup VALUE Optional.empty",
            "dedup-pending VALUE Optional.empty",
            "dedup-timers TIMERS Optional.empty",
            "dedup-watermark LIST Optional.empty",
            "dedup-watermark-ranges LIST Optional.empty",
            "dedup-held-records LIST Optional.empty");
  }

  // ---- late records -------------------------------------------------------------------------

  @Test
  void lateRecords_ofTheStepsOutput_isATypedSideOutput() {
    Dedup.DedupStep<String, String, String, String> step = keepFirst().withEventTimeOrder();
    EtlStream<String> deduplicated = apply(step, Types.STRING);

    DataStream<String> late = step.lateRecords(deduplicated);

    assertThat(late.getType()).isEqualTo(Types.STRING);
  }

  @Test
  void lateRecords_ofAStepWithoutEventTime_fails() {
    Dedup.DedupStep<String, String, String, String> step = keepFirst();
    EtlStream<String> deduplicated = apply(step, Types.STRING);

    assertThatThrownBy(() -> step.lateRecords(deduplicated))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("dedup step 'dedup' has no late records: it does not order by event time");
  }

  @Test
  void lateRecords_sentToDeadLetters_fails() {
    Dedup.DedupStep<String, String, String, String> step =
        keepFirst().withEventTimeOrder().withLateRecords(LateRecords.DEAD_LETTER);
    EtlStream<String> deduplicated = apply(step, Types.STRING);

    assertThatThrownBy(() -> step.lateRecords(deduplicated))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("dedup step 'dedup' sends late records to the dead letters, not a side output");
  }

  @Test
  void lateRecords_ofAnotherStream_fails() {
    Dedup.DedupStep<String, String, String, String> step = keepFirst().withEventTimeOrder();
    EtlStream<String> other = Etl.from(source(Types.STRING), "other");

    assertThatThrownBy(() -> step.lateRecords(other))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the stream is not the output of dedup step 'dedup'");
  }

  @Test
  void withX_orderOfCallsDoesNotMatter() {
    Dedup.DedupStep<String, String, String, Change<String>> a =
        keepLast().withEventTimeOrder().withRetractOutput().withStateTtl(Duration.ofHours(1));
    Dedup.DedupStep<String, String, String, Change<String>> b =
        keepLast().withStateTtl(Duration.ofHours(1)).withRetractOutput().withEventTimeOrder();

    assertThat(a).hasToString(b.toString());
    assertThat(a.output()).isEqualTo(DedupOutput.RETRACT);
    assertThat(List.of(a.name(), b.name())).containsOnly("dedup");
  }

  /** A key selector declared to return Object: its type says nothing. */
  private static Object objectKey(String row) {
    return ChangelogGenerator.stringKey(row);
  }

  private static <I, O> EtlStream<O> apply(
      Dedup.DedupStep<I, ?, ?, O> step, TypeInformation<I> type) {
    return Etl.from(source(type), "test").apply(step);
  }

  private static <I> DataStream<I> source(TypeInformation<I> type) {
    return ENV.fromSequence(0, 0).map(new Never<I>(), type);
  }

  /** A key selector whose result type erasure hides, as generic helper code produces. */
  private static <K> KeySelector<String, K> erasedKey(KeySelector<String, K> function) {
    return new ErasedKey<>(function);
  }

  private static final class ErasedKey<K> implements KeySelector<String, K> {
    private static final long serialVersionUID = 1L;
    private final KeySelector<String, K> function;

    ErasedKey(KeySelector<String, K> function) {
      this.function = function;
    }

    @Override
    public K getKey(String value) throws Exception {
      return function.getKey(value);
    }
  }

  /** Not a POJO (no default constructor): Flink would fall back to Kryo. */
  static final class NotAPojo {
    private final int key;

    NotAPojo(int key) {
      this.key = key;
    }

    int key() {
      return key;
    }
  }

  private static final class Never<I> implements MapFunction<Long, I> {
    private static final long serialVersionUID = 1L;

    @Override
    public I map(Long value) {
      throw new UnsupportedOperationException("never executed");
    }
  }
}
