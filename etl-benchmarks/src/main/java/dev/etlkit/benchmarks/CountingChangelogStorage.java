package dev.etlkit.benchmarks;

import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.SnapshotResult;
import org.apache.flink.runtime.state.changelog.ChangelogStateHandle;
import org.apache.flink.runtime.state.changelog.SequenceNumber;
import org.apache.flink.runtime.state.changelog.StateChangelogHandleReader;
import org.apache.flink.runtime.state.changelog.StateChangelogStorage;
import org.apache.flink.runtime.state.changelog.StateChangelogWriter;

/**
 * The state changelog storage of {@link Backend#HEAP_CHANGELOG}: counts the changes and bytes the
 * changelog state backend appends and keeps none of them.
 *
 * <p>It stands in for Flink's durable short-term log (which batches the same bytes and uploads them
 * to a file system on its own threads) and for its in-memory storage (which keeps every change
 * until a checkpoint truncates it, so a benchmark without checkpoints would fill the heap). What
 * the task thread pays, serializing each state write into bytes and handing them to the writer, is
 * the same: that is what the benchmark measures. Benchmarks take no checkpoints, so persisting and
 * reading are refused.
 */
final class CountingChangelogStorage implements StateChangelogStorage<ChangelogStateHandle> {

  private long changes;
  private long bytes;

  /** Changes appended so far, by every writer of this storage. */
  long changes() {
    return changes;
  }

  /** Bytes appended so far, by every writer of this storage. */
  long bytes() {
    return bytes;
  }

  @Override
  public StateChangelogWriter<ChangelogStateHandle> createWriter(
      String operatorId, KeyGroupRange keyGroupRange, MailboxExecutor mailboxExecutor) {
    return new Writer();
  }

  @Override
  public StateChangelogHandleReader<ChangelogStateHandle> createReader() {
    throw new UnsupportedOperationException("benchmarks do not restore from a changelog");
  }

  @Override
  public void close() {}

  private final class Writer implements StateChangelogWriter<ChangelogStateHandle> {
    private long next;

    @Override
    public SequenceNumber initialSequenceNumber() {
      return SequenceNumber.of(0L);
    }

    @Override
    public SequenceNumber nextSequenceNumber() {
      return SequenceNumber.of(next);
    }

    @Override
    public void appendMeta(byte[] value) {
      next++;
    }

    @Override
    public void append(int keyGroup, byte[] value) {
      changes++;
      bytes += value.length;
      next++;
    }

    @Override
    public CompletableFuture<SnapshotResult<ChangelogStateHandle>> persist(
        SequenceNumber from, long checkpointId) {
      throw new UnsupportedOperationException("benchmarks take no checkpoints");
    }

    @Override
    public void truncate(SequenceNumber to) {}

    @Override
    public void confirm(SequenceNumber from, SequenceNumber to, long checkpointId) {}

    @Override
    public void reset(SequenceNumber from, SequenceNumber to, long checkpointId) {}

    @Override
    public void truncateAndClose(SequenceNumber from) {}

    @Override
    public void close() {}
  }
}
