package dev.etlkit.operators.enrich.join;

import dev.etlkit.core.Change;
import java.util.Objects;
import javax.annotation.Nullable;

/**
 * One record of either input of a dimension join, so a one-input harness script can interleave
 * facts and dimension changes (see {@link OneInputJoinOperator}).
 */
record JoinInput<F, D>(@Nullable F fact, @Nullable Change<D> change) {

  JoinInput {
    if ((fact == null) == (change == null)) {
      throw new IllegalArgumentException("exactly one of fact and change");
    }
  }

  static <F, D> JoinInput<F, D> fact(F fact) {
    return new JoinInput<>(Objects.requireNonNull(fact), null);
  }

  static <F, D> JoinInput<F, D> dimension(Change<D> change) {
    return new JoinInput<>(null, Objects.requireNonNull(change));
  }

  boolean isFact() {
    return fact != null;
  }

  @Override
  public String toString() {
    return isFact() ? "fact " + fact : "dimension " + change;
  }
}
