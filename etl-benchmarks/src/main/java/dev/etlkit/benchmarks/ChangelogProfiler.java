package dev.etlkit.benchmarks;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * A JMH profiler ({@code -prof dev.etlkit.benchmarks.ChangelogProfiler}) that reports what the
 * changelog state backend appended per record, as secondary metrics beside {@code -prof gc}'s:
 * {@value #BYTES} (bytes per record) and {@value #CHANGES} (state changes per record).
 *
 * <p>Only harness benchmarks on {@link Backend#HEAP_CHANGELOG} have a changelog: each publishes
 * what its {@link CountingChangelogStorage} counted at the end of every iteration ({@link
 * #publish}), preloading left out. On every other backend nothing is published and the profiler
 * reports nothing, so {@code run-benchmarks.sh} passes it to every run. Like {@code
 * gc.alloc.rate.norm}, the figures are normalized by all operations of the iteration, which are
 * records for benchmarks with {@code @OperationsPerInvocation(BATCH)}.
 *
 * <p>It runs inside the benchmark's JVM (an internal profiler); the benchmark thread publishes in
 * its iteration teardown, which JMH completes before it asks the profiler for the iteration's
 * results.
 */
public final class ChangelogProfiler implements InternalProfiler {

  /** Secondary metric: bytes appended to the changelog per record. */
  public static final String BYTES = "changelog.bytes.norm";

  /** Secondary metric: state changes appended to the changelog per record. */
  public static final String CHANGES = "changelog.changes.norm";

  private static final AtomicLong PUBLISHED_BYTES = new AtomicLong();
  private static final AtomicLong PUBLISHED_CHANGES = new AtomicLong();
  private static final AtomicLong PUBLICATIONS = new AtomicLong();

  private long bytesBefore;
  private long changesBefore;
  private long publicationsBefore;

  /** Adds what a benchmark's changelog appended during the iteration that is ending. */
  static void publish(long bytes, long changes) {
    PUBLISHED_BYTES.addAndGet(bytes);
    PUBLISHED_CHANGES.addAndGet(changes);
    PUBLICATIONS.incrementAndGet();
  }

  @Override
  public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
    bytesBefore = PUBLISHED_BYTES.get();
    changesBefore = PUBLISHED_CHANGES.get();
    publicationsBefore = PUBLICATIONS.get();
  }

  @Override
  public Collection<? extends Result> afterIteration(
      BenchmarkParams benchmarkParams, IterationParams iterationParams, IterationResult result) {
    long ops = result.getMetadata().getAllOps();
    if (PUBLICATIONS.get() == publicationsBefore || ops == 0) {
      return List.of();
    }
    return List.of(
        new ScalarResult(
            BYTES,
            (PUBLISHED_BYTES.get() - bytesBefore) / (double) ops,
            "B/op",
            AggregationPolicy.AVG),
        new ScalarResult(
            CHANGES,
            (PUBLISHED_CHANGES.get() - changesBefore) / (double) ops,
            "changes/op",
            AggregationPolicy.AVG));
  }

  @Override
  public String getDescription() {
    return "Bytes and changes the changelog state backend appended per record (HEAP_CHANGELOG)";
  }
}
