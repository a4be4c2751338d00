package dev.etlkit.core;

import dev.etlkit.core.internal.ChangeTypeInfoFactory;
import java.util.Arrays;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.TypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.types.RowKind;

/**
 * One typed changelog record: a Flink {@link RowKind} and a value of type {@code T}, optionally
 * with the event time of the change and its position in the source (PostgreSQL LSN, Kafka offset,
 * binlog position encoded as a long).
 *
 * <p>Instances are immutable. The value is never null; a key-only delete (for example from a Kafka
 * tombstone) carries a value in which only the key fields are set. Use {@link #typeInfo} to declare
 * the type of a {@code DataStream<Change<T>>}: its serializer is a real {@code TypeSerializer} with
 * a snapshot, so changes can be held in state and survive upgrades without Kryo.
 *
 * <pre>{@code
 * Change<Customer> c = Change.updateAfter(customer).withEventTime(ts).withSourcePosition(lsn);
 * }</pre>
 *
 * @param <T> the type of the changed value
 */
@PublicEvolving
@TypeInfo(ChangeTypeInfoFactory.class)
public final class Change<T> {

  private final RowKind kind;
  private final T value;
  @Nullable private final Long eventTime;
  @Nullable private final Long sourcePosition;

  private Change(RowKind kind, T value, @Nullable Long eventTime, @Nullable Long sourcePosition) {
    this.kind = Objects.requireNonNull(kind, "kind");
    this.value = Objects.requireNonNull(value, "value");
    this.eventTime = eventTime;
    this.sourcePosition = sourcePosition;
  }

  /** A change of the given kind with no event time and no source position. */
  public static <T> Change<T> of(RowKind kind, T value) {
    return new Change<>(kind, value, null, null);
  }

  /** A change with all fields given; {@code eventTime} and {@code sourcePosition} may be null. */
  public static <T> Change<T> of(
      RowKind kind, T value, @Nullable Long eventTime, @Nullable Long sourcePosition) {
    return new Change<>(kind, value, eventTime, sourcePosition);
  }

  /** {@code +I}: a row that did not exist before. */
  public static <T> Change<T> insert(T value) {
    return of(RowKind.INSERT, value);
  }

  /** {@code -U}: the previous image of an updated row. */
  public static <T> Change<T> updateBefore(T value) {
    return of(RowKind.UPDATE_BEFORE, value);
  }

  /** {@code +U}: the new image of an updated row. */
  public static <T> Change<T> updateAfter(T value) {
    return of(RowKind.UPDATE_AFTER, value);
  }

  /**
   * {@code -D}: a deleted row (the full last image, or only its key fields for key-only deletes).
   */
  public static <T> Change<T> delete(T value) {
    return of(RowKind.DELETE, value);
  }

  /** The type information of {@code Change<T>} for the given value type. */
  public static <T> TypeInformation<Change<T>> typeInfo(TypeInformation<T> valueType) {
    return new ChangeTypeInfo<>(valueType);
  }

  public RowKind kind() {
    return kind;
  }

  public T value() {
    return value;
  }

  /** Event time of the change in epoch milliseconds, or null when unknown. */
  @Nullable
  public Long eventTime() {
    return eventTime;
  }

  /** Position of the change in its source (LSN, offset), or null when unknown. */
  @Nullable
  public Long sourcePosition() {
    return sourcePosition;
  }

  /** True for {@code +I} and {@code +U}: the record adds a row image to the result. */
  public boolean isAccumulate() {
    return kind == RowKind.INSERT || kind == RowKind.UPDATE_AFTER;
  }

  /** True for {@code -U} and {@code -D}: the record removes a row image from the result. */
  public boolean isRetract() {
    return !isAccumulate();
  }

  /** This change with another kind, same value and metadata. */
  public Change<T> withKind(RowKind newKind) {
    return new Change<>(newKind, value, eventTime, sourcePosition);
  }

  /** This change with another value, same kind and metadata. */
  public <R> Change<R> withValue(R newValue) {
    return new Change<>(kind, newValue, eventTime, sourcePosition);
  }

  /** This change with the given event time (epoch milliseconds). */
  public Change<T> withEventTime(long epochMillis) {
    return new Change<>(kind, value, epochMillis, sourcePosition);
  }

  /** This change with the given source position (LSN, offset). */
  public Change<T> withSourcePosition(long position) {
    return new Change<>(kind, value, eventTime, position);
  }

  /**
   * Equal kind, value, event time and source position. Values are compared with {@code
   * Objects.deepEquals}, so a change of an array equals its copies (as {@code Row} compares array
   * fields); any other value with its {@code equals}.
   */
  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Change)) {
      return false;
    }
    Change<?> that = (Change<?>) o;
    return kind == that.kind
        && Objects.deepEquals(value, that.value)
        && Objects.equals(eventTime, that.eventTime)
        && Objects.equals(sourcePosition, that.sourcePosition);
  }

  /**
   * The same in every JVM for equal changes whose values hash so: the kind enters by its byte value
   * (as in {@code Row#hashCode}), not by the enum's identity hash, since Flink assigns a key's
   * group from its hash in every JVM that handles it.
   */
  @Override
  public int hashCode() {
    return 31 * Objects.hash(kind.toByteValue(), eventTime, sourcePosition) + valueHash(value);
  }

  private static int valueHash(Object value) {
    return value.getClass().isArray()
        ? Arrays.deepHashCode(new Object[] {value})
        : value.hashCode();
  }

  /**
   * Prints kind, value and metadata, like {@code Row#toString}. etlkit never logs records; do not
   * log them from your code either, values may hold personal data.
   */
  @Override
  public String toString() {
    return kind.shortString()
        + "["
        + (value.getClass().isArray() ? arrayText(value) : value)
        + "]"
        + (eventTime != null ? " @" + eventTime : "")
        + (sourcePosition != null ? " pos=" + sourcePosition : "");
  }

  private static String arrayText(Object array) {
    String wrapped = Arrays.deepToString(new Object[] {array});
    return wrapped.substring(1, wrapped.length() - 1);
  }
}
