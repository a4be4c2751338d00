package dev.etlkit.benchmarks;

import static dev.etlkit.benchmarks.BenchmarkReport.CANDIDATE;
import static dev.etlkit.benchmarks.BenchmarkReport.IMPL;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How {@link BenchmarkReport} and {@link BenchmarkCharts} group JMH results: by benchmark, by
 * combination of params, into pairs that differ in one param, with the params that vary and those
 * that do not, and the labels of rows.
 */
final class ResultGroups {

  private ResultGroups() {}

  /**
   * {@code [numerator, denominator]} for every result with {@code param=numerator} whose other
   * params match a result with {@code param=denominator}, in the order of the results.
   */
  static List<JmhResult[]> comparisonPairs(
      List<JmhResult> results, String param, String numerator, String denom) {
    Map<String, JmhResult> denominators = new LinkedHashMap<>();
    for (JmhResult r : results) {
      if (denom.equals(r.params().get(param))) {
        denominators.put(key(r, param), r);
      }
    }
    List<JmhResult[]> pairs = new ArrayList<>();
    for (JmhResult r : results) {
      JmhResult d = denominators.get(key(r, param));
      if (numerator.equals(r.params().get(param)) && d != null) {
        pairs.add(new JmhResult[] {r, d});
      }
    }
    return pairs;
  }

  /** The results of an impl benchmark by combination of the other params, then by impl. */
  static Map<String, Map<String, JmhResult>> implRows(List<JmhResult> results) {
    Map<String, Map<String, JmhResult>> rows = new LinkedHashMap<>();
    for (JmhResult r : results) {
      rows.computeIfAbsent(key(r, IMPL), k -> new LinkedHashMap<>())
          .put(r.params().getOrDefault(IMPL, "?"), r);
    }
    return rows;
  }

  static Map<String, List<JmhResult>> groupByBenchmark(List<JmhResult> results) {
    Map<String, List<JmhResult>> groups = new LinkedHashMap<>();
    for (JmhResult r : results) {
      groups.computeIfAbsent(r.benchmark(), k -> new ArrayList<>()).add(r);
    }
    return groups;
  }

  /** The values of a param when it takes more than one value in these results, else empty. */
  private static Set<String> variedValues(List<JmhResult> results, String param) {
    Set<String> values = new LinkedHashSet<>();
    for (JmhResult r : results) {
      String v = r.params().get(param);
      if (v != null) {
        values.add(v);
      }
    }
    return values.size() > 1 ? values : Set.of();
  }

  /** Params that vary across these results, in JMH order, without {@code excluded}. */
  static List<String> labelParams(List<JmhResult> results, String excluded) {
    List<String> params = new ArrayList<>();
    for (String p : results.get(0).params().keySet()) {
      if (!p.equals(excluded) && !variedValues(results, p).isEmpty()) {
        params.add(p);
      }
    }
    return params;
  }

  /** {@code param=value} of every param but impl that has one value in all these results. */
  static List<String> fixedParams(List<JmhResult> results) {
    List<String> fixed = new ArrayList<>();
    for (Map.Entry<String, String> p : results.get(0).params().entrySet()) {
      if (variedValues(results, p.getKey()).isEmpty() && !p.getKey().equals(IMPL)) {
        fixed.add(p.getKey() + "=" + p.getValue());
      }
    }
    return fixed;
  }

  /** CANDIDATE first, then FLINK_SQL and LIMIT, then the rest in order of appearance. */
  static List<String> orderedImpls(List<JmhResult> results) {
    Set<String> seen = new LinkedHashSet<>();
    for (JmhResult r : results) {
      seen.add(r.params().getOrDefault(IMPL, "?"));
    }
    List<String> ordered = new ArrayList<>();
    for (String preferred : List.of(CANDIDATE, "FLINK_SQL", "LIMIT")) {
      if (seen.remove(preferred)) {
        ordered.add(preferred);
      }
    }
    ordered.addAll(seen);
    return ordered;
  }

  /** The params of a result without one of them: results with equal keys are compared. */
  private static String key(JmhResult r, String without) {
    Map<String, String> params = new LinkedHashMap<>(r.params());
    params.remove(without);
    return r.benchmark() + params;
  }

  static String label(JmhResult r, List<String> labelParams) {
    if (labelParams.isEmpty()) {
      return "(all)";
    }
    List<String> parts = new ArrayList<>();
    for (String p : labelParams) {
      parts.add(p + "=" + r.params().get(p));
    }
    return String.join(" ", parts);
  }
}
