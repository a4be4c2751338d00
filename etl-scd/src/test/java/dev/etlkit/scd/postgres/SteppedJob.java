package dev.etlkit.scd.postgres;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.client.program.ClusterClient;
import org.apache.flink.core.execution.CheckpointType;
import org.apache.flink.core.execution.JobClient;

/**
 * A MiniCluster job that a test steps through: it waits on signals of the job's source and sink
 * (which run in the test's JVM) and triggers the job's checkpoints itself, so it knows where each
 * one is. Every wait fails as soon as the job ends or fails, and after {@code patience} at the
 * latest.
 */
final class SteppedJob {

  @FunctionalInterface
  interface Condition {
    boolean holds() throws Exception;
  }

  private static final Duration POLL = Duration.ofMillis(20);

  private final JobClient job;
  private final Duration patience;

  SteppedJob(JobClient job, Duration patience) {
    this.job = job;
    this.patience = patience;
  }

  /** Triggers a checkpoint and waits until it completes (retried while tasks are starting). */
  void checkpoint(ClusterClient<?> cluster) throws Exception {
    long deadline = System.nanoTime() + patience.toNanos();
    while (true) {
      try {
        cluster
            .triggerCheckpoint(job.getJobID(), CheckpointType.CONFIGURED)
            .get(patience.toSeconds(), TimeUnit.SECONDS);
        return;
      } catch (ExecutionException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        assertRunning("a checkpoint");
      }
    }
  }

  void await(String what, CompletableFuture<Void> signal) throws Exception {
    poll(what, signal::isDone);
  }

  /** Polls {@code condition}, waiting a little on the job's end between tries. */
  void poll(String what, Condition condition) throws Exception {
    long deadline = System.nanoTime() + patience.toNanos();
    while (!condition.holds()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no " + what + " within " + patience);
      }
      assertRunning(what);
    }
  }

  /** Waits for the end of a job that ends by itself. */
  JobExecutionResult result() throws Exception {
    return job.getJobExecutionResult().get(patience.toSeconds(), TimeUnit.SECONDS);
  }

  /** Waits a little on the job's end, which must not come while the test waits for {@code what}. */
  private void assertRunning(String what) throws Exception {
    try {
      job.getJobExecutionResult().get(POLL.toMillis(), TimeUnit.MILLISECONDS);
      throw new AssertionError("the job ended while waiting for " + what);
    } catch (TimeoutException stillRunning) {
      // the job runs: try again
    } catch (ExecutionException e) {
      throw new AssertionError("the job failed while waiting for " + what, e.getCause());
    }
  }
}
