package dev.etlkit.scd.internal;

import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.types.RowKind;

/** Receives the version records {@link KeyHistory} emits, in order. */
@Internal
@FunctionalInterface
public interface VersionSink<T> {
  void emit(RowKind kind, Version<T> version) throws Exception;

  /**
   * The key is being forgotten (its TTL or its delete retention passed): the versions emitted next
   * are its closed ones not emitted yet, and {@code latest} is the effective time of its latest
   * accepted change (the validTo of the version that change closed, if it closed one: a change of
   * no tracked column moves the latest time too).
   */
  default void forgetting(long latest) {}

  /**
   * The end this sink gives a current version's row (the step's {@code validToCurrent} sentinel),
   * or {@link Version#OPEN} when it leaves it open. A current version that does not start before it
   * cannot be emitted: a change that would emit one is rejected before it emits anything ({@link
   * KeyHistory#apply}).
   */
  default long validToCurrent() {
    return Version.OPEN;
  }

  /**
   * Emits the version {@code [validFrom, validTo)} (validTo {@link Version#OPEN} for the version in
   * force); a sink that can take the fields as they are overrides it to spare the {@link Version}.
   */
  default void emit(
      RowKind kind, long validFrom, long validTo, long number, @Nullable T row, boolean deleted)
      throws Exception {
    emit(kind, new Version<>(validFrom, validTo, number, row, deleted));
  }
}
