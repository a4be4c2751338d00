package dev.etlkit.scd;

import java.io.Serializable;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.PublicEvolving;

/**
 * Which of two changes of a key with the <em>same</em> effective time an {@link Scd2} step keeps.
 * Two states of an entity at one instant cannot both hold (the first would be valid for no time at
 * all), so exactly one change per key and effective time counts, and it is chosen
 * deterministically:
 *
 * <ul>
 *   <li>{@link #arrival()} (the default): the change that arrived last wins. Deterministic for a
 *       given input order (a replay after a failure delivers the same order), but a redelivery of
 *       an older change arriving after its correction wins again: use a sequence when the source
 *       can redeliver or emit several changes of a key in one millisecond.
 *   <li>{@link #field} or {@link #sourcePosition()}: the change with the higher sequence wins; a
 *       change with a lower sequence than the kept one is superseded (counted as deduplicated);
 *       equal sequences fall back to arrival.
 * </ul>
 *
 * <p>An identical redelivery (same effective time, same sequence, same attributes) changes nothing
 * either way. A change whose sequence cannot be read becomes a dead letter.
 *
 * @param <T> the entity's attribute type
 */
@PublicEvolving
public final class TieBreak<T> implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Reads a sequence from the attributes (a version column, an LSN); higher is newer. */
  @PublicEvolving
  @FunctionalInterface
  public interface SequenceField<T> extends Serializable {
    long of(T value) throws Exception;
  }

  private enum Kind {
    ARRIVAL,
    FIELD,
    SOURCE_POSITION
  }

  private static final TieBreak<?> ARRIVAL = new TieBreak<>(Kind.ARRIVAL, null);

  private final Kind kind;
  @Nullable private final SequenceField<T> field;

  private TieBreak(Kind kind, @Nullable SequenceField<T> field) {
    this.kind = kind;
    this.field = field;
  }

  /** The change that arrived last wins (the default). */
  @SuppressWarnings("unchecked")
  public static <T> TieBreak<T> arrival() {
    return (TieBreak<T>) ARRIVAL;
  }

  /** The change with the higher value of a sequence field wins. */
  public static <T> TieBreak<T> field(SequenceField<T> field) {
    return new TieBreak<>(Kind.FIELD, Objects.requireNonNull(field, "field"));
  }

  /**
   * The change with the higher {@link dev.etlkit.core.Change#sourcePosition() source position}
   * (LSN, offset) wins. Changelog input only; a change without a position becomes a dead letter.
   */
  public static <T> TieBreak<T> sourcePosition() {
    return new TieBreak<>(Kind.SOURCE_POSITION, null);
  }

  /** True for {@link #arrival()}. */
  public boolean isArrival() {
    return kind == Kind.ARRIVAL;
  }

  /** True for {@link #sourcePosition()}. */
  public boolean isSourcePosition() {
    return kind == Kind.SOURCE_POSITION;
  }

  /**
   * The sequence of one change; 0 for {@link #arrival()}. Used by the step once per record.
   *
   * @throws IllegalArgumentException when a source position is needed and missing
   */
  @Internal
  public long sequenceOf(T value, @Nullable Long sourcePosition) throws Exception {
    switch (kind) {
      case FIELD:
        return field.of(value);
      case SOURCE_POSITION:
        if (sourcePosition == null) {
          throw new IllegalArgumentException("the change has no source position to break ties");
        }
        return sourcePosition;
      default:
        return 0L;
    }
  }

  @Override
  public String toString() {
    return kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
  }
}
