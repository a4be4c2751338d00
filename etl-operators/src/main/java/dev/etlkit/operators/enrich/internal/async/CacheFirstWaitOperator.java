package dev.etlkit.operators.enrich.internal.async;

import dev.etlkit.core.DeadLetter;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.runtime.event.WatermarkEvent;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.graph.StreamConfig;
import org.apache.flink.streaming.api.operators.Output;
import org.apache.flink.streaming.api.operators.StreamOperatorParameters;
import org.apache.flink.streaming.api.operators.async.AsyncWaitOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.LatencyMarker;
import org.apache.flink.streaming.runtime.streamrecord.RecordAttributes;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.tasks.ProcessingTimeService;
import org.apache.flink.streaming.runtime.tasks.StreamTask;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.streaming.util.retryable.AsyncRetryStrategies;
import org.apache.flink.types.Either;
import org.apache.flink.util.OutputTag;

/**
 * Flink's {@link AsyncWaitOperator} with one shortcut: a record whose key is fresh in the cache (or
 * whose key cannot be read, a dead letter) is answered at once, without a queue entry, a timeout
 * timer and a mailbox round trip, as long as the async queue is empty (so neither the output order
 * nor a watermark is overtaken). Everything else (capacity, ordered/unordered output, timeouts, the
 * records in flight in checkpoints and their re-issue on restore) is the async operator's own. A
 * record answered by the shortcut is never in flight, so it is never in a checkpoint; a restore
 * puts the records in flight into the queue again, but not the watermarks between them (see {@link
 * #open}). A record the shortcut found no fresh entry for goes on to its load without the async
 * function reading its key and the cache a second time, unless it first waits for room in the
 * queue.
 *
 * <p>Why: at 100% cache hits the async machinery costs several times the lookup itself (see
 * EnrichAsyncCachedBenchmark). The queue's fill is tracked by counting the elements put into it and
 * the elements it emitted through this operator's output; every record produces exactly one output.
 * This relies on {@code AsyncWaitOperator} calling {@link #setup} from its constructor and emitting
 * queued elements through the output given there, as it does in Flink 2.2.
 */
@Internal
public final class CacheFirstWaitOperator<I, O>
    extends AsyncWaitOperator<I, Either<O, DeadLetter>> {
  private static final long serialVersionUID = 1L;

  private final AsyncLookupFunction<I, ?, ?, O> lookupFunction;
  private final boolean ordered;
  private final int capacity;

  // Set in setup(), which the super constructor calls: no initializer, or it would be reset.
  private QueueTrackingOutput<Either<O, DeadLetter>> tracker;

  /** Reused for every shortcut answer once the first one made it. */
  @Nullable private transient Either.Left<O, DeadLetter> answer;

  /** Elements put into the async queue: records and watermarks. */
  private long queued;

  /** Watermarks put into the async queue. */
  private long queuedWatermarks;

  /** While {@link #open} puts the restored records in flight into the queue again. */
  private transient boolean restoring;

  public CacheFirstWaitOperator(
      StreamOperatorParameters<Either<O, DeadLetter>> parameters,
      AsyncLookupFunction<I, ?, ?, O> function,
      long timeout,
      int capacity,
      AsyncDataStream.OutputMode outputMode,
      ProcessingTimeService processingTimeService,
      MailboxExecutor mailboxExecutor) {
    super(
        parameters,
        function,
        timeout,
        capacity,
        outputMode,
        AsyncRetryStrategies.NO_RETRY_STRATEGY,
        processingTimeService,
        mailboxExecutor);
    this.lookupFunction = function;
    this.ordered = outputMode == AsyncDataStream.OutputMode.ORDERED;
    this.capacity = capacity;
  }

  @Override
  protected void setup(
      StreamTask<?, ?> containingTask,
      StreamConfig config,
      Output<StreamRecord<Either<O, DeadLetter>>> output) {
    tracker = new QueueTrackingOutput<>(output);
    super.setup(containingTask, config, tracker);
  }

  @Override
  public void processElement(StreamRecord<I> record) throws Exception {
    if (ordered ? queued == tracker.emitted : queuedWatermarks == tracker.emittedWatermarks) {
      Either<O, DeadLetter> cached = lookupFunction.answerFromCache(record.getValue(), answer);
      if (cached != null) {
        if (cached.isLeft()) {
          answer = (Either.Left<O, DeadLetter>) cached;
        }
        tracker.bypass(record.replace(cached));
        return;
      }
      // No fresh entry: the async function loads the key without reading the cache again, unless
      // the queue is full and the record must wait for room first (the key may be loaded then).
      if (queued - tracker.emitted >= capacity) {
        lookupFunction.forgetCacheMiss();
      }
    }
    queued++;
    try {
      super.processElement(record);
    } finally {
      lookupFunction.forgetCacheMiss();
    }
  }

  /**
   * Opens the operator, which puts the records in flight of the restored checkpoint into the queue
   * again, without the watermarks that were in flight between them: the operator state is split and
   * merged over the subtasks when the job is rescaled, so one old subtask's watermark could stand
   * before another's records that it never covered, and make them late downstream. Watermarks are
   * not restored anywhere else in Flink either: the upstream's, after the restore, move event time
   * on again.
   */
  @Override
  public void open() throws Exception {
    restoring = true;
    try {
      super.open();
    } finally {
      restoring = false;
    }
  }

  @Override
  public void processWatermark(Watermark mark) throws Exception {
    if (restoring) {
      return; // a restored watermark: see open()
    }
    queued++;
    queuedWatermarks++;
    super.processWatermark(mark);
  }

  /**
   * Fails the checkpoint's task with an {@link Error} of the lookup that no record carried, if any
   * (see {@link AsyncLookupFunction#throwUnreported}), before the records in flight are written: a
   * checkpoint or savepoint (also of a stop without drain) never passes over one.
   */
  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    lookupFunction.throwUnreported();
    super.snapshotState(context);
  }

  /**
   * Fails the task with an {@link Error} of the lookup that no record carried, if any: the input
   * ended (its records in flight were answered in {@code endInput}), and a bounded job must not
   * finish successfully after it.
   */
  @Override
  public void finish() throws Exception {
    super.finish();
    lookupFunction.throwUnreported();
  }

  /** Counts what the async queue emits; records answered by the shortcut go around the count. */
  private static final class QueueTrackingOutput<T> implements Output<StreamRecord<T>> {
    private final Output<StreamRecord<T>> out;
    long emitted;
    long emittedWatermarks;

    QueueTrackingOutput(Output<StreamRecord<T>> out) {
      this.out = out;
    }

    void bypass(StreamRecord<T> record) {
      out.collect(record);
    }

    @Override
    public void collect(StreamRecord<T> record) {
      emitted++;
      out.collect(record);
    }

    @Override
    public void emitWatermark(Watermark mark) {
      emitted++;
      emittedWatermarks++;
      out.emitWatermark(mark);
    }

    @Override
    public <X> void collect(OutputTag<X> outputTag, StreamRecord<X> record) {
      out.collect(outputTag, record);
    }

    @Override
    public void emitWatermarkStatus(WatermarkStatus watermarkStatus) {
      out.emitWatermarkStatus(watermarkStatus);
    }

    @Override
    public void emitLatencyMarker(LatencyMarker latencyMarker) {
      out.emitLatencyMarker(latencyMarker);
    }

    @Override
    public void emitRecordAttributes(RecordAttributes recordAttributes) {
      out.emitRecordAttributes(recordAttributes);
    }

    @Override
    public void emitWatermark(WatermarkEvent watermark) {
      out.emitWatermark(watermark);
    }

    @Override
    public void close() {
      out.close();
    }
  }
}
