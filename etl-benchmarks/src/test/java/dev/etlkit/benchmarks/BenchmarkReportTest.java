package dev.etlkit.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The summary of a JMH JSON file in real JMH 1.37 structure with made-up scores: a
 * StateLimitBenchmark (VALUE_GET × backend × ttl; ROCKSDB ttl=true with two iterations, so JMH gave
 * no error) and an impl benchmark (ETLKIT, FLINK_SQL, LIMIT × backend).
 */
class BenchmarkReportTest {

  private static Path fixture;
  private static List<JmhResult> results;

  @BeforeAll
  static void readFixture() throws Exception {
    fixture = resource("jmh-fixture.json");
    results = JmhResult.read(fixture);
  }

  @Test
  void read_keepsScoresParamsErrorsAndBytesPerRecord() {
    assertThat(results).hasSize(10);
    JmhResult heap = results.get(0);
    assertThat(heap.benchmark()).isEqualTo("StateLimitBenchmark.stateOp");
    assertThat(heap.benchmarkClass()).isEqualTo("StateLimitBenchmark");
    assertThat(heap.params())
        .containsKeys("backend", "distribution", "keyCount", "op", "ttl", "valueSize")
        .containsEntry("backend", "HEAP")
        .containsEntry("ttl", "false");
    assertThat(heap.score()).isEqualTo(10_000_000.0);
    assertThat(heap.error()).isEqualTo(500_000.0);
    assertThat(heap.errorIsRange()).isFalse();
    assertThat(heap.unit()).isEqualTo("ops/s");
    assertThat(heap.bytesPerOp()).isEqualTo(0.0);
    assertThat(heap.run().forks()).isEqualTo(1);
    assertThat(heap.run().measurement()).isEqualTo("3 × 1 s");
  }

  @Test
  void read_withoutJmhError_usesHalfTheIterationRange() {
    JmhResult rocksDbTtl = results.get(3);
    assertThat(rocksDbTtl.error()).isEqualTo(10_000.0);
    assertThat(rocksDbTtl.errorIsRange()).isTrue();
    assertThat(rocksDbTtl.bytesPerOp()).isEqualTo(232.0);
  }

  @Test
  void ratio_addsRelativeErrorsInQuadrature() {
    Ratio ttlCost = Ratio.of(results.get(3), results.get(2));
    assertThat(ttlCost.value()).isEqualTo(0.75);
    // 0.75 × hypot(10k / 750k, 50k / 1M)
    assertThat(ttlCost.error()).isCloseTo(0.03881, within(1e-5));
    assertThat(ttlCost).hasToString("0.75 ± 0.04");
    assertThat(Ratio.of(results.get(3), null)).isNull();
    assertThat(new Ratio(0.11, 0.004)).hasToString("0.110 ± 0.004");
  }

  @Test
  void render_stateLimit_listsScoresAndTtlAndBackendRatios() {
    String md = BenchmarkReport.render(results, List.of("**quick pass**"));

    assertThat(md)
        .startsWith("# etlkit benchmark summary\n\n**quick pass**")
        .contains("## StateLimitBenchmark.stateOp")
        .contains("Same in every row: distribution=UNIFORM, keyCount=10000, op=VALUE_GET,")
        .contains("| backend | ttl | rec/s | ± | B/rec |")
        .contains("| HEAP | false | 10,000,000 | ±5.0% | 0.0 |")
        .contains("| ROCKSDB | true | 750,000 | ±1.3%† | 232.0 |")
        .contains("### ttl=true ÷ ttl=false")
        .contains("| backend=HEAP | 0.80 ± 0.06 |")
        .contains("| backend=ROCKSDB | 0.75 ± 0.04 |")
        .contains("### backend=ROCKSDB ÷ backend=HEAP")
        .contains("| ttl=false | 0.10 ± 0.01 |")
        .contains("| ttl=true | 0.094 ± 0.005 |")
        .contains("half the min–max range")
        .contains(
            "backend=HEAP: records/s (linear, longest bar = fastest)\nttl=false  " + "█".repeat(40))
        .contains(
            "backend=ROCKSDB: records/s (linear, longest bar = fastest)\nttl=false  "
                + "█".repeat(40));
  }

  @Test
  void render_implBenchmark_listsEtlkitRatiosToEveryBaselineAndBytesPerRecord() {
    String md = BenchmarkReport.render(results, List.of());

    assertThat(md)
        .contains("## DedupBenchmark.keepFirst")
        .contains("Same in every row: distribution=UNIFORM, duplicateRatio=0.5, keyCount=10000.")
        .contains(
            "| backend | ETLKIT rec/s | FLINK_SQL rec/s | LIMIT rec/s | ETLKIT ÷ FLINK_SQL"
                + " | ETLKIT ÷ LIMIT | B/rec ETLKIT | B/rec FLINK_SQL | B/rec LIMIT |")
        .contains(
            "| HEAP | 900,000 ±5.0% | 1,000,000 ±5.0% | 1,200,000 ±5.0% | 0.90 ± 0.06"
                + " | 0.75 ± 0.05 | 40.0 | 120.0 | 16.0 |")
        .contains(
            "| ROCKSDB | 300,000 ±5.0% | 250,000 ±5.0% | 320,000 ±5.0% | 1.20 ± 0.08"
                + " | 0.94 ± 0.07 | 400.0 | 480.0 | 300.0 |")
        .contains("ETLKIT ÷ FLINK_SQL (│ marks 1.0)\nbackend=HEAP     " + "█".repeat(27))
        .contains("ETLKIT ÷ LIMIT (│ marks 1.0)");
  }

  @Test
  void render_asyncBenchmark_reportsScoreOverLittlesLawBound() {
    JmhResult.RunInfo run = results.get(0).run();
    List<JmhResult> async =
        List.of(
            asyncResult("ETLKIT", "10", "100", "0.9", 900_000, run),
            asyncResult("LIMIT", "10", "100", "0.9", 950_000, run),
            asyncResult("ETLKIT", "0", "100", "0.9", 2_000_000, run));

    String md = BenchmarkReport.render(async, List.of());

    // bound: 100 / ((1 - 0.9) × 0.010 s) = 100,000 records/s
    assertThat(BenchmarkReport.littleBound(async.get(0))).isCloseTo(100_000.0, within(1e-6));
    assertThat(BenchmarkReport.littleBound(async.get(2))).isNaN();
    assertThat(md)
        .contains("### ÷ Little's-law bound")
        .contains("| impl=ETLKIT latencyMs=10 | 900,000 ±5.0% | 100,000 | 9.00 ± 0.45 |")
        .contains("| impl=LIMIT latencyMs=10 | 950,000 ±5.0% | 100,000 | 9.50 ± 0.47 |")
        .doesNotContain("latencyMs=0 | 2,000,000");
  }

  private static JmhResult asyncResult(
      String impl,
      String latency,
      String capacity,
      String hit,
      double score,
      JmhResult.RunInfo run) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("impl", impl);
    params.put("latencyMs", latency);
    params.put("capacity", capacity);
    params.put("hitRatio", hit);
    return new JmhResult(
        "EnrichAsyncBenchmark.enrich", params, score, score * 0.05, false, "ops/s", 100.0, run);
  }

  @Test
  void render_implBenchmarkWithVersionsPerKey_comparesHundredVersionsWithOnePerImpl() {
    List<JmhResult> scd2 = new ArrayList<>();
    for (String impl : List.of("ETLKIT", "LIMIT")) {
      for (String versions : List.of("1", "100")) {
        double score = impl.equals("ETLKIT") && versions.equals("100") ? 900_000 : 1_000_000;
        Map<String, String> params = new LinkedHashMap<>();
        params.put("backend", "ROCKSDB");
        params.put("impl", impl);
        params.put("versionsPerKey", versions);
        scd2.add(
            new JmhResult(
                "Scd2Benchmark.scd2",
                params,
                score,
                0.05 * score,
                false,
                "ops/s",
                300,
                results.get(0).run()));
      }
    }

    String md = BenchmarkReport.render(scd2, List.of());

    assertThat(md)
        .contains("## Scd2Benchmark.scd2")
        .contains("| versionsPerKey | ETLKIT rec/s | LIMIT rec/s | ETLKIT ÷ LIMIT |")
        .contains("### versionsPerKey=100 ÷ versionsPerKey=1")
        .contains("| impl=ETLKIT | 0.90 ± 0.06 |")
        .contains("| impl=LIMIT | 1.00 ± 0.07 |");
  }

  @Test
  void render_withChangelogFigures_addsTheLoggedBytesPerImpl() {
    List<JmhResult> scd2 = new ArrayList<>();
    for (String impl : List.of("ETLKIT", "LIMIT")) {
      Map<String, String> params = new LinkedHashMap<>();
      params.put("backend", "HEAP_CHANGELOG");
      params.put("impl", impl);
      scd2.add(
          new JmhResult(
              "Scd2Benchmark.scd2",
              params,
              100_000,
              5_000,
              false,
              "ops/s",
              300,
              impl.equals("ETLKIT") ? 798.4 : 96.0,
              results.get(0).run()));
    }

    String md = BenchmarkReport.render(scd2, List.of());

    assertThat(md)
        .contains("| logged B/rec ETLKIT | logged B/rec LIMIT |")
        .contains("| 300.0 | 300.0 | 798.4 | 96.0 |")
        .contains("Logged B/rec is `changelog.bytes.norm`");
    assertThat(BenchmarkReport.render(results, List.of())).doesNotContain("logged B/rec");
  }

  @Test
  void read_changelogProfilerMetric_keepsTheLoggedBytes(@TempDir Path dir) throws Exception {
    String json =
        Files.readString(fixture, StandardCharsets.UTF_8)
            .replaceFirst(
                "\"secondaryMetrics\"\\s*:\\s*\\{",
                "\"secondaryMetrics\": { \"changelog.bytes.norm\": { \"score\": 422.5 },");
    Path file = dir.resolve("with-changelog.json");
    Files.writeString(file, json, StandardCharsets.UTF_8);

    List<JmhResult> read = JmhResult.read(file);

    assertThat(read.get(0).loggedBytesPerOp()).isEqualTo(422.5);
    assertThat(read.get(1).loggedBytesPerOp()).isNaN();
  }

  @Test
  void bar_isThirtyLongAtOne_marksOne_andCapsLongBars() {
    assertThat(BenchmarkReport.bar(new Ratio(0.5, Double.NaN)))
        .isEqualTo("█".repeat(15) + " ".repeat(15) + "│ 0.50");
    assertThat(BenchmarkReport.bar(new Ratio(1.0, 0.1))).isEqualTo("█".repeat(30) + " 1.00 ± 0.10");
    assertThat(BenchmarkReport.bar(new Ratio(5.0, Double.NaN)))
        .isEqualTo("█".repeat(60) + "… 5.00");
  }

  @Test
  void main_writesTheSummaryWithNotes(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("nested/summary.md");

    BenchmarkReport.main(
        new String[] {fixture.toString(), out.toString(), "--note", "Command: `x`"});

    String md = Files.readString(out, StandardCharsets.UTF_8);
    assertThat(md).contains("Command: `x`").contains("## DedupBenchmark.keepFirst");
  }

  private static Path resource(String name) throws URISyntaxException {
    return Path.of(
        Objects.requireNonNull(BenchmarkReportTest.class.getResource("/" + name), name).toURI());
  }
}
