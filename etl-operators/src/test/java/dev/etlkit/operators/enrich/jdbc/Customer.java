package dev.etlkit.operators.enrich.jdbc;

import java.sql.ResultSet;
import java.sql.SQLException;
import javax.annotation.Nullable;

/** A row of the test table {@code customers}. */
public record Customer(String id, String name, @Nullable String tier, @Nullable Long credit) {

  // tag::row-mapper[]
  /** Maps a row of {@code customers}; SQL NULLs become Java nulls. */
  static Customer fromRow(ResultSet row) throws SQLException {
    return new Customer(
        row.getString("id"),
        row.getString("name"),
        row.getString("tier"),
        row.getObject("credit", Long.class));
  }

  // end::row-mapper[]

  /** The row the test table holds for customer {@code n}. */
  static Customer expected(int n) {
    return new Customer(
        "c-" + n, "Customer " + n, n % 2 == 0 ? null : "gold", n % 7 == 0 ? null : n * 10L);
  }
}
