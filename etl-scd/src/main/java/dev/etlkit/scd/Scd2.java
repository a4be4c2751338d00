package dev.etlkit.scd;

import dev.etlkit.core.Change;
import dev.etlkit.core.internal.Names;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.java.functions.KeySelector;

/**
 * Slowly changing dimensions, Type 2: keeps every version of an entity with its validity interval,
 * so facts can be joined with the attributes that were true at the time, and emits the history as a
 * changelog of {@link Scd2Row}s.
 *
 * <pre>{@code
 * EtlStream<Change<Scd2Row<Customer>>> dimension =
 *     customerChanges.apply(
 *         Scd2.trackChangelog("customer-dim", Customer::id, EffectiveTime.changeEventTime())
 *             .withChangeDetection(ChangeDetection.allExcept("loadedAt"))
 *             .withType1Columns("phone")
 *             .withLatenessHorizon(Duration.ofHours(6)));
 * }</pre>
 *
 * <p>Two inputs: {@link #trackChangelog} takes a changelog of the entity ({@code Change<T>}, such
 * as decoded Debezium: inserts and updates are states of the entity, deletes are hard deletes,
 * update-befores are skipped); {@link #trackRows} takes plain rows, each the state of the entity at
 * its effective time (snapshots, upsert topics). See {@link Scd2Step} for the semantics, the state
 * and every option; the user guide is {@code docs/scd2.md}.
 */
@PublicEvolving
public final class Scd2 {

  /**
   * How far behind the key's latest effective time a change may be and still be spliced into the
   * history: one hour. State holds a key's changes of the last one to two horizons (three while a
   * prune waits for its candidate base).
   */
  public static final Duration DEFAULT_LATENESS_HORIZON = Duration.ofHours(1);

  /** Largest lateness horizon: 3650 days. */
  public static final Duration MAX_LATENESS_HORIZON = Duration.ofDays(3650);

  /**
   * Earliest effective time a change may have, 0001-01-01T00:00:00Z (the start of SQL's {@code
   * TIMESTAMP} range). A change effective before it becomes a dead letter: such a time is bad data
   * (or Flink's "no timestamp", {@code Long.MIN_VALUE}), not history.
   */
  public static final Instant MIN_EFFECTIVE_TIME = Instant.parse("0001-01-01T00:00:00Z");

  /**
   * Latest effective time a change may have, 9999-12-31T23:59:59.999Z (the end of SQL's {@code
   * TIMESTAMP} range, in milliseconds). A change effective after it becomes a dead letter.
   */
  public static final Instant MAX_EFFECTIVE_TIME = Instant.parse("9999-12-31T23:59:59.999Z");

  /** Output unless {@link Scd2Step#withOutput} says otherwise. */
  public static final Scd2Output DEFAULT_OUTPUT = Scd2Output.RETRACT;

  /** What a hard delete does unless {@link Scd2Step#withHardDeletes} says otherwise. */
  public static final HardDeletes DEFAULT_HARD_DELETES = HardDeletes.INVALIDATE;

  /** Where late changes go unless {@link Scd2Step#withLateChanges} says otherwise. */
  public static final LateChanges DEFAULT_LATE_CHANGES = LateChanges.SIDE_OUTPUT;

  /** Tracked columns unless {@link Scd2Step#withChangeDetection} says otherwise: all. */
  public static final ChangeDetection DEFAULT_CHANGE_DETECTION = ChangeDetection.all();

  /**
   * The {@code validTo} of current versions unless {@link Scd2Step#withValidToCurrent} says
   * otherwise: null (an open end), like dbt's default.
   */
  @Nullable public static final Instant DEFAULT_VALID_TO_CURRENT = null;

  /**
   * A conventional far-future {@code validTo} for current versions, 9999-12-31T00:00:00Z: {@code
   * withValidToCurrent(Scd2.END_OF_TIME)} for sinks that cannot hold a null in a range column.
   */
  public static final Instant END_OF_TIME = Instant.parse("9999-12-31T00:00:00Z");

  private Scd2() {}

  /**
   * Tracks the history of an entity from its changelog: {@code +I} and {@code +U} changes are
   * states of the entity at their effective time, {@code -D} changes are hard deletes (see {@link
   * HardDeletes}; a key-only delete is fine), {@code -U} changes are skipped (counted as filtered)
   * before anything of them is read, their key included.
   *
   * @param name the step's name (part of its uid: never rename a running step)
   * @param key the business key of a value; for deletes it is read from the delete's value. A key
   *     that is null, or a selector that throws, makes the change a dead letter, unless the change
   *     is skipped unread (a {@code -U}, a delete under {@link HardDeletes#IGNORE})
   * @param effectiveTime where the effective time of a change is read
   */
  public static <T> Scd2Step<Change<T>, T> trackChangelog(
      String name, KeySelector<T, String> key, EffectiveTime<T> effectiveTime) {
    return new Scd2Step<>(
        Names.requireValid(name, "step name"),
        true,
        Objects.requireNonNull(key, "key"),
        Objects.requireNonNull(effectiveTime, "effectiveTime"));
  }

  /**
   * Tracks the history of an entity from plain rows, each the entity's state at its effective time
   * (snapshots, upsert topics). Rows never delete.
   *
   * @param name the step's name (part of its uid: never rename a running step)
   * @param key the business key of a row. A key that is null, or a selector that throws, makes the
   *     row a dead letter
   * @param effectiveTime where the effective time of a row is read ({@link
   *     EffectiveTime#changeEventTime()} is for changelog input)
   */
  public static <T> Scd2Step<T, T> trackRows(
      String name, KeySelector<T, String> key, EffectiveTime<T> effectiveTime) {
    return new Scd2Step<>(
        Names.requireValid(name, "step name"),
        false,
        Objects.requireNonNull(key, "key"),
        Objects.requireNonNull(effectiveTime, "effectiveTime"));
  }
}
