package dev.etlkit.operators.dedup;

import org.apache.flink.annotation.PublicEvolving;

/**
 * What a {@link Dedup} step emits.
 *
 * <table>
 *   <caption>Output modes</caption>
 *   <tr><th>mode</th><th>output type</th><th>a new key</th><th>a replaced row</th><th>a deleted
 *   row</th></tr>
 *   <tr><td>{@link #APPEND}</td><td>{@code T}</td><td>the row</td><td>never happens</td><td>never
 *   happens</td></tr>
 *   <tr><td>{@link #UPSERT}</td><td>{@code Change<T>}</td><td>{@code +I}</td><td>{@code
 *   +U}</td><td>{@code -D}</td></tr>
 *   <tr><td>{@link #RETRACT}</td><td>{@code Change<T>}</td><td>{@code +I}</td><td>{@code -U}
 *   previous, {@code +U} new</td><td>{@code -D} with the full previous row</td></tr>
 * </table>
 */
@PublicEvolving
public enum DedupOutput {
  /**
   * Insert-only: each kept row once, as a plain record. Keep-first on insert-only input only; with
   * event-time ordering a row is held until the watermark passes it, so the output never retracts.
   */
  APPEND,
  /** A changelog for upsert sinks: {@code +I}, {@code +U} and {@code -D}, no update-before. */
  UPSERT,
  /**
   * A full retract changelog: every replaced row is retracted with {@code -U} before its {@code
   * +U}.
   */
  RETRACT
}
