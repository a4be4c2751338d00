package dev.etlkit.operators.enrich.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** The class names a JDBC lookup failure's message gives for its exception and causes. */
class SqlFailuresChainTest {

  @Test
  void chain_namesEachClassOfTheCauses() {
    SQLException e =
        new SQLException("no", "08001", new IllegalStateException(new ArithmeticException()));

    assertThat(SqlFailures.chain(e))
        .isEqualTo("SQLException <- IllegalStateException <- ArithmeticException");
  }

  /**
   * An anonymous or local class has no simple name: its full name stands in (it used to leave an
   * empty name, "JDBC lookup row mapper failed: " and nothing).
   */
  @Test
  void chain_classWithoutASimpleName_givesItsFullName() {
    RuntimeException anonymous = new RuntimeException("value 4711") {};

    assertThat(SqlFailures.chain(new SQLException(anonymous)))
        .isEqualTo("SQLException <- " + anonymous.getClass().getName())
        .doesNotContain("4711");
    assertThat(SqlFailures.mapping("row mapper", anonymous).getMessage())
        .isEqualTo("JDBC lookup row mapper failed: " + anonymous.getClass().getName());
  }
}
