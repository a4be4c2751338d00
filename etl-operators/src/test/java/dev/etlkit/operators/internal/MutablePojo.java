package dev.etlkit.operators.internal;

import java.util.Objects;

/**
 * A mutable POJO for serializer contract tests (Flink's {@code SerializerTestBase}): a copy that
 * shares it instead of copying it shows.
 */
public final class MutablePojo {
  public String id;
  public long amount;

  public MutablePojo() {}

  public MutablePojo(String id, long amount) {
    this.id = id;
    this.amount = amount;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MutablePojo p && Objects.equals(id, p.id) && amount == p.amount;
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, amount);
  }
}
