package dev.etlkit.benchmarks.dedup;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.table.data.RowData;
import org.junit.jupiter.api.Test;

/**
 * What {@link DedupImpl#FLINK_SQL_FROM_POJO}'s conversions leave out, found by a second review on
 * 2026-11-24 and documented instead of changed ({@link SqlPojos}, docs/benchmarks.md): the SQL
 * function gets the input converter's {@code GenericRowData}, whose {@code BinaryStringData} wraps
 * the POJO's own {@code String}, so the output conversion hands that same instance back. In a job
 * the keyed exchange would have encoded it (as it encodes etlkit's POJOs) and the output conversion
 * would decode it; the exchange is left out of every variant.
 */
class SqlPojosStringsTest {

  @Test
  void keepFirst_outputConversion_handsTheInputsStringBack_asDocumented() {
    SqlPojos pojos = new SqlPojos();
    BenchRow input = new BenchRow(42L, 1L, new String("0123456789abcdef0123456789abcdef"));

    RowData reachingTheSqlFunction = pojos.toRow(input); // what arriving(...) feeds it
    BenchRow output = pojos.toPojo(reachingTheSqlFunction); // keep-first emits its input row

    assertThat(output).isNotSameAs(input).isEqualTo(input);
    assertThat(output.payload)
        .as("documented: no exchange, so the payload is never encoded nor decoded")
        .isSameAs(input.payload);
  }
}
