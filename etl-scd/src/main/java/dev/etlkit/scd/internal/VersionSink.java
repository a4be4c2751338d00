package dev.etlkit.scd.internal;

import org.apache.flink.annotation.Internal;
import org.apache.flink.types.RowKind;

/** Receives the version records {@link KeyHistory} emits, in order. */
@Internal
@FunctionalInterface
public interface VersionSink<T> {
  void emit(RowKind kind, Version<T> version) throws Exception;
}
