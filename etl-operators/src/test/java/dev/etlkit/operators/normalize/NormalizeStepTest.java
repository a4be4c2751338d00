package dev.etlkit.operators.normalize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.StateDeclaration;
import dev.etlkit.core.StateInventory;
import dev.etlkit.operators.normalize.UpsertNormalize.Route;
import dev.etlkit.testkit.ChangelogGenerator;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/** The specs of both steps: validation, expansion, types, uids and the state inventory. */
class NormalizeStepTest {

  private final StreamExecutionEnvironment env =
      StreamExecutionEnvironment.getExecutionEnvironment();

  private DataStream<Change<Customer>> customers() {
    return env.fromData(
        List.of(Change.insert(new Customer("c1", "Ada", "ada@a", 1))),
        Change.typeInfo(Customer.TYPE));
  }

  /** A type that inherits Object.equals. */
  public static final class NoEquals {
    public String id;
  }

  /** A record is compared with its equals, which compares the address with the address's own. */
  public record Placed(String id, NoEquals address) {}

  /** A record's equals compares an array component by identity. */
  public record Tagged(String id, String[] tags) {}

  @Test
  void expand_declaresTypedOutputUidAndStateWithGrowthAndTtl() {
    // tag::normalize-pipeline[]
    EtlStream<Change<Customer>> normalized =
        Etl.from(customers(), "crm")
            .defaultStateTtl(Duration.ofDays(7))
            .apply(
                Normalize.upserts("normalize-customers", Customer::id, Types.STRING)
                    .withSequence(change -> change.value().version())
                    .withStateTtl(Duration.ofDays(30)))
            .apply(
                ChangelogCheck.validate("check-customers", Customer::id, Types.STRING)
                    .withFullChangelog()
                    .withSampleRate(0.01));

    StateInventory inventory = normalized.stateInventory(); // before the job runs
    // end::normalize-pipeline[]

    assertThat(normalized.type()).isEqualTo(Change.typeInfo(Customer.TYPE));
    assertThat(normalized.pipeline().uids())
        .containsExactly(
            "crm/normalize-customers",
            "crm/normalize-customers/keys", // the key check before the shuffle: no state
            "crm/check-customers",
            "crm/check-customers/keys");
    assertThat(inventory.entries())
        .extracting(
            e -> e.uid(),
            e -> e.state().name(),
            e -> e.state().kind(),
            e -> e.state().valueType(),
            e -> e.state().ttl().orElse(null),
            e -> e.state().growth())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "crm/normalize-customers",
                "row",
                StateDeclaration.Kind.VALUE,
                "RowState<Customer>",
                Duration.ofDays(30),
                "one row and a sequence per live key; one sequence per deleted key"),
            timers("crm/normalize-customers"),
            org.assertj.core.groups.Tuple.tuple(
                "crm/check-customers",
                "status",
                StateDeclaration.Kind.VALUE,
                "Long",
                Duration.ofDays(7),
                "one long per live key of the sample (flags and live-row hash); a delete clears"
                    + " it"),
            org.assertj.core.groups.Tuple.tuple(
                "crm/check-customers",
                "status-fingerprint-key",
                StateDeclaration.Kind.MAP,
                "Integer -> Long",
                null,
                "the step's 128-bit row fingerprint key and a digest of the row serializer, one"
                    + " copy per subtask (broadcast operator state, not keyed)"),
            org.assertj.core.groups.Tuple.tuple(
                "crm/check-customers",
                "status-sample",
                StateDeclaration.Kind.MAP,
                "Integer -> Long",
                null,
                "the sample the statuses are kept for (the lowest sample rate the step ran with),"
                    + " one copy per subtask (broadcast operator state, not keyed)"),
            timers("crm/check-customers"));
  }

  @Test
  void deleteRetention_asConceptsShowsIt_addsTheDeadlineStateAndTimers() {
    // tag::delete-retention[]
    EtlStream<Change<Customer>> customers =
        Etl.from(customers(), "crm")
            .apply(
                Normalize.upserts("customers", Customer::id, Types.STRING)
                    .withSequence(ChangeSequence.sourcePosition())
                    .withDeleteRetention(Duration.ofDays(1))); // like delete.retention.ms
    // end::delete-retention[]

    assertThat(customers.stateInventory().entries())
        .extracting(e -> e.uid(), e -> e.state().name(), e -> e.state().kind())
        .contains(
            org.assertj.core.groups.Tuple.tuple(
                "crm/customers", "row", StateDeclaration.Kind.VALUE),
            org.assertj.core.groups.Tuple.tuple(
                "crm/customers", "delete-deadline", StateDeclaration.Kind.VALUE));
    assertThatThrownBy(
            () ->
                Etl.from(customers(), "crm")
                    .apply(
                        Normalize.upserts("customers", Customer::id, Types.STRING)
                            .withDeleteRetention(Duration.ofDays(1))))
        .as("without a sequence a delete keeps no marker")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("deleteRetention needs withSequence");
  }

  /** The timer service Flink's KeyedProcessOperator opens for the step, in every savepoint. */
  private static org.assertj.core.groups.Tuple timers(String uid) {
    return org.assertj.core.groups.Tuple.tuple(
        uid,
        "user-timers",
        StateDeclaration.Kind.TIMERS,
        "processing and event time",
        null,
        "none: the timer service Flink's KeyedProcessOperator opens; the step sets no timers");
  }

  @Test
  void expand_plainNormalizer_keepsTheRowItself() {
    EtlStream<Change<Customer>> normalized =
        Etl.from(customers(), "crm")
            .apply(Normalize.upserts("normalize-customers", Customer::id, Types.STRING));

    StateDeclaration state = normalized.stateInventory().entries().get(0).state();
    assertThat(state.valueType()).isEqualTo("Customer");
    assertThat(state.ttl()).isEmpty();
    assertThat(state.growth()).isEqualTo("one row per live key; a delete clears it");
  }

  @Test
  void rejected_givesTheSideOutputOfTheStep() {
    // tag::normalize-rejected[]
    EtlStream<Change<Customer>> normalized =
        Etl.from(customers(), "crm")
            .apply(
                Normalize.upserts("normalize-customers", Customer::id, Types.STRING)
                    .withSequence(ChangeSequence.sourcePosition()));

    // stale changes (the default route of withStaleChanges is SIDE_OUTPUT), as they came in
    DataStream<Change<Customer>> stale = Normalize.rejected(normalized.toDataStream());
    // end::normalize-rejected[]

    assertThat(stale.getType()).isEqualTo(Change.typeInfo(Customer.TYPE));
    assertThatThrownBy(() -> Normalize.rejected(customers().union(customers())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "normalized must be the output stream of an UpsertNormalize step, was a DataStream");
  }

  @Test
  void rejected_ofAnotherStepsOutput_failsInsteadOfGivingAnEmptyStream() {
    EtlStream<Change<Customer>> normalized =
        Etl.from(customers(), "crm")
            .apply(
                Normalize.upserts("normalize-customers", Customer::id, Types.STRING)
                    .withSequence(ChangeSequence.sourcePosition()));
    EtlStream<Change<Customer>> checked =
        normalized.apply(ChangelogCheck.validate("check-customers", Customer::id, Types.STRING));

    // the check's operator never emits the normalizer's side output: its stale changes would be
    // read from a stream that stays empty
    assertThatThrownBy(() -> Normalize.rejected(checked.toDataStream()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("normalized must be the output stream of an UpsertNormalize step");
    assertThatThrownBy(() -> Normalize.rejected(normalized.toDataStream().map(c -> c)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("normalized must be the output stream of an UpsertNormalize step");
  }

  @Test
  void upserts_invalidArguments_failNamingTheOption() {
    assertThatThrownBy(() -> Normalize.upserts("bad name", Customer::id, Types.STRING))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("step name must be 1 to 64 characters");
    assertThatThrownBy(() -> Normalize.<Customer, String>upserts("n", null, Types.STRING))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("key");
    assertThatThrownBy(
            () ->
                Normalize.upserts(
                    "n", (Customer c) -> new NoEquals(), new GenericTypeInfo<>(NoEquals.class)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("keyType must have a real Flink type")
        .hasMessageContaining("generic (Kryo) type");
  }

  /**
   * Found by a review on 2026-11-25, as for the dimension join the day before: the declared key
   * type was never checked against the key selector's inferred type, so a selector returning Long
   * against a declared String was accepted, and the keyed operator failed where its key serializer
   * met the first key (RocksDB at once, the heap at the next checkpoint).
   */
  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void apply_keyTypeDiffersFromTheInferredSelectorType_fails() {
    KeySelector<Customer, String> longKey =
        (KeySelector) (KeySelector<Customer, Long>) Customer::version;

    assertThatThrownBy(
            () ->
                Etl.from(customers(), "crm")
                    .apply(Normalize.upserts("normalize", longKey, Types.STRING)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "upsert normalize step 'normalize': the key selector's type is Long but the key type"
                + " is String; both must be the same");
    assertThatThrownBy(
            () ->
                Etl.from(customers(), "crm")
                    .apply(ChangelogCheck.validate("check", longKey, Types.STRING)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "changelog check 'check': the key selector's type is Long but the key type is String;"
                + " both must be the same");
  }

  /** A key selector declared to return Object: its type says nothing. */
  private static Object objectKey(Customer customer) {
    return customer.id();
  }

  /** A selector of no known type (declared to return Object) leaves it to the given key type. */
  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void apply_selectorOfNoKnownType_takesTheGivenKeyType() {
    KeySelector<Customer, String> objectKey =
        (KeySelector) (KeySelector<Customer, Object>) NormalizeStepTest::objectKey;

    assertThat(
            Etl.from(customers(), "crm")
                .apply(Normalize.upserts("normalize", objectKey, Types.STRING))
                .apply(ChangelogCheck.validate("check", objectKey, Types.STRING))
                .type())
        .isEqualTo(Change.typeInfo(Customer.TYPE));
  }

  @Test
  void withX_invalidValues_failNamingOptionAndValue() {
    UpsertNormalize<Customer, String> spec = Normalize.upserts("n", Customer::id, Types.STRING);

    assertThatThrownBy(() -> spec.withStaleChanges(Route.EMIT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("staleChanges must be DROP, SIDE_OUTPUT or DEAD_LETTER, was EMIT");
    assertThatThrownBy(() -> spec.withStateTtl(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("stateTtl must be zero (no TTL) or positive, was PT-1S");
    assertThatThrownBy(() -> spec.withStateTtl(Duration.ofNanos(500_000)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("stateTtl must be at least 1 ms");
    assertThatThrownBy(() -> spec.withSequence(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("sequence");
    assertThatThrownBy(() -> spec.withUnknownKeyDeletes(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("route");
    assertThatThrownBy(
            () ->
                spec.withProjectedState(
                    c -> new NoEquals(), new GenericTypeInfo<>(NoEquals.class), p -> null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("projectedType must have a real Flink type");
    assertThatThrownBy(() -> spec.withErrorPolicy(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("policy");
    assertThatThrownBy(
            () -> spec.withProjectedState(null, CustomerKey.TYPE, CustomerKey::toCustomer))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("project");
    assertThatThrownBy(() -> spec.withProjectedState(CustomerKey::of, CustomerKey.TYPE, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("retraction");
  }

  /** A state projection that wants to hear of checkpoints: a plain function of a row may not. */
  static final class ListeningProjection
      implements MapFunction<Customer, CustomerKey>, CheckpointListener {
    private static final long serialVersionUID = 1L;

    @Override
    public CustomerKey map(Customer customer) {
      return CustomerKey.of(customer);
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {}
  }

  @Test
  void withProjectedState_functionWithCheckpointHooks_fails() {
    UpsertNormalize<Customer, String> spec = Normalize.upserts("n", Customer::id, Types.STRING);

    assertThatThrownBy(
            () ->
                spec.withProjectedState(
                    new ListeningProjection(), CustomerKey.TYPE, CustomerKey::toCustomer))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "the state projection of step 'n' ("
                + ListeningProjection.class.getName()
                + ") implements CheckpointListener, which the step does not pass on: it is a plain"
                + " function of a row and keeps no state; keep state in a step of its own");
  }

  @Test
  void expand_staleChangesWithoutSequence_fails() {
    UpsertNormalize<Customer, String> spec =
        Normalize.upserts("n", Customer::id, Types.STRING).withStaleChanges(Route.DROP);

    assertThatThrownBy(() -> Etl.from(customers(), "crm").apply(spec))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("staleChanges needs withSequence(...): without a sequence no change is stale");
  }

  @Test
  void withDeleteRetention_invalidValues_failNamingOptionAndValue() {
    UpsertNormalize<Customer, String> spec = Normalize.upserts("n", Customer::id, Types.STRING);

    assertThatThrownBy(() -> spec.withDeleteRetention(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("deleteRetention must not be null");
    assertThatThrownBy(() -> spec.withDeleteRetention(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("deleteRetention must be positive, was PT0S");
    assertThatThrownBy(() -> spec.withDeleteRetention(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("deleteRetention must be positive, was PT-1S");
    assertThatThrownBy(() -> spec.withDeleteRetention(Duration.ofNanos(1_500_000)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("deleteRetention must be a whole number of milliseconds");
    assertThat(spec.withDeleteRetention(Duration.ofDays(1)).toString())
        .contains(", deleteRetention=PT24H");
  }

  /** Without a sequence a delete clears the key: there is no marker the option could remove. */
  @Test
  void expand_deleteRetentionWithoutSequence_fails() {
    UpsertNormalize<Customer, String> plain =
        Normalize.upserts("n", Customer::id, Types.STRING).withDeleteRetention(Duration.ofHours(1));
    UpsertNormalize<Customer, String> projected =
        plain.withProjectedState(CustomerKey::of, CustomerKey.TYPE, CustomerKey::toCustomer);
    String message =
        "deleteRetention needs withSequence(...): without a sequence a delete clears the key's"
            + " state and keeps no marker to remove";

    assertThatThrownBy(() -> Etl.from(customers(), "crm").apply(plain))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
    assertThatThrownBy(() -> Etl.from(customers(), "crm").apply(projected))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @Test
  void withoutDeleteRetention_onAStepDerivedFromOneWithIt_isTheStepWithout() {
    UpsertNormalize<Customer, String> plain = Normalize.upserts("n", Customer::id, Types.STRING);
    UpsertNormalize<Customer, String> base = plain.withDeleteRetention(Duration.ofHours(1));

    assertThat(base.withoutDeleteRetention()).hasToString(plain.toString());
    // Without a sequence the option is refused when applied (above); switched off, it is not.
    assertThat(
            Etl.from(customers(), "crm")
                .apply(base.withoutDeleteRetention())
                .stateInventory()
                .entries())
        .isEqualTo(Etl.from(customers(), "crm").apply(plain).stateInventory().entries());
  }

  @Test
  void withoutSequence_keepsTheRulesOfTheOptionsThatNeedOne() {
    UpsertNormalize<Customer, String> base =
        Normalize.upserts("n", Customer::id, Types.STRING)
            .withSequence(change -> change.value().version())
            .withStaleChanges(UpsertNormalize.Route.DROP)
            .withDeleteRetention(Duration.ofHours(1));

    // As on a step that never had a sequence, the options that need one are refused ...
    assertThatThrownBy(() -> Etl.from(customers(), "crm").apply(base.withoutSequence()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("staleChanges needs withSequence(...)");
    assertThatThrownBy(
            () ->
                Etl.from(customers(), "crm")
                    .apply(base.withoutSequence().withStaleChanges(UpsertNormalize.Route.DROP)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("staleChanges needs withSequence(...)");
    // ... and the sequence switched back on restores the base.
    assertThat(base.withoutSequence().withSequence(change -> change.value().version()))
        .hasToString(base.toString());
  }

  /**
   * A route set to its default is the route never set: a variant of a base that sets another route
   * can drop the sequence once it gives the default back, and the refusal of a route that is not
   * the default stays as it was.
   */
  @Test
  void withStaleChanges_theDefaultRoute_isTheStepThatNeverSetIt() {
    UpsertNormalize<Customer, String> plain = Normalize.upserts("n", Customer::id, Types.STRING);
    UpsertNormalize<Customer, String> base =
        plain.withSequence(change -> change.value().version()).withStaleChanges(Route.DROP);
    UpsertNormalize<Customer, String> variant =
        base.withoutSequence().withStaleChanges(UpsertNormalize.DEFAULT_STALE_CHANGES);

    assertThat(plain.withStaleChanges(Route.SIDE_OUTPUT)).hasToString(plain.toString());
    assertThat(base.withStaleChanges(UpsertNormalize.DEFAULT_STALE_CHANGES))
        .hasToString(plain.withSequence(change -> change.value().version()).toString());
    assertThat(variant).hasToString(plain.toString());
    assertThat(Etl.from(customers(), "crm").apply(variant).stateInventory().entries())
        .isEqualTo(Etl.from(customers(), "crm").apply(plain).stateInventory().entries());
    assertThatThrownBy(() -> Etl.from(customers(), "crm").apply(base.withoutSequence()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("staleChanges needs withSequence(...): without a sequence no change is stale");
  }

  /** A variant of a base with a TTL of its own (or none) takes the pipeline's again. */
  @Test
  void withPipelineStateTtl_onStepsDerivedFromOnesWithTheirOwn_areTheStepsWithout() {
    UpsertNormalize<Customer, String> plain = Normalize.upserts("n", Customer::id, Types.STRING);
    ChangelogCheck<Customer, String> plainCheck =
        ChangelogCheck.validate("c", Customer::id, Types.STRING);
    UpsertNormalize<Customer, String> own = plain.withStateTtl(Duration.ofHours(1));
    ChangelogCheck<Customer, String> ownCheck = plainCheck.withStateTtl(Duration.ZERO);

    assertThat(own.withPipelineStateTtl()).hasToString(plain.toString());
    assertThat(ownCheck.withPipelineStateTtl()).hasToString(plainCheck.toString());
    assertThat(
            Etl.from(customers(), "crm")
                .defaultStateTtl(Duration.ofDays(7))
                .apply(own.withPipelineStateTtl())
                .apply(ownCheck.withPipelineStateTtl())
                .stateInventory()
                .entries())
        .isEqualTo(
            Etl.from(customers(), "crm")
                .defaultStateTtl(Duration.ofDays(7))
                .apply(plain)
                .apply(plainCheck)
                .stateInventory()
                .entries());
  }

  @Test
  void withoutProjectedState_needsValueEqualityAgain() {
    DataStream<Change<NoEquals>> input =
        env.fromData(
            List.of(Change.insert(new NoEquals())), Change.typeInfo(Types.POJO(NoEquals.class)));
    UpsertNormalize<NoEquals, String> projected =
        Normalize.upserts("n", (NoEquals v) -> v.id, Types.STRING)
            .withProjectedState(v -> v.id, Types.STRING, id -> new NoEquals());
    Etl.from(input, "p").apply(projected);

    assertThat(projected.withoutProjectedState())
        .hasToString(Normalize.upserts("n", (NoEquals v) -> v.id, Types.STRING).toString());
    assertThatThrownBy(() -> Etl.from(input, "p2").apply(projected.withoutProjectedState()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "part NoEquals (" + NoEquals.class.getName() + ") is compared by identity");
  }

  @Test
  void expand_deleteRetention_declaresTheDeadlinesAndTheTimers() {
    StateInventory inventory =
        Etl.from(customers(), "crm")
            .apply(
                Normalize.upserts("normalize-customers", Customer::id, Types.STRING)
                    .withSequence(change -> change.value().version())
                    .withDeleteRetention(Duration.ofDays(2)))
            .stateInventory();

    assertThat(inventory.entries())
        .extracting(
            e -> e.state().name(),
            e -> e.state().kind(),
            e -> e.state().valueType(),
            e -> e.state().ttl().orElse(null),
            e -> e.state().growth())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "row",
                StateDeclaration.Kind.VALUE,
                "RowState<Customer>",
                null,
                "one row and a sequence per live key; one sequence per deleted key, for"
                    + " deleteRetention (PT48H) after its delete"),
            org.assertj.core.groups.Tuple.tuple(
                "delete-deadline",
                StateDeclaration.Kind.VALUE,
                "Long",
                null,
                "one long per key deleted within deleteRetention (PT48H), until its removal timer"
                    + " fires"),
            org.assertj.core.groups.Tuple.tuple(
                "delete-deadlines-complete",
                StateDeclaration.Kind.LIST,
                "Boolean",
                null,
                "one boolean per subtask: whether every delete marker has its removal deadline"
                    + " (operator state, not keyed)"),
            org.assertj.core.groups.Tuple.tuple(
                "delete-retention",
                StateDeclaration.Kind.LIST,
                "Long",
                null,
                "one long per subtask: the delete retention the deadlines were set with"
                    + " (operator state, not keyed)"),
            org.assertj.core.groups.Tuple.tuple(
                "user-timers",
                StateDeclaration.Kind.TIMERS,
                "processing time",
                null,
                "one timer per key deleted within deleteRetention (PT48H): the removal of its"
                    + " delete marker, at the deadline rounded up to a second"));
  }

  @Test
  void expand_aNestedPartWithoutValueEquality_failsNamingIt() {
    DataStream<Change<Placed>> placed =
        env.fromData(
            List.of(Change.insert(new Placed("p1", new NoEquals()))),
            Change.typeInfo(Types.POJO(Placed.class)));
    assertThatThrownBy(
            () -> Etl.from(placed, "p").apply(Normalize.upserts("n", Placed::id, Types.STRING)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("part Placed.address (" + NoEquals.class.getName() + ")");

    DataStream<Change<Tagged>> tagged =
        env.fromData(
            List.of(Change.insert(new Tagged("t1", new String[] {"a"}))),
            Change.typeInfo(Types.POJO(Tagged.class)));
    assertThatThrownBy(
            () -> Etl.from(tagged, "t").apply(Normalize.upserts("n", Tagged::id, Types.STRING)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("part Tagged.tags (an array, whose equals is identity)");
  }

  @Test
  void expand_valueTypeWithoutEquals_failsSayingWhatToDo() {
    DataStream<Change<NoEquals>> input =
        env.fromData(
            List.of(Change.insert(new NoEquals())), Change.typeInfo(Types.POJO(NoEquals.class)));

    assertThatThrownBy(
            () ->
                Etl.from(input, "p")
                    .apply(Normalize.upserts("n", (NoEquals v) -> v.id, Types.STRING)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "part NoEquals (" + NoEquals.class.getName() + ") is compared by identity")
        .hasMessageContaining("Java record");
    // Projected state compares hashes of serialized rows instead: no equals needed.
    Etl.from(input, "p2")
        .apply(
            Normalize.upserts("n", (NoEquals v) -> v.id, Types.STRING)
                .withProjectedState(v -> v.id, Types.STRING, id -> new NoEquals()));
  }

  @Test
  void expand_inputNotAChangeStreamOrGenericValue_fails() {
    @SuppressWarnings("unchecked")
    Class<Change<String>> changeClass = (Class<Change<String>>) (Class<?>) Change.class;
    DataStream<Change<String>> untyped =
        env.fromData(Types.STRING, "k1#v1")
            .map(Change::insert)
            .returns(new GenericTypeInfo<>(changeClass));
    DataStream<Change<NoEquals>> genericValues =
        env.fromData(
            List.of(Change.insert(new NoEquals())),
            Change.typeInfo(new GenericTypeInfo<>(NoEquals.class)));

    assertThatThrownBy(() -> Etl.from(untyped, "p1").apply(NormalizeHarnesses.strings()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "step 'normalize' needs a stream of Change records typed with"
                + " Change.typeInfo(valueType), was GenericType");
    assertThatThrownBy(
            () ->
                Etl.from(genericValues, "p2")
                    .apply(ChangelogCheck.validate("check", (NoEquals v) -> v.id, Types.STRING)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("value type of step 'check' must have a real Flink type");
  }

  @Test
  void changelogCheck_invalidValues_failNamingOptionAndValue() {
    ChangelogCheck<String, String> check =
        ChangelogCheck.validate("check", ChangelogGenerator::stringKey, Types.STRING);

    assertThatThrownBy(() -> check.withSampleRate(0.0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("sampleRate must be in (0, 1], was 0.0");
    assertThatThrownBy(() -> check.withSampleRate(1.5))
        .hasMessage("sampleRate must be in (0, 1], was 1.5");
    assertThatThrownBy(() -> check.withSampleRate(Double.NaN))
        .hasMessage("sampleRate must be in (0, 1], was NaN");
    // positive, but below the sampling threshold's resolution: no key would ever be checked
    assertThatThrownBy(() -> check.withSampleRate(Double.MIN_VALUE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "sampleRate must be at least 2^-53 (1.1102230246251565E-16): a smaller one checks no"
                + " key, was 4.9E-324");
    assertThat(check.withSampleRate(0x1p-53)).isNotNull();
    assertThatThrownBy(() -> check.withStateTtl(Duration.ofSeconds(-1)))
        .hasMessage("stateTtl must be zero (no TTL) or positive, was PT-1S");
    assertThatThrownBy(() -> check.withStateTtl(Duration.ofNanos(500_000)))
        .hasMessageStartingWith("stateTtl must be at least 1 ms");
    assertThatThrownBy(
            () ->
                ChangelogCheck.<String, String>validate(
                    "", ChangelogGenerator::stringKey, Types.STRING))
        .hasMessageStartingWith("step name must be 1 to 64 characters");
    assertThatThrownBy(() -> check.withErrorPolicy(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("policy");
    assertThatThrownBy(() -> ChangelogCheck.<String, String>validate("c", null, Types.STRING))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("key");
    assertThatThrownBy(
            () ->
                ChangelogCheck.validate(
                    "c", (String v) -> new NoEquals(), new GenericTypeInfo<>(NoEquals.class)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("keyType must have a real Flink type");
  }
}
