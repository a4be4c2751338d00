package dev.etlkit.operators.normalize.internal;

import dev.etlkit.core.Change;
import org.apache.flink.annotation.Internal;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;

/** The upsert normalize step's operator (stub: not wired yet). */
@Internal
public final class NormalizeOperator<K, T> extends KeyedProcessOperator<K, Change<T>, Change<T>> {
  private static final long serialVersionUID = 1L;

  public NormalizeOperator(NormalizeFunctionBase<K, T> function) {
    super(function);
  }

  /** How many markers the pass after the restore gave a deadline; -1 if no pass ran (tests). */
  public long markersGivenDeadlines() {
    return -1L;
  }
}
