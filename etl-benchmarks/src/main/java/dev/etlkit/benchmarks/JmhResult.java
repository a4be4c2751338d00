package dev.etlkit.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One benchmark × parameter combination of a JMH JSON result file ({@code -rf json}), reduced to
 * what the report needs.
 *
 * <p>A benchmark whose invocation is a whole job (one invocation, many records: {@code
 * ReferenceJobBenchmark}) counts its records in an {@code @AuxCounters} field named {@value
 * #RECORDS}; its score, error and bytes are then per record: the {@value #RECORDS} rate instead of
 * invocations per second, and {@code gc.alloc.rate.norm} (bytes per invocation) divided by the
 * records per invocation.
 *
 * @param benchmark class simple name and method, e.g. {@code StateLimitBenchmark.stateOp}
 * @param params the {@code @Param} values in JMH's order
 * @param score primary score (ops/s: records/s with {@code @OperationsPerInvocation}, or the
 *     {@value #RECORDS} rate)
 * @param error the error of the score: JMH's 99.9% confidence half-width, or — when JMH gives none
 *     (fewer than three measurement iterations) — half the min–max range of the iterations
 * @param errorIsRange true when {@code error} is the half range rather than a confidence interval
 * @param unit unit of the primary score
 * @param bytesPerOp {@code gc.alloc.rate.norm} (B/op, i.e. bytes per record), NaN without {@code
 *     -prof gc}
 * @param loggedBytesPerOp {@value FiguresProfiler#CHANGELOG_BYTES} (bytes the changelog state
 *     backend appended per record), NaN without {@link FiguresProfiler} or off {@code
 *     HEAP_CHANGELOG}
 * @param run how the result was measured (same for all results of one JMH run)
 */
record JmhResult(
    String benchmark,
    Map<String, String> params,
    double score,
    double error,
    boolean errorIsRange,
    String unit,
    double bytesPerOp,
    double loggedBytesPerOp,
    RunInfo run) {

  private static final String ALLOC_NORM = "gc.alloc.rate.norm";

  /** The aux counter of records of a benchmark whose invocation processes many records. */
  static final String RECORDS = "records";

  JmhResult {
    params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
  }

  /** A result without a changelog figure. */
  JmhResult(
      String benchmark,
      Map<String, String> params,
      double score,
      double error,
      boolean errorIsRange,
      String unit,
      double bytesPerOp,
      RunInfo run) {
    this(benchmark, params, score, error, errorIsRange, unit, bytesPerOp, Double.NaN, run);
  }

  /** The class part of {@link #benchmark()}. */
  String benchmarkClass() {
    int dot = benchmark.lastIndexOf('.');
    return dot < 0 ? benchmark : benchmark.substring(0, dot);
  }

  /** Relative error of the score (NaN when unknown). */
  double relativeError() {
    return error / score;
  }

  /**
   * How a JMH run was configured.
   *
   * @param jmhVersion JMH version
   * @param jdk JDK version and VM name
   * @param forks forks per parameter combination
   * @param warmup warmup iterations and time, e.g. {@code 1 × 1 s}
   * @param measurement measurement iterations and time, e.g. {@code 2 × 1 s}
   * @param jvmArgs the forks' JVM arguments
   */
  record RunInfo(
      String jmhVersion,
      String jdk,
      int forks,
      String warmup,
      String measurement,
      List<String> jvmArgs) {}

  /** Reads every result of a JMH JSON file. */
  static List<JmhResult> read(Path jsonFile) throws IOException {
    JsonNode root = new ObjectMapper().readTree(jsonFile.toFile());
    if (root == null || !root.isArray()) {
      throw new IOException("Not a JMH JSON result file (expected an array): " + jsonFile);
    }
    List<JmhResult> results = new ArrayList<>();
    for (JsonNode node : root) {
      results.add(parse(node));
    }
    return results;
  }

  private static JmhResult parse(JsonNode node) {
    String fullName = node.path("benchmark").asText();
    int methodDot = fullName.lastIndexOf('.');
    int classDot = methodDot < 0 ? -1 : fullName.lastIndexOf('.', methodDot - 1);
    String benchmark = fullName.substring(classDot + 1);

    Map<String, String> params = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> fields = node.path("params").fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      params.put(field.getKey(), field.getValue().asText());
    }

    JsonNode primary = node.path("primaryMetric");
    double score = number(primary.path("score"));
    double error = number(primary.path("scoreError"));
    boolean errorIsRange = false;
    if (Double.isNaN(error)) {
      error = halfRange(primary.path("rawData"));
      errorIsRange = !Double.isNaN(error);
    }
    JsonNode alloc = node.path("secondaryMetrics").path(ALLOC_NORM);
    double bytesPerOp = alloc.isMissingNode() ? Double.NaN : number(alloc.path("score"));
    String unit = primary.path("scoreUnit").asText("");
    JsonNode logged = node.path("secondaryMetrics").path(FiguresProfiler.CHANGELOG_BYTES);
    double loggedBytesPerOp = logged.isMissingNode() ? Double.NaN : number(logged.path("score"));

    JsonNode records = node.path("secondaryMetrics").path(RECORDS);
    if (records.isObject()) { // per record rather than per invocation
      double recordsPerSecond = number(records.path("score"));
      bytesPerOp = bytesPerOp * score / recordsPerSecond; // ÷ records per invocation
      score = recordsPerSecond;
      error = number(records.path("scoreError"));
      errorIsRange = false;
      if (Double.isNaN(error)) {
        error = halfRange(records.path("rawData"));
        errorIsRange = !Double.isNaN(error);
      }
      unit = records.path("scoreUnit").asText("");
    }

    List<String> jvmArgs = new ArrayList<>();
    node.path("jvmArgs").forEach(arg -> jvmArgs.add(arg.asText()));
    RunInfo run =
        new RunInfo(
            node.path("jmhVersion").asText("?"),
            node.path("jdkVersion").asText("?") + " (" + node.path("vmName").asText("?") + ")",
            node.path("forks").asInt(),
            node.path("warmupIterations").asInt() + " × " + node.path("warmupTime").asText("?"),
            node.path("measurementIterations").asInt()
                + " × "
                + node.path("measurementTime").asText("?"),
            List.copyOf(jvmArgs));
    return new JmhResult(
        benchmark, params, score, error, errorIsRange, unit, bytesPerOp, loggedBytesPerOp, run);
  }

  /** JMH writes NaN and infinities as strings. */
  private static double number(JsonNode node) {
    if (node.isNumber()) {
      return node.asDouble();
    }
    if (node.isTextual()) {
      try {
        return Double.parseDouble(node.asText());
      } catch (NumberFormatException e) {
        return Double.NaN;
      }
    }
    return Double.NaN;
  }

  /** Half the min–max range over all iterations of all forks, NaN with fewer than two. */
  private static double halfRange(JsonNode rawData) {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    int n = 0;
    for (JsonNode fork : rawData) {
      for (JsonNode iteration : fork) {
        double v = number(iteration);
        if (!Double.isNaN(v)) {
          min = Math.min(min, v);
          max = Math.max(max, v);
          n++;
        }
      }
    }
    return n < 2 ? Double.NaN : (max - min) / 2;
  }
}
