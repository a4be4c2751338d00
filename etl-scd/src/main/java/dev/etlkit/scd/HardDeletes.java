package dev.etlkit.scd;

import org.apache.flink.annotation.PublicEvolving;

/**
 * What a hard delete of the entity (a {@code -D} change on changelog input) does to its history.
 * Named like dbt's {@code hard_deletes} snapshot option. A change after a delete (a re-insert)
 * always opens a new version.
 */
@PublicEvolving
public enum HardDeletes {
  /**
   * Deletes are ignored (counted as filtered): the version in force stays current. A delete is
   * dropped before its key, effective time or sequence is read, so it is never late or a dead
   * letter (a before-image without the business key column included), and it does not move the
   * key's latest effective time. dbt's default ({@code hard_deletes: ignore}).
   */
  IGNORE,
  /**
   * A delete closes the version in force at the delete's effective time; the key then has no
   * current version until it is re-inserted (a gap in its history). The default of this step, as
   * changelog input usually means the entity is gone. dbt's {@code hard_deletes: invalidate}.
   */
  INVALIDATE,
  /**
   * A delete closes the version in force and opens a delete marker: a version with {@code isDeleted
   * = true} carrying the attributes of the version it closed, current until a re-insert closes it.
   * dbt's {@code hard_deletes: new_record}.
   */
  NEW_RECORD
}
