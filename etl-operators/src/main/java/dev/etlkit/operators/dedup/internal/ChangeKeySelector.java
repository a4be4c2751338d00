package dev.etlkit.operators.dedup.internal;

import dev.etlkit.core.Change;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.java.functions.KeySelector;

/** Keys a changelog by the key of its rows. */
@Internal
public final class ChangeKeySelector<T, K> implements KeySelector<Change<T>, K> {
  private static final long serialVersionUID = 1L;

  private final KeySelector<T, K> rowKey;

  public ChangeKeySelector(KeySelector<T, K> rowKey) {
    this.rowKey = rowKey;
  }

  @Override
  public K getKey(Change<T> change) throws Exception {
    return rowKey.getKey(change.value());
  }
}
