package dev.etlkit.scd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import dev.etlkit.core.Change;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.StateDeclaration;
import dev.etlkit.core.WrappingTypeInfo;
import dev.etlkit.core.internal.KryoTypes;
import dev.etlkit.scd.internal.ChangeChunk;
import dev.etlkit.scd.internal.ChangeChunkSerializer;
import dev.etlkit.scd.internal.KeyCursor;
import dev.etlkit.scd.internal.KeyCursorSerializer;
import dev.etlkit.scd.internal.StoredChange;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.transformations.PartitionTransformation;
import org.junit.jupiter.api.Test;

/** The SCD2 spec: validation of every option, expansion, types, uids and the state inventory. */
class Scd2StepTest {

  private final StreamExecutionEnvironment env =
      StreamExecutionEnvironment.getExecutionEnvironment();

  private DataStream<Change<Customer>> changes() {
    return env.fromData(
        List.of(Change.insert(Brief.customer("c1", "retail", "555", 1))),
        Change.typeInfo(Customer.TYPE));
  }

  private DataStream<Customer> rows() {
    return env.fromData(List.of(Brief.customer("c1", "retail", "555", 1)), Customer.TYPE);
  }

  private static Scd2Step<Change<Customer>, Customer> step() {
    return Scd2.trackChangelog("dim", Customer::id, EffectiveTime.changeEventTime());
  }

  /** A class Flink can only serialize with Kryo. */
  public static final class Opaque {
    private final String id = "x";

    public String id() {
      return id;
    }
  }

  @Test
  void expand_declaresTypedOutputUidAndStateWithGrowthAndTtl() {
    EtlStream<Change<Scd2Row<Customer>>> history =
        Etl.from(changes(), "crm")
            .defaultStateTtl(Duration.ofDays(7))
            .apply(step().withStateTtl(Duration.ofDays(90)));

    assertThat(history.type()).isEqualTo(Change.typeInfo(Scd2Row.typeInfo(Customer.TYPE)));
    assertThat(KryoTypes.genericParts(history.type())).isEmpty();
    assertThat(history.pipeline().uids()).containsExactly("crm/dim");
    assertThat(history.stateInventory().entries())
        .extracting(
            e -> e.uid(),
            e -> e.keyType(),
            e -> e.state().name(),
            e -> e.state().kind(),
            e -> e.state().valueType(),
            e -> e.state().ttl().orElse(null))
        .containsExactly(
            tuple(
                "crm/dim",
                "String",
                "cursor",
                StateDeclaration.Kind.VALUE,
                "KeyCursor<Customer>",
                Duration.ofDays(90)),
            tuple(
                "crm/dim",
                "String",
                "base",
                StateDeclaration.Kind.VALUE,
                "KeyCursor<Customer>",
                Duration.ofDays(90)),
            tuple(
                "crm/dim",
                "String",
                "chunks",
                StateDeclaration.Kind.MAP,
                "Long -> ChangeChunk<Customer>",
                Duration.ofDays(90)),
            tuple(
                "crm/dim",
                "String",
                "changes",
                StateDeclaration.Kind.MAP,
                "Long -> StoredChange",
                Duration.ofDays(90)),
            tuple(
                "crm/dim",
                "String",
                "user-timers",
                StateDeclaration.Kind.TIMERS,
                "processing time",
                null),
            tuple(
                "crm/dim",
                "String",
                "scd2-cleanup-timers-complete",
                StateDeclaration.Kind.LIST,
                "Boolean",
                null),
            tuple(
                "crm/dim", "String", "scd2-cleanup-ttl", StateDeclaration.Kind.LIST, "Long", null));
    assertThat(history.stateInventory().entries().get(2).state().growth())
        .isEqualTo(
            "one entry per 8 (heap: 32, unless under the changelog state backend) changes of a key"
                + " within the last one to two lateness horizons (three while a prune waits for its candidate base; horizon PT1H), never more"
                + " than that");
  }

  /**
   * The check before the shuffle of changes holding a tuple with a {@code null} field the shuffle
   * cannot write (Scd2RecordValueITCase) is added only where the input type can hold one: every
   * other step keeps its job graph (same operators, same uids; its savepoints stay compatible).
   */
  @Test
  void expand_inputTypesWithoutAnUnwritableTupleField_addNoOperatorBeforeTheShuffle() {
    DataStream<Change<Customer>> changes = changes();
    DataStream<Customer> rows = rows();
    // a tuple whose fields all write their nulls (String) needs no check either
    TypeInformation<Tuple2<String, String>> labels = Types.TUPLE(Types.STRING, Types.STRING);
    DataStream<Tuple2<String, String>> tuples = env.fromData(List.of(Tuple2.of("k1", "a")), labels);
    List<Transformation<?>> shipped = new ArrayList<>();

    EtlStream<Change<Scd2Row<Customer>>> fromChanges = Etl.from(changes, "crm").apply(step());
    shipped.add(inputOfTheShuffle(fromChanges));
    EtlStream<Change<Scd2Row<Customer>>> fromRows =
        Etl.from(rows, "crm")
            .apply(Scd2.trackRows("dim", Customer::id, EffectiveTime.recordTimestamp()));
    shipped.add(inputOfTheShuffle(fromRows));
    EtlStream<Change<Scd2Row<Tuple2<String, String>>>> fromTuples =
        Etl.from(tuples, "crm")
            .apply(
                Scd2.trackRows(
                    "dim", (Tuple2<String, String> t) -> t.f0, EffectiveTime.recordTimestamp()));
    shipped.add(inputOfTheShuffle(fromTuples));

    assertThat(List.of(fromChanges, fromRows, fromTuples))
        .allSatisfy(h -> assertThat(h.pipeline().uids()).containsExactly("crm/dim"));
    assertThat(shipped)
        .containsExactly(
            changes.getTransformation(), rows.getTransformation(), tuples.getTransformation());
  }

  @Test
  void expand_inputTypeHoldingATupleFieldThatCannotBeNull_checksTheRecordsChainedToTheInput() {
    DataStream<Change<Scd2RecordValueITCase.Price>> changes =
        env.fromData(List.of("+I:p1:1000:EUR:5"), Types.STRING)
            .map(Scd2RecordValueITCase::change, Change.typeInfo(Scd2RecordValueITCase.PRICE))
            .setParallelism(3);

    EtlStream<Change<Scd2Row<Scd2RecordValueITCase.Price>>> history =
        Etl.from(changes, "crm")
            .apply(
                Scd2.trackChangelog(
                    "dim", Scd2RecordValueITCase.Price::id, EffectiveTime.changeEventTime()));

    assertThat(history.pipeline().uids()).containsExactlyInAnyOrder("crm/dim", "crm/dim/records");
    Transformation<?> check = inputOfTheShuffle(history);
    assertThat(check.getUid()).isEqualTo("crm/dim/records");
    assertThat(check.getParallelism()).isEqualTo(3); // chained to the input
    assertThat(check.getInputs()).containsExactly(changes.getTransformation());
  }

  /** The transformation whose records the step's keyBy partitions. */
  private static Transformation<?> inputOfTheShuffle(EtlStream<?> history) {
    Transformation<?> keyBy = history.toDataStream().getTransformation().getInputs().get(0);
    assertThat(keyBy).isInstanceOf(PartitionTransformation.class);
    return keyBy.getInputs().get(0);
  }

  @Test
  void stateTypes_needNoKryo() {
    TypeInformation<KeyCursor<Customer>> cursor =
        KeyCursor.typeInfo(Customer.TYPE, Scd2Output.RETRACT);
    TypeInformation<StoredChange<Customer>> change = StoredChange.typeInfo(Customer.TYPE);

    // the cursor's own serializer around the attribute type's
    assertThat(cursor).isInstanceOf(WrappingTypeInfo.class);
    assertThat(((WrappingTypeInfo<?, ?>) cursor).getValueType()).isEqualTo(Customer.TYPE);
    assertThat(cursor.createSerializer(new SerializerConfigImpl()))
        .isInstanceOf(KeyCursorSerializer.class);
    assertThat(KryoTypes.genericParts(change)).isEmpty();
    assertThat(KryoTypes.genericParts(Customer.TYPE)).isEmpty();
    // chunks of kept changes: their own serializer around the attribute type's
    TypeInformation<ChangeChunk<Customer>> chunk = ChangeChunk.typeInfo(Customer.TYPE);
    assertThat(chunk.createSerializer(new SerializerConfigImpl()))
        .isInstanceOf(ChangeChunkSerializer.class);
    assertThat(((WrappingTypeInfo<?, ?>) chunk).getValueType()).isEqualTo(Customer.TYPE);
  }

  @Test
  void lateChanges_givesTheSideOutputOfTheStep_typedAsTheInput() {
    Scd2Step<Change<Customer>, Customer> spec = step();
    EtlStream<Change<Scd2Row<Customer>>> history = Etl.from(changes(), "crm").apply(spec);

    DataStream<Change<Customer>> late = spec.lateChanges(history);

    assertThat(late.getType()).isEqualTo(Change.typeInfo(Customer.TYPE));
  }

  @Test
  void lateChanges_ofAStepSendingThemToDeadLetters_fails() {
    Scd2Step<Change<Customer>, Customer> spec = step().withLateChanges(LateChanges.DEAD_LETTER);
    EtlStream<Change<Scd2Row<Customer>>> history = Etl.from(changes(), "crm").apply(spec);

    assertThatThrownBy(() -> spec.lateChanges(history))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("scd2 step 'dim' sends late changes to the dead letters, not a side output");
  }

  @Test
  void lateChanges_ofAnotherStepsOutput_fails() {
    EtlStream<Change<Scd2Row<Customer>>> other =
        Etl.from(changes(), "crm")
            .apply(Scd2.trackChangelog("other", Customer::id, EffectiveTime.changeEventTime()));

    assertThatThrownBy(() -> step().lateChanges(other))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the stream is not the output of scd2 step 'dim'");
  }

  @Test
  void factory_invalidName_fails() {
    assertThatThrownBy(
            () ->
                Scd2.trackRows("no spaces", Customer::id, EffectiveTime.<Customer>processingTime()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("step name must be 1 to 64 characters");
  }

  @Test
  void withLatenessHorizon_outOfRange_fails() {
    assertThatThrownBy(() -> step().withLatenessHorizon(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("latenessHorizon must be in [PT0S, PT87600H], was PT-1S");
    assertThatThrownBy(() -> step().withLatenessHorizon(Duration.ofDays(3651)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("latenessHorizon must be in [PT0S, PT87600H], was PT87624H");
    assertThatThrownBy(() -> step().withLatenessHorizon(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("latenessHorizon must not be null");
  }

  @Test
  void columnLists_emptyBlankOrRepeated_fail() {
    assertThatThrownBy(() -> step().withType1Columns())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("type1Columns needs at least one column, was none");
    assertThatThrownBy(() -> ChangeDetection.only("segment", " "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("only column names must not be blank, was ' '");
    assertThatThrownBy(() -> ChangeDetection.allExcept("phone", "phone"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("allExcept lists column 'phone' twice");
  }

  @Test
  void withHardDeletes_onRows_fails() {
    assertThatThrownBy(
            () ->
                Scd2.trackRows("dim", Customer::id, EffectiveTime.<Customer>processingTime())
                    .withHardDeletes(HardDeletes.NEW_RECORD))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "hardDeletes needs changelog input (Scd2.trackChangelog): step 'dim' tracks rows,"
                + " which never delete");
  }

  @Test
  void withStateTtl_negative_fails() {
    assertThatThrownBy(() -> step().withStateTtl(Duration.ofDays(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("stateTtl must be zero (no TTL) or positive, was PT-24H");
  }

  @Test
  void withStateTtl_zero_overridesThePipelineDefault_withNoTtl() {
    EtlStream<Change<Scd2Row<Customer>>> history =
        Etl.from(changes(), "crm")
            .defaultStateTtl(Duration.ofDays(7))
            .apply(step().withStateTtl(Duration.ZERO));

    assertThat(history.stateInventory().entries())
        .allSatisfy(e -> assertThat(e.state().ttl()).as(e.state().name()).isEmpty());
    assertThat(step().withStateTtl(Duration.ZERO).toString()).contains(", stateTtl=none");
  }

  @Test
  void withStateTtl_belowOneMillisecond_fails() {
    // kept in whole milliseconds, it would be 0: "no TTL", while the state inventory lists it
    assertThatThrownBy(() -> step().withStateTtl(Duration.ofNanos(500_000)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("stateTtl must be at least 1 ms");
  }

  @Test
  void expand_changelogStepOnRows_fails() {
    Scd2Step<Customer, Customer> wrong =
        Scd2.trackRows("dim", Customer::id, EffectiveTime.changeEventTime());
    assertThatThrownBy(() -> Etl.from(rows(), "crm").apply(wrong))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "scd2 step 'dim': EffectiveTime.changeEventTime() needs changelog input"
                + " (Scd2.trackChangelog)");
    assertThatThrownBy(
            () ->
                Etl.from(rows(), "crm")
                    .apply(
                        Scd2.trackRows(
                                "dim", Customer::id, EffectiveTime.<Customer>processingTime())
                            .withTieBreak(TieBreak.sourcePosition())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "scd2 step 'dim': TieBreak.sourcePosition() needs changelog input"
                + " (Scd2.trackChangelog)");
  }

  @Test
  void expand_wrongInputKinds_fail() {
    @SuppressWarnings({"unchecked", "rawtypes"})
    DataStream<Change<Customer>> notChanges = (DataStream) rows();
    assertThatThrownBy(() -> Etl.from(notChanges, "crm").apply(step()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "scd2 step 'dim': Scd2.trackChangelog needs a stream of Change<T> declared with"
                + " Change.typeInfo(...), was");
    @SuppressWarnings({"unchecked", "rawtypes"})
    DataStream<Customer> notRows = (DataStream) changes();
    assertThatThrownBy(
            () ->
                Etl.from(notRows, "crm")
                    .apply(Scd2.trackRows("dim", Customer::id, EffectiveTime.processingTime())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("scd2 step 'dim': the input is a changelog (Change<");
  }

  @Test
  void expand_kryoAttributeType_fails() {
    DataStream<Opaque> opaque =
        env.fromData(List.of(new Opaque()), TypeInformation.of(Opaque.class));
    assertThatThrownBy(
            () ->
                Etl.from(opaque, "crm")
                    .apply(Scd2.trackRows("dim", Opaque::id, EffectiveTime.processingTime())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("would be serialized with Kryo");
  }

  @Test
  void expand_horizonWithProcessingTime_fails() {
    assertThatThrownBy(
            () ->
                Etl.from(rows(), "crm")
                    .apply(
                        Scd2.trackRows(
                                "dim", Customer::id, EffectiveTime.<Customer>processingTime())
                            .withLatenessHorizon(Duration.ofMinutes(5))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "scd2 step 'dim': latenessHorizon PT5M has no effect with"
                + " EffectiveTime.processingTime(), which is never out of order");
  }

  /** An address without an {@code equals} of its own, as Flink POJOs often are. */
  public static class Address {
    public String city;
  }

  /** A customer with a nested POJO column. */
  public record Placed(String id, Address address, Instant at) {}

  /** A customer whose tags are a list of arrays: a list compares its arrays by identity. */
  public record Tagged(String id, List<String[]> tags, Instant at) {}

  @Test
  void expand_aColumnComparedByIdentity_failsNamingIt_trackedOrNot() {
    // Every delivery holds a new Address, which equals would compare by identity: every one would
    // differ, so redeliveries would be emitted again and, tracked, repeated states open versions.
    DataStream<Placed> placed =
        env.fromData(
            List.of(new Placed("c1", new Address(), Instant.EPOCH)),
            TypeInformation.of(Placed.class));
    for (ChangeDetection detection :
        List.of(ChangeDetection.allExcept("at"), ChangeDetection.only("id"))) {
      assertThatThrownBy(
              () ->
                  Etl.from(placed, "crm")
                      .apply(
                          Scd2.trackRows("dim", Placed::id, EffectiveTime.field(Placed::at))
                              .withChangeDetection(detection)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("column part address (" + Address.class.getName() + ")")
          .hasMessageContaining("equals and hashCode");
    }
    DataStream<Tagged> tagged =
        env.fromData(
            List.of(new Tagged("c1", List.<String[]>of(new String[] {"a"}), Instant.EPOCH)),
            TypeInformation.of(Tagged.class));
    assertThatThrownBy(
            () ->
                Etl.from(tagged, "crm")
                    .apply(Scd2.trackRows("dim", Tagged::id, EffectiveTime.field(Tagged::at))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("column part tags<element> (an array, whose equals is identity)");
  }

  @Test
  void expand_unknownColumn_failsListingTheColumns() {
    assertThatThrownBy(
            () ->
                Etl.from(changes(), "crm")
                    .apply(step().withChangeDetection(ChangeDetection.only("segmnt"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "scd2 step 'dim': changeDetection only names unknown column 'segmnt'; the columns are"
                + " [id, phone, segment, updatedAt]");
  }

  @Test
  void expand_type1ColumnAlsoTracked_fails() {
    assertThatThrownBy(
            () ->
                Etl.from(changes(), "crm")
                    .apply(
                        step()
                            .withChangeDetection(ChangeDetection.only("segment", "phone"))
                            .withType1Columns("phone")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "scd2 step 'dim': column 'phone' is both tracked (changeDetection only(segment,"
                + " phone)) and a Type-1 column; a column is one or the other");
  }

  @Test
  void withoutType1Columns_onAStepDerivedFromOneWithThem_isTheStepWithout() {
    Scd2Step<Change<Customer>, Customer> base =
        step().withChangeDetection(ChangeDetection.only("segment", "phone"));
    Scd2Step<Change<Customer>, Customer> withType1 = base.withType1Columns("phone");

    assertThat(withType1.toString()).contains("type1Columns=[phone]");
    assertThat(withType1.withoutType1Columns()).hasToString(base.toString());
    // Refused with 'phone' both tracked and Type 1; switched off, the step applies.
    assertThatThrownBy(() -> Etl.from(changes(), "crm").apply(withType1))
        .hasMessageContaining("column 'phone' is both tracked");
    assertThatCode(() -> Etl.from(changes(), "crm").apply(withType1.withoutType1Columns()))
        .doesNotThrowAnyException();
  }

  /**
   * A variant of a base with an error policy of its own is the step that never had one (as every
   * step of etl-operators: PipelineErrorPolicyResetTest there).
   */
  @Test
  void withPipelineErrorPolicy_onAStepDerivedFromOneWithItsOwn_isTheStepThatNeverHadOne() {
    Scd2Step<Change<Customer>, Customer> own = step().withErrorPolicy(ErrorPolicy.failJob());

    assertThat(own).asString().contains("errorPolicy=fail-job");
    assertThat(own.withPipelineErrorPolicy()).hasToString(step().toString());
    assertThat(own.withPipelineErrorPolicy()).usingRecursiveComparison().isEqualTo(step());
  }

  /** A variant of a base with a TTL of its own (or none) takes the pipeline's again. */
  @Test
  void withPipelineStateTtl_onAStepDerivedFromOneWithItsOwn_isTheStepWithout() {
    Scd2Step<Change<Customer>, Customer> own = step().withStateTtl(Duration.ofDays(30));

    assertThat(own.withPipelineStateTtl()).hasToString(step().toString());
    assertThat(own.withStateTtl(Duration.ZERO).withPipelineStateTtl())
        .hasToString(step().toString());
    assertThat(
            Etl.from(changes(), "crm")
                .defaultStateTtl(Duration.ofDays(7))
                .apply(own.withPipelineStateTtl())
                .stateInventory()
                .entries())
        .isEqualTo(
            Etl.from(changes(), "crm")
                .defaultStateTtl(Duration.ofDays(7))
                .apply(step())
                .stateInventory()
                .entries());
  }

  @Test
  void expand_noColumnLeftToTrack_fails() {
    assertThatThrownBy(
            () ->
                Etl.from(changes(), "crm")
                    .apply(
                        step()
                            .withChangeDetection(ChangeDetection.allExcept("id", "updatedAt"))
                            .withType1Columns("segment", "phone")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "scd2 step 'dim': no column is left to track: changeDetection allExcept(id,"
                + " updatedAt) with type1Columns [segment, phone] of [id, phone, segment,"
                + " updatedAt]");
  }

  @Test
  void expand_columnNamesOnAPlainType_fail() {
    DataStream<String> strings = env.fromData(List.of("a"), Types.STRING);
    assertThatThrownBy(
            () ->
                Etl.from(strings, "crm")
                    .apply(
                        Scd2.trackRows("dim", (String s) -> s, EffectiveTime.processingTime())
                            .withType1Columns("value")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "scd2 step 'dim': column names (changeDetection all(), type1Columns [value]) need an"
                + " attribute type with named fields (POJO, record, Row, tuple), was String");
  }

  @Test
  void withX_returnsNewSteps_andLeavesTheOriginalAlone() {
    Scd2Step<Change<Customer>, Customer> original = step();
    Scd2Step<Change<Customer>, Customer> changed =
        original
            .withOutput(Scd2Output.UPSERT)
            .withLatenessHorizon(Duration.ofDays(1))
            .withValidToCurrent(Instant.parse("9999-12-31T00:00:00Z"));

    assertThat(original.output()).isEqualTo(Scd2.DEFAULT_OUTPUT);
    assertThat(original.latenessHorizon()).isEqualTo(Scd2.DEFAULT_LATENESS_HORIZON);
    assertThat(changed.output()).isEqualTo(Scd2Output.UPSERT);
    assertThat(changed.toString())
        .isEqualTo(
            "Scd2.trackChangelog(dim, effectiveTime=change event time, changeDetection=all(),"
                + " latenessHorizon=PT24H, tieBreak=arrival, hardDeletes=INVALIDATE,"
                + " validToCurrent=9999-12-31T00:00:00Z, output=UPSERT, lateChanges=SIDE_OUTPUT)");
  }
}
