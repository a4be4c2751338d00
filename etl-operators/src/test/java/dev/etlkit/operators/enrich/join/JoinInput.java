package dev.etlkit.operators.enrich.join;

import dev.etlkit.core.Change;
import java.util.Objects;
import org.apache.flink.types.Either;

/**
 * Records of either input of a dimension join, so a harness script interleaves facts and dimension
 * changes: a fact is the left, a dimension change the right of the {@code Either} that {@code
 * KeyedHarness.forTwoInputStream} hands to the join's first or second input.
 */
final class JoinInput {

  private JoinInput() {}

  static <F, D> Either<F, Change<D>> fact(F fact) {
    return Either.Left(Objects.requireNonNull(fact, "fact"));
  }

  static <F, D> Either<F, Change<D>> dimension(Change<D> change) {
    return Either.Right(Objects.requireNonNull(change, "change"));
  }
}
