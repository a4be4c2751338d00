package dev.etlkit.operators.enrich;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.StepIdentity;
import dev.etlkit.operators.enrich.internal.async.AsyncLookupFunction;
import dev.etlkit.operators.enrich.internal.async.CacheFirstWaitOperatorFactory;
import dev.etlkit.operators.enrich.internal.async.LookupSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.EitherTypeInfo;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.tasks.mailbox.Mail;
import org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailbox;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.types.Either;

/**
 * A lookup step's async function in its operator (Flink's {@code AsyncWaitOperator} with the
 * cache-first shortcut), in the operator test harness, with the engine's timers and the harness's
 * processing time on one manual clock. Answers reach the operator as mails; {@link #drain()} runs
 * them, as the task's mailbox loop would.
 */
public final class AsyncStepHarness<I, O> {
  final ManualTimers timers = new ManualTimers();
  final AsyncLookupFunction<I, ?, ?, O> function;
  final OneInputStreamOperatorTestHarness<I, Either<O, DeadLetter>> harness;

  public <K, V> AsyncStepHarness(
      Enrich.LookupStep<I, K, V, O> step, TypeSerializer<I> inputSerializer) throws Exception {
    this(step, inputSerializer, 1, 1, 0);
  }

  /** As subtask {@code subtaskIndex} of {@code parallelism} (for rescaling tests). */
  public <K, V> AsyncStepHarness(
      Enrich.LookupStep<I, K, V, O> step,
      TypeSerializer<I> inputSerializer,
      int maxParallelism,
      int parallelism,
      int subtaskIndex)
      throws Exception {
    ManualTimers clock = timers;
    this.function =
        step.function(new StepIdentity("orders", step.name(), "orders/" + step.name()), n -> clock);
    LookupSettings settings = step.settings();
    this.harness =
        new OneInputStreamOperatorTestHarness<>(
            new CacheFirstWaitOperatorFactory<>(
                function,
                settings.timeout().toMillis(),
                settings.capacity(),
                settings.ordered()
                    ? AsyncDataStream.OutputMode.ORDERED
                    : AsyncDataStream.OutputMode.UNORDERED),
            maxParallelism,
            parallelism,
            subtaskIndex);
    // What the harness's (factory, inputSerializer) constructor does; it has no parallel variant.
    harness.getStreamConfig().setupNetworkInputs(inputSerializer);
    harness.getStreamConfig().serializeAllConfigs();
    Configuration noKryo = new Configuration();
    noKryo.set(PipelineOptions.GENERIC_TYPES, false);
    harness
        .getExecutionConfig()
        .getSerializerConfig()
        .configure(noKryo, AsyncStepHarness.class.getClassLoader());
    harness.setup(
        new EitherTypeInfo<>(step.outputType(), DeadLetter.TYPE_INFO)
            .createSerializer(new SerializerConfigImpl()));
  }

  /**
   * Turns on Flink's object reuse ({@code pipeline.object-reuse}) for the operator, which reads it
   * when it opens: call before {@link #open()} or {@link #restore}.
   */
  public AsyncStepHarness<I, O> withObjectReuse() {
    harness.getExecutionConfig().enableObjectReuse();
    return this;
  }

  /**
   * Keeps the operator's state in {@code backend} (default: the harness's heap), as a job with that
   * backend does: call before {@link #open()} or {@link #restore}.
   */
  public AsyncStepHarness<I, O> withStateBackend(StateBackend backend) {
    harness.setStateBackend(backend);
    return this;
  }

  public AsyncStepHarness<I, O> open() throws Exception {
    harness.open();
    return this;
  }

  /** Opens from a snapshot: the records in flight there are looked up again. */
  AsyncStepHarness<I, O> restore(OperatorSubtaskState snapshot) throws Exception {
    harness.initializeState(snapshot);
    harness.open();
    return this;
  }

  /**
   * Closes the operator without finishing it (finishing waits for the records in flight, which on
   * the manual clock may never be answered) and frees the mock task's environment and its I/O
   * threads, which Flink's harness holds until it is closed.
   */
  public void release() throws Exception {
    try {
      harness.getOperator().close();
    } finally {
      harness.getEnvironment().close();
    }
  }

  public void process(I record) throws Exception {
    harness.processElement(record, 0L);
    drain();
  }

  /** Runs the mails waiting in the task's mailbox (answers, timeouts, emissions). */
  public void drain() throws Exception {
    TaskMailbox mailbox = harness.getTaskMailbox();
    Optional<Mail> mail;
    while ((mail = mailbox.tryTake(TaskMailbox.MIN_PRIORITY)).isPresent()) {
      mail.get().run();
    }
  }

  /**
   * Runs mails until {@code count} results came out (for lookups answering on their own threads).
   */
  public void awaitResults(int count) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (results().size() < count) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("only " + results().size() + " of " + count + " results came out");
      }
      Thread.sleep(1);
      drain();
    }
  }

  /** Moves the engine's clock and the operator's processing time forward together. */
  public void advance(Duration duration) throws Exception {
    timers.advance(duration);
    harness.setProcessingTime(harness.getProcessingTime() + duration.toMillis());
    drain();
  }

  OperatorSubtaskState snapshot(long checkpointId) throws Exception {
    return harness.snapshot(checkpointId, checkpointId);
  }

  /** Enriched outputs in emission order. */
  public List<O> outputs() {
    List<O> values = new ArrayList<>();
    for (Either<O, DeadLetter> e : results()) {
      if (e.isLeft()) {
        values.add(e.left());
      }
    }
    return values;
  }

  /** Dead-letter drafts in emission order. */
  public List<DeadLetter> deadLetters() {
    List<DeadLetter> letters = new ArrayList<>();
    for (Either<O, DeadLetter> e : results()) {
      if (e.isRight()) {
        letters.add(e.right());
      }
    }
    return letters;
  }

  List<Either<O, DeadLetter>> results() {
    List<Either<O, DeadLetter>> values = new ArrayList<>();
    for (Object o : harness.getOutput()) {
      if (o instanceof StreamRecord) {
        @SuppressWarnings("unchecked")
        StreamRecord<Either<O, DeadLetter>> r = (StreamRecord<Either<O, DeadLetter>>) o;
        values.add(r.getValue());
      }
    }
    return values;
  }

  public long metric(String name) {
    return function.metrics().count(name);
  }
}
