package dev.etlkit.scd.internal;

import dev.etlkit.core.Change;
import dev.etlkit.core.internal.ObjectReuseCopies;
import dev.etlkit.scd.Scd2Row;
import javax.annotation.Nullable;
import org.apache.flink.streaming.api.operators.TimestampedCollector;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.Collector;

/**
 * The sink of {@link Scd2Function}: turns emitted versions into output records for the current key,
 * their rows copied when object reuse is on (the history keeps them). Reused for every record.
 */
final class EmittingSink<T> implements VersionSink<T> {
  @Nullable private final Long validToCurrent;
  private final long currentEnd; // validToCurrent, or Version.OPEN
  private final ObjectReuseCopies<T> rowCopies;
  private String key;
  private Collector<Change<Scd2Row<T>>> out;
  @Nullable private TimestampedCollector<Change<Scd2Row<T>>> stamped;
  private int emitted;

  EmittingSink(@Nullable Long validToCurrent, ObjectReuseCopies<T> rowCopies) {
    this.validToCurrent = validToCurrent;
    this.currentEnd = validToCurrent == null ? Version.OPEN : validToCurrent;
    this.rowCopies = rowCopies;
  }

  @Override
  public long validToCurrent() {
    return currentEnd;
  }

  /** Emits for a change: its records carry the change's timestamp (the collector's). */
  void start(String currentKey, Collector<Change<Scd2Row<T>>> collector) {
    key = currentKey;
    out = collector;
    stamped = null;
    emitted = 0;
  }

  /** Emits for a cleanup timer: a forgotten key's rows carry its latest effective time. */
  void startTimer(String currentKey, TimestampedCollector<Change<Scd2Row<T>>> collector) {
    collector.eraseTimestamp();
    key = currentKey;
    out = collector;
    stamped = collector;
    emitted = 0;
  }

  int emitted() {
    return emitted;
  }

  @Override
  public void forgetting(long latest) {
    if (stamped != null) {
      stamped.setAbsoluteTimestamp(latest);
    }
  }

  @Override
  public void emit(RowKind kind, Version<T> version) {
    emit(kind, version.validFrom, version.validTo, version.number, version.row, version.deleted);
  }

  @Override
  public void emit(
      RowKind kind, long validFrom, long validTo, long number, @Nullable T row, boolean deleted) {
    T emittedRow = rowCopies.copy(row);
    out.collect(
        Change.of(
            kind,
            Version.toRow(key, validToCurrent, validFrom, validTo, number, emittedRow, deleted)));
    emitted++;
  }
}
