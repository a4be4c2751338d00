package dev.etlkit.benchmarks;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * A JMH profiler ({@code -prof dev.etlkit.benchmarks.FiguresProfiler}) that reports figures the
 * benchmarks measure about themselves as secondary metrics beside {@code -prof gc}'s, so that they
 * land in the JSON results:
 *
 * <ul>
 *   <li>{@value #CHANGELOG_BYTES} and {@value #CHANGELOG_CHANGES}: bytes and state changes the
 *       changelog state backend appended per record (harness benchmarks on {@link
 *       Backend#HEAP_CHANGELOG}; preloading left out);
 *   <li>{@value #LOOKUP_LATENCY}: the mean time, in microseconds, the simulated lookup of the
 *       enrichment benchmarks took from a call to its answer (with a simulated latency only), and
 *       {@value #LOOKUP_CALLS}: its calls per record.
 * </ul>
 *
 * <p>A benchmark publishes its figures for the iteration that is ending in an iteration teardown
 * ({@link #addPerRecord}, {@link #addSamples}); JMH completes that teardown before it asks the
 * profiler for the iteration's results. A figure nobody published in an iteration is not reported,
 * so {@code run-benchmarks.sh} passes the profiler to every run. Per-record figures are normalized
 * like {@code gc.alloc.rate.norm}, by all operations of the iteration, which are records for
 * benchmarks with {@code @OperationsPerInvocation(BATCH)}. The profiler runs inside the benchmark's
 * JVM (an internal profiler).
 */
public final class FiguresProfiler implements InternalProfiler {

  /** Bytes appended to the changelog per record. */
  public static final String CHANGELOG_BYTES = "changelog.bytes.norm";

  /** State changes appended to the changelog per record. */
  public static final String CHANGELOG_CHANGES = "changelog.changes.norm";

  /** Mean latency of the simulated lookup's answers, in microseconds. */
  public static final String LOOKUP_LATENCY = "lookup.latency.mean";

  /** Calls of the simulated lookup per record. */
  public static final String LOOKUP_CALLS = "lookup.calls.norm";

  /** A figure accumulated over one iteration. */
  private static final class Figure {
    final String unit;
    final boolean perRecord;
    double sum;
    long samples;

    Figure(String unit, boolean perRecord) {
      this.unit = unit;
      this.perRecord = perRecord;
    }
  }

  private static final Map<String, Figure> FIGURES = new LinkedHashMap<>();

  /** Adds {@code amount} to a figure reported per record of the ending iteration. */
  public static void addPerRecord(String metric, String unit, double amount) {
    synchronized (FIGURES) {
      FIGURES.computeIfAbsent(metric, m -> new Figure(unit, true)).sum += amount;
    }
  }

  /** Adds {@code count} samples summing to {@code sum} to a figure reported as their mean. */
  public static void addSamples(String metric, String unit, double sum, long count) {
    synchronized (FIGURES) {
      Figure figure = FIGURES.computeIfAbsent(metric, m -> new Figure(unit, false));
      figure.sum += sum;
      figure.samples += count;
    }
  }

  @Override
  public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
    synchronized (FIGURES) {
      FIGURES.clear();
    }
  }

  @Override
  public Collection<? extends Result> afterIteration(
      BenchmarkParams benchmarkParams, IterationParams iterationParams, IterationResult result) {
    long ops = result.getMetadata().getAllOps();
    List<Result> results = new ArrayList<>();
    synchronized (FIGURES) {
      for (Map.Entry<String, Figure> entry : FIGURES.entrySet()) {
        Figure figure = entry.getValue();
        long divisor = figure.perRecord ? ops : figure.samples;
        if (divisor > 0) {
          results.add(
              new ScalarResult(
                  entry.getKey(), figure.sum / divisor, figure.unit, AggregationPolicy.AVG));
        }
      }
      FIGURES.clear();
    }
    return results;
  }

  @Override
  public String getDescription() {
    return "Figures etlkit's benchmarks measure about themselves: changelog bytes per record,"
        + " the simulated lookup's latency";
  }
}
