package dev.etlkit.benchmarks;

import static dev.etlkit.benchmarks.ResultGroups.comparisonPairs;
import static dev.etlkit.benchmarks.ResultGroups.fixedParams;
import static dev.etlkit.benchmarks.ResultGroups.groupByBenchmark;
import static dev.etlkit.benchmarks.ResultGroups.implRows;
import static dev.etlkit.benchmarks.ResultGroups.label;
import static dev.etlkit.benchmarks.ResultGroups.labelParams;
import static dev.etlkit.benchmarks.ResultGroups.orderedImpls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns a JMH JSON result file into the Markdown summary of {@code docs/benchmarks.md}: every claim
 * as a ratio of two scores measured in the same run.
 *
 * <ul>
 *   <li>Benchmarks with an {@code impl} param (operator benchmarks): per combination of the other
 *       params, records/s of every impl, {@code ETLKIT ÷ X} for every other impl X ({@code
 *       FLINK_SQL}, {@code LIMIT}, ...), bytes allocated per record, and a bar chart of the ratios;
 *       with a {@code versionsPerKey} param (SCD2) also {@code versionsPerKey=100 ÷
 *       versionsPerKey=1} per impl.
 *   <li>Benchmarks with a {@code job} param of {@code PIPELINE} and {@code PASS_THROUGH} (the
 *       job-level {@code ReferenceJobBenchmark}) also get the pipeline's cost without the
 *       pass-through job's, per impl: {@code 1 / (1/pipeline − 1/pass-through)} records/s, {@code
 *       pipeline − pass-through} bytes per record, and {@code ETLKIT ÷} every other impl of those.
 *   <li>Benchmarks with {@code latencyMs}, {@code capacity} and {@code hitRatio} params (async
 *       enrichment) also get {@code score ÷ Little's-law bound} per row, the bound being {@code
 *       capacity / ((1 − hitRatio) × latency)}: the most records per second that many records in
 *       flight can complete when only cache misses wait (not reported at latency 0 or 100% hits).
 *   <li>Other benchmarks ({@link StateLimitBenchmark}): records/s and bytes per record of every
 *       combination, then {@code ttl=true ÷ ttl=false} and {@code ROCKSDB ÷ HEAP} where those
 *       params vary.
 * </ul>
 *
 * <p>Usage: {@code BenchmarkReport <jmh-results.json> <summary.md> [--note <line>]...}; each note
 * is printed under the title (the run script passes date, machine and command).
 */
public final class BenchmarkReport {

  /** The impl whose ratios to every other impl are reported. */
  static final String CANDIDATE = "ETLKIT";

  static final String IMPL = "impl";

  static final String BACKEND = "backend";

  /** Params from which the Little's-law bound of an async benchmark is computed. */
  static final String LATENCY_MS = "latencyMs";

  static final String CAPACITY = "capacity";

  static final String HIT_RATIO = "hitRatio";

  /** The param of a job benchmark, and its values whose difference is reported. */
  static final String JOB = "job";

  static final String PIPELINE = "PIPELINE";

  static final String PASS_THROUGH = "PASS_THROUGH";

  /** Bar length of a ratio of 1.0 in the charts. */
  private static final int UNIT_BAR = 30;

  private static final int MAX_BAR = 60;

  /** Comparisons reported for benchmarks without an impl param: param, numerator, denominator. */
  static final String[][] PARAM_COMPARISONS = {
    {"ttl", "true", "false"},
    {BACKEND, "ROCKSDB", "HEAP"},
  };

  /**
   * Comparisons reported for impl benchmarks with that param, per impl: param, numerator,
   * denominator. SCD2's history must not cost O(versions) per record (BENCHMARKS.md: ≥ 0.8).
   */
  static final String[][] IMPL_PARAM_COMPARISONS = {
    {"versionsPerKey", "100", "1"},
  };

  private BenchmarkReport() {}

  public static void main(String[] args) throws IOException {
    if (args.length < 2) {
      System.err.println(
          "Usage: BenchmarkReport <jmh-results.json> <summary.md> [--note <line>]...");
      System.exit(2);
    }
    List<String> notes = notes(args, 2);
    List<JmhResult> results = JmhResult.read(Path.of(args[0]));
    Path out = Path.of(args[1]);
    if (out.getParent() != null) {
      Files.createDirectories(out.getParent());
    }
    Files.writeString(out, render(results, notes), StandardCharsets.UTF_8);
    System.out.println("Wrote " + out + " (" + results.size() + " results)");
  }

  /**
   * The values of {@code --note <line>} pairs from {@code args[from]} on (shared with the charts).
   */
  static List<String> notes(String[] args, int from) {
    List<String> notes = new ArrayList<>();
    for (int i = from; i < args.length; i++) {
      if (args[i].equals("--note") && i + 1 < args.length) {
        notes.add(args[++i]);
      } else {
        throw new IllegalArgumentException("Unknown argument: " + args[i]);
      }
    }
    return notes;
  }

  /** The whole Markdown summary. */
  static String render(List<JmhResult> results, List<String> notes) {
    StringBuilder md = new StringBuilder("# etlkit benchmark summary\n\n");
    for (String note : notes) {
      md.append(note).append("  \n");
    }
    if (!notes.isEmpty()) {
      md.append('\n');
    }
    if (results.isEmpty()) {
      return md.append("No results.\n").toString();
    }
    appendLegend(md, results);
    for (List<JmhResult> benchmark : groupByBenchmark(results).values()) {
      if (benchmark.get(0).params().containsKey(IMPL)) {
        appendImplSection(md, benchmark);
      } else {
        appendPlainSection(md, benchmark);
      }
    }
    return md.toString();
  }

  // ---------------------------------------------------------------------------------------------
  // Sections

  private static void appendLegend(StringBuilder md, List<JmhResult> results) {
    Set<String> runs = new LinkedHashSet<>();
    for (JmhResult r : results) {
      JmhResult.RunInfo run = r.run();
      runs.add(
          String.format(
              Locale.ROOT,
              "JMH %s, JDK %s, %d fork(s) × (warmup %s, measurement %s), JVM args: `%s`",
              run.jmhVersion(),
              run.jdk(),
              run.forks(),
              run.warmup(),
              run.measurement(),
              heapArgs(run.jvmArgs())));
    }
    for (String run : runs) {
      md.append("Run: ").append(run).append("  \n");
    }
    md.append("Scores are records/s (higher is better); ± is JMH's 99.9% confidence half-width");
    if (results.stream().anyMatch(JmhResult::errorIsRange)) {
      md.append(
          ", or with † half the min–max range of the measurement iterations (too few"
              + " iterations for a confidence interval)");
    }
    md.append(
        ". Ratios carry the relative errors of both scores added in quadrature. B/rec is"
            + " `gc.alloc.rate.norm`: bytes allocated per record.");
    if (results.stream().anyMatch(r -> Double.isFinite(r.loggedBytesPerOp()))) {
      md.append(
          " Logged B/rec is `"
              + FiguresProfiler.CHANGELOG_BYTES
              + "`: bytes the changelog state backend appended per record.");
    }
    md.append("\n\n");
  }

  /** A benchmark with an impl param: ETLKIT ÷ every other impl, per combination of other params. */
  private static void appendImplSection(StringBuilder md, List<JmhResult> results) {
    String name = results.get(0).benchmark();
    md.append("## ").append(name).append("\n\n");
    appendFixedParams(md, results);
    List<String> labelParams = labelParams(results, IMPL);
    Map<String, List<String[]>> charts =
        appendImplTable(md, implRows(results), orderedImpls(results), labelParams);
    for (Map.Entry<String, List<String[]>> chart : charts.entrySet()) {
      appendChart(md, chart.getKey() + " (│ marks 1.0)", chart.getValue());
    }
    for (String[] comparison : IMPL_PARAM_COMPARISONS) {
      appendComparison(md, results, comparison[0], comparison[1], comparison[2]);
    }
    appendPassThroughSubtracted(md, results);
    appendLittleBound(md, results);
  }

  /**
   * One row per combination of the label params: records/s of every impl, {@code ETLKIT ÷} every
   * other impl, bytes per record of every impl ({@code —} where a score is missing or NaN). Returns
   * the bars of each ratio, by the ratio's title.
   */
  private static Map<String, List<String[]>> appendImplTable(
      StringBuilder md,
      Map<String, Map<String, JmhResult>> rows,
      List<String> impls,
      List<String> labelParams) {
    List<String> others = new ArrayList<>(impls);
    others.remove(CANDIDATE);
    List<String> header = new ArrayList<>(labelParams);
    for (String impl : impls) {
      header.add(impl + " rec/s");
    }
    for (String other : others) {
      header.add(CANDIDATE + " ÷ " + other);
    }
    for (String impl : impls) {
      header.add("B/rec " + impl);
    }
    boolean logged =
        rows.values().stream()
            .flatMap(row -> row.values().stream())
            .anyMatch(r -> Double.isFinite(r.loggedBytesPerOp()));
    if (logged) {
      for (String impl : impls) {
        header.add("logged B/rec " + impl);
      }
    }
    appendHeader(md, header, labelParams.size());

    Map<String, List<String[]>> charts = new LinkedHashMap<>();
    for (Map<String, JmhResult> row : rows.values()) {
      JmhResult any = row.values().iterator().next();
      List<String> cells = new ArrayList<>();
      for (String p : labelParams) {
        cells.add(any.params().get(p));
      }
      for (String impl : impls) {
        JmhResult r = row.get(impl);
        cells.add(r == null || Double.isNaN(r.score()) ? "—" : formatScore(r));
      }
      for (String other : others) {
        Ratio ratio = Ratio.of(row.get(CANDIDATE), row.get(other));
        cells.add(ratio == null ? "—" : ratio.toString());
        if (ratio != null) {
          charts
              .computeIfAbsent(CANDIDATE + " ÷ " + other, k -> new ArrayList<>())
              .add(new String[] {label(any, labelParams), bar(ratio)});
        }
      }
      for (String impl : impls) {
        JmhResult r = row.get(impl);
        cells.add(r == null ? "—" : formatBytes(r.bytesPerOp()));
      }
      if (logged) {
        for (String impl : impls) {
          JmhResult r = row.get(impl);
          cells.add(r == null ? "—" : formatBytes(r.loggedBytesPerOp()));
        }
      }
      appendRow(md, cells);
    }
    md.append('\n');
    return charts;
  }

  /**
   * Per impl and combination of the other params, the pipeline with the pass-through job's cost
   * subtracted (conversion, source, sink, starting and finishing a job), then {@code ETLKIT ÷}
   * every other impl of that.
   */
  private static void appendPassThroughSubtracted(StringBuilder md, List<JmhResult> results) {
    List<JmhResult> subtracted = passThroughSubtracted(results);
    if (subtracted.isEmpty()) {
      return;
    }
    md.append("### " + JOB + "=" + PIPELINE + " − " + JOB + "=" + PASS_THROUGH + "\n\n")
        .append("The pipeline's work without the pass-through job's: records/s = 1 / (1/pipeline −")
        .append(" 1/pass-through), B/rec = pipeline − pass-through. — where the pass-through job")
        .append(" was not faster.\n\n");
    Map<String, List<String[]>> charts =
        appendImplTable(
            md, implRows(subtracted), orderedImpls(subtracted), labelParams(subtracted, IMPL));
    for (Map.Entry<String, List<String[]>> chart : charts.entrySet()) {
      appendChart(md, chart.getKey() + ", pass-through subtracted (│ marks 1.0)", chart.getValue());
    }
  }

  /**
   * Every {@code job=PIPELINE} result that has a {@code job=PASS_THROUGH} twin (equal in every
   * other param), minus that twin ({@link #subtract}), without the {@code job} param; empty for
   * benchmarks without those jobs (shared with the charts).
   */
  static List<JmhResult> passThroughSubtracted(List<JmhResult> results) {
    List<JmhResult> subtracted = new ArrayList<>();
    for (JmhResult[] pair : comparisonPairs(results, JOB, PIPELINE, PASS_THROUGH)) {
      Map<String, String> params = new LinkedHashMap<>(pair[0].params());
      params.remove(JOB);
      subtracted.add(subtract(pair[0], pair[1], params));
    }
    return subtracted;
  }

  /**
   * {@code 1 / (1/pipeline − 1/passThrough)} with the propagated error, NaN when the pass-through
   * job was not faster; bytes {@code pipeline − passThrough}.
   */
  static JmhResult subtract(JmhResult pipeline, JmhResult passThrough, Map<String, String> params) {
    double secondsPerRecord = 1 / pipeline.score() - 1 / passThrough.score();
    double score = secondsPerRecord > 0 ? 1 / secondsPerRecord : Double.NaN;
    // d(1/x) = dx / x²; relative error of 1/t equals that of t
    double secondsError =
        Math.hypot(
            pipeline.error() / (pipeline.score() * pipeline.score()),
            passThrough.error() / (passThrough.score() * passThrough.score()));
    return new JmhResult(
        pipeline.benchmark(),
        params,
        score,
        score * secondsError / secondsPerRecord,
        pipeline.errorIsRange() || passThrough.errorIsRange(),
        pipeline.unit(),
        pipeline.bytesPerOp() - passThrough.bytesPerOp(),
        pipeline.run());
  }

  /**
   * {@code score ÷ capacity / ((1 − hitRatio) × latency)} for every row that has a finite bound.
   */
  private static void appendLittleBound(StringBuilder md, List<JmhResult> results) {
    List<String> labelParams = labelParams(results, null);
    List<String[]> rows = new ArrayList<>();
    for (JmhResult r : results) {
      double bound = littleBound(r);
      if (Double.isNaN(bound)) {
        continue;
      }
      double value = r.score() / bound;
      Ratio ratio = new Ratio(value, value * r.relativeError());
      rows.add(
          new String[] {
            label(r, labelParams),
            formatScore(r),
            String.format(Locale.ROOT, "%,.0f", bound),
            ratio.toString(),
            bar(ratio)
          });
    }
    if (rows.isEmpty()) {
      return;
    }
    md.append("### ÷ Little's-law bound\n\n");
    appendHeader(md, List.of("combination", "rec/s", "bound rec/s", "÷ bound"), 1);
    List<String[]> chart = new ArrayList<>();
    for (String[] row : rows) {
      appendRow(md, List.of(row[0], row[1], row[2], row[3]));
      chart.add(new String[] {row[0], row[4]});
    }
    md.append('\n');
    appendChart(md, "÷ Little's-law bound (│ marks 1.0)", chart);
  }

  /**
   * {@code capacity / ((1 − hitRatio) × latencyMs / 1000)} records/s, or NaN when a param is
   * missing, the latency is 0 or every record hits.
   */
  static double littleBound(JmhResult r) {
    String latency = r.params().get(LATENCY_MS);
    String capacity = r.params().get(CAPACITY);
    String hit = r.params().get(HIT_RATIO);
    if (latency == null || capacity == null || hit == null) {
      return Double.NaN;
    }
    double waitSeconds = (1.0 - Double.parseDouble(hit)) * Double.parseDouble(latency) / 1000.0;
    return waitSeconds > 0 ? Double.parseDouble(capacity) / waitSeconds : Double.NaN;
  }

  /** A benchmark without impl: scores of every combination, then the param comparisons. */
  private static void appendPlainSection(StringBuilder md, List<JmhResult> results) {
    md.append("## ").append(results.get(0).benchmark()).append("\n\n");
    appendFixedParams(md, results);
    List<String> labelParams = labelParams(results, null);
    List<String> header = new ArrayList<>(labelParams);
    header.add("rec/s");
    header.add("±");
    header.add("B/rec");
    appendHeader(md, header, labelParams.size());
    for (JmhResult r : results) {
      List<String> cells = new ArrayList<>();
      for (String p : labelParams) {
        cells.add(r.params().get(p));
      }
      cells.add(String.format(Locale.ROOT, "%,.0f", r.score()));
      cells.add(formatError(r));
      cells.add(formatBytes(r.bytesPerOp()));
      appendRow(md, cells);
    }
    md.append('\n');
    appendScoreCharts(md, results, labelParams);

    for (String[] comparison : PARAM_COMPARISONS) {
      appendComparison(md, results, comparison[0], comparison[1], comparison[2]);
    }
  }

  /**
   * Bars of records/s, one chart per backend when the backend varies (heap is often 20× faster, so
   * one scale would flatten RocksDB), each scaled to its own fastest result.
   */
  private static void appendScoreCharts(
      StringBuilder md, List<JmhResult> results, List<String> labelParams) {
    Map<String, List<JmhResult>> charts = new LinkedHashMap<>();
    boolean byBackend = labelParams.contains(BACKEND);
    for (JmhResult r : results) {
      String chart = byBackend ? BACKEND + "=" + r.params().get(BACKEND) + ": " : "";
      charts.computeIfAbsent(chart, k -> new ArrayList<>()).add(r);
    }
    List<String> rowParams = new ArrayList<>(labelParams);
    if (byBackend) {
      rowParams.remove(BACKEND);
    }
    for (Map.Entry<String, List<JmhResult>> chart : charts.entrySet()) {
      double max = chart.getValue().stream().mapToDouble(JmhResult::score).max().orElse(1);
      List<String[]> rows = new ArrayList<>();
      for (JmhResult r : chart.getValue()) {
        rows.add(
            new String[] {
              label(r, rowParams),
              "█".repeat(Math.max(1, (int) Math.round(r.score() / max * 40)))
                  + String.format(Locale.ROOT, " %,.0f", r.score())
            });
      }
      appendChart(md, chart.getKey() + "records/s (linear, longest bar = fastest)", rows);
    }
  }

  /** {@code param=numerator ÷ param=denominator} for every pair differing only in that param. */
  private static void appendComparison(
      StringBuilder md, List<JmhResult> results, String param, String numerator, String denom) {
    List<String> labelParams = labelParams(results, param);
    List<String[]> rows = new ArrayList<>();
    for (JmhResult[] pair : comparisonPairs(results, param, numerator, denom)) {
      Ratio ratio = Ratio.of(pair[0], pair[1]);
      if (ratio != null) {
        rows.add(new String[] {label(pair[0], labelParams), ratio.toString(), bar(ratio)});
      }
    }
    if (rows.isEmpty()) {
      return;
    }
    String title = param + "=" + numerator + " ÷ " + param + "=" + denom;
    md.append("### ").append(title).append("\n\n");
    appendHeader(md, List.of("combination", "ratio"), 1);
    for (String[] row : rows) {
      appendRow(md, List.of(row[0], row[1]));
    }
    md.append('\n');
    List<String[]> chart = new ArrayList<>();
    for (String[] row : rows) {
      chart.add(new String[] {row[0], row[2]});
    }
    appendChart(md, title + " (│ marks 1.0)", chart);
  }

  private static void appendFixedParams(StringBuilder md, List<JmhResult> results) {
    List<String> fixed = fixedParams(results);
    if (!fixed.isEmpty()) {
      md.append("Same in every row: ").append(String.join(", ", fixed)).append(".\n\n");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Formatting

  private static String heapArgs(List<String> jvmArgs) {
    List<String> shown = new ArrayList<>();
    for (String arg : jvmArgs) {
      // Module flags are summarised; the forks' temp dir is a local path, not a setting.
      if (!arg.startsWith("--add-") && !arg.startsWith("-Djava.io.tmpdir=")) {
        shown.add(arg);
      }
    }
    boolean flinkFlags = jvmArgs.stream().anyMatch(a -> a.startsWith("--add-"));
    return String.join(" ", shown) + (flinkFlags ? " + Flink's --add-opens/--add-exports" : "");
  }

  static String formatScore(JmhResult r) {
    return String.format(Locale.ROOT, "%,.0f %s", r.score(), formatError(r));
  }

  static String formatError(JmhResult r) {
    if (Double.isNaN(r.error())) {
      return "±?";
    }
    return String.format(Locale.ROOT, "±%.1f%%", 100 * r.relativeError())
        + (r.errorIsRange() ? "†" : "");
  }

  private static String formatBytes(double bytes) {
    return Double.isNaN(bytes) ? "—" : String.format(Locale.ROOT, "%.1f", bytes);
  }

  /** A bar where a ratio of 1.0 is {@link #UNIT_BAR} long, with │ at 1.0 when shorter. */
  static String bar(Ratio ratio) {
    int n = (int) Math.round(ratio.value() * UNIT_BAR);
    String bar;
    if (n < UNIT_BAR) {
      bar = "█".repeat(Math.max(0, n)) + " ".repeat(UNIT_BAR - Math.max(0, n)) + "│";
    } else if (n <= MAX_BAR) {
      bar = "█".repeat(n);
    } else {
      bar = "█".repeat(MAX_BAR) + "…";
    }
    return bar + " " + ratio;
  }

  private static void appendHeader(StringBuilder md, List<String> header, int textColumns) {
    appendRow(md, header);
    md.append('|');
    for (int i = 0; i < header.size(); i++) {
      md.append(i < textColumns ? "---|" : "--:|");
    }
    md.append('\n');
  }

  private static void appendRow(StringBuilder md, List<String> cells) {
    md.append("| ").append(String.join(" | ", cells)).append(" |\n");
  }

  private static void appendChart(StringBuilder md, String title, List<String[]> rows) {
    int width = 0;
    for (String[] row : rows) {
      width = Math.max(width, row[0].length());
    }
    md.append("```text\n").append(title).append('\n');
    for (String[] row : rows) {
      md.append(row[0]).append(" ".repeat(width - row[0].length() + 2)).append(row[1]);
      md.append('\n');
    }
    md.append("```\n\n");
  }
}
