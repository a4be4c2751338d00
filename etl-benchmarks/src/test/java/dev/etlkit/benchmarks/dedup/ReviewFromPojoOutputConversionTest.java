package dev.etlkit.benchmarks.dedup;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.table.data.RowData;
import org.junit.jupiter.api.Test;

/**
 * Review of {@link DedupImpl#FLINK_SQL_FROM_POJO} (docs/benchmarks.md, "what a POJO job pays to
 * switch to Flink SQL": {@code toDataStream(table, BenchRow.class)} makes "a new BenchRow by the
 * same converter"). In a job the row reaching {@code OutputConversionOperator} has crossed the
 * keyed exchange (a {@code BinaryRowData}), so Flink's {@code StringDataStringConverter} decodes
 * the payload's UTF-8 bytes into a new {@code String} for every emitted record. Here the SQL
 * function gets the input converter's {@code GenericRowData} ({@link SqlPojos#toRow}), whose {@code
 * BinaryStringData} only wraps the POJO's own {@code String} (never encoded), and keep-first emits
 * that row object as it is ({@code ProcTimeDeduplicateKeepFirstRowFunction} collects its input), so
 * {@link SqlPojos#toPojo} hands the very input instance back: on the heap the variant never encodes
 * or decodes a payload, and the output conversion it reports costs less than the one a job runs.
 * (The same path through the benchmark harness fails the same way; it takes 5 s to set up, hence
 * the direct calls.)
 */
class ReviewFromPojoOutputConversionTest {

  @Test
  void keepFirst_outputConversion_decodesThePayload_insteadOfReturningTheInputsString() {
    SqlPojos pojos = new SqlPojos();
    BenchRow input = new BenchRow(42L, 1L, new String("0123456789abcdef0123456789abcdef"));

    RowData reachingTheSqlFunction = pojos.toRow(input); // what arriving(...) feeds it
    BenchRow output = pojos.toPojo(reachingTheSqlFunction); // keep-first emits its input row

    assertThat(output).isNotSameAs(input).isEqualTo(input);
    assertThat(output.payload)
        .as("payload of the BenchRow toDataStream gives back, decoded from the row")
        .isNotSameAs(input.payload);
  }
}
