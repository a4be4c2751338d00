package dev.etlkit.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

/**
 * The SVG charts of a small JMH JSON file: a dedup benchmark with ETLKIT, FLINK_SQL and LIMIT on
 * heap and RocksDB (scores ±5 %), and the StateLimitBenchmark of the report's fixture.
 */
class BenchmarkChartsTest {

  /**
   * Scores and bytes per record: ETLKIT ÷ FLINK_SQL = 0.90 on heap (misses 1.0), 1.20 on RocksDB.
   */
  private static final Object[][] DEDUP = {
    {"ETLKIT", "HEAP", 900_000, 40},
    {"FLINK_SQL", "HEAP", 1_000_000, 120},
    {"LIMIT", "HEAP", 1_200_000, 16},
    {"ETLKIT", "ROCKSDB", 300_000, 400},
    {"FLINK_SQL", "ROCKSDB", 250_000, 480},
    {"LIMIT", "ROCKSDB", 320_000, 300},
  };

  @Test
  void main_implBenchmark_writesOneWellFormedSvgWithRatioBarsTargetsAndRates(@TempDir Path dir)
      throws Exception {
    Path json = dir.resolve("jmh-results.json");
    Files.writeString(json, dedupJson(), StandardCharsets.UTF_8);

    BenchmarkCharts.main(
        new String[] {
          json.toString(), dir.resolve("charts").toString(), "--note", "quick pass, 2026-11-21"
        });

    Path svgFile = dir.resolve("charts/DedupKeepFirstBenchmark.dedup.svg");
    assertThat(svgFile).exists();
    Document svg = parse(Files.readString(svgFile, StandardCharsets.UTF_8));
    assertThat(svg.getDocumentElement().getLocalName()).isEqualTo("svg");
    assertThat(texts(svg))
        .contains(
            "DedupKeepFirstBenchmark.dedup",
            "quick pass, 2026-11-21",
            "Same in every row: distribution=UNIFORM, keyCount=10000",
            "ETLKIT ÷ FLINK_SQL",
            "ETLKIT ÷ LIMIT",
            "B/rec ETLKIT ÷ FLINK_SQL (lower is better)",
            "records/s, backend=HEAP",
            "records/s, backend=ROCKSDB",
            "backend=HEAP",
            "0.90 ± 0.06  target ≥ 1.00 not met",
            "1.20 ± 0.08  target ≥ 1.00 met",
            "0.75 ± 0.05  target ≥ 0.60 met",
            "0.94 ± 0.07  target ≥ 0.85 met",
            "0.33  target ≤ 1.00 met",
            "900,000 ±5.0%  40 B/rec",
            "320,000 ±5.0%  300 B/rec",
            "ETLKIT",
            "FLINK_SQL",
            "LIMIT");
    // 2 × 2 ratio bars, 2 bytes bars, 2 × 3 records/s bars; only heap ETLKIT ÷ FLINK_SQL misses
    assertThat(count(svg, "//*[local-name()='rect'][starts-with(@class,'bar')]")).isEqualTo(12);
    assertThat(count(svg, "//*[local-name()='rect'][@class='bar missed']")).isEqualTo(1);
    assertThat(count(svg, "//*[local-name()='rect'][@class='bar met']")).isEqualTo(5);
    assertThat(count(svg, "//*[local-name()='line'][@class='target']")).isEqualTo(6);
    assertThat(titles(svg))
        .contains("backend=HEAP · ETLKIT ÷ FLINK_SQL: 0.90 ± 0.06  target ≥ 1.00 not met");
  }

  @Test
  void render_benchmarkWithoutImpl_drawsRatesPerBackendAndParamRatiosWithoutTargets()
      throws Exception {
    List<JmhResult> fixture =
        JmhResult.read(Path.of(BenchmarkChartsTest.class.getResource("/jmh-fixture.json").toURI()));

    Map<String, String> charts = BenchmarkCharts.render(fixture, List.of());

    assertThat(charts)
        .containsOnlyKeys("StateLimitBenchmark.stateOp.svg", "DedupBenchmark.keepFirst.svg");
    Document svg = parse(charts.get("StateLimitBenchmark.stateOp.svg"));
    assertThat(texts(svg))
        .contains(
            "records/s, backend=HEAP",
            "records/s, backend=ROCKSDB",
            "ttl=true ÷ ttl=false",
            "backend=ROCKSDB ÷ backend=HEAP",
            "0.80 ± 0.06",
            "10,000,000 ±5.0%  0 B/rec")
        .noneMatch(t -> t.contains("target"));
    // 4 results, 2 ttl ratios, 2 backend ratios
    assertThat(count(svg, "//*[local-name()='rect'][@class='bar']")).isEqualTo(8);
    assertThat(count(svg, "//*[local-name()='line'][@class='target']")).isZero();
  }

  @Test
  void document_escapesMarkup_andStaysWellFormed() throws Exception {
    SvgBarChart.Row row =
        new SvgBarChart.Row(
            "a<b & \"c\"", List.of(new SvgBarChart.Bar("x>y", 0.5, 0.1, "0.50 ± 0.10")), null);
    String svg =
        SvgBarChart.document(
            "t & <title>",
            List.of("note with ' and \u0001 control"),
            List.of(new SvgBarChart.Panel("p", List.of(row), SvgBarChart.Scale.RATIO)));

    Document doc = parse(svg);
    assertThat(texts(doc)).contains("t & <title>", "a<b & \"c\"", "note with ' and  control");
  }

  @Test
  void target_followsBenchmarksMd_perBenchmarkComparisonAndRow() {
    assertThat(BenchmarkCharts.target("ETLKIT ÷ LIMIT", result("Scd2Benchmark", "ROCKSDB")))
        .isEqualTo(new SvgBarChart.Target(0.85, true));
    assertThat(BenchmarkCharts.target("ETLKIT ÷ LIMIT", result("UpsertNormalizeBenchmark", "HEAP")))
        .isEqualTo(new SvgBarChart.Target(0.60, true));
    assertThat(
            BenchmarkCharts.target("ETLKIT ÷ FLINK_SQL", result("DedupKeepLastBenchmark", "HEAP")))
        .isEqualTo(new SvgBarChart.Target(1.1, true));
    assertThat(BenchmarkCharts.target(BenchmarkCharts.BYTES, result("AnyBenchmark", "HEAP")))
        .isEqualTo(new SvgBarChart.Target(1.0, false));
    // the LIMIT targets name the state steps only; a dimension join has none
    assertThat(BenchmarkCharts.target("ETLKIT ÷ LIMIT", result("DimensionJoinBenchmark", "HEAP")))
        .isNull();
  }

  @Test
  void niceStep_isOneTwoOrFiveTimesAPowerOfTen() {
    assertThat(SvgBarChart.niceStep(0.23)).isEqualTo(0.5);
    assertThat(SvgBarChart.niceStep(1.0)).isEqualTo(1.0);
    assertThat(SvgBarChart.niceStep(140_000)).isEqualTo(200_000);
  }

  private static JmhResult result(String benchmarkClass, String backend) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("backend", backend);
    params.put("impl", "ETLKIT");
    return new JmhResult(
        benchmarkClass + ".run",
        params,
        1.0,
        0.1,
        false,
        "ops/s",
        1.0,
        new JmhResult.RunInfo("1.37", "17", 1, "1 × 1 s", "2 × 1 s", List.of()));
  }

  /** A JMH 1.37 JSON result file of {@link #DEDUP}. */
  private static String dedupJson() {
    List<String> results = new ArrayList<>();
    for (Object[] r : DEDUP) {
      double score = ((Integer) r[2]).doubleValue();
      results.add(
          String.format(
              Locale.ROOT,
              """
              {"jmhVersion": "1.37", "benchmark": "dev.etlkit.benchmarks.dedup.\
              DedupKeepFirstBenchmark.dedup", "mode": "thrpt", "threads": 1, "forks": 1,
               "jvmArgs": ["-Xms2g", "-Xmx2g"], "jdkVersion": "17.0.15",
               "vmName": "OpenJDK 64-Bit Server VM", "warmupIterations": 1, "warmupTime": "1 s",
               "measurementIterations": 3, "measurementTime": "1 s",
               "params": {"backend": "%s", "distribution": "UNIFORM", "impl": "%s",
                          "keyCount": "10000"},
               "primaryMetric": {"score": %.1f, "scoreError": %.1f, "scoreUnit": "ops/s",
                                 "rawData": [[%.1f, %.1f, %.1f]]},
               "secondaryMetrics": {"gc.alloc.rate.norm": {"score": %d.0, "scoreUnit": "B/op"}}}
              """,
              r[1],
              r[0],
              score,
              score * 0.05,
              score,
              score,
              score,
              r[3]));
    }
    return "[" + String.join(",", results) + "]";
  }

  private static Document parse(String svg) throws Exception {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setNamespaceAware(true);
    return factory
        .newDocumentBuilder()
        .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
  }

  private static List<String> texts(Document svg) throws Exception {
    return contents(svg, "//*[local-name()='text']");
  }

  private static List<String> titles(Document svg) throws Exception {
    return contents(svg, "//*[local-name()='title']");
  }

  private static List<String> contents(Document svg, String xpath) throws Exception {
    NodeList nodes =
        (NodeList)
            XPathFactory.newInstance().newXPath().evaluate(xpath, svg, XPathConstants.NODESET);
    List<String> contents = new ArrayList<>();
    for (int i = 0; i < nodes.getLength(); i++) {
      contents.add(nodes.item(i).getTextContent());
    }
    return contents;
  }

  private static int count(Document svg, String xpath) throws Exception {
    return ((NodeList)
            XPathFactory.newInstance().newXPath().evaluate(xpath, svg, XPathConstants.NODESET))
        .getLength();
  }
}
