package dev.etlkit.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The summary of a job-level benchmark: a JMH JSON file in real JMH 1.37 structure with made-up
 * scores of {@code ReferenceJobBenchmark} on the heap (ETLKIT and FLINK_SQL × PIPELINE and
 * PASS_THROUGH, 200,000 records per job), where an invocation is a job and the {@code records} aux
 * counter gives records per second.
 */
class JobBenchmarkReportTest {

  private static List<JmhResult> results;

  @BeforeAll
  static void readFixture() throws Exception {
    results =
        JmhResult.read(
            Path.of(
                Objects.requireNonNull(
                        JobBenchmarkReportTest.class.getResource("/jmh-fixture-reference-job.json"))
                    .toURI()));
  }

  @Test
  void read_withRecordsCounter_scoresAndBytesPerRecord() {
    JmhResult etlkit = results.get(0);
    assertThat(etlkit.params()).containsEntry("impl", "ETLKIT").containsEntry("job", "PIPELINE");
    assertThat(etlkit.score()).isEqualTo(50_000.0); // not 0.25 jobs/s
    assertThat(etlkit.error()).isEqualTo(5_000.0);
    assertThat(etlkit.errorIsRange()).isFalse();
    // 1e9 bytes per job ÷ (50,000 records/s ÷ 0.25 jobs/s)
    assertThat(etlkit.bytesPerOp()).isCloseTo(5_000.0, within(1e-9));
  }

  @Test
  void subtract_passThrough_timePerRecordAndBytesPerRecord() {
    JmhResult logic =
        BenchmarkReport.subtract(results.get(0), results.get(1), Map.of("impl", "ETLKIT"));
    // 1 / (1/50,000 − 1/200,000) records/s; the error of 1/50,000 carried over
    assertThat(logic.score()).isCloseTo(66_666.67, within(0.01));
    assertThat(logic.error()).isCloseTo(8_888.89, within(0.01));
    assertThat(logic.bytesPerOp()).isCloseTo(3_500.0, within(1e-9));

    JmhResult slower =
        BenchmarkReport.subtract(results.get(1), results.get(0), Map.of("impl", "ETLKIT"));
    assertThat(slower.score()).isNaN(); // the "pass-through" was not faster
  }

  @Test
  void render_jobBenchmark_ratiosWithAndWithoutPassThrough() {
    String md = BenchmarkReport.render(results, List.of());

    assertThat(md)
        .contains("## ReferenceJobBenchmark.runJob")
        .contains("Same in every row: backend=HEAP, objectReuse=false, orders=200000.")
        .contains(
            "| job | ETLKIT rec/s | FLINK_SQL rec/s | ETLKIT ÷ FLINK_SQL | B/rec ETLKIT |"
                + " B/rec FLINK_SQL |")
        .contains("| PIPELINE | 50,000 ±10.0% | 25,000 ±0.0% | 2.00 ± 0.20 | 5000.0 | 18000.0 |")
        .contains(
            "| PASS_THROUGH | 200,000 ±0.0% | 100,000 ±0.0% | 2.00 ± 0.00 | 1500.0 | 7200.0 |")
        .contains("### job=PIPELINE − job=PASS_THROUGH")
        .contains(
            "| ETLKIT rec/s | FLINK_SQL rec/s | ETLKIT ÷ FLINK_SQL | B/rec ETLKIT | B/rec FLINK_SQL |")
        .contains("| 66,667 ±13.3% | 33,333 ±0.0% | 2.00 ± 0.27 | 3500.0 | 10800.0 |")
        .contains("ETLKIT ÷ FLINK_SQL, pass-through subtracted (│ marks 1.0)");
  }

  @Test
  void charts_jobBenchmark_drawRatiosWithAndWithoutPassThrough() {
    String svg = BenchmarkCharts.renderBenchmark(results, List.of());

    assertThat(svg)
        .contains(">ETLKIT ÷ FLINK_SQL<")
        .contains(">ETLKIT ÷ FLINK_SQL, pass-through subtracted<")
        .contains("2.00 ± 0.27"); // the subtracted ratio, as in the summary
  }
}
