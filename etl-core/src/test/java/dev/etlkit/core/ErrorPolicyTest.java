package dev.etlkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ErrorPolicyTest {

  @Test
  void deadLetter_isNeverExceeded() {
    assertThat(ErrorPolicy.deadLetter().isExceeded(1_000_000, 1_000_000)).isFalse();
  }

  @Test
  void failJob_isExceededByTheFirstError() {
    assertThat(ErrorPolicy.failJob().isExceeded(0, 10)).isFalse();
    assertThat(ErrorPolicy.failJob().isExceeded(1, 10)).isTrue();
  }

  @Test
  void errorBudget_toleratesExactlyMaxErrors() {
    ErrorPolicy budget = ErrorPolicy.errorBudget(3);

    assertThat(budget.isExceeded(3, 3)).isFalse();
    assertThat(budget.isExceeded(4, 1_000_000)).isTrue();
  }

  @Test
  void errorRateBudget_waitsForMinRecordsThenComparesTheRate() {
    ErrorPolicy budget = ErrorPolicy.errorRateBudget(0.1, 100);

    assertThat(budget.isExceeded(5, 10)).as("below minRecords").isFalse();
    assertThat(budget.isExceeded(10, 100)).as("exactly 10%").isFalse();
    assertThat(budget.isExceeded(11, 100)).as("11%").isTrue();
  }

  @Test
  void errorBudget_ofLongMaxValue_neverFailsAndIsNamedAsACountBudget() {
    ErrorPolicy budget = ErrorPolicy.errorBudget(Long.MAX_VALUE);

    assertThat(budget.isExceeded(Long.MAX_VALUE, Long.MAX_VALUE)).isFalse();
    assertThat(budget).hasToString("error-budget(max 9223372036854775807 errors)");
  }

  @Test
  void errorRateBudget_withLongMaxValueMinRecords_neverFailsAndIsNamedAsARateBudget() {
    ErrorPolicy budget = ErrorPolicy.errorRateBudget(0.5, Long.MAX_VALUE);

    assertThat(budget.isExceeded(1_000_000, 1_000_000)).isFalse();
    assertThat(budget).hasToString("error-rate-budget(max 0.5 after 9223372036854775807 records)");
  }

  @Test
  void errorBudget_negative_failsNamingTheOption() {
    assertThatThrownBy(() -> ErrorPolicy.errorBudget(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxErrors must be >= 0, was -1");
  }

  @Test
  void errorRateBudget_rateOutOfRange_fails() {
    assertThatThrownBy(() -> ErrorPolicy.errorRateBudget(1.5, 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxRate must be in [0, 1), was 1.5");
  }

  @Test
  void errorRateBudget_minRecordsBelowOne_fails() {
    assertThatThrownBy(() -> ErrorPolicy.errorRateBudget(0.5, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("minRecords must be >= 1, was 0");
  }

  @Test
  void errorRateBudget_negativeZero_isTheSameBudgetAsZero() {
    ErrorPolicy negativeZero = ErrorPolicy.errorRateBudget(-0.0, 10);

    assertThat(negativeZero).isEqualTo(ErrorPolicy.errorRateBudget(0.0, 10));
    assertThat(negativeZero.toString()).isEqualTo(ErrorPolicy.errorRateBudget(0.0, 10).toString());
  }
}
