package dev.etlkit.benchmarks;

import static dev.etlkit.benchmarks.BenchmarkReport.BACKEND;
import static dev.etlkit.benchmarks.BenchmarkReport.CANDIDATE;
import static dev.etlkit.benchmarks.BenchmarkReport.IMPL;

import dev.etlkit.benchmarks.SvgBarChart.Bar;
import dev.etlkit.benchmarks.SvgBarChart.Panel;
import dev.etlkit.benchmarks.SvgBarChart.Row;
import dev.etlkit.benchmarks.SvgBarChart.Scale;
import dev.etlkit.benchmarks.SvgBarChart.Target;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import javax.annotation.Nullable;

/**
 * Draws the charts of {@code docs/benchmarks.md} from a JMH JSON result file: one SVG per benchmark
 * with the same comparisons as {@link BenchmarkReport}'s summary, as bars.
 *
 * <ul>
 *   <li>Benchmarks with an {@code impl} param: {@code ETLKIT ÷ X} for every other impl X (and
 *       {@code ETLKIT_MINIBATCH ÷ FLINK_SQL_MINIBATCH}), bytes per record {@code ETLKIT ÷
 *       FLINK_SQL}, the param comparisons ({@code versionsPerKey=100 ÷ 1}), {@code ÷ Little's-law
 *       bound}, each row with the target of {@code BENCHMARKS.md} where one applies; then records/s
 *       per impl, one panel per backend. Job benchmarks ({@code job=PIPELINE} and {@code
 *       PASS_THROUGH}) also get {@code ETLKIT ÷ X} of the pipeline with the pass-through
 *       subtracted, as in the summary.
 *   <li>Other benchmarks ({@link StateLimitBenchmark}): records/s per combination, one panel per
 *       backend, then {@code ttl=true ÷ ttl=false} and {@code ROCKSDB ÷ HEAP}.
 * </ul>
 *
 * <p>Usage: {@code BenchmarkCharts <jmh-results.json> <out-dir> [--note <line>]...}; writes {@code
 * <out-dir>/<Benchmark.method>.svg}. Each note is printed under the title (the run script passes
 * date, machine and command).
 */
public final class BenchmarkCharts {

  /** Extra impl comparisons drawn where both impls ran: numerator, denominator. */
  static final String[][] IMPL_PAIRS = {{"ETLKIT_MINIBATCH", "FLINK_SQL_MINIBATCH"}};

  static final String LITTLE = "÷ Little's-law bound";

  static final String BYTES = "B/rec " + CANDIDATE + " ÷ FLINK_SQL";

  private static final String STATE_STEPS =
      "Dedup\\w*Benchmark|UpsertNormalizeBenchmark|Scd2Benchmark";

  /**
   * The targets of BENCHMARKS.md: which benchmark classes (regex), which comparison, the params a
   * row must have. The LIMIT targets are for the state steps (dedup, normalize, SCD2).
   */
  static final List<TargetRule> TARGETS =
      List.of(
          rule(STATE_STEPS, "ETLKIT ÷ LIMIT", BACKEND, "ROCKSDB", new Target(0.85, true)),
          rule(STATE_STEPS, "ETLKIT ÷ LIMIT", BACKEND, "HEAP", new Target(0.60, true)),
          rule("DedupKeepFirstBenchmark", "ETLKIT ÷ FLINK_SQL", null, null, new Target(1.0, true)),
          rule(
              "DedupKeepLastBenchmark|UpsertNormalizeBenchmark",
              "ETLKIT ÷ FLINK_SQL",
              null,
              null,
              new Target(1.1, true)),
          rule(
              "Dedup\\w*Benchmark",
              "ETLKIT_MINIBATCH ÷ FLINK_SQL_MINIBATCH",
              null,
              null,
              new Target(1.0, true)),
          rule(
              "Scd2Benchmark",
              "versionsPerKey=100 ÷ versionsPerKey=1",
              IMPL,
              CANDIDATE,
              new Target(0.8, true)),
          rule("EnrichAsyncBenchmark", LITTLE, IMPL, CANDIDATE, new Target(0.9, true)),
          rule(
              "EnrichAsyncCachedBenchmark",
              "ETLKIT ÷ SYNC_CACHE",
              null,
              null,
              new Target(0.9, true)),
          rule(
              "FormatConversionBenchmark", "ETLKIT ÷ FLINK_SQL", null, null, new Target(1.3, true)),
          rule(".*", BYTES, null, null, new Target(1.0, false)));

  /**
   * A target of one comparison for some benchmarks.
   *
   * @param benchmarks benchmark class names it applies to
   * @param comparison the panel title, e.g. {@code ETLKIT ÷ LIMIT}
   * @param param a param the row's numerator must have, null for any row
   * @param value that param's value
   * @param target the target
   */
  record TargetRule(
      Pattern benchmarks,
      String comparison,
      @Nullable String param,
      @Nullable String value,
      Target target) {

    boolean appliesTo(String comparisonTitle, JmhResult numerator) {
      return comparison.equals(comparisonTitle)
          && benchmarks.matcher(numerator.benchmarkClass()).matches()
          && (param == null || value.equals(numerator.params().get(param)));
    }
  }

  private BenchmarkCharts() {}

  public static void main(String[] args) throws IOException {
    if (args.length < 2) {
      System.err.println("Usage: BenchmarkCharts <jmh-results.json> <out-dir> [--note <line>]...");
      System.exit(2);
    }
    List<String> notes = BenchmarkReport.notes(args, 2);
    Path outDir = Path.of(args[1]);
    Files.createDirectories(outDir);
    for (Map.Entry<String, String> chart :
        render(JmhResult.read(Path.of(args[0])), notes).entrySet()) {
      Path file = outDir.resolve(chart.getKey());
      Files.writeString(file, chart.getValue(), StandardCharsets.UTF_8);
      System.out.println("Wrote " + file);
    }
  }

  /** One SVG document per benchmark, by file name {@code <Benchmark.method>.svg}. */
  static Map<String, String> render(List<JmhResult> results, List<String> notes) {
    Map<String, String> charts = new LinkedHashMap<>();
    for (List<JmhResult> benchmark : ResultGroups.groupByBenchmark(results).values()) {
      charts.put(benchmark.get(0).benchmark() + ".svg", renderBenchmark(benchmark, notes));
    }
    return charts;
  }

  static String renderBenchmark(List<JmhResult> results, List<String> notes) {
    List<Panel> panels = new ArrayList<>();
    boolean withImpl = results.get(0).params().containsKey(IMPL);
    if (withImpl) {
      panels.addAll(implRatioPanels(results, ""));
      panels.addAll(
          implRatioPanels(
              BenchmarkReport.passThroughSubtracted(results), ", pass-through subtracted"));
      panels.add(bytesPanel(results));
      for (String[] comparison : BenchmarkReport.IMPL_PARAM_COMPARISONS) {
        panels.add(paramPanel(results, comparison[0], comparison[1], comparison[2]));
      }
      panels.add(littlePanel(results));
    }
    panels.addAll(ratePanels(results, withImpl));
    if (!withImpl) {
      for (String[] comparison : BenchmarkReport.PARAM_COMPARISONS) {
        panels.add(paramPanel(results, comparison[0], comparison[1], comparison[2]));
      }
    }
    return SvgBarChart.document(results.get(0).benchmark(), subtitles(results, notes), panels);
  }

  private static List<String> subtitles(List<JmhResult> results, List<String> notes) {
    List<String> lines = new ArrayList<>(notes);
    JmhResult.RunInfo run = results.get(0).run();
    lines.add(
        String.format(
            Locale.ROOT,
            "JMH %s, JDK %s, %d fork(s) × (warmup %s, measurement %s)",
            run.jmhVersion(),
            run.jdk(),
            run.forks(),
            run.warmup(),
            run.measurement()));
    List<String> fixed = ResultGroups.fixedParams(results);
    if (!fixed.isEmpty()) {
      lines.add("Same in every row: " + String.join(", ", fixed));
    }
    lines.add(
        "Ratios of records/s measured side by side in this run (higher favours the numerator);"
            + " whiskers: error of the ratio; grey line: 1.0.");
    return lines;
  }

  /**
   * {@code ETLKIT ÷ X} for every other impl X, then the extra pairs; {@code suffix} follows each
   * panel's title. No panels for no results.
   */
  private static List<Panel> implRatioPanels(List<JmhResult> results, String suffix) {
    if (results.isEmpty()) {
      return List.of();
    }
    List<String[]> pairs = new ArrayList<>();
    List<String> impls = ResultGroups.orderedImpls(results);
    for (String impl : impls) {
      if (!impl.equals(CANDIDATE)) {
        pairs.add(new String[] {CANDIDATE, impl});
      }
    }
    for (String[] pair : IMPL_PAIRS) {
      if (impls.contains(pair[0]) && impls.contains(pair[1])) {
        pairs.add(pair);
      }
    }
    List<String> labelParams = ResultGroups.labelParams(results, IMPL);
    List<Panel> panels = new ArrayList<>();
    for (String[] pair : pairs) {
      String title = pair[0] + " ÷ " + pair[1];
      List<Row> rows = new ArrayList<>();
      for (Map<String, JmhResult> row : ResultGroups.implRows(results).values()) {
        JmhResult numerator = row.get(pair[0]);
        Ratio ratio = Ratio.of(numerator, row.get(pair[1]));
        if (ratio != null) {
          rows.add(
              ratioRow(ResultGroups.label(numerator, labelParams), title, numerator, ratio, title));
        }
      }
      panels.add(new Panel(title + suffix, rows, Scale.RATIO));
    }
    return panels;
  }

  /** Bytes allocated per record, ETLKIT ÷ FLINK_SQL (BENCHMARKS.md: at most 1.0). */
  private static Panel bytesPanel(List<JmhResult> results) {
    List<String> labelParams = ResultGroups.labelParams(results, IMPL);
    List<Row> rows = new ArrayList<>();
    for (Map<String, JmhResult> row : ResultGroups.implRows(results).values()) {
      JmhResult etlkit = row.get(CANDIDATE);
      JmhResult sql = row.get("FLINK_SQL");
      if (etlkit != null
          && sql != null
          && sql.bytesPerOp() > 0
          && Double.isFinite(etlkit.bytesPerOp())) {
        Ratio ratio = new Ratio(etlkit.bytesPerOp() / sql.bytesPerOp(), Double.NaN);
        rows.add(ratioRow(ResultGroups.label(etlkit, labelParams), BYTES, etlkit, ratio, "B/rec"));
      }
    }
    return new Panel(BYTES + " (lower is better)", rows, Scale.RATIO);
  }

  /** {@code param=numerator ÷ param=denominator}, per combination of the other params. */
  private static Panel paramPanel(
      List<JmhResult> results, String param, String numerator, String denominator) {
    String title = param + "=" + numerator + " ÷ " + param + "=" + denominator;
    List<String> labelParams = ResultGroups.labelParams(results, param);
    List<Row> rows = new ArrayList<>();
    for (JmhResult[] pair : ResultGroups.comparisonPairs(results, param, numerator, denominator)) {
      Ratio ratio = Ratio.of(pair[0], pair[1]);
      if (ratio != null) {
        rows.add(ratioRow(ResultGroups.label(pair[0], labelParams), title, pair[0], ratio, title));
      }
    }
    return new Panel(title, rows, Scale.RATIO);
  }

  /** Records/s ÷ {@code capacity / ((1 − hitRatio) × latency)} where the bound is finite. */
  private static Panel littlePanel(List<JmhResult> results) {
    List<String> labelParams = ResultGroups.labelParams(results, null);
    List<Row> rows = new ArrayList<>();
    for (JmhResult r : results) {
      double bound = BenchmarkReport.littleBound(r);
      if (!Double.isNaN(bound)) {
        double value = r.score() / bound;
        Ratio ratio = new Ratio(value, value * r.relativeError());
        rows.add(ratioRow(ResultGroups.label(r, labelParams), LITTLE, r, ratio, LITTLE));
      }
    }
    return new Panel(LITTLE, rows, Scale.RATIO);
  }

  private static Row ratioRow(
      String label, String comparison, JmhResult numerator, Ratio ratio, String series) {
    Target target = target(comparison, numerator);
    String text = ratio.toString();
    if (target != null) {
      text += "  target " + target + (target.isMetBy(ratio.value()) ? " met" : " not met");
    }
    return new Row(label, List.of(new Bar(series, ratio.value(), ratio.error(), text)), target);
  }

  /** The target of BENCHMARKS.md for this comparison and row, or null. */
  @Nullable
  static Target target(String comparison, JmhResult numerator) {
    for (TargetRule rule : TARGETS) {
      if (rule.appliesTo(comparison, numerator)) {
        return rule.target();
      }
    }
    return null;
  }

  /**
   * Records/s, one bar per impl (or one per combination without impl), one panel per backend when
   * the backend varies: heap is often 20× faster than RocksDB, one scale would flatten RocksDB.
   */
  private static List<Panel> ratePanels(List<JmhResult> results, boolean withImpl) {
    List<String> labelParams = ResultGroups.labelParams(results, withImpl ? IMPL : null);
    boolean byBackend = labelParams.contains(BACKEND);
    List<String> rowParams = new ArrayList<>(labelParams);
    rowParams.remove(BACKEND);
    Map<String, List<Row>> panels = new LinkedHashMap<>();
    List<List<JmhResult>> groups = new ArrayList<>();
    if (withImpl) {
      List<String> impls = ResultGroups.orderedImpls(results);
      for (Map<String, JmhResult> row : ResultGroups.implRows(results).values()) {
        List<JmhResult> group = new ArrayList<>();
        for (String impl : impls) {
          if (row.containsKey(impl)) {
            group.add(row.get(impl));
          }
        }
        groups.add(group);
      }
    } else {
      for (JmhResult r : results) {
        groups.add(List.of(r));
      }
    }
    for (List<JmhResult> group : groups) {
      JmhResult any = group.get(0);
      String panel =
          "records/s" + (byBackend ? ", " + BACKEND + "=" + any.params().get(BACKEND) : "");
      List<Bar> bars = new ArrayList<>();
      for (JmhResult r : group) {
        String series = withImpl ? r.params().get(IMPL) : "records/s";
        String bytes =
            Double.isNaN(r.bytesPerOp())
                ? ""
                : String.format(Locale.ROOT, "  %.0f B/rec", r.bytesPerOp());
        bars.add(
            new Bar(
                series,
                r.score(),
                r.error(),
                String.format(Locale.ROOT, "%,.0f %s", r.score(), BenchmarkReport.formatError(r))
                    + bytes));
      }
      panels
          .computeIfAbsent(panel, k -> new ArrayList<>())
          .add(new Row(ResultGroups.label(any, rowParams), bars, null));
    }
    List<Panel> result = new ArrayList<>();
    for (Map.Entry<String, List<Row>> panel : panels.entrySet()) {
      result.add(new Panel(panel.getKey(), panel.getValue(), Scale.RATE));
    }
    return result;
  }

  private static TargetRule rule(
      String benchmarks,
      String comparison,
      @Nullable String param,
      @Nullable String value,
      Target target) {
    return new TargetRule(Pattern.compile(benchmarks), comparison, param, value, target);
  }
}
