package dev.etlkit.operators.normalize;

import org.apache.flink.annotation.PublicEvolving;

/**
 * Why a change was rejected by {@link ChangelogCheck} or {@link UpsertNormalize}: the error class
 * of their dead letters. The message starts with a fixed phrase per rule (see {@code
 * docs/normalize.md}), such as {@code "duplicate INSERT: ..."} or {@code "stale change: ..."}, and
 * never contains the record's contents or its key (the dead letter carries the record).
 */
@PublicEvolving
public final class ChangelogViolationException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ChangelogViolationException(String message) {
    // No stack trace: the cause is the record, not the code path; rejections can be frequent.
    super(message, null, false, false);
  }
}
