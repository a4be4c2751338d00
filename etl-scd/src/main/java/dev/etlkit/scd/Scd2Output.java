package dev.etlkit.scd;

import org.apache.flink.annotation.PublicEvolving;

/** How an {@link Scd2} step emits the versions it opens, closes and corrects. */
@PublicEvolving
public enum Scd2Output {
  /**
   * A retract changelog (the default): {@code +I} for a new version, {@code -U} old image then
   * {@code +U} new image for a version that changed (closed, overwritten, renumbered), {@code -D}
   * for a version a late change made disappear. Materialized by (key, validFrom), it is the
   * history; for Flink SQL and retracting sinks.
   */
  RETRACT,
  /**
   * An upsert changelog keyed by (key, validFrom): like {@link #RETRACT} without the {@code -U}
   * records. For upsert sinks (JDBC, upsert-kafka) with that primary key.
   */
  UPSERT,
  /**
   * Append-only history rows: each version is emitted once, as {@code +I}, when it is final:
   * closed, and no change within the lateness horizon can alter it any more. Current versions (and
   * versions still within the horizon at the end of a bounded input) are not emitted. Finality is
   * measured in the key's own effective time: a key that goes quiet (a deleted one, say) keeps the
   * versions it closed within the horizon of its last change unemitted until a change of its own
   * comes more than a horizon after them, or until the step forgets the key (its state TTL, or its
   * delete retention), which emits them first: nothing can change them any more. A row emitted by a
   * change carries that change's record timestamp; one emitted as the key is forgotten (by a
   * processing-time timer, no record at hand) carries the effective time of the key's latest
   * change. For append-only sinks (files, Kafka) that keep closed history.
   */
  APPEND
}
