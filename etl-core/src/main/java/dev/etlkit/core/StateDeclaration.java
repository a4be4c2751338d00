package dev.etlkit.core;

import dev.etlkit.core.internal.Names;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import javax.annotation.Nullable;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.base.ListSerializer;
import org.apache.flink.api.common.typeutils.base.MapSerializer;

/**
 * Describes one keyed state a step creates: its descriptor name (never renamed, it is part of the
 * savepoint layout), its kind, the types it holds, its TTL and how it grows. Steps report their
 * declarations through {@link StepContext#declareState}; {@link EtlPipeline#stateInventory()} lists
 * them before the job runs.
 *
 * <pre>{@code
 * StateDeclaration.value("last-seen", Types.LONG).withGrowth("one long per key").withTtl(ttl)
 * }</pre>
 *
 * <p>A declaration made with the state's types ({@link #value}, {@link #map}, {@link #list}, or
 * {@link #of} with {@link #withStateType}) knows the serializer the state will have: {@link
 * SavepointCheck} compares it with the serializer a savepoint wrote the state with, so a change of
 * the state's layout is found before a restore fails on it. Give the types the state's descriptor
 * is made with.
 */
@PublicEvolving
public final class StateDeclaration {

  /** Kind of Flink state. */
  @PublicEvolving
  public enum Kind {
    VALUE,
    MAP,
    LIST,
    REDUCING,
    AGGREGATING,
    TIMERS
  }

  private final String name;
  private final Kind kind;
  private final String valueType;
  private final String growth;
  @Nullable private final Duration ttl;

  /** The value of a VALUE or MAP state, the element of a LIST state; null when not given. */
  @Nullable private final TypeInformation<?> stateType;

  /** The user key of a MAP state; null for other kinds. */
  @Nullable private final TypeInformation<?> mapKeyType;

  /** Whether the step enforces {@link #ttl} with timers of its own, not Flink's state TTL. */
  private final boolean ttlByTimers;

  /** Whether a LIST operator state is a union list state ({@link #withUnionDistribution}). */
  private final boolean union;

  private StateDeclaration(
      String name,
      Kind kind,
      String valueType,
      String growth,
      @Nullable Duration ttl,
      @Nullable TypeInformation<?> stateType,
      @Nullable TypeInformation<?> mapKeyType,
      boolean ttlByTimers,
      boolean union) {
    this.name = name;
    this.kind = kind;
    this.valueType = valueType;
    this.growth = growth;
    this.ttl = ttl;
    this.stateType = stateType;
    this.mapKeyType = mapKeyType;
    this.ttlByTimers = ttlByTimers;
    this.union = union;
  }

  /** A {@code ValueState<V>}. */
  public static StateDeclaration value(String name, TypeInformation<?> valueType) {
    return new StateDeclaration(
        requireName(name),
        Kind.VALUE,
        typeName(valueType),
        "",
        null,
        valueType,
        null,
        false,
        false);
  }

  /** A {@code MapState<UK, UV>}. */
  public static StateDeclaration map(
      String name, TypeInformation<?> userKeyType, TypeInformation<?> userValueType) {
    return new StateDeclaration(
        requireName(name),
        Kind.MAP,
        typeName(userKeyType) + " -> " + typeName(userValueType),
        "",
        null,
        userValueType,
        userKeyType,
        false,
        false);
  }

  /** A {@code ListState<E>}. */
  public static StateDeclaration list(String name, TypeInformation<?> elementType) {
    return new StateDeclaration(
        requireName(name),
        Kind.LIST,
        typeName(elementType),
        "",
        null,
        elementType,
        null,
        false,
        false);
  }

  /**
   * A state with its value type described in words: another kind of state, or a VALUE or LIST state
   * whose type is printed otherwise than Flink names it (then give the type with {@link
   * #withStateType}).
   */
  public static StateDeclaration of(String name, Kind kind, String valueType) {
    Objects.requireNonNull(kind, "kind");
    requireText(valueType, "valueType");
    return new StateDeclaration(
        requireName(name), kind, valueType, "", null, null, null, false, false);
  }

  /**
   * How the state grows, in words: {@code "one flag per key"}, {@code "≤ 1 row per key"}. Replaces
   * the description given before.
   */
  public StateDeclaration withGrowth(String growthDescription) {
    requireText(growthDescription, "growth");
    return new StateDeclaration(
        name, kind, valueType, growthDescription, ttl, stateType, mapKeyType, ttlByTimers, union);
  }

  /**
   * The TTL of the state, or null for none: the state's descriptor enables Flink's state TTL with
   * it. A state has one TTL: this replaces any TTL declared before, by this method or {@link
   * #withTimerTtl}; null declares none again.
   */
  public StateDeclaration withTtl(@Nullable Duration stateTtl) {
    if (stateTtl != null) {
      StateTtls.requireValidTtl(stateTtl, "ttl");
    }
    return new StateDeclaration(
        name, kind, valueType, growth, stateTtl, stateType, mapKeyType, false, union);
  }

  /**
   * The TTL of the state, or null for none, enforced by the step with timers of its own: the state
   * has no Flink state TTL (SCD2 does this, to close a key's versions when it expires). A state has
   * one TTL: this replaces any TTL declared before, by this method or {@link #withTtl}; null
   * declares none again.
   */
  public StateDeclaration withTimerTtl(@Nullable Duration stateTtl) {
    if (stateTtl != null) {
      StateTtls.requireValidTtl(stateTtl, "ttl");
    }
    return new StateDeclaration(
        name, kind, valueType, growth, stateTtl, stateType, mapKeyType, stateTtl != null, union);
  }

  /**
   * The type the state's descriptor holds, for a VALUE state (its value) or a LIST state (its
   * element) declared with {@link #of}; the printed value type stays as given. Replaces the type
   * given before.
   *
   * @throws IllegalArgumentException for another kind of state
   */
  public StateDeclaration withStateType(TypeInformation<?> type) {
    Objects.requireNonNull(type, "type");
    if (kind != Kind.VALUE && kind != Kind.LIST) {
      throw new IllegalArgumentException(
          "withStateType is for VALUE and LIST states; state '" + name + "' is " + kind);
    }
    return new StateDeclaration(name, kind, valueType, growth, ttl, type, null, ttlByTimers, union);
  }

  /**
   * Declares a LIST operator state a union list state ({@code getUnionListState}): at a restore
   * every subtask gets all of its entries, where a list state ({@code getListState}, the default)
   * is split among the subtasks. Flink refuses to restore one as the other, and {@link
   * SavepointCheck} compares it.
   *
   * @throws IllegalArgumentException for another kind of state
   */
  public StateDeclaration withUnionDistribution() {
    if (kind != Kind.LIST) {
      throw new IllegalArgumentException(
          "withUnionDistribution is for LIST states; state '" + name + "' is " + kind);
    }
    return new StateDeclaration(
        name, kind, valueType, growth, ttl, stateType, mapKeyType, ttlByTimers, true);
  }

  public String name() {
    return name;
  }

  /** Whether a LIST operator state is a union list state ({@link #withUnionDistribution}). */
  public boolean isUnionDistribution() {
    return union;
  }

  public Kind kind() {
    return kind;
  }

  /** The value type as printed in the inventory. */
  public String valueType() {
    return valueType;
  }

  public String growth() {
    return growth;
  }

  public Optional<Duration> ttl() {
    return Optional.ofNullable(ttl);
  }

  /**
   * Whether the state is created with Flink's state TTL ({@link #withTtl}), and its serializer
   * therefore wraps each value with a timestamp; false without TTL and with a TTL the step enforces
   * with timers ({@link #withTimerTtl}).
   */
  public boolean hasFlinkStateTtl() {
    return ttl != null && !ttlByTimers;
  }

  /**
   * The serializer of the state as its descriptor makes it, without TTL (steps enforce TTL either
   * with Flink's state TTL or with timers of their own): of the value for a VALUE state, a {@link
   * ListSerializer} of the element for a LIST state, a {@link MapSerializer} for a MAP state. Empty
   * when the declaration was made without the state's types.
   */
  public Optional<TypeSerializer<?>> stateSerializer(SerializerConfig config) {
    Objects.requireNonNull(config, "config");
    if (stateType == null) {
      return Optional.empty();
    }
    switch (kind) {
      case VALUE:
        return Optional.of(stateType.createSerializer(config));
      case LIST:
        return Optional.of(new ListSerializer<>(stateType.createSerializer(config)));
      case MAP:
        return Optional.of(
            new MapSerializer<>(
                Objects.requireNonNull(mapKeyType).createSerializer(config),
                stateType.createSerializer(config)));
      default:
        return Optional.empty();
    }
  }

  private static String requireName(String name) {
    return requireText(name, "state name");
  }

  private static String requireText(@Nullable String text, String option) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException(
          option + " must not be blank, was " + (text == null ? "null" : "'" + text + "'"));
    }
    return text;
  }

  static String typeName(TypeInformation<?> type) {
    Objects.requireNonNull(type, "type");
    return Names.describeType(type);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof StateDeclaration)) {
      return false;
    }
    StateDeclaration that = (StateDeclaration) o;
    return name.equals(that.name)
        && kind == that.kind
        && valueType.equals(that.valueType)
        && growth.equals(that.growth)
        && Objects.equals(ttl, that.ttl)
        && ttlByTimers == that.ttlByTimers
        && union == that.union;
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, kind, valueType, growth, ttl, ttlByTimers, union);
  }

  @Override
  public String toString() {
    return kind + " " + name + " : " + valueType;
  }
}
