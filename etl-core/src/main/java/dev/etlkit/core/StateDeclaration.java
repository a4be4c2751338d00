package dev.etlkit.core;

import dev.etlkit.core.internal.Names;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import javax.annotation.Nullable;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * Describes one keyed state a step creates: its descriptor name (never renamed, it is part of the
 * savepoint layout), its kind, the types it holds, its TTL and how it grows. Steps report their
 * declarations through {@link StepContext#declareState}; {@link EtlPipeline#stateInventory()} lists
 * them before the job runs.
 *
 * <pre>{@code
 * StateDeclaration.value("last-seen", Types.LONG).withGrowth("one long per key").withTtl(ttl)
 * }</pre>
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

  private StateDeclaration(
      String name, Kind kind, String valueType, String growth, @Nullable Duration ttl) {
    this.name = name;
    this.kind = kind;
    this.valueType = valueType;
    this.growth = growth;
    this.ttl = ttl;
  }

  /** A {@code ValueState<V>}. */
  public static StateDeclaration value(String name, TypeInformation<?> valueType) {
    return new StateDeclaration(requireName(name), Kind.VALUE, typeName(valueType), "", null);
  }

  /** A {@code MapState<UK, UV>}. */
  public static StateDeclaration map(
      String name, TypeInformation<?> userKeyType, TypeInformation<?> userValueType) {
    return new StateDeclaration(
        requireName(name),
        Kind.MAP,
        typeName(userKeyType) + " -> " + typeName(userValueType),
        "",
        null);
  }

  /** A {@code ListState<E>}. */
  public static StateDeclaration list(String name, TypeInformation<?> elementType) {
    return new StateDeclaration(requireName(name), Kind.LIST, typeName(elementType), "", null);
  }

  /** Another kind of state, with its value type described in words. */
  public static StateDeclaration of(String name, Kind kind, String valueType) {
    Objects.requireNonNull(kind, "kind");
    if (valueType == null || valueType.isBlank()) {
      throw new IllegalArgumentException("valueType must not be blank");
    }
    return new StateDeclaration(requireName(name), kind, valueType, "", null);
  }

  /** How the state grows, in words: {@code "one flag per key"}, {@code "≤ 1 row per key"}. */
  public StateDeclaration withGrowth(String growthDescription) {
    if (growthDescription == null || growthDescription.isBlank()) {
      throw new IllegalArgumentException("growth must not be blank");
    }
    return new StateDeclaration(name, kind, valueType, growthDescription, ttl);
  }

  /** The TTL of the state, or null for none. */
  public StateDeclaration withTtl(@Nullable Duration stateTtl) {
    if (stateTtl != null) {
      StateTtls.requireValidTtl(stateTtl, "ttl");
    }
    return new StateDeclaration(name, kind, valueType, growth, stateTtl);
  }

  public String name() {
    return name;
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

  private static String requireName(String name) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("state name must not be blank");
    }
    return name;
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
        && Objects.equals(ttl, that.ttl);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, kind, valueType, growth, ttl);
  }

  @Override
  public String toString() {
    return kind + " " + name + " : " + valueType;
  }
}
