package dev.etlkit.operators.internal;

import dev.etlkit.core.Change;
import java.util.Objects;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.java.functions.KeySelector;

/** Keys a {@code Change<T>} stream by the key of its value. */
@Internal
public final class ChangeKeySelector<T, K> implements KeySelector<Change<T>, K> {
  private static final long serialVersionUID = 1L;

  private final KeySelector<T, K> key;

  public ChangeKeySelector(KeySelector<T, K> key) {
    this.key = Objects.requireNonNull(key, "key");
  }

  @Override
  public K getKey(Change<T> change) throws Exception {
    return key.getKey(change.value());
  }
}
